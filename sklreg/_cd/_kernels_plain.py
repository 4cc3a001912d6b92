"""One compiled call for a whole small solve: scikit-learn's own loop.

On a problem that converges in a few cheap epochs, the working-set solver's
Python bookkeeping (working sets, screening, gap checks, Anderson steps)
costs more than the epochs themselves.  These kernels run instead the loop
of scikit-learn's ``enet_coordinate_descent``, entirely in compiled code:
cyclic (or random) epochs over every feature, and the duality gap evaluated
before the first epoch (a certified warm start runs none, as in
scikit-learn 1.9) and after each epoch whose largest coefficient change is
at most ``tol`` times the largest coefficient; the run stops when that gap
is at most ``tol_abs``.  After each gap evaluation the features that
gap-safe screening proves zero at the optimum leave the epochs for the rest
of the run (:func:`screen`, as scikit-learn 1.9 does); the gap is still
evaluated over every feature.  The caller gives them an epoch budget and
hands a problem that has not converged within it to the working-set solver,
warm-started.

The duality gap of the whole engine's squared loss is computed here
(:func:`gap_from_correlations`; ``datafits._Quadratic.duality_gap`` calls
it too), in its cancellation-free form, with per-feature weights
``l1_j = l1 f_j``, ``l2_j = l2 f_j``::

    P(w) - D(s r) = (1 - s)^2/2 ||r||^2 + sum_j l1_j |w_j| - s w.X^T r
                    + (1 + s^2)/2 sum_j l2_j w_j^2,
    s = min(1, min_j l1_j / |X_j^T r - l2_j w_j|)

for an L1 part, ``g*(X^T r) - w.X^T r + 1/2 sum_j l2_j w_j^2`` without one,
and ``||X^T r||^2`` without any penalty.
"""

import numpy as np
from numba import njit

from sklreg._cd._kernels import (
    _FASTMATH,
    cd_epochs_dense,
    cd_epochs_gram,
    cd_epochs_sparse,
)


@njit(cache=True, nogil=True)
def gap_from_correlations(w, xtr, rr, l1, l2, l1s, l2s, positive, sq_norms, cols):
    """Duality gap at ``w`` over the features ``cols``.

    ``xtr[k] = X[:, cols[k]]^T r`` and ``rr = ||r||^2`` for the residual
    ``r = y - X w`` (``w`` zero off ``cols``); ``w``, ``l1s``, ``l2s`` and
    ``sq_norms`` are indexed by feature.  ``l1``, ``l2`` are the global
    weights (which formulation applies), ``l1s``/``l2s`` the per-feature
    ones (``l1 f_j``, ``l2 f_j``; ``inf`` for an excluded feature):

    * with an L1 part, ``s`` scales ``X^T r - l2_j w_j`` into the dual
      ball ``|.| <= l1_j`` of every penalised feature (one-sided when
      ``positive``);
    * without (Ridge), the conjugate ``sum_j (X_j^T r)^2 / (2 l2_j)``;
    * without any penalty, ``||X^T r||^2``.

    A feature with factor 0 (``l1_j = l2_j = 0``) has no dual constraint:
    its first-order term ``(X_j^T r)^2 / ||X_j||^2`` (twice the decrease an
    exact step on it would still make; 0 when ``positive`` holds it at zero
    against a negative gradient) is added instead, so that a small gap also
    means it is optimal.
    """
    if l1 == 0.0 and l2 == 0.0:
        s = 0.0
        for k in range(cols.shape[0]):
            s += xtr[k] * xtr[k]
        return s
    w_xtr = 0.0
    w_l1 = 0.0
    w_l2 = 0.0
    free = 0.0
    conj = 0.0
    for k in range(cols.shape[0]):
        j = cols[k]
        wj = w[j]
        g = xtr[k]
        w_xtr += wj * g
        if wj != 0.0:  # (an excluded feature's inf weight never meets a 0)
            w_l1 += l1s[j] * abs(wj)
            w_l2 += l2s[j] * wj * wj
        if l1s[j] == 0.0 and l2s[j] == 0.0:
            # (positive: a zero coefficient pushed below zero is optimal)
            if sq_norms[j] > 0.0 and not (positive and wj == 0.0 and g < 0.0):
                free += g * g / sq_norms[j]
            continue
        if l1 == 0.0 and l2s[j] < np.inf:
            e = g if positive else abs(g)
            if e > 0.0:
                conj += e * e / (2.0 * l2s[j])
    if l1 > 0.0:
        s = dual_scale(w, xtr, l1s, l2s, positive, cols)
        gap = 0.5 * (1.0 - s) ** 2 * rr + w_l1 - s * w_xtr + 0.5 * (1.0 + s * s) * w_l2
    else:
        gap = conj - w_xtr + 0.5 * w_l2
    return max(gap, 0.0) + free


