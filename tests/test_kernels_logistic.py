"""Each logistic kernel against a plain numpy reference."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import minimize_scalar

from sklreg._cd import _kernels
from sklreg._cd import _kernels_logistic as k


def _soft(z, l1):
    return np.sign(z) * max(abs(z) - l1, 0.0)


def reference_quadratic_cd(X, w, b, u, h, l1s, l2s, ws, fit_intercept, epochs):
    """Plain numpy: the intercept's Newton step, then one coordinate at a
    time on the h-centred columns (the intercept following each step)."""
    w, u = w.copy(), u.copy()
    centre = fit_intercept and h.sum() > 0
    for _ in range(epochs):
        if centre:
            db = -u.sum() / h.sum()
            b += db
            u += db * h
        for j in ws:
            mu = (h @ X[:, j]) / h.sum() if centre else 0.0
            xc = X[:, j] - mu
            a = xc @ (h * xc)
            if a + l2s[j] == 0:
                continue
            z = a * w[j] - xc @ u
            new = 0.0 if np.isinf(l1s[j]) else _soft(z, l1s[j]) / (a + l2s[j])
            u += (new - w[j]) * h * xc
            b -= (new - w[j]) * mu
            w[j] = new
    return w, b, u


@pytest.fixture
def problem():
    rng = np.random.RandomState(0)
    X = rng.randn(40, 8) + 3.0  # non-centred columns
    X[:, 3] = 0.0  # a zero column: skipped without an L2 part
    X = np.asfortranarray(X)
    p = rng.uniform(0.05, 0.95, 40)
    y = (rng.uniform(size=40) < 0.5).astype(float)
    s = rng.uniform(0.5, 2.0, 40)
    u = s * (p - y)
    h = s * p * (1 - p)
    l1s = np.array([0.5, 0.0, 2.0, 0.5, np.inf, 0.1, 0.5, 1.0])
    l2s = np.array([0.1, 0.0, 0.0, 0.0, np.inf, 1.0, 0.0, 0.3])
    w = rng.randn(8) * 0.1
    w[4] = 0.0
    return X, w, u, h, l1s, l2s


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("layout", ["dense", "sparse"])
def test_quadratic_cd_matches_numpy(problem, fit_intercept, layout):
    X, w, u, h, l1s, l2s = problem
    ws = np.array([0, 1, 2, 3, 4, 5, 7])
    w_ref, b_ref, u_ref = reference_quadratic_cd(
        X, w, 0.3, u, h, l1s, l2s, ws, fit_intercept, 3
    )
    w_k, b_k, u_k = w.copy(), np.array([0.3]), u.copy()
    args = (w_k, b_k, u_k, h, l1s, l2s, ws, fit_intercept, 3, 0.0, 0)
    if layout == "dense":
        n_epochs = k.quadratic_cd_dense(X, *args)
    else:
        Xs = sp.csc_matrix(X)
        n_epochs = k.quadratic_cd_sparse(Xs.data, Xs.indices, Xs.indptr, *args)
    assert n_epochs == 3
    np.testing.assert_allclose(w_k, w_ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(b_k[0], b_ref, rtol=1e-12)
    np.testing.assert_allclose(u_k, u_ref, rtol=1e-10, atol=1e-13)
    assert w_k[4] == 0.0  # excluded feature stays out
    assert w_k[6] == w[6]  # not in the working set: untouched


def test_quadratic_cd_solves_the_model(problem):
    """Run to convergence: the KKT conditions of the quadratic model hold."""
    X, w, u0, h, l1s, l2s = problem
    ws = np.array([0, 1, 2, 5, 7])
    w_k, b_k, u_k = w.copy(), np.array([0.0]), u0.copy()
    n_epochs = k.quadratic_cd_dense(
        X, w_k, b_k, u_k, h, l1s, l2s, ws, True, 10_000, 1e-30, 0
    )
    # no relative rule can be met at 1e-30: the rounding floor stopped it
    assert n_epochs < 10_000
    # u = u0 + h * dz with dz = X dw + db
    dz = X @ (w_k - w) + b_k[0]
    np.testing.assert_allclose(u_k, u0 + h * dz, atol=1e-12)
    assert abs(u_k.sum()) < 1e-10
    grad = X[:, ws].T @ u_k + l2s[ws] * w_k[ws]
    nz = w_k[ws] != 0
    np.testing.assert_allclose(grad[nz], -l1s[ws][nz] * np.sign(w_k[ws][nz]), atol=1e-9)
    assert np.all(np.abs(grad[~nz]) <= l1s[ws][~nz] + 1e-9)


def test_quadratic_cd_stops_on_tol(problem):
    X, w, u, h, l1s, l2s = problem
    ws = np.arange(8)
    n = k.quadratic_cd_dense(
        X, w.copy(), np.zeros(1), u.copy(), h, l1s, l2s, ws, True, 500, 1e-6, 0
    )
    assert 1 < n < 500


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_products_match_numpy(dtype):
    rng = np.random.RandomState(1)
    X = np.asfortranarray(rng.randn(30, 7).astype(dtype))
    Xs = sp.csc_matrix(X * (rng.uniform(size=X.shape) < 0.4))
    v, w = rng.randn(30), rng.randn(7)
    cols = np.array([0, 2, 3, 6])
    for A, xt, xd, args in [
        (X, _kernels.xtr_dense, k.x_dot_dense, (X,)),
        (
            Xs.toarray(),
            _kernels.xtr_sparse,
            k.x_dot_sparse,
            (Xs.data, Xs.indices, Xs.indptr),
        ),
    ]:
        A = A.astype(np.float64)
        out = np.empty(cols.size)
        xt(*args, v, cols, out)
        np.testing.assert_allclose(out, A[:, cols].T @ v, rtol=1e-5)
        out = np.empty(30)
        xd(*args, w, cols, out)
        np.testing.assert_allclose(out, A[:, cols] @ w[cols], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("l1, l2", [(1.0, 0.0), (0.0, 1.0), (0.7, 0.3), (5.0, 0.01)])
def test_best_common_shift_matches_scalar_minimiser(l1, l2):
    rng = np.random.RandomState(2)
    W = rng.randn(6, 3) * 2
    out = np.empty(6)
    k.best_common_shift(W, l1, l2, out)
    for j in range(6):

        def cost(c, row=W[j]):
            return l1 * np.abs(row - c).sum() + 0.5 * l2 * ((row - c) ** 2).sum()

        ref = minimize_scalar(
            cost, bounds=(-10, 10), method="bounded", options={"xatol": 1e-12}
        )
        assert cost(out[j]) <= cost(ref.x) + 1e-9


def reference_multinomial_cd(
    X, W, b, G, P, s, l1s, l2s, ws, fit_intercept, centre, epochs
):
    """Plain numpy CD on the joint multinomial quadratic model: ``u = G + s P
    (D - m)``, intercept steps, then each (feature, class) along the column
    centred by that class's Hessian weights when ``centre``."""
    W, b = W.copy(), b.copy()
    n, K = P.shape
    D = np.zeros((n, K))
    H = s[:, None] * P * (1 - P)
    for _ in range(epochs):
        if fit_intercept:
            for k in range(K):
                u = G[:, k] + s * P[:, k] * (D[:, k] - (P * D).sum(axis=1))
                db = -u.sum() / H[:, k].sum()
                b[k] += db
                D[:, k] += db
        for j in ws:
            for k in range(K):
                mu = H[:, k] @ X[:, j] / H[:, k].sum() if centre else 0.0
                d = X[:, j] - mu
                a = H[:, k] @ d**2
                if a + l2s[j] == 0:
                    continue
                u = G[:, k] + s * P[:, k] * (D[:, k] - (P * D).sum(axis=1))
                z = a * W[k, j] - d @ u
                new = 0.0 if np.isinf(l1s[j]) else _soft(z, l1s[j]) / (a + l2s[j])
                D[:, k] += (new - W[k, j]) * d
                b[k] -= (new - W[k, j]) * mu
                W[k, j] = new
            # the model-invariant shift of the feature's class coefficients
            if not (np.isinf(l1s[j]) or l1s[j] == l2s[j] == 0):
                c = reference_shift(W[:, j], l1s[j], l2s[j])
                W[:, j] -= c
                D -= c * X[:, j][:, None]
    return W, b, D


