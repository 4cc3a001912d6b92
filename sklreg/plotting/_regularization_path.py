"""RegularizationPathDisplay: coefficients against the penalty strength."""

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array, check_X_y

from sklreg.linear_model._base import LinearProblem, check_penalty_factor
from sklreg.linear_model._path import (
    _alpha_grid,
    _make_solver,
    _ridge_path,
    _target_path,
)

# Default Ridge grid, relative to trace(Xc^T Xc): from heavy shrinkage of
# every coefficient down to nearly the least-squares fit.
_RIDGE_GRID = (1e2, 1e-4)


def _import_pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - matplotlib is installed here
        raise ImportError(
            "RegularizationPathDisplay needs matplotlib: pip install matplotlib "
            "(or sklreg's 'plot' extra)."
        ) from exc
    return plt


class RegularizationPathDisplay:
    """Regularization path: each coefficient against the penalty ``alpha``.

    The coefficients are drawn against ``alpha`` on a logarithmic axis, one
    line per feature.  With an L1 penalty (Lasso, elastic net) coefficients
    reach exactly zero as alpha grows (optionally counted on a second axis);
    with an L2 penalty (Ridge) they shrink smoothly without reaching it.

    Build it with :meth:`from_estimator` (computes the path of an estimator's
    penalty on the data) or :meth:`from_path` (draws a path you computed, for
    instance with :func:`sklreg.linear_model.lasso_path`).  Follows
    scikit-learn's Display conventions: the constructor only stores, and
    :meth:`plot` draws.

    Parameters
    ----------
    alphas : ndarray of shape (n_alphas,)
        Penalty strengths.
    coefs : ndarray of shape (n_features, n_alphas)
        Coefficients at each alpha.
    feature_names : list of str, default=None
        Names of the features, used in the legend.
    estimator_name : str, default=None
        Used as the title.
    alpha_ : float, default=None
        A chosen alpha (that of a cross-validated estimator), drawn as a
        vertical line.
    penalty_name : str, default="alpha"
        What ``alphas`` are, for the x-axis: ``"alpha"`` (the penalty
        strength of the regressors) or ``"C"`` (the inverse strength of
        :class:`~sklreg.LogisticRegression`: the path runs the other way).

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes with the coefficient lines.
    figure_ : matplotlib Figure
        Figure containing ``ax_``.
    lines_ : list of matplotlib Line2D
        One line per feature.
    ax_zeros_ : matplotlib Axes or None
        Twin axes with the count of exact zeros (``n_zeros=True``).
    zeros_line_ : matplotlib Line2D or None
        The count of exact zeros at each alpha.
    alpha_line_ : matplotlib Line2D or None
        Vertical line at ``alpha_``.

    See Also
    --------
    sklreg.linear_model.lasso_path : Compute a Lasso path.
    sklreg.linear_model.enet_path : Compute an elastic-net path.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_diabetes
    >>> from sklreg import Lasso
    >>> from sklreg.plotting import RegularizationPathDisplay
    >>> X, y = load_diabetes(return_X_y=True)
    >>> disp = RegularizationPathDisplay.from_estimator(Lasso(), X, y, n_zeros=True)
    >>> len(disp.lines_)
    10
    """

    def __init__(
        self,
        *,
        alphas,
        coefs,
        feature_names=None,
        estimator_name=None,
        alpha_=None,
        penalty_name="alpha",
    ):
        self.alphas = alphas
        self.coefs = coefs
        self.feature_names = feature_names
        self.estimator_name = estimator_name
        self.alpha_ = alpha_
        self.penalty_name = penalty_name

    def plot(self, ax=None, *, n_zeros=False, legend="auto", line_kwargs=None):
        """Draw the path.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        n_zeros : bool, default=False
            Also draw, on a twin y-axis, how many coefficients are exactly
            zero at each alpha.
        legend : bool or "auto", default="auto"
            Show a legend of the feature names ("auto": when names are given
            and there are at most 20 features).
        line_kwargs : dict, default=None
            Passed to ``ax.plot`` for every coefficient line.

        Returns
        -------
        display : RegularizationPathDisplay
            With ``ax_``, ``figure_``, ``lines_`` set.
        """
        plt = _import_pyplot()
        alphas = np.asarray(self.alphas, dtype=float).ravel()
        coefs = np.asarray(self.coefs)
        if coefs.ndim != 2 or coefs.shape[1] != alphas.shape[0]:
            raise ValueError(
                "coefs must have shape (n_features, n_alphas) with n_alphas = "
                f"{alphas.shape[0]}, got {coefs.shape}."
            )
        if np.any(alphas <= 0):
            raise ValueError("alphas must be > 0 to be drawn on a log axis.")
        if ax is None:
            _, ax = plt.subplots()
        names = self.feature_names
        if names is None:
            names = [f"x{j}" for j in range(coefs.shape[0])]
        kwargs = {} if line_kwargs is None else dict(line_kwargs)
        self.lines_ = [
            ax.plot(alphas, coef, label=name, **kwargs)[0]
            for coef, name in zip(coefs, names, strict=True)
        ]
        ax.set_xscale("log")
        ax.set_xlabel(self.penalty_name)
        ax.set_ylabel("coefficients")
        if self.estimator_name is not None:
            ax.set_title(self.estimator_name)
        ax.axhline(0.0, color="black", linewidth=0.5)
        self.alpha_line_ = None
        if self.alpha_ is not None:
            self.alpha_line_ = ax.axvline(
                self.alpha_,
                color="black",
                linestyle="--",
                label=f"{self.penalty_name}_",
            )
        show_legend = (
            self.feature_names is not None and coefs.shape[0] <= 20
            if legend == "auto"
            else bool(legend)
        )
        if show_legend:
            ax.legend(loc="best", fontsize="small")
        self.ax_zeros_ = self.zeros_line_ = None
        if n_zeros:
            self.ax_zeros_ = ax.twinx()
            counts = np.sum(coefs == 0, axis=0)
            (self.zeros_line_,) = self.ax_zeros_.step(
                alphas, counts, where="mid", color="gray", linestyle=":"
            )
            self.ax_zeros_.set_ylabel("exact zeros")
            self.ax_zeros_.set_ylim(-0.5, coefs.shape[0] + 0.5)
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_path(
        cls,
        alphas,
        coefs,
        *,
        feature_names=None,
        estimator_name=None,
        alpha_=None,
        ax=None,
        n_zeros=False,
        legend="auto",
        line_kwargs=None,
        penalty_name="alpha",
    ):
        """Draw a path already computed.

        Parameters
        ----------
        alphas : array-like of shape (n_alphas,)
        coefs : array-like of shape (n_features, n_alphas)
            As returned by :func:`~sklreg.linear_model.lasso_path` or
            :func:`~sklreg.linear_model.enet_path`.
        feature_names : list of str, default=None
        estimator_name : str, default=None
        alpha_ : float, default=None
            Drawn as a vertical line.
        ax : matplotlib Axes, default=None
        n_zeros : bool, default=False
            Count the exact zeros on a twin axis.
        legend : bool or "auto", default="auto"
        line_kwargs : dict, default=None
        penalty_name : str, default="alpha"
            The x-axis label (``"C"`` for a logistic path).

        Returns
        -------
        display : RegularizationPathDisplay
        """
        disp = cls(
            alphas=np.asarray(alphas),
            coefs=np.asarray(coefs),
            feature_names=feature_names,
            estimator_name=estimator_name,
            alpha_=alpha_,
            penalty_name=penalty_name,
        )
        return disp.plot(ax=ax, n_zeros=n_zeros, legend=legend, line_kwargs=line_kwargs)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        alphas=None,
        n_alphas=100,
        eps=1e-3,
        sample_weight=None,
        feature_names=None,
        ax=None,
        n_zeros=False,
        legend="auto",
        line_kwargs=None,
    ):
        """Compute an estimator's regularization path on ``(X, y)`` and draw it.

        The estimator gives the penalty and its options (``l1_ratio``,
        ``fit_intercept``, ``positive``, ``tol``, ``max_iter``); it need not
        be fitted.  Lasso, ElasticNet and their CV variants are solved with
        sklreg's warm-started, strong-rule-screened path; Ridge and RidgeCV
        by coordinate descent warm-started from one alpha to the next.  A
        fitted CV estimator contributes its grid and its chosen ``alpha_``.

        :class:`~sklreg.LogisticRegression` and
        :class:`~sklreg.LogisticRegressionCV` draw their coefficients against
        ``C`` (:func:`~sklreg.linear_model.logistic_path`; ``alphas`` is then
        the grid of ``C``, by default from the largest ``C`` where every
        penalised coefficient is zero up to ``1 / eps`` times it, or a fitted
        CV's ``Cs_`` and ``C_``); with more than two classes, one line per
        class and feature, named ``"feature [class]"``.

        Parameters
        ----------
        estimator : Lasso, ElasticNet, Ridge, LassoCV, ElasticNetCV, RidgeCV, \
                LogisticRegression or LogisticRegressionCV
            (scikit-learn's classes of the same names work too).
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        alphas : array-like, default=None
            The alphas; None: a fitted CV estimator's grid, else an automatic
            grid (from ``alpha_max`` down to ``eps * alpha_max`` for L1
            penalties; for Ridge, ``1e2`` to ``1e-4`` times the trace of the
            centred ``X^T X``).
        n_alphas : int, default=100
            Size of an automatic grid.
        eps : float, default=1e-3
            ``alpha_min / alpha_max`` of an automatic L1 grid.
        sample_weight : array-like of shape (n_samples,), default=None
        feature_names : list of str, default=None
            Defaults to the estimator's ``feature_names_in_`` if fitted on a
            DataFrame, or the columns of a DataFrame ``X``.
        ax : matplotlib Axes, default=None
        n_zeros : bool, default=False
            Count the exact zeros on a twin axis.
        legend : bool or "auto", default="auto"
        line_kwargs : dict, default=None

        Returns
        -------
        display : RegularizationPathDisplay
        """
        if feature_names is None:
            feature_names = getattr(estimator, "feature_names_in_", None)
            if feature_names is None and hasattr(X, "columns"):
                feature_names = [str(c) for c in X.columns]
        params = estimator.get_params()
        if "C" in params or "Cs" in params:
            return _from_classifier(
                cls, estimator, params, X, y, sample_weight, alphas, n_alphas, eps,
                feature_names, dict(ax=ax, n_zeros=n_zeros, legend=legend,
                                    line_kwargs=line_kwargs),
            )  # fmt: skip
        X, y = check_X_y(
            X,
            y,
            accept_sparse=["csc", "csr"],
            dtype=[np.float64, np.float32],
            y_numeric=True,
        )
        y = y.astype(X.dtype, copy=False)
        if sample_weight is not None:
            sample_weight = check_array(sample_weight, ensure_2d=False, dtype=X.dtype)
            if sample_weight.shape != y.shape or np.any(sample_weight < 0):
                raise ValueError(
                    "sample_weight must be non-negative, of shape (n_samples,)."
                )
        if "l1_ratio" in params or "eps" in params or "selection" in params:
            alphas, coefs = _enet_estimator_path(
                estimator, params, X, y, sample_weight, alphas, n_alphas, eps
            )
        elif "alpha" in params or "alphas" in params:
            alphas, coefs = _ridge_estimator_path(
                estimator, params, X, y, sample_weight, alphas, n_alphas
            )
        else:
            raise TypeError(
                "from_estimator supports Lasso, ElasticNet, Ridge, "
                "LogisticRegression and their CV variants, got "
                f"{type(estimator).__name__}."
            )
        alpha_ = getattr(estimator, "alpha_", None)
        if alpha_ is not None and np.ndim(alpha_) != 0:
            alpha_ = None
        return cls.from_path(
            alphas,
            coefs,
            feature_names=None if feature_names is None else list(feature_names),
            estimator_name=type(estimator).__name__,
            alpha_=alpha_,
            ax=ax,
            n_zeros=n_zeros,
            legend=legend,
            line_kwargs=line_kwargs,
        )


