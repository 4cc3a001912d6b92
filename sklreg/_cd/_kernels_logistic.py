"""Numba loops of the prox-Newton solver for the logistic loss.

One prox-Newton step replaces the loss around the current linear predictor
``z`` by its weighted quadratic model

    q(dz) = sum_i g_i dz_i + h_i / 2 dz_i^2,    dz = X dw + db,

(``g_i = s_i (p_i - y_i)``, ``h_i = s_i p_i (1 - p_i)``) and minimises
``q + penalty`` by coordinate descent.  The kernels keep the model's
per-sample gradient ``u = g + h * dz`` (updated in place), so that a
coordinate's model gradient is ``X[:, j] @ u`` and its curvature
``X[:, j] @ (h * X[:, j])``.  The intercept is a coordinate of its own,
unpenalised, with the exact Newton step ``db = -sum(u) / sum(h)``, kept at
its optimum as the coefficients move (CD on the ``h``-centred columns,
whose centring changes with every model: the logistic loss cannot be
centred once and for all as the squared loss is); sparse X is never
centred or densified.

The penalty is given per feature, ``l1s[j] |w_j| + l2s[j] / 2 w_j^2``
(``inf`` for a feature excluded from the model: its coefficient stays 0).
Every kernel is ``cache=True, nogil=True`` and has a numpy reference in
``tests/test_kernels_logistic.py``.
"""

import numpy as np
from numba import njit

