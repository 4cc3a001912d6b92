"""Benchmark sklreg's linear models against scikit-learn, celer, skglm and glmnet.

Reproduce the full table (about ten minutes on two cores)::

    .venv/bin/python benchmarks/bench_linear.py --rounds 5

Pick rows, or a smoke run on small data::

    .venv/bin/python benchmarks/bench_linear.py --rows a,c,d,e,f
    .venv/bin/python benchmarks/bench_linear.py --quick --rounds 2

celer, skglm and python-glmnet are optional: a missing one is left out with a
note, and so is a missing sklreg name.  Every library runs on one thread
(``threadpool_limits(1)``, ``NUMBA_NUM_THREADS=1``); see ``benchmarks/README.md``
for the protocol.  The table is printed and written to
``benchmarks/output/linear.md``.

Rows
----
a  Lasso, dense p>>n: 200x5000, Toeplitz rho=0.5, 100 true non-zeros, alpha_max/20
b  Lasso path: 50 alphas from alpha_max to alpha_max/100 on the data of (a)
c  Lasso, sparse CSC 20000x50000 with 1e6 non-zeros: alpha_max/20 and alpha_max/100
d  Lasso, dense n>>p: 50000x100, alpha_max/20
e  ElasticNet l1_ratio=0.5 on the data of (a)
f  Ridge n>>p: 50000x100, alpha=1.0
g  LassoCV, 5 folds, default grid, 300x2000
h  cold start: first Lasso fit in a fresh process (numba cache already warm)
i  GridSearchCV(Lasso(), 30 alphas, cv=5, n_jobs=2) with loky process workers
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import importlib
import json
import os
import platform
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import _harness  # noqa: F401  (before numpy: pins the thread pools)
import numpy as np
import scipy.sparse as sp
import sklearn
from _harness import (
    Contender,
    Timing,
    format_float,
    format_ratio,
    format_seconds,
    markdown_table,
    run_fresh_python,
    time_interleaved,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet as SkElasticNet
from sklearn.linear_model import Lasso as SkLasso
from sklearn.linear_model import LassoCV as SkLassoCV
from sklearn.linear_model import Ridge as SkRidge
from sklearn.linear_model import lasso_path as sk_lasso_path

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "output"
REF_CACHE = OUTPUT / "reference_cache"
SKLEARN = "scikit-learn"
# The reference ("very tight") solve: scikit-learn's coordinate descent at
# tol=1e-12, cross-checked against celer at the same tol when celer is
# installed; P* is the smallest objective anyone reached.  tol=1e-14 is below
# what double precision reaches on the sparse problem (c): scikit-learn and
# celer both run into max_iter there.  At 1e-12 the certified relative gap is
# ~1e-12, far below the suboptimalities measured at tol=1e-4.
REF_TOL = 1e-12
REF_MAX_ITER = 20_000
# glmnet has no duality-gap tolerance: its `tol` (Fortran `thr`) bounds the
# change of the objective per coordinate update relative to the null
# deviance.  It is calibrated per row: the loosest value of this ladder whose
# suboptimality is no worse than scikit-learn's at the row's `tol`.
GLMNET_TOL_LADDER = (1e-7, 1e-8, 1e-9, 1e-10, 1e-11, 1e-12, 1e-13, 1e-14)

warnings.filterwarnings("ignore", category=ConvergenceWarning)
warnings.filterwarnings("ignore", category=FutureWarning)
warnings.filterwarnings("ignore", category=DeprecationWarning)


def log(msg: str) -> None:
    print(msg, flush=True)


# --------------------------------------------------------------------------
# optional libraries


def optional_module(name: str):
    """Import a peer library, or return None (with a note) when missing."""
    try:
        return importlib.import_module(name)
    except Exception as exc:  # ImportError, or a broken install
        log(f"  note: {name} not available ({type(exc).__name__}: {exc})")
        return None


def sklreg_name(name: str):
    """``sklreg.<name>`` or None (with a printed note) when it does not exist yet."""
    try:
        import sklreg

        return getattr(sklreg, name)
    except Exception as exc:  # AttributeError, ImportError from a lazy import
        log(f"  note: sklreg.{name} not available, skipped ({type(exc).__name__})")
        return None


# --------------------------------------------------------------------------
# data


def toeplitz_data(n, p, rho=0.5, n_nonzero=100, snr=3.0, seed=0):
    """Gaussian X with corr(X_i, X_j) = rho**|i-j|, y = X w* + noise.

    The columns are an AR(1) sequence, which has exactly the Toeplitz
    covariance (same law as ``G @ cholesky(T).T``, without the O(p^3) factor).
    ``snr`` is ||X w*|| / ||noise|| in expectation.  X is C-ordered, as numpy
    hands it to a user.
    """
    rng = np.random.default_rng(seed)
    g = rng.standard_normal((n, p))
    X = np.empty((n, p), order="F")
    X[:, 0] = g[:, 0]
    c = np.sqrt(1.0 - rho**2)
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + c * g[:, j]
    w = np.zeros(p)
    support = rng.choice(p, size=min(n_nonzero, p), replace=False)
    w[support] = rng.standard_normal(support.size)
    signal = X @ w
    sigma = np.linalg.norm(signal) / np.sqrt(n) / snr
    y = signal + sigma * rng.standard_normal(n)
    return np.ascontiguousarray(X), y


def sparse_data(n, p, nnz, n_nonzero=1000, snr=3.0, seed=0):
    """CSC X with ~nnz standard-normal entries at random places, y = X w* + noise."""
    rng = np.random.default_rng(seed)
    X = sp.random(
        n, p, density=nnz / (n * p), format="csc", rng=rng, data_rvs=rng.standard_normal
    )
    X = sp.csc_matrix(X)
    w = np.zeros(p)
    support = rng.choice(p, size=min(n_nonzero, p), replace=False)
    w[support] = rng.standard_normal(support.size)
    signal = X @ w
    sigma = np.linalg.norm(signal) / np.sqrt(n) / snr
    y = signal + sigma * rng.standard_normal(n)
    return X, y


def alpha_max(X, y, fit_intercept=True):
    """Smallest alpha with an all-zero Lasso solution: ||Xc^T (y - ybar)||_inf / n.

    With an intercept, sum(y - ybar) = 0, so X^T (y - ybar) = Xc^T (y - ybar)
    and sparse X needs no centring.
    """
    r = y - y.mean() if fit_intercept else y
    return float(np.max(np.abs(X.T @ r))) / X.shape[0]


def data_key(*parts) -> str:
    text = json.dumps([str(p) for p in parts] + [sklearn.__version__, REF_TOL])
    return hashlib.sha1(text.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------
# objectives and references


def enet_objective(X, y, coef, intercept, alpha, l1_ratio):
    """ElasticNet objective, scikit-learn's scaling.

    1/(2n)||y - Xw - b||^2 + alpha*l1_ratio*||w||_1 + alpha*(1-l1_ratio)/2*||w||^2
    """
    r = y - X @ coef - intercept
    return (
        0.5 * float(r @ r) / X.shape[0]
        + alpha * l1_ratio * float(np.abs(coef).sum())
        + 0.5 * alpha * (1.0 - l1_ratio) * float(coef @ coef)
    )


def ridge_objective(X, y, coef, intercept, alpha):
    """Half scikit-learn's Ridge objective: 1/2||y - Xw - b||^2 + alpha/2 ||w||^2."""
    r = y - X @ coef - intercept
    return 0.5 * float(r @ r) + 0.5 * alpha * float(coef @ coef)


