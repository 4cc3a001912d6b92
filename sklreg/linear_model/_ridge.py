"""Ridge regression: exact factorizations, scipy's iterative solvers, SAG and CD."""

import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import MultiOutputMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model._base import LinearModel
from sklearn.utils import check_random_state

from sklreg._cd.penalties import L2
from sklreg._cd.solver import WorkingSetSolver
from sklreg._validation import (
    Integral,
    Interval,
    Real,
    StrOptions,
    _fit_context,
    fit_transaction,
)
from sklreg.linear_model._base import LinearProblem
from sklreg.linear_model._coordinate_descent import _validate_fit_data
from sklreg.linear_model._ridge_direct import (
    SPARSE_GRAM_MAX,
    solve_cholesky,
    solve_lbfgs,
    solve_lsqr,
    solve_sparse_cg,
    solve_svd,
)
from sklreg.linear_model._ridge_loo import CenteredDesign

# scikit-learn's Ridge solvers; each runs a method of that kind here.
_SKLEARN_SOLVERS = (
    "auto",
    "svd",
    "cholesky",
    "lsqr",
    "sparse_cg",
    "sag",
    "saga",
    "lbfgs",
)
# scikit-learn's solvers that cannot fit an intercept on sparse X.
_DENSE_INTERCEPT = ("cholesky", "svd", "saga")
# Default cap on epochs when max_iter=None; Gram-form epochs cost O(p^2).
_DEFAULT_MAX_ITER = 10_000
# With more features than samples, Ridge is solved in its dual (kernel) form
# when the n x n kernel matrix stays small.
_KERNEL_MAX_SAMPLES = 5_000


def _coef_change_tol(tol, cheap_epochs):
    """Relative coefficient change that ends a Ridge run.

    ``tol**2`` makes the default (1e-4 -> 1e-8) agree with scikit-learn's
    exact solvers to about eight digits.  On a Gram or kernel matrix an
    epoch costs O(min(n, p)^2) only, so the threshold is also capped at
    1e-10 there (the answer then matches the exact solution to ~10 digits);
    the floor keeps a tiny ``tol`` reachable in float64 arithmetic.
    """
    change = tol**2
    if cheap_epochs:
        change = min(change, 1e-10)
    return max(change, min(tol, 1e-13))


