"""MultiTaskElasticNet and MultiTaskLasso, fitted by block coordinate descent."""

import numpy as np
import scipy.sparse as sp
from sklearn.base import MultiOutputMixin, RegressorMixin
from sklearn.linear_model._base import LinearModel
from sklearn.utils import check_array

from sklreg._cd.penalties import GroupPenalty
from sklreg._cd.solver import WorkingSetSolver
from sklreg._validation import (
    Integral,
    Interval,
    Real,
    StrOptions,
    _fit_context,
    fit_transaction,
    validate_data,
)
from sklreg.linear_model._base import LinearProblem, check_penalty_factor
from sklreg.linear_model._coordinate_descent import _check_weights, _gram_option


def validate_multitask_data(estimator, X, y, reset=True):
    """``X`` (float, CSC/CSR or dense) and a 2-D ``y`` of X's dtype."""
    X, y = validate_data(
        estimator,
        X,
        y,
        accept_sparse=["csc", "csr"],
        dtype=[np.float64, np.float32],
        multi_output=True,
        y_numeric=True,
        reset=reset,
    )
    y = check_array(y, dtype=X.dtype.type, ensure_2d=False, copy=False)
    if y.ndim == 1:
        name = "ElasticNet" if "l1_ratio" in estimator.get_params() else "Lasso"
        raise ValueError(f"For mono-task outputs, use {name}")
    return X, y


