"""L1-penalised binary logistic regression: sklreg against scikit-learn and peers.

Every row times the whole ``fit`` (validation and set-up included) of each
contender on one thread, contenders interleaved round by round, and reports
the median time and the median of the per-round ratios to scikit-learn's
liblinear (``_harness.py``).  Accuracy is the relative suboptimality
``(P(w, b) - P*) / P*`` of scikit-learn's objective

    P(w, b) = C * sum_i logloss(y_i, x_i w + b) + ||w||_1

(``b`` unpenalised; ``b = 0`` in the no-intercept rows) against ``P*``, the
smallest objective reached by a tight reference solve (sklreg at ``tol=1e-10``,
cross-checked against scikit-learn's saga at ``tol=1e-10``, liblinear at
``tol=1e-10`` without an intercept, and skglm at ``tol=1e-10`` when installed;
each one's gap to ``P*`` is in the notes) or by any contender.  saga's
cross-check is capped at 2000 epochs (300 with ``--quick``) and is loose on the
p >> n rows.

The penalty: ``lambda = 1 / C`` at ``lambda_max / 10`` and ``lambda_max / 50``,
``lambda_max = ||X^T (y01 - ybar)||_inf`` (with an intercept; ``ybar = 1/2``
without one), the smallest ``lambda`` whose solution is all zeros.

Rows (``--quick``: smaller data):

* ``a``: dense p >> n, 300 x 5000, AR(1)-correlated columns (rho = 0.5);
* ``a0``: the data of ``a`` without an intercept, for everyone (celer's
  ``LogisticRegression`` fits no intercept: it runs in the ``0`` rows only);
* ``b``: sparse text-like CSR, 10^4 x 10^5 with ~10^6 non-zeros (Zipf-like
  column frequencies, log counts, rows of unit norm);
* ``b0``: the data of ``b`` without an intercept;
* ``c``: dense n >> p, 50000 x 100, AR(1)-correlated columns;
* ``c0``: the data of ``c`` without an intercept;
* ``cv``: ``LogisticRegressionCV(l1_ratios=[1], Cs=10, cv=5)`` on dense
  300 x 1000 data, against scikit-learn's with ``solver="saga"``, the same
  ``C`` grid and folds; both ``C_`` are reported.

Contenders: sklreg ``LogisticRegression(l1_ratio=1, C=C)``; scikit-learn's
``liblinear`` and ``saga`` (same ``C``; liblinear penalises its intercept, so
in rows with an intercept it solves another problem and its suboptimality
shows that); celer ``LogisticRegression(C=C)`` (no-intercept rows);
skglm ``SparseLogisticRegression(alpha=1 / (C n))``, at the common ``tol``
and again ("skglm, equal accuracy") at the loosest of 1e-4, ..., 1e-10 whose
suboptimality is no worse than sklreg's at the row's ``tol`` (or 1e-12);
glmnet ``LogitNet`` (``lambda = 1 / (C n)``, ``standardize=False``), its
``tol`` calibrated the same way on 1e-6, ..., 1e-14 (glmnet's ``thresh`` at
1e-4 is far looser than the others' stops).  The peers are optional: a
missing one is left out with a note.  Every library gets the same ``tol``
(default 1e-4), which means a different stopping rule in each: sklreg's
duality gap and polishing step land far below it, skglm's KKT bound above.

At start-up each peer's objective mapping is checked on a small problem
(tight solves, with and without intercept, against sklreg's tight solve)::

    .venv/bin/python benchmarks/bench_logistic.py --rounds 5
    .venv/bin/python benchmarks/bench_logistic.py --quick --rounds 2 --rows a,a0
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import importlib.util
import platform
import sys
import time
import warnings
from pathlib import Path

import _harness  # noqa: F401  (before numpy: pins the thread pools)
import numpy as np
import scipy.sparse as sp
from _harness import Contender, format_seconds, markdown_table, time_interleaved
from sklearn import linear_model as sk
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold

import sklreg

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "output"
REF_TOL = 1e-10
SKGLM_TOL_LADDER = (1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10)
GLMNET_TOL_LADDER = (1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11, 1e-12, 1e-13, 1e-14)
REFERENCE = "liblinear"  # the ratio column's denominator
HEADER = [
    "row",
    "contender",
    "median time",
    "ratio to liblinear",
    "rel. subopt.",
    "notes",
]

warnings.filterwarnings("ignore", category=ConvergenceWarning)
warnings.filterwarnings("ignore", category=FutureWarning)
warnings.filterwarnings("ignore", category=DeprecationWarning)
warnings.filterwarnings("ignore", category=UserWarning)
# skglm's kernels on C-ordered X: "'@' is faster on contiguous arrays"
warnings.filterwarnings("ignore", message=".*faster on contiguous arrays")


def log(msg: str) -> None:
    print(msg, flush=True)


def optional_module(name):
    """A peer library, or None (with a note) when it is not installed."""
    try:
        return importlib.import_module(name)
    except Exception as exc:  # ImportError, or a broken install
        log(f"  note: {name} not available ({type(exc).__name__}); left out")
        return None


# --------------------------------------------------------------------------
# data


def ar1_design(n, p, rho, rng):
    """``n x p`` Gaussian design with covariance ``rho^|i - j|`` (C order)."""
    X = np.empty((n, p))
    X[:, 0] = rng.randn(n)
    scale = np.sqrt(1 - rho**2)
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + scale * rng.randn(n)
    return X


def labels(score, rng):
    """0/1 labels drawn from ``sigmoid(score)``."""
    return (rng.uniform(size=score.shape[0]) < 1 / (1 + np.exp(-score))).astype(
        np.float64
    )


def dense_wide(quick):
    n, p, k = (100, 1000, 20) if quick else (300, 5000, 50)
    rng = np.random.RandomState(0)
    X = ar1_design(n, p, 0.5, rng)
    w = np.zeros(p)
    w[rng.choice(p, k, replace=False)] = rng.randn(k)
    return X, labels(X @ w + 0.5, rng)


def sparse_text(quick):
    """CSR counts with Zipf-like column frequencies, log-scaled, unit rows."""
    n, p, nnz = (2000, 20000, 100_000) if quick else (10_000, 100_000, 1_000_000)
    rng = np.random.RandomState(1)
    freq = 1.0 / (np.arange(p) + 10.0) ** 0.8
    cols = rng.choice(p, nnz, p=freq / freq.sum())
    rows = rng.randint(0, n, nnz)
    X = sp.csr_matrix((np.ones(nnz), (rows, cols)), shape=(n, p))  # sums duplicates
    X.data = np.log1p(X.data)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    X = sp.diags(1.0 / np.maximum(norms, 1e-12)) @ X
    X = sp.csr_matrix(X)
    w = np.zeros(p)
    relevant = rng.choice(2000, 200, replace=False)  # among the frequent words
    w[relevant] = 4 * rng.randn(200)
    return X, labels(X @ w - 0.3, rng)


def dense_tall(quick):
    n, p, k = (5000, 100, 10) if quick else (50_000, 100, 10)
    rng = np.random.RandomState(2)
    X = ar1_design(n, p, 0.5, rng)
    w = np.zeros(p)
    w[rng.choice(p, k, replace=False)] = rng.randn(k)
    return X, labels(X @ w + 0.5, rng)


# --------------------------------------------------------------------------
# objective and reference


def objective(X, y, coef, intercept, C):
    """``C * sum_i logloss_i + ||w||_1``, y in {0, 1}."""
    z = np.asarray(X @ coef).ravel() + intercept
    return C * float(np.sum(np.logaddexp(0.0, z) - y * z)) + float(np.abs(coef).sum())


def lambda_max(X, y, fit_intercept):
    centre = y.mean() if fit_intercept else 0.5
    return float(np.abs(np.asarray(X.T @ (y - centre))).max())


def rel_subopt(value, best):
    return max((value - best) / best, 0.0)


def as_solution(est):
    """``(coef, intercept)`` of a fitted binary linear classifier."""
    coef = np.asarray(est.coef_).reshape(-1).copy()
    intercept = float(np.ravel(getattr(est, "intercept_", 0.0))[0])
    return coef, intercept


def reference_solution(X, y, C, fit_intercept, quick):
    """``(P*, cross-check note)``: sklreg at tol=1e-10 against tight solves of
    scikit-learn's saga, liblinear (without intercept) and skglm."""
    ours = sklreg.LogisticRegression(
        l1_ratio=1, C=C, tol=REF_TOL, max_iter=1000, fit_intercept=fit_intercept
    ).fit(X, y)
    p_ours = objective(X, y, *as_solution(ours), C)
    candidates = {"sklreg tol=1e-10": p_ours}
    saga = sk.LogisticRegression(
        l1_ratio=1,
        C=C,
        solver="saga",
        tol=REF_TOL,
        max_iter=300 if quick else 2000,
        fit_intercept=fit_intercept,
    ).fit(X, y)
    candidates["saga tol=1e-10"] = objective(X, y, *as_solution(saga), C)
    if not fit_intercept:  # liblinear then solves the same problem
        lib = sk.LogisticRegression(
            l1_ratio=1,
            C=C,
            solver="liblinear",
            tol=REF_TOL,
            max_iter=2000,  # it stalls short of 1e-10 on the sparse rows
            fit_intercept=False,
        ).fit(X, y)
        candidates["liblinear tol=1e-10"] = objective(X, y, *as_solution(lib), C)
    if importlib.util.find_spec("skglm") is not None:  # independent, same problem
        import skglm

        est = skglm.SparseLogisticRegression(
            alpha=1.0 / (C * X.shape[0]),
            tol=REF_TOL,
            max_iter=200,
            max_epochs=100_000,
            fit_intercept=fit_intercept,
        ).fit(X, y)
        candidates["skglm tol=1e-10"] = objective(X, y, *as_solution(est), C)
    best = min(candidates.values())
    cross = ", ".join(
        f"{k} {rel_subopt(v, best):.1e}"
        for k, v in candidates.items()
        if not k.startswith("sklreg")
    )
    own = rel_subopt(p_ours, best)
    log(f"    reference P* = {best:.10g} (sklreg tol=1e-10: {own:.1e}; {cross})")
    return best, cross


