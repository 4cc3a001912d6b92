"""scikit-learn's estimator checks on every public estimator sklreg exports.

The list comes from ``sklreg.__all__`` (``conftest.public_estimator_classes``),
so a new estimator is checked as soon as it is exported; and a walk over every
sklreg module makes sure that no public estimator class is left out of
``__all__``.  Every estimator passes every check: no expected failures.
"""

import importlib
import inspect
import pkgutil

import pytest
from conftest import TORCH_ESTIMATORS, public_estimator_classes, torch_available
from sklearn.base import BaseEstimator
from sklearn.utils.estimator_checks import parametrize_with_checks

import sklreg

# instances beyond the defaults whose code paths deserve the whole suite
EXTRA_INSTANCES = [sklreg.LogisticRegression(l1_ratio=1)]

# parameters for the checks only, as scikit-learn's own instance generator
# sets them: some checks fit 9 samples of 3 classes, too few for 5 folds
CHECKING_PARAMS = {"LogisticRegressionCV": dict(cv=3)}

ESTIMATORS = [
    cls(**CHECKING_PARAMS.get(cls.__name__, {})) for cls in public_estimator_classes()
] + EXTRA_INSTANCES


def _estimator_classes_defined_in_sklreg():
    """Every public-named BaseEstimator class found in any sklreg module."""
    found = set()
    for info in pkgutil.walk_packages(sklreg.__path__, "sklreg."):
        if info.name.startswith("sklreg.neural_network") and not torch_available():
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if not (inspect.isclass(obj) and issubclass(obj, BaseEstimator)):
                continue
            if not obj.__module__.startswith("sklreg") or name.startswith("_"):
                continue
            # a skorch net is an implementation detail of the MLP (DESIGN.md:
            # "Do not expose a skorch net subclass as the public estimator")
            if any(base.__module__.startswith("skorch") for base in obj.__mro__):
                continue
            found.add(name)
    return found


def test_every_estimator_class_is_exported_and_checked():
    defined = _estimator_classes_defined_in_sklreg()
    checked = {type(est).__name__ for est in ESTIMATORS}
    assert defined <= set(sklreg.__all__), defined - set(sklreg.__all__)
    assert checked == defined
    if torch_available():
        assert TORCH_ESTIMATORS <= checked
    else:
        assert not TORCH_ESTIMATORS & checked


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_html_repr_renders(estimator):
    html = estimator._repr_html_()
    assert type(estimator).__name__ in html
    # scikit-learn's parameter table lists every constructor parameter
    for param in estimator.get_params(deep=False):
        assert param in html, param
