"""Per-epoch training time of sklreg's MLP estimators against a plain PyTorch loop.

Setting (issues 4 and 12): 20000 x 100 float32 data, 10 classes, hidden layers
(256, 256), batch 128, Adam, a whole ``fit`` of 4 epochs (set-up, tensors and
the module build included).  Contenders:

* ``sklreg``: ``MLPClassifier(dropout_p=0.2, batch_norm=True)`` (default
  ``alpha=1e-4``: the L2 penalty is in the loss);
* ``torch loop``: the same module (Linear -> BatchNorm1d -> ReLU -> Dropout,
  twice, then Linear), Adam, the same L2 term, batches sliced out of one
  tensor with a fresh ``randperm`` per epoch -- the floor any wrapper pays;
* ``skorch default``: ``skorch.NeuralNetClassifier`` on the same module with
  its default ``DataLoader`` (per-sample collation) and no validation split;
* ``sklearn``: ``sklearn.neural_network.MLPClassifier`` on the same
  architecture *without* dropout and batch norm (it has neither).

Every contender runs under the same thread limits (threadpoolctl for BLAS and
OpenMP, ``torch.set_num_threads``, set here and only here).  Each round runs
every contender once, in a rotated order; the report gives the median
seconds per epoch and the median over rounds of the per-round ratios, which
cancels most of the drift of a shared machine.  Times are wall-clock and
process CPU time per epoch of a whole ``fit`` (setup included); on a busy
machine the CPU time, which does not count time spent descheduled, is the
steadier of the two.

A second table (unless ``--no-regressor``) times ``sklreg.MLPRegressor``
against ``sklearn.neural_network.MLPRegressor`` on the same architecture
(256, 256), without dropout and batch norm (scikit-learn has neither), on a
20000 x 100 regression problem, in the same interleaved rounds; it also
reports each side's final training loss and test R².

Run: ``python benchmarks/bench_mlp.py [--rounds 5] [--epochs 4] [--threads 1]``;
``--quick`` (5000 samples, 2 rounds, no skorch) runs in well under a minute.
"""

import argparse
import json
import os
import platform
import time
import warnings

import numpy as np
import torch
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SklearnMLP
from sklearn.neural_network import MLPRegressor as SklearnMLPRegressor
from threadpoolctl import threadpool_limits
from torch import nn
from torch.nn import functional as F

from sklreg import MLPClassifier, MLPRegressor

HIDDEN = (256, 256)
BATCH = 128
ALPHA = 1e-4
LR = 1e-3


def make_data(n_samples, n_features=100, n_classes=10, seed=0):
    X, y = make_classification(
        n_samples,
        n_features,
        n_informative=50,
        n_redundant=10,
        n_classes=n_classes,
        random_state=seed,
    )
    return X.astype(np.float32), y


def make_module(n_features, n_classes, dropout_p=0.2):
    layers, fan_in = [], n_features
    for width in HIDDEN:
        layers += [
            nn.Linear(fan_in, width),
            nn.BatchNorm1d(width),
            nn.ReLU(),
            nn.Dropout(dropout_p),
        ]
        fan_in = width
    layers.append(nn.Linear(fan_in, n_classes))
    return nn.Sequential(*layers)


def run_sklreg(X, y, epochs, seed):
    clf = MLPClassifier(
        hidden_layer_sizes=HIDDEN,
        dropout_p=0.2,
        batch_norm=True,
        batch_size=BATCH,
        solver="adam",
        alpha=ALPHA,
        learning_rate_init=LR,
        max_iter=epochs,
        n_iter_no_change=10**6,
        random_state=seed,
    )
    clf.fit(X, y)
    return clf.loss_curve_[-1]


def run_torch_loop(X, y, epochs, seed):
    torch.manual_seed(seed)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
    model = make_module(X.shape[1], int(y.max()) + 1)
    weights = [m.weight for m in model if isinstance(m, nn.Linear)]
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    model.train()
    n = len(Xt)
    for _ in range(epochs):
        order = torch.randperm(n)
        total = 0.0
        for i in range(0, n, BATCH):
            idx = order[i : i + BATCH]
            xb, yb = Xt[idx], yt[idx]
            optimizer.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss = loss + 0.5 * ALPHA * sum((w * w).sum() for w in weights) / len(idx)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
    return total / n


