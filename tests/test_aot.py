"""The ahead-of-time kernels (``sklreg._cd._aot``) and the lazy numba import."""

import importlib
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from sklearn.linear_model import ElasticNet as SkElasticNet
from sklearn.linear_model import Lasso as SkLasso

from sklreg._cd import _aot, _kernels_plain

built = pytest.mark.skipif(
    not _aot.available(),
    reason="ahead-of-time kernels not built (`make AOT=0`, or no C compiler)",
)


def _problem(seed, n, p):
    rng = np.random.RandomState(seed)
    X = np.asfortranarray(rng.randn(n, p))
    y = X[:, : max(p // 5, 1)] @ rng.randn(max(p // 5, 1)) + 0.3 * rng.randn(n)
    sq = np.einsum("ij,ij->j", X, X)
    factors = rng.choice([0.0, 1.0, 2.5, np.inf], size=p, p=[0.1, 0.6, 0.2, 0.1])
    return rng, X, y, sq, factors


def _weights(rng, X, y, factors, l1_ratio):
    n = X.shape[0]
    alpha = np.abs(X.T @ y).max() / n * rng.uniform(0.02, 0.5)
    l1, l2 = alpha * l1_ratio * n, alpha * (1 - l1_ratio) * n
    finite = np.where(np.isinf(factors), 0.0, factors)
    l1s = np.where(np.isinf(factors), np.inf, l1 * finite)
    l2s = np.where(np.isinf(factors), np.inf, l2 * finite)
    return l1, l2, l1s, l2s


def _copy(a):
    return a.copy(order="K") if isinstance(a, np.ndarray) else a


def _jit(name):
    """The numba kernel behind the export ``name``."""
    module = importlib.import_module(f"sklreg._cd.{_aot.EXPORTS[name][0]}")
    return getattr(module, _aot.kernel_name(name))


def _pair(name, args):
    """The export and the numba kernel on copies of the same arguments (the
    export's kinds accept them: the dispatch would send them there)."""
    assert _aot._accepts(args, _aot.EXPORTS[name][1]), name
    copies = [_copy(a) for a in args]
    return (
        (getattr(_aot._module, name)(*args), args),
        (_jit(name)(*copies), copies),
    )


@built
@pytest.mark.parametrize("seed", range(8))
def test_exports_give_the_numba_kernels_answers(seed):
    # each export against the same source compiled just in time: the same
    # epochs, iterates and gaps (the code differs only in where it was
    # compiled), with factors 0, 1, 2.5, inf, positive and the elastic net
    n, p = [(30, 80), (80, 30), (50, 50), (12, 200)][seed % 4]
    rng, X, y, sq, factors = _problem(seed, n, p)
    l1_ratio = [1.0, 0.5, 0.9, 0.0][seed % 4] if seed < 7 else 1.0
    positive = seed % 3 == 1
    l1, l2, l1s, l2s = _weights(rng, X, y, factors, l1_ratio)
    ws = np.arange(p, dtype=np.int64)
    tol, tol_abs = 1e-6, 1e-6 * float(y @ y)

    dense = (X, np.zeros(p), y.copy(), sq, l1, l2, l1s, l2s, positive, ws, 500,
             tol, tol_abs, False, 0)  # fmt: skip
    (ours, a), (ref, b) = _pair("plain_solve_dense", dense)
    assert ours[0] == ref[0] and ours[2] == ref[2]
    np.testing.assert_allclose(ours[1], ref[1], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(a[1], b[1], rtol=1e-10, atol=1e-12)  # w
    np.testing.assert_allclose(a[2], b[2], rtol=1e-10, atol=1e-12)  # residual

    G = np.ascontiguousarray(X.T @ X)
    q = X.T @ y
    gram = (G, q, float(y @ y), np.zeros(p), np.zeros(p), np.diag(G).copy(), l1,
            l2, l1s, l2s, positive, ws, 500, tol, tol_abs, False, 0)  # fmt: skip
    (ours, a), (ref, b) = _pair("plain_solve_gram", gram)
    assert ours[0] == ref[0] and ours[2] == ref[2]
    np.testing.assert_allclose(a[3], b[3], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a[4], b[4], rtol=1e-10, atol=1e-12)

    w = a[3]
    support = np.flatnonzero(w).astype(np.int64)
    (_, a), (_, b) = _pair("dense_residual", (X, y, w, support, np.empty(n)))
    np.testing.assert_allclose(a[4], y - X @ w, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(a[4], b[4], rtol=1e-13, atol=1e-13)

    R = y - X @ w
    xtr = X.T @ R
    args = (w, xtr, float(R @ R), l1, l2, l1s, l2s, positive, sq, ws)
    (gap, _), (gap_ref, _) = _pair("gap_from_correlations", args)
    np.testing.assert_allclose(gap, gap_ref, rtol=1e-12, atol=1e-14)
    (value, _), (value_ref, _) = _pair("penalty_value", (w, l1s, l2s, ws))
    np.testing.assert_allclose(value, value_ref, rtol=1e-13)

    # the working-set solver's kernels, from a zero start on half the features
    half = np.sort(rng.choice(p, p // 2, replace=False)).astype(np.int64)
    epochs = (X, np.zeros(p), y.copy(), sq, l1s, l2s, positive, half, 7, 1e-4,
              False, 0)  # fmt: skip
    (ours, a), (ref, b) = _pair("cd_epochs_dense", epochs)
    assert ours == ref
    np.testing.assert_allclose(a[1], b[1], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a[2], b[2], rtol=1e-10, atol=1e-12)
    epochs = (G, q, np.zeros(p), np.zeros(p), l1s, l2s, positive, half, 7, 1e-4,
              False, 0)  # fmt: skip
    (ours, a), (ref, b) = _pair("cd_epochs_gram", epochs)
    assert ours == ref
    np.testing.assert_allclose(a[2], b[2], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a[3], b[3], rtol=1e-10, atol=1e-12)
    (_, a), (_, b) = _pair("xtr_dense", (X, R, half, np.empty(half.size)))
    np.testing.assert_allclose(a[3], X[:, half].T @ R, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(a[3], b[3], rtol=1e-13, atol=1e-13)
    grad = -xtr[half]
    args = (w[half], grad, l1s, l2s, positive, half, np.empty(half.size))
    (_, a), (_, b) = _pair("subdiff_distance", args)
    np.testing.assert_array_equal(a[6], b[6])
    penalised = np.isfinite(factors) & (factors > 0)
    inv_f = np.zeros(p)
    inv_f[penalised] = 1 / factors[penalised]
    (norm, _), (norm_ref, _) = _pair("dual_norm", (xtr[half], inv_f, positive, half))
    assert norm == norm_ref
    history = np.asfortranarray(np.cumsum(rng.randn(p, 6), axis=1))
    (ok, a), (ok_ref, b) = _pair("anderson_weights", (history, np.empty(5)))
    assert ok == ok_ref
    np.testing.assert_allclose(a[1], b[1], rtol=1e-10, atol=1e-12)


@built
@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
@pytest.mark.parametrize("seed", range(4))
def test_sparse_exports_give_the_numba_kernels_answers(seed, index_dtype):
    # the CSC kernels, for scipy's int32 indices (the ``_i4`` exports) and
    # int64 ones, centred or not, rows scaled or not
    import scipy.sparse as sp

    rng = np.random.RandomState(seed)
    n, p = [(60, 40), (40, 90), (120, 30), (30, 30)][seed]
    X = sp.random(n, p, density=0.2, format="csc", random_state=rng)
    data = X.data
    indices = X.indices.astype(index_dtype)
    indptr = X.indptr.astype(index_dtype)
    suffix = "_i4" if index_dtype == np.int32 else ""
    y = rng.randn(n)
    scaled = seed % 2 == 1
    sw = rng.uniform(0.5, 2.0, n)
    v = np.sqrt(sw) if scaled else np.ones(n)
    means = np.empty(p)
    (_, a), (_, b) = _pair(
        "sparse_column_means" + suffix,
        (data, indices, indptr, n, sw, scaled, float(sw.sum() if scaled else n), means),
    )
    dense = X.toarray()
    ref_means = (sw if scaled else np.ones(n)) @ dense / (sw.sum() if scaled else n)
    np.testing.assert_allclose(a[7], ref_means, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(a[7], b[7])
    col_means = a[7] if seed < 2 else np.zeros(p)
    sq = np.empty(p)
    (_, a), (_, b) = _pair(
        "sparse_column_sq_norms" + suffix,
        (data, indices, indptr, v, scaled, col_means, sq),
    )
    Xs = (v[:, None] if scaled else 1.0) * dense - np.outer(v, col_means)
    np.testing.assert_allclose(a[6], (Xs**2).sum(axis=0), rtol=1e-10, atol=1e-12)
    sq = a[6]
    factors = np.ones(p)
    l1, l2, l1s, l2s = _weights(rng, Xs, y, factors, 0.8)
    R, aux = y.copy(), np.array([0.0, float(v @ y)])
    tol_abs = 1e-6 * float(y @ y)
    args = (data, indices, indptr, col_means, v, np.zeros(p), R, aux, sq, l1, l2,
            l1s, l2s, False, 400, 1e-6, tol_abs, False, 0, scaled)  # fmt: skip
    (ours, a), (ref, b) = _pair("plain_solve_sparse" + suffix, args)
    assert ours[0] == ref[0] and ours[2] == ref[2]
    np.testing.assert_allclose(a[5], b[5], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a[6], b[6], rtol=1e-10, atol=1e-12)
    ws = np.arange(p, dtype=np.int64)[::2].copy()
    args = (data, indices, indptr, col_means, v, np.zeros(p), y.copy(),
            np.array([0.0, float(v @ y)]), sq, l1s, l2s, False, ws, 5, 1e-4, False,
            0, scaled)  # fmt: skip
    (ours, a), (ref, b) = _pair("cd_epochs_sparse" + suffix, args)
    assert ours == ref
    np.testing.assert_allclose(a[5], b[5], rtol=1e-10, atol=1e-12)
    w = a[5]
    (_, a), (_, b) = _pair("sparse_matvec" + suffix, (data, indices, indptr, w,
                                                      np.empty(n)))  # fmt: skip
    np.testing.assert_allclose(a[4], dense @ w, rtol=1e-12, atol=1e-12)
    (_, a), (_, b) = _pair(
        "xtr_sparse" + suffix, (data, indices, indptr, y, ws, np.empty(ws.size))
    )
    np.testing.assert_allclose(a[5], dense[:, ws].T @ y, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(a[5], b[5])


class _Refusing:
    """Stands for the extension in a test: any call to it fails."""

    def __getattr__(self, name):
        raise AssertionError(f"the extension was called for {name}")


@pytest.mark.parametrize(
    "change",
    [
        "c_order",
        "float32",
        "int32_ws",
        "readonly_w",
        "strided_w",
        "random",
        "byteswapped_w",
        "unaligned_R",
        "matrix_for_vector",
    ],
)
def test_dispatch_sends_other_arguments_to_numba(change, monkeypatch):
    # anything but the exported signature goes to the numba kernel (the
    # extension's wrapper would cast, copy or misread it), never to the
    # extension: the answers are the numba kernel's, also for float32
    monkeypatch.setattr(_aot, "_module", _Refusing())
    n, p = 40, 25
    rng, X, y, sq, factors = _problem(3, n, p)
    l1, l2, l1s, l2s = _weights(rng, X, y, np.ones(p), 0.7)
    ws = np.arange(p, dtype=np.int64)
    w = np.zeros(p)
    args = [X, w, y.copy(), sq, l1, l2, l1s, l2s, False, ws, 300, 1e-6,
            1e-6 * float(y @ y), False, 3]  # fmt: skip
    if change == "c_order":
        args[0] = np.ascontiguousarray(X)
    elif change == "float32":
        args[0], args[1], args[2] = (
            np.asfortranarray(X, dtype=np.float32),
            w.astype(np.float32),
            y.astype(np.float32),
        )
    elif change == "int32_ws":
        args[9] = ws.astype(np.int32)
    elif change == "readonly_w":
        args[3] = sq.copy()
        args[3].setflags(write=False)  # read-only input: fine for the export
        assert _aot._accepts(args, _aot.EXPORTS["plain_solve_dense"][1])
        args[1].setflags(write=False)
    elif change == "strided_w":
        args[1] = np.zeros(2 * p)[::2]
    elif change == "random":
        args[13] = True
    elif change == "byteswapped_w":
        args[1] = w.astype(">f8")
    elif change == "unaligned_R":
        buffer = np.zeros(n * 8 + 1, dtype=np.uint8)
        args[2] = np.frombuffer(buffer[1:].data, dtype=np.float64)
        assert not args[2].flags.aligned and args[2].flags.c_contiguous
    elif change == "matrix_for_vector":
        args[3] = sq[:, None]
    assert not _aot._accepts(args, _aot.EXPORTS["plain_solve_dense"][1])
    if change in ("readonly_w", "byteswapped_w", "unaligned_R", "matrix_for_vector"):
        return  # numba refuses these too (or reads them as another type)
    ref = [_copy(a) for a in args]
    if change == "c_order":
        ref[0] = np.asfortranarray(ref[0])  # numba's own C-order variant
    epochs, _, converged = _aot.plain_solve_dense(*args)
    ref_epochs, _, ref_converged = _kernels_plain.plain_solve_dense(*ref)
    assert (epochs, converged) == (ref_epochs, ref_converged)
    tol = 1e-5 if change == "float32" else 1e-10
    np.testing.assert_allclose(args[1], ref[1], rtol=tol, atol=tol)


def test_arrays_from_a_process_worker_are_accepted():
    # an array that came through pickle (a process worker's data) holds an
    # equal but distinct dtype object: still the exported signature
    import pickle

    rng, X, y, sq, _ = _problem(0, 20, 10)
    X2, w2 = pickle.loads(pickle.dumps((X, np.zeros(10))))
    l1, l2, l1s, l2s = _weights(rng, X, y, np.ones(10), 1.0)
    args = (X2, w2, y.copy(), sq, l1, l2, l1s, l2s, False,
            np.arange(10), 50, 1e-4, 1e-4, False, 0)  # fmt: skip
    assert _aot._accepts(args, _aot.EXPORTS["plain_solve_dense"][1])


def test_threads_run_the_numba_kernels(monkeypatch):
    # the extension holds the GIL: only the main thread calls it, so that
    # thread-parallel fits keep running in parallel on the numba kernels
    import threading

    calls = []

    class Recorder:
        def dual_norm(self, *args):
            calls.append(threading.get_ident())
            return -1.0

    monkeypatch.setattr(_aot, "_module", Recorder())
    z, inv_f, cols = np.array([3.0, -4.0]), np.ones(2), np.arange(2)
    assert _aot.dual_norm(z, inv_f, False, cols) == -1.0
    out = []
    thread = threading.Thread(
        target=lambda: out.append(_aot.dual_norm(z, inv_f, False, cols))
    )
    thread.start()
    thread.join()
    assert out == [4.0] and calls == [threading.get_ident()]


@built
def test_stale_foreign_or_disabled_extension_is_not_used(monkeypatch):
    # a kernel source edited after the build, another CPU, or SKLREG_AOT=0:
    # the numba kernels run instead of the extension
    assert _aot._load() is not None
    monkeypatch.setattr(_aot, "sources_hash", lambda: "0" * 64)
    assert _aot._load() is None
    monkeypatch.undo()
    monkeypatch.setattr(_aot, "cpu_flags", lambda: "no such cpu")
    assert _aot._load() is None
    monkeypatch.undo()
    monkeypatch.setenv("SKLREG_AOT", "0")
    assert _aot._load() is None


def test_the_extension_is_in_use_when_the_build_ran():
    # `make test` builds the extension and says so (SKLREG_REQUIRE_AOT=1):
    # then it must be loaded, not silently stale, so that the tests above
    # run against it
    if os.environ.get("SKLREG_REQUIRE_AOT") != "1":
        pytest.skip("not run by `make test` with the ahead-of-time build")
    assert _aot.available()


def test_exports_cover_the_kernels_signatures():
    # the table of kinds matches each kernel's parameters
    import inspect

    for name, (_, kinds, _) in _aot.EXPORTS.items():
        params = inspect.signature(_jit(name).py_func).parameters
        assert len(params) == len(kinds), name


_FRESH = """
import json, sys
import numpy as np
import sklreg
rng = np.random.RandomState(0)
X = rng.randn({n}, {p})
y = X[:, :5].sum(axis=1) + 0.1 * rng.randn({n})
{sparsify}
est = getattr(sklreg, "{name}")(alpha={alpha}{extra}).fit(X, y)
print(json.dumps({{"numba": "numba" in sys.modules, "coef": est.coef_.tolist(),
                   "intercept": float(est.intercept_), "n_iter": int(est.n_iter_)}}))
"""


_SPARSIFY = "import scipy.sparse as sp; X = sp.csc_matrix(X * (np.abs(X) > 1.0))"


def _fresh(name, n, p, alpha, extra="", sparse=False):
    sparsify = _SPARSIFY if sparse else ""
    code = _FRESH.format(
        name=name, n=n, p=p, alpha=alpha, extra=extra, sparsify=sparsify
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_importing_sklreg_does_not_import_numba():
    code = (
        "import sys, sklreg, sklreg.linear_model; from sklreg import Lasso, "
        "LassoCV, LogisticRegression, Ridge, MultiTaskLasso; "
        "print('numba' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


@built
@pytest.mark.parametrize(
    "name, n, p, alpha, extra",
    [
        ("Lasso", 100, 50, 0.01, ""),  # the Gram form (n > p)
        ("Lasso", 60, 400, 0.05, ""),  # columns (p > n)
        ("ElasticNet", 80, 120, 0.02, ", l1_ratio=0.3"),
        ("Lasso", 100, 50, 0.01, ", fit_intercept=False"),
        ("Lasso", 200, 80, 0.01, "sparse"),  # CSC, centred implicitly
    ],
)
def test_small_fit_in_a_fresh_process_runs_without_numba(name, n, p, alpha, extra):
    # scikit-learn's answers and n_iter_, with numba never imported
    sparse = extra == "sparse"
    res = _fresh(name, n, p, alpha, "" if sparse else extra, sparse)
    assert res["numba"] is False
    rng = np.random.RandomState(0)
    X = rng.randn(n, p)
    y = X[:, :5].sum(axis=1) + 0.1 * rng.randn(n)
    if sparse:
        import scipy.sparse as sp

        X = sp.csc_matrix(X * (np.abs(X) > 1.0))
    Sk = SkLasso if name == "Lasso" else SkElasticNet
    kwargs = {"l1_ratio": 0.3} if "l1_ratio" in extra else {}
    if "fit_intercept" in extra:
        kwargs["fit_intercept"] = False
    sk = Sk(alpha=alpha, **kwargs).fit(X, y)
    np.testing.assert_allclose(res["coef"], sk.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(res["intercept"], sk.intercept_, rtol=1e-6, atol=1e-8)
    assert res["n_iter"] == sk.n_iter_


@built
def test_a_fit_beyond_the_exports_imports_numba_on_demand():
    # float32 data is not exported: the fit imports numba and gives the
    # float64 fit's answer to float32 precision
    res = _fresh("Lasso", 60, 30, 0.01, "")
    assert res["numba"] is False
    code = _FRESH.replace(
        ".fit(X, y)", ".fit(X.astype(np.float32), y.astype(np.float32))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code.format(name="Lasso", n=60, p=30, alpha=0.01,
                                           extra="", sparsify="")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    res32 = json.loads(out.stdout)
    assert res32["numba"] is True
    np.testing.assert_allclose(res32["coef"], res["coef"], rtol=1e-3, atol=1e-4)


class _Recording:
    """The extension, recording a copy of every call's arguments."""

    def __init__(self, module):
        self.module = module
        self.calls = []

    def __getattr__(self, name):
        def call(*args):
            self.calls.append((name, [_copy(a) for a in args]))
            return getattr(self.module, name)(*args)

        return call


def _same(a, b):
    # to the bit: the extension is compiled for the JIT's CPU and features,
    # and threads (numba) must give what the main thread (extension) gives
    if isinstance(a, tuple):
        for x, y in zip(a, b, strict=True):
            _same(x, y)
    else:
        np.testing.assert_array_equal(a, b)


@built
def test_fits_calls_replayed_on_numba_give_the_same_bits(monkeypatch):
    # every export a LogisticRegression fit calls (binary L2 and L1, the
    # multinomial), replayed on copies of its real arguments: the numba
    # kernel returns and writes the same
    from sklearn.datasets import make_classification

    from sklreg import LogisticRegression

    recording = _Recording(_aot._module)
    monkeypatch.setattr(_aot, "_module", recording)
    X, y = make_classification(120, 15, random_state=0)
    LogisticRegression(C=0.5).fit(X, y)
    LogisticRegression(C=0.5, l1_ratio=1.0).fit(X, y)
    X3, y3 = make_classification(150, 12, n_informative=6, n_classes=3, random_state=1)
    LogisticRegression().fit(X3, y3)
    # and squared-loss fits: dense columns, Gram, CSC (int32), elastic net
    import scipy.sparse as sp

    from sklreg import ElasticNet, Lasso

    Lasso(alpha=0.01).fit(X3, y3.astype(float))
    Lasso(alpha=0.001, precompute=True).fit(X3, y3.astype(float))
    ElasticNet(alpha=0.01, l1_ratio=0.3).fit(X[:40], y[:40].astype(float))
    Xs = sp.csc_matrix(X * (np.abs(X) > 1.0))
    Lasso(alpha=0.001).fit(Xs, y.astype(float))
    names = {name for name, _ in recording.calls}
    logistic = {n for n, (m, _, _) in _aot.EXPORTS.items() if m == "_kernels_logistic"}
    assert logistic - {"best_common_shift"} <= names, logistic - names
    for name, args in recording.calls:
        ours_args = [_copy(a) for a in args]
        ref_args = [_copy(a) for a in args]
        ours = getattr(_aot._module.module, name)(*ours_args)
        ref = _jit(name)(*ref_args)
        _same(ours, ref)
        for a, b in zip(ours_args, ref_args, strict=True):
            if isinstance(a, np.ndarray):
                np.testing.assert_array_equal(a, b)


@built
def test_logistic_fit_in_a_fresh_process_runs_without_numba():
    code = """
import json, sys
from sklearn.datasets import make_classification
from sklreg import LogisticRegression
X, y = make_classification(200, 20, n_informative=5, n_classes=3, random_state=0)
est = LogisticRegression(C=0.3, l1_ratio=0.5).fit(X, y)
print(json.dumps({"numba": "numba" in sys.modules, "coef": est.coef_.tolist()}))
"""
    runs = []
    for flag in ("1", "0"):
        env = dict(os.environ, SKLREG_AOT=flag)
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True,
            check=True, env=env,
        )  # fmt: skip
        runs.append(json.loads(out.stdout))
    assert runs[0]["numba"] is False and runs[1]["numba"] is True
    np.testing.assert_allclose(runs[0]["coef"], runs[1]["coef"], rtol=1e-9, atol=1e-12)
