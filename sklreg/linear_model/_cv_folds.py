"""What one cross-validation fold computes: a path on the training rows,
scored on the test rows.

Each function takes the full validated data and the fold's indices, so that
folds can run in parallel threads (the numba kernels release the GIL) with
no shared state.
"""

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

from sklreg._cd.solver import WorkingSetSolver
from sklreg.linear_model._base import LinearProblem
from sklreg.linear_model._coordinate_descent import _gram_option
from sklreg.linear_model._path import _ridge_path, _target_path


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
    penalty_factor=None,
    multitask=False,
):
    """Mean squared test error along an elastic-net path fitted on ``train``.

    The training weights are rescaled to sum to the number of training
    samples (scikit-learn's convention); the test error is weighted by the
    test weights.  With ``multitask`` (2-D ``y``, the L2,1 penalty) the
    error is the mean over the targets of each target's (weighted) MSE, as
    scikit-learn's ``MultiTaskElasticNetCV``; ``penalty_factor`` multiplies
    each feature's penalty.

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
    gram = _gram_option(precompute, tol)
    if isinstance(gram, np.ndarray):  # the full data's Gram is not the fold's
        gram = True
    problem = LinearProblem(X_train, y_train, sw_train, fit_intercept, False, gram)
    solver = WorkingSetSolver(
        tol=tol, max_iter=max_iter, selection=selection, random_state=seed
    )
    datafit = problem.block_datafit() if multitask else problem.datafit(0)
    coefs, _, _ = _target_path(
        datafit,
        n_train,
        alphas,
        l1_ratio=l1_ratio,
        positive=positive,
        solver=solver,
        w0=None,
        dtype=X.dtype,
        callback=callback,
        penalty_factor=penalty_factor,
        n_tasks=y.shape[1] if multitask else None,
    )
    if multitask:
        return _multitask_mse(problem, coefs, X_test, y_test, sw_test, fit_intercept)
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
    previous one (see :func:`~sklreg.linear_model._path._ridge_path`).  The
    objective of each fit is ``sum_i sw_i (y_i - x_i^T w - b)^2 +
    alpha ||w||^2`` (weights not rescaled); the test score is weighted by
    the test weights (as scikit-learn's ``GridSearchCV`` does).

    Returns
    -------
    scores : ndarray of shape (n_alphas,)
    """
    X_train, y_train, sw_train, X_test, y_test, sw_test = _split(
        X, y, sample_weight, train, test
    )
    coefs, intercepts = _ridge_path(X_train, y_train, sw_train, alphas, fit_intercept)
    score_params = {} if sw_test is None else {"sample_weight": sw_test}
    scores = np.empty(len(alphas))
    for i in range(len(alphas)):
        pred = np.asarray(X_test @ coefs[:, :, i].T) + intercepts[:, i]
        if y.ndim == 1:
            pred = pred[:, 0]
        scores[i] = score_predictions(scorer, pred, y_test, **score_params)
    return scores


def _multitask_mse(problem, coefs, X_test, Y_test, sw_test, fit_intercept):
    """Mean over targets of the (weighted) test MSE; ``coefs`` (p, T, n_alphas)."""
    p, T, n_alphas = coefs.shape
    pred = np.asarray(X_test @ coefs.reshape(p, T * n_alphas)).reshape(-1, T, n_alphas)
    if fit_intercept:
        intercepts = np.reshape(problem.y_offset, (T, 1)) - np.einsum(
            "j,jta->ta", problem.X_offset, coefs
        )
        pred = pred + intercepts
    sq = (pred - Y_test[:, :, None]) ** 2
    return np.average(sq, axis=0, weights=sw_test).mean(axis=0)
