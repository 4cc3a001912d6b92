"""LogisticRegressionCV: C (and l1_ratio) chosen by cross-validation, one
warm-started :func:`logistic_path` per fold and l1_ratio, folds in threads."""

import numbers
import warnings

import numpy as np
from sklearn.metrics import get_scorer, get_scorer_names
from sklearn.model_selection import check_cv
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.parallel import Parallel, delayed

from sklreg._validation import (
    Hidden,
    Integral,
    Interval,
    StrOptions,
    _check_sample_weight,
    _fit_context,
    fit_transaction,
    validate_data,
)
from sklreg.linear_model._base import check_penalty_factor
from sklreg.linear_model._logistic import LogisticRegression
from sklreg.linear_model._logistic_path import logistic_path
from sklreg.linear_model._logistic_solve import (
    logistic_datafit,
    solve_logistic,
    total_weights,
)


def _resolve_l1_ratios(penalty, l1_ratios):
    """``(l1_ratios_, mixing)``: the attribute scikit-learn 1.9 stores and
    the ``l1_ratio`` each of its entries fits with (its warnings too)."""
    if isinstance(l1_ratios, str) and l1_ratios == "warn":
        warnings.warn(
            "The default value for l1_ratios will change from None to (0.0,) "
            "in version 1.10. From version 1.10 onwards, only array-like "
            "with values in [0, 1] will be allowed, None will be forbidden. "
            "To avoid this warning, explicitly set a value, "
            "e.g. l1_ratios=(0,).",
            FutureWarning,
            stacklevel=4,
        )
        l1_ratios = None
    elif l1_ratios is None and penalty == "deprecated":
        warnings.warn(
            "'l1_ratios=None' was deprecated in version 1.8 and will "
            "trigger an error in 1.10. Use an array-like with values"
            "in [0, 1] instead.",
            FutureWarning,
            stacklevel=4,
        )
    penalty_given = penalty != "deprecated"
    if penalty == "deprecated":
        if l1_ratios is None or np.all(np.asarray(l1_ratios) == 0):
            penalty = "l2"
        elif np.all(np.asarray(l1_ratios) == 1):
            penalty = "l1"
        else:
            penalty = "elasticnet"
    else:
        warnings.warn(
            "'penalty' was deprecated in version 1.8 and will be removed in"
            " 1.10. To avoid this warning, leave 'penalty' set to its default"
            " value and use 'l1_ratios' and 'Cs' instead."
            " Use l1_ratios=(0,) instead of penalty='l2',"
            " l1_ratios=(1,) instead of penalty='l1',"
            " l1_ratios set to floats between 0 and 1 instead of"
            " penalty='elasticnet', and Cs=(np.inf,) instead of penalty=None.",
            FutureWarning,
            stacklevel=4,
        )
    if penalty == "elasticnet":
        if (
            l1_ratios is None
            or len(l1_ratios) == 0
            or any(
                not isinstance(r, numbers.Number) or r < 0 or r > 1 for r in l1_ratios
            )
        ):
            raise ValueError(
                "l1_ratios must be an array-like of numbers between "
                f"0 and 1; got (l1_ratios={l1_ratios!r})"
            )
        return list(l1_ratios), [float(r) for r in l1_ratios], l1_ratios, penalty
    if l1_ratios is not None and penalty_given:
        warnings.warn(
            "l1_ratios parameter is only used when penalty "
            f"is 'elasticnet'. Got (penalty={penalty})",
            stacklevel=4,
        )
    fixed = 1.0 if penalty == "l1" else 0.0
    ratios = [None] if l1_ratios is None else list(l1_ratios)
    return ratios, [fixed] * len(ratios), l1_ratios, penalty


