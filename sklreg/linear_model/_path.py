"""Regularization paths of the Lasso and the elastic net: ``lasso_path``,
``enet_path``, and the alpha grid they share with the CV estimators.

A path solves the elastic-net problem for a decreasing sequence of alphas,
each solve warm-started from the previous solution, and screened by the
sequential strong rules of :mod:`sklreg.linear_model._strong_rules`.
"""

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array

from sklreg._cd._lazy import lazy_module
from sklreg._cd.penalties import L2, ElasticNetPenalty, GroupPenalty
from sklreg._cd.solver import WorkingSetSolver
from sklreg._progress import FitProgress
from sklreg.linear_model._base import (
    LinearProblem,
    _weighted_col_mean,
    check_penalty_factor,
)
from sklreg.linear_model._coordinate_descent import _gram_option
from sklreg.linear_model._ridge_direct import SPARSE_GRAM_MAX, ridge_path_exact
from sklreg.linear_model._ridge_loo import CenteredDesign
from sklreg.linear_model._strong_rules import (
    CompiledPath,
    full_xtr,
    solve_screened,
    strong_rule_mask,
)

_kernels_path = lazy_module("sklreg._cd._kernels_path")

_SOLVER_PARAMS = ("tol", "max_iter", "random_state", "selection")
# With a callback (progress), a compiled path returns every so many alphas.
_CALLBACK_STRETCH = 5


def _alpha_grid(
    X,
    y,
    Xy=None,
    l1_ratio=1.0,
    fit_intercept=True,
    eps=1e-3,
    n_alphas=100,
    sample_weight=None,
    *,
    positive=False,
    penalty_factor=None,
    n_normaliser=None,
):
    """Geometric grid from ``alpha_max`` down to ``eps * alpha_max``.

    With ``penalty_factor``, ``alpha_max`` is the smallest alpha at which
    every *penalised* coefficient is zero: the unpenalised features
    (factor 0) are fitted first (:func:`_alpha_max_with_factors`).

    ``alpha_max`` is the smallest alpha whose solution is zero:
    ``max_j |x_j^T W (y - ybar)| / (sum(W) * l1_ratio)`` with the weighted
    column means subtracted from ``X`` when ``fit_intercept`` (scikit-learn's
    ``_alpha_grid``; ``X`` is never copied).  With ``positive``, only the
    positive correlations count.  Multi-output ``y`` takes the L2 norm of
    each feature's correlations across targets.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
    """
    if l1_ratio == 0:
        raise ValueError(
            "Automatic alpha grid generation is not supported for l1_ratio=0. "
            "Please supply a grid by providing your estimator with the "
            "appropriate `alphas=` argument."
        )
    if penalty_factor is not None:
        alpha_max = _alpha_max_with_factors(
            X, y, penalty_factor, fit_intercept, sample_weight, positive
        )
        norm = n_normaliser
        if norm is None:
            norm = X.shape[0] if sample_weight is None else sample_weight.sum()
        return _geometric_grid(alpha_max / (norm * l1_ratio), eps, n_alphas)
    if Xy is not None:
        Xyw = np.asarray(Xy)
    else:
        if fit_intercept:
            y = y - np.average(y, axis=0, weights=sample_weight)
        if sample_weight is None:
            yw = y
        else:
            yw = y * (sample_weight.reshape(-1, 1) if y.ndim > 1 else sample_weight)
        Xyw = np.asarray(X.T @ yw)
        if fit_intercept:
            X_mean = _weighted_col_mean(X, sample_weight)
            sum_yw = np.sum(yw, axis=0)
            Xyw = Xyw - (X_mean[:, None] * sum_yw if y.ndim > 1 else X_mean * sum_yw)
    if Xyw.ndim == 1:
        Xyw = Xyw[:, np.newaxis]
    n_samples = X.shape[0] if sample_weight is None else sample_weight.sum()
    if positive:
        alpha_max = max(0.0, float(np.max(Xyw))) / (n_samples * l1_ratio)
    else:
        alpha_max = np.sqrt(np.max(np.sum(Xyw**2, axis=1))) / (n_samples * l1_ratio)
    return _geometric_grid(alpha_max, eps, n_alphas)


