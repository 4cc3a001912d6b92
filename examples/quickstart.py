"""Quickstart: sklreg's estimators in scikit-learn grid searches.

Each estimator sits in a ``StandardScaler -> estimator`` pipeline tuned by
:class:`~sklearn.model_selection.GridSearchCV`: Lasso, Ridge and ElasticNet on
the diabetes regression data (score: R^2), MLPClassifier on the digits
(score: accuracy).  The table shows, per model, the best parameters, the
cross-validated and held-out scores, the mean fit time of the best candidate,
the wall time of the whole search, and how many coefficients are non-zero:
the L1 penalties (Lasso, ElasticNet) zero some out, Ridge only shrinks.

Run ``python examples/quickstart.py`` (``make demo``); ``--fast`` shrinks the
grids and the MLP's epochs so it finishes in seconds.
"""

import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_diabetes, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import parse_args

import sklreg

RANDOM_STATE = 42


def diabetes_split():
    """The diabetes data, 75% train / 25% test."""
    X, y = load_diabetes(return_X_y=True)
    return train_test_split(X, y, test_size=0.25, random_state=RANDOM_STATE)


def digits_split(fast=False):
    """The digits data (a stratified subset in fast mode), 75% / 25%."""
    X, y = load_digits(return_X_y=True)
    if fast:
        X, _, y, _ = train_test_split(
            X, y, train_size=600, stratify=y, random_state=RANDOM_STATE
        )
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=RANDOM_STATE)


def linear_searches(fast=False, n_jobs=None):
    """``{name: GridSearchCV}`` for Lasso, Ridge and ElasticNet pipelines."""
    n_alphas = 5 if fast else 13
    cv = KFold(n_splits=3 if fast else 5, shuffle=True, random_state=RANDOM_STATE)

    def search(estimator, grid):
        pipe = Pipeline([("scale", StandardScaler()), ("model", estimator)])
        grid = {f"model__{key}": values for key, values in grid.items()}
        return GridSearchCV(pipe, grid, cv=cv, n_jobs=n_jobs)

    return {
        "Lasso": search(
            sklreg.Lasso(max_iter=10_000), {"alpha": np.logspace(-3, 1, n_alphas)}
        ),
        "Ridge": search(sklreg.Ridge(), {"alpha": np.logspace(-2, 3, n_alphas)}),
        "ElasticNet": search(
            sklreg.ElasticNet(max_iter=10_000),
            {
                "alpha": np.logspace(-3, 1, n_alphas),
                "l1_ratio": [0.5, 0.9] if fast else [0.2, 0.5, 0.8, 0.95],
            },
        ),
    }


def mlp_search(fast=False, n_jobs=None):
    """A GridSearchCV over MLPClassifier's ``alpha`` x ``dropout_p``.

    Raises ImportError when the ``nn`` extra (torch, skorch) is missing.
    """
    from sklreg import MLPClassifier

    mlp = MLPClassifier(
        hidden_layer_sizes=(32,) if fast else (64,),
        max_iter=8 if fast else 20,
        batch_size=128,
        learning_rate_init=1e-2,
        random_state=RANDOM_STATE,
    )
    pipe = Pipeline([("scale", StandardScaler()), ("model", mlp)])
    grid = {"model__alpha": [1e-4, 1e-2], "model__dropout_p": [0.0, 0.2]}
    return GridSearchCV(pipe, grid, cv=2 if fast else 3, n_jobs=n_jobs)


def count_nonzero(model):
    """``(non-zero, total)`` coefficients of a fitted linear model or MLP."""
    if hasattr(model, "coefs_"):  # MLP: all weight matrices
        coefs = [np.asarray(c) for c in model.coefs_]
        return sum(int(np.count_nonzero(c)) for c in coefs), sum(c.size for c in coefs)
    coef = np.asarray(model.coef_)
    return int(np.count_nonzero(coef)), coef.size


def format_params(params):
    parts = []
    for key, value in sorted(params.items()):
        key = key.removeprefix("model__")
        if isinstance(value, float | np.floating):
            value = f"{value:.3g}"
        parts.append(f"{key}={value}")
    return ", ".join(parts)


def run_search(name, dataset, search, X_train, X_test, y_train, y_test):
    """Fit ``search`` and return one table row (a dict)."""
    start = time.perf_counter()
    search.fit(X_train, y_train)
    search_time = time.perf_counter() - start
    best = search.best_index_
    nonzero, total = count_nonzero(search.best_estimator_[-1])
    return {
        "model": name,
        "data": dataset,
        "best params": format_params(search.best_params_),
        "CV score": f"{search.best_score_:.3f}",
        "test score": f"{search.score(X_test, y_test):.3f}",
        "fit time (s)": f"{search.cv_results_['mean_fit_time'][best]:.3f}",
        "search time (s)": f"{search_time:.1f}",
        "non-zero coef": f"{nonzero}/{total}",
    }


def print_table(rows):
    """Print ``rows`` as a Markdown table (columns separated by ``|``)."""
    columns = list(rows[0])
    widths = [max(len(c), *(len(r[c]) for r in rows)) for c in columns]
    line = " | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
    print(f"| {line} |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        cells = " | ".join(
            row[c].ljust(w) for c, w in zip(columns, widths, strict=True)
        )
        print(f"| {cells} |")


def main(argv=None):
    args = parse_args(__doc__.splitlines()[0], argv)
    mode = "fast" if args.fast else "full"
    print(f"sklreg {sklreg.__version__} quickstart ({mode} mode)")
    print("scores: R^2 on diabetes, accuracy on digits; test = held-out 25%\n")

    rows = []
    diabetes = diabetes_split()
    for name, search in linear_searches(fast=args.fast).items():
        rows.append(run_search(name, "diabetes", search, *diabetes))

    try:
        search = mlp_search(fast=args.fast)
    except ImportError as exc:
        print(f"note: skipping MLPClassifier ({exc}); install sklreg[nn] for it\n")
    else:
        # A short epoch budget is the point of a demo; the MLP says it could
        # train longer (ConvergenceWarning) on every fit, which is expected.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            rows.append(
                run_search("MLPClassifier", "digits", search, *digits_split(args.fast))
            )

    print_table(rows)


if __name__ == "__main__":
    main()