# --------------------------------------------------------------------------
# contenders


def glmnet_fit(glmnet, X, y, C, tol, fit_intercept):
    est = glmnet.LogitNet(
        alpha=1.0,
        lambda_path=np.array([1.0 / (C * X.shape[0])]),
        standardize=False,
        fit_intercept=fit_intercept,
        n_splits=0,
        tol=tol,
        max_iter=10_000_000,
    ).fit(X, y)
    return est.coef_path_[0, :, 0].copy(), float(est.intercept_path_[0, 0])


def calibrate(name, fit_at, ladder, X, y, C, target, best):
    """Loosest tol of ``ladder`` at which ``fit_at(tol)`` (returning ``(coef,
    intercept)``) is within ``target`` relative suboptimality of ``best``."""
    chosen, sub = ladder[-1], np.nan
    for tol in ladder:
        sub = rel_subopt(objective(X, y, *fit_at(tol), C), best)
        if sub <= target:
            chosen = tol
            break
    log(f"    {name} tol calibrated to {chosen:g} (subopt {sub:.1e} <= {target:.1e})")
    return chosen


def contenders_for(X, y, C, fit_intercept, tol, best, glmnet_tol):
    n = X.shape[0]

    def sklreg_run():
        est = sklreg.LogisticRegression(
            l1_ratio=1, C=C, tol=tol, fit_intercept=fit_intercept
        ).fit(X, y)
        return as_solution(est), f"n_iter={int(est.n_iter_[0])}"

    def sklearn_run(solver):
        def run():
            est = sk.LogisticRegression(
                l1_ratio=1, C=C, solver=solver, tol=tol, fit_intercept=fit_intercept
            ).fit(X, y)
            n_iter = int(np.max(est.n_iter_))
            hit = " (max_iter reached)" if n_iter >= est.max_iter else ""
            return as_solution(est), f"n_iter={n_iter}{hit}"

        return run

    lib_note = "penalises its intercept" if fit_intercept else ""
    out = [
        Contender(REFERENCE, sklearn_run("liblinear"), lib_note),
        Contender("sklreg", sklreg_run),
        Contender("saga", sklearn_run("saga")),
    ]
    celer = optional_module("celer")
    if celer is not None and not fit_intercept:

        def celer_run():
            est = celer.LogisticRegression(C=C, tol=tol).fit(X, y)
            return as_solution(est), ""

        out.append(Contender("celer", celer_run))
    skglm = optional_module("skglm")
    glmnet = optional_module("glmnet")
    target = None
    if skglm is not None or (glmnet is not None and glmnet_tol is None):
        ours = sklreg_run()[0]
        target = max(rel_subopt(objective(X, y, *ours, C), best), 1e-12)
    if skglm is not None:

        def skglm_fit(s_tol):
            est = skglm.SparseLogisticRegression(
                alpha=1.0 / (C * n), tol=s_tol, fit_intercept=fit_intercept
            ).fit(X, y)
            return as_solution(est)

        out.append(
            Contender(
                "skglm", lambda: (skglm_fit(tol), ""), f"tol={tol:g}, a KKT bound"
            )
        )
        # at the common tol skglm stops on a looser measure: it is also timed
        # at the loosest tol that is as accurate as sklreg
        s_tol = calibrate("skglm", skglm_fit, SKGLM_TOL_LADDER, X, y, C, target, best)
        if s_tol != tol:
            out.append(
                Contender(
                    "skglm, equal accuracy",
                    lambda: (skglm_fit(s_tol), ""),
                    f"tol={s_tol:g}",
                )
            )
    if glmnet is not None:
        if glmnet_tol is None:
            glmnet_tol = calibrate(
                "glmnet",
                lambda g_tol: glmnet_fit(glmnet, X, y, C, g_tol, fit_intercept),
                GLMNET_TOL_LADDER,
                X,
                y,
                C,
                target,
                best,
            )

        def glmnet_run(g_tol=glmnet_tol):
            return glmnet_fit(glmnet, X, y, C, g_tol, fit_intercept), ""

        out.append(Contender("glmnet", glmnet_run, f"glmnet tol={glmnet_tol:g}"))
    return out


