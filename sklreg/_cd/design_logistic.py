"""The design matrix ``X`` as the prox-Newton solver of the logistic loss
sees it.

The solver needs two kinds of access:

* **full products** ``X^T v`` (the gradient, one per outer step), fastest
  on the layout the user gave: by rows on CSR and on C-ordered arrays, by
  columns on CSC and Fortran arrays;
* **columns** of the working sets (the coordinate-descent epochs), which
  must be column-major: CSC arrays, or a Fortran array.

A row-major input (CSR, C-ordered dense) is therefore kept as it is for the
full products, and its columns are copied into a column-major buffer only
as the working sets first ask for them (:class:`_CsrColumns`,
:class:`_CColumns`): the working sets hold a few percent of the features,
and a whole conversion (``tocsc``, ``asfortranarray``) cost a third of a
fit on 10^5 sparse text features, a fifth on 50000 x 100 dense data.  The
copies are made whole once their estimated cost would reach that of the
whole conversion (ski rental: never more than twice the cheaper choice
known in hindsight).
"""

import numpy as np
import scipy.sparse as sp

from sklreg._cd import _aot
from sklreg._cd._lazy import lazy_module

_kernels = lazy_module("sklreg._cd._kernels")
_k = lazy_module("sklreg._cd._kernels_logistic")


class _ColumnCopies:
    """Column-major copies of a row-major ``X``, made on demand.

    Subclasses define the buffer, the copy of some columns, the whole
    conversion and their estimated costs (in the whole conversion's units:
    1 is a whole conversion).
    """

    def __init__(self, X):
        self.X = X
        self.copied = np.zeros(X.shape[1], dtype=bool)
        self.spent = 0.0
        self.whole = None

    def get(self, cols):
        """The column-major buffer, valid at least on ``cols``."""
        if self.whole is not None:
            return self.whole
        new = np.zeros_like(self.copied)
        new[cols] = True
        new &= ~self.copied
        if new.any():
            cost = self._cost(new)
            if self.spent + cost >= 1.0 - 1e-9 or self._growing(new):
                self.whole = self._convert()
                self.copied[:] = True
                return self.whole
            self._copy(new)
            self.copied |= new
            self.spent += cost
        return self.buffer

    def _growing(self, new):
        return False


class _CsrColumns(_ColumnCopies):
    """CSC arrays ``(data, indices, indptr)`` of a CSR ``X``.

    Every column's slot is reserved (the column pointer of X's stored
    entries); a copy is one pass over X
    (:func:`~sklreg._cd._kernels.csr_fill_columns`).  Measured on 10^6
    non-zeros of text data, relative to ``tocsc``'s time (10.6 ms): a pass
    0.12, plus 0.64 per stored entry copied when no row stores a column
    twice (sorted rows or not: the copies are then canonical CSC, and the
    whole conversion is the copy of the columns not copied yet, 0.8 of
    ``tocsc`` from nothing), 1.2 when duplicates must be summed (the whole
    conversion is then ``tocsc``).  The column counts' pass finds out.
    At ``lambda_max / 10`` two passes copy 4% of X.  Since a pass costs the
    same for a few columns as for many, the rest is copied as soon as the
    working sets grow (more entries to copy than the last time).
    """

    def __init__(self, X):
        super().__init__(X)
        self.counts = np.empty(X.shape[1], dtype=np.int64)
        self.duplicates = _kernels.csr_column_counts(X.indices, X.indptr, self.counts)
        indptr = np.zeros(X.shape[1] + 1, dtype=X.indptr.dtype)
        np.cumsum(self.counts, out=indptr[1:])
        self.buffer = (
            np.empty(X.nnz, dtype=X.dtype),
            np.empty(X.nnz, dtype=X.indices.dtype),
            indptr,
        )
        self.last = np.inf

    def _entries(self, new):
        return float(self.counts[new].sum())

    def _cost(self, new):
        per_entry = 1.2 if self.duplicates else 0.64
        return (0.12 * self.X.nnz + per_entry * self._entries(new)) / max(self.X.nnz, 1)

    def _growing(self, new):
        return self._entries(new) > self.last

    def _copy(self, new):
        X = self.X
        _kernels.csr_fill_columns(
            X.data, X.indices, X.indptr, new, *self.buffer, self.duplicates
        )
        self.last = self._entries(new)

    def _convert(self):
        if self.duplicates:
            return canonical_csc(self.X)
        # canonical X: the buffer is its canonical CSC once the rest is in
        self._copy(~self.copied)
        return self.buffer


class _CColumns(_ColumnCopies):
    """A Fortran copy of a C-ordered ``X`` (``np.empty``: the columns never
    asked for are never written, nor their memory touched).

    Copying ``k`` of the ``p`` columns costs about ``k / p`` of the whole
    copy (measured on 50000 x 100 and 5000 x 1000: 10 columns 9-13% of
    ``np.copyto``).
    """

    def __init__(self, X):
        super().__init__(X)
        self.buffer = np.empty(X.shape, dtype=X.dtype, order="F")

    def _cost(self, new):
        return float(new.sum()) / self.X.shape[1]

    def _copy(self, new):
        cols = np.flatnonzero(new)
        self.buffer[:, cols] = self.X[:, cols]

    def _convert(self):
        rest = np.flatnonzero(~self.copied)
        if self.spent == 0.0:
            np.copyto(self.buffer, self.X)
        else:
            self.buffer[:, rest] = self.X[:, rest]
        return self.buffer


