"""The compiled plain loop (``_kernels_plain``) that small solves start with:
scikit-learn's coordinate-descent loop, checked against scikit-learn itself
and against the engine's numpy duality gap."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from sklearn.linear_model import ElasticNet as SkElasticNet

import sklreg._cd.solver as solver_module
from sklreg import ElasticNet
from sklreg._cd import _kernels_plain
from sklreg._cd.datafits import QuadraticDense, QuadraticGram, QuadraticSparse
from sklreg._cd.penalties import ElasticNetPenalty
from sklreg._cd.solver import WorkingSetSolver


def _reference_gap(X, y, w, l1, l2, f, positive):
    """``P(w) - D(theta)`` written plainly (no cancellation-free algebra).

    With an L1 part: the Lasso of the design augmented with rows
    ``diag(sqrt(l2 f))``, whose dual point ``s r'`` is scaled into
    ``|X'_j^T theta| <= l1 f_j``; without: the Ridge dual at ``theta = r``.
    Unpenalised features add ``(X_j^T r)^2 / ||X_j||^2``; excluded ones
    (``f = inf``, zero coefficient) have neither term nor constraint.
    """
    r = y - X @ w
    g = X.T @ r
    pen = np.isfinite(f) & (f > 0)
    free = f == 0
    sq = np.einsum("ij,ij->j", X, X)
    g_free = np.where(positive & (w == 0), np.maximum(g, 0), g)[free]
    free_term = float(np.sum(g_free**2 / sq[free]))
    l1f, l2f = l1 * np.where(pen | free, f, 0), l2 * np.where(pen | free, f, 0)
    primal = 0.5 * r @ r + l1f @ np.abs(w) + 0.5 * l2f @ (w * w)
    if l1 == 0 and l2 == 0:
        return float(g @ g)
    if l1 > 0:
        z = g - l2f * w  # X'_j^T r' of the augmented problem
        mag = z if positive else np.abs(z)
        ratio = np.where(pen & (mag > 0), l1f / np.where(mag > 0, mag, 1), np.inf)
        s = min(1.0, ratio.min())
        theta = s * np.concatenate([r, -np.sqrt(l2f) * w])
        y_aug = np.concatenate([y, np.zeros_like(w)])
        dual = 0.5 * y_aug @ y_aug - 0.5 * np.sum((y_aug - theta) ** 2)
    else:
        e = np.maximum(g, 0) if positive else np.abs(g)
        conj = np.sum(e[pen] ** 2 / (2 * l2f[pen]))
        dual = 0.5 * y @ y - 0.5 * np.sum((y - r) ** 2) - conj
    return max(primal - dual, 0.0) + free_term


@pytest.mark.parametrize("l1, l2", [(3.0, 0.0), (2.0, 5.0), (0.0, 4.0), (0.0, 0.0)])
@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_gap_from_correlations_against_numpy_reference(l1, l2, positive, weighted):
    rng = np.random.RandomState(0)
    X = np.asfortranarray(rng.randn(30, 12))
    y = rng.randn(30)
    f = np.ones(12)
    if weighted:
        f[:] = [0, 1, 2.5, np.inf, 0.5, 1, 3, 0, 1, np.inf, 2, 1]
    w = rng.randn(12) * (rng.rand(12) > 0.4) * np.isfinite(f)
    if positive:
        w = np.abs(w)
    expected = _reference_gap(X, y, w, l1, l2, f, positive)
    with np.errstate(invalid="ignore"):
        l1s = np.where(np.isinf(f), np.inf, l1 * f)
        l2s = np.where(np.isinf(f), np.inf, l2 * f)
    r = y - X @ w
    cols = np.arange(12)
    got = _kernels_plain.gap_from_correlations(
        w, X.T @ r, r @ r, l1, l2, l1s, l2s, positive, np.sum(X * X, 0), cols
    )
    assert_allclose(got, expected, rtol=1e-10, atol=1e-10)
    # the engine's datafit computes the same gap through the penalty's vectors
    df = QuadraticDense(X, y)
    penalty = (
        ElasticNetPenalty(l1, l2, positive, f)
        if weighted
        else ElasticNetPenalty(l1, l2, positive)
    )
    state = df.init_state(w)
    assert_allclose(
        df.duality_gap(w, state, penalty, df.xtr(state)), expected, rtol=1e-10,
        atol=1e-10,
    )  # fmt: skip


def _data(seed, n=60, p=40):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p)
    X[rng.rand(n, p) < 0.5] = 0.0
    w = np.zeros(p)
    w[:6] = rng.randn(6)
    return X, X @ w + 0.1 * rng.randn(n)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("layout", ["dense", "sparse", "gram"])
def test_small_fits_run_scikit_learns_loop(l1_ratio, layout):
    # a small problem converges in the plain loop: the same epochs as
    # scikit-learn's and its coefficients to rounding
    X, y = _data(1)
    params = dict(alpha=0.05, l1_ratio=l1_ratio, tol=1e-6, max_iter=5000)
    ref = SkElasticNet(**params).fit(X, y)
    Xf = sp.csc_matrix(X) if layout == "sparse" else X
    ours = ElasticNet(precompute=layout == "gram", **params).fit(Xf, y)
    assert ours.n_iter_ == ref.n_iter_
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-9, atol=1e-12)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-9)


def test_layouts_give_the_same_iterates():
    X, y = _data(2)
    yc = y - y.mean()
    mu = X.mean(axis=0)
    Xc = np.asfortranarray(X - mu)
    penalty = ElasticNetPenalty(2.0, 1.0, False)
    dense = QuadraticDense(Xc, yc)
    sparse = QuadraticSparse(sp.csc_matrix(X), yc, mu)
    gram = QuadraticGram(Xc.T @ Xc, Xc.T @ yc, yc @ yc, X.shape[0])
    out = []
    for df in (dense, sparse, gram):
        w = np.zeros(X.shape[1])
        state = df.init_state(w)
        n_iter, gap, converged = df.plain_solve(
            w, state, penalty, 500, 1e-8, 1e-8 * df.y_norm2, False, 0
        )
        assert converged and gap <= 1e-8 * df.y_norm2
        # the returned gap is the engine's at the returned point
        state = df.init_state(w)
        assert_allclose(
            gap, df.duality_gap(w, state, penalty, df.xtr(state)), rtol=1e-6
        )
        out.append((n_iter, w))
    assert out[0][0] == out[1][0] == out[2][0]
    assert_allclose(out[1][1], out[0][1], rtol=1e-10, atol=1e-13)
    assert_allclose(out[2][1], out[0][1], rtol=1e-10, atol=1e-13)


def test_an_unconverged_plain_start_hands_over_to_the_working_sets(monkeypatch):
    # budget of 2 epochs: the working-set solver continues from there and
    # reaches the same optimum as a run without the plain start
    X, y = _data(3, n=40, p=30)
    Xc = np.asfortranarray(X - X.mean(axis=0))
    yc = y - y.mean()
    df = QuadraticDense(Xc, yc)
    penalty = ElasticNetPenalty(0.5, 0.0, False)
    solver = WorkingSetSolver(tol=1e-10, max_iter=10000)
    without = solver.with_params(plain_start=False).solve(df, penalty)
    monkeypatch.setattr(solver_module, "_PLAIN_WORK", 2 * X.size)
    assert solver._plain_budget(df) == 2
    res = solver.solve(df, penalty)
    assert res.converged and res.n_iter > 2
    assert_allclose(res.coef, without.coef, rtol=1e-6, atol=1e-9)


def test_certified_warm_start_runs_no_epoch():
    X, y = _data(4)
    model = ElasticNet(alpha=0.05, tol=1e-6).fit(X, y)
    assert model.n_iter_ > 0
    model.set_params(warm_start=True).fit(X, y)
    assert model.n_iter_ == 0


def _screen_reference(X, y, w, l1, l2, f, positive, gap):
    """The gap-safe sphere test written plainly: keep ``j`` unless
    ``s |z_j| + sqrt(2 gap) sqrt(||X_j||^2 + l2 f_j) < l1 f_j``."""
    r = y - X @ w
    g = X.T @ r
    pen = np.isfinite(f) & (f > 0)
    l1f, l2f = l1 * np.where(pen, f, 0), l2 * np.where(pen, f, 0)
    z = g - l2f * w
    mag = z if positive else np.abs(z)
    ratio = np.where(pen & (mag > 0), l1f / np.where(mag > 0, mag, 1), np.inf)
    s = min(1.0, ratio.min())
    sq = np.einsum("ij,ij->j", X, X)
    bound = s * mag + np.sqrt(2 * gap) * np.sqrt(sq + l2f)
    return (f == 0) | (pen & (bound >= l1f))


@pytest.mark.parametrize("l2", [0.0, 3.0])
@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_screen_against_numpy_reference(l2, positive, weighted):
    rng = np.random.RandomState(1)
    X = np.asfortranarray(rng.randn(40, 25))
    y = X[:, :4] @ rng.randn(4) + 0.1 * rng.randn(40)
    f = np.ones(25)
    if weighted:
        f[[0, 5]] = 0.0
        f[[3, 9]] = np.inf
        f[[1, 7, 11]] = [2.5, 0.5, 3.0]
    w = 0.05 * rng.randn(25) * (rng.rand(25) > 0.5) * np.isfinite(f)
    if positive:
        w = np.abs(w)
    l1 = 0.3 * np.max(np.abs(X.T @ y))
    with np.errstate(invalid="ignore"):
        l1s = np.where(np.isinf(f), np.inf, l1 * f)
        l2s = np.where(np.isinf(f), np.inf, l2 * f)
    r = y - X @ w
    cols = np.arange(25)
    xtr = X.T @ r
    sq = np.sum(X * X, 0)
    gap = _kernels_plain.gap_from_correlations(
        w, xtr, r @ r, l1, l2, l1s, l2s, positive, sq, cols
    )
    excluded = np.zeros(25, dtype=bool)
    excluded[2] = True  # already out: stays out, not re-tested
    active = np.empty(25, dtype=np.int64)
    n_active = _kernels_plain.screen(
        w, xtr, gap, l1, l1s, l2s, positive, sq, cols, excluded, active
    )
    expected = _screen_reference(X, y, w, l1, l2, f, positive, gap)
    expected[2] = False
    assert 0 < n_active < 25
    assert_allclose(active[:n_active], np.flatnonzero(expected))
    assert_allclose(excluded, ~expected)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("layout", ["dense", "sparse", "gram"])
def test_plain_screening_never_drops_a_feature_of_the_optimum(seed, layout):
    # the plain loop screens at every gap evaluation: it never excludes a
    # feature of the optimum, which would then stay at zero (elastic net,
    # factors and positive included)
    rng = np.random.RandomState(seed)
    n, p = 50, 80
    X = rng.randn(n, p)
    X[:, 1::2] += 0.8 * X[:, ::2]  # correlated pairs
    y = X[:, :6] @ rng.randn(6) + 0.3 * rng.randn(n)
    f = rng.choice([0.0, 1.0, 2.5, np.inf], p, p=[0.05, 0.75, 0.15, 0.05])
    positive = bool(seed % 2)
    l1, l2 = 0.1 * np.max(np.abs(X.T @ y)), (0.0 if seed < 3 else 2.0)
    penalty = ElasticNetPenalty(l1, l2, positive, f)
    Xf = np.asfortranarray(X)
    df = {
        "dense": lambda: QuadraticDense(Xf, y),
        "sparse": lambda: QuadraticSparse(sp.csc_matrix(X), y),
        "gram": lambda: QuadraticGram(X.T @ X, X.T @ y, y @ y, n),
    }[layout]()
    ref = WorkingSetSolver(tol=1e-14, max_iter=100000, plain_start=False).solve(
        df, penalty
    )
    support = np.flatnonzero(np.abs(ref.coef) > 1e-10)
    for dw_tol in (0.5, 1e-2, 1e-6):
        # a loose coefficient-change rule evaluates the gap (and screens)
        # after almost every epoch, from far away from the optimum
        w = np.zeros(p)
        state = df.init_state(w)
        n_iter, gap, converged = df.plain_solve(
            w, state, penalty, 100000, dw_tol, 1e-14 * df.y_norm2, False, 0
        )
        assert converged and n_iter > 1
        assert_allclose(w, ref.coef, rtol=1e-6, atol=1e-8)
        assert np.all(w[support] != 0)