def fit_rows(name, X, y, fit_intercept, args):
    """Two table rows (lambda_max / 10 and / 50) of one problem."""
    rows = []
    shape = f"{X.shape[0]}x{X.shape[1]}" + (f", nnz={X.nnz}" if sp.issparse(X) else "")
    lmax = lambda_max(X, y, fit_intercept)
    for ratio in (10, 50):
        C = ratio / lmax
        title = f"{name} {shape}, λ_max/{ratio}" + (
            "" if fit_intercept else ", no intercept"
        )
        log(f"  {title} (C={C:.4g})")
        best, cross = reference_solution(X, y, C, fit_intercept, args.quick)
        contenders = contenders_for(
            X, y, C, fit_intercept, args.tol, best, args.glmnet_tol
        )
        timings = time_interleaved(
            contenders, args.rounds, reference=REFERENCE, log=log
        )
        values = {
            t.name: objective(X, y, *t.result[0], C)
            for t in timings
            if t.result is not None
        }
        if values and min(values.values()) < best:
            winner = min(values, key=values.get)
            log(
                f"    warning: {winner} beat the reference by "
                f"{(best - values[winner]) / best:.1e}; it becomes P*"
            )
            best = min(values.values())
        for t in timings:
            notes = [t.note] if t.note else []
            if t.result is None:
                rows.append([title, t.name, "—", "—", "—", f"failed: {t.error}"])
                continue
            (coef, _), extra = t.result
            notes += [f"nnz={np.count_nonzero(coef)}"] + ([extra] if extra else [])
            if t.error:
                notes.append(f"failed in a later round: {t.error}")
            ratio_cell = "—" if not t.ratios else f"{t.median_ratio:.2f}×"
            rows.append(
                [
                    title,
                    t.name,
                    format_seconds(t.median_time),
                    ratio_cell,
                    f"{rel_subopt(values[t.name], best):.1e}",
                    "; ".join(notes),
                ]
            )
        rows[-len(timings)][5] += f"; reference cross-check: {cross}"
        if fit_intercept and importlib.util.find_spec("celer") is not None:
            rows.append(
                [
                    title,
                    "celer",
                    "—",
                    "—",
                    "—",
                    "not run: celer fits no intercept (see the row without)",
                ]
            )
    return rows