def _geometric_grid(alpha_max, eps, n_alphas):
    resolution = np.finfo(np.float64).resolution
    if alpha_max <= resolution:
        return np.full(n_alphas, resolution)
    return np.geomspace(alpha_max, alpha_max * eps, num=n_alphas)


def _alpha_max_with_factors(X, y, factors, fit_intercept, sample_weight, positive):
    """``max_j ||x_j^T W r|| / f_j`` over the penalised features (n-scaled).

    ``r`` is the residual of the weighted least-squares fit of ``y`` on the
    unpenalised features (``f_j = 0``) and the intercept: the model at
    which every penalised coefficient is zero, and stays zero for any
    alpha above the returned value (divided by ``n l1_ratio``).  A small
    dense solve on those columns only (none: ``r`` is the centred ``y``).
    """
    n = X.shape[0]
    Y = y.reshape(n, -1).astype(np.float64)
    sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)
    sqrt_sw = np.sqrt(sw)
    unpen = np.flatnonzero(factors == 0)
    if fit_intercept:
        y_mean = np.average(Y, axis=0, weights=sw)
        Yc = Y - y_mean
    else:
        Yc = Y
    R = Yc
    if unpen.size:
        XU = X[:, unpen]
        XU = XU.toarray() if sp.issparse(XU) else np.asarray(XU, dtype=np.float64)
        if fit_intercept:
            XU = XU - np.average(XU, axis=0, weights=sw)
        beta = np.linalg.lstsq(
            sqrt_sw[:, None] * XU, sqrt_sw[:, None] * Yc, rcond=None
        )[0]
        R = Yc - XU @ beta
    RW = sw[:, None] * R
    corr = np.asarray(X.T @ RW)
    if fit_intercept:
        X_mean = _weighted_col_mean(X, sample_weight)
        corr = corr - np.outer(X_mean, RW.sum(axis=0))
    pen = (factors > 0) & np.isfinite(factors)
    if not pen.any():
        return 0.0
    if positive and corr.shape[1] == 1:
        score = corr[:, 0]
    else:
        score = np.sqrt(np.sum(corr**2, axis=1))
    return max(0.0, float(np.max(score[pen] / factors[pen])))


