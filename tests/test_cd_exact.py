"""Lasso/ElasticNet at tiny alpha, warm starts, dense against sparse (issue 9, §2).

Every number is checked against scikit-learn, a closed form or a numpy
evaluation of the primal and dual objectives.
"""

from copy import deepcopy

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from sklearn.datasets import load_diabetes, make_regression
from sklearn.linear_model import ElasticNet as SkElasticNet
from sklearn.linear_model import LinearRegression
from sklearn.linear_model import Ridge as SkRidge

from sklreg import ElasticNet, Lasso, LassoCV
from sklreg._cd import _kernels
from sklreg._cd.datafits import QuadraticDense, QuadraticGram, QuadraticSparse
from sklreg._cd.penalties import ElasticNetPenalty


def _dense_sparse_example(fit_intercept):
    # scikit-learn's examples/linear_model/plot_lasso_dense_vs_sparse_data.py
    X, y = make_regression(n_samples=200, n_features=5000, random_state=0)
    Xs = X.copy()
    Xs[Xs < 2.5] = 0.0
    sparse = Lasso(alpha=0.1, fit_intercept=fit_intercept, max_iter=10000)
    dense = Lasso(alpha=0.1, fit_intercept=fit_intercept, max_iter=10000)
    sparse.fit(sp.csc_matrix(Xs), y)
    dense.fit(Xs, y)
    return dense, sparse


@pytest.mark.parametrize("fit_intercept", [False, True])
def test_dense_and_sparse_X_give_the_same_lasso(fit_intercept):
    # Was 18 apart (scikit-learn: 6e-13): Anderson steps on a working set
    # wider than n_samples amplified the rounding along the flat directions.
    dense, sparse = _dense_sparse_example(fit_intercept)
    scale = np.linalg.norm(dense.coef_)
    assert np.linalg.norm(dense.coef_ - sparse.coef_) <= 1e-11 * scale
    assert abs(dense.intercept_ - sparse.intercept_) <= 1e-9
    assert dense.n_iter_ == sparse.n_iter_


@pytest.mark.parametrize("seed", [0, 42])
@pytest.mark.parametrize("effective_rank", [None, 10])
@pytest.mark.parametrize("precompute", [False, True])
def test_enet_alpha_zero_reaches_least_squares(precompute, effective_rank, seed):
    # scikit-learn's test_enet_ols_consistency, with its thresholds
    rng = np.random.RandomState(seed)
    X, y = make_regression(
        n_samples=300,
        n_features=100,
        effective_rank=effective_rank,
        n_informative=50,
        random_state=rng,
    )
    sw = rng.uniform(low=0.01, high=10, size=X.shape[0])
    ols = LinearRegression().fit(X, y, sample_weight=sw)
    with pytest.warns(UserWarning, match="alpha=0"):
        enet = ElasticNet(alpha=0, precompute=precompute, tol=1e-15)
        enet.fit(X, y, sample_weight=sw)
    assert np.sum(sw * (y - enet.predict(X)) ** 2) <= 1e-19
    assert_allclose(enet.coef_, ols.coef_, atol=1e-11)
    assert_allclose(enet.intercept_, ols.intercept_, atol=1e-11)


@pytest.mark.parametrize("ridge_alpha", [1e-6, 1e-1, 1.0])
@pytest.mark.parametrize("precompute", [False, True])
def test_enet_l1_ratio_zero_is_scikit_learns_ridge(precompute, ridge_alpha):
    rng = np.random.RandomState(42)
    X, y = make_regression(
        n_samples=300,
        n_features=100,
        effective_rank=10,
        n_informative=50,
        random_state=rng,
    )
    sw = rng.uniform(low=0.01, high=10, size=X.shape[0])
    ridge = SkRidge(alpha=ridge_alpha, solver="svd").fit(X, y, sample_weight=sw)
    tol = 1e-11 if ridge_alpha >= 1e-2 else 1e-16
    enet = ElasticNet(
        alpha=ridge_alpha / sw.sum(), l1_ratio=0, precompute=precompute, tol=tol
    ).fit(X, y, sample_weight=sw)
    assert_allclose(
        enet.coef_, ridge.coef_, rtol=1e-5 if precompute else 5e-7, atol=3e-11
    )
    assert_allclose(enet.intercept_, ridge.intercept_, atol=3e-11)