def run_skorch_default(X, y, epochs, seed):
    from skorch import NeuralNetClassifier

    torch.manual_seed(seed)
    net = NeuralNetClassifier(
        make_module(X.shape[1], int(y.max()) + 1),
        criterion=nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=LR,
        batch_size=BATCH,
        max_epochs=epochs,
        train_split=None,
        iterator_train__shuffle=True,
        verbose=0,
    )
    net.fit(X, y.astype(np.int64))
    return net.history[-1, "train_loss"]


def run_sklearn(X, y, epochs, seed):
    clf = SklearnMLP(
        hidden_layer_sizes=HIDDEN,
        batch_size=BATCH,
        solver="adam",
        alpha=ALPHA,
        learning_rate_init=LR,
        max_iter=epochs,
        n_iter_no_change=10**6,
        random_state=seed,
    )
    clf.fit(X, y)
    return clf.loss_curve_[-1]


def make_regression_data(n_samples, n_features=100, seed=0):
    X, y = make_regression(
        n_samples + 2000, n_features, n_informative=50, noise=10.0, random_state=seed
    )
    # a non-linear target, standardized
    y = np.tanh(y / y.std()) + 0.1 * np.sin(X[:, 0] * 3)
    y = (y - y.mean()) / y.std()
    X = X.astype(np.float32)
    return X[:n_samples], y[:n_samples], X[n_samples:], y[n_samples:]


def _regressor_kw(epochs, seed):
    return dict(
        hidden_layer_sizes=HIDDEN,
        batch_size=BATCH,
        solver="adam",
        alpha=ALPHA,
        learning_rate_init=LR,
        max_iter=epochs,
        n_iter_no_change=10**6,
        random_state=seed,
    )


def run_sklreg_regressor(X, y, epochs, seed):
    return MLPRegressor(**_regressor_kw(epochs, seed)).fit(X, y)


def run_sklearn_regressor(X, y, epochs, seed):
    return SklearnMLPRegressor(**_regressor_kw(epochs, seed)).fit(X, y)


REGRESSORS = {
    "sklreg MLPRegressor": run_sklreg_regressor,
    "sklearn MLPRegressor": run_sklearn_regressor,
}