def _target_path(
    datafit,
    n_samples,
    alphas,
    *,
    l1_ratio,
    positive,
    solver,
    w0,
    dtype,
    screening=True,
    callback=None,
    penalty_factor=None,
    n_tasks=None,
):
    """Warm-started solves of one target along ``alphas`` (decreasing).

    Minimises, for each ``alpha``, the n-scaled objective of the datafit::

        1/2 ||y - X w||^2 + n alpha l1_ratio ||w||_1
                          + n alpha (1 - l1_ratio) / 2 ||w||^2

    With ``penalty_factor``, the penalty of feature ``j`` is multiplied by
    ``f_j``; with ``n_tasks``
    (a multi-task block datafit), ``w`` is of shape (n_features, n_tasks)
    and ``|w_j|`` is the norm of its row ``j``.

    Returns
    -------
    coefs : ndarray of shape (n_features, n_alphas) or \
            (n_features, n_tasks, n_alphas)
    dual_gaps : ndarray of shape (n_alphas,)
        Divided by ``n_samples`` (the objective of scikit-learn's docstrings).
    n_iters : list of int
    """
    p = datafit.n_features
    shape = (p,) if n_tasks is None else (p, n_tasks)
    coefs = np.empty(shape + (len(alphas),), dtype=dtype)
    dual_gaps = np.empty(len(alphas))
    n_iters = []
    w = np.zeros(shape, dtype=dtype) if w0 is None else np.array(w0, dtype=dtype)
    if positive:
        np.maximum(w, 0, out=w)
    Penalty = ElasticNetPenalty if n_tasks is None else GroupPenalty
    screen = screening and l1_ratio > 0
    xtr = l1_prev = None
    if screen:
        xtr, _ = full_xtr(datafit, w)
        # the largest useful weight: at w = 0 it is alpha_max's
        l1_prev = Penalty(1.0, 0.0, weights=penalty_factor, positive=positive)
        l1_prev = l1_prev.dual_norm(xtr)
    compiled = None
    if screen and CompiledPath.available(datafit, solver, n_tasks):
        compiled = CompiledPath(
            datafit, solver, alphas, n_samples, l1_ratio, penalty_factor
        )
        xtr = np.array(xtr, dtype=np.float64)

    def penalty_at(i):
        l1 = alphas[i] * l1_ratio * n_samples
        l2 = alphas[i] * (1.0 - l1_ratio) * n_samples
        return Penalty(l1, l2, weights=penalty_factor, positive=positive)

    i = 0
    while i < len(alphas):
        if compiled is not None:
            # many alphas in one compiled call (a callback is called every
            # few of them)
            stop = len(alphas) if callback is None else i + _CALLBACK_STRETCH
            stop = min(stop, len(alphas))
            end, status = compiled.run(
                w, xtr, l1_prev, i, stop, positive, coefs, dual_gaps
            )
            for k in range(i, end):
                n_iters.append(int(compiled.n_iters[k]))
                dual_gaps[k] /= n_samples
                if callback is not None:
                    callback(k)
            if end > i:
                l1_prev = compiled.l1_path[end - 1]
            i = end
            if status == _kernels_path.DONE:
                continue
            penalty = penalty_at(i)
            w, gap, n_iter, xtr = compiled.finish(i, status, penalty, w, dtype)
            w = np.array(w, dtype=dtype)
            xtr = np.array(xtr, dtype=np.float64)
            l1_prev = penalty.l1
        elif screen:
            penalty = penalty_at(i)
            l1 = penalty.l1
            kept = strong_rule_mask(
                xtr, l1, max(l1_prev, l1), w, positive, penalty_factor
            )
            w, gap, n_iter, xtr = solve_screened(
                datafit, penalty, solver, w, kept, dtype
            )
            l1_prev = l1
        else:
            res = solver.solve(datafit, penalty_at(i), w, dtype)
            w, gap, n_iter = res.coef, res.dual_gap, res.n_iter
        coefs[..., i] = w
        dual_gaps[i] = gap / n_samples
        n_iters.append(int(n_iter))
        if callback is not None:
            callback(i)
        i += 1
    return coefs, dual_gaps, n_iters


# Ridge paths stop each solve on a relative coefficient change of 1e-8 (the
# default of sklreg's Ridge), warm-started from the previous alpha.
_RIDGE_PATH_TOL = 1e-8
_RIDGE_MAX_ITER = 10_000
_KERNEL_MAX_SAMPLES = 5_000


def _ridge_path(X, y, sample_weight, alphas, fit_intercept):
    """Ridge coefficients along ``alphas``, each solve warm-started.

    Minimises, for each ``alpha``, ``sum_i sw_i (y_i - x_i^T w - b)^2 +
    alpha ||w||^2`` (the objective of :class:`sklreg.Ridge`) by coordinate
    descent: on the Gram matrix (dense, n >= p), on the dual kernel form
    (p > n, up to 5000 samples) or on the columns of ``X``, as Ridge does.

    Returns
    -------
    coefs : ndarray of shape (n_targets, n_features, n_alphas)
    intercepts : ndarray of shape (n_targets, n_alphas)
    """
    n, p = X.shape
    if not sp.issparse(X) or min(n, p) <= SPARSE_GRAM_MAX:
        return _ridge_path_exact(X, y, sample_weight, alphas, fit_intercept)
    kernel = p > n and n <= _KERNEL_MAX_SAMPLES
    gram = not sp.issparse(X) and not kernel and n >= p
    problem = LinearProblem(X, y, sample_weight, fit_intercept, True, gram)
    kernel = kernel and hasattr(problem, "kernel_datafit")
    solver = WorkingSetSolver(
        tol=_RIDGE_PATH_TOL, max_iter=_RIDGE_MAX_ITER, stopping="coef"
    )
    n_targets = problem.n_targets
    dtype = np.float64 if kernel else X.dtype
    warm = np.zeros((n_targets, n if kernel else p), dtype=dtype)
    coefs = np.empty((n_targets, p, len(alphas)), dtype=dtype)
    for i, alpha in enumerate(alphas):
        for k in range(n_targets):
            if kernel:
                res = solver.solve(problem.kernel_datafit(k), L2(alpha), warm[k])
                coefs[k, :, i] = problem.kernel_to_coef(res.coef)
            else:
                res = solver.solve(problem.datafit(k), L2(alpha), warm[k], dtype)
                coefs[k, :, i] = res.coef
            warm[k] = res.coef
    if fit_intercept:
        intercepts = np.reshape(problem.y_offset, (-1, 1)) - np.einsum(
            "j,kji->ki", problem.X_offset, coefs
        )
    else:
        intercepts = np.zeros((n_targets, len(alphas)))
    return coefs, intercepts


