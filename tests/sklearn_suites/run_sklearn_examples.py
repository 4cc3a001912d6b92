"""Run scikit-learn's linear-model example scripts with sklreg's estimators.

Each script of :data:`EXAMPLES` (from ``examples/linear_model/`` of
scikit-learn's source distribution; none needs a download) runs twice in a
fresh process: unchanged, and with every name of ``sklearn.linear_model``
that sklreg also provides (``sklreg.linear_model.__all__``) rebound to
sklreg's before the script's imports run, so ``from sklearn.linear_model
import Lasso`` gives sklreg's ``Lasso``; the names sklreg does not have
(``LassoLarsIC``, ``ARDRegression``...) stay scikit-learn's.  Figures go to
matplotlib's Agg backend.

The script then compares the two runs: the numbers each prints (timings —
numbers followed by ``s`` or on a line that speaks of time — are left out;
two numbers below 1e-10 count as equal), what each computes (the script's
numeric globals, the ``coef_``/``intercept_``/``alpha_`` of its fitted
estimators, and the data of every figure: lines, scatter points, bars,
images; each compared relative to its largest entry), the
ConvergenceWarnings raised, and the wall time of the whole process.

The examples are not in scikit-learn's wheel: pass ``--examples DIR`` (a
scikit-learn checkout's ``examples/linear_model``) or ``--download``, which
fetches the source distribution of the installed scikit-learn version from
PyPI into ``~/.cache/sklreg``.

Usage::

    python tests/sklearn_suites/run_sklearn_examples.py --download
    python tests/sklearn_suites/run_sklearn_examples.py --examples DIR -k ridge
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

EXAMPLES = (
    "plot_elastic_net_precomputed_gram_matrix_with_weighted_samples.py",
    "plot_huber_vs_ridge.py",
    "plot_lasso_and_elasticnet.py",
    "plot_lasso_dense_vs_sparse_data.py",
    "plot_lasso_lasso_lars_elasticnet_path.py",
    "plot_lasso_model_selection.py",
    "plot_multi_task_lasso_support.py",
    "plot_polynomial_interpolation.py",
    "plot_ridge_coeffs.py",
    "plot_ridge_path.py",
)

_BOOTSTRAP = """\
import runpy, sys, warnings
import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
plt.show = lambda *a, **k: None
from sklearn.exceptions import ConvergenceWarning
n_warn = [0]
def _count(message, category, *args, **kwargs):
    if issubclass(category, ConvergenceWarning):
        n_warn[0] += 1
warnings.showwarning = _count
warnings.simplefilter("always", ConvergenceWarning)
if sys.argv[2] == "sklreg":
    import sklearn.linear_model as lm
    import sklreg.linear_model as ours
    for name in ours.__all__:
        if hasattr(lm, name):
            setattr(lm, name, getattr(ours, name))
env = runpy.run_path(sys.argv[1], run_name="__main__")
# what the script computed: numeric globals, fitted coefficients, and the
# data of every figure (lines, scatter offsets, bar heights, images)
found = {}
def keep(key, value):
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return
    if arr.size and np.isfinite(arr).any():
        found[key] = arr
for name, value in env.items():
    if name.startswith("_") or any(t in name.lower() for t in ("time", "dur")):
        continue
    if isinstance(value, (float, np.floating, np.ndarray)):
        keep(name, value)
    for attr in ("coef_", "intercept_", "alpha_", "alphas_", "mse_path_"):
        if hasattr(value, attr) and hasattr(value, "fit"):
            keep(name + "." + attr, getattr(value, attr))
for f in plt.get_fignums():
    for a, ax in enumerate(plt.figure(f).axes):
        for i, line in enumerate(ax.get_lines()):
            keep(f"fig{f}.ax{a}.line{i}", line.get_xydata())
        for i, coll in enumerate(ax.collections):
            keep(f"fig{f}.ax{a}.coll{i}", coll.get_offsets())
        heights = [p.get_height() for p in ax.patches if hasattr(p, "get_height")]
        keep(f"fig{f}.ax{a}.bars", heights)
        for i, im in enumerate(ax.images):
            keep(f"fig{f}.ax{a}.image{i}", im.get_array())
np.savez(sys.argv[3], **found)
print("@@convergence_warnings", n_warn[0])
"""

_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
_TIMING = re.compile(r"time|second|duration|took", re.IGNORECASE)


def download_examples():
    """``examples/linear_model`` of the installed scikit-learn's sdist."""
    import sklearn

    version = sklearn.__version__
    cache = Path.home() / ".cache" / "sklreg" / f"scikit-learn-{version}"
    target = cache / "examples" / "linear_model"
    if target.is_dir():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    index = urllib.request.urlopen("https://pypi.org/simple/scikit-learn/").read()
    name = f"scikit_learn-{version}.tar.gz"
    match = re.search(rf'href="([^"]*{re.escape(name)})[#"]', index.decode())
    if match is None:
        raise SystemExit(f"no source distribution {name} on PyPI")
    archive = cache / name
    urllib.request.urlretrieve(match.group(1), archive)
    prefix = f"scikit_learn-{version}/examples/linear_model/"
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            if member.name.startswith(prefix) and member.isfile():
                member.name = "examples/linear_model/" + member.name[len(prefix) :]
                tar.extract(member, cache, filter="data")
    return target


