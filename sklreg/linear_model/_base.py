"""From validated ``(X, y, sample_weight)`` to the engine's datafits.

This is the one place where an estimator's data becomes the n-scaled
problem the coordinate-descent engine solves:

* the intercept is handled by centring ``X`` and ``y`` with their
  (weighted) means; sparse ``X`` is centred implicitly and never densified;
* sample weights scale the rows by ``sqrt(sample_weight)``;
* dense ``X`` with many more samples than features is solved through its
  Gram matrix, formed once for every target and alpha.
"""

import warnings

import numpy as np
import scipy.sparse as sp
from scipy.linalg import get_blas_funcs

from sklreg._cd import _aot
from sklreg._cd.datafits import QuadraticDense, QuadraticGram, QuadraticSparse
from sklreg._cd.datafits_multitask import BlockDense, BlockGram, BlockSparse

# Dense problems with n_samples >= _GRAM_RATIO * n_features use the Gram form
# unless the caller says otherwise: one syrk, then O(p) coordinate steps.
_GRAM_RATIO = 2
# A single fit ("switch") takes the Gram form at once up to this many features.
_GRAM_AT_ONCE_FEATURES = 100
# A dense Gram matrix of sparse X is formed only for this many features.
_SPARSE_GRAM_MAX_FEATURES = 2_000