def _ridge_path_exact(X, y, sample_weight, alphas, fit_intercept):
    """:func:`_ridge_path` from one eigendecomposition (exact, any conditioning)."""
    design = CenteredDesign(
        X.astype(np.float64, copy=False),
        y.astype(np.float64, copy=False),
        sample_weight,
        fit_intercept,
    )
    coefs = ridge_path_exact(design, np.asarray(alphas, dtype=np.float64))
    coefs = coefs.astype(X.dtype, copy=False)
    if fit_intercept:
        intercepts = np.reshape(design.y_offset, (-1, 1)) - np.einsum(
            "j,kji->ki", design.X_offset, coefs
        )
    else:
        intercepts = np.zeros((coefs.shape[0], len(alphas)))
    return coefs, intercepts


def _check_alphas(n_alphas, alphas):
    """Resolve scikit-learn 1.9's ``n_alphas``/``alphas`` pair (with its warnings).

    Returns an int (grid size) or a decreasing ndarray of alphas.
    """
    if n_alphas == "deprecated":
        resolved = 100
    else:
        warnings.warn(
            "'n_alphas' was deprecated in 1.9 and will be removed in 1.11. "
            "'alphas' now accepts an integer value which removes the need to pass "
            "'n_alphas'. Pass an explicit value to 'alphas' and leave 'n_alphas' "
            "to its default value to silence this warning.",
            FutureWarning,
            stacklevel=3,
        )
        if not isinstance(n_alphas, Integral) or n_alphas < 1:
            raise ValueError(f"n_alphas must be an int >= 1, got {n_alphas!r}.")
        resolved = n_alphas
    if isinstance(alphas, str) and alphas == "warn":
        return resolved
    if alphas is None:
        warnings.warn(
            "'alphas=None' is deprecated and will be removed in 1.11, at which "
            "point the default value will be set to 100. Set 'alphas=100' "
            "to silence this warning.",
            FutureWarning,
            stacklevel=3,
        )
        return resolved
    if isinstance(alphas, Integral) and not isinstance(alphas, bool):
        if alphas < 1:
            raise ValueError(f"alphas must be an int >= 1 or an array, got {alphas}.")
        return int(alphas)
    arr = np.asarray(alphas, dtype=np.float64).ravel()
    if arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"alphas must be non-negative finite numbers, got {alphas!r}.")
    return np.sort(arr)[::-1]


def _check_path_inputs(X, y, Xy, copy_X, check_input, sample_weight):
    if not check_input:
        return X, y, Xy, sample_weight
    X = check_array(
        X, accept_sparse="csc", dtype=[np.float64, np.float32], order="F", copy=copy_X
    )
    y = check_array(y, dtype=X.dtype.type, order="F", copy=False, ensure_2d=False)
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            f"X and y have inconsistent numbers of samples: {X.shape[0]} != "
            f"{y.shape[0]}."
        )
    if y.ndim > 2:
        raise ValueError(f"y must be 1-D or 2-D, got shape {y.shape}.")
    if Xy is not None:
        Xy = check_array(Xy, dtype=X.dtype.type, order="C", ensure_2d=False)
    if sample_weight is not None:
        sample_weight = check_array(sample_weight, dtype=X.dtype.type, ensure_2d=False)
        if sample_weight.shape != (X.shape[0],):
            raise ValueError(
                f"sample_weight.shape == {sample_weight.shape}, expected "
                f"({X.shape[0]},)!"
            )
        if np.any(sample_weight < 0):
            raise ValueError("Negative values in data passed to sample_weight")
    return X, y, Xy, sample_weight


