"""Ridge's iterative solvers (sparse_cg, sag, saga, lbfgs) and sparse X.

Each is checked against the exact minimiser (scikit-learn's SVD solver on
the dense data) and, where scikit-learn runs the same method, against its
answer and iteration count.
"""

import numpy as np
import pytest
import scipy.sparse as sps
import sklearn.linear_model as sk
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold

from sklreg import Ridge, RidgeCV
from sklreg.linear_model._ridge_direct import ridge_path_exact
from sklreg.linear_model._ridge_loo import CenteredDesign
from sklreg.linear_model._ridge_sag import solve_sag


def _problem(n=120, p=15, seed=0, offset=20.0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p)
    X[np.abs(X) < 0.8] = 0.0
    X[:, 0] += offset  # an uncentred column
    X[:, 1] *= 30.0  # a badly scaled one
    y = X @ rng.randn(p) + rng.randn(n)
    return X, y, rng.rand(n) + 0.5


def _exact(X, y, sw, **kw):
    return sk.Ridge(solver="svd", **kw).fit(X, y, sample_weight=sw)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("wide", [False, True])
def test_sparse_cg_as_sklearn(sparse, fit_intercept, wide):
    X, y, sw = _problem(n=40 if wide else 120, p=60 if wide else 15)
    Xf = sps.csr_matrix(X) if sparse else X
    kw = dict(alpha=3.0, fit_intercept=fit_intercept, tol=1e-10)
    ours = Ridge(solver="sparse_cg", **kw).fit(Xf, y, sample_weight=sw)
    ref = sk.Ridge(solver="sparse_cg", **kw).fit(Xf, y, sample_weight=sw)
    assert ours.solver_ == "sparse_cg"
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-7, atol=1e-9)
    exact = _exact(X, y, sw, alpha=3.0, fit_intercept=fit_intercept)
    np.testing.assert_allclose(ours.coef_, exact.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ours.intercept_, exact.intercept_, rtol=1e-6)
    assert np.all(ours.n_iter_ >= 1)


@pytest.mark.parametrize("solver", ["sag", "saga"])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_sag_reaches_the_exact_solution(solver, sparse, fit_intercept):
    # standardized-ish data so that the stochastic solvers converge quickly
    X, y, sw = _problem(n=80, p=6, offset=3.0)
    X[:, 1] /= 30.0
    Xf = sps.csr_matrix(X) if sparse else X
    kw = dict(alpha=2.0, fit_intercept=fit_intercept)
    if sparse and fit_intercept and solver == "saga":
        with pytest.raises(ValueError, match="does not support fitting the intercept"):
            Ridge(solver=solver, **kw).fit(Xf, y)
        return
    ours = Ridge(solver=solver, tol=1e-13, max_iter=100_000, random_state=0, **kw)
    ours.fit(Xf, y, sample_weight=sw)
    assert ours.solver_ == solver
    exact = _exact(X, y, sw, **kw)
    np.testing.assert_allclose(ours.coef_, exact.coef_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ours.intercept_, exact.intercept_, rtol=1e-8, atol=1e-9)
    ref = sk.Ridge(solver=solver, tol=1e-13, max_iter=100_000, random_state=0, **kw)
    if not (sparse and fit_intercept):
        ref.fit(Xf, y, sample_weight=sw)
        np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-7, atol=1e-9)


def test_sag_kernel_satisfies_the_normal_equations():
    # the fixed point of the kernel, checked with plain numpy: the gradient
    # Z^T (Z w - z) + alpha w of the Ridge objective vanishes
    X, y, sw = _problem(n=50, p=5, offset=2.0)
    X[:, 1] /= 30.0
    for Xf in (X, sps.csr_matrix(X)):
        design = CenteredDesign(Xf, y, sw, True)
        coef, n_iter, converged = solve_sag(
            design, np.array([1.5]), 1e-14, 100_000, np.random.RandomState(1), False
        )
        Z = (X - np.average(X, axis=0, weights=sw)) * np.sqrt(sw)[:, None]
        z = (y - np.average(y, weights=sw)) * np.sqrt(sw)
        grad = Z.T @ (Z @ coef[0] - z) + 1.5 * coef[0]
        assert converged[0] and n_iter[0] > 1
        assert np.abs(grad).max() < 1e-9 * np.abs(Z.T @ z).max()