class LinearProblem:
    """The centred, weighted least-squares data of a linear estimator.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Validated, float32 or float64.
    y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        Validated, same dtype as ``X``.
    sample_weight : ndarray of shape (n_samples,) or None
        Validated, non-negative; used as given (callers rescale it).
    fit_intercept : bool
    copy_X : bool
        If False, dense ``X`` may be centred and scaled in place.
    gram : bool, ndarray, "auto" or "switch"
        True: use the Gram form; an array: the user's precomputed Gram
        matrix (only valid without centring or weights); "auto": decide
        from the shape; "switch": start on the columns where "auto" would
        take the Gram form, and let the caller switch (:meth:`use_gram`)
        once the epochs saved would pay for forming it; False: never.
    col_sums : ndarray of shape (n_features,), default=None
        ``X.sum(axis=0)`` of dense ``X`` when the caller has it (validation
        computes it): the unweighted column means are taken from it.

    Attributes
    ----------
    X_offset, y_offset : ndarrays
        The means subtracted (zeros without an intercept); ``y_offset`` is a
        scalar for 1-D ``y``.
    n_targets : int
    """

    def __init__(
        self, X, y, sample_weight, fit_intercept, copy_X, gram="auto", col_sums=None
    ):
        n_samples, n_features = X.shape
        dtype = X.dtype
        self.dtype = dtype
        self.n_samples = n_samples
        self.n_features = n_features
        self._y_ndim = y.ndim
        Y = y.reshape(n_samples, -1)
        self.n_targets = Y.shape[1]
        sw = sample_weight
        sqrt_sw = None if sw is None else np.sqrt(sw).astype(dtype, copy=False)

        if fit_intercept:
            if col_sums is not None and sw is None:
                # X.mean(axis=0) to the bit, from the sums validation made
                X_offset = col_sums / n_samples
            else:
                X_offset = _weighted_col_mean(X, sw)
            self.X_offset = X_offset.astype(dtype, copy=False)
            y_offset = np.average(Y, axis=0, weights=sw).astype(dtype, copy=False)
        else:
            self.X_offset = np.zeros(n_features, dtype=dtype)
            y_offset = np.zeros(self.n_targets, dtype=dtype)
        self.y_offset = y_offset[0] if y.ndim == 1 else y_offset

        Yc = Y - y_offset
        if sqrt_sw is not None:
            Yc *= sqrt_sw[:, None]
        self._Y = np.asfortranarray(Yc, dtype=dtype)

        self.sparse = sp.issparse(X)
        self.gram = None
        # whether the Gram form may serve this problem later (see use_gram)
        self.gram_pays = False
        if self.sparse:
            # CSC as given (CSR is converted, as scikit-learn does); weights
            # and centring are applied on the fly, never to a copy of X
            Xs = X if X.format == "csc" else sp.csc_matrix(X)
            self._datafit = QuadraticSparse(
                Xs,
                self._Y[:, 0],
                self.X_offset if fit_intercept else None,
                sqrt_sw,
                row_scaled=sqrt_sw is not None,
            )
            self._X = Xs
            if n_features <= _SPARSE_GRAM_MAX_FEATURES and (
                gram is True
                or (
                    isinstance(gram, str)
                    and _sparse_gram_pays(Xs, dtype)
                    and sqrt_sw is None
                )
            ):
                self._sparse_gram()
            return

        precomputed = isinstance(gram, np.ndarray)
        if precomputed and fit_intercept and not np.allclose(self.X_offset, 0):
            warnings.warn(
                "Gram matrix was provided but X was centered to fit "
                "intercept: recomputing Gram matrix.",
                UserWarning,
                stacklevel=4,
            )
            precomputed, gram = False, True
        use_gram = precomputed or gram is True
        if isinstance(gram, str):  # "auto" or "switch"
            # float32 Gram updates lose the gradient q_j - (G w)_j to
            # cancellation near the optimum: keep float32 on the columns.
            use_gram = dtype == np.float64 and n_samples >= _GRAM_RATIO * n_features
            # "switch" forms the Gram matrix at once when it costs about as
            # much as the few epochs an easy problem needs: up to
            # _GRAM_AT_ONCE_FEATURES features its syrk costs 1-7 column
            # epochs (measured, one BLAS thread) and spares the centred copy
            # of X the column form needs
            if gram == "switch" and use_gram and n_features > _GRAM_AT_ONCE_FEATURES:
                self.gram_pays, use_gram = True, False

        plain_mean = fit_intercept and sqrt_sw is None and dtype == np.float64
        if use_gram and not precomputed and plain_mean:
            if self._centred_gram_without_copy(X):
                return

        needs_change = fit_intercept or sqrt_sw is not None
        if needs_change:
            # one copy at most; the Gram form keeps the caller's memory order
            order = "K" if use_gram else "F"
            if copy_X or not _layout_ok(X, use_gram) or not X.flags.writeable:
                X = np.array(X, dtype=dtype, order=order, copy=True)
            if fit_intercept:
                X -= self.X_offset
            if sqrt_sw is not None:
                X *= sqrt_sw[:, None]
        elif not use_gram:
            X = np.asfortranarray(X)
        self._X = X

        if use_gram:
            # float64 even for float32 data: the Gram form's gradient
            # q_j - (G w)_j would lose its digits to cancellation
            X64 = X.astype(np.float64, copy=False)
            if precomputed:
                G = np.asarray(gram)
                _check_gram(G, X)
            else:
                G = gram_matrix(X64)
            self.gram = np.ascontiguousarray(G, dtype=np.float64)
            self._XtY = X64.T @ self._Y.astype(np.float64, copy=False)
            self._yy = np.einsum("ij,ij->j", self._Y, self._Y, dtype=np.float64)
        else:
            self._datafit = QuadraticDense(X, self._Y[:, 0])

    def use_gram(self):
        """Switch a dense column-form problem to the Gram form.

        ``G = X_c^T X_c`` is formed from the centred (and weighted) columns
        the problem already holds: one ``syrk``, no other copy of X.  Later
        :meth:`datafit` calls return Gram-form datafits of the same problem.
        """
        if self.gram is not None:
            return
        X64 = self._X.astype(np.float64, copy=False)
        self.gram = np.ascontiguousarray(gram_matrix(X64))
        self._XtY = X64.T @ self._Y.astype(np.float64, copy=False)
        self._yy = np.einsum("ij,ij->j", self._Y, self._Y, dtype=np.float64)

    def _centred_gram_without_copy(self, X):
        """``X_c^T X_c = X^T X - n mu mu^T``, without centring a copy of X.

        Saves a pass and a copy of X (the Gram form of an n >> p problem
        is then one ``syrk``).  The subtraction cancels digits when a column's
        mean dwarfs its spread, so this is used only when every column's
        variance is at least 1e-4 of its raw second moment (a mean at most
        100 standard deviations away from 0: at most 1e-12 relative error);
        otherwise the caller centres a copy.  Returns whether it was used.
        The test reads the raw Gram's diagonal: in that rare case its
        ``syrk`` is spent for nothing, in every other one a pass over X
        (the column norms) is saved.
        """
        n = X.shape[0]
        X64 = X  # float64 here
        mu = self.X_offset
        G = gram_matrix(X64)
        raw_diag = np.diag(G)
        if not np.all(raw_diag - n * mu**2 >= 1e-4 * raw_diag):
            return False
        G -= n * np.outer(mu, mu)
        self._X = X
        self.gram = np.ascontiguousarray(G)
        # X_c^T y_c = X^T y_c, as y_c sums to zero
        self._XtY = X64.T @ self._Y.astype(np.float64, copy=False)
        self._yy = np.einsum("ij,ij->j", self._Y, self._Y, dtype=np.float64)
        return True

    def _sparse_gram(self):
        """Gram form of the implicitly centred sparse design (small p only).

        ``X_eff = Xs - v mu^T``: ``X_eff^T X_eff = Xs^T Xs - (v.v) mu mu^T``
        (as ``Xs^T v = (v.v) mu``) and ``X_eff^T y = Xs^T y`` (``v.y = 0``
        for the centred target).
        """
        df = self._datafit
        Xs = df.scaled_X().astype(np.float64)
        G = np.asarray((Xs.T @ Xs).todense())
        raw_diag = np.diag(G).copy()
        mu = df.col_means.astype(np.float64)
        v = df.v.astype(np.float64)
        G -= float(v @ v) * np.outer(mu, mu)
        Y = self._Y.astype(np.float64)
        XtY = np.asarray(Xs.T @ Y) - np.outer(mu, v @ Y)
        # Columns whose mean dwarfs their spread lose their digits in the
        # subtraction: their rows are formed from the centred column itself,
        # d = X_s[:, j] - mu_j v (exact zeros for a constant column).
        for j in np.flatnonzero(df.sq_norms < 1e-4 * raw_diag):
            d = Xs[:, [j]].toarray().ravel() - mu[j] * v
            row = np.asarray(Xs.T @ d).ravel() - mu * float(v @ d)
            G[j, :] = row
            G[:, j] = row
            XtY[j] = d @ Y
        self.gram = np.ascontiguousarray(G)
        self._XtY = XtY
        self._yy = np.einsum("ij,ij->j", Y, Y)

    def datafit(self, k=0):
        """The squared-loss datafit of target ``k``."""
        if self.gram is not None:
            return QuadraticGram(
                self.gram, self._XtY[:, k].copy(), self._yy[k], self.n_samples
            )
        return self._datafit.with_target(self._Y[:, k])

    def block_datafit(self):
        """The block datafit (:mod:`sklreg._cd.datafits_multitask`) of every
        target together: the multi-task problem, coefficients of shape
        (n_features, n_targets), with a
        :class:`~sklreg._cd.penalties.GroupPenalty` (the L2,1 norm)."""
        Y = self._Y
        if self.gram is not None:
            return BlockGram(
                self.gram, self._XtY, float(np.sum(self._yy)), self.n_samples
            )
        if self.sparse:
            return BlockSparse.like(self._datafit, Y)
        return BlockDense(self._X, Y, self._datafit.sq_norms)

    def kernel_datafit(self, k=0):
        """Squared loss of the dual (kernel) form of target ``k``'s Ridge.

        ``min_w 1/2||y - Xw||^2 + l2/2 ||w||^2`` has the solution
        ``w = X^T a`` with ``a`` minimising ``1/2 a^T K a - a^T y + l2/2
        ||a||^2``, ``K = X X^T``: the same squared-loss-plus-L2 problem in
        Gram form, with n coordinates instead of p.  Map back with
        :meth:`kernel_to_coef`.
        """
        if getattr(self, "_K", None) is None:
            self._K = self._kernel()
        y = self._Y[:, k].astype(np.float64)
        return QuadraticGram(self._K, y, float(y @ y))

    def kernel_to_coef(self, a):
        """``X_eff^T a``: primal coefficients from dual ones."""
        if self.sparse:
            df = self._datafit
            return df.X.T @ df._scale_rows(a) - df.col_means * float(df.v @ a)
        return self._X.T @ a

    def _kernel(self):
        if not self.sparse:
            X = np.asarray(self._X, dtype=np.float64)
            return np.ascontiguousarray(X @ X.T)
        df = self._datafit
        Xs = df.scaled_X().astype(np.float64)
        K = np.asarray((Xs @ Xs.T).todense())
        mu = df.col_means.astype(np.float64)
        if np.any(mu):
            v = df.v.astype(np.float64)
            Xmu = Xs @ mu
            K -= np.outer(Xmu, v) + np.outer(v, Xmu)
            K += float(mu @ mu) * np.outer(v, v)
        return np.ascontiguousarray(K)

    def intercept(self, coef):
        """``y_offset - X_offset @ coef.T`` (scikit-learn's convention)."""
        return self.y_offset - self.X_offset @ coef.T