def rel_subopt(value: float, best: float) -> float:
    return (value - best) / abs(best)


def _cached(key: str, compute):
    """Disk cache for the tight reference solves (benchmarks/output is ignored)."""
    REF_CACHE.mkdir(parents=True, exist_ok=True)
    path = REF_CACHE / f"{key}.npz"
    if path.exists():
        with np.load(path) as f:
            return {k: f[k] for k in f.files}
    start = time.perf_counter()
    out = compute()
    log(f"    reference solve: {time.perf_counter() - start:.1f} s (cached in {path})")
    np.savez(path, **out)
    return out


def enet_reference(key, X, y, alpha, l1_ratio, fit_intercept=True):
    """The tight solve of one ElasticNet problem, cached on disk."""

    def compute():
        est = SkElasticNet(
            alpha=alpha,
            l1_ratio=l1_ratio,
            tol=REF_TOL,
            max_iter=REF_MAX_ITER,
            fit_intercept=fit_intercept,
        ).fit(X, y)
        p_sk = enet_objective(X, y, est.coef_, est.intercept_, alpha, l1_ratio)
        out = {
            "coef": est.coef_,
            "intercept": np.asarray(est.intercept_),
            "objective": np.asarray(p_sk),
        }
        log(
            f"    reference: sklearn tol={REF_TOL:g}, n_iter={est.n_iter_}, "
            f"certified gap/P = {est.dual_gap_ / p_sk:.1e}"
        )
        celer = sys.modules.get("celer") or optional_module("celer")
        if celer is not None:
            cls = celer.Lasso if l1_ratio == 1.0 else celer.ElasticNet
            kw = {} if l1_ratio == 1.0 else {"l1_ratio": l1_ratio}
            c = cls(alpha=alpha, tol=REF_TOL, fit_intercept=fit_intercept, **kw)
            c.fit(X, y)
            pc = enet_objective(X, y, c.coef_, c.intercept_, alpha, l1_ratio)
            log(
                f"    reference cross-check: celer - sklearn (both tol={REF_TOL:g}) "
                f"= {rel_subopt(pc, float(out['objective'])):.1e} relative"
            )
            out["objective"] = np.asarray(min(pc, float(out["objective"])))
        return out

    return _cached(key, compute)


def path_reference(key, X, y, alphas):
    """Tight lasso_path (no intercept: X and y are centred by the caller)."""

    def compute():
        _, coefs, _ = sk_lasso_path(
            X, y, alphas=alphas, tol=REF_TOL, max_iter=REF_MAX_ITER
        )
        objs = np.array(
            [
                enet_objective(X, y, coefs[:, k], 0.0, a, 1.0)
                for k, a in enumerate(alphas)
            ]
        )
        return {"coefs": coefs, "objectives": objs}

    return _cached(key, compute)


# --------------------------------------------------------------------------
# results


@dataclass
class Result:
    row: str
    contender: str
    time: float = float("nan")
    ratio: float = float("nan")
    subopt: float | None = None
    note: str = ""

    def cells(self):
        return [
            self.row,
            self.contender,
            format_seconds(self.time),
            format_ratio(self.ratio),
            format_float(self.subopt),
            self.note,
        ]


