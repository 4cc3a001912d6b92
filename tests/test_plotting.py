"""RegularizationPathDisplay: one line per feature on a log alpha axis."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import linear_model as sk

from sklreg import (
    ElasticNet,
    ElasticNetCV,
    Lasso,
    LassoCV,
    LogisticRegression,
    LogisticRegressionCV,
    RegularizationPathDisplay,
    Ridge,
    RidgeCV,
    lasso_path,
)

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def data(diabetes):
    X, y = diabetes
    return X[:150], y[:150]


def test_from_path_draws_one_line_per_feature(data):
    X, y = data
    alphas, coefs, _ = lasso_path(X, y, alphas=20)
    disp = RegularizationPathDisplay.from_path(alphas, coefs, n_zeros=True)
    assert len(disp.lines_) == X.shape[1]
    assert disp.ax_.get_xscale() == "log"
    assert disp.figure_ is disp.ax_.figure
    np.testing.assert_array_equal(disp.lines_[3].get_xdata(), alphas)
    np.testing.assert_array_equal(disp.lines_[3].get_ydata(), coefs[3])
    np.testing.assert_array_equal(
        disp.zeros_line_.get_ydata(), (coefs == 0).sum(axis=0)
    )
    assert disp.zeros_line_.get_ydata()[0] == X.shape[1]  # alpha_max: all zero


@pytest.mark.parametrize(
    "estimator",
    [
        Lasso(tol=1e-12, max_iter=100_000),
        ElasticNet(l1_ratio=0.3, tol=1e-12, max_iter=100_000),
        Ridge(),
        sk.Lasso(tol=1e-12, max_iter=100_000),
        sk.Ridge(),
    ],
    ids=lambda e: f"{type(e).__module__.split('.')[0]}.{type(e).__name__}",
)
def test_from_estimator(estimator, data):
    X, y = data
    _, ax = plt.subplots()
    disp = RegularizationPathDisplay.from_estimator(estimator, X, y, n_alphas=15, ax=ax)
    assert disp.ax_ is ax
    assert len(disp.lines_) == X.shape[1]
    assert ax.get_xscale() == "log"
    assert ax.get_title() == type(estimator).__name__
    assert len(disp.alphas) == 15
    for line, coef in zip(disp.lines_, disp.coefs, strict=True):
        np.testing.assert_array_equal(line.get_xdata(), disp.alphas)
        np.testing.assert_array_equal(line.get_ydata(), coef)
    # each point of the path is scikit-learn's model at that alpha
    params = estimator.get_params()
    params.pop("penalty_factor", None)  # sklreg's (None here): not scikit-learn's
    ref = getattr(sk, type(estimator).__name__)(**params)
    for k in (0, 7, 14):
        ref.set_params(alpha=disp.alphas[k]).fit(X, y)
        np.testing.assert_allclose(
            disp.coefs[:, k],
            ref.coef_,
            rtol=1e-6,
            atol=1e-6 * max(np.abs(ref.coef_).max(), 1e-12),
        )


def test_from_estimator_path_values(data):
    X, y = data
    disp = RegularizationPathDisplay.from_estimator(
        Lasso(fit_intercept=False, tol=1e-10), X, y, alphas=[1.0, 0.1]
    )
    one = sk.Lasso(alpha=0.1, fit_intercept=False, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(disp.coefs[:, 1], one.coef_, atol=1e-6)
    ridge = RegularizationPathDisplay.from_estimator(Ridge(), X, y, alphas=[10.0, 1.0])
    ref = sk.Ridge(alpha=1.0).fit(X, y).coef_
    np.testing.assert_allclose(ridge.coefs[:, 1], ref, rtol=1e-5, atol=1e-6)
    # the L2 path shrinks but never reaches exact zeros
    assert np.all(ridge.coefs != 0)


def test_from_fitted_cv_estimators_use_their_grid_and_alpha(data):
    X, y = data
    for est in (
        LassoCV(cv=3, alphas=10).fit(X, y),
        ElasticNetCV(cv=3, alphas=8, l1_ratio=[0.5, 1.0]).fit(X, y),
        RidgeCV(alphas=[0.01, 0.1, 1.0, 10.0]).fit(X, y),
    ):
        disp = RegularizationPathDisplay.from_estimator(est, X, y)
        assert disp.alpha_ == est.alpha_
        np.testing.assert_array_equal(disp.alpha_line_.get_xdata(), [est.alpha_] * 2)
        n = np.asarray(est.alphas_).shape[-1] if hasattr(est, "alphas_") else 4
        assert len(disp.lines_[0].get_xdata()) == n


def test_sparse_and_feature_names(data):
    X, y = data
    names = [f"f{j}" for j in range(X.shape[1])]
    disp = RegularizationPathDisplay.from_estimator(
        Lasso(tol=1e-12), sp.csr_matrix(X), y, n_alphas=5, feature_names=names
    )
    assert [t.get_text() for t in disp.ax_.get_legend().get_texts()] == names
    # sparse X draws the path of its dense copy
    dense = RegularizationPathDisplay.from_estimator(Lasso(tol=1e-12), X, y, n_alphas=5)
    np.testing.assert_allclose(disp.alphas, dense.alphas, rtol=1e-12)
    np.testing.assert_allclose(disp.coefs, dense.coefs, rtol=1e-7, atol=1e-9)


def test_bad_input(data):
    X, y = data
    with pytest.raises(ValueError, match="shape"):
        RegularizationPathDisplay.from_path([1.0, 0.1], np.zeros((3, 4)))
    with pytest.raises(ValueError, match="log"):
        RegularizationPathDisplay.from_path([1.0, 0.0], np.zeros((3, 2)))
    with pytest.raises(TypeError, match="supports"):
        RegularizationPathDisplay.from_estimator(sk.LinearRegression(), X, y)
    with pytest.raises(ValueError, match="sample_weight"):
        RegularizationPathDisplay.from_estimator(
            Lasso(), X, y, sample_weight=-np.ones(len(y))
        )
    with pytest.raises(ValueError, match="l1_ratio"):
        RegularizationPathDisplay.from_estimator(ElasticNetCV(l1_ratio=[0.1, 1]), X, y)


def test_from_estimator_uses_the_penalty_factors(data):
    # the path of Lasso(penalty_factor=f) is scikit-learn's Lasso path on the
    # rescaled columns X_j / f_j (coefficients rescaled back)
    X, y = data
    f = np.linspace(0.5, 2.0, X.shape[1])
    disp = RegularizationPathDisplay.from_estimator(
        Lasso(penalty_factor=f, tol=1e-10), X, y, n_alphas=8
    )
    for k in (0, 4, 7):
        ref = sk.Lasso(alpha=disp.alphas[k], tol=1e-12, max_iter=100000)
        ref.fit(X / f, y)
        np.testing.assert_allclose(
            disp.coefs[:, k], ref.coef_ / f, rtol=1e-5, atol=1e-8
        )


@pytest.mark.parametrize("l1_ratio", [1.0, 0.0])
def test_from_estimator_logistic_regression_against_refits(l1_ratio):
    # the drawn coefficients at each C are those of LogisticRegression(C)
    from sklearn.datasets import load_breast_cancer
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X[:200, :8])
    y = y[:200]
    Cs = np.geomspace(0.01, 1.0, 6)
    est = LogisticRegression(l1_ratio=l1_ratio, tol=1e-14, max_iter=500)
    disp = RegularizationPathDisplay.from_estimator(est, X, y, alphas=Cs, n_zeros=True)
    assert disp.ax_.get_xlabel() == "C" and len(disp.lines_) == 8
    np.testing.assert_allclose(disp.alphas, Cs)
    for k, C in enumerate(Cs):
        ref = LogisticRegression(C=C, l1_ratio=l1_ratio, tol=1e-14, max_iter=500)
        np.testing.assert_allclose(
            disp.coefs[:, k], ref.fit(X, y).coef_[0], rtol=1e-5, atol=1e-7
        )
    zeros = np.sum(disp.coefs == 0, axis=0)
    if l1_ratio == 1:  # L1: exact zeros, fewer as C grows (weaker penalty)
        assert zeros[0] > zeros[-1]
    else:  # L2 shrinks without zeros
        assert not zeros.any()
    plt.close("all")


def test_from_estimator_multiclass_and_fitted_logistic_cv():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    disp = RegularizationPathDisplay.from_estimator(
        LogisticRegression(l1_ratio=1), X, y, n_alphas=8
    )
    assert len(disp.lines_) == 3 * 4  # a line per class and feature
    assert disp.feature_names[:2] == ["x0 [0]", "x1 [0]"]
    cv = LogisticRegressionCV(
        Cs=5, l1_ratios=[1.0], cv=3, use_legacy_attributes=False, scoring="accuracy"
    ).fit(X, y)
    disp = RegularizationPathDisplay.from_estimator(cv, X, y)
    np.testing.assert_allclose(disp.alphas, np.sort(cv.Cs_))
    assert disp.alpha_ == pytest.approx(float(np.atleast_1d(cv.C_)[0]))
    assert disp.alpha_line_ is not None
    plt.close("all")
