"""One compiled call for a whole small solve: scikit-learn's own loop.

On a problem that converges in a few cheap epochs, the working-set solver's
Python bookkeeping (working sets, screening, gap checks, Anderson steps)
costs more than the epochs themselves.  These kernels run instead the loop
of scikit-learn's ``enet_coordinate_descent``, entirely in compiled code:
cyclic (or random) epochs over every feature, and the duality gap evaluated
before the first epoch (a certified warm start runs none, as in
scikit-learn 1.9) and after each epoch whose largest coefficient change is
at most ``tol`` times the largest coefficient; the run stops when that gap
is at most ``tol_abs``.  The caller gives them an epoch budget and hands a problem that
has not converged within it to the working-set solver, warm-started.

The gap is the engine's (``datafits._Quadratic.duality_gap``), in its
cancellation-free form::

    P(w) - D(s r) = (1 - s)^2/2 ||r||^2 + l1 ||w||_1 - s w.X^T r
                    + l2 (1 + s^2)/2 ||w||^2,    s = min(1, l1 / ||X^T r - l2 w||_inf)

for an L1 part, ``g*(X^T r) - w.X^T r + l2/2 ||w||^2`` without one, and
``||X^T r||^2`` without any penalty.
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
def gap_from_correlations(w, xtr, rr, l1, l2, positive):
    """Duality gap at ``w`` from ``xtr = X^T r`` and ``rr = ||r||^2``."""
    p = w.shape[0]
    if l1 == 0.0 and l2 == 0.0:
        s = 0.0
        for j in range(p):
            s += xtr[j] * xtr[j]
        return s
    w_xtr = 0.0
    w_l1 = 0.0
    w_l2 = 0.0
    for j in range(p):
        w_xtr += w[j] * xtr[j]
        w_l1 += abs(w[j])
        w_l2 += w[j] * w[j]
    if l1 > 0.0:
        # dual norm of X^T r - l2 w (max, not max |.|, when positive)
        dual_norm = -np.inf if positive else 0.0
        for j in range(p):
            z = xtr[j] - l2 * w[j]
            dual_norm = max(dual_norm, z if positive else abs(z))
        s = l1 / dual_norm if dual_norm > l1 else 1.0
        gap = (
            0.5 * (1.0 - s) ** 2 * rr
            + l1 * w_l1
            - s * w_xtr
            + 0.5 * l2 * (1.0 + s * s) * w_l2
        )
    else:
        conj = 0.0
        for j in range(p):
            e = xtr[j] if positive else abs(xtr[j])
            if e > 0.0:
                conj += e * e
        gap = conj / (2.0 * l2) - w_xtr + 0.5 * l2 * w_l2
    return max(gap, 0.0)


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def _dense_correlations(X, R, xtr):
    # xtr = X.T @ R ; returns R @ R
    n, p = X.shape
    for j in range(p):
        s = 0.0
        for i in range(n):
            s += X[i, j] * R[i]
        xtr[j] = s
    rr = 0.0
    for i in range(n):
        rr += R[i] * R[i]
    return rr


@njit(cache=True, nogil=True)
def plain_solve_dense(
    X, w, R, sq_norms, l1, l2, positive, max_epochs, tol, tol_abs, random, seed
):
    """scikit-learn's CD loop on dense Fortran-ordered ``X`` (residual ``R``).

    Returns ``(epochs, gap, converged)``; ``gap`` is ``inf`` when the run
    ended without a gap evaluation at its last epoch.
    """
    p = X.shape[1]
    ws = np.arange(p)
    xtr = np.empty(p)
    rr = _dense_correlations(X, R, xtr)
    gap = gap_from_correlations(w, xtr, rr, l1, l2, positive)
    if gap <= tol_abs:
        return 0, gap, True
    for epoch in range(max_epochs):
        _, small = cd_epochs_dense(
            X, w, R, sq_norms, l1, l2, positive, ws, 1, tol, random, seed + epoch
        )
        if small:
            rr = _dense_correlations(X, R, xtr)
            gap = gap_from_correlations(w, xtr, rr, l1, l2, positive)
            if gap <= tol_abs:
                return epoch + 1, gap, True
        else:
            gap = np.inf
    return max_epochs, gap, False


@njit(cache=True, nogil=True)
def plain_solve_gram(
    G, q, y_norm2, w, H, l1, l2, positive, max_epochs, tol, tol_abs, random, seed
):
    """The same loop on the Gram form (``H = G @ w``, ``X^T r = q - H``)."""
    p = G.shape[0]
    ws = np.arange(p)
    xtr = np.empty(p)
    gap = _gram_gap(q, y_norm2, w, H, l1, l2, positive, xtr)
    if gap <= tol_abs:
        return 0, gap, True
    for epoch in range(max_epochs):
        _, small = cd_epochs_gram(
            G, q, w, H, l1, l2, positive, ws, 1, tol, random, seed + epoch
        )
        if small:
            gap = _gram_gap(q, y_norm2, w, H, l1, l2, positive, xtr)
            if gap <= tol_abs:
                return epoch + 1, gap, True
        else:
            gap = np.inf
    return max_epochs, gap, False


@njit(cache=True, nogil=True)
def _gram_gap(q, y_norm2, w, H, l1, l2, positive, xtr):
    wq = 0.0
    wh = 0.0
    for j in range(q.shape[0]):
        xtr[j] = q[j] - H[j]
        wq += w[j] * q[j]
        wh += w[j] * H[j]
    # ||y - Xw||^2 = ||y||^2 - 2 w.q + w.G w
    rr = max(y_norm2 - 2.0 * wq + wh, 0.0)
    return gap_from_correlations(w, xtr, rr, l1, l2, positive)


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
            for k in range(indptr[j], indptr[j + 1]):
                i = indices[k]
                s += data[k] * v[i] * r[i]
        else:
            for k in range(indptr[j], indptr[j + 1]):
                s += data[k] * r[indices[k]]
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
    rr = _sparse_correlations(data, indices, indptr, col_means, v, R, aux, scaled, xtr)
    gap = gap_from_correlations(w, xtr, rr, l1, l2, positive)
    if gap <= tol_abs:
        return 0, gap, True
    for epoch in range(max_epochs):
        _, small = cd_epochs_sparse(
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
            positive,
            ws,
            1,
            tol,
            random,
            seed + epoch,
            scaled,
        )
        if small:
            rr = _sparse_correlations(
                data, indices, indptr, col_means, v, R, aux, scaled, xtr
            )
            gap = gap_from_correlations(w, xtr, rr, l1, l2, positive)
            if gap <= tol_abs:
                return epoch + 1, gap, True
        else:
            gap = np.inf
    return max_epochs, gap, False
