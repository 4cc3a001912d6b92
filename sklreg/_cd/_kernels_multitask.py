"""Numba loops of block coordinate descent (multi-task and weighted penalties).

The kernels here solve, restricted to the features listed in ``ws``,

    P(W) = 1/2 ||Y - X W||_F^2 + sum_j l1_j ||W[j]||_2 + l2_j/2 ||W[j]||_2^2

with ``W`` of shape ``(n_features, n_tasks)`` (row ``j`` holds feature
``j``'s coefficients across the tasks) and per-feature weights ``l1_j``,
``l2_j`` (a penalty factor times the global weights; ``inf`` freezes a
feature at zero).  The exact block update of feature ``j`` is group
soft-thresholding

    z = X_j^T R + ||X_j||^2 W[j]
    W[j] <- max(0, 1 - l1_j / ||z||) z / (||X_j||^2 + l2_j)

which for one task is the elastic-net soft-threshold (one-sided when
``positive``, a constraint only meaningful with one task).  So the same
loops serve the multi-task estimators and the single-task ones with a
``penalty_factor`` (called on ``(p, 1)`` views of their 1-D arrays).

As in ``_kernels.py``: ``cache=True, nogil=True``, one function per storage
(dense columns, CSC columns with implicit centring, Gram matrix), the numpy
line each loop computes written beside it and checked in
``tests/test_kernels.py``.  ``R`` and ``W`` are C-ordered: a sample's (a
feature's) values across tasks are contiguous.
"""

import numpy as np
from numba import njit

_FASTMATH = {"reassoc", "contract"}


@njit(cache=True, nogil=True)
def _order(ws, random, epoch_seed):
    if not random:
        return ws
    np.random.seed(epoch_seed)  # noqa: NPY002 (numba has only the legacy API)
    return ws[np.random.randint(0, ws.shape[0], ws.shape[0])]  # noqa: NPY002


@njit(cache=True, nogil=True)
def _store_row(W, j, new):
    """``W[j] = new``; ``new`` becomes the step taken, in W's precision.

    Returns whether the row changed, the step's largest entry and the new
    row's largest entry (for the epochs' coefficient-change rule)."""
    changed = False
    dw = 0.0
    wm = 0.0
    for t in range(W.shape[1]):
        old = W[j, t]
        W[j, t] = new[t]
        new[t] = W[j, t] - old
        if new[t] != 0.0:
            changed = True
        dw = max(dw, abs(new[t]))
        wm = max(wm, abs(W[j, t]))
    return changed, dw, wm


