"""Datafits of the coordinate-descent engine: the squared loss.

The solver minimises ``F(X w) + g(w)`` and talks to the datafit ``F`` only
through the methods below, so another loss (logistic, say) is one more class
with the same methods and its own epoch kernel; the solver does not change.

The squared loss is written on the n-scaled objective used by scikit-learn's
coordinate descent,

    F(X w) = 1/2 ||y - X w||^2,

and comes in three storage layouts that give the same numbers:

* :class:`QuadraticDense`: Fortran-ordered dense ``X``, residual kept;
* :class:`QuadraticSparse`: CSC ``X`` centred implicitly, never densified;
* :class:`QuadraticGram`: ``G = X^T X`` and ``q = X^T y``, for n >> p.
"""

import copy

import numpy as np
import scipy.sparse as sp

from sklreg._cd import _aot
from sklreg._cd._lazy import lazy_module

_kernels_path = lazy_module("sklreg._cd._kernels_path")


class _Quadratic:
    """What every layout of the squared loss shares: the duality gap."""

    @property
    def dtype(self):
        """Precision of the datafit's arrays."""
        return self.y.dtype if hasattr(self, "y") else self.q.dtype

    def with_target(self, y):
        """The same design with another target (nothing is recomputed)."""
        other = copy.copy(self)
        other.y = y
        other.y_norm2 = float(np.dot(y, y))
        return other

    def value(self, w, state):
        """``1/2 ||y - X w||^2``."""
        return 0.5 * self.residual_stats(w, state)[0]

    def duality_gap(self, w, state, penalty, xtr, cols=None, candidate=None):
        """Duality gap of ``1/2||y - Xw||^2 + g(w)`` at ``w``.

        ``xtr`` is ``X[:, cols]^T (y - X w)``: over all features when
        ``cols`` is None, else over a working set holding every non-zero of
        ``w`` (then it is the gap of the problem restricted to ``cols``).
        Dual points are built from a residual ``r = y - X v``, for ``v = w``
        and, if given, for ``candidate = (v, state_v, xtr_v)`` (an
        extrapolated point, whose residual is often a much better dual point
        than ``w``'s: celer's dual extrapolation; ``v`` is zero off ``cols``
        too):

        * with an L1 part, formulation A (scikit-learn's): ``theta = s r``
          with ``s`` scaling ``X^T r - l2 v`` into the dual ball of radius
          ``l1`` (the Lasso dual of the problem augmented with
          ``sqrt(l2) I``);
        * without (Ridge), formulation B: ``theta = r`` with the conjugate
          ``||X^T r||^2 / (2 l2)``;
        * without any penalty (least squares), scikit-learn's first-order
          condition ``||X^T r||^2``.

        With per-feature penalty factors ``f`` (``penalty.weight_vectors``)
        each feature's weights are ``l1 f_j``, ``l2 f_j``; an unpenalised
        feature (``f_j = 0``) adds its first-order term instead of a dual
        constraint (``_kernels_plain.gap_from_correlations``, the one
        implementation of these formulas, compiled).

        These are scikit-learn's certificates, so ``tol`` means what it means
        there.  All are feasible dual points, so ``P(w) - D(theta)`` bounds
        the suboptimality of ``w``; the smallest such gap is returned.

        The gap is evaluated in a form without the cancellation of
        ``P - D`` (two numbers of the size of ``||y||^2`` whose difference is
        wanted): with ``r.y = r.r + v.X^T r``,

            P(v) - D_A(v) = (1 - s)^2/2 ||r||^2 + l1 ||v||_1 - s v.X^T r
                            + l2 (1 + s^2)/2 ||v||^2,
            P(v) - D_B(v) = g*(X^T r) - v.X^T r + l2/2 ||v||^2,

        and ``P(w) - P(v) = (v - w).(X^T r_w + X^T r_v)/2 + g(w) - g(v)``.
        The Gram layout, whose ``||r||^2 = ||y||^2 - 2 w.q + w.G w`` is
        exact only to ``eps ||y||^2``, keeps its certificate down to
        tolerances far below that.
        """
        l1s, l2s = penalty.weight_vectors(self.n_features)
        idx = self.all_cols if cols is None else cols
        args = (penalty.l1, penalty.l2, l1s, l2s, penalty.positive, self.sq_norms, idx)
        rr = self.residual_stats(w, state)[0]
        gap = _aot.gap_from_correlations(w, xtr, rr, *args)
        if candidate is not None and (penalty.l1 > 0 or penalty.l2 > 0):
            v, state_v, xtr_v = candidate
            rr_v = self.residual_stats(v, state_v)[0]
            gap_v = _aot.gap_from_correlations(v, xtr_v, rr_v, *args)
            # P(w) - D(v) = (P(w) - P(v)) + (P(v) - D(v))
            w_cols = w if cols is None else w[cols]
            v_cols = v if cols is None else v[cols]
            primal_diff = 0.5 * float(np.dot(v_cols - w_cols, xtr + xtr_v))
            primal_diff += _aot.penalty_value(w, l1s, l2s, idx) - _aot.penalty_value(
                v, l1s, l2s, idx
            )
            gap = min(gap, primal_diff + gap_v)
        return max(gap, 0.0)

    def plain_path(
        self, factors, l1_path, l2_path, positive, w, xtr, l1_prev, start, stop,
        min_epochs, work, max_iter, tol, full_fraction, kept, coefs, gaps, n_iters,
    ):  # fmt: skip
        """Alphas ``start, ..., stop - 1`` of a screened path in one compiled
        call (``_kernels_path``; layouts with a ``_path_kernel``):
        ``(index, status)``."""
        kernel, design, n_samples = self._path_kernel()
        i, status = kernel(
            *design, self.sq_norms, factors, l1_path, l2_path, bool(positive), w,
            xtr, float(l1_prev), int(start), int(stop), int(n_samples),
            int(min_epochs), float(work), int(max_iter), float(tol),
            float(tol * self.y_norm2), float(full_fraction), kept, coefs, gaps,
            n_iters,
        )  # fmt: skip
        return int(i), int(status)

    @property
    def all_cols(self):
        """``arange(n_features)`` (int64), made once."""
        cols = self.__dict__.get("_all_cols")
        if cols is None or cols.shape[0] != self.n_features:
            cols = self._all_cols = np.arange(self.n_features, dtype=np.int64)
        return cols


