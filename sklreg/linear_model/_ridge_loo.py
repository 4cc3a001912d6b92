"""Leave-one-out errors of Ridge for many alphas, in closed form.

After centring (weighted means, when there is an intercept) and scaling the
rows by ``sqrt(sample_weight)``, the Ridge fit of ``Z`` (n x p) for ``alpha``
is the linear smoother ``y_hat = H y`` with::

    H = Z (Z^T Z + alpha I)^{-1} Z^T = U diag(lam / (lam + alpha)) U^T

where ``Z Z^T = U diag(lam) U^T`` (U with orthonormal columns spanning the
range of Z).  The unpenalized intercept adds ``s s^T / (s^T s)`` to ``H``,
``s = sqrt(sample_weight)`` (orthogonal to the centred ``Z``).  The
leave-one-out residual of sample ``i`` is then exactly::

    e_i = (y_i - y_hat_i) / (1 - H_ii)

(Golub, Heath and Wahba 1979; scikit-learn's ``_RidgeGCV``).  One
decomposition of ``Z`` serves every alpha: O(n r) work per alpha.  The
residual and the diagonal are written with ``g = alpha / (lam + alpha)``,
which keeps them accurate when alpha is tiny and ``H`` is close to the
identity.

The decomposition is one of:

* ``"gram"``: eigendecomposition of the n x n kernel ``Z Z^T`` (n <= p);
* ``"cov"``: eigendecomposition of the p x p covariance ``Z^T Z`` (p < n),
  ``U = Z V / sqrt(lam)``;
* ``"svd"``: thin SVD of dense ``Z``.

Sparse ``X`` is centred implicitly (``Z = S X - s mu^T``) in the kernel and
covariance products.
"""

import numpy as np
import scipy.sparse as sp

from sklreg._cd._lazy import lazy_module
from sklreg.linear_model._base import _weighted_col_mean

_kernels_gram = lazy_module("sklreg._cd._kernels_gram")


class CenteredDesign:
    """``Z = diag(s) (X - 1 mu^T)`` and ``z = s * (y - ybar)``, implicit for sparse.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features), float64
    y : ndarray of shape (n_samples,) or (n_samples, n_targets), float64
    sample_weight : ndarray of shape (n_samples,) or None
    fit_intercept : bool
    """

    def __init__(self, X, y, sample_weight, fit_intercept):
        n = X.shape[0]
        self.s = np.ones(n) if sample_weight is None else np.sqrt(sample_weight)
        if fit_intercept:
            self.X_offset = _weighted_col_mean(X, sample_weight)
            self.y_offset = np.average(y, axis=0, weights=sample_weight)
        else:
            self.X_offset = np.zeros(X.shape[1])
            self.y_offset = np.zeros(y.shape[1:]) if y.ndim > 1 else 0.0
        yc = y - self.y_offset
        self.z = yc * (self.s[:, None] if y.ndim > 1 else self.s)
        self.sparse = sp.issparse(X)
        if self.sparse:
            if fit_intercept:
                X = self._drop_constant_columns(X)
            # S X, with the centring -s mu^T kept aside; no copy of X when
            # every weight is one
            self.X = X
            if sample_weight is None:
                self.SX = X
            else:
                self.SX = sp.csr_matrix(sp.diags(self.s) @ X)
        else:
            self.Z = (X - self.X_offset) * self.s[:, None]
        self.fit_intercept = fit_intercept
        self.shape = X.shape

    def _drop_constant_columns(self, X):
        """Zero the constant columns of sparse X and their offsets.

        Centred, a constant column is exactly zero; implicitly centred
        products would leave rounding noise (``||x||^2 - n mu^2``) there.
        """
        X_max = np.asarray(X.max(axis=0).todense()).ravel()
        X_min = np.asarray(X.min(axis=0).todense()).ravel()
        constant = X_max == X_min
        if not constant.any():
            return X
        self.X_offset = np.where(constant, 0.0, self.X_offset)
        return sp.csc_matrix(X @ sp.diags((~constant).astype(np.float64)))

    def kernel(self):
        """``Z Z^T`` (n x n)."""
        if not self.sparse:
            return self.Z @ self.Z.T
        K = _kernels_gram.sparse_gram_matrix(self.SX.T)
        mu = self.X_offset
        if np.any(mu):
            SXmu = self.SX @ mu
            K -= np.outer(SXmu, self.s) + np.outer(self.s, SXmu)
            K += float(mu @ mu) * np.outer(self.s, self.s)
        return K

    def covariance(self):
        """``Z^T Z`` (p x p)."""
        if not self.sparse:
            return self.Z.T @ self.Z
        C = _kernels_gram.sparse_gram_matrix(self.SX)
        mu = self.X_offset
        if np.any(mu):
            SXts = self.SX.T @ self.s
            C -= np.outer(SXts, mu) + np.outer(mu, SXts)
            C += float(self.s @ self.s) * np.outer(mu, mu)
        return C

    def rmatmul(self, B):
        """``Z^T @ B``."""
        if not self.sparse:
            return self.Z.T @ B
        return np.asarray(self.SX.T @ B) - np.multiply.outer(self.X_offset, self.s @ B)

    def ridge_coef(self, U, lam, Uz, alpha):
        """Exact Ridge coefficients ``Z^T (Z Z^T + alpha I)^-1 z``.

        From the decomposition ``Z Z^T = U diag(lam) U^T`` (null space
        dropped: ``Z^T`` maps it to zero), this is the minimum-norm solution
        as ``alpha -> 0``.  ``alpha`` is a scalar or one value per target.
        Returns ``(n_features,)`` for 1-D ``z``, else ``(n_features, n_targets)``.
        """
        alpha = np.asarray(alpha, dtype=np.float64)
        if Uz.ndim == 1:
            return self.rmatmul(U @ (Uz / (lam + alpha)))
        scaled = Uz / (lam[:, None] + np.broadcast_to(alpha, (Uz.shape[1],)))
        return self.rmatmul(U @ scaled)

    def matmul(self, B):
        """``Z @ B``."""
        if not self.sparse:
            return self.Z @ B
        return np.asarray(self.SX @ B) - np.outer(self.s, self.X_offset @ B)


