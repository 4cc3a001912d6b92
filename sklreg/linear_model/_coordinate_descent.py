"""ElasticNet and Lasso, fitted by sklreg's coordinate-descent engine."""

import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import MultiOutputMixin, RegressorMixin
from sklearn.linear_model._base import LinearModel
from sklearn.utils import check_array

from sklreg._cd.penalties import ElasticNetPenalty
from sklreg._cd.solver import WorkingSetSolver
from sklreg._validation import (
    Integral,
    Interval,
    Real,
    StrOptions,
    _check_sample_weight,
    _fit_context,
    fit_transaction,
    validate_data,
)
from sklreg.linear_model._base import LinearProblem, check_penalty_factor


def _validate_fit_data(
    estimator, X, y, sample_weight, check_input=True, needs_columns=True
):
    """Validate ``X, y, sample_weight`` the way scikit-learn's linear models do.

    With ``check_input=False`` the caller promises data in the solver's
    format, as in scikit-learn: float32/float64 ``X``, and Fortran-ordered
    when the solver works on its columns as given (``needs_columns``: no
    Gram matrix was asked for and no weights rescale X).  Other data raises
    instead of being copied silently.  Returns ``X, y, sample_weight`` and
    the column sums of dense X when they were computed (None otherwise).
    """
    col_sums = None
    if not check_input:
        _check_solver_format(X, needs_columns)
    if check_input:
        X, y = validate_data(
            estimator,
            X,
            y,
            accept_sparse=["csc", "csr"],
            dtype=[np.float64, np.float32],
            multi_output=True,
            y_numeric=True,
            # dense X: checked below from its column sums, in the same pass
            # that gives the column means
            ensure_all_finite=sp.issparse(X),
        )
        if not sp.issparse(X):
            col_sums = _check_finite_by_column_sums(X, estimator)
        y = check_array(y, dtype=X.dtype.type, ensure_2d=False, copy=False)
    return X, y, _check_weights(sample_weight, X), col_sums


