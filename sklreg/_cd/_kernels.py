"""Numba loops of the coordinate-descent engine.

Every kernel here is compiled with ``cache=True`` (a fresh process loads the
machine code from ``__pycache__`` instead of recompiling) and ``nogil=True``
(threads can run folds of a cross-validation side by side).  Kernels hold no
Python objects and no problem-type switches: one function per loop shape
(dense columns, CSC columns, Gram matrix).

All kernels work on the *n-scaled* elastic-net problem

    P(w) = 1/2 ||y - X w||^2 + sum_j l1_j |w_j| + l2_j/2 w_j^2

restricted to the coordinates listed in ``ws`` (the working set).  ``l1``
and ``l2`` are per-feature weights (arrays of shape ``(n_features,)``: the
global weights times the penalty factors ``f_j``; ``inf`` excludes a
feature).  The exact (closed-form) coordinate update is the elastic-net
proximal step

    w_j <- S(X_j^T r + w_j ||X_j||^2, l1_j) / (||X_j||^2 + l2_j)

where ``S`` is soft-thresholding (one-sided when ``positive``) and ``r`` the
residual.  The numpy line each loop computes is written beside it, and
``tests/test_kernels.py`` checks every kernel against that numpy reference.

Sparse kernels index with ``np.uint64(indices[k])``: numba wraps a negative
signed index around, a compare and add per non-zero that an unsigned index
spares (a CSC gather pass over 4e5 non-zeros: 0.43 -> 0.35 ms).
"""

import numpy as np
from numba import njit

# Reassociating the dot-product reductions lets LLVM vectorise them (about
# 2.5x faster epochs); "contract" allows fused multiply-adds.  Neither
# assumes finite inputs, unlike numba's full fastmath.
_FASTMATH = {"reassoc", "contract"}


@njit(cache=True, nogil=True)
def enet_coordinate_update(z, l1, denom, positive):
    """Minimiser of ``denom/2 * w**2 - z*w + l1*|w|`` (``w >= 0`` if positive).

    ``l1 = inf`` (an excluded feature) gives 0 whatever ``denom``.
    """
    if positive:
        if z > l1:
            return (z - l1) / denom
        return 0.0
    if z > l1:
        return (z - l1) / denom
    if z < -l1:
        return (z + l1) / denom
    return 0.0