from sklreg._cd._kernels import anderson_weights

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
    X, w, intercept, u, h, l1s, l2s, ws, fit_intercept, max_epochs, tol, anderson
):
    """CD epochs on the quadratic model over ``ws``, dense Fortran ``X``.

    ``w`` (the coefficients, float64), ``intercept`` (an array of one
    float64) and ``u`` (the model's per-sample gradient) are updated in
    place.  With ``fit_intercept`` the intercept is kept at its optimum for
    the current ``w``: an epoch starts with its Newton step ``db =
    -sum(u) / sum(h)``, and each coordinate step moves it along (``db =
    -dw_j mu_j``, ``mu_j`` the ``h``-weighted mean of ``X[:, j]``), which is
    CD on the ``h``-centred columns: without it a column of large mean
    couples with the intercept and CD crawls.  Stops after ``max_epochs``
    or once an epoch's largest ``curvature * step^2`` (twice the model
    decrease it bought) is at most ``tol`` times the first epoch's (a
    relative rule: the steps shrink with the outer iterations, and the
    inner solve must keep pace for prox-Newton to converge fast), or at
    most ``1e-28`` times the largest ``curvature * coefficient^2`` (steps of
    1e-14 of the coefficients: rounding, below which a relative rule could
    never be met).

    With ``anderson = K > 0``, every ``K`` epochs the last ``K + 1``
    iterates (coefficients and intercept) are extrapolated (Anderson
    acceleration, as the squared-loss solver does): coordinate descent on a
    quadratic converges linearly, slowly on ill-conditioned models (rare
    features, nearly separable data), and the combination of its iterates
    that minimises the combined step jumps close to the limit.  The point
    is kept when it lowers the model's objective (both evaluated afresh by
    :func:`model_objective_dense`), and ``u`` is then rebuilt from it.
    Returns the epochs run.
    """
    n_samples = X.shape[0]
    n_ws = ws.shape[0]
    h_sum = 0.0
    for i in range(n_samples):
        h_sum += h[i]
    centre = fit_intercept and h_sum > 0.0
    # mu[k] = h @ X[:, j] / sum(h); hdiag[k] = h @ (X[:, j] - mu[k])**2
    mu = np.zeros(n_ws)
    hdiag = np.empty(n_ws)
    for k in range(n_ws):
        j = ws[k]
        if centre:
            acc = 0.0
            for i in range(n_samples):
                acc += h[i] * X[i, j]
            mu[k] = acc / h_sum
        m = mu[k]
        acc = 0.0
        for i in range(n_samples):
            d = X[i, j] - m
            acc += h[i] * d * d
        hdiag[k] = acc
    hist, g, w0, cw, dz = _anderson_buffers(w, intercept, u, ws, anderson)
    n_hist = 1
    first_step = 0.0
    for epoch in range(max_epochs):
        max_step = 0.0
        scale = 0.0
        if centre:
            # db = -sum(u) / sum(h); u += db * h
            acc = 0.0
            for i in range(n_samples):
                acc += u[i]
            delta = -acc / h_sum
            intercept[0] += delta
            scale = max(scale, h_sum * intercept[0] * intercept[0])
            for i in range(n_samples):
                u[i] += delta * h[i]
            max_step = max(max_step, h_sum * delta * delta)
        for k in range(n_ws):
            j = ws[k]
            a = hdiag[k]
            denom = a + l2s[j]
            if denom == 0.0:
                continue
            # grad = (X[:, j] - mu) @ u  (sum(u) = 0 when centred)
            grad = 0.0
            for i in range(n_samples):
                grad += X[i, j] * u[i]
            old = w[j]
            new = penalised_newton_update(a * old - grad, l1s[j], denom)
            scale = max(scale, a * new * new)
            if new != old:
                delta = new - old
                w[j] = new
                m = mu[k]
                intercept[0] -= delta * m
                # u += delta * h * (X[:, j] - mu)
                for i in range(n_samples):
                    u[i] += delta * h[i] * (X[i, j] - m)
                max_step = max(max_step, a * delta * delta)
        if anderson > 0:
            _record(hist, n_hist, w, intercept, ws)
            n_hist += 1
            if n_hist == anderson + 1:
                if anderson_weights(hist, cw):
                    _extrapolate_dense(
                        X, w, intercept, u, h, l1s, l2s, ws, hist, g, w0, cw, dz
                    )
                _record(hist, 0, w, intercept, ws)
                n_hist = 1
        if epoch == 0:
            first_step = max_step
        # relative to the first epoch, or down to the rounding of the
        # coefficients (steps 1e-14 of them)
        if max_step <= tol * first_step or max_step <= 1e-28 * scale:
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
    anderson,
):
    """:func:`quadratic_cd_dense` for CSC ``X`` (``data, indices, indptr``).

    A coordinate step touches only its column's non-zeros: the centring
    part of ``u``'s update, ``-dw_j mu_j h``, is accumulated in a scalar
    ``c`` (the true ``u`` is ``u - c h``, formed at each epoch's intercept
    step), so X is never centred or densified.
    """
    n_samples = u.shape[0]
    n_ws = ws.shape[0]
    h_sum = 0.0
    for i in range(n_samples):
        h_sum += h[i]
    centre = fit_intercept and h_sum > 0.0
    mu = np.zeros(n_ws)
    hx = np.zeros(n_ws)
    hdiag = np.empty(n_ws)
    for k in range(n_ws):
        j = ws[k]
        start, stop = np.uint64(indptr[j]), np.uint64(indptr[j + 1])
        if centre:
            acc = 0.0
            for t in range(start, stop):
                acc += h[np.uint64(indices[t])] * data[t]
            hx[k] = acc
            mu[k] = acc / h_sum
        m = mu[k]
        # h @ (x - mu)^2: the non-zeros, then mu^2 times the other rows' h
        acc = 0.0
        h_nz = 0.0
        for t in range(start, stop):
            i = np.uint64(indices[t])
            d = data[t] - m
            acc += h[i] * d * d
            h_nz += h[i]
        acc += m * m * max(h_sum - h_nz, 0.0)
        hdiag[k] = acc
    hist, g, w0, cw, dz = _anderson_buffers(w, intercept, u, ws, anderson)
    n_hist = 1
    first_step = 0.0
    for epoch in range(max_epochs):
        max_step = 0.0
        scale = 0.0
        c = 0.0
        if centre:
            acc = 0.0
            for i in range(n_samples):
                acc += u[i]
            delta = -acc / h_sum
            intercept[0] += delta
            scale = max(scale, h_sum * intercept[0] * intercept[0])
            for i in range(n_samples):
                u[i] += delta * h[i]
            max_step = max(max_step, h_sum * delta * delta)
        for k in range(n_ws):
            j = ws[k]
            a = hdiag[k]
            denom = a + l2s[j]
            if denom == 0.0:
                continue
            start, stop = np.uint64(indptr[j]), np.uint64(indptr[j + 1])
            # grad = X[:, j] @ (u - c h)
            grad = 0.0
            for t in range(start, stop):
                grad += data[t] * u[np.uint64(indices[t])]
            grad -= c * hx[k]
            old = w[j]
            new = penalised_newton_update(a * old - grad, l1s[j], denom)
            scale = max(scale, a * new * new)
            if new != old:
                delta = new - old
                w[j] = new
                intercept[0] -= delta * mu[k]
                for t in range(start, stop):
                    i = np.uint64(indices[t])
                    u[i] += delta * h[i] * data[t]
                c += delta * mu[k]
                max_step = max(max_step, a * delta * delta)
        if c != 0.0:
            for i in range(n_samples):
                u[i] -= c * h[i]
        if anderson > 0:
            _record(hist, n_hist, w, intercept, ws)
            n_hist += 1
            if n_hist == anderson + 1:
                if anderson_weights(hist, cw):
                    _extrapolate_sparse(
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
                        hist,
                        g,
                        w0,
                        cw,
                        dz,
                    )
                _record(hist, 0, w, intercept, ws)
                n_hist = 1
        if epoch == 0:
            first_step = max_step
        # relative to the first epoch, or down to the rounding of the
        # coefficients (steps 1e-14 of them)
        if max_step <= tol * first_step or max_step <= 1e-28 * scale:
            return epoch + 1
    return max_epochs