@njit(cache=True, nogil=True)
def dual_scale(w, xtr, l1s, l2s, positive, cols):
    """``s = min(1, min_j l1_j / |z_j|)``, ``z_j = X_j^T r - l2_j w_j``, over
    the penalised features of ``cols`` (``z_j`` when ``positive``): the
    scaling that puts the residual into the dual ball."""
    s = 1.0
    for k in range(cols.shape[0]):
        j = cols[k]
        if (l1s[j] == 0.0 and l2s[j] == 0.0) or l1s[j] == np.inf:
            continue
        z = xtr[k] - l2s[j] * w[j]
        mag = z if positive else abs(z)
        if mag > l1s[j]:
            s = min(s, l1s[j] / mag)
    return s


@njit(cache=True, nogil=True)
def screen(w, xtr, gap, l1, l1s, l2s, positive, sq_norms, cols, excluded, active):
    """Gap-safe screening of ``cols`` (scikit-learn 1.9's loop does the same
    at each gap evaluation; Fercoq, Gramfort & Salmon 2015).

    With the gap ``G`` of the dual point ``s r`` (``xtr[k] = X_j^T r`` for
    ``j = cols[k]``), the dual optimum lies within ``sqrt(2 G)`` of it, so a
    penalised feature with ``s |z_j| + sqrt(2 G) sqrt(||X_j||^2 + l2_j) <
    l1_j`` is zero at the optimum (the elastic net as the Lasso of the
    augmented design).  Such features are marked in ``excluded`` (by
    position in ``cols``) for the rest of the solve; the others are written
    to ``active``, whose length is returned.  Without an L1 part nothing is
    screened.  The caller zeroes the excluded coefficients.
    """
    n_active = 0
    s = dual_scale(w, xtr, l1s, l2s, positive, cols) if l1 > 0.0 else 1.0
    radius = np.sqrt(2.0 * gap)
    for k in range(cols.shape[0]):
        if excluded[k]:
            continue
        j = cols[k]
        keep = l1 == 0.0 or l1s[j] == 0.0
        if not keep and l1s[j] < np.inf:
            z = xtr[k] - l2s[j] * w[j]
            mag = z if positive else abs(z)
            keep = s * mag + radius * np.sqrt(sq_norms[j] + l2s[j]) >= l1s[j]
        if keep:
            active[n_active] = j
            n_active += 1
        else:
            excluded[k] = True
    return n_active


@njit(cache=True, nogil=True)
def penalty_value(w, l1s, l2s, cols):
    """``sum_j l1_j |w_j| + l2_j/2 w_j^2`` over ``cols`` (zeros skipped, so an
    excluded feature's ``inf`` weight counts only if its coefficient is not 0)."""
    value = 0.0
    for k in range(cols.shape[0]):
        j = cols[k]
        wj = w[j]
        if wj != 0.0:
            value += l1s[j] * abs(wj) + 0.5 * l2s[j] * wj * wj
    return value


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def dense_correlations(X, R, cols, xtr):
    """``xtr[k] = X[:, cols[k]] @ R``; returns ``R @ R``."""
    n = X.shape[0]
    for k in range(cols.shape[0]):
        j = cols[k]
        s = 0.0
        for i in range(n):
            s += X[i, j] * R[i]
        xtr[k] = s
    rr = 0.0
    for i in range(n):
        rr += R[i] * R[i]
    return rr


