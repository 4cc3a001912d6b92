"""Run scikit-learn's own ``test_mlp.py`` against sklreg's MLP estimators.

The file shipped with scikit-learn's wheel
(``sklearn/neural_network/tests/test_mlp.py``) is copied into a temporary
directory with its ``from sklearn.neural_network import MLPClassifier,
MLPRegressor`` rebound to ``sklreg.neural_network`` (on the same line, so
line numbers stay scikit-learn's); nothing else is changed.  pytest runs it
with scikit-learn's ``conftest.py`` as a plugin, outcomes are read from a
JUnit report, and the script prints the counts and the failing test ids.
The rewriting-free plumbing (JUnit parsing, summary, report) is
``run_linear_suites.py``'s.

Usage::

    python tests/sklearn_suites/run_mlp_suite.py
    python tests/sklearn_suites/run_mlp_suite.py -k lbfgs --json out.json
    python tests/sklearn_suites/run_mlp_suite.py --reference   # scikit-learn's own

Exit status 0 when the run completed (whatever the outcomes), 2 when pytest
could not run the file.
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run_linear_suites import _CONFTEST, _PYTEST_INI, report, run_pytest
from run_linear_suites import rebind_source as _rebind

FILE = "test_mlp.py"
_SKLEARN_NN = "sklearn.neural_network"
_SKLREG_NN = "sklreg.neural_network"
NAMES = ("MLPClassifier", "MLPRegressor")


def sklearn_test_file():
    """scikit-learn's installed ``test_mlp.py``."""
    import sklearn.neural_network

    return Path(sklearn.neural_network.__file__).parent / "tests" / FILE


def rebind_source(source, names=NAMES):
    """``source`` with ``names`` imported from sklreg instead of scikit-learn."""
    new, rebound = _rebind(source, set(names), _SKLEARN_NN, _SKLREG_NN)
    return new, sorted(rebound)


def run(keyword=None, extra_args=(), verbose=False, rebind=True):
    """Run the (rebound) file; returns ``{FILE: summary}``."""
    source = sklearn_test_file().read_text()
    with tempfile.TemporaryDirectory(prefix="sklreg_mlp_suite_") as tmp:
        workdir = Path(tmp)
        rebound = []
        if rebind:
            source, rebound = rebind_source(source)
        (workdir / FILE).write_text(source)
        (workdir / "conftest.py").write_text(_CONFTEST)
        (workdir / "pytest.ini").write_text(_PYTEST_INI)
        summary = run_pytest(workdir, [FILE], keyword, extra_args, verbose)
    summary[FILE]["rebound"] = rebound
    return summary


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-k", dest="keyword", help="pytest -k expression")
    parser.add_argument("--json", dest="json_out", help="write the summary here")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument(
        "--reference",
        action="store_true",
        help="run the file unchanged, against scikit-learn's estimators",
    )
    args, extra = parser.parse_known_args(argv)
    try:
        summary = run(args.keyword, extra, args.verbose, not args.reference)
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 2
    report(summary)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
