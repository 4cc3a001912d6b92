"""Ridge by stochastic average gradient: SAG and SAGA.

On the centred, weighted design ``Z`` (rows ``z_i = s_i (x_i - mu)``,
targets ``t_i = s_i (y_i - ybar)``, ``s_i = sqrt(sample_weight_i)``) the
Ridge objective divided by ``2 n`` is the finite sum::

    F(w) = 1/n sum_i 1/2 (z_i . w - t_i)^2 + alpha_s / 2 ||w||^2,
    alpha_s = alpha / n,

which SAG (Schmidt, Le Roux and Bach 2017) and SAGA (Defazio, Bach and
Lacoste-Julien 2014) minimise by sampling one row per step and keeping the
last gradient seen for every row (for the squared loss a single scalar
``z_i . w - t_i`` per row).  SAG steps along the average of the stored
gradients; SAGA along the unbiased estimate (new minus stored gradient plus
the average), with the L2 term applied by its proximal map.  Both converge
linearly to the unique Ridge solution; the stopping rule and the step sizes
are scikit-learn's (``max |w - w_prev| / max |w| <= tol`` after each epoch;
``1 / (L + alpha_s)`` for SAG, ``1 / (2 L + min(2 n alpha_s, L))`` for SAGA,
``L = max_i ||z_i||^2``).

The intercept needs no coordinate of its own: the design is centred
implicitly, so dense and sparse ``X`` give the same model (scikit-learn's
sparse SAG instead fits the intercept with a decayed step).  Sparse rows are
expanded into a dense buffer of length ``n_features`` one at a time.
"""

import numpy as np
import scipy.sparse as sp
from numba import njit

_DEFAULT_MAX_ITER = 1000


@njit(cache=True, nogil=True)
def _fill_row(Z, data, indices, indptr, mu, s, i, row):
    """``row = z_i``: row ``i`` of dense ``Z``, or of ``diag(s) (X - 1 mu^T)``."""
    if Z.shape[0] > 0:
        row[:] = Z[i]
        return
    # row = s_i * (x_i - mu), x_i stored in CSR
    for j in range(row.shape[0]):
        row[j] = -s[i] * mu[j]
    for k in range(indptr[i], indptr[i + 1]):
        row[indices[k]] += s[i] * data[k]


@njit(cache=True, nogil=True)
def sag_epochs(Z, data, indices, indptr, mu, s, t, alpha_s, step, max_iter, tol,
               seed, saga):  # fmt: skip
    """Run SAG (``saga=False``) or SAGA epochs from ``w = 0``.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_features), or (0, 0) for CSR input
    data, indices, indptr : CSR arrays of ``X`` (empty for dense input)
    mu : ndarray of shape (n_features,)
        Column offsets of the CSR input (ignored for dense ``Z``).
    s : ndarray of shape (n_samples,)
        Row scales ``sqrt(sample_weight)``.
    t : ndarray of shape (n_samples,)
        Centred, scaled targets.
    alpha_s, step, tol : float
    max_iter, seed : int
    saga : bool

    Returns
    -------
    w : ndarray of shape (n_features,)
    n_iter : int
        Epochs run.
    converged : bool
    """
    n = t.shape[0]
    p = mu.shape[0]
    # numba's own generator, seeded per run (reproducible for a random_state)
    np.random.seed(seed)  # noqa: NPY002
    w = np.zeros(p)
    w_prev = np.zeros(p)
    row = np.empty(p)
    memory = np.zeros(n)  # last gradient scalar seen for each row
    seen = np.zeros(n, dtype=np.bool_)
    grad_sum = np.zeros(p)  # sum_i memory_i z_i
    n_seen = 0
    shrink = 1.0 / (1.0 + step * alpha_s)
    for epoch in range(max_iter):
        w_prev[:] = w
        for _ in range(n):
            i = np.random.randint(0, n)  # noqa: NPY002
            _fill_row(Z, data, indices, indptr, mu, s, i, row)
            g = np.dot(row, w) - t[i]
            if not seen[i]:
                seen[i] = True
                n_seen += 1
            diff = g - memory[i]
            memory[i] = g
            if saga:
                # w <- prox(w - step * (diff z_i + old average)), average over
                # the rows seen so far (scikit-learn's first epoch)
                for j in range(p):
                    avg = grad_sum[j] / n_seen
                    w[j] = (w[j] - step * (diff * row[j] + avg)) * shrink
                    grad_sum[j] += diff * row[j]
            else:
                for j in range(p):
                    grad_sum[j] += diff * row[j]
                    w[j] -= step * (grad_sum[j] / n_seen + alpha_s * w[j])
        max_change = 0.0
        max_weight = 0.0
        for j in range(p):
            max_change = max(max_change, abs(w[j] - w_prev[j]))
            max_weight = max(max_weight, abs(w[j]))
        if (max_weight != 0.0 and max_change / max_weight <= tol) or (
            max_weight == 0.0 and max_change == 0.0
        ):
            return w, epoch + 1, True
    return w, max_iter, False


def solve_sag(design, alphas, tol, max_iter, random_state, saga):
    """Ridge coefficients by SAG or SAGA, one run per target.

    Parameters
    ----------
    design : CenteredDesign
    alphas : ndarray of shape (n_targets,)
    tol : float
    max_iter : int or None
        Epochs per target (None: 1000, as scikit-learn).
    random_state : numpy.random.RandomState
    saga : bool

    Returns
    -------
    coef : ndarray of shape (n_targets, n_features)
    n_iter : ndarray of shape (n_targets,)
    converged : ndarray of bool, shape (n_targets,)
    """
    n, p = design.shape
    if design.sparse:
        X = sp.csr_matrix(design.X)  # raw rows; the kernel centres and scales
        Z = np.empty((0, 0))
        data, indices, indptr = X.data.astype(np.float64), X.indices, X.indptr
        mu = np.asarray(design.X_offset, dtype=np.float64)
        s = design.s
        # ||s_i (x_i - mu)||^2 = s_i^2 (||x_i||^2 - 2 x_i . mu + ||mu||^2)
        row_sq = np.asarray(X.multiply(X).sum(axis=1)).ravel()
        sq = s**2 * (row_sq - 2.0 * (X @ mu) + float(mu @ mu))
    else:
        Z = np.ascontiguousarray(design.Z, dtype=np.float64)
        data = np.empty(0)
        indices, indptr = np.empty(0, dtype=np.int32), np.zeros(1, dtype=np.int32)
        mu, s = np.zeros(p), np.ones(n)
        sq = np.einsum("ij,ij->i", Z, Z)
    L = float(sq.max()) if n else 0.0
    targets = design.z.reshape(n, -1)
    coef = np.empty((targets.shape[1], p))
    n_iter = np.empty(targets.shape[1], dtype=np.int32)
    converged = np.empty(targets.shape[1], dtype=bool)
    epochs = _DEFAULT_MAX_ITER if max_iter is None else int(max_iter)
    for k, alpha in enumerate(alphas):
        alpha_s = float(alpha) / n
        if saga:
            step = 1.0 / (2.0 * L + min(2.0 * n * alpha_s, L))
        else:
            step = 1.0 / (L + alpha_s)
        seed = int(random_state.randint(np.iinfo(np.int32).max))
        coef[k], n_iter[k], converged[k] = sag_epochs(
            Z, data, indices, indptr, mu, s,
            np.ascontiguousarray(targets[:, k]), alpha_s, step, epochs,
            float(tol), seed, saga,
        )  # fmt: skip
    return coef, n_iter, converged
