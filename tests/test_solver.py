"""The solver and the penalties, checked without scikit-learn.

Optimality is verified through the KKT conditions and an independent numpy
computation of the duality gap at the returned point.
"""

import numpy as np
import pytest
import scipy.sparse as sp

from sklreg._cd.datafits import QuadraticDense, QuadraticGram, QuadraticSparse
from sklreg._cd.penalties import L1, L2, ElasticNetPenalty
from sklreg._cd.solver import WorkingSetSolver


def primal(X, y, w, l1, l2):
    r = y - X @ w
    return 0.5 * r @ r + l1 * np.abs(w).sum() + 0.5 * l2 * w @ w


def kkt_violation(X, y, w, l1, l2, positive=False):
    """max_j distance of -grad_j to the subdifferential of the penalty."""
    g = X.T @ (y - X @ w) - l2 * w
    viol = np.where(
        w != 0,
        np.abs(g - l1 * np.sign(w)),
        np.maximum((g if positive else np.abs(g)) - l1, 0.0),
    )
    if positive:
        assert np.all(w >= 0)
    return viol.max()


def numpy_gap(X, y, w, l1, l2):
    """Formulation-A gap of scikit-learn (Lasso dual of the augmented problem)."""
    r = y - X @ w
    xta = X.T @ r - l2 * w
    dual_norm = np.abs(xta).max()
    s = min(1.0, l1 / dual_norm) if dual_norm > 0 else 1.0
    rr = r @ r + l2 * w @ w
    return primal(X, y, w, l1, l2) - (-0.5 * s**2 * rr + s * r @ y)


def _data(seed, n, p):
    rng = np.random.RandomState(seed)
    X = np.asfortranarray(rng.randn(n, p))
    w_true = np.zeros(p)
    w_true[: min(5, p)] = rng.randn(min(5, p)) * 3
    y = X @ w_true + 0.1 * rng.randn(n)
    return X, y


@pytest.mark.parametrize("n, p", [(50, 200), (200, 30)])
@pytest.mark.parametrize("l2_frac", [0.0, 0.5])
@pytest.mark.parametrize("positive", [False, True])
def test_solution_satisfies_kkt_and_certifies_its_gap(n, p, l2_frac, positive):
    X, y = _data(0, n, p)
    l1_max = np.abs(X.T @ y).max()
    l1, l2 = 0.1 * l1_max, l2_frac * l1_max
    tol = 1e-10
    res = WorkingSetSolver(tol=tol, max_iter=50_000).solve(
        QuadraticDense(X, y), ElasticNetPenalty(l1, l2, positive)
    )
    assert res.converged
    w = res.coef
    assert kkt_violation(X, y, w, l1, l2, positive) < 1e-4 * l1
    assert res.dual_gap <= tol * y @ y
    if not positive:
        # the reported gap is a true certificate, at most the numpy gap
        assert res.dual_gap <= numpy_gap(X, y, w, l1, l2) + 1e-9 * y @ y


def test_gap_bounds_suboptimality():
    X, y = _data(1, 60, 100)
    l1 = 0.05 * np.abs(X.T @ y).max()
    pen = L1(l1)
    loose = WorkingSetSolver(tol=1e-3, max_iter=10_000).solve(QuadraticDense(X, y), pen)
    tight = WorkingSetSolver(tol=1e-13, max_iter=100_000).solve(
        QuadraticDense(X, y), pen
    )
    sub = primal(X, y, loose.coef, l1, 0) - primal(X, y, tight.coef, l1, 0)
    assert -1e-9 <= sub <= loose.dual_gap + 1e-9


def test_working_sets_and_full_epochs_agree():
    X, y = _data(2, 80, 400)
    pen = L1(0.05 * np.abs(X.T @ y).max())
    a = WorkingSetSolver(tol=1e-12, max_iter=100_000).solve(QuadraticDense(X, y), pen)
    b = WorkingSetSolver(tol=1e-12, max_iter=100_000, working_sets=False).solve(
        QuadraticDense(X, y), pen
    )
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-7, atol=1e-9)


def test_layouts_give_the_same_solution():
    rng = np.random.RandomState(3)
    Xs = sp.random(120, 40, density=0.2, random_state=rng, format="csc")
    X = np.asfortranarray(Xs.toarray())
    y = rng.randn(120)
    pen = ElasticNetPenalty(0.5, 0.3)
    solver = WorkingSetSolver(tol=1e-13, max_iter=100_000)
    results = [
        solver.solve(QuadraticDense(X, y), pen),
        solver.solve(QuadraticSparse(Xs, y), pen),
        solver.solve(QuadraticGram(X.T @ X, X.T @ y, y @ y), pen),
    ]
    objectives = [primal(X, y, r.coef, pen.l1, pen.l2) for r in results]
    best = min(objectives)
    for res, obj in zip(results, objectives, strict=True):
        assert res.converged
        assert obj - best <= res.dual_gap + 1e-12 * (y @ y)
        np.testing.assert_allclose(res.coef, results[0].coef, rtol=1e-5, atol=1e-7)


def test_ridge_coefficient_rule_reaches_closed_form():
    X, y = _data(4, 100, 10)
    alpha = 2.0
    res = WorkingSetSolver(tol=1e-12, max_iter=100_000, stopping="coef").solve(
        QuadraticDense(X, y), L2(alpha)
    )
    exact = np.linalg.solve(X.T @ X + alpha * np.eye(10), X.T @ y)
    np.testing.assert_allclose(res.coef, exact, rtol=1e-9)
    assert res.dual_gap < 1e-12 * y @ y


