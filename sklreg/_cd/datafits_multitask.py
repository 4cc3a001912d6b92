"""Block datafits: the squared loss for several tasks or weighted penalties.

The datafits of ``datafits.py`` with a :class:`~sklreg._cd.penalties.GroupPenalty`:
the same three storages (dense columns, CSC with implicit centring, Gram
matrix), on the n-scaled objective

    1/2 ||Y - X W||_F^2 + sum_j f_j (l1 ||W[j]||_2 + l2/2 ||W[j]||_2^2)

with ``W`` of shape ``(n_features, n_tasks)`` for the multi-task models, or
``(n_features,)`` for a single task with per-feature penalty factors ``f``
(the kernels then run on ``(p, 1)`` views).  The solver
(:class:`~sklreg._cd.solver.WorkingSetSolver`) drives them unchanged.
"""

import numpy as np

from sklreg._cd._lazy import lazy_module

_k = lazy_module("sklreg._cd._kernels_multitask")


def _as2d(a):
    """A ``(n, 1)`` view of a 1-D array (a 2-D array as it is)."""
    return a if a.ndim == 2 else a.reshape(a.shape[0], 1)


class _Block:
    """What the storages share: the duality gap (scikit-learn's multi-task one)."""

    @property
    def dtype(self):
        return self.y.dtype if hasattr(self, "y") else self.Q.dtype

    def value(self, w, state):
        """``1/2 ||Y - X W||_F^2``."""
        return 0.5 * self.residual_stats(w, state)[0]

    def problem_size(self):
        """``n_samples * n_features * n_tasks`` whatever the layout (the
        solver's budget for :meth:`plain_solve`, as the plain datafits')."""
        n_tasks = 1 if self.y_ndim == 1 else self.n_tasks
        return self.n_samples * self.n_features * n_tasks

    def plain_solve(self, w, state, penalty, max_epochs, tol, tol_abs, random, seed):
        """scikit-learn's loop: epochs over every feature, the duality gap
        before the first and after each epoch whose largest coefficient
        change is at most ``tol`` times the largest coefficient; stop at
        ``gap <= tol_abs``.  Returns ``(epochs, gap, converged)`` (``gap``
        is ``inf`` when the last epoch had no gap evaluation), as
        ``_kernels_plain``'s compiled loops for the plain datafits."""
        cols = np.arange(self.n_features, dtype=np.int64)
        gap = self.duality_gap(w, state, penalty, self.xtr(state))
        if gap <= tol_abs:
            return 0, gap, True
        for epoch in range(max_epochs):
            _, small = self.run_epochs(
                w, state, penalty, cols, 1, tol, random, seed + epoch
            )
            gap = np.inf
            if small:
                gap = self.duality_gap(w, state, penalty, self.xtr(state))
                if gap <= tol_abs:
                    return epoch + 1, gap, True
        return max_epochs, gap, False

    def run_epochs(self, w, state, penalty, ws, max_epochs, dw_tol, random, seed):
        l1, l2 = penalty.weight_vectors(self.n_features)
        return self._epochs(
            _as2d(w), state, l1, l2, penalty.positive, ws, max_epochs, dw_tol,
            random, seed,
        )  # fmt: skip

    def duality_gap(self, w, state, penalty, xtr, cols=None, candidate=None):
        """Duality gap at ``w`` over ``cols`` (all features when None).

        Formulation A of scikit-learn's ``enet_coordinate_descent_multi_task``
        (the Lasso dual of the problem augmented with ``sqrt(l2 f_j)`` rows):
        ``theta = s R`` with ``s`` scaling ``X^T R - l2 f W`` into the dual
        ball ``||.||_j <= l1 f_j``; in the cancellation-free form

            (1 - s)^2/2 ||R||^2 + l1 sum_j f_j ||W_j|| - s <W, X^T R>
            + l2 (1 + s^2)/2 sum_j f_j ||W_j||^2.

        Unpenalised features (``f_j = 0``) are left out of the dual norm (as
        skglm's weighted L1), which certifies the penalised part only once
        their gradient vanishes: so their first-order term
        ``sum_j (X_j^T R)^2 / ||X_j||^2`` (twice the decrease one exact step
        on each would still make) is added, and the stopping rule needs
        both to be small.
        Without an L1 part the Ridge dual (formulation B) is used, without
        any penalty the first-order condition ``||X^T R||^2``.
        """
        if penalty.l1 == 0 and penalty.l2 == 0:
            return float(np.sum(xtr * xtr))
        w_cols = w if cols is None else w[cols]
        rr = self.residual_stats(w, state)[0]
        gap = self._gap_at(w_cols, rr, xtr, penalty, cols)
        gap += self._unpenalised_term(xtr, penalty, cols)
        if candidate is not None:
            v, state_v, xtr_v = candidate
            v_cols = v if cols is None else v[cols]
            rr_v = self.residual_stats(v, state_v)[0]
            gap_v = self._gap_at(v_cols, rr_v, xtr_v, penalty, cols)
            gap_v += self._unpenalised_term(xtr_v, penalty, cols)
            diff = 0.5 * float(np.sum((v_cols - w_cols) * (xtr + xtr_v)))
            diff += penalty.value(w_cols, cols) - penalty.value(v_cols, cols)
            gap = min(gap, diff + gap_v)
        return max(gap, 0.0)

    def _unpenalised_term(self, xtr, penalty, cols):
        f = penalty.factors(cols)
        if f is None or penalty.l1 + penalty.l2 == 0:
            return 0.0
        free = f == 0
        if not free.any():
            return 0.0
        sq = self.sq_norms if cols is None else self.sq_norms[cols]
        free &= sq > 0
        g = penalty.norms(xtr[free]) ** 2
        return float(np.sum(g / sq[free]))

    @staticmethod
    def _gap_at(v, rr, xtr, penalty, cols):
        l1, l2 = penalty.l1, penalty.l2
        v_xtr = float(np.sum(v * xtr))
        v_l2 = penalty.sq_norm(v, cols) if l2 > 0 else 0.0
        f = penalty.factors(cols)
        if l1 > 0:
            z = xtr
            if l2 > 0:
                fl2 = l2 if f is None else np.where(np.isinf(f), 0.0, l2 * f)
                z = xtr - (fl2 * v if v.ndim == 1 or f is None else fl2[:, None] * v)
            dual_norm = penalty.dual_norm(z, cols)
            s = l1 / dual_norm if dual_norm > l1 else 1.0
            l1_norm = penalty.value(v, cols) - (0.5 * l2 * v_l2 if l2 > 0 else 0.0)
            return (
                0.5 * (1.0 - s) ** 2 * rr
                + l1_norm
                - s * v_xtr
                + 0.5 * l2 * (1.0 + s * s) * v_l2
            )
        # Ridge dual: sum_j ||X_j^T R||^2 / (2 l2 f_j) over penalised features
        sq = penalty.norms(xtr) ** 2
        if f is not None:
            pen = (f > 0) & np.isfinite(f)
            conj = float(np.sum(sq[pen] / f[pen])) / (2.0 * l2)
        else:
            conj = float(sq.sum()) / (2.0 * l2)
        return conj - v_xtr + 0.5 * l2 * v_l2