def _sparse_gram_pays(X, dtype):
    """Whether ``auto`` takes the Gram form for sparse ``X`` (as for dense).

    Only for float64 data with ``n_samples >= 2 n_features`` (dense X's
    rule) and a Gram matrix no larger than X's non-zeros: then it costs no
    more memory than X and a coordinate step (O(p)) no more than a column's
    (O(nnz / p)).  Dense and sparse storage of the same data then run the
    same algorithm and give the same model to rounding.
    """
    n, p = X.shape
    return dtype == np.float64 and n >= _GRAM_RATIO * p and p * p <= X.nnz


def _check_gram(G, X):
    """Check a user's Gram matrix as scikit-learn does (shape, one element)."""
    p = X.shape[1]
    if G.shape != (p, p):
        raise ValueError(
            f"The precomputed Gram matrix has shape {G.shape}, expected ({p}, {p})."
        )
    f1 = p // 2
    f2 = min(f1 + 1, p - 1)
    expected = float(np.dot(X[:, f1], X[:, f2]))
    rtol = 1e-4 if np.float32 in (G.dtype, X.dtype) else 1e-7
    if not np.isclose(expected, G[f1, f2], rtol=rtol, atol=1e-5):
        raise ValueError(
            "Gram matrix passed in via 'precompute' parameter did not pass "
            "validation when a single element was checked - please check that "
            f"it was computed properly. For element ({f1},{f2}) we computed "
            f"{expected} but the user-supplied value was {G[f1, f2]}."
        )