class MultiTaskElasticNet(MultiOutputMixin, RegressorMixin, LinearModel):
    r"""Multi-task ElasticNet: an L1/L2 mixed norm shares features across tasks.

    Minimizes the objective function (scikit-learn's)::

        (1 / (2 * n_samples)) * ||Y - XW^T||^2_Fro
        + alpha * l1_ratio * sum_j f_j ||W[:, j]||_2
        + 0.5 * alpha * (1 - l1_ratio) * sum_j f_j ||W[:, j]||_2^2

    with ``f_j = 1`` unless ``penalty_factor`` is given.  The L2 norm of
    each feature's coefficients across the tasks is penalised, so a feature
    is selected for all tasks or for none.

    Fitted by sklreg's engine: block coordinate descent (group
    soft-thresholding of a feature's row of coefficients), working sets
    ranked by the group optimality violation, gap-safe screening, Anderson
    extrapolation and scikit-learn's multi-task duality gap as the stopping
    rule.

    Parameters
    ----------
    alpha : float, default=1.0
        Constant that multiplies the penalty terms.
    l1_ratio : float, default=0.5
        Mixing parameter, ``0 <= l1_ratio <= 1`` (1 is the multi-task Lasso).
    fit_intercept : bool, default=True
        Whether to fit an intercept (sparse ``X`` is centred implicitly).
    copy_X : bool, default=True
        If False, dense ``X`` may be overwritten (centred) in place.
    max_iter : int, default=1000
        The maximum number of block coordinate-descent epochs.
    tol : float, default=1e-4
        Stop when the duality gap is at most ``tol * ||Y||^2_Fro /
        n_samples`` (Y centred and weighted): scikit-learn's criterion.
    warm_start : bool, default=False
        Start from the previous ``coef_``.
    random_state : int, RandomState instance, default=None
        Seeds the coordinate draws when ``selection='random'``.
    selection : {'cyclic', 'random'}, default='cyclic'
        Visit the features in order, or draw one at random at each step.
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature factors ``f_j >= 0`` of the penalty (not renormalised):
        0 leaves a feature unpenalised, ``inf`` excludes it.

    Attributes
    ----------
    coef_ : ndarray of shape (n_targets, n_features)
    intercept_ : ndarray of shape (n_targets,)
    n_iter_ : int
        Block coordinate-descent epochs run.
    dual_gap_ : float
        Duality gap at the solution, on the objective above.
    eps_ : float
        The tolerance the duality gap was compared with (``tol`` times the
        squared Frobenius norm of the centred, weighted ``Y``).
    sparse_coef_ : sparse matrix of shape (n_targets, n_features)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined only when ``X`` has feature names that are all strings.

    See Also
    --------
    MultiTaskLasso : The special case ``l1_ratio=1``.
    MultiTaskElasticNetCV : Alpha and l1_ratio by cross-validation.
    sklearn.linear_model.MultiTaskElasticNet : The reference implementation.

    Examples
    --------
    >>> from sklreg import MultiTaskElasticNet
    >>> clf = MultiTaskElasticNet(alpha=0.1)
    >>> clf.fit([[0, 0], [1, 1], [2, 2]], [[0, 0], [1, 1], [2, 2]])
    MultiTaskElasticNet(alpha=0.1)
    >>> print(clf.coef_.round(4))
    [[0.4566 0.4561]
     [0.4566 0.4561]]
    >>> print(clf.intercept_.round(4))
    [0.0872 0.0872]
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "fit_intercept": ["boolean"],
        "copy_X": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left"), None],
        "tol": [Interval(Real, 0, None, closed="left")],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "selection": [StrOptions({"cyclic", "random"})],
        "penalty_factor": ["array-like", None],
    }

    def __init__(
        self,
        alpha=1.0,
        *,
        l1_ratio=0.5,
        fit_intercept=True,
        copy_X=True,
        max_iter=1000,
        tol=1e-4,
        warm_start=False,
        random_state=None,
        selection="cyclic",
        penalty_factor=None,
    ):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.random_state = random_state
        self.selection = selection
        self.penalty_factor = penalty_factor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model by block coordinate descent.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            Training data (CSC or CSR sparse matrices, never densified).
        y : ndarray of shape (n_samples, n_targets)
            Targets, cast to X's dtype.
        sample_weight : float or array-like of shape (n_samples,), default=None
            Non-negative sample weights, rescaled internally to sum to
            ``n_samples`` (as scikit-learn does).

        Returns
        -------
        self : object
            Fitted estimator.
        """
        with fit_transaction(self):
            return self._fit(X, y, sample_weight)

    def _fit(self, X, y, sample_weight, coef_init=None):
        X, y = validate_multitask_data(self, X, y)
        sample_weight = _check_weights(sample_weight, X)
        n_samples, n_features = X.shape
        n_targets = y.shape[1]
        factors = check_penalty_factor(self.penalty_factor, n_features)
        if sample_weight is not None:
            sample_weight = sample_weight * (n_samples / np.sum(sample_weight))
        problem = LinearProblem(
            X,
            y,
            sample_weight,
            self.fit_intercept,
            self.copy_X,
            gram=_gram_option(False, self.tol),
        )
        if coef_init is None and self.warm_start and hasattr(self, "coef_"):
            coef_init = self.coef_
        if coef_init is not None:
            coef_init = np.asarray(coef_init)
            if coef_init.shape != (n_targets, n_features):
                raise ValueError(
                    f"warm_start needs coef_ of shape {(n_targets, n_features)}, "
                    f"got {coef_init.shape}."
                )
            w0 = np.ascontiguousarray(coef_init.T, dtype=X.dtype)
        else:
            w0 = np.zeros((n_features, n_targets), dtype=X.dtype)
        penalty = GroupPenalty(
            self.alpha * self.l1_ratio * n_samples,
            self.alpha * (1.0 - self.l1_ratio) * n_samples,
            factors,
        )
        solver = WorkingSetSolver(
            tol=self.tol,
            max_iter=self.max_iter,
            selection=self.selection,
            random_state=self.random_state,
        )
        datafit = problem.block_datafit()
        # (a small problem runs scikit-learn's plain loop first: the solver's
        # plain start, so max_iter counts scikit-learn's epochs there)
        res = solver.solve(datafit, penalty, w0, X.dtype)
        coef = np.asfortranarray(res.coef.T)
        intercept = problem.intercept(coef) if self.fit_intercept else 0.0
        if not (np.isfinite(coef).all() and np.isfinite(intercept).all()):
            raise ValueError(
                "Coordinate descent iterations resulted in non-finite parameter"
                " values. The input data may contain large values and need to"
                " be preprocessed."
            )
        if not self.fit_intercept:
            intercept = np.zeros(n_targets, dtype=X.dtype)
        self.coef_ = coef
        self.intercept_ = np.asarray(intercept, dtype=X.dtype)
        self.dual_gap_ = float(res.dual_gap / n_samples)
        self.eps_ = float(self.tol * datafit.y_norm2)
        self.n_iter_ = int(res.n_iter)
        return self

    @property
    def sparse_coef_(self):
        """Sparse representation of the fitted ``coef_`` (a CSR matrix)."""
        return sp.csr_matrix(self.coef_)

    @staticmethod
    def path(X, y, **params):
        """The multi-task elastic-net path: :func:`sklreg.enet_path` with 2-D y."""
        from sklreg.linear_model._path import enet_path

        return enet_path(X, y, **params)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = False
        return tags