def row_cv(args):
    """``LogisticRegressionCV`` (L1, 5 folds, 10 Cs) against scikit-learn's saga."""
    rng = np.random.RandomState(3)
    n, p = (150, 300) if args.quick else (300, 1000)
    X = ar1_design(n, p, 0.5, rng)
    w = np.zeros(p)
    w[rng.choice(p, 20, replace=False)] = rng.randn(20)
    y = labels(X @ w, rng)
    C_max = 1.0 / lambda_max(X, y, True)
    Cs = C_max * np.geomspace(1.5, 100, 10)
    folds = list(StratifiedKFold(5).split(X, y))
    title = f"LogisticRegressionCV {n}x{p}, 5 folds x 10 Cs"
    log(f"  {title}")

    def run(module, **extra):
        def fit():
            est = module.LogisticRegressionCV(
                Cs=Cs, l1_ratios=[1], cv=folds, tol=args.tol, **extra
            ).fit(X, y)
            return float(np.ravel(est.C_)[0])

        return fit

    contenders = [
        Contender("scikit-learn saga", run(sk, solver="saga")),
        Contender("sklreg", run(sklreg)),
    ]
    timings = time_interleaved(
        contenders, args.rounds, reference="scikit-learn saga", log=log
    )
    sk_C = timings[0].result
    rows = []
    for t in timings:
        if t.result is None:
            rows.append([title, t.name, "—", "—", "—", f"failed: {t.error}"])
            continue
        same = "same as" if sk_C is not None and np.isclose(t.result, sk_C) else "vs"
        note = f"C_={t.result:.4g} ({same} saga's {sk_C:.4g})"
        ratio_cell = "—" if not t.ratios else f"{t.median_ratio:.2f}×"
        rows.append(
            [title, t.name, format_seconds(t.median_time), ratio_cell, "—", note]
        )
    return rows