@njit(cache=True, nogil=True)
def _anderson_buffers(w, intercept, u, ws, anderson):
    """Work arrays of the inner Anderson steps: the iterates' history (one
    column per iterate: ``w[ws]``, then the intercept; the first is the
    start), the model's gradient ``g`` at the start (``u`` there), the
    start ``w0 = w[ws]``, the weights and a per-sample buffer."""
    n_ws = ws.shape[0]
    if anderson <= 0:
        return (
            np.empty((0, 0)),
            np.empty(0),
            np.empty(0),
            np.empty(0),
            np.empty(0),
        )
    hist = np.empty((n_ws + 1, anderson + 1))
    _record(hist, 0, w, intercept, ws)
    w0 = np.empty(n_ws + 1)
    for k in range(n_ws + 1):
        w0[k] = hist[k, 0]
    return hist, u.copy(), w0, np.empty(anderson), np.empty(u.shape[0])


@njit(cache=True, nogil=True)
def _record(hist, col, w, intercept, ws):
    n_ws = ws.shape[0]
    for k in range(n_ws):
        hist[k, col] = w[ws[k]]
    hist[n_ws, col] = intercept[0]


@njit(cache=True, nogil=True)
def _combine(hist, cw, out):
    """``out = hist[:, 1:] @ cw``: the extrapolated point."""
    for k in range(hist.shape[0]):
        acc = 0.0
        for a in range(cw.shape[0]):
            acc += hist[k, a + 1] * cw[a]
        out[k] = acc