HEADER = [
    "row",
    "contender",
    "median time",
    "ratio to sklearn",
    "rel. subopt.",
    "notes",
]


def results_from_timings(row, timings: list[Timing], score) -> list[Result]:
    """Turn timings into table rows; ``score(timing) -> (subopt, note)``."""
    out = []
    for t in timings:
        if t.error is not None and not t.times:
            out.append(Result(row, t.name, note=f"failed: {t.error[:120]}"))
            continue
        subopt, note = score(t)
        notes = "; ".join(x for x in (t.note, note) if x)
        if t.error is not None:
            notes += f"; failed in a later round: {t.error[:80]}"
        out.append(Result(row, t.name, t.median_time, t.median_ratio, subopt, notes))
    return out


# Contenders left out by --exclude: "name" (every row) or "row:name".
EXCLUDE: set[str] = set()


def is_excluded(row: str, name: str) -> bool:
    return name in EXCLUDE or f"{row}:{name}" in EXCLUDE


def interleave(label, contenders, args) -> tuple[list[Timing], list[Result]]:
    """time_interleaved over the contenders that --exclude leaves in."""
    row = label[0]
    kept = [c for c in contenders if not is_excluded(row, c.name)]
    skipped = [
        Result(label, c.name, note="not run (--exclude)")
        for c in contenders
        if is_excluded(row, c.name)
    ]
    timings = time_interleaved(kept, args.rounds, reference=SKLEARN, log=log)
    return timings, skipped


# --------------------------------------------------------------------------
# contenders for one (alpha, l1_ratio) problem


def _n_iter(est):
    n_iter = getattr(est, "n_iter_", None)
    return None if n_iter is None else int(np.max(n_iter))


def glmnet_mapping(y, alpha, l1_ratio, fit_intercept=True, sample_scale=None):
    """(glmnet alpha, glmnet lambda) for our ElasticNet (alpha, l1_ratio).

    glmnet's Fortran (elnet) divides y by its (weighted, population) standard
    deviation s_y before solving and divides a user lambda by s_y too.  For the
    L1 part this is exact, but the L2 part comes back scaled by 1/s_y, so the
    problem glmnet solves for (lambda, a) is ours with
    alpha*l1_ratio = lambda*a and alpha*(1-l1_ratio) = lambda*(1-a)/s_y.
    Hence lambda = alpha*l1_ratio + alpha*(1-l1_ratio)*s_y and
    a = alpha*l1_ratio/lambda.  For the Lasso (l1_ratio=1): lambda = alpha.
    Verified numerically by :func:`verify_glmnet_mapping`.
    """
    yc = y - y.mean() if fit_intercept else y
    s_y = float(np.sqrt(np.mean(yc**2)))
    l1 = alpha * l1_ratio
    l2 = alpha * (1.0 - l1_ratio) * s_y
    lam = l1 + l2
    return l1 / lam, lam


def glmnet_fit(glmnet, X, y, alpha, l1_ratio, tol, fit_intercept=True):
    a, lam = glmnet_mapping(y, alpha, l1_ratio, fit_intercept)
    est = glmnet.ElasticNet(
        alpha=a,
        lambda_path=np.array([lam]),
        standardize=False,
        fit_intercept=fit_intercept,
        n_splits=0,
        tol=tol,
        max_iter=10_000_000,
    ).fit(X, y)
    return est.coef_path_[:, 0].copy(), float(est.intercept_path_[0]), est


def calibrate_glmnet(glmnet, X, y, alpha, l1_ratio, target, best, fit_intercept=True):
    """Loosest glmnet tol of the ladder with suboptimality <= target."""
    chosen, sub = GLMNET_TOL_LADDER[-1], None
    for tol in GLMNET_TOL_LADDER:
        coef, b, _ = glmnet_fit(glmnet, X, y, alpha, l1_ratio, tol, fit_intercept)
        sub = rel_subopt(enet_objective(X, y, coef, b, alpha, l1_ratio), best)
        if sub <= target:
            chosen = tol
            break
    log(
        f"    glmnet tol calibrated to {chosen:g} "
        f"(subopt {sub:.1e} <= target {target:.1e})"
    )
    return chosen


def glmnet_path(glmnet, Xc, yc, alphas, tol):
    """glmnet's Lasso path at our alphas (lambda = alpha), on centred data."""
    est = glmnet.ElasticNet(
        alpha=1.0,
        lambda_path=alphas,
        standardize=False,
        fit_intercept=False,
        n_splits=0,
        tol=tol,
        max_iter=10_000_000,
    ).fit(Xc, yc)
    if est.n_lambda_ != len(alphas):
        raise RuntimeError(f"glmnet stopped after {est.n_lambda_} lambdas")
    return est.coef_path_


def calibrate_glmnet_path(glmnet, Xc, yc, alphas, p_ref, target):
    """Loosest glmnet tol whose max suboptimality along the path is <= target."""
    chosen, sub = GLMNET_TOL_LADDER[-1], float("nan")
    for tol in GLMNET_TOL_LADDER:
        coefs = glmnet_path(glmnet, Xc, yc, alphas, tol)
        values = [
            enet_objective(Xc, yc, coefs[:, j], 0.0, a, 1.0)
            for j, a in enumerate(alphas)
        ]
        sub = float(np.max(rel_subopt(np.array(values), p_ref)))
        if sub <= target:
            chosen = tol
            break
    log(
        f"    glmnet path tol calibrated to {chosen:g} "
        f"(max subopt {sub:.1e} <= target {target:.1e})"
    )
    return chosen