def _layout_ok(X, use_gram):
    return (
        X.flags.c_contiguous or X.flags.f_contiguous
        if use_gram
        else (X.flags.f_contiguous)
    )


def gram_matrix(X):
    """``X^T X`` for dense ``X`` by a BLAS ``syrk`` (half a ``gemm``'s work)."""
    syrk = get_blas_funcs("syrk", (X,))
    if X.flags.f_contiguous:
        G = syrk(1.0, X, trans=1)
    else:  # C order: X.T is a Fortran-ordered (p, n) view, no copy
        G = syrk(1.0, X.T, trans=0)
    # syrk fills the upper triangle only
    out = np.triu(G)
    out += np.triu(G, 1).T
    return out


def _weighted_col_mean(X, sample_weight):
    if sp.issparse(X):
        # on the CSC arrays (scipy's X.mean() scales a copy of X), exact for
        # constant columns
        X = X if X.format == "csc" else sp.csc_matrix(X)
        weighted = sample_weight is not None
        sw = sample_weight if weighted else np.ones(1)
        total = float(sw.sum()) if weighted else float(X.shape[0])
        out = np.empty(X.shape[1], dtype=np.float64)
        _aot.sparse_column_means(
            X.data, X.indices, X.indptr, X.shape[0], sw, weighted, total, out
        )
        return out
    return np.average(X, axis=0, weights=sample_weight)


def check_penalty_factor(penalty_factor, n_features):
    """``penalty_factor`` as a float64 array of shape (n_features,), or None.

    Each factor must be non-negative and finite or ``inf`` (a feature left
    out of the model); checked at fit, once the number of features is known.
    """
    if penalty_factor is None:
        return None
    try:
        f = np.asarray(penalty_factor, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"penalty_factor must be an array of numbers, got {penalty_factor!r}."
        ) from exc
    if f.ndim != 1 or f.shape[0] != n_features:
        raise ValueError(
            f"penalty_factor has shape {f.shape}, expected ({n_features},): one "
            "factor per feature of X."
        )
    if np.any(np.isnan(f)) or np.any(f < 0):
        raise ValueError(
            "penalty_factor must be non-negative (finite, or inf to exclude a "
            f"feature), got {penalty_factor!r}."
        )
    return f
