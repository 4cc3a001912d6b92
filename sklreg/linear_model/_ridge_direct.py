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
  centred design (scikit-learn's ``_solve_lsqr``), for dense or sparse X;
* ``"sparse_cg"``: scipy's conjugate gradients on the normal equations
  ``(Z^T Z + alpha I) w = Z^T z``, or on the kernel system
  ``(Z Z^T + alpha I) v = z``, ``w = Z^T v``, when there are more features
  than samples (scikit-learn's ``_solve_sparse_cg``), for dense or sparse X;
* ``"lbfgs"``: scipy's L-BFGS-B on ``1/2 ||z - Zw||^2 + alpha/2 ||w||^2``
  with the bounds ``w >= 0`` (``positive=True``; scikit-learn's
  ``_solve_lbfgs``).

``Z`` and ``z`` are the centred, weighted design and targets of
``CenteredDesign``; sparse ``X`` is applied through products only, never
densified nor centred.
"""

import warnings

import numpy as np
from scipy import linalg, optimize
from scipy.sparse.linalg import LinearOperator, cg, lsqr
from sklearn.exceptions import ConvergenceWarning

# Sparse X with at most this many samples or features is solved exactly
# through its implicitly centred Gram (or kernel) matrix, which is then small;
# larger sparse X by iterative solvers that only take products with X.
SPARSE_GRAM_MAX = 500


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
    # one factorization per distinct alpha (LAPACK potrf/potrs: no condition
    # estimate, which scipy's solve would add)
    for alpha in np.unique(alphas):
        cols = np.flatnonzero(alphas == alpha)
        M = A.copy()
        M[diag, diag] += alpha
        try:
            factor = linalg.cho_factor(M, overwrite_a=True, check_finite=False)
            out[:, cols] = linalg.cho_solve(factor, B[:, cols], check_finite=False)
        except (linalg.LinAlgError, ValueError):
            # singular (alpha = 0 on rank-deficient data): minimum-norm
            # least squares
            out[:, cols] = linalg.lstsq(A + alpha * np.eye(m), B[:, cols])[0]
    return out


def solve_svd(X, Y, alphas):
    """Ridge coefficients ``(n_targets, n_features)`` from the thin SVD of ``X``.

    ``w = V diag(s / (s^2 + alpha)) U^T y``.  At ``alpha = 0`` the singular
    values at rounding level (below ``max(n, p) eps s_max``, numpy's
    ``pinv`` cut-off) are dropped: the minimum-norm least-squares solution,
    where a fixed cut-off (scikit-learn's ``1e-15``) lets a rank deficiency
    rounded to ``1e-15`` blow up as ``1 / s``.
    """
    U, s, Vt = linalg.svd(X, full_matrices=False)
    cutoff = s.max() * max(X.shape) * np.finfo(s.dtype).eps if s.size else 0.0
    denom = s[:, None] ** 2 + alphas[None, :]
    keep = (denom > 0) & ((s[:, None] > cutoff) | (alphas[None, :] > 0))
    d = np.divide(s[:, None], denom, out=np.zeros_like(denom), where=keep)
    return (Vt.T @ (d * (U.T @ Y))).T


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
    Z = _operator(design)
    z = design.z.reshape(design.shape[0], -1)
    coef = np.empty((z.shape[1], design.shape[1]))
    n_iter = np.empty(z.shape[1], dtype=np.int32)
    for k, alpha in enumerate(alphas):
        out = lsqr(
            Z, z[:, k], damp=np.sqrt(alpha), atol=tol, btol=tol, iter_lim=max_iter
        )
        coef[k], n_iter[k] = out[0], out[2]
    return coef, n_iter


def _operator(design):
    """``Z`` as a scipy LinearOperator (products with the centred design)."""
    return LinearOperator(
        design.shape,
        matvec=lambda v: design.matmul(v.reshape(-1, 1)).ravel(),
        rmatvec=lambda u: design.rmatmul(u.reshape(-1, 1)).ravel(),
        dtype=np.float64,
    )


def solve_sparse_cg(design, alphas, tol, max_iter):
    """Ridge by scipy's conjugate gradients (scikit-learn's ``"sparse_cg"``).

    Solves ``(Z^T Z + alpha I) w = Z^T z`` when ``n_samples >= n_features``,
    else ``(Z Z^T + alpha I) v = z`` and ``w = Z^T v``, to the relative
    residual ``tol`` (scipy's ``rtol``), in at most ``max_iter`` iterations
    (None: scipy's ``10 * size``).

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
        Conjugate-gradient iterations run (at least 1).
    """
    n, p = design.shape
    Z = _operator(design)
    z = design.z.reshape(n, -1)
    kernel = p > n
    size = n if kernel else p
    coef = np.empty((z.shape[1], p))
    n_iter = np.empty(z.shape[1], dtype=np.int32)
    for k, alpha in enumerate(alphas):
        if kernel:

            def matvec(v, alpha=alpha):
                return Z.matvec(Z.rmatvec(v)) + alpha * v

            rhs = z[:, k]
        else:

            def matvec(v, alpha=alpha):
                return Z.rmatvec(Z.matvec(v)) + alpha * v

            rhs = Z.rmatvec(z[:, k])
        count = [0]

        def callback(_, count=count):
            count[0] += 1

        A = LinearOperator((size, size), matvec=matvec, dtype=np.float64)
        sol, info = cg(A, rhs, rtol=tol, maxiter=max_iter, callback=callback)
        if info < 0:
            raise ValueError(f"sparse_cg failed with error code {info}")
        coef[k] = Z.rmatvec(sol) if kernel else sol
        n_iter[k] = max(count[0], 1)
    return coef, n_iter


def solve_lbfgs(design, alphas, tol, max_iter, positive):
    """Ridge by scipy's L-BFGS-B (scikit-learn's ``"lbfgs"``, for ``positive``).

    Minimises ``1/2 ||z - Zw||^2 + alpha/2 ||w||^2`` from ``w = 0`` with the
    bounds ``w >= 0`` when ``positive``; scipy's ``tol`` and ``maxiter``.
    Warns (ConvergenceWarning) when scipy reports no convergence.

    Returns
    -------
    coef : ndarray of shape (n_targets, n_features)
    n_iter : ndarray of shape (n_targets,)
    """
    n, p = design.shape
    Z = _operator(design)
    z = design.z.reshape(n, -1)
    coef = np.empty((z.shape[1], p))
    n_iter = np.empty(z.shape[1], dtype=np.int32)
    options = {} if max_iter is None else {"maxiter": max_iter}
    bounds = [(0.0, np.inf)] * p if positive else None
    for k, alpha in enumerate(alphas):
        target = z[:, k]

        def objective(w, target=target, alpha=alpha):
            residual = Z.matvec(w) - target
            value = 0.5 * residual @ residual + 0.5 * alpha * w @ w
            return value, Z.rmatvec(residual) + alpha * w

        result = optimize.minimize(
            objective,
            np.zeros(p),
            method="L-BFGS-B",
            jac=True,
            bounds=bounds,
            tol=tol,
            options=options,
        )
        if not result.success:
            warnings.warn(
                "The lbfgs solver did not converge. Try increasing max_iter "
                f"or tol. Currently: max_iter={max_iter} and tol={tol}",
                ConvergenceWarning,
            )
        coef[k], n_iter[k] = result.x, max(int(result.nit), 1)
    return coef, n_iter


def ridge_path_exact(design, alphas):
    """Exact Ridge coefficients for every alpha, from one Gram matrix.

    The Gram matrix ``Z^T Z`` (``n_samples >= n_features``) or the kernel
    ``Z Z^T`` is formed once; each alpha is then one Cholesky solve of
    :func:`solve_cholesky` (minimum-norm least squares if singular).  A
    single eigendecomposition would serve every alpha in ``O(m^2)``, but,
    unlike Cholesky, it is not invariant to the scaling of the columns, and
    on raw-scale data loses digits that scikit-learn's solvers keep.

    Parameters
    ----------
    design : CenteredDesign
    alphas : ndarray of shape (n_alphas,)

    Returns
    -------
    coefs : ndarray of shape (n_targets, n_features, n_alphas)
    """
    n, p = design.shape
    z = design.z.reshape(n, -1)
    kernel = p > n
    A = design.kernel() if kernel else design.covariance()
    B = z if kernel else design.rmatmul(z)
    coefs = np.empty((z.shape[1], p, len(alphas)))
    for i, alpha in enumerate(alphas):
        w = solve_cholesky(A, B, np.full(B.shape[1], alpha))
        coefs[:, :, i] = (design.rmatmul(w) if kernel else w).T
    return coefs
