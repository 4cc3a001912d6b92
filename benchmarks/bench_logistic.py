"""LogisticRegression against scikit-learn's solvers, skglm and celer.

Every case times a whole ``fit`` of each contender on the same objective,
scikit-learn's ``C * sum_i logloss_i + (1 - l1_ratio)/2 ||W||^2 + l1_ratio
||W||_1`` (skglm's ``alpha = 1 / (C n)`` on its mean loss; celer only where
there is no intercept, which it does not fit), one BLAS thread, interleaved
rounds (see ``_harness.py``).  The report is the median of the per-round
ratios ``time(contender) / time(scikit-learn's first solver)`` and each
contender's suboptimality ``(P - P*) / P*``, with ``P*`` the smallest
objective found by anyone, sklreg's ``tol=1e-12`` fit included.

Usage::

    python benchmarks/bench_logistic.py --rounds 5 --output logistic.md
    python benchmarks/bench_logistic.py --quick --rounds 1   # smoke run
"""

import argparse
import importlib.util
import warnings
from pathlib import Path

import _harness  # noqa: F401  (before numpy: pins the thread pools)
import numpy as np
import scipy.sparse as sp
import sklearn.linear_model as sk
from _harness import (
    Contender,
    format_ratio,
    format_seconds,
    markdown_table,
    time_interleaved,
)
from scipy.special import logsumexp
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

import sklreg


def _dense(n, p, n_classes, seed=0):
    return make_classification(
        n, p, n_informative=min(p // 2, 20), n_redundant=0, n_classes=n_classes,
        n_clusters_per_class=1, flip_y=0.05, random_state=seed,
    )  # fmt: skip


def _sparse(n, p, density, seed=0):
    rng = np.random.RandomState(seed)
    X = sp.random(n, p, density=density, format="csr", random_state=rng)
    w = np.zeros(p)
    w[: p // 20] = rng.randn(p // 20) * 5
    y = (X @ w + 0.5 * rng.randn(n) > 0).astype(int)
    return X, y


# name: (description, data factory(scale), C, l1_ratio, fit_intercept,
#        scikit-learn solvers)
CASES = {
    "bin_l2": ("binary L2, dense 5000×200", lambda s: _dense(5000 // s, 200 // s, 2),
               1.0, 0.0, True, ["lbfgs", "newton-cholesky"]),
    "bin_l1": ("binary L1, dense 2000×1000", lambda s: _dense(2000 // s, 1000 // s, 2),
               0.05, 1.0, True, ["liblinear", "saga"]),
    "bin_l1_noint": ("binary L1, dense 2000×1000, no intercept",
                     lambda s: _dense(2000 // s, 1000 // s, 2),
                     0.05, 1.0, False, ["liblinear", "saga"]),
    "enet": ("binary elastic net 0.5, dense 2000×500",
             lambda s: _dense(2000 // s, 500 // s, 2), 0.1, 0.5, True, ["saga"]),
    "multi_l2": ("4 classes L2, dense 3000×100",
                 lambda s: _dense(3000 // s, 100 // s, 4), 1.0, 0.0, True, ["lbfgs"]),
    "multi_l1": ("4 classes L1, dense 2000×200",
                 lambda s: _dense(2000 // s, 200 // s, 4), 0.1, 1.0, True, ["saga"]),
    "sparse_l1": ("binary L1, sparse CSR 20000×5000, 1%",
                  lambda s: _sparse(20000 // s, 5000 // s, 0.01),
                  1.0, 1.0, True, ["liblinear", "saga"]),
}  # fmt: skip


def objective(coef, intercept, X, y, C, l1_ratio):
    """scikit-learn's objective at ``(coef, intercept)``."""
    coef = np.atleast_2d(coef)
    Z = np.asarray(X @ coef.T) + intercept
    classes = np.unique(y)
    if coef.shape[0] == 1:
        z, t = Z[:, 0], (y == classes[1])
        loss = np.logaddexp(0, z) - t * z
    else:
        loss = logsumexp(Z, axis=1) - Z[np.arange(len(y)), np.searchsorted(classes, y)]
    pen = l1_ratio * np.abs(coef).sum() + 0.5 * (1 - l1_ratio) * (coef**2).sum()
    return C * float(loss.sum()) + pen


def _fitted(est):
    return est.coef_, np.atleast_1d(est.intercept_)


def contenders(X, y, C, l1_ratio, fit_intercept, solvers, tol):
    n = X.shape[0]
    out = []
    for solver in solvers:
        params = dict(C=C, l1_ratio=l1_ratio, fit_intercept=fit_intercept, tol=tol)
        if solver == "liblinear":
            params["intercept_scaling"] = 1e3  # its intercept is penalised
        out.append(Contender(
            f"scikit-learn {solver}",
            lambda p=params, s=solver: _fitted(
                sk.LogisticRegression(solver=s, max_iter=10_000, **p).fit(X, y)
            ),
        ))  # fmt: skip
    out.append(Contender(
        "sklreg",
        lambda: _fitted(sklreg.LogisticRegression(
            C=C, l1_ratio=l1_ratio, fit_intercept=fit_intercept, tol=tol
        ).fit(X, y)),
    ))  # fmt: skip
    binary = np.unique(y).size == 2
    if binary and l1_ratio > 0 and importlib.util.find_spec("skglm"):
        import skglm

        out.append(Contender(
            "skglm",
            lambda: _fitted(skglm.SparseLogisticRegression(
                alpha=1.0 / (C * n), l1_ratio=l1_ratio, tol=tol,
                fit_intercept=fit_intercept, max_iter=100,
            ).fit(X, y)),
        ))  # fmt: skip
    if (
        binary
        and l1_ratio == 1
        and not fit_intercept
        and importlib.util.find_spec("celer")
    ):
        import celer

        out.append(Contender(
            "celer",
            lambda: _fitted(celer.LogisticRegression(C=C, tol=tol).fit(X, y)),
        ))  # fmt: skip
    return out


def run_case(key, rounds, scale, tol):
    label, make, C, l1_ratio, fit_intercept, solvers = CASES[key]
    X, y = make(scale)
    cs = contenders(X, y, C, l1_ratio, fit_intercept, solvers, tol)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", FutureWarning)
        timings = time_interleaved(cs, rounds, reference=cs[0].name)
        best = sklreg.LogisticRegression(
            C=C, l1_ratio=l1_ratio, fit_intercept=fit_intercept, tol=1e-12,
            max_iter=1000,
        ).fit(X, y)  # fmt: skip
    objs = {
        t.name: objective(*t.result, X, y, C, l1_ratio)
        for t in timings
        if t.result is not None
    }
    p_star = min([objective(*_fitted(best), X, y, C, l1_ratio), *objs.values()])
    rows = []
    for t in timings:
        gap = (objs[t.name] - p_star) / abs(p_star) if t.name in objs else np.nan
        rows.append([
            label if not rows else "",
            t.name,
            format_seconds(t.median_time) if t.error is None else t.error[:40],
            format_ratio(t.median_ratio),
            f"{gap:.0e}",
        ])  # fmt: skip
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tol", type=float, default=1e-4)
    parser.add_argument("--quick", action="store_true", help="data 10x smaller")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    scale = 10 if args.quick else 1
    rows = []
    for key in args.cases.split(","):
        rows.extend(run_case(key, args.rounds, scale, args.tol))
    header = ["case", "contender", "time", "ratio", "suboptimality"]
    table = markdown_table(header, rows)
    print(table)
    if args.output:
        args.output.write_text(table + "\n")


if __name__ == "__main__":
    main()
