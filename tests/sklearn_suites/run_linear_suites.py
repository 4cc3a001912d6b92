"""Run scikit-learn's own linear-model test files against sklreg's estimators.

scikit-learn's wheel ships its test modules.  This script copies
``test_coordinate_descent.py``, ``test_sparse_coordinate_descent.py`` and
``test_ridge.py`` into a temporary directory and rewrites their imports so
that every name sklreg provides (``sklreg.linear_model.__all__``: Lasso,
ElasticNet, Ridge, the CV estimators, the path functions, and whatever is
added later) is sklreg's; the names sklreg does not have stay bound to
scikit-learn (``LinearRegression``, ``MultiTaskLasso`` while it is missing,
private helpers).  ``monkeypatch.setattr("sklearn.linear_model.<module>.<Name>",
...)`` targets are moved to the sklreg module that plays that module's part
(``_PATCH_MODULES``), so a test that patches the class a CV estimator builds
patches sklreg's.

pytest then runs in the temporary directory with scikit-learn's
``conftest.py`` loaded as a plugin (its ``global_random_seed`` and
``global_dtype`` fixtures), outcomes are read from a JUnit XML report, and
the script prints, per file, the pass/fail counts and the failing test ids.

Usage::

    python tests/sklearn_suites/run_linear_suites.py
    python tests/sklearn_suites/run_linear_suites.py --files test_ridge.py -k svd
    python tests/sklearn_suites/run_linear_suites.py --json results.json

The exit status is 0 when the run completed (whatever the outcomes), 2 when
pytest could not run the files at all.
"""

import argparse
import ast
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

DEFAULT_FILES = (
    "test_coordinate_descent.py",
    "test_sparse_coordinate_descent.py",
    "test_ridge.py",
)

_SKLEARN_LM = "sklearn.linear_model"
_SKLREG_LM = "sklreg.linear_model"

_CONFTEST = """\
# Written by run_linear_suites.py: scikit-learn's fixtures and hooks.
pytest_plugins = ["sklearn.conftest"]
"""

_PYTEST_INI = """\
[pytest]
addopts = -p no:cacheprovider
"""


def sklearn_tests_dir():
    """The directory of scikit-learn's installed linear-model tests."""
    import sklearn.linear_model

    return Path(sklearn.linear_model.__file__).parent / "tests"


def sklreg_names():
    """The public names of :mod:`sklreg.linear_model`."""
    import sklreg.linear_model

    return set(sklreg.linear_model.__all__)


# scikit-learn's ``_coordinate_descent`` holds the estimators *and* the CV
# classes that build them (``LassoCV`` fits a ``Lasso`` it looks up there);
# sklreg's CV classes live in ``_cv``.  A patch of
# ``sklearn.linear_model.<module>.<Name>`` goes to the first sklreg module
# listed here that binds ``Name``, else to the module of the same name.
_PATCH_MODULES = {"_coordinate_descent": ("_cv", "_coordinate_descent")}


def _patch_target(module, name):
    """The sklreg module path to patch for scikit-learn's ``module.name``."""
    for candidate in _PATCH_MODULES.get(module, (module,)):
        if _sklreg_module_has(candidate, name):
            return f"{_SKLREG_LM}.{candidate}.{name}"
    return None


def _sklreg_module_has(module, name):
    """Whether ``sklreg.linear_model.<module>`` exists and defines ``name``."""
    import importlib

    try:
        mod = importlib.import_module(f"{_SKLREG_LM}.{module}")
    except ImportError:
        return False
    return hasattr(mod, name)


def rebind_source(source, names, module=_SKLEARN_LM, target=_SKLREG_LM):
    """Rewrite ``source`` so that ``names`` come from ``target``.

    Every ``from <module> import ...`` (at any depth; ``module`` is
    ``sklearn.linear_model`` by default) is split in two statements on the
    same line(s), importing ``names`` from ``target`` and the rest from
    ``module``, so line numbers (and tracebacks) stay those of scikit-learn's
    file.  Returns the new source and the names rebound.
    """
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    edits = []  # (first line, last line, replacement) 1-based, inclusive
    rebound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            if node.module != module:
                continue
            ours = [a for a in node.names if a.name in names]
            if not ours:
                continue
            theirs = [a for a in node.names if a.name not in names]
            rebound.update(a.name for a in ours)

            def fmt(aliases):
                return ", ".join(
                    a.name if a.asname is None else f"{a.name} as {a.asname}"
                    for a in aliases
                )

            stmt = f"from {target} import {fmt(ours)}"
            if theirs:
                stmt += f"; from {module} import {fmt(theirs)}"
            edits.append((node.lineno, node.end_lineno, node.col_offset, stmt))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            # monkeypatch targets such as "sklearn.linear_model._cd.Lasso"
            parts = node.value.split(".")
            if (
                module == _SKLEARN_LM
                and len(parts) == 4
                and ".".join(parts[:2]) == _SKLEARN_LM
                and parts[3] in names
                and node.lineno == node.end_lineno
                and _patch_target(parts[2], parts[3]) is not None
            ):
                new = _patch_target(parts[2], parts[3])
                edits.append(("str", node.lineno, node.value, new))
    for edit in sorted(edits, key=lambda e: -e[1] if e[0] == "str" else -e[0]):
        if edit[0] == "str":
            _, lineno, old, new = edit
            lines[lineno - 1] = lines[lineno - 1].replace(old, new)
            continue
        first, last, col, stmt = edit
        indent = lines[first - 1][:col]
        padding = ["\n"] * (last - first)
        lines[first - 1 : last] = [indent + stmt + "\n", *padding]
    return "".join(lines), rebound


