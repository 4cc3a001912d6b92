"""scikit-learn's estimator checks on every public estimator sklreg exports."""

import inspect

import pytest
from sklearn.base import BaseEstimator
from sklearn.utils.estimator_checks import parametrize_with_checks

import sklreg


def _public_estimators():
    estimators = []
    for name in sklreg.__all__:
        try:
            obj = getattr(sklreg, name)
        except ImportError:  # optional extra (torch) not installed
            continue
        if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
            estimators.append(obj())
    return estimators


ESTIMATORS = _public_estimators()


def test_every_public_estimator_is_checked():
    names = {type(est).__name__ for est in ESTIMATORS}
    assert {"Lasso", "ElasticNet", "Ridge"} <= names


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_html_repr_renders(estimator):
    html = estimator._repr_html_()
    assert type(estimator).__name__ in html
