"""Scale out: the quickstart's grid searches on a Dask cluster, same results.

scikit-learn runs the fits of a grid search through joblib; joblib's ``dask``
backend sends them to the workers of a ``dask.distributed`` cluster, so going
from one machine to many is one ``with`` block::

    with joblib.parallel_backend("dask"):
        search.fit(X, y)

By default this script starts a ``LocalCluster`` of two single-threaded worker
processes on 127.0.0.1; give ``--scheduler tcp://host:8786`` (or set
``DASK_SCHEDULER_ADDRESS``) to use a running cluster instead.  Each search
(Lasso, Ridge, ElasticNet on diabetes; MLPClassifier on digits with ``--mlp``)
is fitted locally first, then on the cluster, and the script checks that the
cross-validation scores agree.  Needs the ``dask`` extra: ``pip install
sklreg[dask]``.
"""

import os
import sys
import time
import warnings
from pathlib import Path

import joblib
import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import make_parser
from quickstart import (
    diabetes_split,
    digits_split,
    linear_searches,
    mlp_search,
    print_table,
    run_search,
)


def score_arrays(cv_results):
    """The test-score arrays of ``cv_results_``: mean and one per split."""
    keys = sorted(
        key
        for key in cv_results
        if key == "mean_test_score" or (key.startswith("split") and "_test_" in key)
    )
    return {key: np.asarray(cv_results[key]) for key in keys}


def compare(local, remote):
    """``(bitwise_equal, max_abs_diff)`` of two searches' test scores."""
    a, b = score_arrays(local.cv_results_), score_arrays(remote.cv_results_)
    assert a.keys() == b.keys()
    identical = all(np.array_equal(a[k], b[k]) for k in a)
    max_diff = max(float(np.max(np.abs(a[k] - b[k]))) for k in a)
    return identical, max_diff


def start_client(scheduler):
    """A ``distributed.Client``: on ``scheduler`` or a new two-worker LocalCluster."""
    from dask.distributed import Client, LocalCluster

    if scheduler:
        print(f"connecting to the Dask scheduler at {scheduler}")
        return Client(scheduler), None
    # One thread per worker process: the fits themselves are single-threaded
    # numba loops, and Dask's nanny pins OMP/MKL/OpenBLAS threads to 1 in
    # each worker (distributed.nanny.pre-spawn-environ) so BLAS calls do not
    # oversubscribe the cores.
    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    print("started a LocalCluster: 2 worker processes x 1 thread on 127.0.0.1")
    return Client(cluster), cluster


def main(argv=None):
    parser = make_parser(__doc__.splitlines()[0])
    parser.add_argument(
        "--scheduler",
        default=os.environ.get("DASK_SCHEDULER_ADDRESS"),
        help="address of a running Dask scheduler (also DASK_SCHEDULER_ADDRESS);"
        " default: start a LocalCluster",
    )
    parser.add_argument(
        "--mlp", action="store_true", help="also run the MLPClassifier search"
    )
    args = parser.parse_args(argv)

    searches = {
        name: (search, diabetes_split())
        for name, search in linear_searches(fast=args.fast, n_jobs=-1).items()
    }
    if args.mlp:
        searches["MLPClassifier"] = (
            mlp_search(fast=args.fast, n_jobs=-1),
            digits_split(args.fast),
        )

    client, cluster = start_client(args.scheduler)
    rows, all_equal = [], True
    try:
        print(f"workers: {len(client.scheduler_info()['workers'])}\n")
        for name, (search, data) in searches.items():
            dataset = "digits" if name == "MLPClassifier" else "diabetes"
            local, remote = search, clone(search)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                start = time.perf_counter()
                local.set_params(n_jobs=1).fit(data[0], data[2])
                local_time = time.perf_counter() - start
                with joblib.parallel_backend("dask"):
                    row = run_search(name, dataset, remote, *data)
            identical, max_diff = compare(local, remote)
            equal = identical or max_diff <= 1e-12
            all_equal &= equal and local.best_params_ == remote.best_params_
            row["local time (s)"] = f"{local_time:.1f}"
            row["equal to local"] = "yes" if identical else f"max diff {max_diff:.1e}"
            rows.append(row)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

    print_table(rows)
    print(f"\ndask results equal local results: {all_equal}")
    if not all_equal:
        sys.exit(1)


if __name__ == "__main__":
    main()