@njit(cache=True, nogil=True)
def _order(ws, random, epoch_seed):
    # scikit-learn's "random" selection draws coordinates with replacement.
    if not random:
        return ws
    np.random.seed(epoch_seed)  # noqa: NPY002 (numba has only the legacy API)
    return ws[np.random.randint(0, ws.shape[0], ws.shape[0])]  # noqa: NPY002


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def cd_epochs_dense(
    X, w, R, sq_norms, l1, l2, positive, ws, max_epochs, dw_tol, random, seed
):
    """Cyclic (or random) CD epochs over ``ws`` for dense Fortran-ordered X.

    Updates ``w`` and the residual ``R = y - X @ w`` in place.  Stops after
    ``max_epochs`` epochs or once an epoch's largest update is at most
    ``dw_tol`` times the largest coefficient.  Returns the epochs run and
    whether that coefficient-change rule was met.
    """
    n_samples = X.shape[0]
    for epoch in range(max_epochs):
        w_max = 0.0
        dw_max = 0.0
        for j in _order(ws, random, seed + epoch):
            nrm = sq_norms[j]
            if nrm == 0.0:
                continue
            w_j = w[j]
            # z = X[:, j] @ R + w_j * ||X[:, j]||^2
            z = 0.0
            for i in range(n_samples):
                z += X[i, j] * R[i]
            z += w_j * nrm
            new = enet_coordinate_update(z, l1[j], nrm + l2[j], positive)
            w[j] = new
            new = w[j]  # rounded to w's dtype, so R stays consistent with w
            if new != w_j:
                # R -= (new - w_j) * X[:, j]
                delta = new - w_j
                for i in range(n_samples):
                    R[i] -= delta * X[i, j]
            dw_max = max(dw_max, abs(new - w_j))
            w_max = max(w_max, abs(new))
        if w_max == 0.0 or dw_max <= dw_tol * w_max:
            return epoch + 1, True
    return max_epochs, False


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def cd_epochs_sparse(
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
    max_epochs,
    dw_tol,
    random,
    seed,
    scaled,
):
    """CD epochs for CSC X centred implicitly: ``X_eff[:, j] = X[:, j] - mu_j v``.

    ``v`` is the vector the centring acts along (ones, or sqrt(sample_weight)
    when the rows of X are scaled by it) and ``mu_j = col_means[j]``.  With
    ``scaled``, the rows of the CSC arrays are scaled by ``v`` on the fly
    (``X[i, j] = v[i] * data[k]``): the weighted design is never formed.
    The true residual is ``R + aux[0] * v``, so an update touches only the
    non-zeros of a column; ``aux[1] = v @ R`` keeps the gradient exact:
    ``X_eff[:, j] @ R_true = X[:, j] @ R - mu_j * aux[1]`` (the ``aux[0]``
    terms cancel because ``X[:, j] @ v = mu_j * (v @ v)``).  ``indices`` and
    ``indptr`` are int32 or int64, as scipy stores them.
    """
    vv = 0.0
    for i in range(v.shape[0]):
        vv += v[i] * v[i]
    for epoch in range(max_epochs):
        w_max = 0.0
        dw_max = 0.0
        for j in _order(ws, random, seed + epoch):
            nrm = sq_norms[j]
            if nrm == 0.0:
                continue
            w_j = w[j]
            mu = col_means[j]
            start, stop = np.uint64(indptr[j]), np.uint64(indptr[j + 1])
            # z = X_eff[:, j] @ R_true + w_j * ||X_eff[:, j]||^2
            z = 0.0
            if scaled:
                for k in range(start, stop):
                    i = np.uint64(indices[k])
                    z += data[k] * v[i] * R[i]
            else:
                for k in range(start, stop):
                    z += data[k] * R[np.uint64(indices[k])]
            z += w_j * nrm - mu * aux[1]
            new = enet_coordinate_update(z, l1[j], nrm + l2[j], positive)
            w[j] = new
            new = w[j]
            if new != w_j:
                delta = new - w_j
                # R_true -= delta * (X[:, j] - mu v): sparse part, then shift
                if scaled:
                    for k in range(start, stop):
                        i = np.uint64(indices[k])
                        R[i] -= delta * (data[k] * v[i])
                else:
                    for k in range(start, stop):
                        R[np.uint64(indices[k])] -= delta * data[k]
                aux[0] += delta * mu
                aux[1] -= delta * mu * vv
            dw_max = max(dw_max, abs(new - w_j))
            w_max = max(w_max, abs(new))
        if w_max == 0.0 or dw_max <= dw_tol * w_max:
            return epoch + 1, True
    return max_epochs, False