def prepare(workdir, files, names):
    """Copy and rebind ``files`` into ``workdir``; returns the rebound names."""
    src_dir = sklearn_tests_dir()
    rebound = {}
    for name in files:
        source = (src_dir / name).read_text()
        new, used = rebind_source(source, names)
        (workdir / name).write_text(new)
        rebound[name] = sorted(used)
    (workdir / "conftest.py").write_text(_CONFTEST)
    (workdir / "pytest.ini").write_text(_PYTEST_INI)
    return rebound


def parse_junit(path):
    """``{file: {"passed": [...], "failed": [...], "skipped": [...]}}``."""
    results = {}
    root = ET.parse(path).getroot()
    for case in root.iter("testcase"):
        module = case.get("classname", "").split(".")[0]
        file = f"{module}.py"
        test_id = f"{file}::{case.get('name')}"
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed"
                break
            if child.tag == "skipped":
                outcome = "skipped"
        results.setdefault(file, {"passed": [], "failed": [], "skipped": []})
        results[file][outcome].append(test_id)
    return results


def summarize(results, files):
    """Per-file counts (pass rate over passed + failed)."""
    summary = {}
    for file in files:
        res = results.get(file, {"passed": [], "failed": [], "skipped": []})
        n_pass, n_fail = len(res["passed"]), len(res["failed"])
        ran = n_pass + n_fail
        summary[file] = {
            "passed": n_pass,
            "failed": n_fail,
            "skipped": len(res["skipped"]),
            "pass_rate": n_pass / ran if ran else 0.0,
            "failures": sorted(res["failed"]),
        }
    return summary


def run_pytest(workdir, files, keyword=None, extra_args=(), verbose=False):
    """Run pytest on ``files`` in ``workdir`` (sklreg from this checkout);
    returns :func:`summarize`'s dict, read from a JUnit report."""
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
        *files,
    ]
    if keyword:
        cmd += ["-k", keyword]
    cmd += list(extra_args)
    env = dict(os.environ)
    # sklreg from this checkout, whatever the current directory
    repo = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (repo, env.get("PYTHONPATH")) if p)
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
    return summarize(parse_junit(junit), files)


def run(files=DEFAULT_FILES, keyword=None, extra_args=(), verbose=False, rebind=True):
    """Run the rebound suites; returns the summary dict.

    With ``rebind=False`` the files run unchanged against scikit-learn (the
    reference: what the same run gives scikit-learn's own estimators).
    """
    names = sklreg_names() if rebind else set()
    with tempfile.TemporaryDirectory(prefix="sklreg_suites_") as tmp:
        workdir = Path(tmp)
        rebound = prepare(workdir, files, names)
        summary = run_pytest(workdir, files, keyword, extra_args, verbose)
    for file in files:
        summary[file]["rebound"] = rebound[file]
    return summary


def report(summary, stream=sys.stdout):
    for file, res in summary.items():
        print(
            f"{file}: {res['passed']} passed, {res['failed']} failed, "
            f"{res['skipped']} skipped ({100 * res['pass_rate']:.1f}% pass)",
            file=stream,
        )
        for test_id in res["failures"]:
            print(f"    FAILED {test_id}", file=stream)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--files",
        nargs="+",
        default=list(DEFAULT_FILES),
        help="scikit-learn test files (names in sklearn/linear_model/tests/)",
    )
    parser.add_argument("-k", dest="keyword", help="pytest -k expression")
    parser.add_argument("--json", dest="json_out", help="write the summary here")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="show pytest's output"
    )
    parser.add_argument(
        "--reference",
        action="store_true",
        help="run the files unchanged, against scikit-learn's estimators",
    )
    args, extra = parser.parse_known_args(argv)
    try:
        summary = run(args.files, args.keyword, extra, args.verbose, not args.reference)
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 2
    report(summary)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
