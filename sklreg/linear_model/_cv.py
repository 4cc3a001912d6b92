"""Cross-validated linear models: LassoCV, ElasticNetCV and RidgeCV.

The estimators are thin: the alpha grid and the warm-started paths live in
:mod:`~sklreg.linear_model._path`, what one fold computes in
:mod:`~sklreg.linear_model._cv_folds`, the closed-form leave-one-out errors
of Ridge in :mod:`~sklreg.linear_model._ridge_loo`.
"""

import warnings
from contextlib import nullcontext

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import MultiOutputMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model._base import LinearModel
from sklearn.metrics import check_scoring, get_scorer, get_scorer_names
from sklearn.model_selection import check_cv
from sklearn.utils import check_array, check_random_state, check_scalar
from threadpoolctl import threadpool_limits

from sklreg._cd.solver import WorkingSetSolver
from sklreg._progress import CallbackSupportMixin, FitProgress
from sklreg._validation import (
    Integral,
    Interval,
    Real,
    StrOptions,
    _fit_context,
    _raise_for_params,
    fit_transaction,
    validate_data,
)
from sklreg.linear_model._base import LinearProblem, check_penalty_factor
from sklreg.linear_model._coordinate_descent import (
    ElasticNet,
    Lasso,
    _check_weights,
    _gram_option,
)
from sklreg.linear_model._cv_folds import (
    enet_fold_mse,
    ridge_fold_scores,
    score_predictions,
)
from sklreg.linear_model._path import (
    _alpha_grid,
    _target_path,
    enet_path,
    lasso_path,
)
from sklreg.linear_model._ridge import Ridge
from sklreg.linear_model._ridge_loo import CenteredDesign, decompose, loo_residuals

# Relative difference under which two cross-validated errors are a tie.
_TIE_RTOL = 1e-10


def _first_min(values):
    """Index of the first value within ``_TIE_RTOL`` of the minimum."""
    low = np.min(values)
    return int(np.flatnonzero(values <= low + _TIE_RTOL * abs(low))[0])


def _check_alpha_list(alphas, *, strictly_positive=False):
    """A 1-D float array of alphas, each checked as scikit-learn does."""
    raw = np.atleast_1d(np.asarray(alphas, dtype=object))
    if raw.ndim != 1 or raw.size == 0:
        raise ValueError(f"alphas must be a non-empty 1-D array, got {alphas!r}.")
    for index, alpha in enumerate(raw):
        check_scalar(
            alpha,
            f"alphas[{index}]",
            target_type=Real,
            min_val=0.0,
            include_boundaries="neither" if strictly_positive else "left",
        )
    arr = raw.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"alphas must be finite, got {alphas!r}.")
    return arr


# The final model at alpha_ is solved this much tighter than the folds: far
# enough below the certificate that weighted and repeated samples (different
# arithmetic, each stopping wherever its own gap passes) give one model.
_REFIT_TOL_FACTOR = 1e-6