@njit(cache=True, nogil=True)
def sparse_column_sq_norms(data, indices, indptr, v, scaled, col_means, out):
    """``out[j] = ||X_s[:, j] - col_means[j] * v||^2`` for CSC X, in float64.

    ``X_s`` is X with its rows scaled by ``v`` when ``scaled``.  The sum runs
    over the centred non-zeros, ``(x_ij - mu_j v_i)^2``, plus ``mu_j^2`` times
    the ``v_i^2`` of the column's zero rows: no ``||x||^2 - n mu^2``
    cancellation (a constant column gives 0, not rounding noise), and no
    temporary matrix (``X.multiply(X)`` would copy all of X).
    """
    n = v.shape[0]
    vv = 0.0
    unit = True
    for i in range(n):
        vv += v[i] * v[i]
        unit &= v[i] == 1.0
    if unit and not scaled:
        # no weights (v = 1): the same sums without a gather of v per entry
        for j in range(indptr.shape[0] - 1):
            mu = col_means[j]
            acc = 0.0
            for k in range(np.uint64(indptr[j]), np.uint64(indptr[j + 1])):
                e = float(data[k]) - mu
                acc += e * e
            count = indptr[j + 1] - indptr[j]
            if mu != 0.0 and count < n:
                acc += mu * mu * max(vv - count, 0.0)
            out[j] = acc
        return
    for j in range(indptr.shape[0] - 1):
        mu = col_means[j]
        acc = 0.0
        v_nz = 0.0
        for k in range(np.uint64(indptr[j]), np.uint64(indptr[j + 1])):
            i = np.uint64(indices[k])
            x = float(data[k])
            if scaled:
                x *= v[i]
            e = x - mu * v[i]
            acc += e * e
            v_nz += v[i] * v[i]
        if mu != 0.0 and indptr[j + 1] - indptr[j] < n:
            acc += mu * mu * max(vv - v_nz, 0.0)
        out[j] = acc


@njit(cache=True, nogil=True)
def sparse_column_means(data, indices, indptr, n_rows, sw, weighted, total, out):
    """Weighted column means of CSC X (zeros included), to the last bit.

    The plain mean ``sum_i sw_i x_ij / total`` is refined once by the mean
    of the deviations from it, so that a constant column's mean is its value
    exactly and centring leaves exact zeros.
    """
    for j in range(indptr.shape[0] - 1):
        s = 0.0
        w_nz = 0.0
        for k in range(np.uint64(indptr[j]), np.uint64(indptr[j + 1])):
            wi = sw[np.uint64(indices[k])] if weighted else 1.0
            s += wi * data[k]
            w_nz += wi
        mu = s / total
        d = 0.0
        for k in range(np.uint64(indptr[j]), np.uint64(indptr[j + 1])):
            wi = sw[np.uint64(indices[k])] if weighted else 1.0
            d += wi * (data[k] - mu)
        if indptr[j + 1] - indptr[j] < n_rows:  # the zeros' deviations
            d -= mu * (total - w_nz)
        out[j] = mu + d / total