def run_one(script, flavour, results):
    """Run ``script`` as ``"sklearn"`` or ``"sklreg"``.

    Returns ``(lines, n_convergence_warnings, seconds, arrays)``, or
    ``(None, stderr, seconds, None)`` if the script failed.
    """
    env = dict(os.environ, MPLBACKEND="Agg")
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", _BOOTSTRAP, str(script), flavour, str(results)],
        capture_output=True,
        text=True,
        cwd=script.parent,
        env=env,
    )
    seconds = time.perf_counter() - start
    if out.returncode != 0:
        return None, out.stderr[-2000:], seconds, None
    lines = out.stdout.splitlines()
    n_warn = int(lines.pop().split()[1])
    with np.load(results) as data:
        arrays = dict(data)
    return lines, n_warn, seconds, arrays


def compare_arrays(ref, ours):
    """Largest difference of the common results, relative to each one's scale."""
    worst, differing = 0.0, []
    for key in sorted(set(ref) & set(ours)):
        a, b = ref[key], ours[key]
        if a.shape != b.shape:
            differing.append(f"  {key}: shape {a.shape} vs {b.shape}")
            worst = float("inf")
            continue
        scale = np.nanmax(np.abs(a)) if np.isfinite(a).any() else 1.0
        diff = np.nanmax(np.abs(a - b)) / max(scale, 1e-300)
        if diff > 1e-6:
            differing.append(f"  {key}: relative difference {diff:.1e}")
        worst = max(worst, float(diff))
    return worst, differing


def numbers(line):
    """The numbers of an output line, timings left out."""
    if _TIMING.search(line):
        return []
    values = []
    for m in _NUMBER.finditer(line):
        tail = line[m.end() : m.end() + 1]
        if tail == "s":  # "0.12s"
            continue
        values.append(float(m.group()))
    return values


def _pair(ref_line, our_line):
    return f"  sklearn: {ref_line}\n  sklreg:  {our_line}"


def compare(ref_lines, our_lines):
    """Largest relative difference between the printed numbers, and the lines."""
    ref = [numbers(line) for line in ref_lines]
    ours = [numbers(line) for line in our_lines]
    worst, differing = 0.0, []
    if len(ref) != len(ours):
        return float("inf"), ["different number of output lines"]
    for k, (a, b) in enumerate(zip(ref, ours, strict=True)):
        if len(a) != len(b):
            differing.append(_pair(ref_lines[k], our_lines[k]))
            worst = float("inf")
            continue
        for x, y in zip(a, b, strict=True):
            # two numbers below 1e-10 are both zero to print precision
            if max(abs(x), abs(y)) < 1e-10:
                continue
            rel = abs(x - y) / max(abs(x), abs(y))
            if rel > 1e-6:
                differing.append(_pair(ref_lines[k], our_lines[k]))
            worst = max(worst, rel)
    return worst, differing


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=Path, help="examples/linear_model dir")
    parser.add_argument("--download", action="store_true")
    parser.add_argument("-k", default="", help="substring of the script names")
    parser.add_argument("--json", dest="json_out", type=Path)
    args = parser.parse_args(argv)
    if args.examples is None:
        if not args.download:
            parser.error("give --examples DIR or --download")
        args.examples = download_examples()
    summary = {}
    tmp = Path(tempfile.mkdtemp())
    for name in EXAMPLES:
        if args.k not in name:
            continue
        script = args.examples / name
        ref, ref_warn, ref_s, ref_arr = run_one(script, "sklearn", tmp / "ref.npz")
        ours, our_warn, our_s, our_arr = run_one(script, "sklreg", tmp / "ours.npz")
        if ref is None or ours is None:
            err = ref_warn if ref is None else our_warn
            print(f"{name}: FAILED to run\n{err.strip().splitlines()[-1]}")
            summary[name] = {"ran": False}
            continue
        printed, printed_diff = compare(ref, ours)
        computed, computed_diff = compare_arrays(ref_arr, our_arr)
        n_printed = sum(len(numbers(line)) for line in ref)
        print(
            f"{name}:\n  printed numbers: {n_printed}, max relative difference "
            f"{printed:.1e}; computed results: {len(set(ref_arr) & set(our_arr))}, "
            f"max relative difference {computed:.1e}\n"
            f"  ConvergenceWarnings {ref_warn} (sklearn) / {our_warn} (sklreg); "
            f"wall {ref_s:.1f} s / {our_s:.1f} s (whole process)"
        )
        for line in (printed_diff + computed_diff)[:8]:
            print(line)
        summary[name] = {
            "ran": True,
            "printed_max_rel_diff": printed,
            "computed_max_rel_diff": computed,
            "warnings": [ref_warn, our_warn],
            "seconds": [ref_s, our_s],
        }
    if args.json_out:
        args.json_out.write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
