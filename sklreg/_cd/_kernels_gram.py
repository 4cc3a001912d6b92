"""Dense Gram matrix ``X^T X`` of a sparse matrix, by rows.

scipy's sparse product forms ``X^T X`` as a sparse matrix: two passes
(``csr_matmat_maxnnz``, ``csr_matmat``) and index bookkeeping for a result
that is dense for the small ``p`` where a Gram matrix is wanted.  Summing
the outer products of the rows directly into a dense ``p x p`` array costs
``sum_i nnz_i^2`` multiply-adds and nothing else.
"""

import numpy as np
import scipy.sparse as sp
from numba import njit


@njit(cache=True, nogil=True)
def csr_gram(data, indices, indptr, n_features):
    """``G = X^T X`` (dense, float64) from the CSR arrays of ``X``.

    Equivalent numpy: ``G = X.T @ X`` (``X`` dense).
    """
    G = np.zeros((n_features, n_features))
    for i in range(indptr.shape[0] - 1):
        start, end = indptr[i], indptr[i + 1]
        for a in range(start, end):
            ja = indices[a]
            va = data[a]
            for b in range(a, end):
                G[ja, indices[b]] += va * data[b]
    # rows store each pair once, in either order: symmetrize
    for j in range(n_features):
        for k in range(j + 1, n_features):
            s = G[j, k] + G[k, j]
            G[j, k] = s
            G[k, j] = s
    return G


def sparse_gram_matrix(X):
    """Dense float64 ``X^T X`` of sparse ``X`` (any format)."""
    X = sp.csr_matrix(X)
    if not X.has_canonical_format:
        X = X.copy()
        X.sum_duplicates()
    return csr_gram(
        X.data.astype(np.float64, copy=False), X.indices, X.indptr, X.shape[1]
    )
