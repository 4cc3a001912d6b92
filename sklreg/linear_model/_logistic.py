"""LogisticRegression, fitted by sklreg's prox-Newton coordinate descent."""

import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.linear_model._base import LinearClassifierMixin, SparseCoefMixin
from sklearn.utils.extmath import softmax
from sklearn.utils.multiclass import check_classification_targets

from sklreg._validation import (
    Hidden,
    Integral,
    Interval,
    Real,
    StrOptions,
    _check_sample_weight,
    _fit_context,
    check_is_fitted,
    fit_transaction,
    validate_data,
)
from sklreg.linear_model._base import check_penalty_factor
from sklreg.linear_model._logistic_solve import (
    logistic_datafit,
    resolve_penalty,
    solve_logistic,
    total_weights,
)


class LogisticRegression(LinearClassifierMixin, SparseCoefMixin, BaseEstimator):
    r"""Logistic regression (aka logit, MaxEnt) classifier with L1, L2 or
    elastic-net penalties, fitted by prox-Newton coordinate descent.

    Minimizes scikit-learn's objective, unchanged::

        C * sum_i s_i * logloss_i(W, b)
        + (1 - l1_ratio) / 2 * ||W||_2^2 + l1_ratio * ||W||_1

    over the coefficients ``W`` and the (unpenalised) intercept ``b``, with
    ``s_i`` the sample weight times the class weight of sample ``i``.  Two
    classes: one coefficient row, ``logloss_i = log(1 + exp(z_i)) - y_i z_i``
    with ``z_i = w x_i + b`` and ``y_i`` 1 for ``classes_[1]``; more classes:
    the multinomial loss, ``logloss_i = log(sum_k exp(z_ik)) - z_{i, y_i}``,
    one row per class (as every scikit-learn 1.9 solver but liblinear).

    In the textbook form ``J(w) = logloss(w) + a * sum_i |w_i|`` (or ``a *
    sum_i w_i^2``), with ``logloss`` the sum over the samples, dividing the
    objective by ``C`` gives ``a = l1_ratio / C`` for the L1 term and ``a =
    (1 - l1_ratio) / (2 C)`` for the squared L2 term: ``C`` is the inverse
    regularisation strength.  ``C=np.inf`` is unpenalised.

    The same model whatever ``solver`` says: every name runs sklreg's
    prox-Newton solver (below) on the objective above, for every penalty,
    binary or multiclass; the names are accepted so that scikit-learn code
    runs unchanged.  Unlike scikit-learn's ``'liblinear'``, the intercept is
    never penalised (``intercept_scaling`` has no effect), and multiclass
    problems are always multinomial.

    The solver: at each iteration, the weighted quadratic model of the loss
    (Hessian weights ``s_i p_i (1 - p_i)``; for the multinomial loss the
    joint model of all classes, with the full Hessian) is minimised with the
    penalty by coordinate descent over a working set of features (the
    intercept has its own Newton step; sparse X is never densified), then
    a backtracking line search on the true objective takes the step.  It
    stops on a duality gap: see ``tol``.

    Parameters
    ----------
    penalty : {'l1', 'l2', 'elasticnet', None}, default='deprecated'
        Deprecated in scikit-learn 1.8 (removed in 1.10), handled as there:
        a FutureWarning, then ``'l1'`` means ``l1_ratio=1``, ``'l2'``
        ``l1_ratio=0``, ``'elasticnet'`` the given ``l1_ratio`` and None
        ``C=np.inf``. Leave it unset and use ``l1_ratio`` and ``C``.
    C : float, default=1.0
        Inverse of regularisation strength, ``C > 0``; ``np.inf`` for no
        penalty.
    l1_ratio : float, default=0.0
        The elastic-net mixing parameter, ``0 <= l1_ratio <= 1``: 0 is the L2
        penalty, 1 the L1 penalty. None is deprecated (read as 0, with a
        FutureWarning).
    dual : bool, default=False
        liblinear's dual formulation is not reproduced: ``True`` raises a
        ValueError.
    tol : float, default=1e-4
        Stop when the duality gap is at most ``tol * C * sum_i s_i``: the gap
        of the mean loss (the objective divided by ``C * sum_i s_i``, the
        scale of scikit-learn's lbfgs ``tol``) is at most ``tol``. Without
        any penalised feature (``C=np.inf``) there is no finite dual: stop
        when the largest gradient entry of the mean loss is at most ``tol``.
    fit_intercept : bool, default=True
        Whether to fit an (unpenalised) intercept.
    intercept_scaling : float, default=1
        Accepted for compatibility; no effect (the intercept is never
        penalised here, see liblinear's in scikit-learn).
    class_weight : dict or 'balanced', default=None
        Weights of the classes, ``{class_label: weight}``; ``'balanced'``:
        ``n_samples / (n_classes * np.bincount(y))`` (sample-weighted).
        Multiplied with ``sample_weight``.
    random_state : int, RandomState instance, default=None
        No effect: the solver is deterministic (accepted for compatibility).
    solver : {'lbfgs', 'liblinear', 'newton-cg', 'newton-cholesky', 'sag', \
            'saga'}, default='lbfgs'
        Accepted for compatibility: every name runs the prox-Newton solver
        on the same objective, so every penalty works with every name.
    max_iter : int, default=100
        Maximal number of prox-Newton iterations (one iteration: one
        quadratic model of the loss, solved on a working set and
        line-searched; once ``tol`` is met, one more iteration polishes the
        solution, counted too).
    verbose : int, default=0
        Print the stopping criterion at each iteration when positive.
    warm_start : bool, default=False
        Start from the previous ``coef_`` and ``intercept_``.
    n_jobs : int, default=None
        No effect (deprecated in scikit-learn 1.8: a FutureWarning when set).
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature penalty factors ``f_j >= 0`` (glmnet's
        ``penalty.factor``, not renormalised): the penalty becomes ``sum_j f_j
        * (l1_ratio * ||W[:, j]||_1 + (1 - l1_ratio) / 2 * ||W[:, j]||_2^2)``.
        ``f_j = 0`` leaves feature ``j`` unpenalised, ``inf`` excludes it
        (its coefficients are 0). Checked at fit.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        In X's dtype (float32 or float64).
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Zeros when ``fit_intercept=False``; centred (zero mean) in the
        multinomial case, where only differences matter.
    n_iter_ : ndarray of shape (1,)
        Prox-Newton iterations run.
    dual_gap_ : float
        The duality gap at the solution, on the objective above: the
        objective is within ``dual_gap_`` of its minimum. nan when no
        feature is penalised (no finite dual).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined only when ``X`` has feature names that are all strings.

    See Also
    --------
    sklearn.linear_model.LogisticRegression : The reference implementation.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklreg import LogisticRegression
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = LogisticRegression().fit(X, y)
    >>> clf.predict(X[:2, :])
    array([0, 0])
    >>> clf.predict_proba(X[:2, :]).round(3)  # lbfgs, stopped earlier: 0.972
    array([[0.982, 0.018, 0.   ],
           [0.971, 0.029, 0.   ]])
    >>> round(clf.score(X, y), 2)
    0.97
    """

    _parameter_constraints: dict = {
        "penalty": [
            StrOptions({"l1", "l2", "elasticnet"}),
            None,
            Hidden(StrOptions({"deprecated"})),
        ],
        "C": [Interval(Real, 0, None, closed="right")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both"), None],
        "dual": ["boolean"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "fit_intercept": ["boolean"],
        "intercept_scaling": [Interval(Real, 0, None, closed="neither")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "random_state": ["random_state"],
        "solver": [
            StrOptions(
                {"lbfgs", "liblinear", "newton-cg", "newton-cholesky", "sag", "saga"}
            )
        ],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "n_jobs": [None, Integral],
        "penalty_factor": ["array-like", None],
    }

    def __init__(
        self,
        penalty="deprecated",
        *,
        C=1.0,
        l1_ratio=0.0,
        dual=False,
        tol=1e-4,
        fit_intercept=True,
        intercept_scaling=1,
        class_weight=None,
        random_state=None,
        solver="lbfgs",
        max_iter=100,
        verbose=0,
        warm_start=False,
        n_jobs=None,
        penalty_factor=None,
    ):
        self.penalty = penalty
        self.C = C
        self.l1_ratio = l1_ratio
        self.dual = dual
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.class_weight = class_weight
        self.random_state = random_state
        self.solver = solver
        self.max_iter = max_iter
        self.verbose = verbose
        self.warm_start = warm_start
        self.n_jobs = n_jobs
        self.penalty_factor = penalty_factor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model by prox-Newton coordinate descent.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; CSR and CSC matrices are never densified, float32
            data stays float32.
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights (at least one positive).

        Returns
        -------
        self : object
            Fitted estimator.
        """
        with fit_transaction(self):
            return self._fit(X, y, sample_weight)

    def _check_params(self):
        if self.dual:
            raise ValueError(
                "dual=True (liblinear's dual formulation) is not supported by "
                "sklreg's LogisticRegression; use dual=False (the same model)."
            )
        if self.n_jobs is not None:
            warnings.warn(
                "'n_jobs' has no effect since 1.8 and will be removed in 1.10. "
                f"You provided 'n_jobs={self.n_jobs}', please leave it unspecified.",
                FutureWarning,
                stacklevel=3,
            )
        return resolve_penalty(self.penalty, self.C, self.l1_ratio)

    def _fit(self, X, y, sample_weight):
        C, l1_ratio = self._check_params()
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
        )
        check_classification_targets(y)
        classes, y_index = np.unique(y, return_inverse=True)
        if classes.shape[0] < 2:
            raise ValueError(
                "This solver needs samples of at least 2 classes"
                " in the data, but the data contains only one"
                f" class: {classes[0]!r}"
            )
        n_samples, n_features = X.shape
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True
            )
            if not np.any(sample_weight > 0):
                raise ValueError("sample_weight must have at least one positive value.")
        factors = check_penalty_factor(self.penalty_factor, n_features)
        s = total_weights(
            sample_weight, self.class_weight, classes, y, y_index, n_samples
        )
        n_rows = 1 if classes.shape[0] == 2 else classes.shape[0]
        coef0, intercept0 = self._warm_start_point(n_rows, n_features)
        datafit = logistic_datafit(X, y_index, classes.shape[0], s, self.fit_intercept)
        coef, intercept, gap, n_iter = solve_logistic(
            datafit,
            C,
            l1_ratio,
            factors,
            tol=self.tol,
            max_iter=self.max_iter,
            verbose=self.verbose,
            coef0=coef0,
            intercept0=intercept0,
        )
        if not (np.isfinite(coef).all() and np.isfinite(intercept).all()):
            raise ValueError(
                "The prox-Newton iterations resulted in non-finite parameter "
                "values. The input data may contain large values and need to "
                "be preprocessed."
            )
        self.classes_ = classes
        self.coef_ = coef.astype(X.dtype, copy=False)
        self.intercept_ = intercept.astype(X.dtype, copy=False)
        self.n_iter_ = np.array([n_iter], dtype=np.int32)
        self.dual_gap_ = float(gap)
        return self

    def _warm_start_point(self, n_rows, n_features):
        if not (self.warm_start and hasattr(self, "coef_")):
            return None, None
        coef = np.asarray(self.coef_, dtype=np.float64)
        if coef.shape != (n_rows, n_features):
            raise ValueError(
                f"Initialization coef is of shape {coef.shape}, expected shape "
                f"{(n_rows, n_features)}"
            )
        return coef, np.asarray(self.intercept_, dtype=np.float64)

    def predict_proba(self, X):
        """Probability estimates, one column per class of ``classes_``.

        Binary: the logistic function of the decision function; multiclass:
        its softmax (the multinomial model).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        T : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        if self.classes_.shape[0] <= 2:
            return super()._predict_proba_lr(X)
        return softmax(self.decision_function(X), copy=False)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        T : ndarray of shape (n_samples, n_classes)
        """
        return np.log(self.predict_proba(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
