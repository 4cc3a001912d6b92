"""A stretch of an elastic-net path in one compiled call.

For each L1 weight ``l1_i`` of a decreasing path (the n-scaled weights, with
``l2_i`` beside them), this runs what ``_strong_rules.solve_screened`` does
in Python, without a round trip per alpha:

1. the sequential strong rule keeps the features with
   ``|x_j^T r_{i-1}| >= (2 l1_i - l1_{i-1}) f_j`` (``x_j^T r`` when
   ``positive``), plus the support of the previous solution;
2. scikit-learn's loop (``_kernels_plain.plain_solve_dense``) solves the
   problem restricted to the kept features, in place on the columns of
   ``X`` (no copy);
3. the KKT conditions ``|x_j^T r| <= l1_i f_j`` are checked over every
   discarded feature; violators join the kept set and step 2 runs again,
   warm-started;
4. the duality gap over *all* features certifies the solution.

A step this loop does not finish is handed back to the caller, which solves
that alpha with the working-set solver and calls again from the next one:
the kept set reaching half the features (the full problem is solved then),
the restricted loop running out of its epoch budget, or a restricted
certificate that does not hold over all features.  The answers are those
of the Python loop: the same rule, the same restricted solves.

Two layouts: dense Fortran-ordered columns (:func:`enet_path_dense`) and the
Gram form (:func:`enet_path_gram`, for n >> p).
"""

import numpy as np
from numba import njit

from sklreg._cd._kernels import dense_residual
from sklreg._cd._kernels_plain import (
    gap_from_correlations,
    gram_gap,
    plain_solve_dense,
    plain_solve_gram,
)

# Why a call returned (``status``): the stretch is done, or alpha ``stop``
# needs the caller: its kept set is too large, the restricted loop did not
# converge within its budget, or the gap over all features missed ``tol``.
DONE, FULL, UNCONVERGED, GAP = 0, 1, 2, 3


@njit(cache=True, nogil=True)
def scaled_weights(level, factors, out):
    """``out[j] = level * f_j`` (``inf`` where ``f_j = inf``)."""
    for j in range(factors.shape[0]):
        f = factors[j]
        out[j] = np.inf if f == np.inf else level * f


@njit(cache=True, nogil=True)
def strong_rule(xtr, level, factors, w, positive, kept):
    """``kept[j] = |xtr_j| >= level f_j or w_j != 0`` (``xtr_j`` if positive)."""
    for j in range(xtr.shape[0]):
        g = xtr[j] if positive else abs(xtr[j])
        f = factors[j]
        thr = np.inf if f == np.inf else level * f
        kept[j] = g >= thr or w[j] != 0.0


@njit(cache=True, nogil=True)
def add_kkt_violators(xtr, l1s, positive, kept):
    """Add to ``kept`` the discarded ``j`` with ``|xtr_j| > l1_j``; any added?"""
    added = False
    for j in range(xtr.shape[0]):
        if not kept[j]:
            g = xtr[j] if positive else abs(xtr[j])
            if g > l1s[j]:
                kept[j] = True
                added = True
    return added


@njit(cache=True, nogil=True)
def start_alpha(xtr, l1, l2, l1_prev, factors, w, positive, kept, l1s, l2s):
    """An alpha's per-feature weights ``l1s``, ``l2s`` and its strong-rule
    set ``kept`` (from ``xtr`` at the previous solution, at ``l1_prev``)."""
    scaled_weights(l1, factors, l1s)
    scaled_weights(l2, factors, l2s)
    strong_rule(xtr, 2.0 * l1 - max(l1_prev, l1), factors, w, positive, kept)


@njit(cache=True, nogil=True)
def store(w, gap, i, coefs, gaps):
    """``coefs[:, i] = w`` (cast to the path's dtype), ``gaps[i] = gap``."""
    for j in range(w.shape[0]):
        coefs[j, i] = w[j]
    gaps[i] = gap


@njit(cache=True, nogil=True)
def full_correlations(X, R, xtr):
    """``xtr = X^T R`` over every feature (BLAS's gemv: about 1.8x a
    compiled loop on 200x5000, one thread); returns ``R @ R``."""
    xtr[:] = np.dot(X.T, R)
    return np.dot(R, R)


@njit(cache=True, nogil=True)
def _support(w, cols):
    count = 0
    for k in range(cols.shape[0]):
        if w[cols[k]] != 0.0:
            count += 1
    out = np.empty(count, dtype=np.int64)
    count = 0
    for k in range(cols.shape[0]):
        if w[cols[k]] != 0.0:
            out[count] = cols[k]
            count += 1
    return out


