"""Ridge's direct solvers: scikit-learn's answers on ill-conditioned data."""

import numpy as np
import pytest
import sklearn.linear_model as sk
from sklearn.datasets import load_breast_cancer

from sklreg import Ridge
from sklreg.linear_model._ridge_direct import solve_cholesky, solve_svd


@pytest.fixture(scope="module")
def raw_breast_cancer():
    # raw scales from 1e-3 to 1e3: coordinate descent crawls on this data
    return load_breast_cancer(return_X_y=True)


def _rel(a, b):
    return np.abs(a - b).max() / np.abs(b).max()


@pytest.mark.parametrize("solver", ["auto", "cholesky", "svd"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("alpha", [1e-8, 1.0, 30.0, 1e4])
def test_ridge_exact_on_raw_scale_data(raw_breast_cancer, solver, fit_intercept, alpha):
    X, y = raw_breast_cancer
    ours = Ridge(alpha=alpha, fit_intercept=fit_intercept, solver=solver).fit(X, y)
    ref = sk.Ridge(alpha=alpha, fit_intercept=fit_intercept, solver=solver).fit(X, y)
    assert _rel(ours.coef_, ref.coef_) < 1e-9
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-9, atol=1e-9)


def test_ridge_exact_weighted_multitarget_and_wide(raw_breast_cancer):
    X, y = raw_breast_cancer
    sw = np.random.RandomState(0).rand(y.size)
    Y = np.c_[y, 2 * y + 1]
    alpha = np.array([0.5, 5.0])
    ours = Ridge(alpha=alpha).fit(X, Y, sample_weight=sw)
    ref = sk.Ridge(alpha=alpha).fit(X, Y, sample_weight=sw)
    assert _rel(ours.coef_, ref.coef_) < 1e-9
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-9)
    # more features than samples: the kernel form
    ours = Ridge(alpha=1e-3).fit(X[:20], y[:20])
    ref = sk.Ridge(alpha=1e-3).fit(X[:20], y[:20])
    assert _rel(ours.coef_, ref.coef_) < 1e-9


def test_direct_kernels_against_numpy():
    rng = np.random.RandomState(0)
    X = rng.randn(30, 6)
    X[:, 5] = X[:, 4]  # rank-deficient
    Y = rng.randn(30, 2)
    alphas = np.array([1e-3, 2.0])
    for k, alpha in enumerate(alphas):
        expected = np.linalg.solve(X.T @ X + alpha * np.eye(6), X.T @ Y[:, k])
        got = solve_cholesky(X.T @ X, X.T @ Y, alphas)[:, k]
        np.testing.assert_allclose(got, expected, rtol=1e-10)
        np.testing.assert_allclose(solve_svd(X, Y, alphas)[k], expected, rtol=1e-8)
    # alpha = 0 on rank-deficient data: the minimum-norm least-squares answer
    np.testing.assert_allclose(
        solve_svd(X, Y, np.zeros(2)).T, np.linalg.pinv(X) @ Y, rtol=1e-8, atol=1e-12
    )
    np.testing.assert_allclose(
        solve_cholesky(X.T @ X, X.T @ Y, np.zeros(2)),
        np.linalg.pinv(X) @ Y,
        rtol=1e-6,
        atol=1e-8,
    )


def test_ridge_solver_errors_as_sklearn(raw_breast_cancer):
    X, y = raw_breast_cancer
    with pytest.raises(ValueError, match="does not support positive fitting"):
        Ridge(solver="svd", positive=True).fit(X, y)
    with pytest.raises(ValueError, match="only when positive=True"):
        Ridge(solver="lbfgs").fit(X, y)
    est = Ridge(positive=True, alpha=10.0, tol=1e-10, max_iter=100_000)
    assert est.fit(X[:, :5], y).solver_ == "cd"
    assert np.all(est.coef_ >= 0)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_ridge_lsqr_as_sklearn_and_exact(sparse, fit_intercept, weighted):
    import scipy.sparse as sps

    rng = np.random.RandomState(0)
    X = rng.randn(200, 30)
    X[np.abs(X) < 1] = 0.0
    X[:, 0] += 50.0  # an uncentred column
    y = X @ rng.randn(30) + rng.randn(200)
    sw = rng.rand(200) if weighted else None
    Xf = sps.csr_matrix(X) if sparse else X
    kw = dict(alpha=2.0, fit_intercept=fit_intercept, tol=1e-10)
    ours = Ridge(solver="lsqr", **kw).fit(Xf, y, sample_weight=sw)
    ref = sk.Ridge(solver="lsqr", **kw).fit(Xf, y, sample_weight=sw)
    assert ours.solver_ == "lsqr"
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(ours.n_iter_, ref.n_iter_)
    exact = sk.Ridge(solver="svd", **kw).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.coef_, exact.coef_, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ours.intercept_, exact.intercept_, rtol=1e-6, atol=1e-6)