def verify_peer_objectives() -> list[str]:
    """Check that each peer solves *our* objective, before trusting a timing.

    On a small Toeplitz problem, every peer is run at a very tight tolerance
    (glmnet through :func:`glmnet_mapping`) for the Lasso and the ElasticNet
    (l1_ratio=0.5), and compared with scikit-learn at tol=1e-14: the relative
    objective difference and the largest coefficient difference.  A wrong
    scaling shows up as a difference of order 1e-2, not 1e-10.
    """
    X, y = toeplitz_data(100, 300, n_nonzero=10, seed=3)
    alpha = alpha_max(X, y) / 10
    lines = []
    for l1_ratio in (1.0, 0.5):
        ref = SkElasticNet(
            alpha=alpha, l1_ratio=l1_ratio, tol=1e-14, max_iter=100_000
        ).fit(X, y)
        p_ref = enet_objective(X, y, ref.coef_, ref.intercept_, alpha, l1_ratio)
        sols = {}
        celer = optional_module("celer")
        if celer is not None:
            est = celer.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-14)
            est.fit(X, y)
            sols["celer"] = (est.coef_, est.intercept_)
        skglm = optional_module("skglm")
        if skglm is not None:
            est = skglm.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-14)
            est.fit(X, y)
            sols["skglm"] = (est.coef_, est.intercept_)
        glmnet = optional_module("glmnet")
        if glmnet is not None:
            coef, b, _ = glmnet_fit(glmnet, X, y, alpha, l1_ratio, 1e-14)
            sols["glmnet"] = (coef, b)
        for name, (coef, b) in sols.items():
            sub = rel_subopt(enet_objective(X, y, coef, b, alpha, l1_ratio), p_ref)
            dcoef = float(np.max(np.abs(coef - ref.coef_)))
            ok = abs(sub) < 1e-8
            lines.append(
                f"{name} l1_ratio={l1_ratio}: objective vs sklearn {sub:+.1e}, "
                f"max |coef diff| {dcoef:.1e} -> {'OK' if ok else 'MISMATCH'}"
            )
    return lines


def single_problem_row(label, X, y, alpha, l1_ratio, args, key) -> list[Result]:
    """Lasso (l1_ratio=1) or ElasticNet at one alpha: every library, same tol."""
    tol = args.tol
    lasso = l1_ratio == 1.0
    ref = enet_reference(key, X, y, alpha, l1_ratio)
    p_best = float(ref["objective"])

    def objective(sol):
        coef, b = sol[0], sol[1]
        return enet_objective(X, y, coef, b, alpha, l1_ratio)

    contenders = []

    def sk_run():
        est = (
            SkLasso(alpha=alpha, tol=tol)
            if lasso
            else SkElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=tol)
        )
        est.fit(X, y)
        return est.coef_, est.intercept_, est

    contenders.append(Contender(SKLEARN, sk_run))

    ours = sklreg_name("Lasso" if lasso else "ElasticNet")
    if ours is not None:

        def sklreg_run():
            est = (
                ours(alpha=alpha, tol=tol)
                if lasso
                else ours(alpha=alpha, l1_ratio=l1_ratio, tol=tol)
            )
            est.fit(X, y)
            return est.coef_, est.intercept_, est

        contenders.append(Contender("sklreg", sklreg_run))

    celer = optional_module("celer")
    if celer is not None:

        def celer_run():
            est = (
                celer.Lasso(alpha=alpha, tol=tol)
                if lasso
                else celer.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=tol)
            )
            est.fit(X, y)
            return est.coef_, est.intercept_, est

        contenders.append(Contender("celer", celer_run))

    skglm = optional_module("skglm")
    if skglm is not None:

        def skglm_run():
            est = (
                skglm.Lasso(alpha=alpha, tol=tol)
                if lasso
                else skglm.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=tol)
            )
            est.fit(X, y)
            return est.coef_, est.intercept_, est

        contenders.append(Contender("skglm", skglm_run, "tol is a KKT bound"))

    glmnet = optional_module("glmnet")
    if glmnet is not None:
        sk_sol = sk_run()
        target = max(rel_subopt(objective(sk_sol), p_best), 1e-15)
        g_tol = (
            args.glmnet_tol
            if args.glmnet_tol
            else calibrate_glmnet(glmnet, X, y, alpha, l1_ratio, target, p_best)
        )

        def glmnet_run():
            return glmnet_fit(glmnet, X, y, alpha, l1_ratio, g_tol)

        contenders.append(Contender("glmnet", glmnet_run, f"glmnet tol={g_tol:g}"))

    timings, skipped = interleave(label, contenders, args)
    # P* is the best objective anyone reached (the reference should be it).
    values = {t.name: objective(t.result) for t in timings if t.result is not None}
    best = min([p_best, *values.values()])
    if best < p_best * (1 - 1e-13):
        log(
            "    warning: a contender beat the reference by "
            f"{rel_subopt(p_best, best):.1e}"
        )

    def score(t):
        coef = t.result[0]
        n_iter = _n_iter(t.result[2]) if len(t.result) > 2 else None
        note = f"nnz={int(np.count_nonzero(coef))}"
        if n_iter is not None:
            note += f", n_iter={n_iter}"
        return rel_subopt(values[t.name], best), note

    return results_from_timings(label, timings, score) + skipped


