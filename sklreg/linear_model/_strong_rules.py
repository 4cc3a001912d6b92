"""Sequential strong rules with a KKT check, for a path of elastic-net solves.

Along a decreasing path ``l1_0 > l1_1 > ...`` (the L1 weights on the
n-scaled objective), the sequential strong rule of Tibshirani et al. (2012)
keeps, for ``l1_k``, the features whose correlation with the previous
residual is large::

    |x_j^T r(l1_{k-1})| >= 2 l1_k - l1_{k-1}          (x_j^T r when positive)

plus the support of the previous solution.  The rule is a heuristic: it can
discard a feature that the solution at ``l1_k`` needs.  So after solving on
the kept features, the KKT conditions are checked over *every* feature
(``|x_j^T r| <= l1`` for each discarded ``j``); violators join the kept set
and the problem is solved again, warm-started, until none is left.  The
duality gap is then evaluated over all features: it is a true certificate
of the full problem (if it misses the tolerance although the restricted
solve met it, the solve is finished on all features).

The restricted problem is a datafit on the kept columns (a copy of those
columns, or of the matching block of the Gram matrix), so the solver itself
does not change.
"""

import numpy as np

from sklreg._cd._lazy import lazy_module
from sklreg._cd.datafits import QuadraticDense, QuadraticGram, QuadraticSparse
from sklreg._cd.datafits_multitask import BlockDense, BlockSparse
from sklreg._cd.solver import _PLAIN_WORK

_kernels_path = lazy_module("sklreg._cd._kernels_path")

# Above this fraction of kept features a restricted problem saves little:
# solve the full problem (the solver still uses its own working sets).
_FULL_FRACTION = 0.5
# The kept features are a working set already (glmnet's active set): plain
# compiled epochs on them (scikit-learn's loop), up to this many, before the
# working-set solver's extrapolation takes over; measured 1.1-1.6x faster
# paths and LassoCV on the rows of benchmarks/bench_linear.py.  (glmnet's
# active-set cycling saved another 15% on a tol=1e-4 path, but its iterates
# differ from scikit-learn's, and so did LassoCV's alpha_ at the default tol.)
_SUBPROBLEM_PLAIN_EPOCHS = 200


def _magnitude(xtr, positive):
    """``|x_j^T r|`` (``x_j^T r`` when positive; the row norm for several tasks)."""
    if xtr.ndim == 2:
        return np.sqrt(np.einsum("ij,ij->i", xtr, xtr))
    return xtr if positive else np.abs(xtr)


def _support(w):
    return w != 0 if w.ndim == 1 else np.any(w != 0, axis=1)


def _scaled(level, weights):
    """``level * f_j`` (``inf`` for an excluded feature), or ``level``."""
    if weights is None:
        return level
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(weights), np.inf, level * weights)


def strong_rule_mask(xtr_prev, l1, l1_prev, w_prev, positive, weights=None):
    """Features kept by the sequential strong rule at L1 weight ``l1``.

    Parameters
    ----------
    xtr_prev : ndarray of shape (n_features,)
        ``X^T r`` at the previous solution.
    l1, l1_prev : float
        Current and previous L1 weights (n-scaled).
    w_prev : ndarray of shape (n_features,)
        Previous solution: its support is always kept.
    positive : bool
    weights : ndarray of shape (n_features,), default=None
        Penalty factors: feature ``j``'s weight is ``f_j l1`` (an
        unpenalised feature, ``f_j = 0``, is always kept).

    ``xtr_prev`` of shape (n_features, n_tasks) (the multi-task problem)
    is ranked by the norm of each row.

    Returns
    -------
    mask : ndarray of bool, shape (n_features,)
    """
    score = _magnitude(xtr_prev, positive)
    return (score >= _scaled(2.0 * l1 - l1_prev, weights)) | _support(w_prev)


def kkt_violations(xtr, l1, kept, positive, weights=None):
    """Discarded features whose KKT condition ``|x_j^T r| <= l1 f_j`` fails."""
    return (_magnitude(xtr, positive) > _scaled(l1, weights)) & ~kept


def restrict(datafit, cols):
    """The same squared loss on the columns ``cols`` only, or None.

    None means the layout is unknown here: the caller solves the full
    problem instead.
    """
    if hasattr(datafit, "restrict"):
        return datafit.restrict(cols)
    if isinstance(datafit, QuadraticGram):
        sub = QuadraticGram(
            np.ascontiguousarray(datafit.G[np.ix_(cols, cols)]),
            datafit.q[cols].copy(),
            datafit.y_norm2,
            datafit.n_samples,
        )
        return sub
    if isinstance(datafit, QuadraticDense):
        return QuadraticDense(
            np.asfortranarray(datafit.X[:, cols]), datafit.y, datafit.sq_norms[cols]
        )
    if isinstance(datafit, QuadraticSparse):
        return QuadraticSparse(
            datafit.X[:, cols],
            datafit.y,
            datafit.col_means[cols],
            datafit.v,
            datafit.sq_norms[cols],
            datafit.row_scaled,
        )
    return None


def full_xtr(datafit, w, sub=None, w_sub=None):
    """``X^T r`` over all features at ``w``, with the datafit's state.

    For the column layouts the residual is the same for the restricted
    problem ``sub`` at ``w_sub`` (``w`` is zero off its columns): it is
    computed there, on the contiguous copy of those columns.
    """
    column_layout = QuadraticDense | QuadraticSparse | BlockDense | BlockSparse
    if sub is not None and isinstance(datafit, column_layout):
        state = sub.init_state(w_sub)
    else:
        state = datafit.init_state(w)
    return datafit.xtr(state), state