def test_gram_form_with_weights_keeps_its_precision():
    # scikit-learn's test_elasticnet_precompute_gram_weighted_samples
    rng = np.random.RandomState(0)
    w = rng.randn(200)
    w[10:] = 0.0
    X = rng.randn(50, 200)
    y = X @ w
    sample_weight = np.random.RandomState(0).lognormal(size=y.shape)
    w_norm = sample_weight * (y.shape / np.sum(sample_weight))
    X_c = X - np.average(X, axis=0, weights=w_norm)
    X_r = X_c * np.sqrt(w_norm)[:, np.newaxis]
    gram_fit = ElasticNet(alpha=0.01, precompute=X_r.T @ X_r)
    gram_fit.fit(X_c, y, sample_weight=sample_weight)
    column_fit = ElasticNet(alpha=0.01, precompute=False)
    column_fit.fit(X, y, sample_weight=sample_weight)
    assert_allclose(gram_fit.coef_, column_fit.coef_, rtol=1e-7)


def _objectives(X_eff, y, w, theta, l1, l2):
    """Primal at w and dual at theta, in numpy (formulation A / B)."""
    r = y - X_eff @ w
    primal = 0.5 * r @ r + l1 * np.abs(w).sum() + 0.5 * l2 * w @ w
    if l1 > 0:
        # augmented Lasso dual: theta~ = s [r_v; -sqrt(l2) v], feasible by s
        r_v, v = theta
        z = X_eff.T @ r_v - l2 * v
        s = min(1.0, l1 / np.abs(z).max())
        dual = s * r_v @ y - 0.5 * s**2 * (r_v @ r_v + l2 * v @ v)
    else:
        r_v, _ = theta
        z = X_eff.T @ r_v
        dual = r_v @ y - 0.5 * r_v @ r_v - z @ z / (2 * l2)
    return primal, dual


@pytest.mark.parametrize("layout", ["dense", "sparse", "sparse_scaled", "gram"])
@pytest.mark.parametrize("l1, l2", [(0.7, 0.0), (0.7, 0.3), (0.0, 0.3)])
def test_duality_gap_equals_numpy_primal_minus_dual(layout, l1, l2):
    rng = np.random.RandomState(3)
    n, p = 30, 12
    Xs = sp.random(n, p, density=0.5, random_state=rng, format="csc")
    v = np.sqrt(rng.uniform(0.5, 2.0, n))
    mu = rng.randn(p) * 0.1
    y = rng.randn(n)
    w = rng.randn(p) * (rng.rand(p) < 0.5)
    cand = w + 0.01 * rng.randn(p) * (w != 0)
    penalty = ElasticNetPenalty(l1, l2)
    if layout == "dense":
        X_eff = np.asfortranarray(Xs.toarray())
        df = QuadraticDense(X_eff, y)
    elif layout == "gram":
        X_eff = Xs.toarray()
        df = QuadraticGram(X_eff.T @ X_eff, X_eff.T @ y, y @ y)
    else:
        scaled = layout == "sparse_scaled"
        X_s = sp.diags(v) @ Xs if scaled else Xs
        X_eff = X_s.toarray() - np.outer(v, mu)
        df = QuadraticSparse(Xs, y, mu, v, row_scaled=scaled)
    state, state_c = df.init_state(w), df.init_state(cand)
    xtr, xtr_c = df.xtr(state), df.xtr(state_c)
    gap = df.duality_gap(w, state, penalty, xtr)
    primal, dual = _objectives(X_eff, y, w, (y - X_eff @ w, w), l1, l2)
    assert_allclose(xtr, X_eff.T @ (y - X_eff @ w), rtol=1e-10, atol=1e-12)
    assert_allclose(gap, primal - dual, rtol=1e-9, atol=1e-12)
    gap_c = df.duality_gap(w, state, penalty, xtr, None, (cand, state_c, xtr_c))
    _, dual_c = _objectives(X_eff, y, cand, (y - X_eff @ cand, cand), l1, l2)
    assert_allclose(gap_c, min(primal - dual, primal - dual_c), rtol=1e-9, atol=1e-12)


def test_gap_is_a_certificate_far_below_eps_times_y_norm():
    # Gram form: ||y - Xw||^2 = ||y||^2 - 2 w.q + w.G w is exact only to
    # eps ||y||^2; the gap no longer goes through it.
    rng = np.random.RandomState(0)
    X = rng.randn(500, 20)
    y = X @ rng.randn(20) * 1e3 + rng.randn(500)
    enet = ElasticNet(alpha=1e-3, l1_ratio=0.5, precompute=True, tol=1e-14)
    enet.fit(X, y)
    reference = SkElasticNet(alpha=1e-3, l1_ratio=0.5, tol=1e-14, max_iter=100_000)
    reference.fit(X, y)

    def objective(m):
        r = y - m.predict(X)
        c = m.coef_
        return r @ r / (2 * len(y)) + 1e-3 * (0.5 * np.abs(c).sum() + 0.25 * c @ c)

    tol_abs = 1e-14 * np.sum((y - y.mean()) ** 2) / len(y)
    assert enet.dual_gap_ <= tol_abs
    # a certificate: no better model exists than dual_gap_ (+ rounding)
    assert objective(enet) - objective(reference) <= enet.dual_gap_ + 1e-12
    assert_allclose(enet.coef_, reference.coef_, rtol=1e-8)