class QuadraticDense(_Quadratic):
    """Squared loss on a dense, Fortran-ordered design ``X``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), Fortran order
    y : ndarray of shape (n_samples,)
    sq_norms : ndarray of shape (n_features,), default=None
        ``||X[:, j]||^2``, computed when not given.
    """

    def __init__(self, X, y, sq_norms=None):
        self.X = X
        self.y = y
        if sq_norms is None:
            sq_norms = np.einsum("ij,ij->j", X, X, dtype=np.float64)
        self.sq_norms = sq_norms
        self.y_norm2 = float(np.dot(y, y))
        self.n_features = X.shape[1]
        self.rank_bound = min(X.shape)

    def init_state(self, w):
        """The residual ``y - X w`` (cost proportional to the support)."""
        nz = np.flatnonzero(w)
        if nz.size > self.n_features // 2:
            return self.y - self.X @ w
        R = np.empty_like(self.y)
        _aot.dense_residual(self.X, self.y, w, nz, R)
        return R

    def run_epochs(self, w, R, penalty, ws, max_epochs, dw_tol, random, seed):
        return _aot.cd_epochs_dense(
            self.X,
            w,
            R,
            self.sq_norms,
            *penalty.weight_vectors(self.n_features),
            penalty.positive,
            ws,
            max_epochs,
            dw_tol,
            random,
            seed,
        )

    def problem_size(self):
        """``n_samples * n_features``, whatever the layout (so that dense,
        sparse and Gram storage of the same data make the same choices)."""
        return self.X.shape[0] * self.n_features

    def plain_solve(self, w, R, penalty, max_epochs, tol, tol_abs, random, seed):
        """scikit-learn's CD loop in one compiled call (see ``_kernels_plain``):
        ``(epochs, gap, converged)``; ``w`` and ``R`` are updated in place."""
        return _aot.plain_solve_dense(
            self.X,
            w,
            R,
            self.sq_norms,
            penalty.l1,
            penalty.l2,
            *penalty.weight_vectors(self.n_features),
            penalty.positive,
            self.all_cols,
            max_epochs,
            tol,
            tol_abs,
            random,
            seed,
        )

    def _path_kernel(self):
        """The compiled path of this layout and its design arrays (see
        ``_Quadratic.plain_path``)."""
        return _kernels_path.enet_path_dense, (self.X, self.y), self.X.shape[0]

    def xtr(self, R, cols=None):
        """``X[:, cols]^T R`` (all columns when ``cols`` is None)."""
        if cols is None:
            return self.X.T @ R
        out = np.empty(cols.shape[0], dtype=R.dtype)
        _aot.xtr_dense(self.X, R, cols, out)
        return out

    def residual_stats(self, w, R):
        """``(||R||^2, R @ y)``."""
        return float(np.dot(R, R)), float(np.dot(R, self.y))


