"""Kernel modules imported on first use, so that numba is too.

Importing numba and initialising its compiler costs 0.3-0.45 s per process;
a fit that runs only the ahead-of-time compiled kernels (:mod:`._aot`) never
needs it.  The estimators, datafits and solvers therefore reach the numba
kernel modules through :func:`lazy_module`: ``import sklreg`` does not
import numba, the first attribute access does.
"""

import importlib


class _LazyModule:
    """Stands for a module until an attribute is read, then forwards to it.

    Every access goes to the real module (no copied attributes), so a test
    that patches the module sees its patch through this object too.
    """

    __slots__ = ("_name", "_module")

    def __init__(self, name):
        self._name = name
        self._module = None

    def __getattr__(self, attr):
        module = self._module
        if module is None:
            module = importlib.import_module(self._name)
            self._module = module
        return getattr(module, attr)

    def __repr__(self):
        state = "imported" if self._module is not None else "not imported yet"
        return f"<lazy module {self._name!r} ({state})>"


def lazy_module(name):
    """A stand-in for the module ``name``, imported at its first attribute read."""
    return _LazyModule(name)