def test_warm_start_from_a_larger_alpha_takes_fewer_epochs():
    # scikit-learn's test_warm_start_convergence_with_regularizer_decrement,
    # and the model is the cold fit's
    X, y = load_diabetes(return_X_y=True)
    cold = ElasticNet(alpha=1e-5).fit(X, y)
    easy = ElasticNet(alpha=1e-4).fit(X, y)
    assert cold.n_iter_ > easy.n_iter_
    warm = deepcopy(easy).set_params(warm_start=True, alpha=1e-5).fit(X, y)
    assert warm.n_iter_ < cold.n_iter_
    tight = SkElasticNet(alpha=1e-5, tol=1e-12, max_iter=1_000_000).fit(X, y)
    scale = np.abs(tight.coef_).max()
    # both within scikit-learn's tol=1e-4 of the optimum
    assert np.abs(cold.coef_ - tight.coef_).max() <= 1e-2 * scale
    assert np.abs(warm.coef_ - tight.coef_).max() <= 1e-2 * scale
    # and a solution warm-started from itself is certified at once
    again = deepcopy(cold).set_params(warm_start=True).fit(X, y)
    assert again.n_iter_ == 0


def test_small_steps_far_from_the_optimum_still_extrapolate():
    # ill-conditioned (diabetes, alpha=1e-5): every epoch moves little, which
    # used to cut each Anderson block to a single epoch (188 epochs)
    X, y = load_diabetes(return_X_y=True)
    enet = ElasticNet(alpha=1e-5).fit(X, y)
    reference = SkElasticNet(alpha=1e-5).fit(X, y)
    assert enet.n_iter_ < reference.n_iter_ / 5
    tol_abs = 1e-4 * np.sum((y - y.mean()) ** 2) / len(y)
    assert enet.dual_gap_ <= tol_abs


def test_check_input_false_takes_scikit_learns_format():
    rng = np.random.RandomState(0)
    X = np.asfortranarray(rng.randn(20, 10))
    y = X @ rng.randn(10)
    checked = ElasticNet(tol=1e-6).fit(X, y)
    unchecked = ElasticNet(tol=1e-6).fit(X, y, check_input=False)
    assert_allclose(unchecked.coef_, checked.coef_)
    ElasticNet(tol=1e-6).fit(X.astype(np.float32), y, check_input=False)
    with pytest.raises(ValueError, match="Fortran-ordered"):
        ElasticNet().fit(np.ascontiguousarray(X), y, check_input=False)
    with pytest.raises(ValueError, match="float64 or float32"):
        ElasticNet().fit(X.astype(int), y, check_input=False)
    # the Gram form, or weights (X is then rescaled anyway), need no order
    C = np.ascontiguousarray(X)
    gram = ElasticNet(precompute=True, tol=1e-6).fit(C, y, check_input=False)
    assert_allclose(gram.coef_, checked.coef_, rtol=1e-5)
    ElasticNet().fit(C, y, sample_weight=np.ones(20), check_input=False)


@pytest.mark.parametrize("precompute", ["auto", True, False])
def test_lassocv_leaves_precompute_and_refits_lasso(precompute):
    X, y = make_regression(n_samples=60, n_features=30, noise=1.0, random_state=0)
    cv = LassoCV(precompute=precompute, cv=3, tol=1e-8).fit(X, y)
    assert cv.get_params()["precompute"] == precompute
    lasso = Lasso(alpha=cv.alpha_, tol=1e-12).fit(X, y)
    assert_allclose(cv.coef_, lasso.coef_, rtol=1e-6, atol=1e-8)


