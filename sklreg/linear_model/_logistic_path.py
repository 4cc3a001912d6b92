"""The regularisation path of logistic regression: warm-started fits along a
grid of ``C``."""

import numpy as np
from sklearn.utils import check_array, check_consistent_length
from sklearn.utils.multiclass import check_classification_targets

from sklreg._validation import _check_sample_weight
from sklreg.linear_model._base import check_penalty_factor
from sklreg.linear_model._logistic_solve import (
    logistic_datafit,
    penalty_vectors,
    solve_logistic,
    total_weights,
)


def null_model(datafit, factors, tol, max_iter):
    """The fit with every penalised coefficient at zero: the intercept and
    the unpenalised features alone.  Returns ``(coef, intercept)``."""
    n_features = datafit.design.n_features
    f = np.ones(n_features) if factors is None else factors
    only_free = np.where(f == 0, 0.0, np.inf)
    coef, intercept, _, _ = solve_logistic(
        datafit, np.inf, 0.0, only_free, tol=tol, max_iter=max_iter, warn=False
    )
    return coef, intercept


def smallest_dense_C(datafit, l1_ratio, factors, coef, intercept):
    """The largest ``C`` at which every penalised coefficient is zero.

    At the null model ``(coef, intercept)`` (see :func:`null_model`) with
    gradient ``g`` of the loss, zero is optimal for the penalised features
    as long as ``C |g_kj| <= l1_ratio f_j``: the answer is ``l1_ratio /
    max_kj |g_kj| / f_j``; ``inf`` when that gradient is zero, ``nan`` when
    ``l1_ratio = 0`` (an L2 penalty never zeroes coefficients).
    """
    penalty = penalty_vectors(1.0, 1.0, factors, datafit.design.n_features)
    if l1_ratio == 0 or not penalty.penalised.any():
        return np.nan
    Z = datafit.linear_predictor(coef, intercept)
    grad = datafit.gradient(datafit.sample_gradient(datafit.probabilities(Z)))
    f = penalty.factors[penalty.penalised]
    top = float((np.abs(grad[:, penalty.penalised]) / f).max())
    return np.inf if top == 0 else l1_ratio / top


def logistic_path(
    X,
    y,
    *,
    Cs=10,
    l1_ratio=0.0,
    eps=1e-3,
    fit_intercept=True,
    tol=1e-4,
    max_iter=100,
    class_weight=None,
    sample_weight=None,
    penalty_factor=None,
    classes=None,
    coef=None,
):
    """Logistic regression fitted along a grid of ``C``, warm-started.

    Each fit minimises :class:`sklreg.LogisticRegression`'s objective
    ``C * sum_i s_i * logloss_i + (1 - l1_ratio) / 2 * ||W||_2^2 +
    l1_ratio * ||W||_1`` (with ``penalty_factor`` when given), starting from
    the solution at the next smaller ``C`` of the grid (from sparse to dense
    solutions; the results keep the grid's order).

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    Cs : int or array-like of float, default=10
        The grid, or its number of points.  With an integer and an L1 part,
        the grid runs geometrically from the largest ``C`` at which every
        penalised coefficient is zero (found from the gradient at the fit of
        the intercept and the unpenalised features alone) up to ``1 / eps``
        times it; without an L1 part, scikit-learn's ``logspace(-4, 4)``.
    l1_ratio : float, default=0.0
    eps : float, default=1e-3
        The grid's smallest ``C`` over its largest, when ``Cs`` is an int.
    fit_intercept : bool, default=True
    tol : float, default=1e-4
        As in :class:`sklreg.LogisticRegression`.
    max_iter : int, default=100
        Prox-Newton iterations per ``C``.
    class_weight : dict or 'balanced', default=None
    sample_weight : array-like of shape (n_samples,), default=None
    penalty_factor : array-like of shape (n_features,), default=None
    classes : array-like, default=None
        The class labels (``np.unique(y)`` when None; a cross-validation
        fold passes all the classes of the full data).
    coef : ndarray of shape (n_rows, n_features + fit_intercept), default=None
        Starting point of the first fit (the intercept in the last column).

    Returns
    -------
    coefs : ndarray of shape (n_cs, n_features + fit_intercept) or \
            (n_cs, n_classes, n_features + fit_intercept)
        The coefficients, intercept last, as scikit-learn's path (the class
        axis dropped for two classes).
    Cs : ndarray of shape (n_cs,)
    n_iter : ndarray of shape (n_cs,)
        Prox-Newton iterations of each fit.
    dual_gaps : ndarray of shape (n_cs,)
        Duality gap of each fit, on the objective above.
    """
    X = check_array(X, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32])
    y = check_array(y, ensure_2d=False, dtype=None)
    check_consistent_length(X, y)
    check_classification_targets(y)
    classes = np.unique(y) if classes is None else np.asarray(classes)
    if classes.shape[0] < 2:
        raise ValueError(
            "This solver needs samples of at least 2 classes in the data, but "
            f"the data contains only one class: {classes[0]!r}"
        )
    y_index = np.searchsorted(classes, y)
    n_samples, n_features = X.shape
    if sample_weight is not None:
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True
        )
    factors = check_penalty_factor(penalty_factor, n_features)
    s = total_weights(sample_weight, class_weight, classes, y, y_index, n_samples)
    datafit = logistic_datafit(X, y_index, classes.shape[0], s, fit_intercept)
    n_rows = datafit.n_rows

    if coef is not None:
        coef = np.asarray(coef, dtype=np.float64).reshape(n_rows, -1)
        W, b = coef[:, :n_features].copy(), np.zeros(n_rows)
        if fit_intercept:
            b = coef[:, n_features].copy()
    else:
        W, b = None, None
    if isinstance(Cs, int | np.integer):
        C0 = np.nan
        if l1_ratio > 0:
            W0, b0 = null_model(datafit, factors, tol, max_iter)
            C0 = smallest_dense_C(datafit, l1_ratio, factors, W0, b0)
            if coef is None:
                W, b = W0, b0
        if np.isfinite(C0):
            Cs = C0 * np.logspace(0, np.log10(1.0 / eps), Cs)
        else:
            Cs = np.logspace(-4, 4, Cs)
    Cs = np.asarray(Cs, dtype=np.float64).ravel()

    coefs = np.empty((Cs.shape[0], n_rows, n_features + int(fit_intercept)))
    n_iter = np.empty(Cs.shape[0], dtype=np.int32)
    gaps = np.empty(Cs.shape[0])
    # from sparse to dense solutions: each warm-starts the next
    for i in np.argsort(Cs, kind="stable"):
        C = Cs[i]
        W, b, gaps[i], n_iter[i] = solve_logistic(
            datafit,
            C,
            l1_ratio,
            factors,
            tol=tol,
            max_iter=max_iter,
            coef0=W,
            intercept0=b,
        )
        coefs[i, :, :n_features] = W
        if fit_intercept:
            coefs[i, :, n_features] = b
    if n_rows == 1:
        coefs = coefs[:, 0]
    return coefs, Cs, n_iter, gaps