class _PathCV(CallbackSupportMixin, RegressorMixin, LinearModel):
    """What LassoCV and ElasticNetCV share: folds x l1_ratios along paths."""

    _parameter_constraints: dict = {
        "eps": [Interval(Real, 0, None, closed="neither")],
        "alphas": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "fit_intercept": ["boolean"],
        "precompute": [StrOptions({"auto"}), "array-like", "boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "copy_X": ["boolean"],
        "cv": ["cv_object"],
        "verbose": ["verbose"],
        "n_jobs": [Integral, None],
        "positive": ["boolean"],
        "random_state": ["random_state"],
        "selection": [StrOptions({"cyclic", "random"})],
        "penalty_factor": ["array-like", None],
    }

    # the multi-task CV estimators fit a 2-D y with the L2,1 penalty
    _multitask = False

    def _l1_ratios(self):
        return np.array([1.0])

    def _validate_xy(self, X, y):
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csc", "csr"],
            dtype=[np.float64, np.float32],
            y_numeric=True,
        )
        return X, check_array(y, dtype=X.dtype.type, ensure_2d=False)

    def _final_estimator(self, alpha, l1_ratio):
        return ElasticNet(alpha=alpha, l1_ratio=l1_ratio)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, **params):
        """Fit the model along paths, choose alpha by cross-validation, refit.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; sparse matrices are never densified.
        y : array-like of shape (n_samples,)
            Target values.
        sample_weight : float or array-like of shape (n_samples,), \
                default=None
            Non-negative sample weights, used in the alpha grid, in every
            training fold (rescaled to sum to its size), in the weighted test
            MSE of each fold, and in the final refit. The cross-validated
            MSE is the unweighted mean of the folds' weighted MSEs.
        **params : dict
            Passed to the CV splitter's ``split`` (e.g. ``groups``); as in
            scikit-learn, only with metadata routing enabled
            (``sklearn.set_config(enable_metadata_routing=True)``).

        Returns
        -------
        self : object
            Fitted estimator.
        """
        _raise_for_params(params, self, "fit")
        with fit_transaction(self):
            return self._fit(X, y, sample_weight, params)

    def _fit(self, X, y, sample_weight, split_params):
        X, y = self._validate_xy(X, y)
        sample_weight = _check_weights(sample_weight, X)
        factors = check_penalty_factor(self.penalty_factor, X.shape[1])
        l1_ratios = self._l1_ratios()
        alphas = self._alpha_grids(X, y, sample_weight, l1_ratios, factors)
        folds = list(check_cv(self.cv).split(X, y, **split_params))
        n_alphas = alphas.shape[1]

        rng = check_random_state(self.random_state)
        seeds = rng.randint(np.iinfo(np.int32).max, size=len(l1_ratios) * len(folds))
        progress = FitProgress(
            self,
            total=len(l1_ratios) * len(folds) * n_alphas,
            desc=type(self).__name__,
            verbose=self.verbose,
            X=X,
            y=y,
        )

        def callback(i):
            progress.step()

        if not progress.reports:  # a path then runs in fewer compiled calls
            callback = None

        jobs = (
            delayed(enet_fold_mse)(
                X,
                y,
                sample_weight,
                train,
                test,
                alphas=alphas[i],
                l1_ratio=float(l1_ratio),
                fit_intercept=self.fit_intercept,
                precompute=getattr(self, "precompute", "auto"),
                positive=getattr(self, "positive", False),
                tol=self.tol,
                max_iter=self.max_iter,
                selection=self.selection,
                seed=int(seeds[i * len(folds) + j]),
                callback=callback,
                penalty_factor=factors,
                multitask=self._multitask,
            )
            for i, l1_ratio in enumerate(l1_ratios)
            for j, (train, test) in enumerate(folds)
        )
        # The folds are the parallelism: BLAS threads inside each would only
        # oversubscribe the cores.
        limits = (
            threadpool_limits(limits=1, user_api="blas")
            if effective_n_jobs(self.n_jobs) > 1
            else nullcontext()
        )
        with progress, limits:
            # threads (the kernels release the GIL), even inside a user's
            # parallel_backend("loky"): the jobs share the progress reporter
            mse = Parallel(n_jobs=self.n_jobs, require="sharedmem")(jobs)
        mse = np.reshape(mse, (len(l1_ratios), len(folds), n_alphas))
        alpha, l1_ratio, above = self._select(mse, alphas, l1_ratios)
        self._refit(X, y, sample_weight, alpha, l1_ratio, above, factors)
        return self

    def _alpha_grids(self, X, y, sample_weight, l1_ratios, factors=None):
        """One decreasing grid of alphas per l1_ratio, shape (n_l1, n_alphas)."""
        if isinstance(self.alphas, Integral):
            return np.array(
                [
                    _alpha_grid(
                        X,
                        y,
                        l1_ratio=l1_ratio,
                        fit_intercept=self.fit_intercept,
                        eps=self.eps,
                        n_alphas=self.alphas,
                        sample_weight=sample_weight,
                        positive=getattr(self, "positive", False),
                        penalty_factor=factors,
                    )
                    for l1_ratio in l1_ratios
                ]
            )
        grid = np.sort(_check_alpha_list(self.alphas))[::-1]
        return np.tile(grid, (len(l1_ratios), 1))

    def _select(self, mse, alphas, l1_ratios):
        """The (alpha, l1_ratio) of the smallest mean MSE over folds.

        Mean MSEs within a relative ``_TIE_RTOL`` of each other are ties,
        won by the first candidate (the largest alpha, the first l1_ratio):
        along a path solved to ``tol``, consecutive alphas can share a
        solution, and rounding alone must not pick among them.
        """
        mean_mse = mse.mean(axis=1)
        best = None
        for l1_ratio, l1_alphas, mse_alphas in zip(
            l1_ratios, alphas, mean_mse, strict=True
        ):
            i = _first_min(mse_alphas)
            if best is None or mse_alphas[i] < best - _TIE_RTOL * abs(best):
                best = mse_alphas[i]
                best_alpha, best_l1_ratio = float(l1_alphas[i]), float(l1_ratio)
                above = l1_alphas[:i]
        self.alpha_ = best_alpha
        if "l1_ratio" in self.get_params():  # LassoCV has no l1_ratio_
            self.l1_ratio_ = best_l1_ratio
        self.mse_path_ = np.squeeze(np.moveaxis(mse, 2, 1))
        # one grid per l1_ratio only when the grid is generated from the data
        same_grid = len(l1_ratios) == 1 or not isinstance(self.alphas, Integral)
        self.alphas_ = alphas[0] if same_grid else alphas
        return best_alpha, best_l1_ratio, above

    def _refit(self, X, y, sample_weight, alpha, l1_ratio, above, factors=None):
        """Fit sklreg's estimator at the chosen alpha on all the data.

        As glmnet, the refit follows the path on all the data down to
        ``alpha_`` (warm starts, strong-rule-screened solves) and then
        solves at ``alpha_`` itself to ``_REFIT_TOL_FACTOR * tol``: the
        result is the solution at ``alpha_`` to many more digits than a
        cold ``Lasso(alpha=alpha_).fit(X, y)`` at ``tol`` (the two agree to
        that fit's own tolerance), and weighted samples give the model of
        repeated ones even for small, ill-conditioned ``alpha_``.
        """
        # float32 cannot certify gaps far below its own precision
        refit_tol = self.tol * _REFIT_TOL_FACTOR
        if X.dtype == np.float32:
            refit_tol = min(self.tol, max(refit_tol, 1e-7))
        model = self._final_estimator(alpha, l1_ratio)
        model.set_params(
            fit_intercept=self.fit_intercept,
            max_iter=self.max_iter,
            tol=refit_tol,
            copy_X=self.copy_X,
            random_state=self.random_state,
            selection=self.selection,
            penalty_factor=self.penalty_factor,
        )
        if not self._multitask:
            model.set_params(
                precompute=(
                    False if isinstance(self.precompute, str) else self.precompute
                ),
                positive=self.positive,
            )
        if len(above):
            model.set_params(warm_start=True)
            model.coef_ = self._path_start(
                X, y, sample_weight, above, l1_ratio, factors
            )
        # no sample_weight keyword for an estimator fitted without weights
        weights = {} if sample_weight is None else {"sample_weight": sample_weight}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.fit(X, y, **weights)
        for w in caught:
            # the tighter refit's own target is ours, not the user's: warn
            # only when the user's tol is not met either
            if not (
                issubclass(w.category, ConvergenceWarning)
                and self._meets_user_tol(model, y, sample_weight)
            ):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        self.coef_ = model.coef_
        self.intercept_ = model.intercept_
        self.dual_gap_ = model.dual_gap_
        self.n_iter_ = model.n_iter_

    def _meets_user_tol(self, model, y, sample_weight):
        """Whether ``model``'s certified gap is within the user's ``tol``."""
        n = y.shape[0]
        sw = np.ones(n) if sample_weight is None else sample_weight
        sw = sw * (n / sw.sum())
        Y = y.reshape(n, -1)
        yc = Y - (np.average(Y, axis=0, weights=sw) if self.fit_intercept else 0.0)
        return np.all(
            model.dual_gap_ <= self.tol * float(sw @ np.sum(yc**2, axis=1)) / n
        )

    def _path_start(self, X, y, sample_weight, alphas, l1_ratio, factors=None):
        """Coefficients at the last of ``alphas`` along the full-data path."""
        n_samples = X.shape[0]
        if sample_weight is not None:
            sample_weight = sample_weight * (n_samples / np.sum(sample_weight))
        precompute = getattr(self, "precompute", False)
        gram = _gram_option(
            False if isinstance(precompute, str) else precompute, self.tol
        )
        problem = LinearProblem(
            X, y, sample_weight, self.fit_intercept, True, gram=gram
        )
        solver = WorkingSetSolver(
            tol=self.tol,
            max_iter=self.max_iter,
            selection=self.selection,
            random_state=self.random_state,
        )
        datafit = problem.block_datafit() if self._multitask else problem.datafit(0)
        coefs, _, _ = _target_path(
            datafit,
            n_samples,
            alphas,
            l1_ratio=l1_ratio,
            positive=getattr(self, "positive", False),
            solver=solver,
            w0=None,
            dtype=X.dtype,
            penalty_factor=factors,
            n_tasks=y.shape[1] if self._multitask else None,
        )
        if self._multitask:
            return np.ascontiguousarray(coefs[..., -1].T)
        return coefs[:, -1].copy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.single_output = True
        tags.target_tags.multi_output = False
        return tags