def test_sparse_column_sq_norms_kernel_matches_numpy():
    rng = np.random.RandomState(6)
    Xs = sp.random(40, 9, density=0.3, random_state=rng, format="csc")
    v = rng.rand(40) + 0.5
    mu = rng.randn(9)
    D = Xs.toarray()
    out = np.empty(9)
    args = (Xs.data, Xs.indices, Xs.indptr, v)
    _kernels.sparse_column_sq_norms(*args, False, np.zeros(9), out)
    assert_allclose(out, (D**2).sum(axis=0))
    _kernels.sparse_column_sq_norms(*args, True, np.zeros(9), out)
    assert_allclose(out, ((v[:, None] * D) ** 2).sum(axis=0))
    _kernels.sparse_column_sq_norms(*args, True, mu, out)
    assert_allclose(out, ((v[:, None] * D - np.outer(v, mu)) ** 2).sum(axis=0))
    _kernels.sparse_column_sq_norms(*args, False, mu, out)
    assert_allclose(out, ((D - np.outer(v, mu)) ** 2).sum(axis=0))
    # unit weights take a branch of their own
    ones = np.ones(40)
    Xs[:, 3] = 0.7  # a dense, constant column: centred, exactly 0
    Xs = sp.csc_matrix(Xs)
    D = Xs.toarray()
    args = (Xs.data, Xs.indices, Xs.indptr, ones)
    for means in (np.zeros(9), D.mean(axis=0)):
        _kernels.sparse_column_sq_norms(*args, False, means, out)
        assert_allclose(out, ((D - means) ** 2).sum(axis=0), atol=1e-14)
    assert out[3] == 0.0
    for kernel in (_kernels.sparse_column_sq_norms, _kernels.sparse_column_means):
        assert kernel.targetoptions.get("nogil") is True
        assert kernel._cache.__class__.__name__ == "FunctionCache"


def test_sparse_column_means_kernel_matches_numpy_and_is_exact_on_constants():
    rng = np.random.RandomState(8)
    D = sp.random(50, 6, density=0.4, random_state=rng).toarray()
    D[:, 2] = 4.2  # a constant column: its mean must be 4.2 to the last bit
    Xs = sp.csc_matrix(D)
    sw = rng.rand(50) + 0.1
    out = np.empty(6)
    _kernels.sparse_column_means(
        Xs.data, Xs.indices, Xs.indptr, 50, sw, True, sw.sum(), out
    )
    assert_allclose(out, np.average(D, axis=0, weights=sw), rtol=1e-14)
    assert out[2] == 4.2
    _kernels.sparse_column_means(
        Xs.data, Xs.indices, Xs.indptr, 50, sw, False, 50.0, out
    )
    assert_allclose(out, D.mean(axis=0), rtol=1e-14)
    assert out[2] == 4.2


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("Estimator", [Lasso, ElasticNet])
def test_sparse_constant_column_gets_a_zero_coefficient(Estimator, weighted):
    rng = np.random.RandomState(9)
    X = rng.randn(60, 5)
    X[:, 1] = 4.2
    y = X @ rng.randn(5)
    sw = rng.rand(60) + 0.5 if weighted else None
    for precompute in (False, True):
        est = Estimator(alpha=0.01, precompute=precompute, tol=1e-10)
        est.fit(sp.csc_matrix(X), y, sample_weight=sw)
        assert est.coef_[1] == 0.0
        ref = SkElasticNet(
            alpha=0.01, l1_ratio=est.l1_ratio, tol=1e-12, max_iter=100_000
        ).fit(X, y, sample_weight=sw)
        assert_allclose(est.coef_, ref.coef_, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("positive", [False, True])
def test_sparse_epoch_scaling_rows_on_the_fly_matches_reference(positive):
    # one epoch with the rows scaled in the kernel against plain numpy CD on
    # the explicit design diag(v) X - v mu^T
    rng = np.random.RandomState(7)
    n, p = 40, 9
    Xs = sp.random(n, p, density=0.3, random_state=rng, format="csc")
    sw = rng.rand(n) + 0.1
    v = np.sqrt(sw)
    mu = np.asarray(Xs.T @ sw).ravel() / sw.sum()
    X_eff = v[:, None] * Xs.toarray() - np.outer(v, mu)
    y = v * (rng.randn(n) - 0.3)
    w = np.abs(rng.randn(p)) if positive else rng.randn(p)
    l1, l2 = 0.3, 0.2
    expected = w.copy()
    r = y - X_eff @ expected
    for j in range(p):
        nrm = X_eff[:, j] @ X_eff[:, j]
        z = X_eff[:, j] @ r + expected[j] * nrm
        new = np.sign(z) * max(abs(z) - l1, 0.0) / (nrm + l2)
        new = max(new, 0.0) if positive else new
        r -= (new - expected[j]) * X_eff[:, j]
        expected[j] = new
    w_k = w.copy()
    R = y - X_eff @ w_k
    aux = np.array([0.0, v @ R])
    sq = (X_eff**2).sum(axis=0)
    ws = np.arange(p, dtype=np.int64)
    _kernels.cd_epochs_sparse(
        Xs.data, Xs.indices, Xs.indptr, mu, v, w_k, R, aux, sq,
        np.full(p, l1), np.full(p, l2), positive, ws, 1, 0.0, False, 0, True,
    )  # fmt: skip
    assert_allclose(w_k, expected, rtol=1e-10, atol=1e-12)
    assert_allclose(R + aux[0] * v, y - X_eff @ w_k, atol=1e-10)
