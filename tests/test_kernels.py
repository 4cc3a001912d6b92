"""Each numba kernel against a plain numpy reference of the same loop."""

import numpy as np
import pytest
import scipy.sparse as sp

from sklreg._cd import _kernels


def soft_threshold_update(z, l1, denom, positive):
    if positive:
        return max(z - l1, 0.0) / denom
    return np.sign(z) * max(abs(z) - l1, 0.0) / denom


def per_feature(value, p):
    """A kernel's per-feature weights: ``value`` broadcast to ``(p,)``."""
    return np.broadcast_to(np.asarray(value, dtype=float), (p,)).copy()


def reference_epoch(Xeff, y, w, l1, l2, positive, ws):
    """One cyclic CD epoch on 1/2||y - Xeff w||^2 + sum_j l1_j|w_j| + l2_j/2 w_j^2
    (``l1``, ``l2`` scalars or per-feature arrays; ``inf`` excludes)."""
    w = w.astype(float).copy()
    l1 = per_feature(l1, w.shape[0])
    l2 = per_feature(l2, w.shape[0])
    for j in ws:
        col = Xeff[:, j]
        nrm = col @ col
        if nrm == 0:
            continue
        r = y - Xeff @ w
        z = col @ r + w[j] * nrm
        w[j] = soft_threshold_update(z, l1[j], nrm + l2[j], positive)
    return w


@pytest.mark.parametrize("z", [-3.0, -0.5, 0.0, 0.4, 2.5])
@pytest.mark.parametrize("positive", [False, True])
def test_coordinate_update_matches_soft_threshold(z, positive):
    got = _kernels.enet_coordinate_update(z, 1.0, 2.0, positive)
    assert got == pytest.approx(soft_threshold_update(z, 1.0, 2.0, positive))


def _problem(rng, n=30, p=12):
    X = rng.randn(n, p)
    X[:, 3] = 0.0  # an all-zero column is skipped, never divided by
    y = rng.randn(n)
    w = rng.randn(p) * (rng.rand(p) < 0.5)
    w[3] = 0.0
    return X, y, w


# penalty factors f: the kernels take l1 * f and l2 * f per feature
# (0 unpenalised, inf excluded)
_FACTORS = np.array([0.0, 1.0, 2.5, np.inf, 1.0, 0.5, 1.0, 0.0, 3.0, 1.0, 1.0, np.inf])