# --------------------------------------------------------------------------
# rows


def sizes(args):
    if args.quick:
        return {
            "a": (100, 1000, 20),
            "c": (2000, 5000, 50_000, 100),
            "d": (5000, 50, 5),
            "g": (100, 500, 20),
            "i": (100, 500, 20),
            "h": (100, 50, 5),
        }
    return {
        "a": (200, 5000, 100),
        "c": (20_000, 50_000, 1_000_000, 1000),
        "d": (50_000, 100, 10),
        "g": (300, 2000, 100),
        "i": (300, 2000, 100),
        "h": (100, 50, 5),
    }


def row_a(args):
    n, p, k = sizes(args)["a"]
    X, y = toeplitz_data(n, p, n_nonzero=k)
    alpha = alpha_max(X, y) / 20
    log(
        f"  data: dense {n}x{p}, Toeplitz rho=0.5, {k} true non-zeros, "
        f"alpha={alpha:.4g}"
    )
    key = data_key("a", n, p, k, alpha)
    return single_problem_row(
        "a. Lasso dense p≫n, α_max/20", X, y, alpha, 1.0, args, key
    )


def row_e(args):
    n, p, k = sizes(args)["a"]
    X, y = toeplitz_data(n, p, n_nonzero=k)
    alpha = alpha_max(X, y) / 20
    log(f"  data: dense {n}x{p} (row a), l1_ratio=0.5, alpha={alpha:.4g}")
    key = data_key("e", n, p, k, alpha)
    return single_problem_row(
        "e. ElasticNet l1_ratio=0.5, p≫n", X, y, alpha, 0.5, args, key
    )


def row_c(args):
    n, p, nnz, k = sizes(args)["c"]
    X, y = sparse_data(n, p, nnz, n_nonzero=k)
    amax = alpha_max(X, y)
    out = []
    for div in (20, 100):
        alpha = amax / div
        log(
            f"  data: sparse CSC {n}x{p}, nnz={X.nnz}, "
            f"alpha=alpha_max/{div}={alpha:.4g}"
        )
        key = data_key("c", n, p, nnz, k, alpha)
        out += single_problem_row(
            f"c. Lasso sparse, α_max/{div}", X, y, alpha, 1.0, args, key
        )
    return out


def row_d(args):
    n, p, k = sizes(args)["d"]
    X, y = toeplitz_data(n, p, n_nonzero=k)
    alpha = alpha_max(X, y) / 20
    log(
        f"  data: dense {n}x{p}, Toeplitz rho=0.5, {k} true non-zeros, "
        f"alpha={alpha:.4g}"
    )
    key = data_key("d", n, p, k, alpha)
    return single_problem_row(
        "d. Lasso dense n≫p, α_max/20", X, y, alpha, 1.0, args, key
    )


def row_b(args):
    """50-alpha Lasso path on the centred data of (a); max suboptimality over alphas."""
    n, p, k = sizes(args)["a"]
    X, y = toeplitz_data(n, p, n_nonzero=k)
    # lasso_path has no intercept: centre once, for every library alike.
    Xc = np.ascontiguousarray(X - X.mean(axis=0))
    yc = y - y.mean()
    amax = alpha_max(Xc, yc, fit_intercept=False)
    alphas = np.geomspace(amax, amax / 100, 50)
    tol = args.tol
    log(f"  data: centred {n}x{p} of row a, 50 alphas {amax:.4g} .. {amax / 100:.4g}")
    ref = path_reference(data_key("b", n, p, k, amax), Xc, yc, alphas)
    p_ref = ref["objectives"]

    def objectives(coefs):
        return np.array(
            [
                enet_objective(Xc, yc, coefs[:, j], 0.0, a, 1.0)
                for j, a in enumerate(alphas)
            ]
        )

    contenders = []

    def sk_run():
        return sk_lasso_path(Xc, yc, alphas=alphas, tol=tol)[1]

    contenders.append(Contender(SKLEARN, sk_run, "sklearn.linear_model.lasso_path"))

    ours = sklreg_name("lasso_path")
    if ours is not None:
        contenders.append(
            Contender(
                "sklreg", lambda: ours(Xc, yc, alphas=alphas, tol=tol)[1], "lasso_path"
            )
        )

    celer = optional_module("celer")
    if celer is not None:
        contenders.append(
            Contender(
                "celer",
                lambda: celer.celer_path(Xc, yc, "lasso", alphas=alphas, tol=tol)[1],
                "celer_path",
            )
        )

    skglm = optional_module("skglm")
    if skglm is not None:

        def skglm_run():
            est = skglm.Lasso(fit_intercept=False, tol=tol)
            return est.path(Xc, yc, alphas)[1]

        contenders.append(
            Contender("skglm", skglm_run, "Lasso.path; tol is a KKT bound")
        )

    glmnet = optional_module("glmnet")
    if glmnet is not None:
        target = max(float(np.max(rel_subopt(objectives(sk_run()), p_ref))), 1e-15)
        g_tol = args.glmnet_tol or calibrate_glmnet_path(
            glmnet, Xc, yc, alphas, p_ref, target
        )
        contenders.append(
            Contender(
                "glmnet",
                lambda: glmnet_path(glmnet, Xc, yc, alphas, g_tol),
                f"glmnet tol={g_tol:g}",
            )
        )

    timings, skipped = interleave("b. Lasso path, 50 α", contenders, args)
    objs = {t.name: objectives(t.result) for t in timings if t.result is not None}
    best = np.min(np.vstack([p_ref, *objs.values()]), axis=0)

    def score(t):
        sub = rel_subopt(objs[t.name], best)
        return float(np.max(sub)), f"max over 50 alphas (median {np.median(sub):.1e})"

    return results_from_timings("b. Lasso path, 50 α", timings, score) + skipped