@njit(cache=True, nogil=True)
def cd_epochs_gram(G, q, w, H, l1, l2, positive, ws, max_epochs, dw_tol, random, seed):
    """CD epochs on the Gram form: ``G = X^T X``, ``q = X^T y``, ``H = G @ w``.

    The coordinate gradient ``X_j^T R = q_j - H_j`` costs O(p) instead of
    O(n), which is what makes n >> p problems fast.
    """
    p = G.shape[0]
    for epoch in range(max_epochs):
        w_max = 0.0
        dw_max = 0.0
        for j in _order(ws, random, seed + epoch):
            nrm = G[j, j]
            if nrm <= 0.0:
                continue
            w_j = w[j]
            # z = q[j] - (G @ w)[j] + G[j, j] * w_j
            z = q[j] - H[j] + w_j * nrm
            new = enet_coordinate_update(z, l1[j], nrm + l2[j], positive)
            w[j] = new
            new = w[j]
            if new != w_j:
                # H += (new - w_j) * G[:, j]
                delta = new - w_j
                for i in range(p):
                    H[i] += delta * G[i, j]
            dw_max = max(dw_max, abs(new - w_j))
            w_max = max(w_max, abs(new))
        if w_max == 0.0 or dw_max <= dw_tol * w_max:
            return epoch + 1, True
    return max_epochs, False


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def xtr_dense(X, R, cols, out):
    """``out[k] = X[:, cols[k]] @ R`` for the listed columns.

    Kernels fill ``out`` and return nothing: returning an argument array
    costs numba a Python-object round trip on every call.
    """
    n_samples = X.shape[0]
    for k in range(cols.shape[0]):
        j = cols[k]
        acc = 0.0
        for i in range(n_samples):
            acc += X[i, j] * R[i]
        out[k] = acc


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def xtr_sparse(data, indices, indptr, R, cols, out):
    """``out[k] = X[:, cols[k]] @ R`` for CSC X (no centring)."""
    for k in range(cols.shape[0]):
        j = cols[k]
        acc = 0.0
        for t in range(np.uint64(indptr[j]), np.uint64(indptr[j + 1])):
            acc += data[t] * R[np.uint64(indices[t])]
        out[k] = acc


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def xtr_csr(data, indices, indptr, R, out):
    """``out = X^T R`` for CSR X, every column (no centring).

    The rows are scattered into ``out``: on wide sparse data (10^5 short
    columns) that is 2-3 times faster than one gather per CSC column, whose
    short dependent sums do not pipeline.
    """
    out[:] = 0.0
    for i in range(indptr.shape[0] - 1):
        ri = R[i]
        if ri == 0.0:
            continue
        for t in range(np.uint64(indptr[i]), np.uint64(indptr[i + 1])):
            out[np.uint64(indices[t])] += data[t] * ri


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def xtr_rows(X, R, out):
    """``out = X^T R`` for C-ordered dense X, row by row (an AXPY per row
    over contiguous memory: 1.4 ms on 50000 x 100, where BLAS took 3.8 ms
    on this layout and 1.6 ms on the Fortran one)."""
    out[:] = 0.0
    for i in range(X.shape[0]):
        ri = R[i]
        if ri == 0.0:
            continue
        for j in range(X.shape[1]):
            out[j] += X[i, j] * ri


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def xtr_csr_pair(data, indices, indptr, R, out):
    """``out = X^T R`` for CSR X and ``R`` of shape ``(n_samples, 2)``
    (``out``: ``(n_features, 2)``): both products in one pass over X, for
    the price of one (a loop over a run-time number of columns instead ran
    1.5 times slower than :func:`xtr_csr` on one)."""
    out[:] = 0.0
    for i in range(indptr.shape[0] - 1):
        r0 = R[i, 0]
        r1 = R[i, 1]
        for t in range(np.uint64(indptr[i]), np.uint64(indptr[i + 1])):
            j = np.uint64(indices[t])
            d = data[t]
            out[j, 0] += d * r0
            out[j, 1] += d * r1


@njit(cache=True, nogil=True)
def csr_column_counts(indices, indptr, out):
    """``out[j]`` = stored entries of column ``j`` of CSR X (``np.bincount``);
    returns whether some row stores a column twice (duplicates, which scipy
    sums; unsorted rows without them need no summing).  Rows whose indices
    increase have none; only the other rows are checked, with a per-column
    mark."""
    out[:] = 0
    for t in range(indices.shape[0]):
        out[indices[t]] += 1
    unsorted = 0
    for i in range(indptr.shape[0] - 1):
        for t in range(indptr[i] + 1, indptr[i + 1]):
            unsorted |= indices[t] <= indices[t - 1]
    if not unsorted:
        return False
    last = np.full(out.shape[0], -1, dtype=np.int32)
    for i in range(indptr.shape[0] - 1):
        start, stop = indptr[i], indptr[i + 1]
        increasing = True
        for t in range(start + 1, stop):
            if indices[t] <= indices[t - 1]:
                increasing = False
                break
        if increasing:
            continue
        for t in range(start, stop):
            j = indices[t]
            if last[j] == i:
                return True
            last[j] = i
    return False


