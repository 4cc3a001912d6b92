"""Neural-network estimators on torch and skorch (the ``nn`` extra).

Importing this subpackage imports torch; ``import sklreg`` alone does not.
"""

from sklreg.neural_network._classifier import MLPClassifier
from sklreg.neural_network._module import MLPModule
from sklreg.neural_network._net import RegularizedNet
from sklreg.neural_network._regressor import MLPRegressor

__all__ = ["MLPClassifier", "MLPModule", "MLPRegressor", "RegularizedNet"]