@njit(cache=True, nogil=True)
def plain_solve_dense(
    X, w, R, sq_norms, l1, l2, l1s, l2s, positive, ws, max_epochs, tol, tol_abs,
    random, seed,
):  # fmt: skip
    """scikit-learn's CD loop on dense Fortran-ordered ``X`` (residual ``R``),
    over the features ``ws`` (every non-zero of ``w`` among them; all
    features for a whole solve, the kept features of a path's strong rule).

    Returns ``(epochs, gap, converged)``; ``gap`` is ``inf`` when the run
    ended without a gap evaluation at its last epoch.
    """
    xtr = np.empty(ws.shape[0])
    excluded = np.zeros(ws.shape[0], dtype=np.bool_)
    active = ws.copy()
    n_active = ws.shape[0]
    rr = dense_correlations(X, R, ws, xtr)
    gap = gap_from_correlations(w, xtr, rr, l1, l2, l1s, l2s, positive, sq_norms, ws)
    for epoch in range(max_epochs + 1):
        if gap <= tol_abs:
            return epoch, gap, True
        if epoch == max_epochs:
            break
        if gap < np.inf:
            n_active = screen(
                w, xtr, gap, l1, l1s, l2s, positive, sq_norms, ws, excluded, active
            )
            _drop_dense(X, w, R, ws, excluded)
        _, small = cd_epochs_dense(
            X, w, R, sq_norms, l1s, l2s, positive, active[:n_active], 1, tol,
            random, seed + epoch,
        )  # fmt: skip
        gap = np.inf
        if small:
            rr = dense_correlations(X, R, ws, xtr)
            gap = gap_from_correlations(
                w, xtr, rr, l1, l2, l1s, l2s, positive, sq_norms, ws
            )
    return max_epochs, gap, False


@njit(cache=True, nogil=True)
def _drop_dense(X, w, R, cols, excluded):
    """Zero the excluded coefficients still non-zero (``R += w_j X_j``)."""
    for k in range(cols.shape[0]):
        j = cols[k]
        if excluded[k] and w[j] != 0.0:
            wj = w[j]
            for i in range(X.shape[0]):
                R[i] += wj * X[i, j]
            w[j] = 0.0


@njit(cache=True, nogil=True)
def plain_solve_gram(
    G, q, y_norm2, w, H, sq_norms, l1, l2, l1s, l2s, positive, ws, max_epochs, tol,
    tol_abs, random, seed,
):  # fmt: skip
    """The same loop on the Gram form (``H = G @ w``, ``X^T r = q - H``),
    over the features ``ws`` (``H`` is kept over all features)."""
    xtr = np.empty(ws.shape[0])
    excluded = np.zeros(ws.shape[0], dtype=np.bool_)
    active = ws.copy()
    n_active = ws.shape[0]
    gap = gram_gap(q, y_norm2, w, H, sq_norms, l1, l2, l1s, l2s, positive, ws, xtr)
    for epoch in range(max_epochs + 1):
        if gap <= tol_abs:
            return epoch, gap, True
        if epoch == max_epochs:
            break
        if gap < np.inf:
            n_active = screen(
                w, xtr, gap, l1, l1s, l2s, positive, sq_norms, ws, excluded, active
            )
            _drop_gram(G, w, H, ws, excluded)
        _, small = cd_epochs_gram(
            G, q, w, H, l1s, l2s, positive, active[:n_active], 1, tol, random,
            seed + epoch,
        )  # fmt: skip
        gap = np.inf
        if small:
            gap = gram_gap(
                q, y_norm2, w, H, sq_norms, l1, l2, l1s, l2s, positive, ws, xtr
            )
    return max_epochs, gap, False


@njit(cache=True, nogil=True)
def _drop_gram(G, w, H, cols, excluded):
    """Zero the excluded coefficients still non-zero (``H -= w_j G_j``)."""
    for k in range(cols.shape[0]):
        j = cols[k]
        if excluded[k] and w[j] != 0.0:
            wj = w[j]
            for i in range(G.shape[0]):
                H[i] -= wj * G[i, j]
            w[j] = 0.0