ROWS = {
    "a": lambda args: fit_rows("dense p≫n", *dense_wide(args.quick), True, args),
    "a0": lambda args: fit_rows("dense p≫n", *dense_wide(args.quick), False, args),
    "b": lambda args: fit_rows("sparse CSR", *sparse_text(args.quick), True, args),
    "b0": lambda args: fit_rows("sparse CSR", *sparse_text(args.quick), False, args),
    "c": lambda args: fit_rows("dense n≫p", *dense_tall(args.quick), True, args),
    "c0": lambda args: fit_rows("dense n≫p", *dense_tall(args.quick), False, args),
    "cv": row_cv,
}


# --------------------------------------------------------------------------
# the peers' objective, checked


def verify_peer_objectives():
    """Each peer's tight solve against sklreg's on a small problem."""
    rng = np.random.RandomState(4)
    n, p = 120, 60
    X = rng.randn(n, p)
    y = labels(X[:, :5].sum(axis=1) + 0.5, rng)
    lines = []
    for fit_intercept in (True, False):
        C = 10 / lambda_max(X, y, fit_intercept)
        ours = sklreg.LogisticRegression(
            l1_ratio=1, C=C, tol=1e-12, max_iter=1000, fit_intercept=fit_intercept
        ).fit(X, y)
        best = objective(X, y, *as_solution(ours), C)
        sols = {}
        for solver in ("saga", "liblinear"):
            est = sk.LogisticRegression(
                l1_ratio=1,
                C=C,
                solver=solver,
                tol=1e-12,
                max_iter=100_000,
                fit_intercept=fit_intercept,
            ).fit(X, y)
            sols[solver] = as_solution(est)
        celer = optional_module("celer")
        if celer is not None and not fit_intercept:
            sols["celer"] = as_solution(
                celer.LogisticRegression(C=C, tol=1e-12).fit(X, y)
            )
        skglm = optional_module("skglm")
        if skglm is not None:
            est = skglm.SparseLogisticRegression(
                alpha=1 / (C * n), tol=1e-12, max_iter=1000, fit_intercept=fit_intercept
            ).fit(X, y)
            sols["skglm"] = as_solution(est)
        glmnet = optional_module("glmnet")
        if glmnet is not None:
            sols["glmnet"] = glmnet_fit(glmnet, X, y, C, 1e-14, fit_intercept)
        where = "with intercept" if fit_intercept else "no intercept"
        parts = []
        for name, (coef, b) in sols.items():
            diff = (objective(X, y, coef, b, C) - best) / best
            flag = ""
            if abs(diff) > 1e-8:
                flag = (
                    " (penalised intercept: expected)"
                    if name == "liblinear" and fit_intercept
                    else " MISMATCH"
                )
            parts.append(f"{name} {diff:+.1e}{flag}")
        lines.append(
            f"{where}, {n}x{p}: rel. objective difference to sklreg: "
            + ", ".join(parts)
        )
    return lines


