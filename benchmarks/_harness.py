"""Timing helpers shared by sklreg's benchmark scripts.

Importing this module pins every thread pool to one thread *before* numpy,
scipy, numba or any peer library is imported by the caller:

* the environment variables read at load time (``NUMBA_NUM_THREADS``,
  ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS``) are set
  to ``1``; subprocesses (cold-start rows, joblib's loky workers) inherit them;
* :func:`single_thread` additionally wraps the timed code in
  ``threadpoolctl.threadpool_limits(1)``, so a BLAS that was already loaded is
  limited too.

The timing protocol is :func:`time_interleaved`: each contender runs once as a
warm-up (numba compilation, caches, page faults), then the contenders run
round by round in a fixed order (A, B, C, A, B, C, ...), so that a slow
period of a shared machine hits every contender alike.  Each round gives a
ratio ``time(contender) / time(reference)``; the report is the median of those
ratios and the median of the absolute times.
"""

from __future__ import annotations

import os

_SINGLE_THREAD_VARS = (
    "NUMBA_NUM_THREADS",
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)
for _var in _SINGLE_THREAD_VARS:
    os.environ[_var] = "1"

import contextlib  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from collections.abc import Callable, Iterator, Sequence  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any  # noqa: E402


@contextlib.contextmanager
def single_thread() -> Iterator[None]:
    """Limit BLAS/OpenMP pools (and numba, if loaded) to one thread."""
    from threadpoolctl import threadpool_limits

    numba = sys.modules.get("numba")
    previous = None
    if numba is not None:
        previous = numba.get_num_threads()
        numba.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        if numba is not None and previous is not None:
            numba.set_num_threads(previous)


@dataclass
class Contender:
    """One library's way of solving a benchmark problem.

    ``run`` takes no argument and returns whatever the row needs to score
    accuracy afterwards (typically ``(coef, intercept)``); only the call
    itself is timed.
    """

    name: str
    run: Callable[[], Any]
    note: str = ""


@dataclass
class Timing:
    """Outcome of :func:`time_interleaved` for one contender."""

    name: str
    note: str = ""
    times: list[float] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    warmup_time: float = float("nan")
    result: Any = None
    error: str | None = None

    @property
    def median_time(self) -> float:
        return statistics.median(self.times) if self.times else float("nan")

    @property
    def median_ratio(self) -> float:
        return statistics.median(self.ratios) if self.ratios else float("nan")


def _timed_call(run: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def time_interleaved(
    contenders: Sequence[Contender],
    rounds: int,
    reference: str | None = None,
    warmup: bool = True,
    log: Callable[[str], None] = print,
    slow_seconds: float = 20.0,
) -> list[Timing]:
    """Time ``contenders`` round by round and return one :class:`Timing` each.

    Parameters
    ----------
    contenders : sequence of Contender
        Run in this order in every round.
    rounds : int
        Number of timed rounds after the warm-up.
    reference : str, optional
        Name of the contender the per-round ratios are taken against
        (scikit-learn in every row).  Without it, no ratios.
    warmup : bool
        Run each contender once, untimed for the report, before the rounds.
    log : callable
        Receives one progress line per event.
    slow_seconds : float
        A contender whose warm-up takes longer than this is timed in the first
        round only (its note says so), to keep a run within minutes.

    A contender that raises is reported with its error and dropped from the
    following rounds; the others go on.
    """
    timings = [Timing(c.name, c.note) for c in contenders]
    alive = [True] * len(contenders)
    with single_thread():
        if warmup:
            for i, c in enumerate(contenders):
                try:
                    timings[i].warmup_time, timings[i].result = _timed_call(c.run)
                    log(f"    warm-up {c.name}: {timings[i].warmup_time:.3f} s")
                    if timings[i].warmup_time > slow_seconds and rounds > 1:
                        timings[i].note = "; ".join(
                            x for x in (c.note, "slow: 1 timed round only") if x
                        )
                except Exception as exc:  # report and carry on with the others
                    timings[i].error = f"{type(exc).__name__}: {exc}"
                    alive[i] = False
                    log(f"    {c.name} failed: {timings[i].error}")
                    log(traceback.format_exc(limit=3))
        for r in range(rounds):
            for i, c in enumerate(contenders):
                if not alive[i]:
                    continue
                if r > 0 and timings[i].warmup_time > slow_seconds:
                    continue
                try:
                    elapsed, timings[i].result = _timed_call(c.run)
                except Exception as exc:
                    timings[i].error = f"{type(exc).__name__}: {exc}"
                    alive[i] = False
                    log(f"    {c.name} failed in round {r}: {timings[i].error}")
                    continue
                timings[i].times.append(elapsed)
            log(
                f"    round {r + 1}/{rounds}: "
                + ", ".join(
                    f"{t.name} {t.times[-1]:.3f}s"
                    for t, ok in zip(timings, alive, strict=True)
                    if ok and len(t.times) == r + 1 and t.times
                )
            )
    if reference is not None:
        ref = next((t for t in timings if t.name == reference), None)
        if ref is not None and ref.times:
            for t in timings:
                n = min(len(t.times), len(ref.times))
                t.ratios = [t.times[k] / ref.times[k] for k in range(n)]
    return timings


def run_fresh_python(
    code: str, timeout: float = 600.0, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run ``code`` in a new interpreter and return the JSON it prints last.

    The child inherits this process's environment (so the single-thread
    variables above) plus ``env``.  The code must print one JSON object on its
    last line of stdout.
    """
    child_env = dict(os.environ)
    if env:
        child_env.update(env)
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=child_env,
        check=False,
    )
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise RuntimeError(f"child exited with {proc.returncode}: " + " | ".join(tail))
    lines = [ln for ln in proc.stdout.strip().splitlines() if ln.startswith("{")]
    if not lines:
        raise RuntimeError(f"child printed no JSON: {proc.stdout[-300:]!r}")
    return json.loads(lines[-1])


def format_seconds(seconds: float) -> str:
    """Human-readable duration with three significant digits."""
    if seconds != seconds:  # NaN
        return "—"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    return f"{seconds * 1e3:.3g} ms"


def format_ratio(ratio: float) -> str:
    if ratio != ratio:
        return "—"
    return f"{ratio:.2f}×"


def format_float(value: float | None) -> str:
    if value is None or value != value:
        return "—"
    if value == 0:
        return "0"
    return f"{value:.1e}"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured markdown table."""
    out = ["| " + " | ".join(header) + " |"]
    out.append("|" + "|".join(" --- " for _ in header) + "|")
    for row in rows:
        out.append("| " + " | ".join(str(cell) for cell in row) + " |")
    return "\n".join(out)