_CV_PARAMS_DOC = """
    eps : float, default=1e-3
        Length of the path: ``alpha_min / alpha_max = eps``.
    alphas : int or array-like, default=100
        An int: the number of alphas of the automatic grid (from
        ``alpha_max``, the smallest alpha with a zero solution, computed with
        the sample weights and centring); an array: the alphas to try.
    fit_intercept : bool, default=True
        Whether to fit an intercept.
    precompute : 'auto', bool or array-like of shape (n_features, n_features), \
            default='auto'
        Whether to solve through the Gram matrix ``X^T X`` ('auto': sklreg
        decides from the shape of the data; same solutions, only faster).
    max_iter : int, default=1000
        The maximum number of coordinate-descent epochs per alpha.
    tol : float, default=1e-4
        Stop each solve of the folds when the duality gap is at most
        ``tol * ||y||^2 / n_samples`` (scikit-learn's criterion). The final
        refit, warm-started along the full-data path, runs to ``1e-6 * tol``
        (float32: to at most 1e-7), so that ``coef_`` is the solution at
        ``alpha_`` rather than wherever a looser solve happens to stop (a
        cold ``Lasso(alpha=alpha_, tol=tol)`` agrees with it to its own
        tolerance).
    copy_X : bool, default=True
        If False, ``X`` may be overwritten by the final refit.
    cv : int, cross-validation generator or iterable, default=None
        None: 5-fold; an int: that many folds (:class:`KFold`); or a
        splitter, or an iterable of (train, test) index arrays.
    verbose : bool or int, default=False
        Show a progress bar (tqdm) over folds x alphas.
    n_jobs : int, default=None
        Number of threads computing folds in parallel (the coordinate-descent
        kernels release the GIL). None means 1, -1 all processors.
    positive : bool, default=False
        Force the coefficients to be non-negative.
    random_state : int, RandomState instance, default=None
        Seeds the coordinate draws when ``selection='random'``.
    selection : {'cyclic', 'random'}, default='cyclic'
        Visit the coordinates in order, or draw one at random at each step.
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature penalty factors ``f_j >= 0`` (0: unpenalised, ``inf``:
        excluded), used in every fold and in the refit. The automatic grid
        starts at the smallest alpha where every penalised coefficient is
        zero, after a least-squares fit of the unpenalised features.
"""


