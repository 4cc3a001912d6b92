"""L1 against L2 logistic regression: exact zeros (feature selection) or shrinkage.

The lesson of ``plot_l1_vs_l2_path.py``, on a classifier.  On the breast
cancer data (30 standardised features), logistic regression is fitted along
a grid of ``C`` (the inverse regularisation strength) with each penalty, by
:func:`sklreg.logistic_path` (warm-started fits, from the most penalised
model to the least):

* the L1 penalty (``l1_ratio=1``) sets coefficients *exactly* to zero: at the
  smallest ``C`` of the grid, ``1 / lambda_max``, every coefficient is zero,
  and features enter one by one as ``C`` grows.  It selects features;
* the L2 penalty (``l1_ratio=0``) only shrinks: every coefficient is non-zero
  at every ``C``, however small.

For each ``C`` the script prints the number of zero coefficients and the test
accuracy of both models; the figure shows both paths and the accuracies.
"""

import sys
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import parse_args, save_figure

import sklreg

# tight enough that the zero counts and accuracies are those of the exact
# solutions (the test compares them with scikit-learn's at a tight tol)
TOL = 1e-10


def breast_cancer_split():
    """Standardised train/test split of the breast cancer data (0/1 labels)."""
    data = load_breast_cancer()
    X_train, X_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=0.3, stratify=data.target, random_state=0
    )
    scaler = StandardScaler().fit(X_train)
    return (
        scaler.transform(X_train),
        scaler.transform(X_test),
        y_train,
        y_test,
        data.feature_names,
    )


def c_grid(X, y, fast=False):
    """``C`` from ``1 / lambda_max`` (the L1 model is all zeros) up 1000 times.

    ``lambda_max = ||X^T (y - mean(y))||_inf``: below ``C = 1 / lambda_max``
    zero is the L1 solution (with a free intercept).
    """
    c_min = 1.0 / np.max(np.abs(X.T @ (y - y.mean())))
    return c_min * np.geomspace(1.0, 1e3, 8 if fast else 25)


def accuracy(coef, X, y):
    """Test accuracy of a path column ``coef`` (intercept last)."""
    decision = X @ coef[:-1] + coef[-1]
    return float(np.mean((decision > 0) == (y == 1)))


def plot_paths(Cs, paths, accuracies, feature_names):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    for ax, (name, coefs) in zip(axes[:2], paths.items(), strict=True):
        ax.semilogx(Cs, coefs[:, :-1], lw=1)
        ax.axhline(0.0, color="k", lw=0.5)
        ax.set_xlabel("C (inverse regularisation strength)")
        ax.set_ylabel("coefficient")
        zeros = np.sum(coefs[:, :-1] == 0, axis=1)
        if zeros.any():
            ax.set_title(f"{name}: {zeros[0]} to {zeros[-1]} zero coefficients")
        else:
            ax.set_title(f"{name}: no exact zero at any C")
    for name, acc in accuracies.items():
        axes[2].semilogx(Cs, acc, marker="o", ms=3, label=name)
    axes[2].set_xlabel("C")
    axes[2].set_ylabel("test accuracy")
    axes[2].legend()
    axes[2].set_title(f"breast cancer, {len(feature_names)} features")
    fig.tight_layout()
    return fig


def main(argv=None):
    args = parse_args(__doc__.splitlines()[0], argv)
    X_train, X_test, y_train, y_test, feature_names = breast_cancer_split()
    Cs = c_grid(X_train, y_train, fast=args.fast)
    paths, accuracies = {}, {}
    for name, l1_ratio in (("L1", 1.0), ("L2", 0.0)):
        coefs, _, _, _ = sklreg.logistic_path(
            X_train, y_train, Cs=Cs, l1_ratio=l1_ratio, tol=TOL, max_iter=1000
        )
        paths[name] = coefs
        accuracies[name] = [accuracy(c, X_test, y_test) for c in coefs]

    print(
        f"data: breast cancer, {X_train.shape[0]} train / {X_test.shape[0]} test "
        f"samples, {X_train.shape[1]} standardised features"
    )
    print(f"C_min (1 / lambda_max, all-zero L1 model) = {Cs[0]:.6g}")
    print("| C | L1 zeros | L1 test accuracy | L2 zeros | L2 test accuracy |")
    print("| --- | --- | --- | --- | --- |")
    for i, C in enumerate(Cs):
        l1_zeros = int(np.sum(paths["L1"][i, :-1] == 0))
        l2_zeros = int(np.sum(paths["L2"][i, :-1] == 0))
        print(
            f"| {C:.6g} | {l1_zeros} | {accuracies['L1'][i]:.3f} | {l2_zeros} "
            f"| {accuracies['L2'][i]:.3f} |"
        )
    best = int(np.argmax(accuracies["L1"]))
    kept = np.flatnonzero(paths["L1"][best, :-1])
    print(
        f"best L1 model: C = {Cs[best]:.4g}, {kept.size} features kept: "
        + ", ".join(feature_names[kept])
    )

    fig = plot_paths(Cs, paths, accuracies, feature_names)
    save_figure(fig, args.output_dir, "sparse_logistic.png")


if __name__ == "__main__":
    main()
