"""Display objects (scikit-learn conventions) for sklreg's models.

matplotlib is an optional dependency: it is imported only when something is
drawn.
"""

from sklreg.plotting._regularization_path import RegularizationPathDisplay

__all__ = ["RegularizationPathDisplay"]