class LassoCV(_PathCV):
    r"""Lasso with the penalty chosen by cross-validation along a path.

    The objective of the Lasso is (scikit-learn's)::

        (1 / (2 * n_samples)) * ||y - Xw||^2_2 + alpha * ||w||_1

    For each fold the Lasso is solved for every alpha of the grid, from the
    largest down, each solve warm-started from the previous one and screened
    by sequential strong rules (checked against the optimality conditions of
    every feature).  The alpha with the smallest mean test MSE is chosen and
    the model is refitted on all the data with :class:`sklreg.Lasso`.

    Parameters
    ----------%s
    Attributes
    ----------
    alpha_ : float
        The alpha chosen by cross-validation: the smallest mean test MSE,
        cross-validated errors within 1e-10 (relative) of each other being
        ties won by the largest alpha.
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    mse_path_ : ndarray of shape (n_alphas, n_folds)
        Test mean squared error of each fold along the path.
    alphas_ : ndarray of shape (n_alphas,)
        The grid of alphas.
    dual_gap_ : float
        Duality gap of the final refit (a certificate on its objective).
    n_iter_ : int
        Epochs of the final refit.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined only when ``X`` has feature names that are all strings.

    See Also
    --------
    lasso_path : The path along which the folds are fitted.
    ElasticNetCV : Cross-validation of the elastic net.
    sklearn.linear_model.LassoCV : The reference implementation.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from sklreg import LassoCV
    >>> X, y = make_regression(noise=4, random_state=0)
    >>> reg = LassoCV(cv=5).fit(X, y)
    >>> round(reg.score(X, y), 4)
    0.9996
    """

    path = staticmethod(lasso_path)

    def __init__(
        self,
        *,
        eps=1e-3,
        alphas=100,
        fit_intercept=True,
        precompute="auto",
        max_iter=1000,
        tol=1e-4,
        copy_X=True,
        cv=None,
        verbose=False,
        n_jobs=None,
        positive=False,
        random_state=None,
        selection="cyclic",
        penalty_factor=None,
    ):
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.tol = tol
        self.copy_X = copy_X
        self.cv = cv
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.positive = positive
        self.random_state = random_state
        self.selection = selection
        self.penalty_factor = penalty_factor

    def _final_estimator(self, alpha, l1_ratio):
        return Lasso(alpha=alpha)