@njit(cache=True, nogil=True)
def _model_from_dz(dz, g, h, point, l1s, l2s, ws):
    """``sum_i g_i dz_i + h_i/2 dz_i^2`` plus the working set's penalty at
    ``point`` (``w[ws]`` then the intercept)."""
    q = 0.0
    for i in range(dz.shape[0]):
        q += g[i] * dz[i] + 0.5 * h[i] * dz[i] * dz[i]
    for k in range(ws.shape[0]):
        v = point[k]
        if v != 0.0:
            j = ws[k]
            q += l1s[j] * abs(v) + 0.5 * l2s[j] * v * v
    return q


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def model_objective_dense(X, point, w0, g, h, l1s, l2s, ws, dz):
    """The quadratic model plus penalty at ``point`` (``w[ws]``, then the
    intercept), the model taken at ``w0``; fills ``dz = X dw + db``."""
    n_ws = ws.shape[0]
    db = point[n_ws] - w0[n_ws]
    for i in range(dz.shape[0]):
        dz[i] = db
    for k in range(n_ws):
        d = point[k] - w0[k]
        if d != 0.0:
            j = ws[k]
            for i in range(dz.shape[0]):
                dz[i] += d * X[i, j]
    return _model_from_dz(dz, g, h, point, l1s, l2s, ws)


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def model_objective_sparse(data, indices, indptr, point, w0, g, h, l1s, l2s, ws, dz):
    """:func:`model_objective_dense` for CSC ``X``."""
    n_ws = ws.shape[0]
    db = point[n_ws] - w0[n_ws]
    for i in range(dz.shape[0]):
        dz[i] = db
    for k in range(n_ws):
        d = point[k] - w0[k]
        if d != 0.0:
            j = ws[k]
            for t in range(np.uint64(indptr[j]), np.uint64(indptr[j + 1])):
                dz[np.uint64(indices[t])] += d * data[t]
    return _model_from_dz(dz, g, h, point, l1s, l2s, ws)


@njit(cache=True, nogil=True)
def _accept(point, w, intercept, u, g, h, ws, dz):
    """Move to the extrapolated ``point``: ``u = g + h dz`` afresh."""
    n_ws = ws.shape[0]
    for k in range(n_ws):
        w[ws[k]] = point[k]
    intercept[0] = point[n_ws]
    for i in range(u.shape[0]):
        u[i] = g[i] + h[i] * dz[i]


@njit(cache=True, nogil=True)
def _extrapolate_dense(X, w, intercept, u, h, l1s, l2s, ws, hist, g, w0, cw, dz):
    """One Anderson step of :func:`quadratic_cd_dense`; True if taken."""
    last = hist[:, hist.shape[1] - 1].copy()
    point = np.empty(hist.shape[0])
    _combine(hist, cw, point)
    before = model_objective_dense(X, last, w0, g, h, l1s, l2s, ws, dz)
    after = model_objective_dense(X, point, w0, g, h, l1s, l2s, ws, dz)
    if after < before:
        _accept(point, w, intercept, u, g, h, ws, dz)
        return True
    return False


@njit(cache=True, nogil=True)
def _extrapolate_sparse(
    data, indices, indptr, w, intercept, u, h, l1s, l2s, ws, hist, g, w0, cw, dz
):
    """One Anderson step of :func:`quadratic_cd_sparse`; True if taken."""
    last = hist[:, hist.shape[1] - 1].copy()
    point = np.empty(hist.shape[0])
    _combine(hist, cw, point)
    before = model_objective_sparse(
        data, indices, indptr, last, w0, g, h, l1s, l2s, ws, dz
    )
    after = model_objective_sparse(
        data, indices, indptr, point, w0, g, h, l1s, l2s, ws, dz
    )
    if after < before:
        _accept(point, w, intercept, u, g, h, ws, dz)
        return True
    return False


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
        for t in range(np.uint64(indptr[j]), np.uint64(indptr[j + 1])):
            out[np.uint64(indices[t])] += data[t] * wj


@njit(cache=True, nogil=True)
def _feature_shift(W, j, l1, l2, vals):
    """Shift ``W[:, j]`` by the best common shift (returned); 0 for a free
    (``l1 = l2 = 0``) or excluded feature."""
    if np.isinf(l1) or (l1 == 0.0 and l2 == 0.0):
        return 0.0
    for k in range(W.shape[0]):
        vals[k] = W[k, j]
    shift = common_shift(vals, l1, l2)
    if shift != 0.0:
        for k in range(W.shape[0]):
            W[k, j] -= shift
    return shift


