"""Whole ``fit`` of sklreg's Lasso/ElasticNet against scikit-learn's, shape by shape.

The Engine-2 target "never slower than scikit-learn, on any problem shape"
(default parameters, whole ``fit`` with validation and set-up): easy and
hard, tiny and large, dense and sparse, with and without intercept.  Each
row times both estimators interleaved (one BLAS thread, medians of per-round
ratios, see ``_harness.py``) and reports each side's relative suboptimality
against a tight reference solution, so that speed is compared at equal
accuracy::

    .venv/bin/python benchmarks/bench_shapes.py --rounds 7
    .venv/bin/python benchmarks/bench_shapes.py --cases long_easy,tiny --rounds 3
"""

from __future__ import annotations

import argparse
import warnings

import _harness  # noqa: F401  (before numpy: pins the thread pools)
import numpy as np
import scipy.sparse as sp
from _harness import Contender, markdown_table, single_thread, time_interleaved
from sklearn import linear_model as sk
from sklearn.exceptions import ConvergenceWarning

import sklreg


def _uncorrelated(n, p, k, seed, noise=1.0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p)
    w = np.zeros(p)
    w[rng.choice(p, k, replace=False)] = rng.randn(k)
    return X, X @ w + noise * rng.randn(n)


def _correlated(n, p, k, seed, rho=0.9):
    rng = np.random.RandomState(seed)
    Z = rng.randn(n, p)
    X = np.empty_like(Z)
    X[:, 0] = Z[:, 0]
    for j in range(1, p):  # AR(1) columns: corr(X_i, X_j) = rho^|i-j|
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho**2) * Z[:, j]
    w = np.zeros(p)
    w[rng.choice(p, k, replace=False)] = rng.randn(k)
    return X, X @ w + rng.randn(n)


def _sparse(n, p, density, k, seed):
    rng = np.random.RandomState(seed)
    X = sp.random(n, p, density=density, format="csc", random_state=rng)
    w = np.zeros(p)
    w[rng.choice(p, k, replace=False)] = rng.randn(k)
    return X, np.asarray(X @ w).ravel() + 0.1 * rng.randn(n)


def _alpha_max(X, y, fit_intercept):
    yc = y - y.mean() if fit_intercept else y
    xty = np.asarray(X.T @ yc).ravel()
    if fit_intercept and sp.issparse(X):
        xty -= np.asarray(X.mean(axis=0)).ravel() * yc.sum()
    return np.max(np.abs(xty)) / X.shape[0]


# name: (data, alpha as a fraction of alpha_max, l1_ratio, fit_intercept)
CASES = {
    "long_easy": (lambda: _uncorrelated(20000, 1000, 50, 0), 0.1, 1.0, True),
    "mid_easy": (lambda: _uncorrelated(5000, 500, 30, 1), 0.1, 1.0, True),
    "long_corr": (lambda: _correlated(5000, 200, 20, 2), 0.02, 1.0, True),
    "long_narrow": (lambda: _uncorrelated(50000, 100, 20, 3), 0.05, 1.0, True),
    "wide_corr": (lambda: _correlated(200, 2000, 20, 4), 0.05, 1.0, True),
    "gridsearch": (lambda: _uncorrelated(100, 200, 10, 5), 0.1, 1.0, True),
    "gridsearch_enet": (lambda: _uncorrelated(100, 200, 10, 6), 0.1, 0.5, True),
    "tiny": (lambda: _uncorrelated(50, 10, 5, 7), 0.05, 1.0, True),
    "sparse_noint": (lambda: _sparse(20000, 2000, 0.01, 50, 8), 0.1, 1.0, False),
    "sparse_int": (lambda: _sparse(20000, 2000, 0.01, 50, 9), 0.1, 1.0, True),
}


def _objective(X, y, coef, intercept, alpha, l1_ratio):
    r = y - np.asarray(X @ coef).ravel() - intercept
    return (
        0.5 * r @ r / X.shape[0]
        + alpha * l1_ratio * np.abs(coef).sum()
        + 0.5 * alpha * (1 - l1_ratio) * coef @ coef
    )


def run_case(name, rounds):
    make, frac, l1_ratio, fit_intercept = CASES[name]
    X, y = make()
    alpha = frac * _alpha_max(X, y, fit_intercept) / l1_ratio
    params = dict(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept)

    def fit(module):
        def run():
            est = module.ElasticNet(**params).fit(X, y)
            return est.coef_.copy(), est.intercept_, est.n_iter_

        return run

    with warnings.catch_warnings(), single_thread():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = sk.ElasticNet(tol=1e-12, max_iter=100000, **params).fit(X, y)
        best = _objective(X, y, ref.coef_, ref.intercept_, alpha, l1_ratio)
        timings = time_interleaved(
            [Contender("scikit-learn", fit(sk)), Contender("sklreg", fit(sklreg))],
            rounds,
            reference="scikit-learn",
            log=lambda msg: None,
        )
    row = {"case": name, "shape": "x".join(map(str, X.shape))}
    for t in timings:
        coef, intercept, n_iter = t.result
        sub = (_objective(X, y, coef, intercept, alpha, l1_ratio) - best) / abs(best)
        row[t.name] = (t.median_time, max(sub, 0.0), n_iter)
    row["ratio"] = timings[1].median_ratio
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cases", default=",".join(CASES))
    args = parser.parse_args(argv)
    rows = []
    for name in args.cases.split(","):
        r = run_case(name, args.rounds)
        sk_t, sk_sub, sk_it = r["scikit-learn"]
        us_t, us_sub, us_it = r["sklreg"]
        rows.append(
            [
                name,
                r["shape"],
                f"{sk_t * 1e3:.1f} ms ({sk_it} ep, {sk_sub:.0e})",
                f"{us_t * 1e3:.1f} ms ({us_it} ep, {us_sub:.0e})",
                f"{r['ratio']:.2f}x",
            ]
        )
        print(" | ".join(rows[-1]), flush=True)
    print()
    header = ["case", "shape", "scikit-learn", "sklreg", "sklreg / scikit-learn"]
    print(markdown_table(header, rows))


if __name__ == "__main__":
    main()