@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("l2", [0.0, 0.7])
@pytest.mark.parametrize("weighted", [False, True])
def test_dense_epoch_matches_reference(positive, l2, weighted):
    rng = np.random.RandomState(0)
    X, y, w = _problem(rng)
    if positive:
        w = np.abs(w)
    ws = np.array([0, 2, 3, 5, 7, 11], dtype=np.int64)
    f = _FACTORS if weighted else np.ones(12)
    with np.errstate(invalid="ignore"):
        l1s = np.where(np.isinf(f), np.inf, 0.8 * f)
        l2s = np.where(np.isinf(f), np.inf, l2 * f)
    if weighted:
        w[11] = 0.0  # an excluded feature starts (and stays) at zero
    expected = reference_epoch(X, y, w, l1s, l2s, positive, ws)

    Xf = np.asfortranarray(X)
    w_k = w.copy()
    R = y - Xf @ w_k
    sq = (Xf**2).sum(axis=0)
    n_done, _ = _kernels.cd_epochs_dense(
        Xf, w_k, R, sq, l1s, l2s, positive, ws, 1, 0.0, False, 0
    )
    assert n_done == 1
    np.testing.assert_allclose(w_k, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(R, y - X @ w_k, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("positive", [False, True])
def test_sparse_epoch_with_implicit_centring_matches_reference(weighted, positive):
    rng = np.random.RandomState(1)
    n, p = 40, 9
    Xs = sp.random(n, p, density=0.3, random_state=rng, format="csc")
    sw = rng.rand(n) + 0.1 if weighted else np.ones(n)
    v = np.sqrt(sw)
    mu = np.asarray(Xs.T @ sw).ravel() / sw.sum()
    Xscaled = sp.csc_matrix(sp.diags(v) @ Xs)
    Xeff = Xscaled.toarray() - np.outer(v, mu)  # the centred, scaled design
    y = rng.randn(n)
    y = v * (y - np.average(y, weights=sw))
    w = np.abs(rng.randn(p)) if positive else rng.randn(p)
    ws = np.arange(p, dtype=np.int64)
    expected = reference_epoch(Xeff, y, w, 0.3, 0.2, positive, ws)

    w_k = w.copy()
    R = y - Xeff @ w_k  # start with the true residual, aux[0] = 0
    aux = np.array([0.0, v @ R])
    sq = (Xeff**2).sum(axis=0)
    _kernels.cd_epochs_sparse(
        Xscaled.data,
        Xscaled.indices.astype(np.int64),
        Xscaled.indptr.astype(np.int64),
        mu,
        v,
        w_k,
        R,
        aux,
        sq,
        per_feature(0.3, p),
        per_feature(0.2, p),
        positive,
        ws,
        1,
        0.0,
        False,
        0,
        False,  # Xscaled is scaled already
    )
    np.testing.assert_allclose(w_k, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(R + aux[0] * v, y - Xeff @ w_k, atol=1e-10)
    np.testing.assert_allclose(aux[1], v @ R, atol=1e-10)


def test_gram_epoch_matches_reference():
    rng = np.random.RandomState(2)
    X, y, w = _problem(rng, n=50, p=8)
    ws = np.arange(8, dtype=np.int64)
    expected = reference_epoch(X, y, w, 0.5, 0.1, False, ws)
    G = X.T @ X
    q = X.T @ y
    w_k = w.copy()
    H = G @ w_k
    l1s, l2s = per_feature(0.5, 8), per_feature(0.1, 8)
    _kernels.cd_epochs_gram(G, q, w_k, H, l1s, l2s, False, ws, 1, 0.0, False, 0)
    np.testing.assert_allclose(w_k, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(H, G @ w_k, rtol=1e-10, atol=1e-10)


def test_epochs_stop_on_coefficient_rule():
    rng = np.random.RandomState(3)
    X = np.asfortranarray(rng.randn(40, 5))
    y = X @ rng.randn(5)
    w = np.zeros(5)
    R = y.copy()
    n_done, met = _kernels.cd_epochs_dense(
        X, w, R, (X**2).sum(0), np.zeros(5), np.zeros(5), False, np.arange(5),
        10_000, 1e-12, False, 0,
    )  # fmt: skip
    assert met and n_done < 10_000
    np.testing.assert_allclose(X @ w, y, atol=1e-8)  # least squares, exact fit


def _random_epochs(X, y, l1, l2, seed, n_epochs, tol=0.0):
    w = np.zeros(X.shape[1])
    R = y.copy()
    n_done, met = _kernels.cd_epochs_dense(
        X,
        w,
        R,
        (X**2).sum(0),
        per_feature(l1, X.shape[1]),
        per_feature(l2, X.shape[1]),
        False,
        np.arange(X.shape[1]),
        n_epochs,
        tol,
        True,
        seed,
    )
    return w, R, n_done, met


def test_random_selection_is_reproducible_and_converges():
    rng = np.random.RandomState(4)
    X = np.asfortranarray(rng.randn(30, 6))
    y = rng.randn(30)
    # the same seed: the same coordinate order, bit for bit
    a = _random_epochs(X, y, 1.0, 0.0, 42, 3)[0]
    np.testing.assert_array_equal(a, _random_epochs(X, y, 1.0, 0.0, 42, 3)[0])
    assert not np.array_equal(a, _random_epochs(X, y, 1.0, 0.0, 7, 3)[0])

    # converged, any seed reaches the least-squares solution (l1 = l2 = 0) ...
    w_ls = np.linalg.lstsq(X, y, rcond=None)[0]
    for seed in (0, 42):
        w, R, n_done, met = _random_epochs(X, y, 0.0, 0.0, seed, 100_000, 1e-14)
        assert met and n_done < 100_000
        np.testing.assert_allclose(w, w_ls, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(R, y - X @ w, atol=1e-12)

    # ... and the elastic-net optimum: the KKT conditions hold
    l1, l2 = 0.4 * np.abs(X.T @ y).max(), 0.5
    w, R, _, met = _random_epochs(X, y, l1, l2, 3, 100_000, 1e-14)
    assert met
    grad = X.T @ (y - X @ w) - l2 * w
    nz = w != 0
    assert nz.any() and not nz.all()
    np.testing.assert_allclose(grad[nz], l1 * np.sign(w[nz]), atol=1e-10)
    assert np.all(np.abs(grad[~nz]) <= l1 + 1e-10)
    cyclic = np.zeros(6)
    _kernels.cd_epochs_dense(
        X,
        cyclic,
        y.copy(),
        (X**2).sum(0),
        per_feature(l1, 6),
        per_feature(l2, 6),
        False,
        np.arange(6),
        100_000,
        1e-14,
        False,
        0,
    )
    np.testing.assert_allclose(w, cyclic, atol=1e-12)


def test_xtr_and_matvec_kernels():
    rng = np.random.RandomState(5)
    X = np.asfortranarray(rng.randn(20, 7))
    R = rng.randn(20)
    cols = np.array([6, 0, 3], dtype=np.int64)
    out = np.empty(3)
    _kernels.xtr_dense(X, R, cols, out)
    np.testing.assert_allclose(out, X[:, cols].T @ R)

    Xs = sp.random(20, 7, density=0.4, random_state=rng, format="csc")
    ind, ptr = Xs.indices.astype(np.int64), Xs.indptr.astype(np.int64)
    _kernels.xtr_sparse(Xs.data, ind, ptr, R, cols, out)
    np.testing.assert_allclose(out, Xs.toarray()[:, cols].T @ R)
    w = rng.randn(7)
    out = np.empty(20)
    _kernels.sparse_matvec(Xs.data, ind, ptr, w, out)
    np.testing.assert_allclose(out, Xs.toarray() @ w)
    y = rng.randn(20)
    w[[1, 4]] = 0.0
    support = np.flatnonzero(w)
    out = np.empty(20)
    _kernels.dense_residual(X, y, w, support, out)
    np.testing.assert_allclose(out, y - X @ w)


def test_kernels_are_cached_and_release_the_gil():
    for name in [
        "cd_epochs_dense",
        "cd_epochs_sparse",
        "cd_epochs_gram",
        "xtr_dense",
        "xtr_sparse",
        "sparse_matvec",
        "dense_residual",
        "enet_coordinate_update",
        "anderson_weights",
    ]:
        kernel = getattr(_kernels, name)
        assert kernel.targetoptions.get("nogil") is True, name
        assert kernel.targetoptions.get("fastmath") in (None, {"reassoc", "contract"})
        assert kernel._cache is not None and kernel._cache.__class__.__name__ in {
            "FunctionCache"
        }, name


def test_anderson_weights_match_numpy_least_squares():
    rng = np.random.RandomState(7)
    history = np.asfortranarray(rng.randn(40, 6))
    out = np.empty(5)
    assert _kernels.anderson_weights(history, out)
    U = np.diff(history, axis=1)
    z = np.linalg.solve(U.T @ U, np.ones(5))
    np.testing.assert_allclose(out, z / z.sum(), rtol=1e-6)
    assert out.sum() == pytest.approx(1.0)
    # a fixed point (no movement) gives no weights instead of NaNs
    assert not _kernels.anderson_weights(np.ones((10, 6)), out)


def test_anderson_extrapolation_is_exact_on_a_linear_iteration():
    # x_{k+1} = A x_k + b with a 2-d state: 3 differences span the error space
    A = np.array([[0.9, 0.05], [0.0, 0.8]])
    b = np.array([1.0, -1.0])
    x = np.zeros(2)
    history = [x]
    for _ in range(3):
        x = A @ x + b
        history.append(x)
    history = np.asfortranarray(np.array(history).T)
    c = np.empty(3)
    assert _kernels.anderson_weights(history, c)
    fixed_point = np.linalg.solve(np.eye(2) - A, b)
    np.testing.assert_allclose(history[:, 1:] @ c, fixed_point, rtol=1e-4)


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_sparse_gram_matrix_against_numpy(fmt):
    from sklreg._cd._kernels_gram import sparse_gram_matrix

    X = sp.random(60, 25, density=0.3, format=fmt, random_state=0)
    Xd = X.toarray()
    np.testing.assert_allclose(sparse_gram_matrix(X), Xd.T @ Xd, rtol=1e-13, atol=0)
    np.testing.assert_allclose(sparse_gram_matrix(X.T), Xd @ Xd.T, rtol=1e-13, atol=0)
    # duplicate entries (non-canonical COO) are summed
    dup = sp.coo_matrix(([1.0, 2.0], ([0, 0], [3, 3])), shape=(2, 5))
    assert sparse_gram_matrix(dup)[3, 3] == 9.0


# --- block (multi-task / weighted) kernels ---------------------------------

from sklreg._cd import _kernels_multitask as _kmt  # noqa: E402


def reference_block_epoch(Xeff, Y, W, l1, l2, positive, ws):
    """One cyclic block-CD epoch on 1/2||Y - Xeff W||_F^2
    + sum_j l1_j ||W_j|| + l2_j/2 ||W_j||^2 (group soft-thresholding)."""
    W = W.astype(float).copy()
    for j in ws:
        col = Xeff[:, j]
        nrm = col @ col
        if nrm == 0:
            continue
        z = col @ (Y - Xeff @ W) + nrm * W[j]
        if positive:
            W[j] = np.maximum(z - l1[j], 0.0) / (nrm + l2[j])
            continue
        nz = np.linalg.norm(z)
        W[j] = 0.0 if nz <= l1[j] else (1 - l1[j] / nz) * z / (nrm + l2[j])
    return W


def _block_problem(rng, n=30, p=12, T=3):
    X, _, _ = _problem(rng, n, p)
    Y = rng.randn(n, T)
    W = rng.randn(p, T) * (rng.rand(p, 1) < 0.5)
    W[3] = 0.0
    l1 = rng.uniform(0.2, 3.0, p)
    l1[5] = 0.0  # an unpenalised feature
    l1[7] = np.inf  # an excluded one
    l2 = rng.uniform(0.0, 1.0, p)
    l2[7] = np.inf
    return X, Y, W, l1, l2


WS = np.array([0, 2, 3, 5, 7, 11], dtype=np.int64)


# positivity is a single-task constraint
@pytest.mark.parametrize(("T", "positive"), [(1, False), (1, True), (3, False)])
def test_block_dense_and_gram_epochs_match_reference(T, positive):
    rng = np.random.RandomState(0)
    X, Y, W, l1, l2 = _block_problem(rng, T=T)
    if positive:
        W = np.abs(W)
    W[7] = 0.0
    expected = reference_block_epoch(X, Y, W, l1, l2, positive, WS)

    Xf = np.asfortranarray(X)
    Wk = W.copy()
    R = np.asfortranarray(Y - Xf @ Wk)
    sq = (Xf**2).sum(axis=0)
    done, _ = _kmt.bcd_epochs_dense(
        Xf, Wk, R, sq, l1, l2, positive, WS, 1, 0.0, False, 0
    )
    assert done == 1
    np.testing.assert_allclose(Wk, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(R, Y - X @ Wk, rtol=1e-10, atol=1e-12)

    G = X.T @ X
    Wg = W.copy()
    H = G @ Wg
    _kmt.bcd_epochs_gram(G, X.T @ Y, Wg, H, l1, l2, positive, WS, 1, 0.0, False, 0)
    np.testing.assert_allclose(Wg, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(H, G @ Wg, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("scaled", [False, True])
def test_block_sparse_epoch_with_implicit_centring_matches_reference(scaled):
    rng = np.random.RandomState(1)
    X, Y, W, l1, l2 = _block_problem(rng)
    X[rng.rand(*X.shape) < 0.6] = 0.0
    X[:, 3] = 0.0
    W[7] = 0.0
    v = rng.uniform(0.5, 2.0, X.shape[0]) if scaled else np.ones(X.shape[0])
    Xs_dense = v[:, None] * X if scaled else X
    # the centring the kernel assumes: X_s[:, j] @ v = mu_j (v @ v)
    mu = Xs_dense.T @ v / (v @ v)
    Xeff = Xs_dense - np.outer(v, mu)
    expected = reference_block_epoch(Xeff, Y, W, l1, l2, False, WS)

    Xs = sp.csc_matrix(X)
    Wk = W.copy()
    R = np.ascontiguousarray(Y - Xeff @ Wk)
    aux = np.zeros((2, Y.shape[1]))
    aux[1] = v @ R
    sq = (Xeff**2).sum(axis=0)
    _kmt.bcd_epochs_sparse(
        Xs.data, Xs.indices, Xs.indptr, mu, v, Wk, R, aux, sq, l1, l2, False,
        WS, 1, 0.0, False, 0, scaled,
    )  # fmt: skip
    np.testing.assert_allclose(Wk, expected, rtol=1e-10, atol=1e-12)
    R_true = R + np.outer(v, aux[0])
    np.testing.assert_allclose(R_true, Y - Xeff @ Wk, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(aux[1], v @ R, rtol=1e-10, atol=1e-10)


def test_block_xtr_and_matmat_kernels():
    rng = np.random.RandomState(2)
    X = rng.randn(20, 9)
    X[rng.rand(*X.shape) < 0.5] = 0.0
    R = rng.randn(20, 4)
    cols = np.array([1, 4, 8], dtype=np.int64)
    out = np.empty((3, 4))
    _kmt.xtr_dense_block(np.asfortranarray(X), R, cols, out)
    np.testing.assert_allclose(out, X[:, cols].T @ R, rtol=1e-12)
    Xs = sp.csc_matrix(X)
    out[:] = 0.0
    _kmt.xtr_sparse_block(Xs.data, Xs.indices, Xs.indptr, R, cols, out)
    np.testing.assert_allclose(out, X[:, cols].T @ R, rtol=1e-12)
    W = rng.randn(9, 4) * (rng.rand(9, 1) < 0.5)
    XW = np.empty((20, 4))
    _kmt.sparse_matmat(Xs.data, Xs.indices, Xs.indptr, W, XW)
    np.testing.assert_allclose(XW, X @ W, rtol=1e-12, atol=1e-14)
    Rf = np.asfortranarray(R)
    support = np.flatnonzero(W.any(axis=1)).astype(np.int64)
    _kmt.dense_residual_block(np.asfortranarray(X), W, support, Rf)
    np.testing.assert_allclose(Rf, R - X @ W, rtol=1e-12, atol=1e-14)


def test_block_kernels_are_cached_and_release_the_gil():
    for name in ("bcd_epochs_dense", "bcd_epochs_sparse", "bcd_epochs_gram"):
        kernel = getattr(_kmt, name)
        assert kernel._cache is not None and kernel.targetoptions["nogil"]
        assert kernel.targetoptions.get("cache", True)


def test_path_rule_kernels_against_numpy():
    # the compiled path's strong rule, KKT check and scaled weights against
    # the numpy functions of the Python path (sklreg.linear_model._strong_rules)
    from sklreg._cd import _kernels_path as kp
    from sklreg.linear_model import _strong_rules as sr

    rng = np.random.RandomState(0)
    p = 60
    factors = rng.choice([0.0, 1.0, 2.5, np.inf], size=p)
    xtr = rng.randn(p)
    w = np.where(rng.rand(p) < 0.2, rng.randn(p), 0.0)
    w[np.isinf(factors)] = 0.0
    for positive in (False, True):
        for weights in (None, factors):
            f = np.ones(p) if weights is None else weights
            kept = np.empty(p, dtype=np.bool_)
            kp.strong_rule(xtr, 2 * 0.5 - 0.8, f, w, positive, kept)
            ref = sr.strong_rule_mask(xtr, 0.5, 0.8, w, positive, weights)
            np.testing.assert_array_equal(kept, ref)
            l1s = np.empty(p)
            kp.scaled_weights(0.7, f, l1s)
            ref_l1s = np.broadcast_to(sr._scaled(0.7, weights), p)
            np.testing.assert_array_equal(l1s, ref_l1s)
            before = kept.copy()
            added = kp.add_kkt_violators(xtr, l1s, positive, kept)
            viol = sr.kkt_violations(xtr, 0.7, before, positive, weights)
            np.testing.assert_array_equal(kept, before | viol)
            assert added == viol.any()
    for name in (
        "enet_path_dense",
        "enet_path_gram",
        "strong_rule",
        "add_kkt_violators",
    ):
        kernel = getattr(kp, name)
        assert kernel._cache is not None and kernel.targetoptions["nogil"]