def _check_finite_by_column_sums(X, estimator):
    """scikit-learn's NaN/inf check of dense ``X``, at the cost of its sums.

    A NaN or an infinity makes its column's sum non-finite, so finite sums
    certify X; only non-finite ones (or sums that overflow) run
    scikit-learn's own check, which raises its usual message.  The check it
    replaces is a pass over X of its own, as long as the mean's: this saves
    one pass of every dense fit.  Returns the sums (for the column means).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        sums = X.sum(axis=0)
    if not np.isfinite(sums).all():
        check_array(X, input_name="X", estimator=estimator, dtype=None, copy=False)
    return sums


def _check_solver_format(X, needs_columns):
    if sp.issparse(X):
        if X.dtype not in (np.float32, np.float64):
            raise ValueError(
                f"With check_input=False, X must be float64 or float32, got {X.dtype}."
            )
        return
    if not isinstance(X, np.ndarray) or X.dtype not in (np.float32, np.float64):
        raise ValueError(
            "With check_input=False, X must be a float64 or float32 numpy array "
            f"or sparse matrix, got {type(X).__name__} of dtype "
            f"{getattr(X, 'dtype', None)}."
        )
    if needs_columns and not X.flags.f_contiguous:
        raise ValueError(
            "With check_input=False, dense X must be Fortran-ordered (column-"
            "major, as scikit-learn's coordinate descent requires): pass "
            "np.asfortranarray(X), or use check_input=True."
        )


def _check_weights(sample_weight, X):
    """Non-negative sample weights with a positive one, or None (a scalar)."""
    if sample_weight is None or isinstance(sample_weight, numbers.Number):
        return None
    sample_weight = _check_sample_weight(
        sample_weight, X, dtype=X.dtype, ensure_non_negative=True
    )
    if not np.any(sample_weight > 0):
        raise ValueError("sample_weight must have at least one positive value.")
    return sample_weight


# Below this tol the Gram form's cancellation errors (it works with squares:
# X^T X, ||y||^2 - 2 w.q + w.Gw) could exceed what the tolerance asks for.
_GRAM_MIN_TOL = 1e-8


def _gram_option(precompute, tol=None, single_fit=False):
    """Map scikit-learn's ``precompute`` to :class:`LinearProblem`'s ``gram``.

    ``precompute=False`` (the default) lets sklreg decide from the shape of
    the data: the Gram form gives the same solution, only faster when
    n_samples >> n_features, as long as ``tol`` is not so tight that the
    Gram form's loss of precision would show.  A path forms it at once (its
    many alphas pay for it); a single fit (``single_fit``) starts on the
    columns and forms it only when the epochs run there show that it pays
    (:func:`_solve_switching`).
    """
    if isinstance(precompute, str) or precompute is False:
        if tol is not None and tol < _GRAM_MIN_TOL:
            return False
        return "switch" if single_fit else "auto"
    if precompute is True:
        return True
    return np.asarray(precompute)


def _column_epochs_budget(n_features):
    """Epochs on the columns worth the cost of forming the Gram matrix.

    One epoch over the columns costs about ``2 n p`` flops of memory-bound
    dot products and axpys; the Gram matrix ``n p^2 / 2`` flops of a
    cache-blocked ``syrk``, some 4-5 times faster per flop (measured with
    one BLAS thread: ``benchmarks/bench_shapes.py``).  Forming it costs about
    ``p / 20`` column epochs, so a fit spends that many there first and
    switches only if it has not converged: it never pays much more than
    twice the cheaper of the two forms (ski rental), and an easy problem,
    solved in a few epochs, never forms the matrix at all.
    """
    return max(5, n_features // 20)


def _solve_switching(problem, k, penalty, solver, w0, dtype):
    """Solve target ``k``, switching a column-form problem to the Gram form
    when its column epochs have not converged within
    :func:`_column_epochs_budget`.  Returns the solver's result, ``n_iter``
    counting the epochs of both forms."""

    def datafit():
        return problem.datafit(k)

    if not problem.gram_pays or problem.gram is not None:
        return solver.solve(datafit(), penalty, w0, dtype)
    budget = _column_epochs_budget(problem.n_features)
    if budget >= solver.max_iter:
        return solver.solve(datafit(), penalty, w0, dtype)
    first = solver.with_params(max_iter=budget, warn=False)
    res = first.solve(datafit(), penalty, w0, dtype)
    if res.converged:
        return res
    problem.use_gram()
    rest = solver.with_params(max_iter=solver.max_iter - res.n_iter)
    res2 = rest.solve(datafit(), penalty, res.coef, dtype)
    res2.n_iter += res.n_iter
    return res2


class ElasticNet(MultiOutputMixin, RegressorMixin, LinearModel):
    r"""Linear regression with combined L1 and L2 priors as regularizer.

    Minimizes the objective function (scikit-learn's, unchanged)::

        1 / (2 * n_samples) * ||y - Xw||^2_2
        + alpha * l1_ratio * ||w||_1
        + 0.5 * alpha * (1 - l1_ratio) * ||w||^2_2

    In the textbook form ``J(w) = MSE(w) + a1 * sum_i |w_i| + a2 * sum_i w_i^2``
    with ``MSE(w) = 1/n ||y - Xw||^2`` (twice the objective above) the
    weights are ``a1 = 2 * alpha * l1_ratio`` and ``a2 = alpha * (1 - l1_ratio)``.

    The model is fitted by sklreg's own coordinate-descent engine (numba,
    working sets, duality-gap stopping) and gives scikit-learn's
    :class:`sklearn.linear_model.ElasticNet` solution: swapping the import
    keeps the parameters, attributes and numbers.

    Parameters
    ----------
    alpha : float, default=1.0
        Constant that multiplies the penalty terms.
    l1_ratio : float, default=0.5
        The ElasticNet mixing parameter, ``0 <= l1_ratio <= 1``: 1 is the
        Lasso penalty, 0 the (halved) Ridge penalty.
    fit_intercept : bool, default=True
        Whether to fit an intercept. Sparse ``X`` is centred implicitly and
        never densified.
    precompute : bool or array-like of shape (n_features, n_features), \
            default=False
        Whether to solve through the Gram matrix ``X^T X``. With the default
        ``False`` sklreg chooses: dense float64 data with ``n_samples >= 2 *
        n_features`` and ``tol >= 1e-8`` uses the Gram form (same solution,
        less work). An array is used as the Gram matrix unless ``X`` needs
        centring.
    max_iter : int, default=1000
        The maximum number of coordinate-descent epochs.
    copy_X : bool, default=True
        If False, dense ``X`` may be overwritten (centred) in place.
    tol : float, default=1e-4
        Stop when the duality gap is at most ``tol * ||y||^2 / n_samples``
        (y centred and weighted): scikit-learn's criterion.
    warm_start : bool, default=False
        Start from the previous ``coef_``.
    positive : bool, default=False
        Force the coefficients to be non-negative.
    random_state : int, RandomState instance, default=None
        Seeds the coordinate draws when ``selection='random'``.
    selection : {'cyclic', 'random'}, default='cyclic'
        Visit the coordinates in order, or draw one at random at each step.
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature penalty factors ``f_j >= 0`` (glmnet's
        ``penalty.factor``, not renormalised): the penalty becomes
        ``alpha * sum_j f_j * (l1_ratio * |w_j| + 0.5 * (1 - l1_ratio) *
        w_j^2)``. ``f_j = 0`` leaves feature ``j`` unpenalised, ``inf``
        excludes it (its coefficient is 0). Checked at fit.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    sparse_coef_ : sparse array of shape (1, n_features) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    n_iter_ : int or list of int
        Coordinate-descent epochs run for each target.
    dual_gap_ : float or ndarray of shape (n_targets,)
        The duality gap at the solution, on the objective above: a
        certificate that the objective is within ``dual_gap_`` of its minimum.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined only when ``X`` has feature names that are all strings.

    See Also
    --------
    Lasso : The special case ``l1_ratio=1``.
    Ridge : The L2 penalty alone, on the ``||y - Xw||^2`` scale.
    sklearn.linear_model.ElasticNet : The reference implementation.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from sklreg import ElasticNet
    >>> X, y = make_regression(n_features=2, random_state=0)
    >>> regr = ElasticNet(random_state=0).fit(X, y)
    >>> regr.coef_.round(3)
    array([18.838, 64.56 ])
    >>> round(float(regr.intercept_), 3)
    1.451
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "fit_intercept": ["boolean"],
        "precompute": ["boolean", "array-like"],
        "max_iter": [Interval(Integral, 1, None, closed="left"), None],
        "copy_X": ["boolean"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "warm_start": ["boolean"],
        "positive": ["boolean"],
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
        precompute=False,
        max_iter=1000,
        copy_X=True,
        tol=1e-4,
        warm_start=False,
        positive=False,
        random_state=None,
        selection="cyclic",
        penalty_factor=None,
    ):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.copy_X = copy_X
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.random_state = random_state
        self.selection = selection
        self.penalty_factor = penalty_factor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, check_input=True):
        """Fit the model by coordinate descent.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            Training data (CSC or CSR sparse matrices are used as they are).
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Target values, cast to X's dtype.
        sample_weight : float or array-like of shape (n_samples,), default=None
            Non-negative sample weights, rescaled internally to sum to
            ``n_samples`` (as scikit-learn does).
        check_input : bool, default=True
            Skip input validation when False (for callers that validated).
            ``X`` must then be float64 or float32, and dense ``X``
            Fortran-ordered unless ``precompute`` asks for the Gram matrix or
            ``sample_weight`` is given (a ValueError otherwise, as
            scikit-learn).

        Returns
        -------
        self : object
            Fitted estimator.
        """
        with fit_transaction(self):
            return self._fit(X, y, sample_weight, check_input)

    def _fit(self, X, y, sample_weight, check_input):
        if self.alpha == 0:
            warnings.warn(
                "With alpha=0, this algorithm does not converge well. You are "
                "advised to use the LinearRegression estimator",
                stacklevel=3,
            )
        X, y, sample_weight, col_sums = _validate_fit_data(
            self,
            X,
            y,
            sample_weight,
            check_input,
            # scikit-learn reorders X itself when it rescales it by weights
            needs_columns=(isinstance(self.precompute, str) or self.precompute is False)
            and sample_weight is None,
        )
        n_samples, n_features = X.shape
        if sample_weight is not None:
            sample_weight = sample_weight * (n_samples / np.sum(sample_weight))
        problem = LinearProblem(
            X,
            y,
            sample_weight,
            self.fit_intercept,
            self.copy_X,
            gram=_gram_option(self.precompute, self.tol, single_fit=True),
            col_sums=col_sums,
        )
        n_targets = problem.n_targets
        if self.warm_start and hasattr(self, "coef_"):
            coef_init = np.atleast_2d(self.coef_)
            if coef_init.shape != (n_targets, n_features):
                raise ValueError(
                    f"warm_start needs coef_ of shape {(n_targets, n_features)}, "
                    f"got {coef_init.shape}."
                )
        else:
            coef_init = np.zeros((n_targets, n_features), dtype=X.dtype)

        factors = check_penalty_factor(self.penalty_factor, n_features)
        l1 = self.alpha * self.l1_ratio * n_samples
        l2 = self.alpha * (1.0 - self.l1_ratio) * n_samples
        penalty = ElasticNetPenalty(l1, l2, self.positive, factors)
        solver = WorkingSetSolver(
            tol=self.tol,
            max_iter=self.max_iter,
            selection=self.selection,
            random_state=self.random_state,
        )
        coef = np.empty((n_targets, n_features), dtype=X.dtype)
        dual_gaps = np.empty(n_targets, dtype=X.dtype)
        n_iters = []
        for k in range(n_targets):
            res = _solve_switching(problem, k, penalty, solver, coef_init[k], X.dtype)
            coef[k] = res.coef
            dual_gaps[k] = res.dual_gap / n_samples
            n_iters.append(res.n_iter)

        if n_targets == 1:
            coef, dual_gaps, n_iters = coef[0], dual_gaps[0], n_iters[0]
        intercept = problem.intercept(coef) if self.fit_intercept else 0.0
        if not (np.isfinite(coef).all() and np.isfinite(intercept).all()):
            raise ValueError(
                "Coordinate descent iterations resulted in non-finite parameter"
                " values. The input data may contain large values and need to"
                " be preprocessed."
            )
        self.coef_ = coef
        self.dual_gap_ = dual_gaps
        self.n_iter_ = n_iters
        self.intercept_ = intercept
        return self

    @property
    def sparse_coef_(self):
        """Sparse representation of the fitted ``coef_`` (a CSR matrix)."""
        return sp.csr_matrix(np.atleast_2d(self.coef_))

    @staticmethod
    def path(X, y, **params):
        """Compute the elastic-net path: :func:`sklreg.enet_path` (as scikit-learn's
        ``ElasticNet.path``)."""
        from sklreg.linear_model._path import enet_path

        return enet_path(X, y, **params)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class Lasso(ElasticNet):
    r"""Linear model trained with an L1 prior as regularizer (the Lasso).

    Minimizes the objective function (scikit-learn's, unchanged)::

        (1 / (2 * n_samples)) * ||y - Xw||^2_2 + alpha * ||w||_1

    In the textbook form ``J(w) = MSE(w) + a * sum_i |w_i|`` with
    ``MSE(w) = 1/n ||y - Xw||^2`` (twice the objective above), the L1
    weight is ``a = 2 * alpha``.  The L1 penalty drives coefficients to
    exactly zero: the Lasso selects features.

    Technically the Lasso is :class:`ElasticNet` with ``l1_ratio=1.0``.
    It is fitted by sklreg's own coordinate-descent engine (numba, working
    sets, duality-gap stopping) and gives scikit-learn's
    :class:`sklearn.linear_model.Lasso` solution.

    Parameters
    ----------
    alpha : float, default=1.0
        Constant that multiplies the L1 term.
    fit_intercept : bool, default=True
        Whether to fit an intercept.
    precompute : bool or array-like of shape (n_features, n_features), \
            default=False
        Whether to solve through the Gram matrix. With ``False`` sklreg
        chooses from the data's shape (same solution, only faster).
    copy_X : bool, default=True
        If False, dense ``X`` may be overwritten (centred) in place.
    max_iter : int, default=1000
        The maximum number of coordinate-descent epochs.
    tol : float, default=1e-4
        Stop when the duality gap is at most ``tol * ||y||^2 / n_samples``.
    warm_start : bool, default=False
        Start from the previous ``coef_``.
    positive : bool, default=False
        Force the coefficients to be non-negative.
    random_state : int, RandomState instance, default=None
        Seeds the coordinate draws when ``selection='random'``.
    selection : {'cyclic', 'random'}, default='cyclic'
        Visit the coordinates in order, or draw one at random at each step.
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature penalty factors ``f_j >= 0`` (glmnet's
        ``penalty.factor``, not renormalised): the penalty becomes
        ``alpha * sum_j f_j * (l1_ratio * |w_j| + 0.5 * (1 - l1_ratio) *
        w_j^2)``. ``f_j = 0`` leaves feature ``j`` unpenalised, ``inf``
        excludes it (its coefficient is 0). Checked at fit.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    sparse_coef_ : sparse array of shape (1, n_features) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    n_iter_ : int or list of int
    dual_gap_ : float or ndarray of shape (n_targets,)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)

    See Also
    --------
    ElasticNet : L1 and L2 penalties together.
    sklearn.linear_model.Lasso : The reference implementation.

    Examples
    --------
    >>> from sklreg import Lasso
    >>> clf = Lasso(alpha=0.1).fit([[0, 0], [1, 1], [2, 2]], [0, 1, 2])
    >>> clf.coef_
    array([0.85, 0.  ])
    >>> round(float(clf.intercept_), 3)
    0.15
    """

    _parameter_constraints: dict = {
        **ElasticNet._parameter_constraints,
    }
    _parameter_constraints.pop("l1_ratio")

    def __init__(
        self,
        alpha=1.0,
        *,
        fit_intercept=True,
        precompute=False,
        copy_X=True,
        max_iter=1000,
        tol=1e-4,
        warm_start=False,
        positive=False,
        random_state=None,
        selection="cyclic",
        penalty_factor=None,
    ):
        super().__init__(
            alpha=alpha,
            l1_ratio=1.0,
            fit_intercept=fit_intercept,
            precompute=precompute,
            max_iter=max_iter,
            copy_X=copy_X,
            tol=tol,
            warm_start=warm_start,
            positive=positive,
            random_state=random_state,
            selection=selection,
            penalty_factor=penalty_factor,
        )