@njit(cache=True, nogil=True)
def csr_fill_columns(
    data, indices, indptr, new, out_data, out_indices, out_indptr, duplicates
):
    """Copy the columns ``j`` with ``new[j]`` of CSR X into CSC arrays.

    ``out_indptr`` is the column pointer of X's stored entries (every
    column's slot reserved, from :func:`csr_column_counts`); only the slots
    of the ``new`` columns are written, in increasing row order (numpy:
    ``X.tocsc()[:, new]``, kept in place).  With ``duplicates`` (some row
    of X stores a column twice, see :func:`csr_column_counts`), duplicate
    entries of a row are summed (scipy's meaning) and the slots they free
    padded with explicit zeros, which no
    kernel sees; without, that check (a read of the column's last slot, a
    cache miss per entry: 1.7x the time of a whole copy on 10^6 entries) is
    skipped.  One pass over X's indices; the writes touch only the new
    columns.
    """
    fill = out_indptr[:-1].copy()
    if not duplicates:
        for i in range(indptr.shape[0] - 1):
            for t in range(indptr[i], indptr[i + 1]):
                j = indices[t]
                if new[j]:
                    k = fill[j]
                    out_data[k] = data[t]
                    out_indices[k] = i
                    fill[j] = k + 1
        return
    for i in range(indptr.shape[0] - 1):
        for t in range(indptr[i], indptr[i + 1]):
            j = indices[t]
            if new[j]:
                k = fill[j]
                if k > out_indptr[j] and out_indices[k - 1] == i:
                    out_data[k - 1] += data[t]  # a duplicate of (i, j)
                else:
                    out_data[k] = data[t]
                    out_indices[k] = i
                    fill[j] = k + 1
    for j in range(new.shape[0]):
        if new[j]:
            for k in range(fill[j], out_indptr[j + 1]):
                out_data[k] = 0.0
                out_indices[k] = out_indices[k - 1]


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def dense_residual(X, y, w, support, out):
    """``out = y - X[:, support] @ w[support]`` without copying columns."""
    out[:] = y
    for k in range(support.shape[0]):
        j = support[k]
        wj = w[j]
        for i in range(X.shape[0]):
            out[i] -= X[i, j] * wj


@njit(cache=True, nogil=True)
def sparse_matvec(data, indices, indptr, w, out):
    """``out = X @ w`` for CSC X, accumulated column by column."""
    out[:] = 0.0
    for j in range(w.shape[0]):
        wj = w[j]
        if wj == 0.0:
            continue
        for t in range(np.uint64(indptr[j]), np.uint64(indptr[j + 1])):
            out[np.uint64(indices[t])] += data[t] * wj


@njit(cache=True, nogil=True)
def anderson_weights(history, out):
    """Weights ``c`` (summing to one) minimising ``||U c||``, ``U = diff(history)``.

    ``history`` holds ``K + 1`` successive iterates as columns; ``out``
    receives the ``K`` weights of the last ``K`` iterates (Anderson
    acceleration).  Solves ``(U^T U + eps I) z = 1`` by Cholesky and
    returns False when that small system is numerically singular.
    """
    m = history.shape[0]
    K = history.shape[1] - 1
    C = np.empty((K, K))
    trace = 0.0
    for a in range(K):
        for b in range(a, K):
            # C[a, b] = U[:, a] @ U[:, b]
            s = 0.0
            for i in range(m):
                s += (history[i, a + 1] - history[i, a]) * (
                    history[i, b + 1] - history[i, b]
                )
            C[a, b] = s
            C[b, a] = s
        trace += C[a, a]
    if not trace > 0.0:
        return False
    for a in range(K):
        C[a, a] += 1e-12 * trace
    L = np.zeros((K, K))
    for a in range(K):
        for b in range(a + 1):
            s = C[a, b]
            for t in range(b):
                s -= L[a, t] * L[b, t]
            if a == b:
                if s <= 0.0:
                    return False
                L[a, a] = np.sqrt(s)
            else:
                L[a, b] = s / L[b, b]
    z = np.ones(K)
    for a in range(K):  # L y = 1
        s = z[a]
        for t in range(a):
            s -= L[a, t] * z[t]
        z[a] = s / L[a, a]
    for a in range(K - 1, -1, -1):  # L^T z = y
        s = z[a]
        for t in range(a + 1, K):
            s -= L[t, a] * z[t]
        z[a] = s / L[a, a]
    total = 0.0
    for a in range(K):
        total += z[a]
    if total == 0.0 or not np.isfinite(total):
        return False
    for a in range(K):
        out[a] = z[a] / total
    return True
