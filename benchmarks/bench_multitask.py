"""Multi-task Lasso (+CV) and ``Lasso(penalty_factor=...)`` against their references.

Rows (whole ``fit``, validation and set-up included, one BLAS thread,
contenders interleaved, medians of per-round ratios: ``_harness.py``):

* ``mtl``: ``MultiTaskLasso`` on dense 200 x 5000 data with 10 tasks at
  ``alpha_max / 10`` (default ``tol``), sklreg against scikit-learn (and
  celer's / skglm's multi-task Lasso when installed);
* ``mtl_cv``: ``MultiTaskLassoCV`` (5 folds, 30 alphas) on 200 x 1000, 5 tasks
  (``--quick``: 10 alphas, 3 folds);
* ``pf``: ``Lasso(penalty_factor=f)`` against a plain ``Lasso`` of the same
  support size (f: a few unpenalised features, the others 1), dense 500 x
  2000.

Each row reports the relative suboptimality of each contender's objective
against a tight scikit-learn solution, so that speeds compare at equal
accuracy::

    .venv/bin/python benchmarks/bench_multitask.py --rounds 5
    .venv/bin/python benchmarks/bench_multitask.py --quick --rounds 3
"""

from __future__ import annotations

import argparse
import importlib.util
import warnings

import _harness  # noqa: F401  (before numpy: pins the thread pools)
import numpy as np
from _harness import Contender, markdown_table, single_thread, time_interleaved
from sklearn import linear_model as sk
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold

import sklreg


def _mt_data(n, p, T, k, seed):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p)
    W = np.zeros((p, T))
    W[rng.choice(p, k, replace=False)] = rng.randn(k, T)
    return np.asfortranarray(X), X @ W + rng.randn(n, T)


def _mt_objective(X, Y, coef, intercept, alpha):
    R = Y - X @ coef.T - intercept
    return 0.5 * np.sum(R * R) / X.shape[0] + alpha * np.linalg.norm(coef, axis=0).sum()


def _mt_alpha_max(X, Y):
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    return np.linalg.norm(Xc.T @ Yc, axis=1).max() / X.shape[0]


def _peers_mtl(alpha):
    """celer's / skglm's multi-task Lasso, when installed."""
    peers = []
    if importlib.util.find_spec("celer") is not None:
        import celer

        def fit_celer(X, Y):
            est = celer.MultiTaskLasso(alpha=alpha, fit_intercept=True).fit(X, Y)
            return est.coef_.copy(), est.intercept_

        peers.append(("celer", fit_celer))
    if importlib.util.find_spec("skglm") is not None:
        import skglm

        def fit_skglm(X, Y):
            est = skglm.MultiTaskLasso(alpha=alpha, fit_intercept=True).fit(X, Y)
            return est.coef_.copy(), est.intercept_

        peers.append(("skglm", fit_skglm))
    return peers


def row_mtl(rounds, quick):
    n, p, T = (200, 2000, 10) if quick else (200, 5000, 10)
    X, Y = _mt_data(n, p, T, 20, 0)
    alpha = 0.1 * _mt_alpha_max(X, Y)
    contenders = []
    for name, module in (("scikit-learn", sk), ("sklreg", sklreg)):

        def run(module=module):
            est = module.MultiTaskLasso(alpha=alpha).fit(X, Y)
            return est.coef_.copy(), est.intercept_

        contenders.append(Contender(name, run))

    def run_tight():  # the accuracy skglm's default stopping rule reaches
        est = sklreg.MultiTaskLasso(alpha=alpha, tol=1e-9).fit(X, Y)
        return est.coef_.copy(), est.intercept_

    contenders.append(Contender("sklreg tol=1e-9", run_tight))
    for name, fit in _peers_mtl(alpha):
        contenders.append(Contender(name, lambda fit=fit: fit(X, Y)))
    ref = sk.MultiTaskLasso(alpha=alpha, tol=1e-10, max_iter=100_000).fit(X, Y)
    best = _mt_objective(X, Y, ref.coef_, ref.intercept_, alpha)
    timings = time_interleaved(
        contenders, rounds, reference="scikit-learn", log=lambda m: None
    )
    out = {}
    for t in timings:
        if t.result is None:  # a peer that fails on this scikit-learn
            out[t.name] = (np.nan, np.nan, np.nan, f" failed: {t.error[:60]}")
            continue
        coef, intercept = t.result
        sub = (_mt_objective(X, Y, coef, intercept, alpha) - best) / best
        out[t.name] = (t.median_time, max(sub, 0.0), t.median_ratio)
    return f"MultiTaskLasso {n}x{p}, {T} tasks", out