def test_sag_n_iter_and_convergence_warning():
    X, y, _ = _problem(n=60, p=5)
    Y = np.c_[y, -y]
    for max_iter in (1, 2, 3):
        for solver in ("sag", "saga"):
            with pytest.warns(ConvergenceWarning, match="max_iter was reached"):
                est = Ridge(solver=solver, max_iter=max_iter, tol=1e-12).fit(X, Y)
            np.testing.assert_array_equal(est.n_iter_, [max_iter, max_iter])
    a = Ridge(solver="sag", random_state=3, max_iter=5, tol=0).fit
    with pytest.warns(ConvergenceWarning):
        np.testing.assert_array_equal(a(X, y).coef_, a(X, y).coef_)


@pytest.mark.parametrize("sparse", [False, True])
def test_lbfgs_positive_as_sklearn(sparse):
    X, y, sw = _problem()
    y = y - 3 * X[:, 2]  # some coefficients want to be negative
    Xf = sps.csr_matrix(X) if sparse else X
    kw = dict(alpha=1.0, positive=True, tol=1e-12, solver="lbfgs")
    ours = Ridge(**kw).fit(Xf, y, sample_weight=sw)
    ref = sk.Ridge(**kw).fit(Xf, y, sample_weight=sw)
    assert ours.solver_ == "lbfgs"
    assert np.all(ours.coef_ >= 0) and np.any(ours.coef_ == 0)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-5, atol=1e-6)
    # the constrained minimiser that coordinate descent reaches (scipy's
    # stopping rule leaves L-BFGS-B a little short of it: objectives compared)
    cd = Ridge(alpha=1.0, positive=True, tol=1e-10, max_iter=100_000).fit(X, y, sw)

    def objective(est):
        r = y - est.predict(X)
        return sw @ r**2 + est.coef_ @ est.coef_

    assert objective(cd) <= objective(ours) <= objective(cd) * (1 + 1e-10)
    np.testing.assert_allclose(ours.coef_, cd.coef_, rtol=1e-3, atol=1e-4)
    with pytest.warns(ConvergenceWarning, match="lbfgs solver did not converge"):
        Ridge(
            alpha=0.01, solver="lbfgs", fit_intercept=False, positive=True, max_iter=1
        ).fit(np.array([[1.0, -1.0], [1.0, 1.0]]), np.array([-1e10, 1e10]))


def test_sparse_errors_as_sklearn():
    X, y, _ = _problem()
    Xs = sps.csr_matrix(X)
    for solver in ("cholesky", "svd", "saga"):
        with pytest.raises(ValueError, match=f"solver='{solver}' does not support"):
            Ridge(solver=solver).fit(Xs, y)
    with pytest.raises(TypeError, match="SVD solver does not support sparse"):
        Ridge(solver="svd", fit_intercept=False).fit(Xs, y)
    est = Ridge(solver="cholesky", fit_intercept=False).fit(Xs, y)
    exact = _exact(X, y, None, fit_intercept=False)
    np.testing.assert_allclose(est.coef_, exact.coef_, rtol=1e-9)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("alpha", [1e-8, 1.0, 1e4])