def _enet_l1_ratio(estimator, params):
    if "l1_ratio" not in params:  # Lasso, LassoCV
        return 1.0
    if hasattr(estimator, "l1_ratio_"):
        return float(estimator.l1_ratio_)
    ratio = np.atleast_1d(params["l1_ratio"])
    if ratio.size != 1:
        raise ValueError(
            "ElasticNetCV with several l1_ratio values: fit it first so that "
            "its chosen l1_ratio_ is drawn."
        )
    return float(ratio[0])


def _enet_estimator_path(estimator, params, X, y, sw, alphas, n_alphas, eps):
    l1_ratio = _enet_l1_ratio(estimator, params)
    fit_intercept = params.get("fit_intercept", True)
    positive = params.get("positive", False)
    n = X.shape[0]
    if sw is not None:
        sw = sw * (n / sw.sum())
    if alphas is None and hasattr(estimator, "alphas_"):
        grid = np.asarray(estimator.alphas_)
        if grid.ndim == 2:
            ratios = np.atleast_1d(params["l1_ratio"])
            grid = grid[int(np.flatnonzero(ratios == l1_ratio)[0])]
        alphas = grid
    if alphas is None:
        alphas = _alpha_grid(
            X,
            y,
            l1_ratio=l1_ratio,
            fit_intercept=fit_intercept,
            eps=eps,
            n_alphas=n_alphas,
            sample_weight=sw,
            positive=positive,
            penalty_factor=check_penalty_factor(
                params.get("penalty_factor"), X.shape[1]
            ),
        )
    alphas = np.sort(np.asarray(alphas, dtype=float).ravel())[::-1]
    problem = LinearProblem(X, y, sw, fit_intercept, True)
    solver = _make_solver(
        tol=params.get("tol", 1e-4), max_iter=params.get("max_iter", 1000) or 1000
    )
    # the penalty factors of the estimator (sklreg's), as in a fit
    factors = check_penalty_factor(params.get("penalty_factor"), X.shape[1])
    coefs, _, _ = _target_path(
        problem.datafit(0),
        n,
        alphas,
        l1_ratio=l1_ratio,
        positive=positive,
        solver=solver,
        w0=None,
        dtype=X.dtype,
        penalty_factor=factors,
    )
    return alphas, coefs