class Ridge(MultiOutputMixin, RegressorMixin, LinearModel):
    r"""Linear least squares with L2 regularization.

    Minimizes the objective function (scikit-learn's, unchanged)::

        ||y - Xw||^2_2 + alpha * ||w||^2_2

    In the textbook form ``J(w) = MSE(w) + a * sum_i w_i^2`` with
    ``MSE(w) = 1/n ||y - Xw||^2`` (the objective above divided by
    ``n_samples``) the L2 weight is ``a = alpha / n_samples``.  The L2
    penalty shrinks every coefficient towards zero, and rarely to zero.

    Solvers: every one of scikit-learn's names runs that kind of method and
    reaches the same minimiser.  ``"auto"`` solves dense ``X`` exactly by a
    Cholesky factorization of ``X^T X + alpha I`` (or of the kernel
    ``X X^T + alpha I`` when there are more features than samples),
    whatever the conditioning; sparse ``X`` the same way through its
    implicitly centred Gram or kernel matrix when it has at most 500
    samples or features, else by conjugate gradients (scikit-learn's choice
    for sparse ``X``); ``positive=True`` by sklreg's coordinate descent.
    Sparse ``X`` is centred implicitly and never densified.  ``solver_``
    says which ran.

    Parameters
    ----------
    alpha : float or ndarray of shape (n_targets,), default=1.0
        Regularization strength, one per target if an array.
    fit_intercept : bool, default=True
        Whether to fit an intercept.
    copy_X : bool, default=True
        If False, dense ``X`` may be overwritten (centred) in place.
    max_iter : int, default=None
        Maximum number of iterations: coordinate-descent epochs (None:
        10000), SAG/SAGA epochs (None: 1000), LSQR, conjugate-gradient or
        L-BFGS iterations (None: scipy's default).
    tol : float, default=1e-4
        Precision of the iterative solvers (unused by the factorizations):
        LSQR's ``atol``/``btol``, the relative residual of conjugate
        gradients, L-BFGS-B's ``tol``, the relative coefficient change of an
        SAG/SAGA epoch (scikit-learn's meanings); for ``"cd"``, an epoch's
        largest coefficient change at most ``tol**2`` times the largest
        coefficient (squared so that the default agrees with the exact
        solvers to about 8 digits; at most 1e-10 in the Gram and kernel
        forms, whose epochs are cheap; never below 1e-13).
    solver : {'auto', 'cd', 'svd', 'cholesky', 'lsqr', 'sparse_cg', 'sag', \
            'saga', 'lbfgs'}, default='auto'
        - ``"auto"``: see above.
        - ``"cholesky"``: Cholesky of the (centred) Gram or kernel matrix;
          minimum-norm least squares if it is singular.
        - ``"svd"``: thin SVD of dense ``X`` (exact, minimum-norm as
          ``alpha -> 0``).
        - ``"lsqr"``: scipy's LSQR on the implicitly centred design
          (``atol = btol = tol``), dense or sparse.
        - ``"sparse_cg"``: scipy's conjugate gradients on the normal (or
          kernel) equations to the relative residual ``tol``, dense or sparse.
        - ``"sag"``, ``"saga"``: stochastic average gradient (sklreg's numba
          kernels, scikit-learn's step sizes and stopping rule
          ``max|w - w_prev| / max|w| <= tol`` per epoch), on the implicitly
          centred design, so sparse ``X`` with an intercept gives the dense
          model.
        - ``"lbfgs"``: scipy's L-BFGS-B, with ``positive=True`` only.
        - ``"cd"``: sklreg's coordinate descent (Anderson-extrapolated; on
          the Gram matrix, the dual kernel form or the columns of ``X``).

        scikit-learn's errors are raised for the combinations it refuses:
        ``positive=True`` with a solver other than ``"auto"``, ``"lbfgs"``
        (or ``"cd"``); ``"lbfgs"`` without ``positive``; ``"cholesky"``,
        ``"svd"`` or ``"saga"`` with sparse ``X`` and an intercept;
        ``"svd"`` with sparse ``X``.
    positive : bool, default=False
        Force the coefficients to be non-negative.
    random_state : int, RandomState instance, default=None
        Seeds the sampling of ``"sag"`` and ``"saga"``.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    n_iter_ : ndarray of shape (n_targets,)
        Iterations run for each target: epochs (``"cd"``, ``"sag"``,
        ``"saga"``), LSQR, conjugate-gradient or L-BFGS iterations; 1 for
        the factorizations (scikit-learn reports None there, which its own
        ``check_estimator`` rejects for an estimator with ``max_iter``).
    solver_ : str
        The solver that ran (``"auto"`` resolved).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)

    See Also
    --------
    ElasticNet : With ``l1_ratio=0`` the same penalty on the ``1/(2n)`` scale.
    sklearn.linear_model.Ridge : The reference implementation.

    Examples
    --------
    >>> import numpy as np
    >>> from sklreg import Ridge
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.randn(10, 5), rng.randn(10)
    >>> Ridge(alpha=1.0).fit(X, y).coef_.round(3)
    array([-0.187,  0.047, -0.015, -0.114,  0.091])
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="left"), np.ndarray],
        "fit_intercept": ["boolean"],
        "copy_X": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left"), None],
        "tol": [Interval(Real, 0, None, closed="left")],
        "solver": [StrOptions({"cd", *_SKLEARN_SOLVERS})],
        "positive": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        alpha=1.0,
        *,
        fit_intercept=True,
        copy_X=True,
        max_iter=None,
        tol=1e-4,
        solver="auto",
        positive=False,
        random_state=None,
    ):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.max_iter = max_iter
        self.tol = tol
        self.solver = solver
        self.positive = positive
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the Ridge model.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Target values.
        sample_weight : float or array-like of shape (n_samples,), default=None
            Non-negative individual weights of the squared errors (not
            rescaled: the objective is ``sum_i sw_i r_i^2 + alpha ||w||^2``).

        Returns
        -------
        self : object
            Fitted estimator.
        """
        with fit_transaction(self):
            return self._fit(X, y, sample_weight)

    def _resolve_solver(self, X):
        """The method that solves this fit, with scikit-learn's errors."""
        sparse = sp.issparse(X)
        if self.positive:
            if self.solver not in ("auto", "cd", "lbfgs"):
                raise ValueError(
                    f"solver='{self.solver}' does not support positive fitting. "
                    "Please set the solver to 'auto' or 'lbfgs', or set "
                    "`positive=False`"
                )
            return "lbfgs" if self.solver == "lbfgs" else "cd"
        if self.solver == "lbfgs":
            raise ValueError(
                "'lbfgs' solver can be used only when positive=True. "
                "Please use another solver."
            )
        if sparse and self.fit_intercept and self.solver in _DENSE_INTERCEPT:
            raise ValueError(
                f"solver='{self.solver}' does not support fitting the intercept "
                "on sparse data. Please set the solver to 'auto' or "
                "'lsqr', 'sparse_cg', 'sag', 'lbfgs' "
                "or set `fit_intercept=False`"
            )
        if sparse and self.solver == "svd":
            raise TypeError("SVD solver does not support sparse inputs currently")
        if self.solver == "auto":
            if sparse and min(X.shape) > SPARSE_GRAM_MAX:
                return "sparse_cg"
            return "cholesky"
        return self.solver

    def _fit(self, X, y, sample_weight):
        X, y, sample_weight, _ = _validate_fit_data(self, X, y, sample_weight)
        solver = self._resolve_solver(X)
        if solver in ("cholesky", "svd") and not sp.issparse(X):
            return self._fit_direct(X, y, sample_weight, solver)
        if solver != "cd":
            return self._fit_design(X, y, sample_weight, solver)
        n_samples, n_features = X.shape
        kernel = (
            n_features > n_samples
            and n_samples <= _KERNEL_MAX_SAMPLES
            and not self.positive
        )
        gram = not kernel and n_samples >= n_features
        problem = LinearProblem(
            X, y, sample_weight, self.fit_intercept, self.copy_X, gram=gram
        )
        n_targets = problem.n_targets
        alphas = self._alphas(n_targets)

        solver = WorkingSetSolver(
            tol=_coef_change_tol(
                self.tol, cheap_epochs=kernel or problem.gram is not None
            ),
            max_iter=self.max_iter or _DEFAULT_MAX_ITER,
            stopping="coef",
        )
        coef = np.empty((n_targets, n_features), dtype=X.dtype)
        n_iter = np.empty(n_targets, dtype=np.int32)
        for k in range(n_targets):
            penalty = L2(alphas[k], positive=self.positive)
            if kernel:
                res = solver.solve(problem.kernel_datafit(k), penalty)
                coef[k] = problem.kernel_to_coef(res.coef)
            else:
                res = solver.solve(problem.datafit(k), penalty, None, X.dtype)
                coef[k] = res.coef
            n_iter[k] = res.n_iter
        if n_targets == 1:
            coef = coef[0]
        self.coef_ = coef
        self.n_iter_ = n_iter
        self.solver_ = "cd"
        self.intercept_ = problem.intercept(coef) if self.fit_intercept else 0.0
        return self

    def _alphas(self, n_targets):
        alphas = np.asarray(self.alpha, dtype=np.float64).ravel()
        if alphas.size == 1:
            alphas = np.repeat(alphas, n_targets)
        if alphas.size != n_targets:
            raise ValueError(
                "Number of targets and number of penalties do not correspond: "
                f"{alphas.size} != {n_targets}"
            )
        if np.any(alphas < 0):
            raise ValueError(f"alpha must be non-negative, got {self.alpha!r}.")
        return alphas

    def _fit_direct(self, X, y, sample_weight, solver):
        """Exact Ridge by one factorization (dense X, ``positive=False``)."""
        n_samples, n_features = X.shape
        kernel = n_features > n_samples
        gram = solver == "cholesky" and not kernel
        problem = LinearProblem(
            X, y, sample_weight, self.fit_intercept, self.copy_X, gram=gram
        )
        alphas = self._alphas(problem.n_targets)
        if gram:
            coef = solve_cholesky(problem.gram, problem._XtY, alphas).T
        elif solver == "cholesky":
            dual = solve_cholesky(
                problem._kernel(), problem._Y.astype(np.float64), alphas
            )
            coef = problem.kernel_to_coef(dual).T
        else:
            coef = solve_svd(
                np.asarray(problem._X, dtype=np.float64),
                problem._Y.astype(np.float64),
                alphas,
            )
        coef = np.asarray(coef, dtype=X.dtype)
        if problem.n_targets == 1:
            coef = coef[0]
        self.coef_ = coef
        # one factorization per target (check_estimator asks n_iter_ >= 1
        # of every estimator with max_iter)
        self.n_iter_ = np.ones(problem.n_targets, dtype=np.int32)
        self.solver_ = solver
        self.intercept_ = problem.intercept(coef) if self.fit_intercept else 0.0
        return self

    def _fit_design(self, X, y, sample_weight, solver):
        """Solvers on the implicitly centred design (dense or sparse X)."""
        design = CenteredDesign(
            X.astype(np.float64, copy=False),
            y.astype(np.float64, copy=False),
            sample_weight,
            self.fit_intercept,
        )
        n_targets = 1 if y.ndim == 1 else y.shape[1]
        alphas = self._alphas(n_targets)
        if solver == "lsqr":
            coef, n_iter = solve_lsqr(design, alphas, self.tol, self.max_iter)
        elif solver == "sparse_cg":
            coef, n_iter = solve_sparse_cg(design, alphas, self.tol, self.max_iter)
        elif solver == "lbfgs":
            coef, n_iter = solve_lbfgs(
                design, alphas, self.tol, self.max_iter, self.positive
            )
        elif solver in ("sag", "saga"):
            # imported here: its numba kernels would import numba with sklreg
            from sklreg.linear_model._ridge_sag import solve_sag

            coef, n_iter, converged = solve_sag(
                design,
                alphas,
                self.tol,
                self.max_iter,
                check_random_state(self.random_state),
                saga=solver == "saga",
            )
            if not converged.all():
                warnings.warn(
                    "The max_iter was reached which means the coef_ did not converge",
                    ConvergenceWarning,
                )
        else:  # cholesky on sparse X: the centred Gram or kernel matrix
            coef = self._sparse_cholesky(design, alphas)
            n_iter = np.ones(n_targets, dtype=np.int32)
        coef = coef.astype(X.dtype, copy=False)
        if y.ndim == 1:
            coef = coef[0]
        self.coef_ = coef
        self.n_iter_ = n_iter
        self.solver_ = solver
        if self.fit_intercept:
            self.intercept_ = (design.y_offset - design.X_offset @ coef.T).astype(
                X.dtype
            )
        else:
            self.intercept_ = 0.0
        return self

    @staticmethod
    def _sparse_cholesky(design, alphas):
        """Exact Ridge of sparse X from the implicitly centred Gram or kernel."""
        n, p = design.shape
        z = design.z.reshape(n, -1)
        if p > n:
            return design.rmatmul(solve_cholesky(design.kernel(), z, alphas)).T
        return solve_cholesky(design.covariance(), design.rmatmul(z), alphas).T

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