def solve_screened(datafit, penalty, solver, w, kept, dtype):
    """Solve on the kept features, add KKT violators, repeat.

    Parameters
    ----------
    datafit : a datafit of ``sklreg._cd.datafits``
    penalty : ElasticNetPenalty
    solver : WorkingSetSolver
    w : ndarray of shape (n_features,)
        Warm start (its coefficients outside ``kept`` are set to zero).
    kept : ndarray of bool, shape (n_features,)
        Features kept by the strong rule.
    dtype : numpy dtype

    Returns
    -------
    w : ndarray of shape (n_features,)
    dual_gap : float
        Duality gap over all features (n-scaled objective).
    n_iter : int
        Epochs over all the solves.
    xtr : ndarray of shape (n_features,)
        ``X^T r`` at ``w`` (for the next strong rule).
    """
    p = datafit.n_features
    kept = kept.copy()
    n_iter = 0
    while True:
        cols = np.flatnonzero(kept).astype(np.int64)
        sub = restrict(datafit, cols) if cols.size < _FULL_FRACTION * p else None
        if sub is None:
            return _solve_full(datafit, penalty, solver, w, dtype, n_iter)
        w_new = np.zeros(w.shape, dtype=dtype)
        converged = True
        w_sub = w[cols]
        if cols.size:
            res = solver.with_params(plain_epochs=_SUBPROBLEM_PLAIN_EPOCHS).solve(
                sub, penalty.restrict(cols), w_sub, dtype
            )
            w_sub = res.coef
            w_new[cols] = w_sub
            n_iter += res.n_iter
            converged = res.converged
        w = w_new
        xtr, state = full_xtr(datafit, w, sub, w_sub)
        violators = kkt_violations(
            xtr, penalty.l1, kept, penalty.positive, penalty.weights
        )
        if not violators.any():
            gap = datafit.duality_gap(w, state, penalty, xtr)
            if gap <= solver.tol * datafit.y_norm2 or not converged:
                return w, float(gap), n_iter, xtr
            # The restricted solve stopped on its own certificate, which
            # need not hold over all features: finish on the full problem.
            return _solve_full(datafit, penalty, solver, w, dtype, n_iter)
        kept |= violators


def _solve_full(datafit, penalty, solver, w, dtype, n_iter):
    res = solver.solve(datafit, penalty, w, dtype)
    xtr, _ = full_xtr(datafit, res.coef)
    return res.coef, res.dual_gap, n_iter + res.n_iter, xtr


class CompiledPath:
    """Stretches of a path solved in one compiled call each.

    The same strong rule, restricted solves (scikit-learn's loop, up to
    ``_SUBPROBLEM_PLAIN_EPOCHS`` epochs or ``_PLAIN_WORK`` multiply-adds),
    KKT checks and certificate as :func:`solve_screened`, run by the
    datafit's ``plain_path`` kernel (``_kernels_path``) over many alphas
    without returning to Python.  An alpha the kernel hands back is
    finished here, by :func:`solve_screened`'s working-set solves.

    Available for a datafit with a ``_path_kernel``, one target, a
    cyclic solver stopping on the duality gap, and scikit-learn's loop
    enabled (``plain_start``).
    """

    def __init__(self, datafit, solver, alphas, n_samples, l1_ratio, factors):
        self.datafit = datafit
        self.solver = solver
        alphas = np.asarray(alphas, dtype=np.float64)
        self.l1_path = alphas * (l1_ratio * n_samples)
        self.l2_path = alphas * ((1.0 - l1_ratio) * n_samples)
        p = datafit.n_features
        self.factors = (
            np.ones(p) if factors is None else np.asarray(factors, dtype=np.float64)
        )
        self.kept = np.empty(p, dtype=np.bool_)
        self.n_iters = np.zeros(alphas.shape[0], dtype=np.int64)

    @staticmethod
    def available(datafit, solver, n_tasks):
        return (
            n_tasks is None
            and hasattr(datafit, "_path_kernel")
            and solver.selection != "random"
            and solver.stopping == "gap"
            and solver.plain_start
        )

    def run(self, w, xtr, l1_prev, start, stop, positive, coefs, gaps):
        """Solve alphas ``start, ..., stop - 1`` in place (``w``, ``xtr``,
        ``coefs[:, i]``, ``gaps[i]``); returns ``(i, status)``, ``i`` the
        first alpha not solved (``stop`` when ``status`` is DONE)."""
        solver = self.solver
        return self.datafit.plain_path(
            self.factors,
            self.l1_path,
            self.l2_path,
            positive,
            w,
            xtr,
            l1_prev,
            start,
            stop,
            _SUBPROBLEM_PLAIN_EPOCHS,
            _PLAIN_WORK,
            solver.max_iter,
            solver.tol,
            _FULL_FRACTION,
            self.kept,
            coefs,
            gaps,
            self.n_iters,
        )

    def finish(self, i, status, penalty, w, dtype):
        """Solve alpha ``i``, handed back with ``status``, in Python: as
        :func:`solve_screened` would from the kernel's state.

        Returns ``(w, gap, n_iter, xtr)`` as :func:`solve_screened`.
        """
        done = int(self.n_iters[i])
        if status == _kernels_path.UNCONVERGED:
            # the restricted loop ran its budget: the working-set solver
            # goes on from there (without running that loop again)
            solver = self.solver.with_params(plain_start=False)
            w, gap, n_iter, xtr = solve_screened(
                self.datafit, penalty, solver, w, self.kept, dtype
            )
            return w, gap, done + n_iter, xtr
        # kept set too large, or a restricted certificate that does not hold
        # over all features: the full problem
        return _solve_full(self.datafit, penalty, self.solver, w, dtype, done)