class QuadraticSparse(_Quadratic):
    """Squared loss on CSC ``X`` with implicit centring.

    The effective design is ``X_s[:, j] - col_means[j] * v``: with an
    intercept, ``col_means`` are the (weighted) column means and ``v`` is
    ``sqrt(sample_weight)`` (ones without weights), the vector the rows of
    ``X`` and ``y`` are scaled by; ``X_s = diag(v) X`` when ``row_scaled``,
    else ``X`` as given (already scaled, or unweighted).  The CSC arrays of
    ``X`` are used as they are: X is never densified, scaled or copied
    (scikit-learn's sparse coordinate descent applies its weights the same
    way).

    Parameters
    ----------
    X : scipy.sparse CSC matrix or array of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,), already centred and scaled
    col_means : ndarray of shape (n_features,) or None
    v : ndarray of shape (n_samples,) or None
    sq_norms : ndarray of shape (n_features,), default=None
        ``||X_eff[:, j]||^2``, computed when not given.
    row_scaled : bool, default=False
        Scale the rows of ``X`` by ``v`` on the fly.
    """

    def __init__(self, X, y, col_means=None, v=None, sq_norms=None, row_scaled=False):
        X = sp.csc_matrix(X) if not sp.issparse(X) or X.format != "csc" else X
        self.X = X
        self.y = y
        n_samples, n_features = X.shape
        dtype = X.dtype
        self.col_means = (
            np.zeros(n_features, dtype=dtype) if col_means is None else col_means
        )
        self.v = np.ones(n_samples, dtype=dtype) if v is None else v
        self.centred = bool(np.any(self.col_means))
        self.row_scaled = bool(row_scaled) and v is not None
        if sq_norms is None:
            sq_norms = np.empty(n_features, dtype=np.float64)
            _aot.sparse_column_sq_norms(
                X.data,
                X.indices,
                X.indptr,
                self.v,
                self.row_scaled,
                self.col_means,
                sq_norms,
            )
        self.sq_norms = sq_norms
        self.y_norm2 = float(np.dot(y, y))
        self.n_features = n_features
        self.rank_bound = min(n_samples, n_features)

    def scaled_X(self):
        """``X_s`` as a sparse matrix (a scaled copy when ``row_scaled``).

        For the Gram and kernel forms only, which build a matrix of their
        own anyway; the coordinate-descent loops never call it.
        """
        if not self.row_scaled:
            return self.X
        return sp.csc_matrix(sp.diags(self.v) @ self.X)

    def _scale_rows(self, r):
        """``diag(v) r`` when the rows are scaled on the fly, else ``r``."""
        return r * self.v if self.row_scaled else r

    def init_state(self, w):
        """``(R, aux)``: the true residual is ``R + aux[0] * v``."""
        R = self.y.copy()
        if np.any(w):
            Xw = np.empty_like(R)
            _aot.sparse_matvec(self.X.data, self.X.indices, self.X.indptr, w, Xw)
            R -= self._scale_rows(Xw)
            R += float(np.dot(self.col_means, w)) * self.v
        aux = np.array([0.0, float(np.dot(self.v, R))])
        return R, aux

    def run_epochs(self, w, state, penalty, ws, max_epochs, dw_tol, random, seed):
        R, aux = state
        return _aot.cd_epochs_sparse(
            self.X.data,
            self.X.indices,
            self.X.indptr,
            self.col_means,
            self.v,
            w,
            R,
            aux,
            self.sq_norms,
            *penalty.weight_vectors(self.n_features),
            penalty.positive,
            ws,
            max_epochs,
            dw_tol,
            random,
            seed,
            self.row_scaled,
        )

    def problem_size(self):
        """``n_samples * n_features``, whatever the layout (so that dense,
        sparse and Gram storage of the same data make the same choices)."""
        return self.X.shape[0] * self.n_features

    def plain_solve(self, w, state, penalty, max_epochs, tol, tol_abs, random, seed):
        """scikit-learn's CD loop in one compiled call (see ``_kernels_plain``)."""
        R, aux = state
        return _aot.plain_solve_sparse(
            self.X.data,
            self.X.indices,
            self.X.indptr,
            self.col_means,
            self.v,
            w,
            R,
            aux,
            self.sq_norms,
            penalty.l1,
            penalty.l2,
            *penalty.weight_vectors(self.n_features),
            penalty.positive,
            max_epochs,
            tol,
            tol_abs,
            random,
            seed,
            self.row_scaled,
        )

    def residual(self, state):
        """The true residual ``y - X_eff w`` (read-only: it may be ``R``)."""
        R, aux = state
        if aux[0] == 0.0:  # no shift yet (always, without centring): R itself
            return R
        # a Python float keeps float32 data in float32 (numpy's float64
        # scalar would promote R, and scipy then X, to a float64 copy)
        return R + float(aux[0]) * self.v

    def xtr(self, state, cols=None):
        R_true = self.residual(state)
        # X_s^T r = X^T (v * r): the scaling moves onto the residual
        Rs = self._scale_rows(R_true)
        if cols is None:
            # the compiled gather, not scipy's X.T @ Rs (a transposed matrix
            # object and a signed-index loop: 0.35 against 0.2 ms on 4e5
            # non-zeros)
            cols = np.arange(self.n_features)
        out = np.empty(cols.shape[0], dtype=R_true.dtype)
        _aot.xtr_sparse(self.X.data, self.X.indices, self.X.indptr, Rs, cols, out)
        if self.centred:
            out -= self.col_means[cols] * float(np.dot(self.v, R_true))
        return out

    def residual_stats(self, w, state):
        R_true = self.residual(state)
        return float(np.dot(R_true, R_true)), float(np.dot(R_true, self.y))


