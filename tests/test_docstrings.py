"""The Examples sections of the docstrings run and print what they show."""

import doctest
import importlib
import pkgutil

import pytest

import sklreg

MODULES = sorted(
    name for _, name, _ in pkgutil.walk_packages(sklreg.__path__, prefix="sklreg.")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
