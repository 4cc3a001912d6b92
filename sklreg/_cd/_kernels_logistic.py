"""Numba loops of the prox-Newton solver for the logistic loss.

One prox-Newton step replaces the loss around the current linear predictor
``z`` by its weighted quadratic model

    q(dz) = sum_i g_i dz_i + h_i / 2 dz_i^2,    dz = X dw + db,

(``g_i = s_i (p_i - y_i)``, ``h_i = s_i p_i (1 - p_i)``) and minimises
``q + penalty`` by coordinate descent.  The kernels keep the model's
per-sample gradient ``u = g + h * dz`` (updated in place), so that a
coordinate's model gradient is ``X[:, j] @ u`` and its curvature
``X[:, j] @ (h * X[:, j])``.  The intercept is a coordinate of its own,
unpenalised, with the exact Newton step ``db = -sum(u) / sum(h)``: the
logistic loss cannot be centred away as the squared loss can, and sparse X
is never centred or densified.

The penalty is given per feature, ``l1s[j] |w_j| + l2s[j] / 2 w_j^2``
(``inf`` for a feature excluded from the model: its coefficient stays 0).
Every kernel is ``cache=True, nogil=True`` and has a numpy reference in
``tests/test_kernels_logistic.py``.
"""

import numpy as np
from numba import njit

_FASTMATH = {"reassoc", "contract"}


@njit(cache=True, nogil=True)
def penalised_newton_update(z, l1, denom):
    """Minimiser of ``denom/2 w^2 - z w + l1 |w|`` (0 when ``l1 = inf``)."""
    if z > l1:
        return (z - l1) / denom
    if z < -l1:
        return (z + l1) / denom
    return 0.0


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def quadratic_cd_dense(
    X, w, intercept, u, h, l1s, l2s, ws, fit_intercept, max_epochs, tol
):
    """CD epochs on the quadratic model over ``ws``, dense Fortran ``X``.

    ``w`` (the coefficients, float64), ``intercept`` (an array of one
    float64) and ``u`` (the model's per-sample gradient) are updated in
    place.  An epoch first takes the intercept's Newton step (when
    ``fit_intercept``), then visits ``ws`` in order.  Stops after
    ``max_epochs`` or once an epoch's largest ``curvature * step^2`` (twice
    the model decrease it bought) is at most ``tol``.  Returns the epochs
    run.
    """
    n_samples = X.shape[0]
    n_ws = ws.shape[0]
    # hdiag[k] = X[:, ws[k]] @ (h * X[:, ws[k]])
    hdiag = np.empty(n_ws)
    for k in range(n_ws):
        j = ws[k]
        acc = 0.0
        for i in range(n_samples):
            acc += h[i] * X[i, j] * X[i, j]
        hdiag[k] = acc
    h_sum = 0.0
    for i in range(n_samples):
        h_sum += h[i]
    for epoch in range(max_epochs):
        max_step = 0.0
        if fit_intercept and h_sum > 0.0:
            # db = -sum(u) / sum(h); u += db * h
            acc = 0.0
            for i in range(n_samples):
                acc += u[i]
            delta = -acc / h_sum
            intercept[0] += delta
            for i in range(n_samples):
                u[i] += delta * h[i]
            max_step = max(max_step, h_sum * delta * delta)
        for k in range(n_ws):
            j = ws[k]
            a = hdiag[k]
            denom = a + l2s[j]
            if denom == 0.0:
                continue
            # grad = X[:, j] @ u
            grad = 0.0
            for i in range(n_samples):
                grad += X[i, j] * u[i]
            old = w[j]
            new = penalised_newton_update(a * old - grad, l1s[j], denom)
            if new != old:
                delta = new - old
                w[j] = new
                # u += delta * h * X[:, j]
                for i in range(n_samples):
                    u[i] += delta * h[i] * X[i, j]
                max_step = max(max_step, a * delta * delta)
        if max_step <= tol:
            return epoch + 1
    return max_epochs


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def quadratic_cd_sparse(
    data,
    indices,
    indptr,
    w,
    intercept,
    u,
    h,
    l1s,
    l2s,
    ws,
    fit_intercept,
    max_epochs,
    tol,
):
    """:func:`quadratic_cd_dense` for CSC ``X`` (``data, indices, indptr``).

    A coordinate step touches only its column's non-zeros; the intercept's
    step touches every sample (``O(n)``, as one dense column).
    """
    n_samples = u.shape[0]
    n_ws = ws.shape[0]
    hdiag = np.empty(n_ws)
    for k in range(n_ws):
        j = ws[k]
        acc = 0.0
        for t in range(indptr[j], indptr[j + 1]):
            x = data[t]
            acc += h[indices[t]] * x * x
        hdiag[k] = acc
    h_sum = 0.0
    for i in range(n_samples):
        h_sum += h[i]
    for epoch in range(max_epochs):
        max_step = 0.0
        if fit_intercept and h_sum > 0.0:
            acc = 0.0
            for i in range(n_samples):
                acc += u[i]
            delta = -acc / h_sum
            intercept[0] += delta
            for i in range(n_samples):
                u[i] += delta * h[i]
            max_step = max(max_step, h_sum * delta * delta)
        for k in range(n_ws):
            j = ws[k]
            a = hdiag[k]
            denom = a + l2s[j]
            if denom == 0.0:
                continue
            start, stop = indptr[j], indptr[j + 1]
            grad = 0.0
            for t in range(start, stop):
                grad += data[t] * u[indices[t]]
            old = w[j]
            new = penalised_newton_update(a * old - grad, l1s[j], denom)
            if new != old:
                delta = new - old
                w[j] = new
                for t in range(start, stop):
                    i = indices[t]
                    u[i] += delta * h[i] * data[t]
                max_step = max(max_step, a * delta * delta)
        if max_step <= tol:
            return epoch + 1
    return max_epochs


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def xt_dot_dense(X, v, cols, out):
    """``out[k] = X[:, cols[k]] @ v`` (float64 accumulation, any X dtype)."""
    n_samples = X.shape[0]
    for k in range(cols.shape[0]):
        j = cols[k]
        acc = 0.0
        for i in range(n_samples):
            acc += X[i, j] * v[i]
        out[k] = acc


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def xt_dot_sparse(data, indices, indptr, v, cols, out):
    """``out[k] = X[:, cols[k]] @ v`` for CSC X."""
    for k in range(cols.shape[0]):
        j = cols[k]
        acc = 0.0
        for t in range(indptr[j], indptr[j + 1]):
            acc += data[t] * v[indices[t]]
        out[k] = acc


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def x_dot_dense(X, w, cols, out):
    """``out = X[:, cols] @ w[cols]`` without copying columns."""
    out[:] = 0.0
    for k in range(cols.shape[0]):
        j = cols[k]
        wj = w[j]
        if wj == 0.0:
            continue
        for i in range(X.shape[0]):
            out[i] += X[i, j] * wj


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def x_dot_sparse(data, indices, indptr, w, cols, out):
    """``out = X[:, cols] @ w[cols]`` for CSC X."""
    out[:] = 0.0
    for k in range(cols.shape[0]):
        j = cols[k]
        wj = w[j]
        if wj == 0.0:
            continue
        for t in range(indptr[j], indptr[j + 1]):
            out[indices[t]] += data[t] * wj


