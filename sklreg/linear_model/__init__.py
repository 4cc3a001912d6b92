"""Linear models with L1, L2 and elastic-net penalties, fitted by sklreg's
coordinate-descent engine."""

from sklreg.linear_model._coordinate_descent import ElasticNet, Lasso
from sklreg.linear_model._cv import ElasticNetCV, LassoCV, RidgeCV
from sklreg.linear_model._cv_multitask import MultiTaskElasticNetCV, MultiTaskLassoCV
from sklreg.linear_model._logistic import LogisticRegression
from sklreg.linear_model._logistic_cv import LogisticRegressionCV
from sklreg.linear_model._logistic_path import logistic_path
from sklreg.linear_model._multitask import MultiTaskElasticNet, MultiTaskLasso
from sklreg.linear_model._path import enet_path, lasso_path
from sklreg.linear_model._ridge import Ridge

__all__ = [
    "ElasticNet",
    "ElasticNetCV",
    "Lasso",
    "LassoCV",
    "LogisticRegression",
    "LogisticRegressionCV",
    "MultiTaskElasticNet",
    "MultiTaskElasticNetCV",
    "MultiTaskLasso",
    "MultiTaskLassoCV",
    "Ridge",
    "RidgeCV",
    "enet_path",
    "lasso_path",
    "logistic_path",
]