class BlockDense(_Block):
    """Dense Fortran-ordered ``X``, residual ``R = Y - X W`` kept (C order).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), Fortran order
    y : ndarray of shape (n_samples,) or (n_samples, n_tasks)
        Kept (and the residual) in Fortran order: each task contiguous.
    sq_norms : ndarray of shape (n_features,), default=None
    """

    def __init__(self, X, y, sq_norms=None):
        self.X = X
        self.y = np.asfortranarray(y)
        self.y_ndim, self.n_tasks = self.y.ndim, _as2d(self.y).shape[1]
        self.n_samples = X.shape[0]
        if sq_norms is None:
            sq_norms = np.einsum("ij,ij->j", X, X, dtype=np.float64)
        self.sq_norms = sq_norms
        self.y_norm2 = float(np.sum(self.y * self.y, dtype=np.float64))
        self.n_features = X.shape[1]
        self.rank_bound = min(X.shape)

    def restrict(self, cols):
        X = np.asfortranarray(self.X[:, cols])
        return BlockDense(X, self.y, self.sq_norms[cols])

    def init_state(self, w):
        nz = np.flatnonzero(_as2d(w).any(axis=1))
        R = self.y.copy(order="F")
        if nz.size:
            _k.dense_residual_block(self.X, _as2d(w), nz.astype(np.int64), _as2d(R))
        return R

    def _epochs(self, W, R, l1, l2, positive, ws, max_epochs, dw_tol, random, seed):
        return _k.bcd_epochs_dense(
            self.X, W, _as2d(R), self.sq_norms, l1, l2, positive, ws, max_epochs,
            dw_tol, random, seed,
        )  # fmt: skip

    def xtr(self, R, cols=None):
        if cols is None:
            cols = np.arange(self.n_features, dtype=np.int64)
        out = np.empty((cols.shape[0],) + R.shape[1:], dtype=R.dtype)
        _k.xtr_dense_block(self.X, _as2d(R), cols, _as2d(out))
        return out

    def residual_stats(self, w, R):
        return float(np.sum(R * R)), float(np.sum(R * self.y))


