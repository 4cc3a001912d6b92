"""sklreg: scikit-learn-compatible regularized estimators.

Linear models (Lasso, ElasticNet, Ridge and their paths and cross-validated
variants) are fitted by sklreg's own numba coordinate-descent engine.  Every
public name is resolved on first access, so ``import sklreg`` is cheap and
never imports torch (only :class:`MLPClassifier` and :class:`MLPRegressor`
need it).
"""

import importlib

__version__ = "0.1.0"

# public name -> module that defines it
_PUBLIC = {
    "ElasticNet": "sklreg.linear_model",
    "Lasso": "sklreg.linear_model",
    "LogisticRegression": "sklreg.linear_model",
    "LogisticRegressionCV": "sklreg.linear_model",
    "Ridge": "sklreg.linear_model",
    "ElasticNetCV": "sklreg.linear_model",
    "LassoCV": "sklreg.linear_model",
    "MultiTaskElasticNet": "sklreg.linear_model",
    "MultiTaskLasso": "sklreg.linear_model",
    "MultiTaskElasticNetCV": "sklreg.linear_model",
    "MultiTaskLassoCV": "sklreg.linear_model",
    "RidgeCV": "sklreg.linear_model",
    "enet_path": "sklreg.linear_model",
    "lasso_path": "sklreg.linear_model",
    "logistic_path": "sklreg.linear_model",
    "RegularizationPathDisplay": "sklreg.plotting",
    "MLPClassifier": "sklreg.neural_network",
    "MLPRegressor": "sklreg.neural_network",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'sklreg' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted([*globals(), *__all__])