class LogisticRegressionCV(LogisticRegression):
    """Logistic regression with ``C`` and ``l1_ratio`` chosen by
    cross-validation, fitted by sklreg's prox-Newton solver.

    Each fold fits the objective of :class:`LogisticRegression` along the
    ``Cs`` grid with :func:`logistic_path` (warm starts, from small to large
    ``C``) for each ``l1_ratio``; the folds and ratios run in parallel
    threads (``n_jobs``: the kernels release the GIL).  The best pair,
    summing the test scores over the folds, is refitted on all the data
    (``refit=True``), as scikit-learn 1.9 does, with the same parameters,
    attributes and legacy/new attribute layouts.

    Parameters
    ----------
    Cs : int or list of floats, default=10
        The grid of ``C``; an int ``n`` means ``np.logspace(-4, 4, n)``
        (scikit-learn's grid: the same for every fold).
    l1_ratios : array-like of shape (n_l1_ratios,), default=None
        The elastic-net mixings to try, in ``[0, 1]``. The default (unset)
        warns as scikit-learn 1.9 and means L2; None is deprecated likewise.
    fit_intercept : bool, default=True
    cv : int or cross-validation generator, default=None
        Stratified 5-fold by default; an int is the number of folds.
    dual : bool, default=False
        ``True`` raises a ValueError (not reproduced).
    penalty : {'l1', 'l2', 'elasticnet'}, default='deprecated'
        Deprecated in scikit-learn 1.8, handled as there (a FutureWarning;
        ``'l1'`` and ``'l2'`` fix the mixing, ``'elasticnet'`` uses
        ``l1_ratios``).
    scoring : str or callable, default=None
        The scorer of the test folds; None (and the unset default, which
        warns as scikit-learn 1.9) is accuracy.
    solver : {'lbfgs', 'liblinear', 'newton-cg', 'newton-cholesky', 'sag', \
            'saga'}, default='lbfgs'
        Accepted for compatibility: every name runs the prox-Newton solver.
    tol : float, default=1e-4
        As in :class:`LogisticRegression` (duality gap of the mean loss).
    max_iter : int, default=100
        Prox-Newton iterations per fit.
    class_weight : dict or 'balanced', default=None
        ``'balanced'`` is computed once on the whole data.
    n_jobs : int, default=None
        Threads running the folds (and l1_ratios).
    verbose : int, default=0
    refit : bool, default=True
        Refit with the best ``C`` and ``l1_ratio`` on all the data; else
        average the folds' best coefficients (and their ``C``).
    intercept_scaling : float, default=1.0
        No effect (the intercept is never penalised).
    random_state : int, RandomState instance, default=None
        No effect on the solver (deterministic).
    use_legacy_attributes : bool, default=True
        scikit-learn 1.9's two layouts of ``C_``, ``l1_ratio_``,
        ``coefs_paths_``, ``scores_`` and ``n_iter_`` (see Attributes); the
        unset default warns and means True, as there.
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature penalty factors, as in :class:`LogisticRegression`.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    Cs_ : ndarray of shape (n_cs,)
    l1_ratios_ : ndarray of shape (n_l1_ratios,)
        ``[None]`` when ``l1_ratios`` is None.
    coefs_paths_ : dict or ndarray
        Legacy: a dict, class label (only ``classes_[1]`` for two classes) to
        an array ``(n_folds, n_cs, n_dof)`` (``(n_folds, n_cs, n_l1_ratios,
        n_dof)`` with ``l1_ratios``), ``n_dof = n_features + fit_intercept``
        (intercept last). New: an array ``(n_folds, n_l1_ratios, n_cs,
        n_rows, n_dof)``.
    scores_ : dict or ndarray
        Legacy: a dict, class label to ``(n_folds, n_cs[, n_l1_ratios])``
        (the same for every class). New: ``(n_folds, n_l1_ratios, n_cs)``.
    C_ : ndarray of shape (n_classes,) or (1,), or float
        The best ``C`` (legacy: repeated per class; new: a float).
    l1_ratio_ : ndarray of shape (n_classes,) or (1,), or float
    n_iter_ : ndarray
        Legacy: ``(1, n_folds, n_cs[, n_l1_ratios])``; new: ``(n_folds,
        n_l1_ratios, n_cs)``. Prox-Newton iterations.
    dual_gap_ : float
        Duality gap of the refit (nan without refit).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)

    See Also
    --------
    LogisticRegression : One fit at a given ``C``.
    logistic_path : The warm-started path each fold runs.
    sklearn.linear_model.LogisticRegressionCV : The reference implementation.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklreg import LogisticRegressionCV
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = LogisticRegressionCV(
    ...     cv=5, l1_ratios=(0,), scoring="accuracy", use_legacy_attributes=False
    ... ).fit(X, y)
    >>> clf.predict(X[:2, :])
    array([0, 0])
    >>> round(clf.score(X, y), 2)
    0.98
    """

    _parameter_constraints: dict = {**LogisticRegression._parameter_constraints}
    for param in ["C", "warm_start", "l1_ratio"]:
        _parameter_constraints.pop(param)
    _parameter_constraints.update(
        {
            "Cs": [Interval(Integral, 1, None, closed="left"), "array-like"],
            "l1_ratios": ["array-like", None, Hidden(StrOptions({"warn"}))],
            "cv": ["cv_object"],
            "scoring": [
                StrOptions(set(get_scorer_names())),
                callable,
                None,
                Hidden(StrOptions({"warn"})),
            ],
            "refit": ["boolean"],
            "penalty": [
                StrOptions({"l1", "l2", "elasticnet"}),
                Hidden(StrOptions({"deprecated"})),
            ],
            "use_legacy_attributes": ["boolean", Hidden(StrOptions({"warn"}))],
        }
    )

    def __init__(
        self,
        *,
        Cs=10,
        l1_ratios="warn",
        fit_intercept=True,
        cv=None,
        dual=False,
        penalty="deprecated",
        scoring="warn",
        solver="lbfgs",
        tol=1e-4,
        max_iter=100,
        class_weight=None,
        n_jobs=None,
        verbose=0,
        refit=True,
        intercept_scaling=1.0,
        random_state=None,
        use_legacy_attributes="warn",
        penalty_factor=None,
    ):
        self.Cs = Cs
        self.l1_ratios = l1_ratios
        self.fit_intercept = fit_intercept
        self.cv = cv
        self.dual = dual
        self.penalty = penalty
        self.scoring = scoring
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.solver = solver
        self.refit = refit
        self.intercept_scaling = intercept_scaling
        self.random_state = random_state
        self.use_legacy_attributes = use_legacy_attributes
        self.penalty_factor = penalty_factor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Cross-validate ``Cs`` x ``l1_ratios``, then refit the best.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Used in the fits and in the test scores.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        with fit_transaction(self):
            return self._fit_cv(X, y, sample_weight)

    def _get_scorer(self):
        if self.scoring == "warn":
            return get_scorer("accuracy")
        return get_scorer(self.scoring or "accuracy")

    def _fit_cv(self, X, y, sample_weight):
        ratios_attr, mixings, l1_ratios, penalty = _resolve_l1_ratios(
            self.penalty, self.l1_ratios
        )
        if self.scoring == "warn":
            warnings.warn(
                "The default value of the parameter 'scoring' will change from None, "
                "i.e. accuracy, to 'neg_log_loss' in version 1.11. To silence this "
                "warning, explicitly set the scoring parameter: "
                "scoring='neg_log_loss' for the new, scoring='accuracy' or "
                "scoring=None for the old default.",
                FutureWarning,
                stacklevel=3,
            )
        legacy = self.use_legacy_attributes
        if legacy == "warn":
            warnings.warn(
                f"The fitted attributes of {type(self).__name__} will be "
                "simplified in scikit-learn 1.10 to remove redundancy. Set"
                "`use_legacy_attributes=False` to enable the new behavior now, or "
                "set it to `True` to silence this warning during the transition "
                "period while keeping the deprecated behavior for the time being.",
                FutureWarning,
                stacklevel=3,
            )
            legacy = True
        if self.dual:
            raise ValueError(
                "dual=True (liblinear's dual formulation) is not supported by "
                "sklreg's LogisticRegressionCV; use dual=False (the same model)."
            )
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], dtype=np.float64)
        check_classification_targets(y)
        classes = np.unique(y)
        if classes.shape[0] < 2:
            raise ValueError(
                "This solver needs samples of at least 2 classes"
                " in the data, but the data contains only one"
                f" class: {classes[0]}."
            )
        n_samples, n_features = X.shape
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True
            )
        factors = check_penalty_factor(self.penalty_factor, n_features)
        class_weight = self.class_weight
        if isinstance(class_weight, dict):
            if not set(class_weight) <= set(classes):
                raise ValueError(
                    "The given class_weight dict must have the class labels as "
                    f"keys; classes={classes} but key={class_weight.keys()}"
                )
        elif class_weight == "balanced":
            cw = compute_class_weight(
                "balanced", classes=classes, y=y, sample_weight=sample_weight
            )
            class_weight = dict(zip(classes, cw, strict=True))

        Cs = self.Cs
        if isinstance(Cs, numbers.Integral):
            Cs = np.logspace(-4, 4, Cs)
        Cs = np.asarray(Cs, dtype=np.float64).ravel()
        cv = check_cv(self.cv, y, classifier=True)
        folds = list(cv.split(X, y))
        scorer = self._get_scorer()
        n_rows = 1 if classes.shape[0] == 2 else classes.shape[0]

        def fold_path(train, test, mixing):
            sw_train = None if sample_weight is None else sample_weight[train]
            coefs, _, n_iter, _ = logistic_path(
                X[train],
                y[train],
                Cs=Cs,
                l1_ratio=mixing,
                fit_intercept=self.fit_intercept,
                tol=self.tol,
                max_iter=self.max_iter,
                class_weight=class_weight,
                sample_weight=sw_train,
                penalty_factor=factors,
                classes=classes,
            )
            coefs = coefs.reshape(Cs.shape[0], n_rows, -1)
            scores = [
                self._test_score(scorer, w, classes, X, y, test, sample_weight)
                for w in coefs
            ]
            return coefs, np.asarray(scores), n_iter

        jobs = Parallel(n_jobs=self.n_jobs, prefer="threads", verbose=self.verbose)(
            delayed(fold_path)(train, test, mixing)
            for train, test in folds
            for mixing in mixings
        )
        n_folds, n_l1, n_cs = len(folds), len(mixings), Cs.shape[0]
        # (n_folds, n_l1, n_cs, n_rows, n_dof), (n_folds, n_l1, n_cs) twice
        paths = np.stack([j[0] for j in jobs]).reshape(n_folds, n_l1, n_cs, n_rows, -1)
        scores = np.stack([j[1] for j in jobs]).reshape(n_folds, n_l1, n_cs)
        n_iter = np.stack([j[2] for j in jobs]).reshape(n_folds, n_l1, n_cs)

        # scikit-learn's order of ties: the (C, l1_ratio) grid, C first
        by_c = np.swapaxes(scores, 1, 2)  # (n_folds, n_cs, n_l1)
        if self.refit:
            best = np.unravel_index(np.argmax(by_c.sum(axis=0)), (n_cs, n_l1))
            C_, mixing_ = Cs[best[0]], mixings[best[1]]
            ratio_ = ratios_attr[best[1]]
            coef0 = paths[:, best[1], best[0]].mean(axis=0)
            s = total_weights(
                sample_weight,
                class_weight,
                classes,
                y,
                np.searchsorted(classes, y),
                n_samples,
            )
            datafit = logistic_datafit(
                X, np.searchsorted(classes, y), classes.shape[0], s, self.fit_intercept
            )
            coef, intercept, gap, _ = solve_logistic(
                datafit,
                C_,
                mixing_,
                factors,
                tol=self.tol,
                max_iter=self.max_iter,
                verbose=max(0, self.verbose - 1),
                coef0=coef0[:, :n_features],
                intercept0=coef0[:, n_features] if self.fit_intercept else None,
            )
        else:
            flat = by_c.reshape(n_folds, -1).argmax(axis=1)
            best_c, best_l1 = np.unravel_index(flat, (n_cs, n_l1))
            w = np.mean(
                [paths[i, best_l1[i], best_c[i]] for i in range(n_folds)], axis=0
            )
            coef = w[:, :n_features]
            intercept = w[:, n_features] if self.fit_intercept else np.zeros(n_rows)
            C_ = float(np.mean(Cs[best_c]))
            ratio_ = (
                float(np.mean(np.asarray(mixings)[best_l1]))
                if penalty == "elasticnet"
                else 0.0
            )
            gap = np.nan

        self.classes_ = classes
        self.coef_ = coef
        self.intercept_ = intercept
        self.dual_gap_ = float(gap)
        self.Cs_ = Cs
        self.l1_ratios_ = np.asarray(ratios_attr)
        self._set_cv_attributes(
            legacy, l1_ratios, penalty, C_, ratio_, paths, scores, n_iter
        )
        return self

    def _test_score(self, scorer, w, classes, X, y, test, sample_weight):
        """The scorer on the test fold for coefficients ``w`` (intercept
        last when fitted)."""
        est = LogisticRegression()
        est.classes_ = classes
        est.n_features_in_ = X.shape[1]
        n_features = X.shape[1]
        est.coef_ = w[:, :n_features]
        est.intercept_ = w[:, n_features] if self.fit_intercept else np.zeros(len(w))
        kw = {} if sample_weight is None else {"sample_weight": sample_weight[test]}
        return scorer(est, X[test], y[test], **kw)

    def _set_cv_attributes(
        self, legacy, l1_ratios, penalty, C_, ratio_, paths, scores, n_iter
    ):
        """scikit-learn 1.9's legacy or new layout of the CV attributes."""
        n_classes = self.classes_.shape[0]
        if not legacy:
            self.C_ = float(C_)
            if l1_ratios is None:
                self.l1_ratio_ = 1.0 if penalty == "l1" else 0.0
            else:
                self.l1_ratio_ = float(ratio_)
            self.coefs_paths_ = paths
            self.scores_ = scores
            self.n_iter_ = n_iter
            return
        n_rep = 1 if n_classes == 2 else n_classes
        self.C_ = np.full(n_rep, C_, dtype=float)
        self.l1_ratio_ = np.asarray([ratio_] * n_rep)
        labels = self.classes_[1:] if n_classes == 2 else self.classes_
        # (n_folds, n_l1, n_cs, ...) -> (n_folds, n_cs, n_l1, ...)
        by_c_paths = np.swapaxes(paths, 1, 2)
        by_c_scores = np.swapaxes(scores, 1, 2)
        by_c_iter = np.swapaxes(n_iter, 1, 2)[None]
        if l1_ratios is None:
            by_c_paths = by_c_paths[:, :, 0]
            by_c_scores = by_c_scores[:, :, 0]
            by_c_iter = by_c_iter[..., 0]
        self.coefs_paths_ = {
            label: by_c_paths[..., k, :] for k, label in enumerate(labels)
        }
        self.scores_ = {label: by_c_scores.copy() for label in labels}
        self.n_iter_ = by_c_iter

    def score(self, X, y, sample_weight=None):
        """The ``scoring`` of the test data (accuracy by default).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        kw = {} if sample_weight is None else {"sample_weight": sample_weight}
        return self._get_scorer()(self, X, y, **kw)
