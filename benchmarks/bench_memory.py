"""Peak extra memory of a sparse Lasso fit: sklreg against scikit-learn.

Each fit runs in a fresh process on the same CSC matrix (built from a seed,
so both libraries see identical data).  The process first fits a tiny
problem (numba's compiled kernels are loaded, scikit-learn's imports done),
then builds ``X`` and ``y``, starts :mod:`tracemalloc` and fits.  The peak
of traced allocations during ``fit`` is the extra memory of the fit: numpy
and scipy report every array buffer to tracemalloc, so a copy of ``X``'s
arrays shows as ``X``'s size.  Peak resident memory (``ru_maxrss``) of each
process is printed too, as a cross-check that includes non-Python memory.

Usage::

    .venv/bin/python benchmarks/bench_memory.py                  # 20000x50000, 1e6 nnz
    .venv/bin/python benchmarks/bench_memory.py --nnz 2000000 --weights
    .venv/bin/python benchmarks/bench_memory.py --quick          # small smoke run

Memory is measured, not time: the numbers do not depend on machine load.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

_CHILD = r"""
import json, resource, sys, tracemalloc
import numpy as np
import scipy.sparse as sp

lib, n, p, nnz, alpha_frac, weights, fit_intercept = sys.argv[1:8]
n, p, nnz = int(n), int(p), int(nnz)
alpha_frac = float(alpha_frac)
weights, fit_intercept = weights == "1", fit_intercept == "1"
if lib == "sklearn":
    from sklearn.linear_model import Lasso
else:
    sys.path.insert(0, sys.argv[8])
    from sklreg.linear_model import Lasso

def make(n, p, nnz, seed):
    rng = np.random.RandomState(seed)
    rows = rng.randint(0, n, nnz)
    cols = rng.randint(0, p, nnz)
    X = sp.csc_matrix((rng.randn(nnz), (rows, cols)), shape=(n, p))
    X.sum_duplicates()
    w = np.zeros(p)
    w[rng.choice(p, 50, replace=False)] = rng.randn(50)
    y = X @ w + 0.1 * rng.randn(n)
    sw = rng.uniform(0.5, 2.0, n) if weights else None
    return X, y, sw

# warm-up: imports, numba's cached kernels, scikit-learn's Cython
Xs, ys, sws = make(200, 50, 2000, 1)
Lasso(alpha=0.01, fit_intercept=fit_intercept).fit(Xs, ys, sample_weight=sws)

X, y, sw = make(n, p, nnz, 0)
yc = y - (np.average(y, weights=sw) if fit_intercept else 0.0)
sw_ = np.ones(n) if sw is None else sw * (n / sw.sum())
alpha_max = np.abs(X.T @ (sw_ * yc)).max() / n
x_bytes = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
est = Lasso(alpha=alpha_frac * alpha_max, fit_intercept=fit_intercept)
tracemalloc.start()
est.fit(X, y, sample_weight=sw)
current, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
print(json.dumps({
    "lib": lib,
    "x_mb": x_bytes / 2**20,
    "peak_extra_mb": peak / 2**20,
    "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10,
    "n_iter": int(np.max(est.n_iter_)),
    "nnz_coef": int(np.count_nonzero(est.coef_)),
}))
"""


def measure(lib, args):
    repo = args.sklreg_path or str(Path(__file__).resolve().parents[1])
    cmd = [
        sys.executable,
        "-c",
        _CHILD,
        lib,
        str(args.n_samples),
        str(args.n_features),
        str(args.nnz),
        str(args.alpha_frac),
        "1" if args.weights else "0",
        "0" if args.no_intercept else "1",
        repo,
    ]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-samples", type=int, default=20_000)
    parser.add_argument("--n-features", type=int, default=50_000)
    parser.add_argument("--nnz", type=int, default=1_000_000)
    parser.add_argument(
        "--alpha-frac", type=float, default=0.05, help="alpha / alpha_max"
    )
    parser.add_argument("--weights", action="store_true", help="sample weights")
    parser.add_argument("--no-intercept", action="store_true")
    parser.add_argument("--quick", action="store_true", help="2000x5000, 1e5 nnz")
    parser.add_argument(
        "--sklreg-path", help="checkout whose sklreg is measured (default: this one)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.n_samples, args.n_features, args.nnz = 2000, 5000, 100_000
    rows = [measure(lib, args) for lib in ("sklearn", "sklreg")]
    print(
        f"sparse Lasso fit, CSC X {args.n_samples}x{args.n_features}, "
        f"nnz={args.nnz} ({rows[0]['x_mb']:.1f} MB), weights={args.weights}, "
        f"fit_intercept={not args.no_intercept}, alpha=alpha_max*{args.alpha_frac}"
    )
    print("| library | peak extra (tracemalloc) | peak RSS | epochs | non-zeros |")
    print("| --- | --- | --- | --- | --- |")
    for r in rows:
        print(
            f"| {r['lib']} | {r['peak_extra_mb']:.1f} MB | {r['max_rss_mb']:.0f} MB "
            f"| {r['n_iter']} | {r['nnz_coef']} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