class QuadraticGram(_Quadratic):
    """Squared loss through ``G = X^T X``, ``q = X^T y`` and ``||y||^2``.

    Each coordinate step costs O(p) instead of O(n); forming ``G`` costs one
    pass over the data (a BLAS ``syrk``), paid once for all targets and
    alphas.

    Parameters
    ----------
    G : ndarray of shape (n_features, n_features)
    q : ndarray of shape (n_features,)
    y_norm2 : float
    rank_bound : int, default=None
        An upper bound of the rank of ``G`` (the rows of the ``X`` behind
        it), when known; ``n_features`` otherwise.
    """

    def __init__(self, G, q, y_norm2, rank_bound=None):
        self.G = G
        self.q = q
        self.sq_norms = np.diag(G).astype(np.float64)
        self.y_norm2 = float(y_norm2)
        self.n_features = G.shape[0]
        p = self.n_features
        self.rank_bound = p if rank_bound is None else min(p, rank_bound)
        self.n_samples = p if rank_bound is None else rank_bound

    def init_state(self, w):
        """``H = G @ w`` (cost proportional to the support)."""
        nz = np.flatnonzero(w)
        if nz.size == self.n_features:
            return self.G @ w
        H = np.zeros_like(self.q)
        if nz.size:
            H += self.G[:, nz] @ w[nz]
        return H

    def run_epochs(self, w, H, penalty, ws, max_epochs, dw_tol, random, seed):
        return _aot.cd_epochs_gram(
            self.G,
            self.q,
            w,
            H,
            *penalty.weight_vectors(self.n_features),
            penalty.positive,
            ws,
            max_epochs,
            dw_tol,
            random,
            seed,
        )

    def problem_size(self):
        """``n_samples * n_features`` (``n_samples``: the ``rank_bound`` given,
        the rows of the X behind ``G``), as the column layouts report it."""
        return self.n_samples * self.n_features

    def plain_solve(self, w, H, penalty, max_epochs, tol, tol_abs, random, seed):
        """scikit-learn's CD loop in one compiled call (see ``_kernels_plain``)."""
        return _aot.plain_solve_gram(
            self.G,
            self.q,
            self.y_norm2,
            w,
            H,
            self.sq_norms,
            penalty.l1,
            penalty.l2,
            *penalty.weight_vectors(self.n_features),
            penalty.positive,
            self.all_cols,
            max_epochs,
            tol,
            tol_abs,
            random,
            seed,
        )

    def _path_kernel(self):
        """The compiled path of this layout and its design arrays (see
        ``_Quadratic.plain_path``)."""
        design = (self.G, self.q, self.y_norm2)
        return _kernels_path.enet_path_gram, design, self.n_samples

    def xtr(self, H, cols=None):
        if cols is None:
            return self.q - H
        return self.q[cols] - H[cols]

    def residual_stats(self, w, H):
        # ||y - Xw||^2 = ||y||^2 - 2 w.q + w.Gw ; (y - Xw).y = ||y||^2 - w.q
        wq = float(np.dot(w, self.q))
        rr = self.y_norm2 - 2.0 * wq + float(np.dot(w, H))
        return max(rr, 0.0), self.y_norm2 - wq