@njit(cache=True, nogil=True)
def best_common_shift(W, l1, l2, out):
    """``out[j] = argmin_c sum_k l1 |W[j, k] - c| + l2/2 (W[j, k] - c)^2``.

    ``W`` has one row per feature and one column per class (see
    :func:`common_shift`).
    """
    n_features, K = W.shape
    vals = np.empty(K)
    for j in range(n_features):
        for k in range(K):
            vals[k] = W[j, k]
        out[j] = common_shift(vals, l1, l2)


@njit(cache=True, nogil=True)
def common_shift(vals, l1, l2):
    """``argmin_c sum_k l1 |vals[k] - c| + l2/2 (vals[k] - c)^2`` (0 on ties
    with 0; ``vals`` is sorted in place).

    The function is convex and piecewise quadratic with breakpoints at
    ``vals``: the minimiser is a breakpoint (always, when ``l2 = 0``: a
    median) or the stationary point of one piece, ``c = mean + l1 (K - 2m)
    / (l2 K)`` on the piece with ``m`` breakpoints below.  All candidates
    are compared.
    """
    K = vals.shape[0]
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
    return best_c


@njit(cache=True, nogil=True)
def _shift_cost(vals, c, l1, l2):
    cost = 0.0
    for k in range(vals.shape[0]):
        d = vals[k] - c
        cost += l1 * abs(d) + 0.5 * l2 * d * d
    return cost


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def multinomial_cd_dense(
    X, W, b, G, P, s, D, m, l1s, l2s, ws, fit_intercept, max_epochs, tol
):
    """CD epochs on the joint quadratic model of the multinomial loss.

    The arrays ``G``, ``P`` and ``D`` are stored class by class, shape
    ``(K, n)`` (contiguous per class: the loops over samples vectorise).
    The model of the loss in ``D = (X dW^T + db)^T`` is

        sum_ik G_ik D_ik + 1/2 sum_i s_i (sum_k P_ik D_ik^2 - m_i^2),
        m_i = sum_k P_ik D_ik,

    the full Hessian, classes coupled (one class at a time would be blind to
    that coupling and converge linearly).  Its per-sample gradient is ``u_ik
    = G_ik + s_i P_ik (D_ik - m_i)``; along a single-class direction ``d``
    the curvature is ``sum_i s_i P_ik (1 - P_ik) d_i^2``.  Coordinates are
    the intercepts (Newton steps, when ``fit_intercept``) and the pairs
    ``(k, j)``, ``j`` in ``ws``, each along the column centred by the
    class's Hessian weights (the intercept follows, as in
    :func:`quadratic_cd_dense`).  The model is blind to a shift of a
    feature's coefficients common to all classes (softmax is shift
    invariant), a direction where CD crawls: after its classes, each
    feature takes the shift its penalty prefers (:func:`common_shift`).
    ``W`` (``(K, n_features)``), ``b``, ``D``
    and ``m`` are updated in place; ``D`` and ``m`` start at zero for the
    model's centre.  Stops as :func:`quadratic_cd_dense`.  Returns the
    epochs run.
    """
    K, n_samples = P.shape
    n_ws = ws.shape[0]
    hsum = np.zeros(K)
    for k in range(K):
        for i in range(n_samples):
            hsum[k] += s[i] * P[k, i] * (1.0 - P[k, i])
    vals = np.empty(K)
    mu = np.zeros((K, n_ws))
    hdiag = np.empty((K, n_ws))
    for k in range(K):
        centre = fit_intercept and hsum[k] > 0.0
        for t in range(n_ws):
            j = ws[t]
            if centre:
                acc = 0.0
                for i in range(n_samples):
                    acc += s[i] * P[k, i] * (1.0 - P[k, i]) * X[i, j]
                mu[k, t] = acc / hsum[k]
            c = mu[k, t]
            acc = 0.0
            for i in range(n_samples):
                d = X[i, j] - c
                acc += s[i] * P[k, i] * (1.0 - P[k, i]) * d * d
            hdiag[k, t] = acc
    first_step = 0.0
    for epoch in range(max_epochs):
        max_step = 0.0
        scale = 0.0
        if fit_intercept:
            for k in range(K):
                if hsum[k] == 0.0:
                    continue
                acc = 0.0
                for i in range(n_samples):
                    acc += G[k, i] + s[i] * P[k, i] * (D[k, i] - m[i])
                delta = -acc / hsum[k]
                b[k] += delta
                scale = max(scale, hsum[k] * b[k] * b[k])
                for i in range(n_samples):
                    D[k, i] += delta
                    m[i] += delta * P[k, i]
                max_step = max(max_step, hsum[k] * delta * delta)
        for t in range(n_ws):
            j = ws[t]
            for k in range(K):
                a = hdiag[k, t]
                denom = a + l2s[j]
                if denom == 0.0:
                    continue
                c = mu[k, t]
                # grad = (X[:, j] - c) @ u[:, k]
                grad = 0.0
                for i in range(n_samples):
                    u = G[k, i] + s[i] * P[k, i] * (D[k, i] - m[i])
                    grad += (X[i, j] - c) * u
                old = W[k, j]
                new = penalised_newton_update(a * old - grad, l1s[j], denom)
                scale = max(scale, a * new * new)
                if new != old:
                    delta = new - old
                    W[k, j] = new
                    b[k] -= delta * c
                    for i in range(n_samples):
                        dd = delta * (X[i, j] - c)
                        D[k, i] += dd
                        m[i] += dd * P[k, i]
                    max_step = max(max_step, a * delta * delta)
            # the model is blind to a shift common to the classes: take the
            # one the penalty prefers (CD crawls along that direction)
            shift = _feature_shift(W, j, l1s[j], l2s[j], vals)
            if shift != 0.0:
                for i in range(n_samples):
                    dd = shift * X[i, j]
                    m[i] -= dd
                    for k in range(K):
                        D[k, i] -= dd
        if epoch == 0:
            first_step = max_step
        # relative to the first epoch, or down to the rounding of the
        # coefficients (steps 1e-14 of them)
        if max_step <= tol * first_step or max_step <= 1e-28 * scale:
            return epoch + 1
    return max_epochs


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def multinomial_cd_sparse(
    data,
    indices,
    indptr,
    W,
    b,
    G,
    P,
    s,
    D,
    m,
    l1s,
    l2s,
    ws,
    fit_intercept,
    max_epochs,
    tol,
):
    """:func:`multinomial_cd_dense` for CSC ``X``.

    A coordinate step touches its column's non-zeros only, so the columns
    are not centred here (the intercepts' Newton steps, ``O(n K)`` once per
    epoch, do that job); X is never densified.
    """
    K, n_samples = P.shape
    n_ws = ws.shape[0]
    hsum = np.zeros(K)
    for k in range(K):
        for i in range(n_samples):
            hsum[k] += s[i] * P[k, i] * (1.0 - P[k, i])
    vals = np.empty(K)
    hdiag = np.empty((K, n_ws))
    for k in range(K):
        for t in range(n_ws):
            j = ws[t]
            acc = 0.0
            for q in range(np.uint64(indptr[j]), np.uint64(indptr[j + 1])):
                i = np.uint64(indices[q])
                x = data[q]
                acc += s[i] * P[k, i] * (1.0 - P[k, i]) * x * x
            hdiag[k, t] = acc
    first_step = 0.0
    for epoch in range(max_epochs):
        max_step = 0.0
        scale = 0.0
        if fit_intercept:
            for k in range(K):
                if hsum[k] == 0.0:
                    continue
                acc = 0.0
                for i in range(n_samples):
                    acc += G[k, i] + s[i] * P[k, i] * (D[k, i] - m[i])
                delta = -acc / hsum[k]
                b[k] += delta
                scale = max(scale, hsum[k] * b[k] * b[k])
                for i in range(n_samples):
                    D[k, i] += delta
                    m[i] += delta * P[k, i]
                max_step = max(max_step, hsum[k] * delta * delta)
        for t in range(n_ws):
            j = ws[t]
            start, stop = np.uint64(indptr[j]), np.uint64(indptr[j + 1])
            for k in range(K):
                a = hdiag[k, t]
                denom = a + l2s[j]
                if denom == 0.0:
                    continue
                grad = 0.0
                for q in range(start, stop):
                    i = np.uint64(indices[q])
                    grad += data[q] * (G[k, i] + s[i] * P[k, i] * (D[k, i] - m[i]))
                old = W[k, j]
                new = penalised_newton_update(a * old - grad, l1s[j], denom)
                scale = max(scale, a * new * new)
                if new != old:
                    delta = new - old
                    W[k, j] = new
                    for q in range(start, stop):
                        i = np.uint64(indices[q])
                        dd = delta * data[q]
                        D[k, i] += dd
                        m[i] += dd * P[k, i]
                    max_step = max(max_step, a * delta * delta)
            shift = _feature_shift(W, j, l1s[j], l2s[j], vals)
            if shift != 0.0:
                for q in range(start, stop):
                    i = np.uint64(indices[q])
                    dd = shift * data[q]
                    m[i] -= dd
                    for k in range(K):
                        D[k, i] -= dd
        if epoch == 0:
            first_step = max_step
        # relative to the first epoch, or down to the rounding of the
        # coefficients (steps 1e-14 of them)
        if max_step <= tol * first_step or max_step <= 1e-28 * scale:
            return epoch + 1
    return max_epochs


