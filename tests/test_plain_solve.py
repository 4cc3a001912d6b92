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


@pytest.mark.parametrize("l1, l2", [(3.0, 0.0), (2.0, 5.0), (0.0, 4.0), (0.0, 0.0)])
@pytest.mark.parametrize("positive", [False, True])
def test_gap_from_correlations_is_the_engines_gap(l1, l2, positive):
    rng = np.random.RandomState(0)
    X = np.asfortranarray(rng.randn(30, 12))
    y = rng.randn(30)
    w = rng.randn(12) * (rng.rand(12) > 0.4)
    if positive:
        w = np.abs(w)
    df = QuadraticDense(X, y)
    penalty = ElasticNetPenalty(l1, l2, positive)
    state = df.init_state(w)
    xtr = df.xtr(state)
    expected = df.duality_gap(w, state, penalty, xtr)
    r = y - X @ w
    got = _kernels_plain.gap_from_correlations(w, X.T @ r, r @ r, l1, l2, positive)
    assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


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
