"""The working-set coordinate-descent solver.

One solver serves every datafit and penalty of the engine (see
``datafits.py`` and ``penalties.py``).  It minimises ``F(Xw) + g(w)``:

1. compute the full correlation ``X^T r`` and the duality gap; stop when the
   gap is at most ``tol * ||y||^2`` (scikit-learn's semantics, on the
   n-scaled objective);
2. otherwise rank the features by their distance to optimality (distance of
   the gradient to the subdifferential of ``g``), and take the current
   support plus the worst violators as the working set, at least twice the
   support (celer, skglm);
3. run coordinate-descent epochs on the working set until the gap of the
   restricted problem falls under a fraction of the full gap, then go to 1.

Epochs over a working set count towards ``max_iter``, so ``n_iter`` is the
number of (possibly partial) passes, as scikit-learn's ``n_iter_``.
"""

import copy
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state

from sklreg._cd import _aot

# Multiply-adds the plain compiled loop may spend before the working-set
# solver takes over (about the Python cost of one working-set solve).
_PLAIN_WORK = 4e5

_CONVERGENCE_MESSAGE = (
    "Objective did not converge. You might want to increase the number of "
    "iterations, check the scale of the features or consider increasing "
    "regularisation. Duality gap: {gap:.3e}, tolerance: {tol:.3e}"
)


@dataclass
class SolverResult:
    """What :meth:`WorkingSetSolver.solve` returns.

    Attributes
    ----------
    coef : ndarray of shape (n_features,)
    dual_gap : float
        Duality gap at ``coef`` on the n-scaled objective (a certificate:
        ``P(coef) - P(w*) <= dual_gap``).
    n_iter : int
        Coordinate-descent epochs run.
    converged : bool
    """

    coef: np.ndarray
    dual_gap: float
    n_iter: int
    converged: bool