class ElasticNetCV(_PathCV):
    r"""Elastic net with alpha and l1_ratio chosen by cross-validation.

    The objective of the elastic net is (scikit-learn's)::

        1 / (2 * n_samples) * ||y - Xw||^2_2
        + alpha * l1_ratio * ||w||_1
        + 0.5 * alpha * (1 - l1_ratio) * ||w||^2_2

    For each ``l1_ratio`` and each fold the problem is solved along a grid
    of alphas, from the largest down, warm-started and screened by sequential
    strong rules; the pair with the smallest mean test MSE is chosen and the
    model refitted on all the data with :class:`sklreg.ElasticNet`.

    Parameters
    ----------
    l1_ratio : float or list of float, default=0.5
        Mixing parameter(s) in [0, 1] to try (1 is the Lasso). A list such
        as ``[.1, .5, .7, .9, .95, .99, 1]`` is often a good choice.%s
    Attributes
    ----------
    alpha_ : float
        The alpha chosen by cross-validation.
    l1_ratio_ : float
        The l1_ratio chosen by cross-validation.
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    mse_path_ : ndarray of shape (n_l1_ratio, n_alphas, n_folds)
        Test MSE of each fold along each path (the first axis is dropped
        for a single l1_ratio).
    alphas_ : ndarray of shape (n_alphas,) or (n_l1_ratio, n_alphas)
        The grids of alphas, one per l1_ratio.
    dual_gap_ : float
    n_iter_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined only when ``X`` has feature names that are all strings.

    See Also
    --------
    enet_path : The path along which the folds are fitted.
    LassoCV : The special case ``l1_ratio=1``.
    sklearn.linear_model.ElasticNetCV : The reference implementation.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from sklreg import ElasticNetCV
    >>> X, y = make_regression(n_features=2, random_state=0)
    >>> regr = ElasticNetCV(cv=5, random_state=0).fit(X, y)
    >>> round(regr.alpha_, 3)
    0.199
    """

    _parameter_constraints: dict = {
        **_PathCV._parameter_constraints,
        "l1_ratio": [Interval(Real, 0, 1, closed="both"), "array-like"],
    }

    path = staticmethod(enet_path)

    def __init__(
        self,
        *,
        l1_ratio=0.5,
        eps=1e-3,
        alphas=100,
        fit_intercept=True,
        precompute="auto",
        max_iter=1000,
        tol=1e-4,
        cv=None,
        copy_X=True,
        verbose=0,
        n_jobs=None,
        positive=False,
        random_state=None,
        selection="cyclic",
        penalty_factor=None,
    ):
        self.l1_ratio = l1_ratio
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.tol = tol
        self.cv = cv
        self.copy_X = copy_X
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.positive = positive
        self.random_state = random_state
        self.selection = selection
        self.penalty_factor = penalty_factor

    def _l1_ratios(self):
        ratios = np.atleast_1d(np.asarray(self.l1_ratio, dtype=np.float64))
        if ratios.ndim != 1 or ratios.size == 0:
            raise ValueError(f"l1_ratio must be a float or a list, got {self.l1_ratio}")
        if np.any((ratios < 0) | (ratios > 1)):
            raise ValueError(f"l1_ratio values must be in [0, 1], got {self.l1_ratio}")
        return ratios


