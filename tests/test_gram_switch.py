"""A single dense fit starts on the columns and forms the Gram matrix only
when the epochs it would save pay for it (``_solve_switching``)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.linear_model import ElasticNet as SkElasticNet

from sklreg import ElasticNet, Lasso
from sklreg._cd.penalties import ElasticNetPenalty
from sklreg._cd.solver import WorkingSetSolver
from sklreg.linear_model._base import LinearProblem
from sklreg.linear_model._coordinate_descent import (
    _column_epochs_budget,
    _solve_switching,
)


def _ar1(n, p, rho, seed):
    rng = np.random.RandomState(seed)
    Z = rng.randn(n, p)
    X = np.empty_like(Z)
    X[:, 0] = Z[:, 0]
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho**2) * Z[:, j]
    w = np.zeros(p)
    w[rng.choice(p, 10, replace=False)] = rng.randn(10)
    return X, X @ w + rng.randn(n) + 3.0


def _solve(X, y, alpha, sample_weight=None):
    n = X.shape[0]
    problem = LinearProblem(X, y, sample_weight, True, True, gram="switch")
    penalty = ElasticNetPenalty(alpha * n, 0.0, False)
    solver = WorkingSetSolver(tol=1e-10, max_iter=5000)
    return problem, _solve_switching(problem, 0, penalty, solver, None, np.float64)


def test_easy_problem_never_forms_the_gram_matrix():
    rng = np.random.RandomState(0)
    X = rng.randn(3000, 200)
    y = X[:, :5] @ rng.randn(5) + rng.randn(3000)
    problem, res = _solve(X, y, 0.1)
    assert problem.gram_pays and problem.gram is None
    assert res.converged and res.n_iter <= _column_epochs_budget(200)


@pytest.mark.parametrize("weighted", [False, True])
def test_hard_problem_switches_and_keeps_the_answer(weighted):
    X, y = _ar1(1000, 120, 0.95, 1)
    sw = None
    if weighted:  # rescaled to sum to n, as the estimators pass them
        sw = np.random.RandomState(2).uniform(0.5, 2, 1000)
        sw *= 1000 / sw.sum()
    alpha = 1e-3
    problem, res = _solve(X, y, alpha, sw)
    assert problem.gram is not None  # the budget ran out: it switched
    assert res.converged and res.n_iter > _column_epochs_budget(120)
    # the Gram matrix is the centred, weighted design's
    Xc = X - np.average(X, axis=0, weights=sw)
    if sw is not None:
        Xc = Xc * np.sqrt(sw)[:, None]
    assert_allclose(problem.gram, Xc.T @ Xc, rtol=1e-12, atol=1e-9)
    ref = SkElasticNet(alpha=alpha, l1_ratio=1.0, tol=1e-12, max_iter=100000)
    ref.fit(X, y, sample_weight=sw)
    assert_allclose(res.coef, ref.coef_, rtol=1e-6, atol=1e-8)


def test_estimator_on_columns_gram_and_switch_give_one_model():
    X, y = _ar1(800, 100, 0.9, 3)
    params = dict(alpha=0.01, l1_ratio=0.7, tol=1e-8, max_iter=10000)
    auto = ElasticNet(**params).fit(X, y)
    gram = ElasticNet(precompute=True, **params).fit(X, y)
    ref = SkElasticNet(**params).fit(X, y)
    assert_allclose(auto.coef_, gram.coef_, rtol=1e-4, atol=1e-7)
    assert_allclose(auto.coef_, ref.coef_, rtol=1e-4, atol=1e-7)
    assert_allclose(auto.intercept_, gram.intercept_, rtol=1e-6)
    assert auto.dual_gap_ <= 1e-8 * np.sum((y - y.mean()) ** 2) / len(y)


def test_small_gram_is_formed_at_once():
    rng = np.random.RandomState(4)
    X, y = rng.randn(100, 10), rng.randn(100)
    problem = LinearProblem(X, y, None, True, True, gram="switch")
    assert problem.gram is not None and not problem.gram_pays
    model = Lasso(alpha=0.01).fit(X, y)
    ref = SkElasticNet(alpha=0.01, l1_ratio=1.0, tol=1e-12).fit(X, y)
    assert_allclose(model.coef_, ref.coef_, rtol=1e-4)