def row_f(args):
    n, p, k = sizes(args)["d"]
    X, y = toeplitz_data(n, p, n_nonzero=k)
    alpha, tol = 1.0, args.tol
    log(f"  data: dense {n}x{p} (row d), Ridge alpha={alpha}")
    # Exact reference: centred normal equations (p is small).
    xm, ym = X.mean(axis=0), y.mean()
    Xc = X - xm
    coef_ref = np.linalg.solve(Xc.T @ Xc + alpha * np.eye(p), Xc.T @ (y - ym))
    p_ref = ridge_objective(X, y, coef_ref, ym - xm @ coef_ref, alpha)

    contenders = []

    def sk_run():
        est = SkRidge(alpha=alpha, tol=tol).fit(X, y)
        return est.coef_, est.intercept_, est

    contenders.append(Contender(SKLEARN, sk_run, "solver='auto'"))
    ours = sklreg_name("Ridge")
    if ours is not None:

        def sklreg_run():
            est = ours(alpha=alpha, tol=tol).fit(X, y)
            return est.coef_, est.intercept_, est

        contenders.append(Contender("sklreg", sklreg_run))

    timings, skipped = interleave("f. Ridge n≫p, α=1", contenders, args)
    values = {
        t.name: ridge_objective(X, y, t.result[0], t.result[1], alpha)
        for t in timings
        if t.result is not None
    }
    best = min([p_ref, *values.values()])

    def score(t):
        n_iter = _n_iter(t.result[2])
        return rel_subopt(values[t.name], best), (
            "" if n_iter is None else f"n_iter={n_iter}"
        )

    return results_from_timings("f. Ridge n≫p, α=1", timings, score) + skipped