def canonical_csc(X):
    """``(data, indices, indptr)`` of X as CSC with sorted, summed entries."""
    X = X.tocsc()
    if not X.has_canonical_format:  # duplicates would skew the norms
        X = X.copy()
        X.sum_duplicates()
    return X.data, X.indices, X.indptr


class Design:
    """The design ``X`` seen by the logistic kernels (see the module
    docstring).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features) or scipy.sparse matrix
        Never densified, never copied whole unless the working sets grow
        large: CSC and Fortran arrays are used as they are; CSR and
        C-ordered arrays are kept for the full products and their columns
        copied on demand; other layouts are converted (to CSC, or to a
        Fortran array).  float32 and float64 are kept as they are.
    """

    def __init__(self, X):
        self.sparse = sp.issparse(X)
        self.row_major = False
        if self.sparse:
            if X.format == "csr":
                self.row_major = True
                self._columns = _CsrColumns(X)
            else:
                self._columns = None
                self._csc = canonical_csc(X)
        elif X.flags.c_contiguous and not X.flags.f_contiguous:
            self.row_major = True
            self._columns = _CColumns(X)
        else:
            X = np.asfortranarray(X)
            self._columns = None
        self.X = X
        self.n_samples, self.n_features = X.shape
        self.all_cols = np.arange(self.n_features)

    def columns(self, cols):
        """Column-major X, valid at least on the columns ``cols``: CSC
        arrays ``(data, indices, indptr)`` when sparse, else a Fortran
        array."""
        if self._columns is not None:
            return self._columns.get(cols)
        return self._csc if self.sparse else self.X

    def _column_block(self, cols):
        """``X[:, cols]`` (scipy sparse or dense), a few columns."""
        if self.sparse:
            return self.X[:, cols]
        return self.columns(cols)[:, cols]

    def rmatvec(self, v, cols=None):
        """``X[:, cols]^T v`` (float64)."""
        full = cols is None
        cols = self.all_cols if full else cols
        out = np.empty(cols.shape[0])
        v = np.ascontiguousarray(v, dtype=np.float64)
        X = self.X
        if full and self.row_major:
            if self.sparse:
                _kernels.xtr_csr(X.data, X.indices, X.indptr, v, out)
            else:
                _aot.xtr_rows(X, v, out)
        elif full and not self.sparse and X.dtype == np.float64:
            np.dot(v, X, out=out)  # BLAS on Fortran X: faster than xtr_dense
        elif self.sparse:
            _aot.xtr_sparse(*self.columns(cols), v, cols, out)
        else:
            _aot.xtr_dense(self.columns(cols), v, cols, out)
        return out

    def rmatvec_block(self, V):
        """``V^T X`` for ``V`` of shape ``(n_samples, k)``: shape ``(k,
        n_features)``, float64; a CSR input's two products share one pass
        over X."""
        V = np.ascontiguousarray(V, dtype=np.float64)
        if self.sparse and self.row_major and V.shape[1] == 2:
            X = self.X
            out = np.empty((self.n_features, 2))
            _kernels.xtr_csr_pair(X.data, X.indices, X.indptr, V, out)
            return out.T
        return np.stack([self.rmatvec(V[:, c]) for c in range(V.shape[1])])

    def matvec(self, w, cols=None):
        """``X[:, cols] @ w[cols]`` (float64; ``w`` has all the features)."""
        cols = self.all_cols if cols is None else cols
        out = np.empty(self.n_samples)
        w = np.ascontiguousarray(w, dtype=np.float64)
        if self.sparse:
            _k.x_dot_sparse(*self.columns(cols), w, cols, out)
        else:
            _aot.x_dot_dense(self.columns(cols), w, cols, out)
        return out

    def quadratic_cd(
        self, w, intercept, u, h, l1s, l2s, ws, fit_intercept, epochs, tol, anderson=0
    ):
        """CD epochs on the prox-Newton model (see ``_kernels_logistic``),
        Anderson-extrapolated every ``anderson`` epochs (0: never)."""
        X = self.columns(ws)
        args = (w, intercept, u, h, l1s, l2s, ws, fit_intercept, epochs, tol, anderson)
        if self.sparse:
            return _k.quadratic_cd_sparse(*X, *args)
        return _aot.quadratic_cd_dense(X, *args)

    def multinomial_cd(self, W, b, G, P, s, l1s, l2s, ws, fit_intercept, epochs, tol):
        """CD epochs on the joint multinomial model (``_kernels_logistic``)."""
        # the kernels store the classes' vectors contiguously: (K, n)
        G = np.ascontiguousarray(G.T)
        P = np.ascontiguousarray(P.T)
        D = np.zeros_like(P)
        m = np.zeros(P.shape[1])
        X = self.columns(ws)
        args = (W, b, G, P, s, D, m, l1s, l2s, ws, fit_intercept, epochs, tol)
        if self.sparse:
            return _k.multinomial_cd_sparse(*X, *args)
        return _aot.multinomial_cd_dense(X, *args)

    def gram_weighted(self, cols, s):
        """``X[:, cols]^T diag(s) X[:, cols]`` (small: a few columns)."""
        Xc = self._column_block(cols)
        if self.sparse:
            return np.asarray((Xc.T @ Xc.multiply(s[:, None])).todense(), float)
        Xc = Xc.astype(np.float64)
        return Xc.T @ (Xc * s[:, None])

    def columns_dot(self, cols, delta):
        """``X[:, cols] @ delta`` for a small block of columns."""
        return np.asarray(self._column_block(cols) @ delta, dtype=np.float64)
