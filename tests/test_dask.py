"""Grid searches on a real ``dask.distributed`` cluster give the local results.

A ``LocalCluster`` of two single-threaded worker processes on 127.0.0.1 runs
the fits of ``GridSearchCV`` through joblib's Dask backend; the
cross-validation scores must be exactly those of a local, sequential run.  The
workers are fresh processes, so they also show whether numba's on-disk cache
spares them a recompile of the coordinate-descent kernels.
"""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_diabetes, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import sklreg

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def test_cluster_has_two_worker_processes(client):
    workers = client.scheduler_info()["workers"]
    assert len(workers) == 2
    assert all(info["nthreads"] == 1 for info in workers.values())
    pids = client.run(lambda: __import__("os").getpid())
    assert len(set(pids.values())) == 2
    assert __import__("os").getpid() not in pids.values()


def test_score_arrays_compared_are_the_test_scores():
    search = GridSearchCV(sklreg.Ridge(), {"alpha": [0.1, 1.0]}, cv=3)
    search.fit(*load_diabetes(return_X_y=True))
    assert set(_test_scores(search)) == {
        "mean_test_score",
        "split0_test_score",
        "split1_test_score",
        "split2_test_score",
    }


def _test_scores(search):
    return {
        key: np.asarray(value)
        for key, value in search.cv_results_.items()
        if key == "mean_test_score" or (key.startswith("split") and "_test_" in key)
    }


def _fit_local_and_on_dask(search, X, y):
    local, remote = clone(search).set_params(n_jobs=1), clone(search)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        local.fit(X, y)
        with joblib.parallel_backend("dask"):
            remote.set_params(n_jobs=-1).fit(X, y)
    return local, remote


def _assert_same_scores(local, remote):
    local_scores, remote_scores = _test_scores(local), _test_scores(remote)
    assert local_scores.keys() == remote_scores.keys()
    for key in local_scores:
        # exact: the same deterministic fits, only on other processes
        np.testing.assert_array_equal(remote_scores[key], local_scores[key], key)
    assert remote.best_params_ == local.best_params_


def _kernel_cache_stats():
    """Per numba kernel used in this process: ``(cache hits, cache misses)``.

    Defined inside a function so cloudpickle ships it by value to the workers.
    """

    def stats():
        import sys

        from numba.core.registry import CPUDispatcher

        result = {}
        for module_name, module in list(sys.modules.items()):
            if not module_name.startswith("sklreg") or module is None:
                continue
            for name, obj in vars(module).items():
                if isinstance(obj, CPUDispatcher) and obj.signatures:
                    s = obj.stats
                    key = f"{obj.py_func.__module__}.{name}"
                    result[key] = (
                        sum(s.cache_hits.values()),
                        sum(s.cache_misses.values()),
                    )
        return result

    return stats


def test_lasso_pipeline_search_on_dask_equals_local(client):
    X, y = load_diabetes(return_X_y=True)
    pipe = Pipeline([("scale", StandardScaler()), ("lasso", sklreg.Lasso())])
    search = GridSearchCV(
        pipe,
        {"lasso__alpha": np.logspace(-3, 1, 8), "lasso__fit_intercept": [True]},
        cv=KFold(4, shuffle=True, random_state=0),
    )
    local, remote = _fit_local_and_on_dask(search, X, y)
    _assert_same_scores(local, remote)
    assert np.all(np.isfinite(local.cv_results_["mean_test_score"]))
    assert local.best_score_ > 0.4  # R^2 on diabetes
    # the fits did run on the workers: they hold the kernels now
    used = client.run(_kernel_cache_stats())
    assert any(used.values()), used


def test_numba_cache_spares_each_worker_a_recompile(client):
    """Each worker fits a Lasso (dense, Gram and sparse) and loads, not compiles.

    ``Dispatcher.stats`` counts, per kernel, the signatures loaded from numba's
    on-disk cache (hits) and those compiled (misses).  The parent process fits
    the same problems first, so the cache is written even if the kernels'
    source changed since the last run.
    """

    def fit_lassos():
        import numpy as np
        import scipy.sparse as sp

        import sklreg

        rng = np.random.RandomState(0)
        X = rng.randn(60, 200)  # wide: the non-Gram dense kernel
        X[rng.rand(*X.shape) < 0.7] = 0.0
        y = X[:, :5] @ np.arange(1.0, 6.0) + 0.1 * rng.randn(60)
        X_tall = rng.randn(300, 8)  # tall: the Gram kernel
        y_tall = X_tall @ np.arange(8.0)
        Lasso = sklreg.Lasso
        return [
            Lasso(alpha=0.1).fit(X, y).coef_,
            Lasso(alpha=0.1).fit(sp.csc_matrix(X), y).coef_,
            Lasso(alpha=0.1).fit(X_tall, y_tall).coef_,
        ]

    here = fit_lassos()  # here: writes the cache if it is stale
    on_workers = client.run(fit_lassos)
    for coefs in on_workers.values():  # the cached kernels compute the same
        for got, expected in zip(coefs, here, strict=True):
            np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)
    stats = client.run(_kernel_cache_stats())
    assert len(stats) == 2
    for worker, kernels in stats.items():
        assert kernels, f"{worker} used no numba kernel"
        compiled = {name: s for name, s in kernels.items() if s[1] > 0}
        assert not compiled, f"{worker} recompiled {compiled}"
        assert sum(hits for hits, _ in kernels.values()) >= 3, kernels
    # (the time it saves, several seconds per fresh process, is measured in
    # benchmarks/, never asserted here: the counters are the test)


def test_mlp_search_on_dask_equals_local(client):
    try:
        MLPClassifier = sklreg.MLPClassifier
    except ImportError as exc:  # the nn extra (torch, skorch) is missing
        pytest.skip(f"MLPClassifier unavailable: {exc}")
    X, y = load_digits(return_X_y=True)
    X, y = X[:360], y[:360]
    mlp = MLPClassifier(
        hidden_layer_sizes=(16,),
        max_iter=4,
        batch_size=64,
        learning_rate_init=1e-2,
        random_state=0,
    )
    pipe = Pipeline([("scale", StandardScaler()), ("mlp", mlp)])
    search = GridSearchCV(
        pipe,
        {"mlp__alpha": [1e-4, 1e-2], "mlp__dropout_p": [0.0, 0.3]},
        cv=StratifiedKFold(2, shuffle=True, random_state=0),
    )
    local, remote = _fit_local_and_on_dask(search, X, y)
    _assert_same_scores(local, remote)
    assert local.best_score_ > 0.5  # accuracy, 10 classes