class MultiTaskLasso(MultiTaskElasticNet):
    r"""Multi-task Lasso: an L1/L2 mixed norm selects features for all tasks.

    Minimizes the objective function (scikit-learn's)::

        (1 / (2 * n_samples)) * ||Y - XW^T||^2_Fro
        + alpha * sum_j f_j ||W[:, j]||_2

    with ``f_j = 1`` unless ``penalty_factor`` is given: the rows of
    ``coef_.T`` are zero or not together (joint support recovery).  Fitted
    by block coordinate descent on sklreg's engine
    (:class:`MultiTaskElasticNet` with ``l1_ratio=1``).

    Parameters
    ----------
    alpha : float, default=1.0
        Constant that multiplies the L1/L2 term.
    fit_intercept : bool, default=True
        Whether to fit an intercept.
    copy_X : bool, default=True
        If False, dense ``X`` may be overwritten (centred) in place.
    max_iter : int, default=1000
        The maximum number of block coordinate-descent epochs.
    tol : float, default=1e-4
        Stop when the duality gap is at most ``tol * ||Y||^2_Fro / n_samples``.
    warm_start : bool, default=False
        Start from the previous ``coef_``.
    random_state : int, RandomState instance, default=None
        Seeds the coordinate draws when ``selection='random'``.
    selection : {'cyclic', 'random'}, default='cyclic'
        Visit the features in order, or draw one at random at each step.
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature factors of the penalty: 0 leaves a feature unpenalised,
        ``inf`` excludes it.

    Attributes
    ----------
    coef_ : ndarray of shape (n_targets, n_features)
    intercept_ : ndarray of shape (n_targets,)
    n_iter_ : int
    dual_gap_ : float
    eps_ : float
    sparse_coef_ : sparse matrix of shape (n_targets, n_features)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined only when ``X`` has feature names that are all strings.

    See Also
    --------
    MultiTaskElasticNet : With an L2 part.
    MultiTaskLassoCV : Alpha by cross-validation.
    sklearn.linear_model.MultiTaskLasso : The reference implementation.

    Examples
    --------
    >>> from sklreg import MultiTaskLasso
    >>> clf = MultiTaskLasso(alpha=0.1)
    >>> clf.fit([[0, 1], [1, 2], [2, 4]], [[0, 0], [1, 1], [2, 3]])
    MultiTaskLasso(alpha=0.1)
    >>> print(clf.coef_.round(4))
    [[0.     0.6081]
     [0.     0.9459]]
    >>> print(clf.intercept_.round(4))
    [-0.4189 -0.8738]
    """

    _parameter_constraints: dict = {
        **MultiTaskElasticNet._parameter_constraints,
    }
    _parameter_constraints.pop("l1_ratio")

    def __init__(
        self,
        alpha=1.0,
        *,
        fit_intercept=True,
        copy_X=True,
        max_iter=1000,
        tol=1e-4,
        warm_start=False,
        random_state=None,
        selection="cyclic",
        penalty_factor=None,
    ):
        self.alpha = alpha
        self.l1_ratio = 1.0
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.random_state = random_state
        self.selection = selection
        self.penalty_factor = penalty_factor