def reference_shift(w, l1, l2):
    """Minimiser of ``l1 |w - c|_1 + l2/2 |w - c|^2`` over the candidates:
    0, each breakpoint, each piece's stationary point (first minimum kept)."""
    v = np.sort(w)
    K = v.size
    cands = [0.0]
    for m in range(K + 1):
        if m < K:
            cands.append(v[m])
        if l2 > 0:
            c = (v.sum() + l1 * (K - 2 * m) / l2) / K
            if (m == 0 or v[m - 1] <= c) and (m == K or c <= v[m]):
                cands.append(c)
    cands = np.array(cands)
    cost = [l1 * np.abs(v - c).sum() + 0.5 * l2 * ((v - c) ** 2).sum() for c in cands]
    return cands[int(np.argmin(cost))]


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("layout", ["dense", "sparse"])
def test_multinomial_cd_matches_numpy(problem, fit_intercept, layout):
    X, _, _, _, l1s, l2s = problem
    rng = np.random.RandomState(3)
    n, K = X.shape[0], 3
    P = rng.dirichlet(np.ones(K), n)
    Y = np.eye(K)[rng.randint(K, size=n)]
    s = rng.uniform(0.5, 2.0, n)
    G = s[:, None] * (P - Y)
    W = rng.randn(K, X.shape[1]) * 0.1
    W[:, 4] = 0.0
    b = rng.randn(K)
    ws = np.array([0, 1, 2, 3, 4, 5, 7])
    W_ref, b_ref, D_ref = reference_multinomial_cd(
        X,
        W,
        b,
        G,
        P,
        s,
        l1s,
        l2s,
        ws,
        fit_intercept,
        fit_intercept and layout == "dense",
        3,
    )
    W_k, b_k = W.copy(), b.copy()
    # the kernels store the classes' vectors as rows: (K, n)
    Dt, m = np.zeros((K, n)), np.zeros(n)
    Gt, Pt = np.ascontiguousarray(G.T), np.ascontiguousarray(P.T)
    args = (W_k, b_k, Gt, Pt, s, Dt, m, l1s, l2s, ws, fit_intercept, 3, 0.0)
    if layout == "dense":
        n_epochs = k.multinomial_cd_dense(X, *args)
    else:
        Xs = sp.csc_matrix(X)
        n_epochs = k.multinomial_cd_sparse(Xs.data, Xs.indices, Xs.indptr, *args)
    assert n_epochs == 3
    np.testing.assert_allclose(W_k, W_ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b_k, b_ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(Dt.T, D_ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(m, (P * Dt.T).sum(axis=1), atol=1e-12)
    assert np.all(W_k[:, 4] == 0.0)
    np.testing.assert_array_equal(W_k[:, 6], W[:, 6])


@pytest.mark.parametrize("layout", ["dense", "sparse"])
def test_multinomial_cd_solves_the_joint_model(problem, layout):
    """Run to convergence: the KKT conditions of the joint quadratic model."""
    X, _, _, _, l1s, l2s = problem
    rng = np.random.RandomState(5)
    n, K = X.shape[0], 3
    P = rng.dirichlet(np.ones(K), n)
    Y = np.eye(K)[rng.randint(K, size=n)]
    s = rng.uniform(0.5, 2.0, n)
    G = s[:, None] * (P - Y)
    W, b = np.zeros((K, X.shape[1])), np.zeros(K)
    Dt, m = np.zeros((K, n)), np.zeros(n)
    ws = np.array([0, 2, 5, 7])  # penalised features, with an L1 part
    Gt, Pt = np.ascontiguousarray(G.T), np.ascontiguousarray(P.T)
    args = (W, b, Gt, Pt, s, Dt, m, l1s, l2s, ws, True, 20_000, 1e-30)
    if layout == "dense":
        n_epochs = k.multinomial_cd_dense(X, *args)
    else:
        Xs = sp.csc_matrix(X)
        n_epochs = k.multinomial_cd_sparse(Xs.data, Xs.indices, Xs.indptr, *args)
    assert n_epochs < 20_000
    D = Dt.T
    np.testing.assert_allclose(D, X @ W.T + b, atol=1e-10)
    U = G + s[:, None] * P * (D - (P * D).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(U.sum(axis=0), 0.0, atol=1e-9)
    grad = (X[:, ws].T @ U).T + l2s[ws] * W[:, ws]
    l1 = np.broadcast_to(l1s[ws], grad.shape)
    nz = W[:, ws] != 0
    np.testing.assert_allclose(grad[nz], -l1[nz] * np.sign(W[:, ws][nz]), atol=1e-8)
    assert np.all(np.abs(grad[~nz]) <= l1[~nz] + 1e-8)


def _model_objective(X, point, w0, g, h, l1s, l2s, ws):
    """Plain numpy: the quadratic model at ``w0`` plus the working set's
    penalty, at ``point`` (``w[ws]``, then the intercept)."""
    n_ws = ws.size
    dz = X[:, ws] @ (point[:n_ws] - w0[:n_ws]) + (point[n_ws] - w0[n_ws])
    v = point[:n_ws]
    keep = v != 0
    pen = np.sum(l1s[ws][keep] * np.abs(v[keep]) + 0.5 * l2s[ws][keep] * v[keep] ** 2)
    return g @ dz + 0.5 * h @ dz**2 + pen, dz


@pytest.mark.parametrize("layout", ["dense", "sparse"])
def test_model_objective_matches_numpy(problem, layout):
    X, w, u, h, l1s, l2s = problem
    rng = np.random.RandomState(3)
    ws = np.array([0, 2, 4, 5, 7])
    w0 = np.append(w[ws], 0.3)
    point = w0 + rng.randn(ws.size + 1) * 0.2
    point[2] = 0.0  # the excluded feature (l1 = inf) stays at 0
    expected, dz_ref = _model_objective(X, point, w0, u, h, l1s, l2s, ws)
    dz = np.empty(X.shape[0])
    if layout == "dense":
        got = k.model_objective_dense(X, point, w0, u, h, l1s, l2s, ws, dz)
    else:
        Xs = sp.csc_matrix(X)
        got = k.model_objective_sparse(
            Xs.data, Xs.indices, Xs.indptr, point, w0, u, h, l1s, l2s, ws, dz
        )
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    np.testing.assert_allclose(dz, dz_ref, rtol=1e-12, atol=1e-14)


def _ill_conditioned_model(fit_intercept):
    """Correlated columns and skewed curvature: plain CD crawls."""
    rng = np.random.RandomState(5)
    n, p = 200, 30
    X = rng.randn(n, p)
    X[:, 1:] = 0.9 * X[:, :1] + 0.3 * X[:, 1:]
    X = np.asfortranarray(X + 0.5)
    prob = rng.uniform(0.001, 0.999, n)
    y = (rng.uniform(size=n) < prob).astype(float)
    u = prob - y
    h = prob * (1 - prob)
    l1s = np.full(p, 0.5)
    l1s[0] = 0.0  # an unpenalised feature
    l2s = np.zeros(p)
    l2s[3] = 1.0
    return X, u, h, l1s, l2s


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("layout", ["dense", "sparse"])
def test_quadratic_cd_anderson_solves_the_model_faster(fit_intercept, layout):
    """With Anderson steps the kernel reaches the model's minimiser (KKT),
    the same point as plain epochs, in fewer epochs."""
    X, u0, h, l1s, l2s = _ill_conditioned_model(fit_intercept)
    ws = np.arange(X.shape[1])
    results = {}
    for anderson in (0, 5):
        w, b, u = np.zeros(X.shape[1]), np.zeros(1), u0.copy()
        args = (w, b, u, h, l1s, l2s, ws, fit_intercept, 20_000, 1e-20, anderson)
        if layout == "dense":
            n_epochs = k.quadratic_cd_dense(X, *args)
        else:
            Xs = sp.csc_matrix(X)
            n_epochs = k.quadratic_cd_sparse(Xs.data, Xs.indices, Xs.indptr, *args)
        # u = u0 + h * dz: rebuilt exactly after each accepted extrapolation
        np.testing.assert_allclose(u, u0 + h * (X @ w + b[0]), atol=1e-10)
        grad = X.T @ u + l2s * w
        nz = w != 0
        np.testing.assert_allclose(grad[nz], -l1s[nz] * np.sign(w[nz]), atol=1e-8)
        assert np.all(np.abs(grad[~nz]) <= l1s[~nz] + 1e-8)
        if fit_intercept:
            assert abs(u.sum()) < 1e-8
        results[anderson] = (w, b[0], n_epochs)
    np.testing.assert_allclose(results[5][0], results[0][0], atol=1e-7)
    assert results[5][2] < 0.7 * results[0][2]


def test_xtr_by_rows_matches_numpy():
    rng = np.random.RandomState(2)
    A = rng.randn(40, 25) * (rng.uniform(size=(40, 25)) < 0.3)
    V = rng.randn(40, 2)
    V[3] = 0.0  # a zero entry is skipped
    for dtype in (np.float64, np.float32):
        Xr = sp.csr_matrix(A.astype(dtype))
        expected = A.astype(dtype).astype(float).T @ V
        out = np.full(25, np.nan)
        _kernels.xtr_csr(Xr.data, Xr.indices, Xr.indptr, V[:, 0].copy(), out)
        np.testing.assert_allclose(out, expected[:, 0], rtol=1e-5)
        rows = np.full(25, np.nan)
        _kernels.xtr_rows(np.ascontiguousarray(A.astype(dtype)), V[:, 0].copy(), rows)
        np.testing.assert_allclose(rows, expected[:, 0], rtol=1e-5)
        pair = np.full((25, 2), np.nan)
        _kernels.xtr_csr_pair(Xr.data, Xr.indices, Xr.indptr, V, pair)
        np.testing.assert_allclose(pair, expected, rtol=1e-5)


def _non_canonical_csr(rng, n, p, density):
    """CSR with unsorted column indices and duplicated entries (scipy sums
    them): each row's entries stored twice, halved, in a shuffled order."""
    A = rng.randn(n, p) * (rng.uniform(size=(n, p)) < density)
    data, indices, indptr = [], [], [0]
    for i in range(n):
        cols = np.flatnonzero(A[i])
        entry_cols = np.concatenate([cols, cols])
        entry_vals = np.concatenate([A[i, cols] / 2, A[i, cols] / 2])
        order = rng.permutation(entry_cols.size)
        indices.extend(entry_cols[order])
        data.extend(entry_vals[order])
        indptr.append(len(indices))
    X = sp.csr_matrix((np.array(data), np.array(indices), np.array(indptr)), (n, p))
    assert not X.has_canonical_format
    return X, A


def test_csr_fill_columns_matches_numpy():
    rng = np.random.RandomState(3)
    X, A = _non_canonical_csr(rng, 30, 40, 0.3)
    counts = np.empty(40, dtype=np.int64)
    assert _kernels.csr_column_counts(X.indices, X.indptr, counts)  # duplicates
    np.testing.assert_array_equal(counts, np.bincount(X.indices, minlength=40))
    indptr = np.zeros(41, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    data = np.full(X.nnz, np.nan)
    indices = np.full(X.nnz, -1, dtype=X.indices.dtype)
    first, second = np.zeros(40, bool), np.zeros(40, bool)
    first[rng.choice(40, 10, replace=False)] = True
    second[rng.choice(np.flatnonzero(~first), 15, replace=False)] = True
    for new in (first, second):  # two passes, the second adding columns
        _kernels.csr_fill_columns(
            X.data, X.indices, X.indptr, new, data, indices, indptr, True
        )
    for j in range(40):
        slot = slice(indptr[j], indptr[j + 1])
        if not (first[j] or second[j]):
            assert np.isnan(data[slot]).all()  # never touched
            continue
        rows = indices[slot]
        assert np.all(np.diff(rows) >= 0)  # increasing rows, padding repeats
        column = np.zeros(30)
        np.add.at(column, rows, data[slot])
        np.testing.assert_allclose(column, A[:, j], atol=1e-15)
        # each stored row once with a non-zero value (duplicates summed)
        kept = rows[data[slot] != 0]
        np.testing.assert_array_equal(kept, np.flatnonzero(A[:, j]))


def test_csr_fill_columns_without_duplicates_matches_tocsc():
    X = sp.random(30, 40, density=0.3, format="csr", random_state=4)
    assert X.has_canonical_format
    # rows unsorted but without duplicates: the copies are canonical too
    rng = np.random.RandomState(5)
    for i in range(30):
        row = slice(X.indptr[i], X.indptr[i + 1])
        order = rng.permutation(X.indptr[i + 1] - X.indptr[i])
        X.indices[row] = X.indices[row][order]
        X.data[row] = X.data[row][order]
    X.has_sorted_indices = False
    counts = np.empty(40, dtype=np.int64)
    assert not _kernels.csr_column_counts(X.indices, X.indptr, counts)
    indptr = np.zeros(41, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    data = np.full(X.nnz, np.nan)
    indices = np.full(X.nnz, -1, dtype=X.indices.dtype)
    first = np.zeros(40, bool)
    first[::3] = True
    for new in (first, ~first):  # some columns, then the rest
        _kernels.csr_fill_columns(
            X.data, X.indices, X.indptr, new, data, indices, indptr, False
        )
    ref = X.tocsc()
    ref.sort_indices()
    np.testing.assert_array_equal(indptr, ref.indptr)
    np.testing.assert_array_equal(indices, ref.indices)
    np.testing.assert_array_equal(data, ref.data)


def test_binomial_loss_and_entropy_match_numpy():
    from scipy.special import expit, xlogy

    rng = np.random.RandomState(7)
    z = np.concatenate([50 * rng.randn(200), [800.0, -800.0, 0.0]])
    y = (rng.uniform(size=z.size) < 0.5).astype(float)
    s = rng.uniform(0, 2, size=z.size)
    s[:5] = 0.0
    ref = s @ (np.logaddexp(0.0, z) - y * z)
    np.testing.assert_allclose(k.binomial_loss(z, y, s), ref, rtol=1e-13)
    p = expit(z)  # 0 and 1 exactly at the extremes
    assert p.min() == 0.0 and p.max() == 1.0
    ref = s @ (-xlogy(p, p) - xlogy(1 - p, 1 - p))
    np.testing.assert_allclose(k.binomial_entropy(p, s), ref, rtol=1e-13)


@pytest.mark.parametrize("with_l2", [False, True])
def test_dual_scaling_matches_numpy(with_l2):
    rng = np.random.RandomState(8)
    U = rng.randn(3, 40)
    l1s = rng.uniform(0.1, 2.0, 40)
    l2s = rng.uniform(0.1, 2.0, 40) if with_l2 else np.zeros(40)
    penalised = rng.uniform(size=40) < 0.7
    top, conj = k.dual_scaling(U, l1s, l2s, penalised, with_l2)
    A = np.abs(U[:, penalised])
    if with_l2:
        excess = np.maximum(A - l1s[penalised], 0.0)
        ref_top, ref_conj = 0.0, 0.5 * (excess**2 / l2s[penalised]).sum()
    else:
        ref_top, ref_conj = (A / l1s[penalised]).max(), 0.0
    np.testing.assert_allclose([top, conj], [ref_top, ref_conj], rtol=1e-13)
    assert k.dual_scaling(U, l1s, l2s, np.zeros(40, bool), with_l2) == (0.0, 0.0)
