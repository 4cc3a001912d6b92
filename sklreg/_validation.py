"""The one place where sklreg imports scikit-learn's semi-private helpers.

scikit-learn's parameter-constraint machinery (``Interval``, ``StrOptions``,
``_fit_context``) and ``validate_data`` are what every estimator here validates
with.  Importing them from one module keeps a future scikit-learn move to a
single edit.
"""

from contextlib import contextmanager
from numbers import Integral, Real

from sklearn.base import _fit_context
from sklearn.utils._param_validation import Hidden, Interval, Options, StrOptions
from sklearn.utils.metadata_routing import _raise_for_params
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

__all__ = [
    "Hidden",
    "Integral",
    "Interval",
    "Options",
    "Real",
    "StrOptions",
    "_check_sample_weight",
    "_raise_for_params",
    "_fit_context",
    "check_is_fitted",
    "fit_transaction",
    "validate_data",
]


_CALLBACK_STATE = {"_callback_fit_ctx", "_skl_callbacks_to_teardown"}


@contextmanager
def fit_transaction(estimator):
    """Restore ``estimator``'s attributes if the body raises.

    ``validate_data(reset=True)`` writes ``n_features_in_`` and
    ``feature_names_in_`` before a later check (say, negative sample weights)
    can fail.  Wrapping ``fit`` in this context keeps a fitted estimator
    exactly as it was when a call fails.
    """
    saved = dict(vars(estimator))
    try:
        yield
    except BaseException:
        # scikit-learn's callback machinery tears its callbacks down after
        # fit, failed or not: keep what it needs for that.
        live = {k: v for k, v in vars(estimator).items() if k in _CALLBACK_STATE}
        vars(estimator).clear()
        vars(estimator).update(saved)
        vars(estimator).update(live)
        raise
