"""Regularizing a regression network: L2, L1 (exact zeros), dropout, batch norm.

The seed's penalties, ``MSE(w) + a * sum|w_i|`` and ``MSE(w) + a * sum w_i^2``,
on :class:`sklreg.MLPRegressor`.  A wide network trained on few noisy samples
of a non-linear function (Friedman #1 with 20 extra noise features) fits the
training set much better than held-out data; each regularizer narrows that
gap.  L1 (``l1_ratio=1``) also sets weights exactly to zero (most of them,
with the strength used here); the second panel shows the L1 norm of each
input's first-layer weights, without and with the L1 penalty.  scikit-learn's
``MLPRegressor`` with the same architecture and the same defaults is the
unregularized reference.

Each configuration is trained epoch by epoch (``partial_fit``) so that the
held-out R² is recorded after every epoch.  The script prints one table and
saves the curves to ``OUTPUT_DIR/mlp_regression.png``.

Run: ``python examples/plot_mlp_regression.py [--fast] [--output-dir DIR]``.
"""

import time
import warnings
from pathlib import Path

import numpy as np
from _common import make_parser
from sklearn.datasets import make_friedman1
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor as SklearnMLPRegressor
from sklearn.preprocessing import StandardScaler

from sklreg import MLPRegressor

N_INFORMATIVE = 5  # Friedman #1 uses the first five features

BATCH = 32
# The seed's penalties with strength a, per batch of BATCH rows (see the
# MLPRegressor docstring): MSE + a*sum(w^2) is alpha = a * BATCH with
# l1_ratio=0, MSE + a*sum|w| is alpha = a * BATCH / 2 with l1_ratio=1.
A_L2, A_L1 = 0.01, 0.002
CONFIGS = {
    "no regularization": dict(alpha=0.0),
    f"L2 (a={A_L2})": dict(alpha=A_L2 * BATCH),
    f"L1 (a={A_L1})": dict(alpha=A_L1 * BATCH / 2, l1_ratio=1.0),
    "dropout 0.3": dict(alpha=0.0, dropout_p=0.3),
    "batch norm + dropout 0.3": dict(alpha=0.0, dropout_p=0.3, batch_norm=True),
}


def load_data(n_train, n_features, seed=0):
    X, y = make_friedman1(n_train + 2000, n_features=n_features, noise=1.0,
                          random_state=seed)  # fmt: skip
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, train_size=n_train, random_state=seed
    )
    scaler = StandardScaler().fit(X_train)
    mu, sd = y_train.mean(), y_train.std()
    return (
        scaler.transform(X_train),
        scaler.transform(X_test),
        (y_train - mu) / sd,
        (y_test - mu) / sd,
    )


def train_curves(params, data, hidden, epochs, batch_size, seed=0):
    """Train epoch by epoch; the per-epoch held-out R² and the model."""
    X_train, X_test, y_train, y_test = data
    reg = MLPRegressor(
        hidden_layer_sizes=hidden,
        batch_size=batch_size,
        learning_rate_init=1e-3,
        random_state=seed,
        **params,
    )
    curve = []
    for _ in range(epochs):
        reg.partial_fit(X_train, y_train)
        curve.append(reg.score(X_test, y_test))
    return curve, reg


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    for name, (curve, _) in results.items():
        axes[0].plot(np.arange(1, len(curve) + 1), curve, label=name)
    axes[0].set(xlabel="epoch", ylabel="held-out R²", title="held-out R² per epoch")
    axes[0].set_ylim(bottom=max(-0.5, axes[0].get_ylim()[0]))
    axes[0].legend(fontsize=8)
    width = 0.4
    for shift, name in [
        (-width / 2, "no regularization"),
        (width / 2, f"L1 (a={A_L1})"),
    ]:
        W1 = np.abs(results[name][1].coefs_[0])
        norms = W1.sum(1) / W1.sum()
        axes[1].bar(np.arange(len(norms)) + shift, norms, width, label=name)
    axes[1].axvline(N_INFORMATIVE - 0.5, color="k", ls="--", lw=1)
    axes[1].set(
        xlabel="input feature (left of the line: informative)",
        ylabel="share of the first layer's L1 norm",
        title="first-layer weights of each input",
    )
    axes[1].legend(fontsize=8)
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    args = make_parser(__doc__.splitlines()[0]).parse_args(argv)
    if args.fast:
        n_train, n_features, hidden, epochs = 150, 15, (64, 64), 25
    else:
        n_train, n_features, hidden, epochs = 200, 25, (256, 256), 300
    batch_size = BATCH
    data = load_data(n_train, n_features)
    X_train, X_test, y_train, y_test = data
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # no convergence warnings per epoch
        results = {
            name: train_curves(params, data, hidden, epochs, batch_size)
            for name, params in CONFIGS.items()
        }
        ref = SklearnMLPRegressor(
            hidden_layer_sizes=hidden,
            batch_size=batch_size,
            alpha=0.0,
            max_iter=epochs,
            n_iter_no_change=epochs,
            random_state=0,
        ).fit(X_train, y_train)

    print(
        f"{len(y_train)} training / {len(y_test)} held-out samples, {n_features} "
        f"features ({N_INFORMATIVE} informative); hidden layers {hidden}, batch "
        f"{batch_size}, Adam (lr 1e-3), {epochs} epochs"
    )
    print()
    print(
        "| configuration | train R² | held-out R² | gap (R²) "
        "| zero weights | zero weights on noise inputs |"
    )
    print("|---|---|---|---|---|---|")
    rows = [(name, reg) for name, (_, reg) in results.items()]
    rows.append(("scikit-learn, no regularization", ref))
    for name, reg in rows:
        train, test = reg.score(X_train, y_train), reg.score(X_test, y_test)
        weights = np.concatenate([W.ravel() for W in reg.coefs_])
        noise_rows = reg.coefs_[0][N_INFORMATIVE:]
        print(
            f"| {name} | {train:.3f} | {test:.3f} | {train - test:.3f} | "
            f"{np.mean(weights == 0):.3f} | {np.mean(noise_rows == 0):.3f} |"
        )
    print()
    print(f"trained in {time.perf_counter() - start:.1f} s")

    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "mlp_regression.png"
    plot(results, path)
    print(f"saved {path}")


if __name__ == "__main__":
    main()