def decompose(design, mode):
    """``(U, lam)`` with ``Z Z^T = U diag(lam) U^T``.

    Parameters
    ----------
    design : CenteredDesign
    mode : {"gram", "cov", "svd"}
    """
    if mode == "gram":
        lam, U = np.linalg.eigh(design.kernel())
        # drop the null space (with an intercept, the centring direction):
        # its eigenvalues are rounding noise, not a direction of the data
        keep = lam > lam.max(initial=0.0) * 1e-12 if lam.size else lam > 0
        return U[:, keep], lam[keep]
    if mode == "svd":
        U, sing, _ = np.linalg.svd(design.Z, full_matrices=False)
        return U, sing**2
    lam, V = np.linalg.eigh(design.covariance())
    keep = lam > lam.max(initial=0.0) * 1e-12 if lam.size else lam > 0
    lam, V = lam[keep], V[:, keep]
    U = design.matmul(V) / np.sqrt(lam)
    return U, lam


def loo_residuals(U, lam, z, s, fit_intercept, alpha, Uz=None, U2=None):
    """Leave-one-out residuals of the Ridge fit for one ``alpha``.

    Parameters
    ----------
    U, lam : the decomposition of :func:`decompose`
    z : ndarray of shape (n_samples,) or (n_samples, n_targets)
        Centred, weighted target.
    s : ndarray of shape (n_samples,)
        ``sqrt(sample_weight)``.
    fit_intercept : bool
    alpha : float
    Uz, U2 : ``U^T z`` and ``U**2``, when already computed.

    Returns
    -------
    looe : ndarray, same shape as ``z``
        On the weighted scale: ``s_i * (y_i - y_hat_{-i})``.
    """
    Uz = U.T @ z if Uz is None else Uz
    U2 = U**2 if U2 is None else U2
    g = alpha / (lam + alpha)
    # y - H y = (I - U U^T) z + U diag(g) U^T z
    gUz = g[:, None] * Uz if z.ndim > 1 else g * Uz
    resid = z - U @ Uz + U @ gUz
    # 1 - H_ii = 1 - ||U_i||^2 + sum_k g_k U_ik^2 (- s_i^2 / s^T s)
    d = 1.0 - U2.sum(axis=1) + U2 @ g
    if fit_intercept:
        d -= s**2 / (s @ s)
    if z.ndim > 1:
        d = d[:, None]
    return resid / d
