"""Exact solvers of Ridge: factorizations, and scipy's LSQR.

Coordinate descent converges at a rate set by the conditioning of ``X^T X``;
on raw-scale, correlated features it crawls.  These solvers give the exact
minimiser of ``||y - Xw||^2 + alpha ||w||^2`` (``X``, ``y`` centred and
weighted) from one factorization, whatever the conditioning:

* ``"cholesky"``: ``(X^T X + alpha I) w = X^T y`` when ``n_samples >=
  n_features``, else the kernel form ``w = X^T (X X^T + alpha I)^{-1} y``
  (scikit-learn's ``_solve_cholesky`` and ``_solve_cholesky_kernel``); a
  singular system (``alpha = 0`` on rank-deficient data) falls back to the
  minimum-norm least-squares solution;
* ``"svd"``: ``w = V diag(s / (s^2 + alpha)) U^T y`` from the thin SVD of
  ``X`` (scikit-learn's ``_solve_svd``), exact and minimum-norm as
  ``alpha -> 0``;
* ``"lsqr"``: scipy's LSQR with ``damp = sqrt(alpha)`` on the implicitly
  centred design (scikit-learn's ``_solve_lsqr``), for dense or sparse X.
"""

import numpy as np
from scipy import linalg


def solve_cholesky(A, B, alphas):
    """``(A + alpha_k I)^{-1} B[:, k]`` for each target ``k``.

    Parameters
    ----------
    A : ndarray of shape (m, m), symmetric positive semi-definite, float64
    B : ndarray of shape (m, n_targets)
    alphas : ndarray of shape (n_targets,)

    Returns
    -------
    X : ndarray of shape (m, n_targets)
    """
    m = A.shape[0]
    out = np.empty((m, B.shape[1]), dtype=np.float64)
    diag = np.arange(m)
    for k, alpha in enumerate(alphas):
        M = A.copy()
        M[diag, diag] += alpha
        try:
            out[:, k] = linalg.solve(M, B[:, k], assume_a="pos", overwrite_a=True)
        except (linalg.LinAlgError, ValueError):
            out[:, k] = linalg.lstsq(A + alpha * np.eye(m), B[:, k])[0]
    return out


def solve_svd(X, Y, alphas):
    """Ridge coefficients ``(n_targets, n_features)`` from the thin SVD of ``X``."""
    U, s, Vt = linalg.svd(X, full_matrices=False)
    keep = s > 1e-15
    U, s, Vt = U[:, keep], s[keep], Vt[keep]
    UtY = U.T @ Y
    d = s[:, None] / (s[:, None] ** 2 + alphas[None, :])
    return (Vt.T @ (d * UtY)).T


def solve_lsqr(design, alphas, tol, max_iter):
    """Ridge by scipy's LSQR on the implicitly centred, weighted design.

    ``min ||z - Z w||^2 + alpha ||w||^2`` is LSQR's damped least squares
    with ``damp = sqrt(alpha)`` (scikit-learn's ``"lsqr"``: ``atol = btol =
    tol``).  ``Z`` is applied through products only, so sparse ``X`` is
    never densified nor centred.

    Parameters
    ----------
    design : CenteredDesign
    alphas : ndarray of shape (n_targets,)
    tol : float
    max_iter : int or None

    Returns
    -------
    coef : ndarray of shape (n_targets, n_features)
    n_iter : ndarray of shape (n_targets,)
    """
    from scipy.sparse.linalg import LinearOperator, lsqr

    Z = LinearOperator(
        design.shape,
        matvec=lambda v: design.matmul(v.reshape(-1, 1)).ravel(),
        rmatvec=lambda u: design.rmatmul(u.reshape(-1, 1)).ravel(),
        dtype=np.float64,
    )
    z = design.z.reshape(design.shape[0], -1)
    coef = np.empty((z.shape[1], design.shape[1]))
    n_iter = np.empty(z.shape[1], dtype=np.int32)
    for k, alpha in enumerate(alphas):
        out = lsqr(
            Z, z[:, k], damp=np.sqrt(alpha), atol=tol, btol=tol, iter_lim=max_iter
        )
        coef[k], n_iter[k] = out[0], out[2]
    return coef, n_iter