# --------------------------------------------------------------------------


def versions():
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
        if mod is not None:
            out.append(f"{name} {getattr(mod, '__version__', '?')}")
    return ", ".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default=",".join(ROWS), help="e.g. a,a0,cv")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tol", type=float, default=1e-4, help="tol for everyone")
    parser.add_argument("--quick", action="store_true", help="small data (smoke run)")
    parser.add_argument(
        "--glmnet-tol",
        type=float,
        default=None,
        help="fix glmnet's tol instead of calibrating it",
    )
    parser.add_argument(
        "--no-verify", action="store_true", help="skip the peers' objective check"
    )
    parser.add_argument("--output", default=str(OUTPUT / "logistic.md"))
    args = parser.parse_args(argv)
    rows = [r.strip() for r in args.rows.split(",") if r.strip()]
    unknown = [r for r in rows if r not in ROWS]
    if unknown:
        parser.error(f"unknown rows {unknown}; choose from {','.join(ROWS)}")
    started = datetime.datetime.now(datetime.timezone.utc)
    quick = ", QUICK sizes" if args.quick else ""
    log(
        f"sklreg logistic benchmark, {started:%Y-%m-%d %H:%M} UTC; "
        f"rounds={args.rounds}, tol={args.tol:g}{quick}"
    )
    checks = []
    if not args.no_verify:
        log("checking each peer's objective against sklreg's (tight solves):")
        checks = verify_peer_objectives()
        for line in checks:
            log(f"  {line}")
    table_rows = []
    for key in rows:
        log(f"row {key}:")
        start = time.perf_counter()
        try:
            table_rows += ROWS[key](args)
        except Exception as exc:  # one broken row must not lose the others
            import traceback

            traceback.print_exc()
            table_rows.append([key, "—", "—", "—", "—", f"row failed: {exc!r}"])
        log(f"  row {key} took {time.perf_counter() - start:.1f} s")
    table = markdown_table(HEADER, table_rows)
    command = "python benchmarks/bench_logistic.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    text = (
        f"# sklreg logistic benchmark\n\nRun {started:%Y-%m-%d %H:%M} UTC, one "
        f"thread for every library, {args.rounds} interleaved rounds, medians; "
        f"tol={args.tol:g}{'; QUICK sizes' if args.quick else ''}.\n\n"
        f"Command: `{command.strip()}`\n\n{versions()}\n\n{table}\n"
    )
    if checks:
        text += "\nPeers' objective checked against sklreg (tight solves):\n\n"
        text += "".join(f"- {line}\n" for line in checks)
    print()
    print(text)
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    log(f"written to {out}")


if __name__ == "__main__":
    main()
