"""``penalty_factor``: per-feature penalty weights on every penalised estimator.

References: scikit-learn's Lasso on rescaled columns ``X_j / f_j`` (the same
problem for positive factors), the KKT conditions for zero and infinite
factors, and the least-squares fit of the unpenalised features for the
first alpha of the grid.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import linear_model as sk
from sklearn.model_selection import KFold

import sklreg
from sklreg.linear_model import enet_path, lasso_path

TIGHT = {"tol": 1e-10, "max_iter": 100_000}


def _data(n=60, p=40, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p) + 0.5
    w = np.zeros(p)
    w[:6] = rng.randn(6) * 2
    y = X @ w + 0.5 * rng.randn(n) + 3.0
    return X, y


def _rel(a, b):
    return np.abs(a - b).max() / max(np.abs(b).max(), 1e-300)


@pytest.mark.parametrize("shape", [(60, 200), (300, 30)])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_lasso_equals_sklearn_on_rescaled_columns(shape, sparse, positive, weighted):
    X, y = _data(*shape)
    f = np.random.RandomState(1).uniform(0.3, 3.0, X.shape[1])
    sw = np.random.RandomState(2).uniform(0.5, 2, X.shape[0]) if weighted else None
    Xf = sp.csc_matrix(X) if sparse else X
    got = sklreg.Lasso(alpha=0.05, penalty_factor=f, positive=positive, **TIGHT)
    got.fit(Xf, y, sample_weight=sw)
    ref = sk.Lasso(alpha=0.05, positive=positive, **TIGHT).fit(
        X / f, y, sample_weight=sw
    )
    assert _rel(got.coef_, ref.coef_ / f) < 1e-6
    assert got.intercept_ == pytest.approx(ref.intercept_, rel=1e-8)
    assert got.dual_gap_ >= 0


def test_multitask_equals_sklearn_on_rescaled_columns():
    X, y = _data()
    Y = np.c_[y, 2 * y + np.random.RandomState(3).randn(len(y))]
    f = np.random.RandomState(1).uniform(0.3, 3.0, X.shape[1])
    got = sklreg.MultiTaskLasso(alpha=0.1, penalty_factor=f, **TIGHT).fit(X, Y)
    ref = sk.MultiTaskLasso(alpha=0.1, **TIGHT).fit(X / f, Y)
    assert _rel(got.coef_, ref.coef_ / f) < 1e-6


def _kkt(X, y, coef, intercept, alpha, l1_ratio, f):
    """Violations of the KKT conditions of the weighted elastic net."""
    n = X.shape[0]
    g = X.T @ (y - X @ coef - intercept) / n
    g = g - alpha * (1 - l1_ratio) * np.where(np.isinf(f), 0, f) * coef
    l1 = alpha * l1_ratio * f
    viol = np.zeros_like(g)
    on = coef != 0
    viol[on] = np.abs(g[on] - l1[on] * np.sign(coef[on]))
    off = ~on & np.isfinite(f)
    viol[off] = np.maximum(np.abs(g[off]) - l1[off], 0)
    return viol


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("sparse", [False, True])
def test_zero_and_infinite_factors_by_kkt(l1_ratio, sparse):
    X, y = _data(p=80)
    f = np.ones(X.shape[1])
    f[[0, 10, 20]] = 0.0  # unpenalised: a noise feature (10, 20) too
    f[[1, 30]] = np.inf  # excluded: a true feature (1) too
    f[40:] = 2.0
    Xf = sp.csc_matrix(X) if sparse else X
    alpha = 0.3
    m = sklreg.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, penalty_factor=f, **TIGHT)
    m.fit(Xf, y)
    assert m.coef_[1] == 0 and m.coef_[30] == 0
    assert np.all(m.coef_[[0, 10, 20]] != 0)  # unpenalised: least-squares part
    viol = _kkt(X, y, m.coef_, m.intercept_, alpha, l1_ratio, f)
    assert viol.max() < 1e-7 * max(1.0, np.abs(X.T @ y).max() / len(y))
    # unpenalised features: zero gradient exactly as in least squares
    g = X.T @ (y - X @ m.coef_ - m.intercept_) / len(y)
    assert np.abs(g[[0, 10, 20]]).max() < 1e-7
    # an excluded feature is as if its column were dropped
    keep = np.isfinite(f)
    ref = sklreg.ElasticNet(
        alpha=alpha, l1_ratio=l1_ratio, penalty_factor=f[keep], **TIGHT
    ).fit(X[:, keep], y)
    np.testing.assert_allclose(m.coef_[keep], ref.coef_, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("sparse", [False, True])
def test_positive_with_unpenalised_features_converges_to_kkt(sparse):
    # An unpenalised feature held at zero by positive=True against a
    # negative gradient is optimal: the certificate must not count it.
    X, y = _data(p=80)
    y = y - 4.0 * X[:, 5]  # feature 5 wants a negative coefficient
    f = np.ones(80)
    f[[5, 7, 12]] = 0.0
    m = sklreg.Lasso(alpha=0.2, positive=True, penalty_factor=f, **TIGHT)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning
        m.fit(sp.csc_matrix(X) if sparse else X, y)
    assert m.coef_.min() >= 0 and m.coef_[5] == 0
    n = X.shape[0]
    g = X.T @ (y - X @ m.coef_ - m.intercept_) / n
    l1 = 0.2 * f
    on = m.coef_ > 0
    scale = max(1.0, np.abs(X.T @ y).max() / n)
    assert np.abs(g[on] - l1[on]).max() < 1e-7 * scale
    assert np.all(g[~on] <= l1[~on] + 1e-7 * scale)
    assert g[5] < -0.1  # the constraint is active there


def test_all_ones_is_the_plain_model_and_validation():
    X, y = _data()
    plain = sklreg.ElasticNet(alpha=0.1, **TIGHT).fit(X, y)
    ones = sklreg.ElasticNet(alpha=0.1, penalty_factor=np.ones(40), **TIGHT)
    ones.fit(X, y)
    np.testing.assert_allclose(ones.coef_, plain.coef_, rtol=1e-8, atol=1e-12)
    # a wrong length is found at fit (not at construction), as other errors
    bad = sklreg.Lasso(penalty_factor=np.ones(3))
    with pytest.raises(ValueError, match=r"penalty_factor has shape \(3,\)"):
        bad.fit(X, y)
    for value, match in [
        (-np.ones(40), "non-negative"),
        (np.full(40, np.nan), "non-negative"),
        (np.ones((2, 20)), "shape"),
    ]:
        with pytest.raises(ValueError, match=match):
            sklreg.Lasso(penalty_factor=value).fit(X, y)
    # a failed fit leaves a fitted estimator as it was
    coef = plain.coef_.copy()
    with pytest.raises(ValueError):
        plain.set_params(penalty_factor=np.ones(5)).fit(X, y)
    np.testing.assert_array_equal(plain.coef_, coef)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("sparse", [False, True])
def test_cv_grid_first_alpha_is_the_unpenalised_only_model(weighted, sparse):
    X, y = _data(p=30)
    sw = np.random.RandomState(5).uniform(0.5, 2, X.shape[0]) if weighted else None
    f = np.ones(30)
    f[[0, 3]] = 0.0
    f[5] = np.inf
    f[10:] = 3.0
    Xf = sp.csc_matrix(X) if sparse else X
    cv = sklreg.LassoCV(penalty_factor=f, alphas=20, cv=3, tol=1e-10)
    cv.fit(Xf, y, sample_weight=sw)
    a_max = cv.alphas_[0]
    # at alpha_max: only the unpenalised features, exactly least squares
    top = sklreg.Lasso(alpha=a_max, penalty_factor=f, **TIGHT)
    top.fit(Xf, y, sample_weight=sw)
    # alpha_max is the boundary itself: a penalised coefficient is zero there
    # up to the rounding of the KKT equality |x_j^T r| = alpha f_j
    penalised = np.setdiff1d(np.arange(30), [0, 3])
    assert np.abs(top.coef_[penalised]).max() <= 1e-10 * np.abs(top.coef_).max()
    assert np.all(top.coef_[[0, 3]] != 0)
    ls = sk.LinearRegression().fit(X[:, [0, 3]], y, sample_weight=sw)
    np.testing.assert_allclose(top.coef_[[0, 3]], ls.coef_, rtol=1e-8)
    # and just below it a penalised feature enters
    below = sklreg.Lasso(alpha=a_max * 0.99, penalty_factor=f, **TIGHT)
    below.fit(Xf, y, sample_weight=sw)
    assert np.count_nonzero(below.coef_) > 2
    assert below.coef_[5] == 0


def test_cv_equals_sklearn_cv_on_rescaled_columns():
    X, y = _data(p=50)
    f = np.random.RandomState(1).uniform(0.3, 3.0, 50)
    folds = list(KFold(4, shuffle=True, random_state=0).split(X))
    kw = {"cv": folds, "alphas": 15, "tol": 1e-8, "max_iter": 10_000}
    got = sklreg.ElasticNetCV(l1_ratio=[0.5, 1.0], penalty_factor=f, **kw).fit(X, y)
    ref = sk.LassoCV(**kw).fit(X / f, y)
    got_lasso = sklreg.LassoCV(penalty_factor=f, **kw).fit(X, y)
    # pure L1: the rescaled problem is the same problem (grid included)
    np.testing.assert_allclose(got_lasso.alphas_, ref.alphas_, rtol=1e-10)
    assert got_lasso.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)
    np.testing.assert_allclose(got_lasso.mse_path_, ref.mse_path_, rtol=1e-5)
    assert _rel(got_lasso.coef_, ref.coef_ / f) < 1e-5
    assert got.l1_ratio_ in (0.5, 1.0)


def test_paths_with_factors():
    X, y = _data()
    Xc, yc = X - X.mean(0), y - y.mean()
    f = np.random.RandomState(1).uniform(0.3, 3.0, 40)
    a, c, _ = lasso_path(Xc, yc, alphas=10, penalty_factor=f, tol=1e-10)
    a_ref, c_ref, _ = sk.lasso_path(Xc / f, yc, alphas=10, tol=1e-10)
    np.testing.assert_allclose(a, a_ref, rtol=1e-10)
    assert _rel(c, c_ref / f[:, None]) < 1e-6
    f0 = f.copy()
    f0[:2] = 0
    a, c, _ = enet_path(Xc, yc, alphas=5, penalty_factor=f0, l1_ratio=0.7, tol=1e-10)
    # the first alpha: only the unpenalised features, the least-squares fit
    assert np.abs(c[2:, 0]).max() <= 1e-10 * np.abs(c[:, 0]).max()
    ls = np.linalg.lstsq(Xc[:, :2], yc, rcond=None)[0]
    np.testing.assert_allclose(c[:2, 0], ls, rtol=1e-6)
    with pytest.raises(ValueError, match="penalty_factor has shape"):
        lasso_path(Xc, yc, penalty_factor=np.ones(3))


def test_adaptive_lasso_recipe_removes_false_positives():
    rng = np.random.RandomState(0)
    n, p = 100, 60
    X = rng.randn(n, p)
    w = np.zeros(p)
    w[:5] = [3, -2, 1.5, 2.5, -1]
    y = X @ w + 0.5 * rng.randn(n)
    first = sklreg.LassoCV(cv=5).fit(X, y)
    factors = 1.0 / np.maximum(np.abs(first.coef_), 1e-10)  # gamma = 1
    second = sklreg.LassoCV(cv=5, penalty_factor=factors).fit(X, y)
    fp_lasso = np.count_nonzero(first.coef_[5:])
    fp_adaptive = np.count_nonzero(second.coef_[5:])
    assert np.all(second.coef_[:5] != 0)
    assert fp_adaptive < fp_lasso


PENALISED = [
    "Lasso",
    "ElasticNet",
    "LassoCV",
    "ElasticNetCV",
    "MultiTaskLasso",
    "MultiTaskElasticNet",
    "MultiTaskLassoCV",
    "MultiTaskElasticNetCV",
    "LogisticRegression",
    "LogisticRegressionCV",
]


def _factors(k, unpenalised=0.0):
    # an unpenalised (0) and an excluded (inf) feature among ordinary ones
    f = np.resize(np.array([1.0, 2.0, 0.5]), k)
    if k >= 2:
        f[1] = unpenalised
    if k >= 4:
        f[3] = np.inf
    return f


@pytest.mark.parametrize("name", PENALISED)
def test_check_estimator_with_factors_set(name):
    """scikit-learn's estimator checks with ``penalty_factor`` set.

    A factor vector has one length while the checks' data sets have several
    widths (a wrong length is a clear ValueError at fit): each check is run
    with factors of every width the checks use, and must pass with the
    factors of its data's width.
    """
    from sklearn.utils.estimator_checks import check_estimator

    passed, seen, skipped = set(), set(), set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k in (1, 2, 3, 4, 5, 10, 20, 30):
            # a logistic loss has no minimiser when an unpenalised feature
            # separates the classes (the checks' 15-sample data sets do: the
            # fits then stop at different points of a flat valley), so the
            # classifiers get a small factor there instead of 0
            small = 0.1 if name.startswith("Logistic") else 0.0
            est = getattr(sklreg, name)(penalty_factor=_factors(k, small))
            if name.endswith("CV"):
                # the weight-equivalence checks refit at a tiny alpha of an
                # ill-conditioned 15 x 30 problem: give the refit the epochs
                # it needs to reach its tolerance (1e-10) on both data sets
                est.set_params(cv=3, max_iter=10_000)
            for r in check_estimator(est, on_fail=None):
                seen.add(r["check_name"])
                if r["status"] == "passed":
                    passed.add(r["check_name"])
                elif r["status"] == "skipped":
                    skipped.add(r["check_name"])
    assert len(passed) > 40
    assert seen - passed - skipped == set()
