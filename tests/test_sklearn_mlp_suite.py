"""scikit-learn's own test_mlp.py, run on sklreg's MLPClassifier and MLPRegressor.

The whole file runs (about 40 s on one core) through
``tests/sklearn_suites/run_mlp_suite.py``.  At least 90% must pass, and each
remaining failure must be one of the known ones below, each with its reason.
"""

import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("skorch")

sys.path.insert(0, str(Path(__file__).parent / "sklearn_suites"))

import run_mlp_suite

# test id -> why it cannot pass on sklreg's estimators
KNOWN_FAILURES = {
    "test_mlp.py::test_gradient": (
        "calls scikit-learn's private _loss_grad_lbfgs(theta, X, Y, None, "
        "activations, deltas, coef_grads, intercept_grads), the numpy backprop "
        "of scikit-learn's implementation; sklreg's gradients come from torch "
        "autograd (loss_ checked against a numpy evaluation of the objective in "
        "tests/test_mlp_regressor.py)"
    ),
}


@pytest.fixture(scope="module")
def summary():
    return run_mlp_suite.run()[run_mlp_suite.FILE]


def test_rebinds_both_estimators(summary):
    assert summary["rebound"] == ["MLPClassifier", "MLPRegressor"]


def test_at_least_90_percent_pass(summary):
    ran = summary["passed"] + summary["failed"]
    assert ran >= 55, summary
    assert summary["pass_rate"] >= 0.9, summary["failures"]


def test_only_known_failures(summary):
    assert set(summary["failures"]) <= set(KNOWN_FAILURES), summary["failures"]