@njit(cache=True, nogil=True)
def binomial_loss(z, y, s):
    """``sum_i s_i (log(1 + e^z_i) - y_i z_i)``, overflow-safe."""
    acc = 0.0
    for i in range(z.shape[0]):
        zi = z[i]
        if s[i] != 0.0:
            acc += s[i] * (max(zi, 0.0) + np.log1p(np.exp(-abs(zi))) - y[i] * zi)
    return acc


@njit(cache=True, nogil=True)
def binomial_entropy(p, s):
    """``sum_i s_i H(p_i)``, ``H(p) = -p log p - (1 - p) log(1 - p)`` (0 at
    0 and 1)."""
    acc = 0.0
    for i in range(p.shape[0]):
        pi = p[i]
        if s[i] == 0.0:
            continue
        h = 0.0
        if pi > 0.0:
            h -= pi * np.log(pi)
        q = 1.0 - pi
        if q > 0.0:
            h -= q * np.log(q)
        acc += s[i] * h
    return acc


@njit(cache=True, nogil=True)
def dual_scaling(U, l1s, l2s, penalised, with_l2):
    """What the duality gap needs of ``U = X^T theta`` (``(n_rows,
    n_features)``) over the penalised features: with an L2 part
    (``with_l2``), the conjugate ``sum (|U_kj| - l1_j)_+^2 / (2 l2_j)``;
    without, the dual norm ``max |U_kj| / l1_j``.  Returns ``(dual norm,
    conjugate)`` (the other one 0)."""
    top = 0.0
    conj = 0.0
    for k in range(U.shape[0]):
        for j in range(U.shape[1]):
            if not penalised[j]:
                continue
            a = abs(U[k, j])
            if with_l2:
                e = a - l1s[j]
                if e > 0.0:
                    conj += e * e / l2s[j]
            else:
                r = a / l1s[j]
                if r > top:
                    top = r
    return top, 0.5 * conj
