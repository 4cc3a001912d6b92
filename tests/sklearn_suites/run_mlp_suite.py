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
import ast
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run_linear_suites import (
    _CONFTEST,
    _PYTEST_INI,
    parse_junit,
    report,
    summarize,
)

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
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    rebound = set()
    edits = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.ImportFrom) and node.module == _SKLEARN_NN):
            continue
        ours = [a for a in node.names if a.name in names]
        theirs = [a for a in node.names if a.name not in names]
        if not ours:
            continue
        rebound.update(a.name for a in ours)

        def fmt(aliases):
            return ", ".join(
                a.name if a.asname is None else f"{a.name} as {a.asname}"
                for a in aliases
            )

        stmt = f"from {_SKLREG_NN} import {fmt(ours)}"
        if theirs:
            stmt += f"; from {_SKLEARN_NN} import {fmt(theirs)}"
        edits.append((node.lineno, node.end_lineno, node.col_offset, stmt))
    for first, last, col, stmt in sorted(edits, reverse=True):
        indent = lines[first - 1][:col]
        lines[first - 1 : last] = [indent + stmt + "\n", *["\n"] * (last - first)]
    return "".join(lines), sorted(rebound)


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
        junit = workdir / "junit.xml"
        cmd = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-c",
            str(workdir / "pytest.ini"),
            "--rootdir",
            str(workdir),
            f"--junitxml={junit}",
            "-o",
            "junit_family=xunit1",
            FILE,
        ]
        if keyword:
            cmd += ["-k", keyword]
        cmd += list(extra_args)
        env = dict(os.environ)
        repo = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (repo, env.get("PYTHONPATH")) if p
        )
        proc = subprocess.run(
            cmd,
            cwd=workdir,
            env=env,
            stdout=None if verbose else subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        if not junit.exists():
            if not verbose:
                sys.stdout.write(proc.stdout[-5000:])
            raise RuntimeError(f"pytest produced no report (exit {proc.returncode})")
        summary = summarize(parse_junit(junit), [FILE])
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
