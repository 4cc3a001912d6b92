"""MultiTaskElasticNetCV and MultiTaskLassoCV: the fold machinery of LassoCV
(:class:`~sklreg.linear_model._cv._PathCV`) on the multi-task problem."""

import numpy as np
from sklearn.base import MultiOutputMixin

from sklreg._validation import Interval, Real
from sklreg.linear_model._cv import _PathCV
from sklreg.linear_model._multitask import (
    MultiTaskElasticNet,
    MultiTaskLasso,
    validate_multitask_data,
)
from sklreg.linear_model._path import enet_path, lasso_path

_MT_CV_PARAMS_DOC = """
    eps : float, default=1e-3
        Length of the path: ``alpha_min / alpha_max = eps``.
    alphas : int or array-like, default=100
        An int: the number of alphas of the automatic grid (from
        ``alpha_max``, the smallest alpha with a zero solution: the largest
        row norm of the centred, weighted ``X^T Y``); an array: the alphas.
    fit_intercept : bool, default=True
        Whether to fit an intercept.
    max_iter : int, default=1000
        The maximum number of block coordinate-descent epochs per alpha.
    tol : float, default=1e-4
        Stop each solve of the folds when the duality gap is at most
        ``tol * ||Y||^2_Fro / n_samples`` (scikit-learn's criterion); the
        final refit, warm-started along the full-data path, runs to
        ``1e-6 * tol`` (float32: to at most 1e-7).
    cv : int, cross-validation generator or iterable, default=None
        None: 5-fold; an int: that many folds; or a splitter, or an iterable
        of (train, test) index arrays.
    copy_X : bool, default=True
        If False, ``X`` may be overwritten by the final refit.
    verbose : bool or int, default=0
        Show a progress bar (tqdm) over folds x alphas.
    n_jobs : int, default=None
        Number of threads computing folds in parallel (the kernels release
        the GIL). None means 1, -1 all processors.
    random_state : int, RandomState instance, default=None
        Seeds the coordinate draws when ``selection='random'``.
    selection : {'cyclic', 'random'}, default='cyclic'
        Visit the features in order, or draw one at random at each step.
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature penalty factors ``f_j >= 0`` (0: unpenalised, ``inf``:
        excluded), used in every fold and in the refit; the automatic grid
        starts where every penalised coefficient is zero.
"""


class _MultiTaskPathCV(MultiOutputMixin, _PathCV):
    _parameter_constraints: dict = {
        key: value
        for key, value in _PathCV._parameter_constraints.items()
        if key not in ("precompute", "positive")
    }
    _multitask = True

    def _validate_xy(self, X, y):
        return validate_multitask_data(self, X, y)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.single_output = False
        tags.target_tags.multi_output = True
        return tags


class MultiTaskElasticNetCV(_MultiTaskPathCV):
    r"""Multi-task elastic net with alpha and l1_ratio chosen by cross-validation.

    The objective is :class:`MultiTaskElasticNet`'s (scikit-learn's)::

        (1 / (2 * n_samples)) * ||Y - XW^T||^2_Fro
        + alpha * l1_ratio * sum_j ||W[:, j]||_2
        + 0.5 * alpha * (1 - l1_ratio) * ||W||^2_Fro

    For each ``l1_ratio`` and fold the problem is solved along a grid of
    alphas, warm-started and screened by strong rules on the row norms of
    ``X^T R``; the pair with the smallest mean test MSE (averaged over the
    targets) is chosen and the model refitted on all the data.

    Parameters
    ----------
    l1_ratio : float or list of float, default=0.5
        Mixing parameter(s) in [0, 1] to try.%s
    Attributes
    ----------
    alpha_ : float
    l1_ratio_ : float
    coef_ : ndarray of shape (n_targets, n_features)
    intercept_ : ndarray of shape (n_targets,)
    mse_path_ : ndarray of shape (n_l1_ratio, n_alphas, n_folds)
        The first axis is dropped for a single l1_ratio.
    alphas_ : ndarray of shape (n_alphas,) or (n_l1_ratio, n_alphas)
    dual_gap_ : float
    n_iter_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined only when ``X`` has feature names that are all strings.

    See Also
    --------
    MultiTaskElasticNet : The model at one alpha.
    sklearn.linear_model.MultiTaskElasticNetCV : The reference implementation.

    Examples
    --------
    >>> from sklreg import MultiTaskElasticNetCV
    >>> clf = MultiTaskElasticNetCV(cv=3)
    >>> clf.fit([[0, 0], [1, 1], [2, 2]], [[0, 0], [1, 1], [2, 2]])
    MultiTaskElasticNetCV(cv=3)
    >>> print(clf.coef_.round(3))
    [[0.499 0.499]
     [0.499 0.499]]
    """

    _parameter_constraints: dict = {
        **_MultiTaskPathCV._parameter_constraints,
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
        max_iter=1000,
        tol=1e-4,
        cv=None,
        copy_X=True,
        verbose=0,
        n_jobs=None,
        random_state=None,
        selection="cyclic",
        penalty_factor=None,
    ):
        self.l1_ratio = l1_ratio
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.cv = cv
        self.copy_X = copy_X
        self.verbose = verbose
        self.n_jobs = n_jobs
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

    def _final_estimator(self, alpha, l1_ratio):
        return MultiTaskElasticNet(alpha=alpha, l1_ratio=l1_ratio)


class MultiTaskLassoCV(_MultiTaskPathCV):
    r"""Multi-task Lasso with alpha chosen by cross-validation along a path.

    The objective is :class:`MultiTaskLasso`'s (scikit-learn's)::

        (1 / (2 * n_samples)) * ||Y - XW^T||^2_Fro + alpha * sum_j ||W[:, j]||_2

    For each fold the problem is solved along a grid of alphas, from the
    largest down, warm-started and screened by strong rules; the alpha with
    the smallest mean test MSE (averaged over the targets) is chosen and
    the model refitted on all the data with :class:`MultiTaskLasso`.

    Parameters
    ----------%s
    Attributes
    ----------
    alpha_ : float
    coef_ : ndarray of shape (n_targets, n_features)
    intercept_ : ndarray of shape (n_targets,)
    mse_path_ : ndarray of shape (n_alphas, n_folds)
    alphas_ : ndarray of shape (n_alphas,)
    dual_gap_ : float
    n_iter_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined only when ``X`` has feature names that are all strings.

    See Also
    --------
    MultiTaskLasso : The model at one alpha.
    sklearn.linear_model.MultiTaskLassoCV : The reference implementation.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from sklreg import MultiTaskLassoCV
    >>> X, y = make_regression(n_targets=2, noise=4, random_state=0)
    >>> reg = MultiTaskLassoCV(cv=5, random_state=0).fit(X, y)
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
        max_iter=1000,
        tol=1e-4,
        copy_X=True,
        cv=None,
        verbose=False,
        n_jobs=None,
        random_state=None,
        selection="cyclic",
        penalty_factor=None,
    ):
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.copy_X = copy_X
        self.cv = cv
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.selection = selection
        self.penalty_factor = penalty_factor

    def _final_estimator(self, alpha, l1_ratio):
        return MultiTaskLasso(alpha=alpha)


MultiTaskElasticNetCV.__doc__ = MultiTaskElasticNetCV.__doc__ % _MT_CV_PARAMS_DOC
MultiTaskLassoCV.__doc__ = MultiTaskLassoCV.__doc__ % _MT_CV_PARAMS_DOC