def enet_path(
    X,
    y,
    *,
    l1_ratio=0.5,
    eps=1e-3,
    n_alphas="deprecated",
    alphas="warn",
    precompute="auto",
    Xy=None,
    copy_X=True,
    coef_init=None,
    verbose=False,
    return_n_iter=False,
    positive=False,
    check_input=True,
    penalty_factor=None,
    **params,
):
    r"""Compute the elastic-net path with coordinate descent.

    For each ``alpha`` of the path the objective is (scikit-learn's)::

        1 / (2 * n_samples) * ||y - Xw||^2_2
        + alpha * l1_ratio * ||w||_1
        + 0.5 * alpha * (1 - l1_ratio) * ||w||^2_2

    and, with ``sample_weight`` (a keyword of ``**params``), the squared loss
    is ``1 / (2 * n_samples) * sum_i sample_weight_i * (y_i - x_i^T w)^2`` for
    dense and sparse ``X`` alike.  No intercept is fitted: centre ``X`` and
    ``y`` first if you need one.

    The solves run from the largest alpha to the smallest, each one
    warm-started from the previous solution.  Sequential strong rules
    (Tibshirani et al., 2012) restrict each solve to the features likely to
    be active; a check of the optimality conditions over all features adds
    any feature the rule wrongly discarded, so the path is exact and every
    reported duality gap is a certificate over all features.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data; sparse ``X`` is used as CSC and never densified.
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        Target values. A 2-D ``y`` gives scikit-learn's multi-task path
        (the penalty of :class:`MultiTaskElasticNet`, the L2 norm of each
        feature's coefficients across targets), of coefficients of shape
        ``(n_targets, n_features, n_alphas)``.
    l1_ratio : float, default=0.5
        Mixing parameter, ``0 <= l1_ratio <= 1``; 1 is the Lasso.
    eps : float, default=1e-3
        Length of the path: ``alpha_min / alpha_max = eps``.
    n_alphas : int, default=100
        Number of alphas (deprecated in scikit-learn 1.9: pass an int as
        ``alphas``).
    alphas : int or array-like, default=100
        An int: the size of the automatic grid; an array: the alphas, solved
        in decreasing order.
    precompute : 'auto', bool or array-like of shape (n_features, n_features), \
            default='auto'
        Whether to solve through the Gram matrix ``X^T X`` ('auto' decides
        from the shape of dense data; an array is used as the Gram matrix).
    Xy : array-like of shape (n_features,) or (n_features, n_targets), \
            default=None
        ``X^T y``, used for the automatic grid when given.
    copy_X : bool, default=True
        If False, ``X`` may be overwritten.
    coef_init : array-like of shape (n_features,) or (n_targets, n_features), \
            default=None
        Initial coefficients (zeros when None).
    verbose : bool or int, default=False
        Amount of verbosity.
    return_n_iter : bool, default=False
        Whether to return the number of epochs of each alpha.
    positive : bool, default=False
        Force the coefficients to be non-negative.
    check_input : bool, default=True
        Skip input validation when False (``X`` must then be float and
        Fortran-ordered or CSC, ``y`` of the same dtype).
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature penalty factors ``f_j >= 0`` (sklreg's addition): the
        penalty becomes ``alpha sum_j f_j (l1_ratio |w_j| + (1 - l1_ratio)/2
        w_j^2)`` (the row norm for 2-D ``y``); 0 leaves a feature
        unpenalised, ``inf`` excludes it. The automatic grid then starts at
        the smallest alpha where every penalised coefficient is zero, after
        a least-squares fit of the unpenalised features.
    **params : kwargs
        ``tol`` (1e-4), ``max_iter`` (1000), ``random_state``, ``selection``
        ('cyclic') and ``sample_weight`` (None), as scikit-learn.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
        The alphas along the path, in decreasing order.
    coefs : ndarray of shape (n_features, n_alphas) or \
            (n_targets, n_features, n_alphas)
        Coefficients along the path.
    dual_gaps : ndarray of shape (n_alphas,)
        Duality gap at the end of each solve, on the objective above.
    n_iters : list of int
        Epochs of coordinate descent for each alpha (with
        ``return_n_iter=True``).

    See Also
    --------
    lasso_path : The path with ``l1_ratio=1``.
    ElasticNetCV : Cross-validation along this path.
    sklearn.linear_model.enet_path : The reference implementation.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from sklreg.linear_model import enet_path
    >>> X, y = make_regression(n_samples=50, n_features=5, random_state=0)
    >>> alphas, coefs, gaps = enet_path(X, y, alphas=3)
    >>> alphas.shape, coefs.shape
    ((3,), (5, 3))
    """
    resolved = _check_alphas(n_alphas, alphas)
    sample_weight = params.pop("sample_weight", None)
    params.pop("X_offset", None)
    params.pop("X_scale", None)
    solver_params = {k: params.pop(k) for k in _SOLVER_PARAMS if k in params}
    if params:
        raise ValueError("Unexpected parameters in params", params.keys())
    if not isinstance(l1_ratio, Real) or not 0 <= l1_ratio <= 1:
        raise ValueError(f"l1_ratio must be in [0, 1], got {l1_ratio!r}.")
    if not isinstance(eps, Real) or not eps > 0:
        raise ValueError(f"eps must be > 0, got {eps!r}.")
    solver = _make_solver(**solver_params)
    X, y, Xy, sample_weight = _check_path_inputs(
        X, y, Xy, copy_X, check_input, sample_weight
    )
    multi_task = y.ndim == 2 and y.shape[1] != 1
    if y.ndim == 2 and positive:
        raise ValueError("positive=True is not allowed for multi-output (y.ndim != 1)")
    n_samples, n_features = X.shape
    factors = check_penalty_factor(penalty_factor, n_features)

    if isinstance(resolved, Integral):
        if Xy is None and sample_weight is not None and factors is None:
            Xy = X.T @ (sample_weight.reshape((-1,) + (1,) * (y.ndim - 1)) * y)
        alphas = _alpha_grid(
            X,
            y,
            Xy=Xy,
            l1_ratio=l1_ratio,
            fit_intercept=False,
            eps=eps,
            n_alphas=resolved,
            positive=positive,
            sample_weight=sample_weight if factors is not None else None,
            penalty_factor=factors,
            n_normaliser=n_samples,
        )
    else:
        alphas = resolved

    gram = _gram_option(precompute, solver.tol)
    if isinstance(gram, np.ndarray) and sample_weight is not None:
        gram = True
    # check_array already copied X when asked to: no second copy here
    problem = LinearProblem(
        X, y, sample_weight, False, copy_X and not check_input, gram=gram
    )
    w0 = None
    n_tasks = y.shape[1] if multi_task else None
    if coef_init is not None and multi_task:
        w0 = np.asarray(coef_init, dtype=X.dtype)
        if w0.shape != (n_tasks, n_features):
            raise ValueError(
                f"coef_init has shape {np.shape(coef_init)}, expected "
                f"({n_tasks}, {n_features})."
            )
        w0 = np.ascontiguousarray(w0.T)
    elif coef_init is not None:
        w0 = np.asarray(coef_init, dtype=X.dtype).reshape(-1)
        if w0.shape != (n_features,):
            raise ValueError(
                f"coef_init has shape {np.shape(coef_init)}, expected ({n_features},)."
            )
    datafit = problem.block_datafit() if multi_task else problem.datafit(0)

    # verbose: a tqdm bar over the alphas (a widget in notebooks)
    with FitProgress(None, len(alphas), "enet_path", verbose=verbose) as progress:
        coefs, dual_gaps, n_iters = _target_path(
            datafit,
            n_samples,
            alphas,
            l1_ratio=l1_ratio,
            positive=positive,
            solver=solver,
            w0=w0,
            dtype=X.dtype,
            callback=None if not verbose else (lambda i: progress.step()),
            penalty_factor=factors,
            n_tasks=n_tasks,
        )
    if multi_task:
        coefs = np.ascontiguousarray(coefs.transpose(1, 0, 2))
    elif y.ndim == 2:
        coefs = coefs[np.newaxis]
    if return_n_iter:
        return alphas, coefs, dual_gaps, n_iters
    return alphas, coefs, dual_gaps