@pytest.mark.parametrize("shape", [(200, 30), (30, 200)])
def test_sparse_auto_exact_on_ill_conditioned_data(fit_intercept, alpha, shape):
    n, p = shape
    rng = np.random.RandomState(1)
    X = rng.randn(n, p) * np.logspace(-2, 3, p)  # raw scales over five decades
    X[rng.rand(n, p) < 0.6] = 0.0
    X[:, 3] = X[:, 2] + 1e-6 * rng.randn(n)  # nearly collinear
    y = X @ rng.randn(p) + rng.randn(n)
    sw = rng.rand(n) + 0.1
    kw = dict(alpha=alpha, fit_intercept=fit_intercept)
    ours = Ridge(**kw).fit(sps.csc_matrix(X), y, sample_weight=sw)
    dense = Ridge(**kw).fit(X, y, sample_weight=sw)
    assert ours.solver_ == "cholesky"
    exact = _exact(X, y, sw, **kw)
    scale = np.abs(exact.coef_).max()
    assert np.abs(ours.coef_ - exact.coef_).max() < 1e-7 * scale
    assert np.abs(ours.coef_ - dense.coef_).max() < 1e-7 * scale
    np.testing.assert_allclose(
        ours.predict(X), exact.predict(X), rtol=1e-8, atol=1e-8 * np.abs(y).max()
    )


def test_sparse_auto_large_runs_conjugate_gradients():
    rng = np.random.RandomState(0)
    X = sps.random(2000, 600, density=0.02, format="csr", random_state=rng)
    y = X @ rng.randn(600) + 0.1 * rng.randn(2000)
    ours = Ridge(alpha=1.0, tol=1e-10).fit(X, y)
    assert ours.solver_ == "sparse_cg"
    exact = _exact(X.toarray(), y, None, alpha=1.0)
    np.testing.assert_allclose(ours.coef_, exact.coef_, rtol=1e-6, atol=1e-8)


def test_sparse_constant_column_gets_an_exact_zero():
    X, y, sw = _problem()
    X[:, 4] = 7.5
    for solver in ("auto", "sparse_cg", "lsqr", "sag"):
        est = Ridge(solver=solver, tol=1e-10, max_iter=100_000).fit(
            sps.csc_matrix(X), y, sample_weight=sw
        )
        assert est.coef_[4] == 0.0


def test_ridge_path_exact_against_the_svd_solution():
    X, y, sw = _problem(n=60, p=8)
    alphas = np.array([1e3, 1.0, 1e-6])
    # long dense, long sparse, wide (kernel form)
    for Xf, yy, ww in ((X, y, sw), (sps.csr_matrix(X), y, sw), (X[:5], y[:5], sw[:5])):
        coefs = ridge_path_exact(CenteredDesign(Xf, yy, ww, True), alphas)
        Xd = Xf.toarray() if sps.issparse(Xf) else Xf
        for i, alpha in enumerate(alphas):
            ref = _exact(Xd, yy, ww, alpha=alpha)
            np.testing.assert_allclose(coefs[0, :, i], ref.coef_, rtol=1e-6, atol=1e-9)
    # alpha = 0 on rank-deficient data: the minimum-norm least-squares solution
    Xr = np.c_[X, X[:, :2]]
    coefs = ridge_path_exact(CenteredDesign(Xr, y, None, True), np.array([0.0]))
    Zr = Xr - Xr.mean(axis=0)
    ref = np.linalg.lstsq(Zr, y - y.mean(), rcond=None)[0]
    np.testing.assert_allclose(coefs[0, :, 0], ref, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("sparse", [False, True])
def test_ridgecv_kfold_exact_on_raw_scale_data(sparse):
    rng = np.random.RandomState(0)
    X = rng.randn(150, 12) * np.logspace(-3, 3, 12) + 5.0
    y = X @ (rng.randn(12) / np.logspace(-3, 3, 12)) + rng.randn(150)
    alphas = np.logspace(-6, 4, 11)
    cv = KFold(5, shuffle=True, random_state=0)
    Xf = sps.csr_matrix(X) if sparse else X
    ours = RidgeCV(alphas=alphas, cv=cv).fit(Xf, y)
    grid = GridSearchCV(sk.Ridge(solver="svd"), {"alpha": alphas}, cv=cv).fit(X, y)
    assert ours.alpha_ == grid.best_params_["alpha"]
    np.testing.assert_allclose(ours.best_score_, grid.best_score_, rtol=1e-8)
    np.testing.assert_allclose(
        ours.coef_, grid.best_estimator_.coef_, rtol=1e-7, atol=1e-10
    )