@njit(cache=True, nogil=True)
def best_common_shift(W, l1, l2, out):
    """``out[j] = argmin_c sum_k l1 |W[j, k] - c| + l2/2 (W[j, k] - c)^2``.

    ``W`` has one row per feature and one column per class.  The function is
    convex and piecewise quadratic with breakpoints at ``W[j]``: the
    minimiser is a breakpoint (always, when ``l2 = 0``: a median) or the
    stationary point of one piece, ``c = mean + l1 (K - 2m) / (l2 K)`` on
    the piece with ``m`` breakpoints below.  All candidates are compared.
    """
    n_features, K = W.shape
    vals = np.empty(K)
    for j in range(n_features):
        for k in range(K):
            vals[k] = W[j, k]
        vals.sort()
        total = vals.sum()
        best_c = 0.0
        best = _shift_cost(vals, 0.0, l1, l2)
        for m in range(K + 1):
            if m < K:
                c = vals[m]
                cost = _shift_cost(vals, c, l1, l2)
                if cost < best:
                    best, best_c = cost, c
            if l2 > 0.0:
                c = (total + l1 * (K - 2 * m) / l2) / K
                lo = vals[m - 1] if m > 0 else -np.inf
                hi = vals[m] if m < K else np.inf
                if lo <= c <= hi:
                    cost = _shift_cost(vals, c, l1, l2)
                    if cost < best:
                        best, best_c = cost, c
        out[j] = best_c


@njit(cache=True, nogil=True)
def _shift_cost(vals, c, l1, l2):
    cost = 0.0
    for k in range(vals.shape[0]):
        d = vals[k] - c
        cost += l1 * abs(d) + 0.5 * l2 * d * d
    return cost