CONTENDERS = {
    "sklreg": run_sklreg,
    "torch loop": run_torch_loop,
    "skorch default": run_skorch_default,
    "sklearn (no dropout/BN)": run_sklearn,
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=4, help="epochs per run")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--no-skorch", action="store_true")
    parser.add_argument("--no-regressor", action="store_true")
    parser.add_argument(
        "--quick", action="store_true", help="5000 samples, 2 rounds, no skorch"
    )
    parser.add_argument("--json", help="write the raw timings here")
    args = parser.parse_args(argv)
    if args.quick:
        args.n_samples = min(args.n_samples, 5000)
        args.rounds = min(args.rounds, 2)
        args.no_skorch = True

    contenders = dict(CONTENDERS)
    if args.no_skorch:
        del contenders["skorch default"]
    X, y = make_data(args.n_samples)
    names = list(contenders)
    times = {name: [] for name in names}
    cpu_times = {name: [] for name in names}
    losses = {name: [] for name in names}

    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    load_before = os.getloadavg()
    torch.set_num_threads(args.threads)
    with threadpool_limits(limits=args.threads):
        # warm-up: first-call costs (imports, allocator, kernels)
        small = slice(0, 2000)
        for name in names:
            contenders[name](X[small], y[small], 1, 0)
        for r in range(args.rounds):
            order = names[r % len(names) :] + names[: r % len(names)]
            for name in order:
                wall, cpu = time.perf_counter(), time.process_time()
                loss = contenders[name](X, y, args.epochs, r)
                times[name].append((time.perf_counter() - wall) / args.epochs)
                cpu_times[name].append((time.process_time() - cpu) / args.epochs)
                losses[name].append(loss)
            print(
                f"round {r + 1}/{args.rounds}: "
                + ", ".join(f"{n} {times[n][-1]:.3f}s" for n in names),
                flush=True,
            )

    load_after = os.getloadavg()
    t = {name: np.array(v) for name, v in times.items()}
    c = {name: np.array(v) for name, v in cpu_times.items()}
    base = "torch loop"
    print()
    print(
        f"{args.n_samples} x {X.shape[1]} float32, 10 classes, hidden {HIDDEN}, "
        f"batch {BATCH}, Adam; {args.threads} threads; {args.rounds} rounds x "
        f"{args.epochs} epochs; torch {torch.__version__}, {os.cpu_count()} CPUs "
        f"{platform.machine()}; load average {load_before[0]:.1f} before, "
        f"{load_after[0]:.1f} after"
    )
    print()
    print(
        "| contender | wall s / epoch | wall ratio to torch loop (IQR) "
        "| CPU s / epoch | CPU ratio to torch loop (IQR) |"
    )
    print("|---|---|---|---|---|")
    for name in names:
        cells = []
        for v in (t, c):
            ratios = v[name] / v[base]
            q1, q3 = np.percentile(ratios, [25, 75])
            cells.append(
                f"{np.median(v[name]):.3f} | {np.median(ratios):.3f} "
                f"({q1:.3f}-{q3:.3f})"
            )
        print(f"| {name} | " + " | ".join(cells) + " |")
    sk = "sklearn (no dropout/BN)"
    print()
    wall_sk, cpu_sk = (np.median(v["sklreg"] / v[sk]) for v in (t, c))
    print(f"sklreg / sklearn (median of rounds): wall {wall_sk:.3f}, CPU {cpu_sk:.3f}")
    print(
        "final training loss (median): "
        + ", ".join(f"{n} {np.median(losses[n]):.3f}" for n in names)
    )
    regression = None if args.no_regressor else bench_regressors(args)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {
                    "wall": times,
                    "cpu": cpu_times,
                    "losses": losses,
                    "args": vars(args),
                    "load": [load_before, load_after],
                    "regression": regression,
                },
                f,
            )


def bench_regressors(args):
    """MLPRegressor against scikit-learn's, interleaved rounds, whole fits."""
    X, y, X_test, y_test = make_regression_data(args.n_samples)
    names = list(REGRESSORS)
    times = {n: [] for n in names}
    losses = {n: [] for n in names}
    r2 = {n: [] for n in names}
    with threadpool_limits(limits=args.threads):
        for name in names:  # warm-up
            REGRESSORS[name](X[:2000], y[:2000], 1, 0)
        for r in range(args.rounds):
            order = names[r % len(names) :] + names[: r % len(names)]
            for name in order:
                wall = time.perf_counter()
                est = REGRESSORS[name](X, y, args.epochs, r)
                times[name].append((time.perf_counter() - wall) / args.epochs)
                losses[name].append(est.loss_curve_[-1])
                r2[name].append(est.score(X_test, y_test))
    t = {n: np.array(v) for n, v in times.items()}
    ratios = t[names[0]] / t[names[1]]
    q1, q3 = np.percentile(ratios, [25, 75])
    print()
    print(
        f"MLPRegressor, {args.n_samples} x {X.shape[1]} float32, hidden {HIDDEN}, "
        f"batch {BATCH}, Adam, no dropout/BN; {args.rounds} rounds x "
        f"{args.epochs} epochs"
    )
    print()
    print("| contender | wall s / epoch | final training loss | test R² |")
    print("|---|---|---|---|")
    for name in names:
        print(
            f"| {name} | {np.median(t[name]):.3f} | {np.median(losses[name]):.4f} "
            f"| {np.median(r2[name]):.4f} |"
        )
    print()
    print(
        f"sklreg / sklearn MLPRegressor (median of rounds): {np.median(ratios):.3f} "
        f"({q1:.3f}-{q3:.3f})"
    )
    return {"wall": times, "losses": losses, "r2": r2}


if __name__ == "__main__":
    main()
