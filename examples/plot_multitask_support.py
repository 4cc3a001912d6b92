"""Joint support recovery: MultiTaskLasso vs independent Lassos, and the adaptive Lasso.

Several targets (tasks) share the same few relevant features, each with its
own weights.  Fitting one Lasso per task selects each task's support on its
own, and noise makes those supports disagree; ``MultiTaskLasso`` penalises
the L2 norm of each feature's coefficients across the tasks, so a feature is
selected for every task or for none.  Both are tuned by cross-validation
(``LassoCV`` per task, ``MultiTaskLassoCV``).

The second part builds the adaptive Lasso with ``penalty_factor``: a first
``LassoCV`` fit gives ``w``, a second one penalises each feature by
``1 / |w_j|`` (features the first fit dropped are excluded, factor ``inf``),
which removes most false positives of the plain Lasso; the same two fits
with ``MultiTaskLassoCV`` (factors ``1 / ||W_j||``) give the adaptive
multi-task Lasso.

The figure shows the support of each method per task (dark: selected).
"""

import sys
from pathlib import Path

import numpy as np
from sklearn.model_selection import KFold

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import parse_args, save_figure

import sklreg


def multitask_problem(fast=False, random_state=0):
    """``X, Y, W`` with ``n_relevant`` features shared by all the tasks."""
    n_samples, n_features, n_tasks, n_relevant = (
        (60, 40, 4, 5) if fast else (100, 150, 8, 8)
    )
    rng = np.random.RandomState(random_state)
    X = rng.randn(n_samples, n_features)
    W = np.zeros((n_features, n_tasks))
    relevant = rng.choice(n_features, n_relevant, replace=False)
    # each task its own weights, some small: the hard case for one Lasso
    W[relevant] = rng.uniform(0.3, 1.5, (n_relevant, n_tasks)) * rng.choice(
        [-1, 1], (n_relevant, n_tasks)
    )
    Y = X @ W + 1.0 * rng.randn(n_samples, n_tasks)
    return X, Y, W


def support_counts(selected, truth):
    """(false positives, false negatives) over the (feature, task) cells."""
    return int(np.sum(selected & ~truth)), int(np.sum(~selected & truth))


def adaptive_lasso(X, y, cv, gamma=1.0):
    """Two LassoCV fits: the second with factors ``1 / |w_j|^gamma``."""
    first = sklreg.LassoCV(cv=cv).fit(X, y)
    with np.errstate(divide="ignore"):
        factors = 1.0 / np.abs(first.coef_) ** gamma  # inf where w_j = 0
    second = sklreg.LassoCV(cv=cv, penalty_factor=factors).fit(X, y)
    return first.coef_, second.coef_


def plot_supports(truth, supports):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(supports) + 1, figsize=(13, 4), sharey=True)
    panels = [("true support", truth), *supports.items()]
    for ax, (title, sel) in zip(axes, panels, strict=True):
        ax.imshow(sel, aspect="auto", cmap="Greys", interpolation="nearest")
        ax.set_title(title, fontsize="small")
        ax.set_xlabel("task")
    axes[0].set_ylabel("feature")
    fig.suptitle("Selected features per task (dark: non-zero coefficient)")
    fig.tight_layout()
    return fig


def main(argv=None):
    args = parse_args(__doc__.splitlines()[0], argv)
    X, Y, W = multitask_problem(fast=args.fast)
    truth = W != 0
    cv = KFold(5, shuffle=True, random_state=0)

    mtl = sklreg.MultiTaskLassoCV(cv=cv).fit(X, Y)
    joint = mtl.coef_.T != 0
    independent = np.column_stack(
        [sklreg.LassoCV(cv=cv).fit(X, Y[:, t]).coef_ != 0 for t in range(Y.shape[1])]
    )
    lasso_cols, adaptive_cols = [], []
    for t in range(Y.shape[1]):
        plain, adaptive = adaptive_lasso(X, Y[:, t], cv)
        lasso_cols.append(plain != 0)
        adaptive_cols.append(adaptive != 0)
    adaptive = np.column_stack(adaptive_cols)
    # the adaptive multi-task Lasso: factors 1 / ||W_j|| from the first fit
    with np.errstate(divide="ignore"):
        factors = 1.0 / np.linalg.norm(mtl.coef_, axis=0)
    mtl2 = sklreg.MultiTaskLassoCV(cv=cv, penalty_factor=factors).fit(X, Y)
    adaptive_joint = mtl2.coef_.T != 0

    print(
        f"data: {X.shape[0]} samples, {X.shape[1]} features, {Y.shape[1]} tasks, "
        f"{int(truth.any(axis=1).sum())} relevant features"
    )
    print(f"MultiTaskLassoCV alpha_ = {mtl.alpha_:.4g}")
    print(
        "| method | false positives | false negatives | wrong features "
        "| same support all tasks |"
    )
    print("| --- | --- | --- | --- | --- |")
    rows = {
        "independent LassoCV": independent,
        "MultiTaskLassoCV": joint,
        "adaptive LassoCV (penalty_factor)": adaptive,
        "adaptive MultiTaskLassoCV": adaptive_joint,
    }
    for name, sel in rows.items():
        fp, fn = support_counts(sel, truth)
        same = bool(np.all(sel.all(axis=1) == sel.any(axis=1)))
        # features selected for some task although irrelevant to all
        wrong = int(np.sum(sel.any(axis=1) & ~truth.any(axis=1)))
        print(f"| {name} | {fp} | {fn} | {wrong} | {same} |")

    fig = plot_supports(truth, rows)
    save_figure(fig, args.output_dir, "multitask_support.png")


if __name__ == "__main__":
    main()