LassoCV.__doc__ = LassoCV.__doc__ % _CV_PARAMS_DOC
ElasticNetCV.__doc__ = ElasticNetCV.__doc__ % _CV_PARAMS_DOC


class RidgeCV(MultiOutputMixin, RegressorMixin, LinearModel):
    r"""Ridge regression with the penalty chosen by cross-validation.

    The objective of each Ridge fit is (scikit-learn's)::

        ||y - Xw||^2_2 + alpha * ||w||^2_2

    (``sum_i sample_weight_i * (y_i - x_i^T w - b)^2`` for the loss with
    weights).  With ``cv=None`` the alphas are compared by their exact
    leave-one-out errors, all computed from one eigendecomposition (or SVD)
    of the centred, weighted data (Golub, Heath and Wahba, 1979).  Otherwise
    each fold is fitted along the alphas, from the largest down, by
    warm-started coordinate descent.  The final model is fitted on all the
    data with :class:`sklreg.Ridge` at ``alpha_``.

    Parameters
    ----------
    alphas : array-like of shape (n_alphas,), default=(0.1, 1.0, 10.0)
        Alphas to try (``> 0`` for leave-one-out, ``>= 0`` for k-fold).
    fit_intercept : bool, default=True
        Whether to fit an intercept.
    scoring : str or callable, default=None
        Scorer of the predictions. None: the negative mean squared
        leave-one-out error with ``cv=None`` (on the weighted scale), R^2
        otherwise.
    cv : int, cross-validation generator or iterable, default=None
        None: efficient leave-one-out; otherwise k-fold (see
        :func:`sklearn.model_selection.check_cv`).
    gcv_mode : {'auto', 'svd', 'eigen'}, default=None
        Decomposition for leave-one-out: 'eigen' (or None/'auto') uses the
        eigendecomposition of ``X X^T`` when n_samples <= n_features and of
        ``X^T X`` otherwise; 'svd' the SVD of dense ``X`` (sparse falls back
        to 'eigen' with a FutureWarning, as scikit-learn).
    store_cv_results : bool, default=False
        Store the leave-one-out squared errors (or the predictions, with a
        ``scoring``) in ``cv_results_`` (only with ``cv=None``).
    alpha_per_target : bool, default=False
        With ``cv=None`` and several targets, choose one alpha per target.

    Attributes
    ----------
    cv_results_ : ndarray of shape (n_samples, n_alphas) or \
            (n_samples, n_targets, n_alphas)
        With ``store_cv_results=True``.
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    alpha_ : float or ndarray of shape (n_targets,)
        The chosen alpha (one per target with ``alpha_per_target``).
    best_score_ : float or ndarray of shape (n_targets,)
        The score of the chosen alpha.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined only when ``X`` has feature names that are all strings.

    See Also
    --------
    Ridge : Ridge regression at one alpha.
    sklearn.linear_model.RidgeCV : The reference implementation.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklreg import RidgeCV
    >>> X, y = load_diabetes(return_X_y=True)
    >>> clf = RidgeCV(alphas=[1e-3, 1e-2, 1e-1, 1]).fit(X, y)
    >>> clf.alpha_
    0.01
    """

    _parameter_constraints: dict = {
        "alphas": ["array-like", Interval(Real, 0, None, closed="neither")],
        "fit_intercept": ["boolean"],
        "scoring": [StrOptions(set(get_scorer_names())), callable, None],
        "cv": ["cv_object"],
        "gcv_mode": [StrOptions({"auto", "svd", "eigen"}), None],
        "store_cv_results": ["boolean"],
        "alpha_per_target": ["boolean"],
    }

    def __init__(
        self,
        alphas=(0.1, 1.0, 10.0),
        *,
        fit_intercept=True,
        scoring=None,
        cv=None,
        gcv_mode=None,
        store_cv_results=False,
        alpha_per_target=False,
    ):
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.scoring = scoring
        self.cv = cv
        self.gcv_mode = gcv_mode
        self.store_cv_results = store_cv_results
        self.alpha_per_target = alpha_per_target

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, **params):
        """Choose alpha by cross-validation, then fit Ridge at that alpha.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Target values.
        sample_weight : float or ndarray of shape (n_samples,), default=None
            Non-negative weights of the squared errors, used in every fit
            and in the scores (leave-one-out, or each test fold).
        **params : dict
            Passed to the CV splitter's ``split`` (k-fold only), with
            metadata routing enabled as in scikit-learn.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        _raise_for_params(params, self, "fit")
        with fit_transaction(self):
            return self._fit(X, y, sample_weight, params)

    def _fit(self, X, y, sample_weight, split_params):
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc", "coo"],
            dtype=[np.float64, np.float32],
            multi_output=True,
            y_numeric=True,
        )
        y = check_array(y, dtype=X.dtype.type, ensure_2d=False)
        sample_weight = _check_weights(sample_weight, X)
        alphas = _check_alpha_list(self.alphas, strictly_positive=self.cv is None)
        if self.cv is None:
            alpha, exact = self._loo(X, y, sample_weight, alphas)
            self._set_exact_coef(exact, alpha, y)
            self.alpha_ = alpha
            return self
        else:
            if self.store_cv_results:
                raise ValueError("cv!=None and store_cv_results=True are incompatible")
            if self.alpha_per_target:
                raise ValueError("cv!=None and alpha_per_target=True are incompatible")
            alpha = self._kfold(X, y, sample_weight, alphas, split_params)
        model = Ridge(alpha=alpha, fit_intercept=self.fit_intercept)
        model.fit(X, y, sample_weight=sample_weight)
        self.alpha_ = alpha
        self.coef_ = model.coef_
        self.intercept_ = model.intercept_
        return self

    def _gcv_mode(self, X):
        if self.gcv_mode == "svd":
            if not sp.issparse(X):
                return "svd"
            warnings.warn(
                "The 'svd' mode is not supported for sparse X, we fallback to "
                "`gcv_mode='eigen'`.",
                FutureWarning,
                stacklevel=4,
            )
        n, p = X.shape
        return "gram" if n <= p else "cov"

    def _loo(self, X, y, sample_weight, alphas):
        """Closed-form leave-one-out choice of alpha; returns ``alpha_``."""
        X64 = X.astype(np.float64) if X.dtype != np.float64 else X
        y64 = np.asarray(y, dtype=np.float64)
        design = CenteredDesign(X64, y64, sample_weight, self.fit_intercept)
        U, lam = decompose(design, self._gcv_mode(X))
        z, s = design.z, design.s
        Uz, U2 = U.T @ z, U**2
        per_target = self.alpha_per_target and y.ndim > 1 and y.shape[1] > 1
        scorer = None if self.scoring is None else check_scoring(self, self.scoring)
        results = []
        best_score = best_alpha = None
        for alpha in alphas:
            looe = loo_residuals(U, lam, z, s, self.fit_intercept, alpha, Uz, U2)
            if scorer is None:
                sq = looe**2
                score = -sq.mean(axis=0) if per_target else -sq.mean()
                results.append(sq)
            else:
                pred = (z - looe) / (s[:, None] if z.ndim > 1 else s)
                pred += design.y_offset
                results.append(pred)
                score = self._score_predictions(
                    scorer, pred, y64, sample_weight, per_target
                )
            if best_score is None:
                best_score = np.array(score, dtype=float, copy=True)
                best_alpha = np.full(np.shape(score), alpha)
            elif per_target:
                better = score > best_score
                best_score[better] = score[better]
                best_alpha[better] = alpha
            elif score > best_score:
                best_score, best_alpha = np.asarray(float(score)), np.asarray(alpha)
        if self.store_cv_results:
            self.cv_results_ = np.stack(results, axis=-1).astype(X.dtype, copy=False)
        exact = (design, U, lam, Uz, X.dtype)
        if per_target:
            self.best_score_ = best_score
            return best_alpha, exact
        self.best_score_ = float(best_score)
        return float(best_alpha), exact

    def _set_exact_coef(self, exact, alpha, y):
        """The model at ``alpha`` from the decomposition LOO already has.

        Exact (and minimum-norm as alpha -> 0), where a coordinate-descent
        refit would only reach ``tol``: scikit-learn's RidgeCV does the same.
        """
        design, U, lam, Uz, dtype = exact
        coef = design.ridge_coef(U, lam, Uz, alpha)
        if coef.ndim == 2:
            coef = coef.T
            if coef.shape[0] == 1:
                coef = coef[0]
        self.coef_ = coef.astype(dtype, copy=False)
        if self.fit_intercept:
            self.intercept_ = design.y_offset - design.X_offset @ self.coef_.T
            self.intercept_ = np.asarray(self.intercept_, dtype=dtype)
            if self.intercept_.ndim == 0:  # a numpy scalar, as scikit-learn's
                self.intercept_ = self.intercept_[()]
        else:
            self.intercept_ = 0.0

    @staticmethod
    def _score_predictions(scorer, pred, y, sample_weight, per_target):
        kw = {} if sample_weight is None else {"sample_weight": sample_weight}
        if per_target:
            return np.array(
                [
                    score_predictions(scorer, pred[:, j], y[:, j], **kw)
                    for j in range(y.shape[1])
                ]
            )
        return score_predictions(scorer, pred, y, **kw)

    def _kfold(self, X, y, sample_weight, alphas, split_params):
        """k-fold choice of alpha along warm-started paths; returns ``alpha_``."""
        scorer = (
            get_scorer("r2")
            if self.scoring is None
            else check_scoring(self, self.scoring)
        )
        if sp.issparse(X):
            X = X.tocsr()
        folds = list(check_cv(self.cv).split(X, y, **split_params))
        order = np.argsort(-alphas, kind="stable")
        scores = np.empty((len(folds), len(alphas)))
        for f, (train, test) in enumerate(folds):
            scores[f, order] = ridge_fold_scores(
                X,
                y,
                sample_weight,
                train,
                test,
                alphas=alphas[order],
                fit_intercept=self.fit_intercept,
                scorer=scorer,
            )
        mean = scores.mean(axis=0)
        best = int(np.argmax(mean))  # the first of equal scores, as GridSearchCV
        self.best_score_ = float(mean[best])
        return float(alphas[best])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
