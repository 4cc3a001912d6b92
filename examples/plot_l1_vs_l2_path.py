"""L1 selects features, L2 only shrinks: Lasso and Ridge paths on diabetes.

As the regularization strength ``alpha`` grows, the Lasso (L1 penalty) sets
coefficients to exactly zero one after another, until all ten are zero at
``alpha_max = max|X^T y| / n_samples``.  Ridge (L2 penalty) pulls every
coefficient towards zero but never reaches it: its count of zeros stays 0.
(The Lasso path need not be monotone: on diabetes a feature leaves and comes
back once, in scikit-learn's solution just as in sklreg's.)

The table prints, for each alpha (increasing), how many of the ten
coefficients are exactly zero; the figure shows both paths side by side.
"""

import sys
from pathlib import Path

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import parse_args, save_figure

import sklreg


def lasso_coef_path(X, y, alphas):
    """Lasso coefficients, shape ``(n_features, n_alphas)``, for ``alphas``.

    Uses :func:`sklreg.lasso_path` when sklreg has it, else fits
    :class:`sklreg.Lasso` from the largest alpha down with warm starts (each
    solution starts the next fit: the way a path solver works).
    """
    lasso_path = getattr(sklreg, "lasso_path", None)
    if lasso_path is not None:
        path_alphas, coefs, *_ = lasso_path(X, y, alphas=alphas)
        order = np.argsort(path_alphas)
        assert np.allclose(np.asarray(path_alphas)[order], np.sort(alphas))
        return np.asarray(coefs)[:, order]
    model = sklreg.Lasso(warm_start=True, fit_intercept=False, max_iter=10_000)
    coefs = np.empty((X.shape[1], len(alphas)))
    for i in np.argsort(alphas)[::-1]:
        model.set_params(alpha=alphas[i]).fit(X, y)
        coefs[:, i] = model.coef_
    return coefs


def ridge_coef_path(X, y, alphas):
    """Ridge coefficients, shape ``(n_features, n_alphas)``, for ``alphas``."""
    model = sklreg.Ridge(fit_intercept=False)
    return np.column_stack([model.set_params(alpha=a).fit(X, y).coef_ for a in alphas])


def plot_paths(lasso_alphas, lasso_coefs, ridge_alphas, ridge_coefs, names):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_l1, ax_l2) = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for ax, alphas, coefs, title in (
        (ax_l1, lasso_alphas, lasso_coefs, "Lasso (L1): coefficients hit zero"),
        (ax_l2, ridge_alphas, ridge_coefs, "Ridge (L2): coefficients only shrink"),
    ):
        for coef, name in zip(coefs, names, strict=True):
            ax.plot(alphas, coef, label=name)
        ax.set_xscale("log")
        ax.axhline(0.0, color="black", linewidth=0.5)
        ax.set_xlabel("alpha")
        ax.set_title(title)
    ax_l1.set_ylabel("coefficient (standardized features)")
    ax_l2.legend(loc="upper right", fontsize="small", ncol=2)
    fig.tight_layout()
    return fig


def main(argv=None):
    args = parse_args(__doc__.splitlines()[0], argv)
    data = load_diabetes()
    X = StandardScaler().fit_transform(data.data)
    y = data.target - data.target.mean()
    n_alphas = 12 if args.fast else 40

    alpha_max = np.max(np.abs(X.T @ y)) / len(y)
    lasso_alphas = np.geomspace(alpha_max * 1e-3, alpha_max, n_alphas)
    ridge_alphas = np.geomspace(1e-2, 1e5, n_alphas)
    lasso_coefs = lasso_coef_path(X, y, lasso_alphas)
    ridge_coefs = ridge_coef_path(X, y, ridge_alphas)
    lasso_zeros = np.sum(lasso_coefs == 0.0, axis=0)
    ridge_zeros = np.sum(ridge_coefs == 0.0, axis=0)

    print(f"diabetes: {X.shape[0]} samples, {X.shape[1]} standardized features")
    print(f"alpha_max (smallest alpha with an all-zero Lasso) = {alpha_max:.4g}\n")
    header = (
        "lasso alpha",
        "lasso zeros",
        "ridge alpha",
        "ridge zeros",
        "ridge coef norm",
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("-" * (len(h) + 2) for h in header) + "|")
    for i in range(n_alphas):
        cells = (
            f"{lasso_alphas[i]:.4g}",
            f"{lasso_zeros[i]}",
            f"{ridge_alphas[i]:.4g}",
            f"{ridge_zeros[i]}",
            f"{np.linalg.norm(ridge_coefs[:, i]):.4g}",
        )
        row = " | ".join(c.rjust(len(h)) for c, h in zip(cells, header, strict=True))
        print(f"| {row} |")
    print(
        f"\nL1 zeroed {lasso_zeros[0]} -> {lasso_zeros[-1]} of {X.shape[1]} features;"
        f" L2 zeroed at most {ridge_zeros.max()}."
    )

    fig = plot_paths(
        lasso_alphas, lasso_coefs, ridge_alphas, ridge_coefs, data.feature_names
    )
    save_figure(fig, args.output_dir, "l1_vs_l2_path.png")


if __name__ == "__main__":
    main()
