"""Progress of long fits: a tqdm bar when ``verbose`` is set, and scikit-learn's
callback API (``est.set_callbacks(ProgressBar())``, scikit-learn >= 1.9).

Estimators with steps worth reporting (alphas of a path, folds of a CV,
epochs of an MLP) inherit :class:`CallbackSupportMixin` and wrap their loop::

    with FitProgress(self, total=n_steps, desc="LassoCV", verbose=self.verbose,
                     X=X, y=y) as progress:
        for ...:
            ...
            progress.step(mse=...)

On an older scikit-learn the mixin is an empty class and only the tqdm bar
remains, so nothing breaks.
"""

import threading

try:  # scikit-learn >= 1.9
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # pragma: no cover - depends on the installed scikit-learn

    class CallbackSupportMixin:
        """Stand-in for scikit-learn's callback support (scikit-learn < 1.9)."""


__all__ = ["CallbackSupportMixin", "FitProgress"]


class FitProgress:
    """Report ``total`` steps of a fit to tqdm and to scikit-learn callbacks.

    Parameters
    ----------
    estimator : estimator instance
        The estimator being fitted.
    total : int
        Number of steps (subtasks) the fit will report.
    desc : str
        Label of the progress bar and of the callback subtasks.
    verbose : bool or int
        Show a tqdm progress bar (``tqdm.auto``: a widget in notebooks).
    X, y : array-like, default=None
        The data, passed on to the callbacks.
    """

    def __init__(self, estimator, total, desc, verbose=False, X=None, y=None):
        self.estimator = estimator
        self.total = int(total)
        self.desc = desc
        self.verbose = verbose
        self.X = X
        self.y = y
        self._bar = None
        self._ctx = None
        # folds may report from worker threads
        self._lock = threading.Lock()

    def _callbacks_wanted(self):
        # only when callbacks are set, directly or by a meta-estimator: the
        # callback context costs time on every step
        init = getattr(self.estimator, "_init_callback_context", None)
        wanted = getattr(self.estimator, "_skl_callbacks", None) or hasattr(
            self.estimator, "_parent_callback_ctx"
        )
        return init is not None and bool(wanted)

    @property
    def reports(self):
        """Whether steps are shown or passed on (else ``step`` does nothing,
        and a caller may spare calling it)."""
        return bool(self.verbose) or self._callbacks_wanted()

    def __enter__(self):
        init = getattr(self.estimator, "_init_callback_context", None)
        if self._callbacks_wanted():
            self._ctx = init(max_subtasks=self.total)
            self._ctx.call_on_fit_task_begin(
                estimator=self.estimator, X=self.X, y=self.y
            )
        if self.verbose:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=self.total, desc=self.desc, leave=True)
        return self

    def step(self, **info):
        """Mark one step done; ``info`` (numbers) is shown beside the bar."""
        with self._lock:
            self._step(info)

    def _step(self, info):
        if self._ctx is not None:
            sub = self._ctx.subcontext(task_name=self.desc)
            sub.call_on_fit_task_begin(estimator=self.estimator, X=self.X, y=self.y)
            sub.call_on_fit_task_end(estimator=self.estimator, X=self.X, y=self.y)
        if self._bar is not None:
            self._bar.update(1)
            if info:
                self._bar.set_postfix(
                    {
                        k: f"{v:.4g}" if isinstance(v, float) else v
                        for k, v in info.items()
                    }
                )

    def __exit__(self, exc_type, exc, tb):
        if self._bar is not None:
            self._bar.close()
        if self._ctx is not None and exc_type is None:
            self._ctx.call_on_fit_task_end(estimator=self.estimator, X=self.X, y=self.y)
        return False
