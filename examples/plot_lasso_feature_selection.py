"""Feature selection with the Lasso: recover the true support of a sparse model.

A synthetic regression problem has many features of which only a few carry
signal.  ``SelectFromModel(Lasso)`` keeps the features the Lasso gives a
non-zero weight, a Ridge refits on them, and a grid search picks the Lasso's
``alpha`` by cross-validation.  Since we know the true support we can print
how well it was recovered: precision (the share of selected features that are
truly informative) and recall (the share of informative features selected).

The figure compares the true coefficients with the Lasso's, marking the
selected features.
"""

import sys
from pathlib import Path

import numpy as np
from sklearn.datasets import make_regression
from sklearn.feature_selection import SelectFromModel
from sklearn.model_selection import GridSearchCV, KFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import parse_args, save_figure

import sklreg


def sparse_problem(fast=False, random_state=0):
    """``X, y, true_coef`` with few informative features among many."""
    n_samples, n_features, n_informative = (150, 40, 5) if fast else (400, 200, 10)
    X, y, coef = make_regression(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=n_informative,
        noise=10.0,
        coef=True,
        shuffle=True,
        random_state=random_state,
    )
    return X, y, coef


def plot_support(true_coef, lasso_coef, selected):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    idx = np.arange(len(true_coef))
    fig, ax = plt.subplots(figsize=(9, 3.5))
    ax.vlines(idx, 0, true_coef, color="tab:gray", linewidth=3, label="true coef")
    ax.plot(idx, lasso_coef, "o", color="tab:blue", markersize=3, label="Lasso coef")
    ax.plot(
        idx[selected],
        lasso_coef[selected],
        "o",
        markerfacecolor="none",
        markeredgecolor="tab:red",
        markersize=8,
        label="selected",
    )
    ax.axhline(0.0, color="black", linewidth=0.5)
    ax.set_xlabel("feature index")
    ax.set_ylabel("coefficient")
    ax.set_title("SelectFromModel(Lasso): selected features vs the true support")
    ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    return fig


def main(argv=None):
    args = parse_args(__doc__.splitlines()[0], argv)
    X, y, true_coef = sparse_problem(fast=args.fast)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0
    )
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("select", SelectFromModel(sklreg.Lasso(max_iter=10_000))),
            ("model", sklreg.Ridge(alpha=1e-3)),
        ]
    )
    # Lasso alphas relative to alpha_max, the smallest alpha with no feature
    Xs = StandardScaler().fit_transform(X_train)
    alpha_max = np.max(np.abs(Xs.T @ (y_train - y_train.mean()))) / len(y_train)
    alphas = alpha_max * np.geomspace(1e-3, 0.5, 6 if args.fast else 15)
    search = GridSearchCV(
        pipe,
        {"select__estimator__alpha": alphas},
        cv=KFold(5, shuffle=True, random_state=0),
    )
    search.fit(X_train, y_train)

    best = search.best_estimator_
    selected = best["select"].get_support()
    truth = true_coef != 0
    true_positives = int(np.sum(selected & truth))
    precision = true_positives / max(int(selected.sum()), 1)
    recall = true_positives / int(truth.sum())
    lasso = best["select"].estimator_
    # back to the scale of X (make_regression's coefficients)
    lasso_coef = lasso.coef_ / best["scale"].scale_

    print(
        f"data: {X.shape[0]} samples, {X.shape[1]} features,"
        f" {int(truth.sum())} informative"
    )
    print(f"best Lasso alpha = {search.best_params_['select__estimator__alpha']:.4g}")
    print(f"selected features = {int(selected.sum())}")
    print(f"true positives = {true_positives}")
    print(f"precision = {precision:.3f}")
    print(f"recall = {recall:.3f}")
    print(f"CV R^2 = {search.best_score_:.3f}")
    print(f"test R^2 = {search.score(X_test, y_test):.3f}")
    print(f"true support:     {np.flatnonzero(truth).tolist()}")
    print(f"selected support: {np.flatnonzero(selected).tolist()}")

    fig = plot_support(true_coef, lasso_coef, selected)
    save_figure(fig, args.output_dir, "lasso_feature_selection.png")


if __name__ == "__main__":
    main()