@njit(cache=True, nogil=True)
def enet_path_dense(
    X, y, sq_norms, factors, l1_path, l2_path, positive, w, xtr, l1_prev, start,
    stop, n_samples, min_epochs, work, max_iter, tol, tol_abs, full_fraction,
    kept, coefs, gaps, n_iters,
):  # fmt: skip
    """Solve the alphas ``start, ..., stop - 1`` of a path on dense ``X``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), Fortran order
    y : ndarray of shape (n_samples,)
    sq_norms, factors : ndarray of shape (n_features,)
        ``||X_j||^2`` and the penalty factors ``f_j`` (ones without).
    l1_path, l2_path : ndarray of shape (n_alphas,)
        The n-scaled L1 and L2 weights along the path (decreasing L1).
    positive : bool
    w : ndarray of shape (n_features,)
        Warm start, updated in place (the last solution on return).
    xtr : ndarray of shape (n_features,)
        ``X^T (y - X w)`` at the warm start, updated in place.
    l1_prev : float
        The L1 weight ``w`` was solved at (the strong rule's previous one).
    n_samples, min_epochs, work, max_iter : int, int, float, int
        A restricted solve on ``k`` features may run
        ``min(max(work / (n_samples k), min_epochs), max_iter)`` epochs.
    tol, tol_abs : float
        scikit-learn's coefficient-change tolerance and the gap tolerance
        (``tol ||y||^2``).
    full_fraction : float
        A kept set of at least this fraction of the features is handed back.
    kept : ndarray of bool, shape (n_features,)
        Output: the kept features of the alpha handed back.
    coefs : ndarray of shape (n_features, n_alphas)
    gaps : ndarray of shape (n_alphas,)
    n_iters : ndarray of int64, shape (n_alphas,)
        Outputs, filled for each solved alpha (``n_iters`` also for the one
        handed back: the epochs it has run).

    Returns
    -------
    index, status : int, int
        ``(stop, DONE)``, or the alpha handed back and why.
    """
    p = X.shape[1]
    all_cols = np.arange(p)
    l1s = np.empty(p)
    l2s = np.empty(p)
    R = np.empty_like(y)
    for i in range(start, stop):
        l1 = l1_path[i]
        l2 = l2_path[i]
        start_alpha(xtr, l1, l2, l1_prev, factors, w, positive, kept, l1s, l2s)
        n_iter = 0
        while True:
            cols = np.flatnonzero(kept)
            if cols.shape[0] >= full_fraction * p:
                n_iters[i] = n_iter
                return i, FULL
            # the residual of the warm start (w is zero off the kept set)
            dense_residual(X, y, w, _support(w, cols), R)
            if cols.shape[0] > 0:
                budget = max(int(work // (n_samples * cols.shape[0])), min_epochs)
                budget = min(budget, max_iter)
                epochs, _, converged = plain_solve_dense(
                    X, w, R, sq_norms, l1, l2, l1s, l2s, positive, cols, budget,
                    tol, tol_abs, False, 0,
                )  # fmt: skip
                n_iter += epochs
                if not converged:
                    n_iters[i] = n_iter
                    return i, UNCONVERGED
            rr = full_correlations(X, R, xtr)
            if not add_kkt_violators(xtr, l1s, positive, kept):
                break
        gap = gap_from_correlations(
            w, xtr, rr, l1, l2, l1s, l2s, positive, sq_norms, all_cols
        )
        n_iters[i] = n_iter
        if gap > tol_abs:
            return i, GAP
        store(w, gap, i, coefs, gaps)
        l1_prev = l1
    return stop, DONE


@njit(cache=True, nogil=True)
def _gram_state(G, w, support, H):
    """``H = G[:, support] @ w[support]``."""
    H[:] = 0.0
    for k in range(support.shape[0]):
        j = support[k]
        wj = w[j]
        for i in range(G.shape[0]):
            H[i] += G[i, j] * wj


@njit(cache=True, nogil=True)
def enet_path_gram(
    G, q, y_norm2, sq_norms, factors, l1_path, l2_path, positive, w, xtr, l1_prev,
    start, stop, n_samples, min_epochs, work, max_iter, tol, tol_abs,
    full_fraction, kept, coefs, gaps, n_iters,
):  # fmt: skip
    """:func:`enet_path_dense` on the Gram form (``G = X^T X``, ``q = X^T y``,
    ``y_norm2 = ||y||^2``; ``n_samples`` the rows behind ``G``, for the epoch
    budget).  ``H = G w`` is kept over every feature by the epochs, so the
    KKT check's ``X^T r = q - H`` costs nothing more; a kept set of
    ``full_fraction`` of the features becomes all of them (never FULL)."""
    p = G.shape[0]
    all_cols = np.arange(p)
    l1s = np.empty(p)
    l2s = np.empty(p)
    H = np.empty(p, dtype=q.dtype)
    for i in range(start, stop):
        l1 = l1_path[i]
        l2 = l2_path[i]
        start_alpha(xtr, l1, l2, l1_prev, factors, w, positive, kept, l1s, l2s)
        n_iter = 0
        while True:
            if np.sum(kept) >= full_fraction * p:
                # an epoch costs O(p) per moving coordinate either way:
                # scikit-learn's loop on every feature, still compiled
                kept[:] = True
            cols = np.flatnonzero(kept)
            _gram_state(G, w, _support(w, cols), H)
            if cols.shape[0] > 0:
                budget = max(int(work // (n_samples * cols.shape[0])), min_epochs)
                budget = min(budget, max_iter)
                epochs, _, converged = plain_solve_gram(
                    G, q, y_norm2, w, H, sq_norms, l1, l2, l1s, l2s, positive,
                    cols, budget, tol, tol_abs, False, 0,
                )  # fmt: skip
                n_iter += epochs
                if not converged:
                    n_iters[i] = n_iter
                    return i, UNCONVERGED
            gap = gram_gap(
                q, y_norm2, w, H, sq_norms, l1, l2, l1s, l2s, positive, all_cols, xtr
            )
            if not add_kkt_violators(xtr, l1s, positive, kept):
                break
        n_iters[i] = n_iter
        if gap > tol_abs:
            return i, GAP
        store(w, gap, i, coefs, gaps)
        l1_prev = l1
    return stop, DONE
