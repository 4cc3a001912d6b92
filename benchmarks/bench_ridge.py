"""Ridge and RidgeCV against scikit-learn, on hard and on ordinary data.

Every case times a whole ``fit`` (validation and set-up included) of
sklreg's and scikit-learn's estimator with the same parameters, one BLAS
thread, in interleaved rounds (see ``_harness.py``); the report is the median
of the per-round ratios ``time(sklreg) / time(scikit-learn)`` and, for
accuracy, each side's largest coefficient error relative to the exact
solution (scikit-learn's SVD solver on the dense data; for RidgeCV, the
chosen alpha against ``GridSearchCV(Ridge(solver="svd"))``).

Usage::

    python benchmarks/bench_ridge.py --rounds 7 --output ridge.md
    python benchmarks/bench_ridge.py --cases raw,sparse
"""

import argparse
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
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV, KFold

import sklreg


def _raw_breast_cancer():
    return load_breast_cancer(return_X_y=True)


def _correlated_raw(n, p, seed=0):
    rng = np.random.RandomState(seed)
    base = rng.randn(n, p // 4 + 1)
    X = np.repeat(base, 4, axis=1)[:, :p] + 1e-3 * rng.randn(n, p)
    X = X * np.logspace(-2, 3, p) + 10.0  # raw scales, uncentred
    y = X @ (rng.randn(p) / np.logspace(-2, 3, p)) + rng.randn(n)
    return X, y


def _ordinary(n, p, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p)
    return X, X @ rng.randn(p) + rng.randn(n)


def _sparse(n, p, density, seed=0):
    rng = np.random.RandomState(seed)
    X = sp.random(n, p, density=density, format="csc", random_state=rng)
    return X, X @ rng.randn(p) + 0.1 * rng.randn(n)


# name: (description, data factory, Ridge parameters)
CASES = {
    "raw": ("breast_cancer raw, α=1, no intercept", _raw_breast_cancer,
            dict(alpha=1.0, fit_intercept=False)),
    "raw_i": ("breast_cancer raw, α=1", _raw_breast_cancer, dict(alpha=1.0)),
    "corr": ("correlated raw-scale 2000×200, α=1e-6",
             lambda: _correlated_raw(2000, 200), dict(alpha=1e-6)),
    "corr_wide": ("correlated raw-scale 300×2000, α=1e-3",
                  lambda: _correlated_raw(300, 2000), dict(alpha=1e-3)),
    "long": ("ordinary 50000×100", lambda: _ordinary(50000, 100), dict(alpha=1.0)),
    "mid": ("ordinary 5000×500", lambda: _ordinary(5000, 500), dict(alpha=1.0)),
    "wide": ("ordinary 200×5000", lambda: _ordinary(200, 5000), dict(alpha=1.0)),
    "tiny": ("ordinary 120×180", lambda: _ordinary(120, 180), dict(alpha=1.0)),
    "sparse": ("sparse CSC 20000×2000, 1%", lambda: _sparse(20000, 2000, 0.01),
               dict(alpha=1.0)),
    "sparse_small": ("sparse CSC 5000×300, 2%", lambda: _sparse(5000, 300, 0.02),
                     dict(alpha=1.0)),
}  # fmt: skip


def _exact_coef(X, y, params):
    Xd = X.toarray() if sp.issparse(X) else X
    return sk.Ridge(solver="svd", **params).fit(Xd, y).coef_


def _rel_err(coef, exact):
    return float(np.abs(coef - exact).max() / np.abs(exact).max())


def run_case(key, rounds):
    label, make, params = CASES[key]
    X, y = make()
    exact = _exact_coef(X, y, params)
    contenders = [
        Contender("scikit-learn", lambda: sk.Ridge(**params).fit(X, y).coef_),
        Contender("sklreg", lambda: sklreg.Ridge(**params).fit(X, y).coef_),
    ]
    timings = time_interleaved(contenders, rounds, reference="scikit-learn")
    ref, ours = timings
    solver = sklreg.Ridge(**params).fit(X, y).solver_
    return [
        label,
        f"{format_seconds(ours.median_time)} ({solver})",
        format_seconds(ref.median_time),
        format_ratio(ours.median_ratio),
        f"{_rel_err(ours.result, exact):.0e}",
        f"{_rel_err(ref.result, exact):.0e}",
    ]


def run_ridgecv(rounds):
    X, y = _correlated_raw(1000, 100, seed=1)
    alphas = np.logspace(-6, 4, 21)
    cv = KFold(5, shuffle=True, random_state=0)
    exact = GridSearchCV(sk.Ridge(solver="svd"), {"alpha": alphas}, cv=cv).fit(X, y)
    contenders = [
        Contender(
            "scikit-learn",
            lambda: (
                GridSearchCV(sk.Ridge(), {"alpha": alphas}, cv=cv)
                .fit(X, y)
                .best_params_["alpha"]
            ),
        ),
        Contender(
            "sklreg", lambda: sklreg.RidgeCV(alphas=alphas, cv=cv).fit(X, y).alpha_
        ),
    ]
    ref, ours = time_interleaved(contenders, rounds, reference="scikit-learn")
    best = exact.best_params_["alpha"]
    return [
        "RidgeCV cv=5, 21 α, correlated raw 1000×100 (vs GridSearchCV(Ridge))",
        format_seconds(ours.median_time),
        format_seconds(ref.median_time),
        format_ratio(ours.median_ratio),
        "same α" if ours.result == best else f"α {ours.result:g} vs {best:g}",
        "same α" if ref.result == best else f"α {ref.result:g} vs {best:g}",
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join([*CASES, "cv"]))
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    rows = []
    for key in args.cases.split(","):
        rows.append(
            run_ridgecv(args.rounds) if key == "cv" else run_case(key, args.rounds)
        )
    header = ["case", "sklreg (solver)", "scikit-learn", "ratio",
              "sklreg error", "scikit-learn error"]  # fmt: skip
    table = markdown_table(header, rows)
    print(table)
    if args.output:
        args.output.write_text(table + "\n")


if __name__ == "__main__":
    main()