@njit(cache=True, nogil=True)
def gram_gap(q, y_norm2, w, H, sq_norms, l1, l2, l1s, l2s, positive, ws, xtr):
    """Duality gap over ``ws`` on the Gram form (``w`` zero off ``ws``);
    fills ``xtr[k] = q_j - H_j`` for ``j = ws[k]``."""
    wq = 0.0
    wh = 0.0
    for k in range(ws.shape[0]):
        j = ws[k]
        xtr[k] = q[j] - H[j]
        wq += w[j] * q[j]
        wh += w[j] * H[j]
    # ||y - Xw||^2 = ||y||^2 - 2 w.q + w.G w
    rr = max(y_norm2 - 2.0 * wq + wh, 0.0)
    return gap_from_correlations(w, xtr, rr, l1, l2, l1s, l2s, positive, sq_norms, ws)


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def _sparse_correlations(data, indices, indptr, col_means, v, R, aux, scaled, xtr):
    # r = R + aux[0] v (the true residual); xtr = X_eff^T r ; returns r @ r
    n = R.shape[0]
    p = indptr.shape[0] - 1
    r = np.empty(n)
    rr = 0.0
    vr = 0.0
    for i in range(n):
        r[i] = R[i] + aux[0] * v[i]
        rr += r[i] * r[i]
        vr += v[i] * r[i]
    for j in range(p):
        s = 0.0
        if scaled:
            for k in range(np.uint64(indptr[j]), np.uint64(indptr[j + 1])):
                i = np.uint64(indices[k])
                s += data[k] * v[i] * r[i]
        else:
            for k in range(np.uint64(indptr[j]), np.uint64(indptr[j + 1])):
                s += data[k] * r[np.uint64(indices[k])]
        xtr[j] = s - col_means[j] * vr
    return rr


@njit(cache=True, nogil=True)
def plain_solve_sparse(
    data,
    indices,
    indptr,
    col_means,
    v,
    w,
    R,
    aux,
    sq_norms,
    l1,
    l2,
    l1s,
    l2s,
    positive,
    max_epochs,
    tol,
    tol_abs,
    random,
    seed,
    scaled,
):
    """The same loop on CSC ``X`` centred implicitly (``cd_epochs_sparse``'s
    state: the true residual is ``R + aux[0] * v``)."""
    p = indptr.shape[0] - 1
    ws = np.arange(p)
    xtr = np.empty(p)
    excluded = np.zeros(p, dtype=np.bool_)
    active = ws.copy()
    n_active = p
    rr = _sparse_correlations(data, indices, indptr, col_means, v, R, aux, scaled, xtr)
    gap = gap_from_correlations(w, xtr, rr, l1, l2, l1s, l2s, positive, sq_norms, ws)
    for epoch in range(max_epochs + 1):
        if gap <= tol_abs:
            return epoch, gap, True
        if epoch == max_epochs:
            break
        if gap < np.inf:
            n_active = screen(
                w, xtr, gap, l1, l1s, l2s, positive, sq_norms, ws, excluded, active
            )
            _drop_sparse(
                data, indices, indptr, col_means, v, w, R, aux, scaled, excluded
            )
        _, small = cd_epochs_sparse(
            data, indices, indptr, col_means, v, w, R, aux, sq_norms, l1s, l2s,
            positive, active[:n_active], 1, tol, random, seed + epoch, scaled,
        )  # fmt: skip
        gap = np.inf
        if small:
            rr = _sparse_correlations(
                data, indices, indptr, col_means, v, R, aux, scaled, xtr
            )
            gap = gap_from_correlations(
                w, xtr, rr, l1, l2, l1s, l2s, positive, sq_norms, ws
            )
    return max_epochs, gap, False


@njit(cache=True, nogil=True)
def _drop_sparse(data, indices, indptr, col_means, v, w, R, aux, scaled, excluded):
    """Zero the excluded coefficients still non-zero (``cd_epochs_sparse``'s
    residual update by ``-w_j``)."""
    vv = 0.0
    for i in range(v.shape[0]):
        vv += v[i] * v[i]
    for j in range(excluded.shape[0]):
        if excluded[j] and w[j] != 0.0:
            delta = -w[j]
            for k in range(np.uint64(indptr[j]), np.uint64(indptr[j + 1])):
                i = np.uint64(indices[k])
                x = data[k] * v[i] if scaled else data[k]
                R[i] -= delta * x
            aux[0] += delta * col_means[j]
            aux[1] -= delta * col_means[j] * vv
            w[j] = 0.0