class BlockSparse(_Block):
    """CSC ``X`` centred implicitly: ``X_eff[:, j] = X_s[:, j] - mu_j v``.

    The state is ``(R, aux)``: the true residual is ``R + v aux[0]`` and
    ``aux[1] = v^T R`` (see :class:`~sklreg._cd.datafits.QuadraticSparse`).

    Parameters
    ----------
    X : scipy.sparse CSC matrix
    y : ndarray of shape (n_samples,) or (n_samples, n_tasks)
    col_means, v, sq_norms : ndarrays (see ``QuadraticSparse``)
    row_scaled : bool
    """

    def __init__(self, X, y, col_means, v, sq_norms, row_scaled):
        self.X = X
        self.y = np.ascontiguousarray(y)
        self.y_ndim, self.n_tasks = self.y.ndim, _as2d(self.y).shape[1]
        self.n_samples = X.shape[0]
        self.col_means = col_means
        self.v = v
        self.sq_norms = sq_norms
        self.row_scaled = row_scaled
        self.y_norm2 = float(np.sum(self.y * self.y, dtype=np.float64))
        self.n_features = X.shape[1]
        self.rank_bound = min(X.shape)

    @classmethod
    def like(cls, datafit, y):
        """The block datafit of a ``QuadraticSparse``'s design, target ``y``."""
        return cls(
            datafit.X, y, datafit.col_means, datafit.v, datafit.sq_norms,
            datafit.row_scaled,
        )  # fmt: skip

    def restrict(self, cols):
        return BlockSparse(
            self.X[:, cols], self.y, self.col_means[cols], self.v,
            self.sq_norms[cols], self.row_scaled,
        )  # fmt: skip

    def _scale_rows(self, r):
        if not self.row_scaled:
            return r
        return r * (self.v if r.ndim == 1 else self.v[:, None])

    def init_state(self, w):
        R = self.y.copy()
        if np.any(w):
            XW = np.zeros(_as2d(R).shape, dtype=R.dtype)
            X = self.X
            _k.sparse_matmat(X.data, X.indices, X.indptr, _as2d(w), XW)
            XW = XW.reshape(R.shape)
            R -= self._scale_rows(XW)
            shift = self.col_means @ w
            R += np.multiply.outer(self.v, shift).reshape(R.shape)
        aux = np.zeros((2,) + R.shape[1:], dtype=np.float64)
        aux[1] = self.v @ R
        return R, aux

    def _epochs(self, W, state, l1, l2, positive, ws, max_epochs, dw_tol, random, seed):
        R, aux = state
        X = self.X
        return _k.bcd_epochs_sparse(
            X.data, X.indices, X.indptr, self.col_means, self.v, W, _as2d(R),
            aux.reshape(2, -1), self.sq_norms, l1, l2, positive, ws, max_epochs,
            dw_tol, random, seed, self.row_scaled,
        )  # fmt: skip

    def residual(self, state):
        R, aux = state
        if R.ndim == 1:
            return R + float(aux[0]) * self.v
        return R + np.multiply.outer(self.v, aux[0]).astype(R.dtype, copy=False)

    def xtr(self, state, cols=None):
        R_true = self.residual(state)
        Rs = self._scale_rows(R_true)
        vR = self.v @ R_true
        if cols is None:
            out = np.asarray(self.X.T @ Rs)
            out -= np.multiply.outer(self.col_means, vR).astype(out.dtype, copy=False)
            return out
        out = np.empty((cols.shape[0],) + R_true.shape[1:], dtype=R_true.dtype)
        X = self.X
        _k.xtr_sparse_block(X.data, X.indices, X.indptr, _as2d(Rs), cols, _as2d(out))
        out -= np.multiply.outer(self.col_means[cols], vR).astype(out.dtype, copy=False)
        return out

    def residual_stats(self, w, state):
        R_true = self.residual(state)
        return float(np.sum(R_true * R_true)), float(np.sum(R_true * self.y))


class BlockGram(_Block):
    """The Gram form: ``G = X^T X`` (p, p), ``Q = X^T Y``, ``||Y||_F^2``.

    Parameters
    ----------
    G : ndarray of shape (n_features, n_features)
    Q : ndarray of shape (n_features,) or (n_features, n_tasks)
    y_norm2 : float
    rank_bound : int, default=None
    """

    def __init__(self, G, Q, y_norm2, rank_bound=None):
        self.G = G
        self.Q = np.ascontiguousarray(Q)
        self.y_ndim, self.n_tasks = self.Q.ndim, _as2d(self.Q).shape[1]
        self.sq_norms = np.diag(G).astype(np.float64)
        self.y_norm2 = float(y_norm2)
        self.n_features = G.shape[0]
        p = self.n_features
        self.rank_bound = p if rank_bound is None else min(p, rank_bound)
        # the rows of the X behind G, when given (rank_bound)
        self.n_samples = p if rank_bound is None else rank_bound
        self._rank_arg = rank_bound

    def restrict(self, cols):
        return BlockGram(
            np.ascontiguousarray(self.G[np.ix_(cols, cols)]), self.Q[cols],
            self.y_norm2, self._rank_arg,
        )  # fmt: skip

    def init_state(self, w):
        nz = np.flatnonzero(_as2d(w).any(axis=1))
        H = np.zeros_like(self.Q)
        if nz.size:
            H += self.G[:, nz] @ w[nz]
        return H

    def _epochs(self, W, H, l1, l2, positive, ws, max_epochs, dw_tol, random, seed):
        return _k.bcd_epochs_gram(
            self.G, _as2d(self.Q), W, _as2d(H), l1, l2, positive, ws, max_epochs,
            dw_tol, random, seed,
        )  # fmt: skip

    def xtr(self, H, cols=None):
        if cols is None:
            return self.Q - H
        return self.Q[cols] - H[cols]

    def residual_stats(self, w, H):
        wq = float(np.sum(w * self.Q))
        rr = self.y_norm2 - 2.0 * wq + float(np.sum(w * H))
        return max(rr, 0.0), self.y_norm2 - wq