@njit(cache=True, nogil=True)
def _group_update(z, l1, denom, positive, out):
    """``out = argmin_w denom/2 ||w||^2 - z.w + l1 ||w||`` (w >= 0 if positive).

    Returns whether ``out`` is non-zero.
    """
    T = z.shape[0]
    if positive:  # one task: one-sided soft-threshold
        for t in range(T):
            zt = z[t]
            out[t] = (zt - l1) / denom if zt > l1 else 0.0
        return out[0] != 0.0
    nrm = 0.0
    for t in range(T):
        nrm += z[t] * z[t]
    nrm = np.sqrt(nrm)
    if not nrm > l1:
        out[:] = 0.0
        return False
    scale = (1.0 - l1 / nrm) / denom
    for t in range(T):
        out[t] = scale * z[t]
    return True


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def bcd_epochs_dense(
    X, W, R, sq_norms, l1, l2, positive, ws, max_epochs, dw_tol, random, seed
):
    """Block CD epochs over ``ws`` for dense Fortran-ordered ``X``.

    Updates ``W`` (p, T) and ``R = Y - X @ W`` (n, T, Fortran order: each
    task's residual contiguous) in place; ``l1``,
    ``l2`` are per-feature arrays.  Stops after ``max_epochs`` epochs or once
    an epoch's largest change of a coefficient is at most ``dw_tol`` times
    the largest coefficient (scikit-learn's rule, on absolute values).
    Returns the epochs run and whether that rule was met.
    """
    n_samples = X.shape[0]
    T = W.shape[1]
    z = np.empty(T)
    new = np.empty(T)
    for epoch in range(max_epochs):
        w_max = 0.0
        dw_max = 0.0
        for j in _order(ws, random, seed + epoch):
            nrm = sq_norms[j]
            if nrm == 0.0:
                continue
            # z = X[:, j] @ R + ||X[:, j]||^2 W[j]
            if T == 1:  # one task: a scalar reduction (vectorised)
                acc = 0.0
                for i in range(n_samples):
                    acc += X[i, j] * R[i, 0]
                z[0] = acc + nrm * W[j, 0]
            else:  # R is Fortran-ordered: one contiguous reduction per task
                for t in range(T):
                    acc = 0.0
                    for i in range(n_samples):
                        acc += X[i, j] * R[i, t]
                    z[t] = acc + nrm * W[j, t]
            _group_update(z, l1[j], nrm + l2[j], positive, new)
            changed, dw, wm = _store_row(W, j, new)
            dw_max = max(dw_max, dw)
            w_max = max(w_max, wm)
            if changed and T == 1:
                d = new[0]
                for i in range(n_samples):
                    R[i, 0] -= X[i, j] * d
            elif changed:
                # R -= X[:, j] outer delta
                for t in range(T):
                    d = new[t]
                    if d != 0.0:
                        for i in range(n_samples):
                            R[i, t] -= X[i, j] * d
        if w_max == 0.0 or dw_max <= dw_tol * w_max:
            return epoch + 1, True
    return max_epochs, False


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def bcd_epochs_sparse(
    data,
    indices,
    indptr,
    col_means,
    v,
    W,
    R,
    aux,
    sq_norms,
    l1,
    l2,
    positive,
    ws,
    max_epochs,
    dw_tol,
    random,
    seed,
    scaled,
):
    """Block CD epochs for CSC ``X`` centred implicitly (see ``_kernels``).

    ``X_eff[:, j] = X_s[:, j] - mu_j v``; the true residual is
    ``R + outer(v, aux[0])`` and ``aux[1] = v @ R`` (both of shape (T,)),
    so an update touches only the column's non-zeros.
    """
    T = W.shape[1]
    vv = 0.0
    for i in range(v.shape[0]):
        vv += v[i] * v[i]
    z = np.empty(T)
    new = np.empty(T)
    for epoch in range(max_epochs):
        w_max = 0.0
        dw_max = 0.0
        for j in _order(ws, random, seed + epoch):
            nrm = sq_norms[j]
            if nrm == 0.0:
                continue
            mu = col_means[j]
            start, stop = np.uint64(indptr[j]), np.uint64(indptr[j + 1])
            # z = X_eff[:, j] @ R_true + ||X_eff[:, j]||^2 W[j]
            for t in range(T):
                z[t] = nrm * W[j, t] - mu * aux[1, t]
            if T == 1:
                acc = 0.0
                if scaled:
                    for k in range(start, stop):
                        i = np.uint64(indices[k])
                        acc += data[k] * v[i] * R[i, 0]
                else:
                    for k in range(start, stop):
                        acc += data[k] * R[np.uint64(indices[k]), 0]
                z[0] += acc
            else:
                for k in range(start, stop):
                    i = np.uint64(indices[k])
                    x = data[k] * v[i] if scaled else data[k]
                    for t in range(T):
                        z[t] += x * R[i, t]
            _group_update(z, l1[j], nrm + l2[j], positive, new)
            changed, dw, wm = _store_row(W, j, new)
            dw_max = max(dw_max, dw)
            w_max = max(w_max, wm)
            if changed:
                for k in range(start, stop):
                    i = np.uint64(indices[k])
                    x = data[k] * v[i] if scaled else data[k]
                    for t in range(T):
                        R[i, t] -= new[t] * x
                for t in range(T):
                    aux[0, t] += new[t] * mu
                    aux[1, t] -= new[t] * mu * vv
        if w_max == 0.0 or dw_max <= dw_tol * w_max:
            return epoch + 1, True
    return max_epochs, False


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def bcd_epochs_gram(G, Q, W, H, l1, l2, positive, ws, max_epochs, dw_tol, random, seed):
    """Block CD epochs on the Gram form: ``G = X^T X``, ``Q = X^T Y``,
    ``H = G @ W`` (p, T), updated in place."""
    p = G.shape[0]
    T = W.shape[1]
    z = np.empty(T)
    new = np.empty(T)
    for epoch in range(max_epochs):
        w_max = 0.0
        dw_max = 0.0
        for j in _order(ws, random, seed + epoch):
            nrm = G[j, j]
            if nrm <= 0.0:
                continue
            # z = Q[j] - H[j] + G[j, j] W[j]
            for t in range(T):
                z[t] = Q[j, t] - H[j, t] + nrm * W[j, t]
            _group_update(z, l1[j], nrm + l2[j], positive, new)
            changed, dw, wm = _store_row(W, j, new)
            dw_max = max(dw_max, dw)
            w_max = max(w_max, wm)
            if changed and T == 1:
                d = new[0]
                for i in range(p):
                    H[i, 0] += G[i, j] * d
            elif changed:
                # H += G[:, j] outer delta
                for i in range(p):
                    gij = G[i, j]
                    for t in range(T):
                        H[i, t] += gij * new[t]
        if w_max == 0.0 or dw_max <= dw_tol * w_max:
            return epoch + 1, True
    return max_epochs, False


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def xtr_dense_block(X, R, cols, out):
    """``out[k] = X[:, cols[k]] @ R`` (out of shape (len(cols), T))."""
    n_samples = X.shape[0]
    T = R.shape[1]
    for k in range(cols.shape[0]):
        j = cols[k]
        for t in range(T):
            acc = 0.0
            for i in range(n_samples):
                acc += X[i, j] * R[i, t]
            out[k, t] = acc


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def xtr_sparse_block(data, indices, indptr, R, cols, out):
    """``out[k] = X[:, cols[k]] @ R`` for CSC ``X`` (no centring)."""
    T = R.shape[1]
    for k in range(cols.shape[0]):
        j = cols[k]
        for t in range(T):
            out[k, t] = 0.0
        for s in range(np.uint64(indptr[j]), np.uint64(indptr[j + 1])):
            x = data[s]
            i = np.uint64(indices[s])
            for t in range(T):
                out[k, t] += x * R[i, t]


@njit(cache=True, nogil=True)
def sparse_matmat(data, indices, indptr, W, out):
    """``out = X @ W`` for CSC ``X``, column by column (skips zero rows of W)."""
    T = W.shape[1]
    out[:] = 0.0
    for j in range(W.shape[0]):
        nz = False
        for t in range(T):
            if W[j, t] != 0.0:
                nz = True
        if not nz:
            continue
        for s in range(np.uint64(indptr[j]), np.uint64(indptr[j + 1])):
            i = np.uint64(indices[s])
            for t in range(T):
                out[i, t] += data[s] * W[j, t]


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def dense_residual_block(X, W, support, R):
    """``R -= X[:, support] @ W[support]`` in place, column by column.

    (numpy's small, thin products ``(n, k) @ (k, T)`` can cost a hundred
    times this loop through a BLAS thread pool; so can ``X.T @ R``, which
    is why the block datafits call :func:`xtr_dense_block` for all columns.)
    """
    n_samples = X.shape[0]
    for k in range(support.shape[0]):
        j = support[k]
        for t in range(W.shape[1]):
            d = W[j, t]
            if d != 0.0:
                for i in range(n_samples):
                    R[i, t] -= X[i, j] * d