def row_mtl_cv(rounds, quick):
    n, p, T = 200, 1000, 5
    X, Y = _mt_data(n, p, T, 15, 1)
    n_alphas, n_folds = (10, 3) if quick else (30, 5)
    folds = list(KFold(n_folds, shuffle=True, random_state=0).split(X))
    contenders = []
    for name, module in (("scikit-learn", sk), ("sklreg", sklreg)):

        def run(module=module):
            est = module.MultiTaskLassoCV(alphas=n_alphas, cv=folds).fit(X, Y)
            return est.coef_.copy(), est.intercept_, est.alpha_

        contenders.append(Contender(name, run))
    timings = time_interleaved(
        contenders, rounds, reference="scikit-learn", log=lambda m: None
    )
    alpha = timings[0].result[2]
    ref = sk.MultiTaskLasso(alpha=alpha, tol=1e-10, max_iter=100_000).fit(X, Y)
    best = _mt_objective(X, Y, ref.coef_, ref.intercept_, alpha)
    out = {}
    for t in timings:
        coef, intercept, a = t.result
        sub = (_mt_objective(X, Y, coef, intercept, alpha) - best) / best
        note = "" if a == alpha else f" (alpha_ {a:.3g})"
        out[t.name] = (t.median_time, max(sub, 0.0), t.median_ratio, note)
    return f"MultiTaskLassoCV {n}x{p}, {T} tasks, {n_folds}x{n_alphas}", out


def row_penalty_factor(rounds, quick):
    rng = np.random.RandomState(2)
    n, p = (300, 1000) if quick else (500, 2000)
    X = np.asfortranarray(rng.randn(n, p))
    w = np.zeros(p)
    w[:20] = rng.randn(20)
    y = X @ w + rng.randn(n)
    f = np.ones(p)
    f[:5] = 0.0  # five unpenalised "confounders"
    alpha_plain = 0.05 * np.abs(X.T @ (y - y.mean())).max() / n
    plain = sklreg.Lasso(alpha=alpha_plain).fit(X, y)
    # the weighted model at an alpha with the plain model's support size
    target = np.count_nonzero(plain.coef_)
    lo, hi = alpha_plain / 10, alpha_plain * 10
    for _ in range(30):
        mid = np.sqrt(lo * hi)
        k = np.count_nonzero(sklreg.Lasso(alpha=mid, penalty_factor=f).fit(X, y).coef_)
        lo, hi = (mid, hi) if k > target else (lo, mid)
    alpha_pf = hi

    def run_plain():
        est = sklreg.Lasso(alpha=alpha_plain).fit(X, y)
        return est.coef_.copy(), est.n_iter_

    def run_pf():
        est = sklreg.Lasso(alpha=alpha_pf, penalty_factor=f).fit(X, y)
        return est.coef_.copy(), est.n_iter_

    timings = time_interleaved(
        [Contender("Lasso", run_plain), Contender("Lasso(penalty_factor)", run_pf)],
        rounds,
        reference="Lasso",
        log=lambda m: None,
    )
    out = {}
    for t in timings:
        coef, n_iter = t.result
        out[t.name] = (t.median_time, np.count_nonzero(coef), t.median_ratio, n_iter)
    return f"Lasso vs Lasso(penalty_factor) {n}x{p}", out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="smaller problems")
    parser.add_argument("--rows", default="mtl,mtl_cv,pf")
    args = parser.parse_args(argv)
    rows = []
    with warnings.catch_warnings(), single_thread():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for key in args.rows.split(","):
            if key == "pf":
                title, out = row_penalty_factor(args.rounds, args.quick)
                for name, (t, k, ratio, n_iter) in out.items():
                    rows.append(
                        [title, name, f"{t * 1e3:.1f} ms", f"{k} non-zeros, "
                         f"{n_iter} ep", f"{ratio:.2f}x"]
                    )  # fmt: skip
            else:
                fn = row_mtl if key == "mtl" else row_mtl_cv
                title, out = fn(args.rounds, args.quick)
                for name, vals in out.items():
                    t, sub, ratio = vals[:3]
                    note = vals[3] if len(vals) > 3 else ""
                    rows.append(
                        [title, name, f"{t * 1e3:.1f} ms", f"{sub:.0e}{note}",
                         f"{ratio:.2f}x"]
                    )  # fmt: skip
            for r in rows[-len(out) :]:
                print(" | ".join(r), flush=True)
    print()
    header = ["problem", "contender", "median fit", "rel. subopt.", "ratio"]
    print(markdown_table(header, rows))


if __name__ == "__main__":
    main()
