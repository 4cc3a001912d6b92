"""What several test files share: the datasets, the model comparison, and the
discovery of every public estimator.

Fixtures (``diabetes``, ``diabetes_frame``, ``iris``, ``regression_data``,
``sparse_regression``) are requested by name.  The plain functions are needed
at collection time (``parametrize`` lists) and are imported with
``from conftest import ...`` (pytest puts ``tests/`` on ``sys.path``).
"""

import importlib.util
import inspect

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.datasets import load_diabetes, load_iris, make_regression

import sklreg


def _read_only(*arrays):
    """Session-wide data must not be changed by one test for the next."""
    for a in arrays:
        a.flags.writeable = False
    return arrays


# -- datasets ----------------------------------------------------------------


@pytest.fixture(scope="session")
def diabetes():
    """scikit-learn's diabetes regression data, ``(X, y)``, read-only."""
    X, y = load_diabetes(return_X_y=True)
    return _read_only(X, y)


@pytest.fixture(scope="session")
def diabetes_frame():
    """The diabetes data as a DataFrame and a Series."""
    pytest.importorskip("pandas")
    data = load_diabetes(as_frame=True)
    return data.data, data.target


@pytest.fixture(scope="session")
def iris():
    """scikit-learn's iris classification data, ``(X, y)``, read-only."""
    X, y = load_iris(return_X_y=True)
    return _read_only(X, y)


@pytest.fixture(scope="session")
def regression_data():
    """A small dense regression problem: 60 samples, 15 features."""
    X, y = make_regression(n_samples=60, n_features=15, noise=1.0, random_state=0)
    return _read_only(X, y)


@pytest.fixture(scope="session")
def sparse_regression():
    """A CSC design (10% dense, non-centred) and a target with an intercept."""
    rng = np.random.RandomState(1)
    X = sp.random(300, 80, density=0.1, random_state=rng, format="csc") * 5
    y = X @ rng.randn(80) + rng.randn(300) + 2.0
    return X, y


# -- comparing fitted models ---------------------------------------------------


def assert_same_model(ours, ref, rtol=1e-6):
    """``coef_`` and ``intercept_`` equal to ``rtol`` of the reference's scale."""
    scale = max(np.abs(ref.coef_).max(), 1e-12)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=rtol, atol=rtol * scale)
    iscale = max(np.abs(np.asarray(ref.intercept_)).max(), scale, 1.0)
    np.testing.assert_allclose(
        ours.intercept_, ref.intercept_, rtol=rtol, atol=rtol * iscale
    )
    assert np.shape(ours.coef_) == np.shape(ref.coef_)
    assert np.shape(ours.intercept_) == np.shape(ref.intercept_)


# -- every public estimator ----------------------------------------------------

# the public names that need the ``nn`` extra
TORCH_ESTIMATORS = {"MLPClassifier", "MLPRegressor"}


def torch_available():
    """Whether the ``nn`` extra (torch and skorch) can be imported."""
    return all(importlib.util.find_spec(m) is not None for m in ("torch", "skorch"))


def public_estimator_classes():
    """Every class in ``sklreg.__all__`` that is a scikit-learn estimator.

    A torch-based name is left out only when torch is missing; any other
    ImportError is a bug and is raised, so no estimator drops out silently.
    """
    classes = []
    for name in sklreg.__all__:
        if name in TORCH_ESTIMATORS and not torch_available():
            continue
        obj = getattr(sklreg, name)
        if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
            classes.append(obj)
    return classes
