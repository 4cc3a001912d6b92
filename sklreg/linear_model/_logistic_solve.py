"""What a logistic fit and a logistic path share: the penalty read from
scikit-learn's parameters, the datafit built from ``(X, y, weights)``, and
one solve mapped back to scikit-learn's ``coef_`` / ``intercept_`` layout."""

import warnings

import numpy as np
from sklearn.utils.class_weight import compute_class_weight

from sklreg._cd.datafits_logistic import (
    BinomialLoss,
    MultinomialLoss,
    PenaltyVectors,
)
from sklreg._cd.design_logistic import Design
from sklreg._cd.prox_newton import ProxNewtonSolver


def resolve_penalty(penalty, C, l1_ratio):
    """``(C, l1_ratio)`` of the objective, from scikit-learn 1.9's parameters.

    ``penalty`` is deprecated in scikit-learn 1.8 (removed in 1.10): the
    default ``"deprecated"`` reads the penalty from ``l1_ratio`` and ``C``
    (``C=inf``: no penalty); an explicit value warns as scikit-learn does and
    sets the mixing (``"l1"``: 1, ``"l2"``: 0, ``"elasticnet"``: ``l1_ratio``,
    None: ``C=inf``).
    """
    if penalty == "deprecated":
        if l1_ratio is None:
            warnings.warn(
                "'l1_ratio=None' was deprecated in version 1.8 and will "
                "trigger an error in 1.10. Use 0<=l1_ratio<=1 instead.",
                FutureWarning,
                stacklevel=3,
            )
            return C, 0.0
        return C, float(l1_ratio)
    warnings.warn(
        "'penalty' was deprecated in version 1.8 and will be removed in"
        " 1.10. To avoid this warning, leave 'penalty' set to its default"
        " value and use 'l1_ratio' or 'C' instead."
        " Use l1_ratio=0 instead of penalty='l2',"
        " l1_ratio=1 instead of penalty='l1',"
        " l1_ratio set to a float between 0 and 1 instead of"
        " penalty='elasticnet', and C=np.inf instead of penalty=None.",
        FutureWarning,
        stacklevel=3,
    )
    if penalty != "elasticnet" and l1_ratio is not None and 0 < l1_ratio < 1:
        warnings.warn(
            "l1_ratio parameter is only used when penalty is "
            f"'elasticnet'. Got (penalty={penalty})",
            stacklevel=3,
        )
    if (penalty == "l2" and l1_ratio != 0) or (penalty == "l1" and l1_ratio != 1):
        warnings.warn(
            f"Inconsistent values: penalty={penalty} with "
            f"l1_ratio={l1_ratio}. penalty is deprecated. Please use "
            "l1_ratio only.",
            stacklevel=3,
        )
    if penalty == "elasticnet":
        if l1_ratio is None:
            raise ValueError("l1_ratio must be specified when penalty is elasticnet.")
        return C, float(l1_ratio)
    if penalty is None:
        if C != 1.0:
            warnings.warn(
                "Setting penalty=None will ignore the C and l1_ratio parameters",
                stacklevel=3,
            )
        return np.inf, 0.0
    return C, 1.0 if penalty == "l1" else 0.0


def logistic_datafit(X, y_index, n_classes, sample_weight, fit_intercept):
    """The binomial (two classes) or multinomial datafit of encoded labels.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    y_index : ndarray of shape (n_samples,)
        Class indices ``0 .. n_classes - 1``.
    n_classes : int
    sample_weight : ndarray of shape (n_samples,)
        Sample weights times class weights.
    fit_intercept : bool
    """
    design = Design(X)
    if n_classes == 2:
        Y = (y_index == 1).astype(np.float64)[:, None]
        return BinomialLoss(design, Y, sample_weight, fit_intercept)
    Y = np.zeros((y_index.shape[0], n_classes))
    Y[np.arange(y_index.shape[0]), y_index] = 1.0
    return MultinomialLoss(design, Y, sample_weight, fit_intercept)


def total_weights(sample_weight, class_weight, classes, y, y_index, n_samples):
    """``sample_weight * class_weight[y]`` as float64 (ones when neither)."""
    s = np.ones(n_samples) if sample_weight is None else np.array(sample_weight, float)
    if class_weight is not None:
        cw = compute_class_weight(
            class_weight, classes=classes, y=y, sample_weight=sample_weight
        )
        s = s * cw[y_index]
    return s


def penalty_vectors(C, l1_ratio, factors, n_features):
    """The penalty of the objective divided by ``C``: ``l1 = l1_ratio / C``,
    ``l2 = (1 - l1_ratio) / C`` (zero when ``C = inf``)."""
    l1 = l1_ratio / C if np.isfinite(C) else 0.0
    l2 = (1.0 - l1_ratio) / C if np.isfinite(C) else 0.0
    return PenaltyVectors(l1, l2, factors, n_features)


def solve_logistic(
    datafit,
    C,
    l1_ratio,
    factors,
    *,
    tol,
    max_iter,
    verbose=0,
    coef0=None,
    intercept0=None,
    warn=True,
):
    """One fit: ``(coef, intercept, dual_gap, n_iter)`` in float64.

    ``coef`` has shape ``(1, n_features)`` (binary) or ``(n_classes,
    n_features)``; the multinomial intercepts are centred (their mean is
    free, scikit-learn's lbfgs keeps it at 0).  ``dual_gap`` is on
    scikit-learn's objective ``C * loss + penalty``; nan when no feature is
    penalised (no finite dual: the stopping rule was the gradient's).
    """
    n_features = datafit.design.n_features
    penalty = penalty_vectors(C, l1_ratio, factors, n_features)
    solver = ProxNewtonSolver(tol=tol, max_iter=max_iter, verbose=verbose, warn=warn)
    res = solver.solve(datafit, penalty, coef0, intercept0)
    coef, intercept = res.coef, res.intercept
    if datafit.multinomial:
        intercept = intercept - intercept.mean()
    if not datafit.fit_intercept:
        intercept = np.zeros_like(intercept)
    gap = C * res.criterion if res.certified else np.nan
    return coef, intercept, gap, res.n_iter
