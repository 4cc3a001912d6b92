"""What one cross-validation fold computes: a path on the training rows,
scored on the test rows.

Each function takes the full validated data and the fold's indices, so that
folds can run in parallel threads (the numba kernels release the GIL) with
no shared state.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, RegressorMixin

from sklreg._cd.penalties import L2
from sklreg._cd.solver import WorkingSetSolver
from sklreg.linear_model._base import LinearProblem
from sklreg.linear_model._coordinate_descent import _gram_option
from sklreg.linear_model._path import _target_path

# Ridge folds stop on a relative coefficient change of 1e-8 (the default of
# sklreg's Ridge), warm-started from the previous alpha.
_RIDGE_PATH_TOL = 1e-8
_RIDGE_MAX_ITER = 10_000
_KERNEL_MAX_SAMPLES = 5_000


def _split(X, y, sample_weight, train, test):
    sw_train = sw_test = None
    if sample_weight is not None:
        sw_train, sw_test = sample_weight[train], sample_weight[test]
    return X[train], y[train], sw_train, X[test], y[test], sw_test


def enet_fold_mse(
    X,
    y,
    sample_weight,
    train,
    test,
    *,
    alphas,
    l1_ratio,
    fit_intercept,
    precompute,
    positive,
    tol,
    max_iter,
    selection,
    seed,
    callback=None,
):
    """Mean squared test error along an elastic-net path fitted on ``train``.

    The training weights are rescaled to sum to the number of training
    samples (scikit-learn's convention); the test error is weighted by the
    test weights.

    Returns
    -------
    mse : ndarray of shape (n_alphas,)
    """
    X_train, y_train, sw_train, X_test, y_test, sw_test = _split(
        X, y, sample_weight, train, test
    )
    n_train = X_train.shape[0]
    if sw_train is not None:
        sw_train = sw_train * (n_train / np.sum(sw_train))
    gram = _gram_option(precompute)
    if isinstance(gram, np.ndarray):  # the full data's Gram is not the fold's
        gram = True
    problem = LinearProblem(X_train, y_train, sw_train, fit_intercept, False, gram)
    solver = WorkingSetSolver(
        tol=tol, max_iter=max_iter, selection=selection, random_state=seed
    )
    coefs, _, _ = _target_path(
        problem.datafit(0),
        n_train,
        alphas,
        l1_ratio=l1_ratio,
        positive=positive,
        solver=solver,
        w0=None,
        dtype=X.dtype,
        callback=callback,
    )
    intercepts = problem.intercept(coefs.T) if fit_intercept else 0.0
    pred = np.asarray(X_test @ coefs) + intercepts
    sq = (pred - y_test[:, None]) ** 2
    return np.average(sq, axis=0, weights=sw_test)


class _Predictions(RegressorMixin, BaseEstimator):
    """A regressor whose predictions are its input: lets a scorer score
    predictions computed elsewhere (scikit-learn's ``_IdentityRegressor``)."""

    def fit(self, X, y=None):
        return self

    def predict(self, X):
        return X


def score_predictions(scorer, pred, y, **score_params):
    """``scorer`` applied to precomputed predictions."""
    return scorer(_Predictions(), pred, y, **score_params)


def ridge_fold_scores(
    X, y, sample_weight, train, test, *, alphas, fit_intercept, scorer
):
    """Test scores of Ridge fits on ``train`` along decreasing ``alphas``.

    Each alpha is solved by coordinate descent warm-started from the
    previous one, on the Gram matrix (dense, n >= p), on the dual kernel
    form (p > n) or on the columns of ``X``, as :class:`sklreg.Ridge`.
    The objective of each fit is ``sum_i sw_i (y_i - x_i^T w - b)^2 +
    alpha ||w||^2`` (weights not rescaled); the test score is weighted by
    the test weights (as scikit-learn's ``GridSearchCV`` does).

    Returns
    -------
    scores : ndarray of shape (n_alphas,)
    """
    X_train, y_train, sw_train, X_test, y_test, sw_test = _split(
        X, y, sample_weight, train, test
    )
    n, p = X_train.shape
    kernel = p > n and n <= _KERNEL_MAX_SAMPLES
    gram = not sp.issparse(X_train) and not kernel and n >= p
    problem = LinearProblem(X_train, y_train, sw_train, fit_intercept, False, gram)
    if kernel and not hasattr(problem, "kernel_datafit"):
        kernel = False
    solver = WorkingSetSolver(
        tol=_RIDGE_PATH_TOL, max_iter=_RIDGE_MAX_ITER, stopping="coef"
    )
    score_params = {} if sw_test is None else {"sample_weight": sw_test}
    n_targets = problem.n_targets
    size = n if kernel else p
    dtype = np.float64 if kernel else X.dtype
    warm = np.zeros((n_targets, size), dtype=dtype)
    scores = np.empty(len(alphas))
    for i, alpha in enumerate(alphas):
        coef = np.empty((n_targets, p), dtype=dtype)
        for k in range(n_targets):
            if kernel:
                res = solver.solve(problem.kernel_datafit(k), L2(alpha), warm[k])
                coef[k] = problem.kernel_to_coef(res.coef)
            else:
                datafit = problem.datafit(k)
                res = solver.solve(datafit, L2(alpha), warm[k], dtype)
                coef[k] = res.coef
            warm[k] = res.coef
        if y.ndim == 1:
            coef = coef[0]
        intercept = problem.intercept(coef) if fit_intercept else 0.0
        pred = np.asarray(X_test @ coef.T) + intercept
        scores[i] = score_predictions(scorer, pred, y_test, **score_params)
    return scores