def _ridge_estimator_path(estimator, params, X, y, sw, alphas, n_alphas):
    fit_intercept = params.get("fit_intercept", True)
    if alphas is None and "alphas" in params and np.size(params["alphas"]) > 1:
        alphas = params["alphas"]
    if alphas is None:
        alphas = _ridge_default_alphas(X, fit_intercept, n_alphas)
    alphas = np.sort(np.asarray(alphas, dtype=float).ravel())[::-1]
    coefs, _ = _ridge_path(X, y, sw, alphas, fit_intercept)
    return alphas, coefs[0]


def _ridge_default_alphas(X, fit_intercept, n_alphas):
    """``trace(Xc^T Xc)`` times a geometric grid (X is never densified)."""
    sq_norms = np.asarray(
        X.multiply(X).sum(axis=0) if sp.issparse(X) else (X**2).sum(0)
    )
    trace = float(sq_norms.sum())
    if fit_intercept:
        means = np.asarray(X.mean(axis=0)).ravel()
        trace -= X.shape[0] * float(means @ means)
    return np.geomspace(*_RIDGE_GRID, n_alphas) * max(trace, 1e-12)


def _from_classifier(
    cls, estimator, params, X, y, sw, Cs, n_cs, eps, feature_names, plot_kwargs
):
    """The Display of a logistic regression's path against ``C``."""
    from sklreg.linear_model._logistic_path import logistic_path

    fitted_cv = hasattr(estimator, "Cs_")
    l1_ratio = _logistic_l1_ratio(estimator, params)
    if Cs is None and fitted_cv:
        Cs = np.asarray(estimator.Cs_)
    if Cs is None:
        Cs = n_cs if l1_ratio > 0 else np.logspace(-4, 4, n_cs)
    if not isinstance(Cs, int | np.integer):
        Cs = np.sort(np.asarray(Cs, dtype=float).ravel())
    fit_intercept = params.get("fit_intercept", True)
    coefs, Cs, _, _ = logistic_path(
        X,
        y,
        Cs=Cs,
        l1_ratio=l1_ratio,
        eps=eps,
        fit_intercept=fit_intercept,
        tol=params.get("tol", 1e-4),
        max_iter=params.get("max_iter", 100),
        class_weight=params.get("class_weight"),
        sample_weight=sw,
        penalty_factor=params.get("penalty_factor"),
    )
    if fit_intercept:
        coefs = coefs[..., :-1]
    n_features = coefs.shape[-1]
    names = None if feature_names is None else [str(n) for n in feature_names]
    if coefs.ndim == 3:  # (n_cs, n_classes, n_features): a line per class and feature
        classes = np.unique(np.asarray(y))
        base = names or [f"x{j}" for j in range(n_features)]
        names = [f"{name} [{c}]" for c in classes for name in base]
        coefs = coefs.reshape(coefs.shape[0], -1)
    C_ = getattr(estimator, "C_", None) if fitted_cv else None
    if C_ is not None:
        C_ = np.unique(np.atleast_1d(C_))
        C_ = float(C_[0]) if C_.size == 1 else None
    return cls.from_path(
        Cs,
        coefs.T,
        feature_names=names,
        estimator_name=type(estimator).__name__,
        alpha_=C_,
        penalty_name="C",
        **plot_kwargs,
    )


def _logistic_l1_ratio(estimator, params):
    """The mixing of a logistic regression (its chosen one when fitted CV)."""
    if hasattr(estimator, "l1_ratio_"):
        ratio = np.unique(np.atleast_1d(estimator.l1_ratio_).astype(float))
        if ratio.size == 1:
            return float(ratio[0])
    if "l1_ratios" in params:
        ratios = params["l1_ratios"]
        ratios = (0.0,) if ratios is None or isinstance(ratios, str) else ratios
        ratios = np.atleast_1d(ratios)
        if ratios.size != 1:
            raise ValueError(
                "LogisticRegressionCV with several l1_ratios: fit it first so "
                "that its chosen l1_ratio_ is drawn."
            )
        return float(ratios[0])
    ratio = params.get("l1_ratio", 0.0)
    penalty = params.get("penalty", "deprecated")
    if penalty == "l1":
        return 1.0
    if penalty == "l2" or ratio is None:
        return 0.0
    return float(ratio)