def test_max_iter_warns_and_reports_gap():
    from sklearn.exceptions import ConvergenceWarning

    X, y = _data(5, 40, 300)
    with pytest.warns(ConvergenceWarning, match="Duality gap"):
        res = WorkingSetSolver(tol=1e-14, max_iter=2).solve(
            QuadraticDense(X, y), L1(0.01 * np.abs(X.T @ y).max())
        )
    assert not res.converged and res.n_iter == 2 and res.dual_gap > 0


@pytest.mark.parametrize(
    "penalty",
    [L1(0.7), L2(1.3), ElasticNetPenalty(0.4, 0.9), ElasticNetPenalty(0.4, 0.9, True)],
)
def test_prox_is_the_argmin(penalty):
    rng = np.random.RandomState(6)
    z = rng.randn(7) * 2
    step = 0.8
    got = penalty.prox(z, step)
    grid = np.linspace(-6, 6, 120_001)
    for zi, gi in zip(z, got, strict=True):
        vals = (grid - zi) ** 2 / (2 * step) + penalty.l1 * np.abs(grid)
        vals += 0.5 * penalty.l2 * grid**2
        if penalty.positive:
            vals = np.where(grid < 0, np.inf, vals)
        assert abs(grid[np.argmin(vals)] - gi) < 1e-3
        assert penalty.value(np.array([gi])) < np.inf


def test_subdiff_distance_is_zero_exactly_at_optimality():
    pen = L1(1.0)
    w = np.array([0.0, 0.0, 2.0, -1.0])
    grad = np.array([0.5, -1.5, -1.0, 1.0])  # -grad in subdiff for 0, 2, 3
    np.testing.assert_allclose(pen.subdiff_distance(w, grad), [0, 0.5, 0, 0])


@pytest.mark.parametrize("kind", ["lasso", "enet", "enet_factors", "enet_sparse"])
def test_gap_safe_screening_never_drops_an_active_feature(monkeypatch, kind):
    dropped = []
    screen = WorkingSetSolver._screen

    def recording_screen(datafit, penalty, w, state, active, xtr, gap):
        kept, xtr_kept, state = screen(datafit, penalty, w, state, active, xtr, gap)
        dropped.extend(np.setdiff1d(active, kept))
        return kept, xtr_kept, state

    n_dropped = 0
    for seed in range(12):
        rng = np.random.RandomState(seed)
        n, p = rng.randint(20, 80), rng.randint(50, 400)
        X = np.asfortranarray(rng.randn(n, p))
        y = X[:, : min(8, p)] @ rng.randn(min(8, p)) + 0.5 * rng.randn(n)
        l1 = rng.uniform(0.02, 0.5) * np.abs(X.T @ y).max()
        positive = bool(seed % 2)
        if kind == "lasso":
            penalty = L1(l1, positive=positive)
        elif kind == "enet_factors":
            # the elastic net's gap-safe test on the augmented Lasso, with
            # unpenalised (0), heavier (2.5) and excluded (inf) features
            f = rng.choice(
                [0.0, 0.5, 1.0, 2.5, np.inf], p, p=[0.02, 0.2, 0.6, 0.15, 0.03]
            )
            penalty = ElasticNetPenalty(0.6 * l1, 0.4 * l1 / 5, positive, f)
        else:
            penalty = ElasticNetPenalty(
                0.6 * l1, rng.uniform(0.1, 5) * l1 / 10, positive
            )

        def datafit(X=X, y=y):
            if kind == "enet_sparse":
                X_sp = sp.csc_matrix(np.where(np.abs(X) > 0.8, X, 0.0))
                return QuadraticSparse(X_sp, y)
            return QuadraticDense(X, y)

        dropped.clear()
        with monkeypatch.context() as m:
            m.setattr(WorkingSetSolver, "_screen", staticmethod(recording_screen))
            res = WorkingSetSolver(tol=1e-12, max_iter=100_000).solve(
                datafit(), penalty
            )
        ref = WorkingSetSolver(
            tol=1e-14, max_iter=200_000, screening=False, working_sets=False
        ).solve(datafit(), penalty)
        assert res.converged
        assert np.all(ref.coef[dropped] == 0), seed
        np.testing.assert_allclose(res.coef, ref.coef, rtol=1e-6, atol=1e-8)
        n_dropped += len(dropped)
    assert n_dropped > 100  # screening did act on these problems


def test_screening_radius_is_the_gap_of_its_own_centre():
    # The sphere is centred at the rescaled residual; a smaller gap certified
    # by another (extrapolated) dual point must not shrink it.  Far from the
    # optimum (w = 0) with a wrongly tiny gap handed in, every feature of the
    # optimal support must survive.
    rng = np.random.RandomState(0)
    X = np.asfortranarray(rng.randn(40, 120))
    y = X[:, :6] @ rng.randn(6) + 0.3 * rng.randn(40)
    penalty = L1(0.1 * np.abs(X.T @ y).max())
    datafit = QuadraticDense(X, y)
    w = np.zeros(120)
    state = datafit.init_state(w)
    xtr = datafit.xtr(state)
    active = np.arange(120, dtype=np.int64)
    kept, _, _ = WorkingSetSolver._screen(
        datafit, penalty, w.copy(), state, active, xtr, gap=0.0
    )
    ref = WorkingSetSolver(tol=1e-14, max_iter=100_000, screening=False).solve(
        QuadraticDense(X, y), penalty
    )
    support = np.flatnonzero(ref.coef)
    assert support.size > 0
    assert np.isin(support, kept).all()