def row_g(args):
    n, p, k = sizes(args)["g"]
    X, y = toeplitz_data(n, p, n_nonzero=k, seed=1)
    tol, cv = args.tol, 5
    log(f"  data: dense {n}x{p}, Toeplitz rho=0.5, {k} true non-zeros; LassoCV cv={cv}")
    # scikit-learn's default grid (100 alphas, eps=1e-3), taken from a fit.
    sk_ref = SkLassoCV(cv=cv, tol=tol).fit(X, y)
    grid = np.asarray(sk_ref.alphas_)
    sk_mse = sk_ref.mse_path_.mean(axis=1)

    contenders = []

    def sk_run():
        est = SkLassoCV(cv=cv, tol=tol).fit(X, y)
        return est.alpha_, est.mse_path_.mean(axis=1), est

    contenders.append(Contender(SKLEARN, sk_run))
    ours = sklreg_name("LassoCV")
    if ours is not None:

        def sklreg_run():
            est = ours(cv=cv, tol=tol).fit(X, y)
            return est.alpha_, est.mse_path_.mean(axis=1), est

        contenders.append(Contender("sklreg", sklreg_run))

    celer = optional_module("celer")
    if celer is not None:

        def celer_run():
            est = celer.LassoCV(cv=cv, tol=tol).fit(X, y)
            return est.alpha_, est.mse_path_.mean(axis=1), est

        contenders.append(Contender("celer", celer_run, "celer.LassoCV"))

    glmnet = optional_module("glmnet")
    if glmnet is not None:
        # GroupKFold on contiguous blocks = scikit-learn's KFold(5) folds.
        fold_sizes = np.full(cv, n // cv)
        fold_sizes[: n % cv] += 1
        groups = np.repeat(np.arange(cv), fold_sizes)

        def glmnet_cv(g_tol):
            est = glmnet.ElasticNet(
                alpha=1.0,
                lambda_path=grid,
                standardize=False,
                n_splits=cv,
                scoring="mean_squared_error",
                tol=g_tol,
                max_iter=10_000_000,
            ).fit(X, y, groups=groups)
            return float(est.lambda_max_), -np.asarray(est.cv_mean_score_), est

        # glmnet's tol: the loosest of the ladder whose CV picks the same alpha_
        # as scikit-learn's LassoCV at `tol` (a path-suboptimality target, as in
        # row b, is too loose here: at 1e-7 glmnet's CV picks another alpha).
        g_tol = args.glmnet_tol
        if not g_tol:
            g_tol = GLMNET_TOL_LADDER[-1]
            for cand in GLMNET_TOL_LADDER:
                if np.isclose(glmnet_cv(cand)[0], sk_ref.alpha_, rtol=1e-9):
                    g_tol = cand
                    break
            log(f"    glmnet tol calibrated to {g_tol:g} (same alpha_ as sklearn)")

        def glmnet_run():
            return glmnet_cv(g_tol)

        contenders.append(
            Contender(
                "glmnet", glmnet_run, f"own CV, same folds and grid, tol={g_tol:g}"
            )
        )

    timings, skipped = interleave("g. LassoCV 5-fold", contenders, args)

    def score(t):
        alpha_, mse = float(t.result[0]), np.asarray(t.result[1])
        same = np.isclose(alpha_, sk_ref.alpha_, rtol=1e-9)
        diff = (
            float(np.max(np.abs(mse - sk_mse) / sk_mse))
            if mse.shape == sk_mse.shape
            else float("nan")
        )
        return None, (
            f"alpha_={alpha_:.4g} ({'same as' if same else 'differs from'} sklearn's "
            f"{sk_ref.alpha_:.4g}); max rel. diff of mean MSE path {diff:.1e}"
        )

    return results_from_timings("g. LassoCV 5-fold", timings, score) + skipped


COLD_START_CODE = """
import json, time
import numpy as np
rng = np.random.default_rng(0)
X = rng.standard_normal(({n}, {p}))
y = X[:, :{k}].sum(axis=1) + 0.1 * rng.standard_normal({n})
t0 = time.perf_counter()
{import_stmt}
t1 = time.perf_counter()
cls = {estimator}
t2 = time.perf_counter()
est = cls(alpha=0.01).fit(X, y)
t3 = time.perf_counter()
est = cls(alpha=0.02).fit(X, y)
t4 = time.perf_counter()
print(json.dumps({{"import": t1 - t0, "resolve": t2 - t1, "first_fit": t3 - t2,
                  "second_fit": t4 - t3}}))
"""


def fresh_process_rounds(label, codes, rounds, key):
    """Run each code in a fresh interpreter, interleaved round by round."""
    for name in [n for n in codes if is_excluded(label, n)]:
        log(f"    {name}: not run (--exclude)")
        del codes[name]
    runs = {name: [] for name in codes}
    errors = {}
    for r in range(rounds):
        for name, code in codes.items():
            if name in errors:
                continue
            try:
                runs[name].append(run_fresh_python(code))
            except Exception as exc:
                errors[name] = str(exc)
                log(f"    {name} failed: {exc}")
        log(
            f"    round {r + 1}/{rounds}: "
            + ", ".join(f"{k} {v[-1][key]:.3f}s" for k, v in runs.items() if v)
        )
    timings = []
    for name, res in runs.items():
        t = Timing(
            name, times=[d[key] for d in res], result=res, error=errors.get(name)
        )
        timings.append(t)
    ref = runs.get(SKLEARN)
    for t in timings:
        if ref:
            m = min(len(t.times), len(ref))
            t.ratios = [t.times[j] / ref[j][key] for j in range(m)]
    return timings


def row_h(args):
    n, p, k = sizes(args)["h"]
    rounds = min(args.rounds, 3)
    codes = {
        SKLEARN: ("import sklearn.linear_model", "sklearn.linear_model.Lasso"),
    }
    if sklreg_name("Lasso") is not None:
        codes["sklreg"] = ("import sklreg", "sklreg.Lasso")
    if optional_module("skglm") is not None:
        codes["skglm"] = ("import skglm", "skglm.Lasso")
    if optional_module("celer") is not None:
        codes["celer"] = ("import celer", "celer.Lasso")
    codes = {
        name: COLD_START_CODE.format(n=n, p=p, k=k, import_stmt=imp, estimator=est)
        for name, (imp, est) in codes.items()
    }
    log(
        f"  fresh processes, Lasso on {n}x{p}; priming run of each first (fills caches)"
    )
    for name, code in codes.items():
        try:
            d = run_fresh_python(code)
            log(f"    priming {name}: first fit {d['first_fit']:.3f} s")
        except Exception as exc:
            log(f"    priming {name} failed: {exc}")
    timings = fresh_process_rounds("h", codes, rounds, "first_fit")

    def score(t):
        med = lambda key: float(np.median([d[key] for d in t.result]))  # noqa: E731
        return None, (
            "first fit after all imports; "
            f"import {format_seconds(med('import'))} + "
            f"class access {format_seconds(med('resolve'))}; "
            f"second fit {format_seconds(med('second_fit'))}"
        )

    return results_from_timings("h. cold start (fresh process)", timings, score)


GRID_SEARCH_CODE = """
import json, time, warnings
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
warnings.filterwarnings("ignore", category=ConvergenceWarning)
sys_path = {sys_path!r}
import sys; sys.path.insert(0, sys_path)
from bench_linear import toeplitz_data, alpha_max
X, y = toeplitz_data({n}, {p}, n_nonzero={k}, seed=2)
amax = alpha_max(X, y)
grid = {{"alpha": np.geomspace(amax, amax / 100, 30)}}
{import_stmt}
t0 = time.perf_counter()
search = GridSearchCV({estimator}(tol={tol}), grid, cv=5, n_jobs=2).fit(X, y)
t1 = time.perf_counter()
best = float(search.best_params_["alpha"])
print(json.dumps({{"wall": t1 - t0, "best_alpha": best}}))
"""


def row_i(args):
    n, p, k = sizes(args)["i"]
    rounds = min(args.rounds, 3)
    codes = {SKLEARN: ("from sklearn.linear_model import Lasso", "Lasso")}
    if sklreg_name("Lasso") is not None:
        codes["sklreg"] = ("from sklreg import Lasso", "Lasso")
    if optional_module("skglm") is not None:
        codes["skglm"] = ("from skglm import Lasso", "Lasso")
    if optional_module("celer") is not None:
        codes["celer"] = ("from celer import Lasso", "Lasso")
    codes = {
        name: GRID_SEARCH_CODE.format(
            sys_path=str(HERE),
            n=n,
            p=p,
            k=k,
            import_stmt=imp,
            estimator=est,
            tol=args.tol,
        )
        for name, (imp, est) in codes.items()
    }
    log(
        f"  GridSearchCV(Lasso(), 30 alphas, cv=5, n_jobs=2, loky) on {n}x{p}, "
        "a fresh process each time"
    )
    timings = fresh_process_rounds("i", codes, rounds, "wall")

    def score(t):
        return (
            None,
            "wall time incl. worker start-up; "
            f"best alpha {t.result[-1]['best_alpha']:.4g}",
        )

    return results_from_timings("i. GridSearchCV n_jobs=2", timings, score)


ROWS = {
    "a": row_a,
    "b": row_b,
    "c": row_c,
    "d": row_d,
    "e": row_e,
    "f": row_f,
    "g": row_g,
    "h": row_h,
    "i": row_i,
}


def sklreg_commit() -> str:
    """The repository's commit, with '+dirty' when sklreg/ has local changes."""
    import subprocess

    root = HERE.parent
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "sklreg"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except Exception:
        return "unknown"
    return head + ("+dirty" if dirty else "")


def versions() -> str:
    out = [f"Python {platform.python_version()}"]
    for name in (
        "numpy",
        "scipy",
        "sklearn",
        "numba",
        "sklreg",
        "celer",
        "skglm",
        "glmnet",
    ):
        mod = sys.modules.get(name)
        if mod is None:
            try:
                mod = importlib.import_module(name)
            except Exception:
                continue
        out.append(f"{name} {getattr(mod, '__version__', '?')}")
        if name == "sklreg":
            out[-1] += f" (commit {sklreg_commit()})"
    return ", ".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rows", default=",".join(ROWS), help="comma-separated rows, e.g. a,c,d"
    )
    parser.add_argument(
        "--rounds", type=int, default=5, help="timed rounds per row (default 5)"
    )
    parser.add_argument("--tol", type=float, default=1e-4, help="tol for every library")
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, for a smoke run"
    )
    parser.add_argument(
        "--glmnet-tol",
        type=float,
        default=None,
        help="fix glmnet's tol instead of calibrating",
    )
    parser.add_argument(
        "--exclude",
        default="",
        help="contenders to leave out: 'celer' everywhere, 'c:celer' in row c only",
    )
    parser.add_argument(
        "--no-verify", action="store_true", help="skip the peers' objective check"
    )
    parser.add_argument(
        "--output", default=str(OUTPUT / "linear.md"), help="markdown file"
    )
    args = parser.parse_args(argv)
    rows = [r.strip() for r in args.rows.split(",") if r.strip()]
    unknown = [r for r in rows if r not in ROWS]
    if unknown:
        parser.error(f"unknown rows {unknown}; choose from {','.join(ROWS)}")

    EXCLUDE.update(x.strip() for x in args.exclude.split(",") if x.strip())
    started = datetime.datetime.now(datetime.timezone.utc)
    import numba

    log(
        f"sklreg linear benchmark, {started:%Y-%m-%d %H:%M} UTC; rounds={args.rounds}, "
        f"tol={args.tol:g}{', QUICK sizes' if args.quick else ''}; "
        f"NUMBA_NUM_THREADS={numba.config.NUMBA_NUM_THREADS}, "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}"
    )
    checks = []
    if not args.no_verify:
        log("checking each peer's objective against scikit-learn's (tight solves):")
        checks = verify_peer_objectives()
        for line in checks:
            log(f"  {line}")
    results: list[Result] = []
    for r in rows:
        log(f"row {r}:")
        start = time.perf_counter()
        try:
            results += ROWS[r](args)
        except Exception as exc:  # one broken row must not lose the others
            import traceback

            traceback.print_exc()
            results.append(
                Result(r, "—", note=f"row failed: {type(exc).__name__}: {exc}")
            )
        log(f"  row {r} took {time.perf_counter() - start:.1f} s")

    elapsed = (datetime.datetime.now(datetime.timezone.utc) - started).total_seconds()
    table = markdown_table(HEADER, [res.cells() for res in results])
    command = "python benchmarks/bench_linear.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    text = (
        f"# sklreg linear-model benchmark\n\n"
        f"Run {started:%Y-%m-%d %H:%M} UTC ({elapsed:.0f} s) on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, every library on one thread; "
        f"{args.rounds} interleaved "
        f"rounds, medians; tol={args.tol:g}{'; QUICK sizes' if args.quick else ''}.\n\n"
        f"Command: `{command.strip()}`\n\n{versions()}\n\n{table}\n"
    )
    if checks:
        text += "\nPeers' objective checked against scikit-learn (tight solves):\n\n"
        text += "".join(f"- {line}\n" for line in checks)
    print()
    print(text)
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    log(f"written to {out}")


if __name__ == "__main__":
    main()
