"""The public namespace: lazy imports, and no torch unless the MLP is used."""

import subprocess
import sys

import pytest

import sklreg


def _run(code):
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_import_and_linear_fit_do_not_import_torch():
    out = _run(
        "import sys, numpy as np, sklreg\n"
        "sklreg.Lasso(alpha=0.1).fit(np.eye(3), [1.0, 2.0, 3.0])\n"
        "sklreg.RidgeCV().fit(np.eye(3), [1.0, 2.0, 3.0])\n"
        "print('torch' in sys.modules, 'skorch' in sys.modules)"
    )
    assert out == "False False"


def test_mlp_resolves_lazily():
    pytest.importorskip("torch")
    out = _run(
        "import sys, sklreg\n"
        "before = 'torch' in sys.modules\n"
        "cls = sklreg.MLPClassifier\n"
        "print(before, 'torch' in sys.modules, cls.__module__)"
    )
    assert out.startswith("False True sklreg.neural_network")


def test_public_names_resolve_and_unknown_names_raise():
    for name in sklreg.__all__:
        if name in ("MLPClassifier", "MLPRegressor") and not _has("torch"):
            continue
        assert getattr(sklreg, name) is not None
    assert set(sklreg.__all__) <= set(dir(sklreg))
    with pytest.raises(AttributeError, match="no attribute 'Lassso'"):
        sklreg.Lassso


def _has(module):
    try:
        __import__(module)
    except ImportError:
        return False
    return True