def lasso_path(
    X,
    y,
    *,
    eps=1e-3,
    n_alphas="deprecated",
    alphas="warn",
    precompute="auto",
    Xy=None,
    copy_X=True,
    coef_init=None,
    verbose=False,
    return_n_iter=False,
    positive=False,
    **params,
):
    r"""Compute the Lasso path with coordinate descent.

    For each ``alpha`` of the path the objective is (scikit-learn's)::

        (1 / (2 * n_samples)) * ||y - Xw||^2_2 + alpha * ||w||_1

    This is :func:`enet_path` with ``l1_ratio=1``: warm starts from one alpha
    to the next, sequential strong rules checked against the optimality
    conditions of every feature, and duality gaps that certify each solution
    over all features.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data; sparse ``X`` is used as CSC and never densified.
    y : array-like of shape (n_samples,) or (n_samples, 1)
        Target values.
    eps : float, default=1e-3
        Length of the path: ``alpha_min / alpha_max = eps``.
    n_alphas : int, default=100
        Number of alphas (deprecated in scikit-learn 1.9: pass an int as
        ``alphas``).
    alphas : int or array-like, default=100
        An int: the size of the automatic grid; an array: the alphas.
    precompute : 'auto', bool or array-like of shape (n_features, n_features), \
            default='auto'
        Whether to solve through the Gram matrix ``X^T X``.
    Xy : array-like of shape (n_features,), default=None
        ``X^T y``, used for the automatic grid when given.
    copy_X : bool, default=True
        If False, ``X`` may be overwritten.
    coef_init : array-like of shape (n_features,), default=None
        Initial coefficients.
    verbose : bool or int, default=False
        Amount of verbosity.
    return_n_iter : bool, default=False
        Whether to return the number of epochs of each alpha.
    positive : bool, default=False
        Force the coefficients to be non-negative.
    **params : kwargs
        ``tol``, ``max_iter``, ``random_state``, ``selection``,
        ``sample_weight`` and ``check_input``, as :func:`enet_path`.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
    coefs : ndarray of shape (n_features, n_alphas) or \
            (1, n_features, n_alphas)
    dual_gaps : ndarray of shape (n_alphas,)
    n_iters : list of int
        With ``return_n_iter=True``.

    See Also
    --------
    enet_path : The elastic-net path.
    LassoCV : Cross-validation along this path.
    sklearn.linear_model.lasso_path : The reference implementation.

    Examples
    --------
    >>> import numpy as np
    >>> from sklreg.linear_model import lasso_path
    >>> X = np.array([[1, 2, 3.1], [2.3, 5.4, 4.3]]).T
    >>> y = np.array([1, 2, 3.1])
    >>> _, coef_path, _ = lasso_path(X, y, alphas=[5.0, 1.0, 0.5], tol=1e-10)
    >>> print(coef_path.round(4))
    [[0.     0.     0.4692]
     [0.2159 0.4426 0.2367]]
    """
    return enet_path(
        X,
        y,
        l1_ratio=1.0,
        eps=eps,
        n_alphas=n_alphas,
        alphas=alphas,
        precompute=precompute,
        Xy=Xy,
        copy_X=copy_X,
        coef_init=coef_init,
        verbose=verbose,
        return_n_iter=return_n_iter,
        positive=positive,
        **params,
    )


def _make_solver(tol=1e-4, max_iter=1000, random_state=None, selection="cyclic"):
    if selection not in ("cyclic", "random"):
        raise ValueError("selection should be either random or cyclic.")
    if not isinstance(tol, Real) or tol < 0:
        raise ValueError(f"tol must be >= 0, got {tol!r}.")
    if not isinstance(max_iter, Integral) or max_iter < 1:
        raise ValueError(f"max_iter must be an int >= 1, got {max_iter!r}.")
    return WorkingSetSolver(
        tol=tol, max_iter=max_iter, selection=selection, random_state=random_state
    )


__all__ = ["enet_path", "lasso_path"]