class WorkingSetSolver:
    """Coordinate descent with working sets and a duality-gap stopping rule.

    Parameters
    ----------
    tol : float, default=1e-4
        With ``stopping="gap"``, stop when the duality gap is at most
        ``tol * ||y||^2``.  With ``stopping="coef"``, stop when an epoch's
        largest coefficient change is at most ``tol`` times the largest
        coefficient (the rule of scikit-learn's 'sag' Ridge solver).
    max_iter : int, default=1000
        Maximal number of epochs.
    selection : {"cyclic", "random"}, default="cyclic"
    random_state : int, RandomState instance or None, default=None
        Seeds the coordinate draws when ``selection="random"``.
    working_sets : bool, default=True
        Restrict epochs to working sets (only when the penalty has an L1
        part; without it the solution is dense).
    ws_start : int, default=10
        Smallest working-set size.
    gap_freq : int, default=10
        Epochs between two duality-gap evaluations of the inner problem.
    screening : bool, default=True
        Gap-safe screening of the Lasso (features certified zero leave the
        problem; the final certificate is still over every feature).
    anderson : bool, default=True
        Extrapolate the last ``gap_freq`` iterates (Anderson acceleration)
        before each gap evaluation; kept only when it lowers the objective.
    plain_start : bool, default=True
        On a small problem, first run scikit-learn's own loop (all features,
        gap checked after a small step) in one compiled call, for an epoch
        budget worth the working sets' overhead; the working-set solve
        continues from there if it has not converged.
    plain_epochs : int, default=0
        Epochs the plain loop may run at least, whatever the problem's size
        (up to ``max_iter``).  The strong-rule subproblems of a path, whose
        features are already the working set (glmnet's active set), take
        100: plain epochs there cost less than working sets on top of them.
    stopping : {"gap", "coef"}, default="gap"
    warn : bool, default=True
        Emit a :class:`~sklearn.exceptions.ConvergenceWarning` when
        ``max_iter`` ends the run.
    """

    def __init__(
        self,
        tol=1e-4,
        max_iter=1000,
        selection="cyclic",
        random_state=None,
        working_sets=True,
        ws_start=10,
        gap_freq=10,
        stopping="gap",
        warn=True,
        anderson=True,
        screening=True,
        plain_start=True,
        plain_epochs=0,
    ):
        self.tol = tol
        self.max_iter = max_iter
        self.selection = selection
        self.random_state = random_state
        self.working_sets = working_sets
        self.ws_start = ws_start
        self.gap_freq = gap_freq
        self.stopping = stopping
        self.warn = warn
        self.anderson = anderson
        self.screening = screening
        self.plain_start = plain_start
        self.plain_epochs = plain_epochs

    def with_params(self, **params):
        """A copy of this solver with some parameters changed."""
        other = copy.copy(self)
        for name, value in params.items():
            if not hasattr(self, name):
                raise TypeError(f"WorkingSetSolver has no parameter {name!r}")
            setattr(other, name, value)
        return other

    def solve(self, datafit, penalty, w0=None, dtype=np.float64) -> SolverResult:
        """Minimise ``datafit + penalty`` from ``w0`` (zeros if None).

        The coefficients are iterated in the datafit's precision when it is
        higher than ``dtype`` (a float64 Gram matrix of float32 data) and
        returned as ``dtype``.
        """
        p = datafit.n_features
        work = np.result_type(dtype, datafit.dtype)
        w = np.zeros(p, dtype=work) if w0 is None else np.array(w0, dtype=work)
        if penalty.positive:
            np.maximum(w, 0, out=w)
        state = datafit.init_state(w)
        random = self.selection == "random"
        seed = (
            check_random_state(self.random_state).randint(0, 2**31 - 1 - 10**6)
            if random
            else 0
        )
        if self.stopping == "coef":
            res = self._solve_coef_rule(datafit, penalty, w, state, random, seed)
        else:
            res = self._solve_gap_rule(datafit, penalty, w, state, random, seed)
        res.coef = res.coef.astype(dtype, copy=False)
        return res

    def _solve_gap_rule(self, datafit, penalty, w, state, random, seed):
        p = datafit.n_features
        all_cols = np.arange(p, dtype=np.int64)
        tol_abs = self.tol * datafit.y_norm2
        # small problems: working sets cost more Python than they save
        use_ws = self.working_sets and penalty.l1 > 0 and p > 10 * self.ws_start
        # gap-safe screening needs an L1 part (elastic net: the augmented Lasso)
        screen = self.screening and penalty.l1 > 0
        n_iter = 0
        # As scikit-learn, a run ends only when the duality gap is small *and*
        # the last epoch moved no coefficient by more than tol (relative): a
        # loose dual point alone must not stop the run on a point that is
        # still moving.
        small_step = True  # a start that already certifies is kept (n_iter=0)
        budget = min(self._plain_budget(datafit), self.max_iter)
        if budget > 0:
            # a small problem: first scikit-learn's loop in one compiled call
            n_iter, gap, converged = datafit.plain_solve(
                w, state, penalty, budget, self.tol, tol_abs, random, seed
            )
            if converged:
                return SolverResult(w, float(gap), int(n_iter), True)
            seed += n_iter
        active = all_cols  # the features not screened out
        ws = all_cols[:0]
        cand = None
        xtr = datafit.xtr(state)
        gap = datafit.duality_gap(w, state, penalty, xtr)
        while not (gap <= tol_abs and small_step) and n_iter < self.max_iter:
            # gap certified but coefficients still moving: polish on the same
            # working set; otherwise grow a new one and solve it loosely
            polish = gap <= tol_abs
            if not polish:
                if screen:
                    active, xtr, state = self._screen(
                        datafit, penalty, w, state, active, xtr, gap
                    )
                ws = (
                    self._working_set(w, xtr, penalty, active, ws.shape[0])
                    if use_ws
                    else active
                )
            full = ws.shape[0] == active.shape[0]
            inner_tol = tol_abs if full or polish else max(0.1 * gap, tol_abs)
            final = polish or full  # this inner solve must reach tol itself
            stop_on_small_step = True
            while n_iter < self.max_iter:
                state, done, small_step, cand = self._run_block(
                    datafit,
                    penalty,
                    w,
                    state,
                    ws,
                    n_iter,
                    random,
                    seed,
                    stop_on_small_step,
                )
                n_iter += done
                stop_on_small_step = True
                if final and not small_step and n_iter < self.max_iter:
                    # the run cannot end before the coefficients settle:
                    # spare the gap evaluation until they do (scikit-learn)
                    continue
                inner_gap, xtr_ws = self._gap(
                    datafit, penalty, w, state, ws, cand, 10 * inner_tol
                )
                if full:
                    xtr, gap = xtr_ws, inner_gap
                if inner_gap <= inner_tol and (small_step or not final):
                    break
                # Small steps far from the optimum (ill-conditioned data): the
                # next block runs all its epochs, so that it can extrapolate,
                # instead of stopping at its first small step again.
                stop_on_small_step = not small_step
            if not full:
                gap, xtr = self._gap(
                    datafit, penalty, w, state, active, cand, 10 * tol_abs
                )
            if gap <= tol_abs and active.shape[0] < p:
                # the certificate must hold for every feature, screened or not
                gap, xtr = self._gap(datafit, penalty, w, state, all_cols, cand, np.inf)
                active = all_cols
        converged = gap <= tol_abs and small_step
        if not converged and self.warn:
            warnings.warn(
                _CONVERGENCE_MESSAGE.format(gap=gap, tol=tol_abs),
                ConvergenceWarning,
                stacklevel=3,
            )
        return SolverResult(w, float(gap), int(n_iter), bool(converged))

    def _plain_budget(self, datafit):
        """Epochs of the compiled plain loop worth trying before the working
        sets: as many as cost about what the working-set machinery's Python
        bookkeeping costs on a short solve (``_PLAIN_WORK`` multiply-adds of
        a dense epoch, ``n_samples * n_features``, for every layout, so that
        dense, sparse and Gram storage of the same data run the same
        algorithm; measured: ``benchmarks/bench_shapes.py``), or
        ``plain_epochs`` if more; 0 when that is under two epochs, when the
        datafit has no such loop, or when disabled."""
        if not self.plain_start or not hasattr(datafit, "plain_solve"):
            return 0
        budget = int(_PLAIN_WORK // max(datafit.problem_size(), 1))
        budget = max(budget, self.plain_epochs)
        return budget if budget >= 2 else 0

    @staticmethod
    def _gap(datafit, penalty, w, state, cols, candidate, candidate_below):
        """Duality gap over ``cols`` (and the correlations ``X[:, cols]^T r``).

        The candidate dual point costs one more pass over ``cols``: it is
        tried only when the plain gap is below ``candidate_below``, i.e.
        close enough to the target for a better certificate to matter.
        """
        sub = None if cols.shape[0] == datafit.n_features else cols
        xtr = datafit.xtr(state, sub)
        gap = datafit.duality_gap(w, state, penalty, xtr, sub)
        if candidate is not None and gap <= candidate_below:
            v, state_v = candidate[:2]
            cand = (v, state_v, datafit.xtr(state_v, sub))
            gap = datafit.duality_gap(w, state, penalty, xtr, sub, cand)
        return gap, xtr

    @staticmethod
    def _screen(datafit, penalty, w, state, active, xtr, gap):
        """Gap-safe screening (Fercoq, Gramfort & Salmon 2015) of ``active``.

        The elastic net is the Lasso of the design augmented with the rows
        ``sqrt(l2_j) e_j^T`` (and ``y`` with zeros): its dual point
        ``theta = s (r, -sqrt(l2) w)`` has correlations ``s z_j``,
        ``z_j = X_j^T r - l2_j w_j``, and its columns the norms
        ``sqrt(||X_j||^2 + l2_j)``.  With the gap ``G`` of the problem on
        ``active``, the dual optimum lies within ``sqrt(2 G)`` of
        ``theta``, so a feature with
        ``s |z_j| + sqrt(2 G) sqrt(||X_j||^2 + l2_j) < l1_j`` is zero at the
        optimum and leaves the problem for good (``l2 = 0``: the Lasso
        test).  The sphere is centred at ``theta``, so its radius takes the
        gap of ``theta`` itself, computed here: the run's ``gap`` may come
        from an extrapolated dual point, whose smaller gap does not bound
        the distance to ``theta``.
        """
        sub = None if active.shape[0] == datafit.n_features else active
        gap = max(gap, datafit.duality_gap(w, state, penalty, xtr, sub))
        l1 = penalty.l1
        l2 = penalty.l2_weights(active)
        z = xtr
        if penalty.l2 > 0:
            w_act = w[active]
            l2_w = l2 if np.ndim(l2) == 0 or w_act.ndim == 1 else l2[:, None]
            z = xtr - l2_w * w_act
        # with penalty factors f, the dual ball is ||z_j|| <= l1 f_j
        # (unpenalised features are never screened: f_j = 0 keeps them)
        scale = l1 / max(l1, penalty.dual_norm(z, active))
        corr = scale * penalty.magnitude(z)
        radius = np.sqrt(2.0 * gap) * np.sqrt(datafit.sq_norms[active] + l2)
        keep = corr + radius >= penalty.threshold(active)
        if keep.all():
            return active, xtr, state
        dropped = active[~keep]
        if np.any(w[dropped] != 0):
            w[dropped] = 0.0
            state = datafit.init_state(w)
        return active[keep], xtr[keep], state

    def _run_block(
        self,
        datafit,
        penalty,
        w,
        state,
        ws,
        n_iter,
        random,
        seed,
        stop_on_small_step=True,
    ):
        """Up to ``gap_freq`` epochs on ``ws``, then an Anderson extrapolation.

        The block ends early at an epoch that meets the coefficient-change
        rule when ``stop_on_small_step`` (the caller then checks the gap).

        The coefficients of coordinate descent converge linearly; the
        combination of the last iterates with weights summing to one that
        minimise the combined step ``||U c||`` (``U`` their successive
        differences) jumps close to the limit (Anderson acceleration,
        Bertrand & Massias 2021).  The point replaces ``w`` when it lowers
        the objective; otherwise its residual still serves as a dual point
        (celer's dual extrapolation).

        The extrapolated point's state is formed from it afresh (a pass over
        the support's columns, less than one epoch), not combined from the
        recorded states: that combination would carry ``eps * sum|c|`` times
        the early residuals, as large as ``y``, into every later step, and
        the run would converge to a point off the optimum by that much.

        Returns the (possibly new) datafit state, the epochs run, whether
        the last epoch met the coefficient-change rule, and a candidate
        dual point ``(v, state_v)`` (None if there is none).
        """
        budget = min(self.gap_freq, self.max_iter - n_iter)
        if not self.anderson or budget < self.gap_freq:
            done, small_step = datafit.run_epochs(
                w, state, penalty, ws, budget, self.tol, random, seed + n_iter
            )
            return state, done, small_step, None
        # a block of W (several tasks) is extrapolated as one flat vector
        block = w[ws].shape
        size = int(np.prod(block))
        coefs = np.empty((size, budget + 1), dtype=np.float64, order="F")
        coefs[:, 0] = w[ws].reshape(size)
        for k in range(budget):
            _, small_step = datafit.run_epochs(
                w, state, penalty, ws, 1, self.tol, random, seed + n_iter + k
            )
            coefs[:, k + 1] = w[ws].reshape(size)
            if small_step and stop_on_small_step:
                return state, k + 1, True, None
        c = np.empty(budget)
        if not _aot.anderson_weights(coefs, c):
            return state, budget, small_step, None
        w_acc = w.copy()
        w_acc[ws] = (coefs[:, 1:] @ c).reshape(block)
        if penalty.positive:
            np.maximum(w_acc, 0, out=w_acc)
        state_acc = datafit.init_state(w_acc)
        before = datafit.value(w, state) + penalty.value(w)
        after = datafit.value(w_acc, state_acc) + penalty.value(w_acc)
        # a decrease within the rounding of the objective (a Gram-form value
        # cancels digits of ||y||^2) is no decrease: accepting it would let
        # the last bits of the arithmetic pick the path, and dense and sparse
        # storage of the same data would end at different points
        noise = 64 * np.finfo(np.float64).eps * (abs(before) + datafit.y_norm2)
        if after < before - noise and self._may_extrapolate(datafit, penalty, ws):
            w[:] = w_acc
            return state_acc, budget, False, None
        return state, budget, small_step, (w_acc, state_acc)

    @staticmethod
    def _may_extrapolate(datafit, penalty, ws):
        """Whether an extrapolated point may replace the iterate.

        With more working-set columns than the design's rank, the restricted
        Lasso has flat directions (the null space of ``X[:, ws]``) along
        which coordinate descent does not contract.  There an Anderson step
        amplifies the rounding of its inputs by up to ``sum |c|`` per block,
        and the run's end point, a point anywhere on a nearly flat valley,
        would depend on the last bits of the arithmetic: dense and sparse
        storage of the same ``X`` would give models far apart, each within
        ``tol``.  Plain epochs are non-expansive, so those points agree to
        rounding, as scikit-learn's do; the extrapolated residual still
        serves as a dual point.
        """
        return penalty.l1 == 0 or ws.shape[0] <= datafit.rank_bound

    def _working_set(self, w, xtr, penalty, cols, prev_size=0):
        """The support plus the features of ``cols`` that violate optimality
        the most (``xtr`` holds ``X[:, cols]^T r``)."""
        w_cols = w[cols]
        score = penalty.subdiff_distance(w_cols, -xtr, cols)
        support = w_cols != 0 if w_cols.ndim == 1 else np.any(w_cols != 0, axis=1)
        score[support] = np.inf
        n_support = int(support.sum())
        size = max(self.ws_start, 2 * n_support)
        # unpenalised features (score inf) are always in the working set
        size = max(size, int(np.isinf(score).sum()))
        if prev_size and n_support >= 0.9 * prev_size:
            # the last working set filled up: the support is still growing fast
            size = max(size, 4 * n_support)
        if size >= cols.shape[0]:
            return cols
        ws = cols[np.argpartition(-score, size - 1)[:size]]
        ws.sort()  # memory order: columns are read in sequence
        return ws.astype(np.int64, copy=False)

    def _solve_coef_rule(self, datafit, penalty, w, state, random, seed):
        all_cols = np.arange(datafit.n_features, dtype=np.int64)
        n_iter = 0
        converged = False
        while n_iter < self.max_iter:
            state, done, converged, _ = self._run_block(
                datafit, penalty, w, state, all_cols, n_iter, random, seed
            )
            n_iter += done
            if converged:
                break
        xtr = datafit.xtr(state)
        gap = datafit.duality_gap(w, state, penalty, xtr)
        if not converged and self.warn:
            warnings.warn(
                "Coordinate descent did not converge: the coefficients still "
                f"moved by more than tol={self.tol:g} (relative) after "
                f"{n_iter} epochs. Increase max_iter or tol.",
                ConvergenceWarning,
                stacklevel=3,
            )
        return SolverResult(w, float(gap), int(n_iter), bool(converged))
