"""lasso_path / enet_path: parity with scikit-learn and LARS, strong rules."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import linear_model as sk

from sklreg._cd.penalties import ElasticNetPenalty
from sklreg._cd.solver import WorkingSetSolver
from sklreg.linear_model import enet_path, lasso_path
from sklreg.linear_model._base import LinearProblem
from sklreg.linear_model._path import _alpha_grid, _target_path
from sklreg.linear_model._strong_rules import solve_screened


def _data(n=40, p=120, seed=0, sparse=False):
    rng = np.random.RandomState(seed)
    if sparse:
        X = sp.random(n, p, density=0.2, random_state=rng, format="csc")
    else:
        X = rng.randn(n, p)
    w = np.zeros(p)
    w[:8] = rng.randn(8) * 3
    y = X @ w + 0.1 * rng.randn(n)
    return X, y, rng


def _sk_path(X, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sk.enet_path(X, y, max_iter=100_000, **kw)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("positive", [False, True])
def test_enet_path_matches_sklearn(sparse, l1_ratio, positive):
    X, y, _ = _data(sparse=sparse)
    kw = dict(l1_ratio=l1_ratio, positive=positive, alphas=15, eps=1e-2, tol=1e-10)
    alphas, coefs, gaps, n_iters = enet_path(X, y, return_n_iter=True, **kw)
    sk_alphas, sk_coefs, _ = _sk_path(X, y, **kw)
    np.testing.assert_allclose(alphas, sk_alphas, rtol=1e-12)
    np.testing.assert_allclose(coefs, sk_coefs, atol=1e-7)
    assert coefs.shape == (X.shape[1], 15) and gaps.shape == (15,)
    assert len(n_iters) == 15 and np.all(gaps >= 0)


@pytest.mark.parametrize("sparse", [False, True])
def test_enet_path_sample_weight_matches_sklearn_sparse_path(sparse):
    # scikit-learn's path uses sample_weight only for sparse X (its dense
    # path leaves the weighting to the caller): compare both layouts to it.
    X, y, rng = _data(sparse=True, seed=1)
    sw = rng.uniform(0.5, 2.0, size=X.shape[0])
    alphas = _alpha_grid(X, y, Xy=X.T @ (sw * y), fit_intercept=False, eps=1e-2)[:12]
    sk_alphas, sk_coefs, _ = _sk_path(
        X, y, l1_ratio=0.7, alphas=alphas, tol=1e-11, sample_weight=sw
    )
    X_in = X if sparse else X.toarray()
    _, coefs, _ = enet_path(
        X_in, y, l1_ratio=0.7, alphas=alphas, tol=1e-11, sample_weight=sw
    )
    np.testing.assert_allclose(coefs, sk_coefs, atol=1e-7)


def test_lasso_path_equals_enet_path_l1_ratio_one():
    X, y, _ = _data()
    a1, c1, g1 = lasso_path(X, y, alphas=10, tol=1e-8)
    a2, c2, g2 = enet_path(X, y, l1_ratio=1.0, alphas=10, tol=1e-8)
    np.testing.assert_array_equal(c1, c2)
    np.testing.assert_array_equal(a1, a2)


def test_lasso_path_at_lars_knots_on_diabetes(diabetes):
    X, y = diabetes
    lars_alphas, _, lars_coefs = sk.lars_path(X, y, method="lasso")
    knots = lars_alphas > 0
    _, coefs, gaps = lasso_path(X, y, alphas=lars_alphas[knots], tol=1e-12)
    np.testing.assert_allclose(coefs, lars_coefs[:, knots], rtol=0, atol=1e-6)
    # alpha_max of our grid is LARS's first knot
    grid = lasso_path(X, y, alphas=3)[0]
    np.testing.assert_allclose(grid[0], lars_alphas[0], rtol=1e-12)


def test_alpha_max_gives_zero_and_user_alphas_sorted():
    X, y, _ = _data()
    alphas, coefs, _ = lasso_path(X, y, alphas=5)
    assert np.all(coefs[:, 0] == 0) and np.any(coefs[:, 1] != 0)
    a, c, _ = lasso_path(X, y, alphas=[0.01, 1.0, 0.1], tol=1e-10)
    np.testing.assert_array_equal(a, [1.0, 0.1, 0.01])
    one = sk.Lasso(alpha=0.1, fit_intercept=False, tol=1e-10).fit(X, y).coef_
    np.testing.assert_allclose(c[:, 1], one, atol=1e-7)


def test_path_dual_gaps_are_certificates():
    X, y, _ = _data(seed=3)
    n = X.shape[0]
    alphas, coefs, gaps = enet_path(X, y, l1_ratio=0.8, alphas=8, eps=1e-2)
    _, tight, _ = enet_path(X, y, l1_ratio=0.8, alphas=alphas, tol=1e-12)

    def objective(w, a):
        r = y - X @ w
        return r @ r / (2 * n) + a * 0.8 * np.abs(w).sum() + a * 0.1 * w @ w

    for k, a in enumerate(alphas):
        subopt = objective(coefs[:, k], a) - objective(tight[:, k], a)
        assert subopt <= gaps[k] + 1e-12


def test_two_d_y_with_one_column_and_coef_init():
    X, y, _ = _data()
    _, c1, _ = lasso_path(X, y, alphas=5, tol=1e-10)
    _, c2, _ = lasso_path(X, y[:, None], alphas=5, tol=1e-10)
    assert c2.shape == (1, X.shape[1], 5)
    np.testing.assert_allclose(c2[0], c1, atol=1e-9)
    _, c3, _ = lasso_path(X, y, alphas=5, tol=1e-10, coef_init=c1[:, -1])
    np.testing.assert_allclose(c3, c1, atol=1e-6)


def test_float32_path():
    X, y, _ = _data()
    _, c64, _ = lasso_path(X, y, alphas=5, eps=0.1, tol=1e-8)
    _, c32, _ = lasso_path(
        X.astype(np.float32), y.astype(np.float32), alphas=5, eps=0.1, tol=1e-6
    )
    assert c32.dtype == np.float32
    np.testing.assert_allclose(c32, c64, atol=1e-3)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("seed", range(8))
def test_strong_rules_never_drop_an_active_feature(seed, sparse):
    rng = np.random.RandomState(seed)
    n, p = rng.randint(20, 60), rng.randint(30, 150)
    X, y, _ = _data(n, p, seed=seed, sparse=sparse)
    l1_ratio = [1.0, 0.5, 0.9][seed % 3]
    positive = seed % 4 == 0
    problem = LinearProblem(X, y, None, True, True)
    alphas = _alpha_grid(
        X, y, l1_ratio=l1_ratio, eps=1e-3, n_alphas=25, positive=positive
    )
    solver = WorkingSetSolver(tol=1e-12, max_iter=20_000)
    common = dict(
        l1_ratio=l1_ratio, positive=positive, solver=solver, w0=None, dtype=np.float64
    )
    screened, gaps, _ = _target_path(problem.datafit(), n, alphas, **common)
    full, _, _ = _target_path(problem.datafit(), n, alphas, screening=False, **common)
    active = np.abs(full) > 1e-8
    assert np.all(screened[active] != 0)
    np.testing.assert_allclose(screened, full, atol=1e-6)
    assert np.all(gaps <= 1e-12 * (y - y.mean()) @ (y - y.mean()) / n + 1e-15)


@pytest.mark.parametrize("gram", [True, False])
def test_kkt_check_repairs_a_wrong_candidate_set(gram):
    X, y, _ = _data(n=80, p=30, seed=5)
    problem = LinearProblem(X, y, None, False, True, gram=gram)
    datafit = problem.datafit()
    penalty = ElasticNetPenalty(0.05 * np.abs(X.T @ y).max(), 0.0)
    solver = WorkingSetSolver(tol=1e-12, max_iter=10_000)
    kept = np.zeros(X.shape[1], dtype=bool)
    kept[0] = True  # far too small: the KKT check must add the rest
    w, gap, _, _ = solve_screened(
        datafit, penalty, solver, np.zeros(30), kept, np.float64
    )
    ref = solver.solve(datafit, penalty).coef
    np.testing.assert_allclose(w, ref, atol=1e-8)
    assert gap <= 1e-12 * datafit.y_norm2


def test_path_bad_input():
    X, y, _ = _data()
    with pytest.raises(ValueError, match="inconsistent"):
        lasso_path(X, y[:-1])
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        lasso_path(Xn, y)
    with pytest.raises(ValueError, match="Negative"):
        lasso_path(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match="sample_weight"):
        lasso_path(X, y, sample_weight=np.ones(3))
    # 2-D y is the multi-task path (tests/test_multitask.py)
    assert lasso_path(X, np.c_[y, y], alphas=3)[1].shape == (2, X.shape[1], 3)
    with pytest.raises(ValueError, match="l1_ratio"):
        enet_path(X, y, l1_ratio=2.0)
    with pytest.raises(ValueError, match="eps"):
        lasso_path(X, y, eps=0)
    with pytest.raises(ValueError, match="alphas"):
        lasso_path(X, y, alphas=[-1.0])
    with pytest.raises(ValueError, match="Unexpected"):
        lasso_path(X, y, foo=1)
    with pytest.raises(ValueError, match="selection"):
        lasso_path(X, y, selection="bad")
    with pytest.raises(ValueError, match="l1_ratio=0"):
        enet_path(X, y, l1_ratio=0.0)
    with pytest.warns(FutureWarning, match="n_alphas"):
        a, _, _ = lasso_path(X, y, n_alphas=4)
    assert a.shape == (4,)


@pytest.mark.parametrize("sparse", [False, True])
def test_strong_rules_restrict_the_solves(monkeypatch, sparse):
    from sklreg.linear_model import _strong_rules

    sizes = []
    if sparse:  # restricted problems on copies of the kept columns
        restrict = _strong_rules.restrict

        def recording(datafit, cols):
            sizes.append(cols.size)
            return restrict(datafit, cols)

        monkeypatch.setattr(_strong_rules, "restrict", recording)
    else:  # the compiled path: its kept set after each alpha, one at a time
        run = _strong_rules.CompiledPath.run

        def recording(self, w, xtr, l1_prev, start, stop, *args):
            end, status = run(self, w, xtr, l1_prev, start, start + 1, *args)
            sizes.append(int(self.kept.sum()))
            return end, status

        monkeypatch.setattr(_strong_rules.CompiledPath, "run", recording)
    X, y, _ = _data(n=40, p=300, seed=21, sparse=sparse)
    _, coefs, _ = lasso_path(X, y, alphas=20, eps=1e-2, tol=1e-10)
    assert len(sizes) >= 20 and max(sizes) < X.shape[1] / 2
    _, ref, _ = _sk_path(X, y, l1_ratio=1.0, alphas=20, eps=1e-2, tol=1e-10)
    np.testing.assert_allclose(coefs, ref, atol=1e-7)


def _python_path(monkeypatch, *args, **kwargs):
    """``_target_path`` with the compiled path disabled: the reference."""
    from sklreg.linear_model import _strong_rules

    with monkeypatch.context() as m:
        m.setattr(_strong_rules.CompiledPath, "available", lambda *a: False)
        return _target_path(*args, **kwargs)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("handback", [None, "unconverged", "full"])
@pytest.mark.parametrize("gram", [False, True])
def test_compiled_path_equals_python_path(monkeypatch, seed, handback, gram):
    # one compiled call per stretch of alphas gives the Python loop's
    # answers, also when it hands alphas back (tiny epoch budgets, or a
    # kept set always "too large"), with factors 0, 1, 2.5, inf, positive,
    # the elastic net and float32; dense columns and the Gram form (which
    # solves a large kept set itself, compiled, instead of handing it back)
    from sklreg.linear_model import _strong_rules

    if handback == "unconverged":
        monkeypatch.setattr(_strong_rules, "_SUBPROBLEM_PLAIN_EPOCHS", 1)
        monkeypatch.setattr(_strong_rules, "_PLAIN_WORK", 0.0)
    elif handback == "full":
        monkeypatch.setattr(_strong_rules, "_FULL_FRACTION", 0.05)
    rng = np.random.RandomState(seed)
    n, p = rng.randint(20, 60), rng.randint(40, 150)
    X, y, _ = _data(n, p, seed=seed)
    dtype = np.float32 if seed == 5 else np.float64
    X, y = X.astype(dtype), y.astype(dtype)
    l1_ratio = [1.0, 0.5, 0.9][seed % 3]
    positive = seed % 4 == 1
    factors = None
    if seed % 2:
        factors = rng.choice([0.0, 1.0, 2.5, np.inf], size=p, p=[0.1, 0.5, 0.3, 0.1])
    tol = 1e-4 if dtype == np.float32 else 1e-10
    alphas = _alpha_grid(
        X, y, l1_ratio=l1_ratio, eps=1e-2, n_alphas=15, positive=positive
    )
    calls = []

    def callback(i):
        calls.append(i)

    common = dict(
        l1_ratio=l1_ratio,
        positive=positive,
        solver=WorkingSetSolver(tol=tol, max_iter=20_000),
        w0=None,
        dtype=dtype,
        penalty_factor=factors,
    )
    datafit = LinearProblem(X, y, None, True, True, gram=gram).datafit()
    assert type(datafit).__name__ == ("QuadraticGram" if gram else "QuadraticDense")
    assert _strong_rules.CompiledPath.available(datafit, common["solver"], None)
    coefs, gaps, iters = _target_path(datafit, n, alphas, callback=callback, **common)
    ref, ref_gaps, _ = _python_path(monkeypatch, datafit, n, alphas, **common)
    assert coefs.dtype == dtype
    assert calls == list(range(len(alphas)))
    assert len(iters) == len(alphas) and min(iters) >= 0
    y_c = (y - y.mean()).astype(np.float64)
    scale = tol * float(y_c @ y_c)
    if dtype == np.float64:
        np.testing.assert_allclose(coefs, ref, atol=1e-7)
    else:  # at tol=1e-4 two certified solves agree on their objective
        Xc = (X - X.mean(axis=0)).astype(np.float64)
        f = np.ones(p) if factors is None else factors
        for k, alpha in enumerate(alphas):
            objs = []
            for w in (coefs[:, k].astype(np.float64), ref[:, k].astype(np.float64)):
                nz = w != 0
                r = y_c - Xc @ w
                pen = (
                    alpha
                    * n
                    * f[nz]
                    * (l1_ratio * np.abs(w[nz]) + 0.5 * (1 - l1_ratio) * w[nz] ** 2)
                )
                objs.append(0.5 * r @ r + pen.sum())
            assert abs(objs[0] - objs[1]) <= 2 * scale
    # every gap is a certificate of the whole problem at its alpha
    assert np.all(gaps <= scale / n * (1 + 1e-6))
    assert np.all(ref_gaps <= scale / n * (1 + 1e-6))
    if factors is not None:  # excluded features stay at zero
        assert np.all(coefs[np.isinf(factors)] == 0)
    if positive:
        assert np.all(coefs >= 0)


def test_compiled_path_kkt_conditions():
    # the compiled path's solutions against the optimality conditions of
    # each alpha, computed here with numpy
    X, y, _ = _data(n=50, p=200, seed=7)
    alphas, coefs, _ = lasso_path(
        X, y, alphas=30, eps=1e-2, tol=1e-12, max_iter=100_000
    )
    n = X.shape[0]
    for k, alpha in enumerate(alphas):  # (lasso_path fits no intercept)
        w = coefs[:, k]
        grad = X.T @ (y - X @ w) / n
        nz = w != 0
        np.testing.assert_allclose(grad[nz], alpha * np.sign(w[nz]), atol=1e-6)
        assert np.all(np.abs(grad[~nz]) <= alpha * (1 + 1e-6))
