"""Every script in ``examples/`` runs, in fast mode, and prints the right numbers.

The scripts are discovered with a glob, so a new example is covered as soon as
it is added: it must exit 0 in fast mode and, when it is a ``plot_*`` script,
write a non-empty PNG.  The examples we know get their printed numbers checked
against a reference computed here with scikit-learn's own estimators on the
same data and grids (best parameters, CV and test scores, zero counts, the
selected support), so they can't silently rot.
"""

import ast
import functools
import importlib.util
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn import linear_model as sk
from sklearn.base import clone
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_selection import SelectFromModel
from sklearn.model_selection import GridSearchCV, KFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"
EXAMPLES = sorted(
    path for path in EXAMPLES_DIR.glob("*.py") if not path.name.startswith("_")
)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
TIMEOUT_S = 300


def run_example(path, output_dir, *extra_args):
    env = dict(os.environ)
    env["SKLREG_EXAMPLES_FAST"] = "1"
    env["MPLBACKEND"] = "Agg"
    # two cores, shared: one BLAS / torch thread per process is enough here
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    env.pop("DASK_SCHEDULER_ADDRESS", None)
    cmd = [sys.executable, str(path), "--fast", "--output-dir", str(output_dir)]
    proc = subprocess.run(
        [*cmd, *extra_args],
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT_S,
        cwd=EXAMPLES_DIR.parent,
    )
    assert proc.returncode == 0, (
        f"{path.name} exited {proc.returncode}\n"
        f"--- stdout ---\n{proc.stdout[-4000:]}\n--- stderr ---\n{proc.stderr[-4000:]}"
    )
    return proc.stdout


def parse_tables(stdout):
    """Every ``| a | b |`` table an example prints, as lists of row dicts."""
    tables, block = [], []
    for line in [*stdout.splitlines(), ""]:
        if line.startswith("|"):
            if not set(line) <= set("|-: "):  # skip the |---|---| rule
                block.append([cell.strip() for cell in line.strip("|").split("|")])
        elif block:
            header, *rows = block
            tables.append([dict(zip(header, row, strict=True)) for row in rows])
            block = []
    return tables


def parse_table(stdout):
    """Rows of the one table an example prints, as dicts."""
    (table,) = parse_tables(stdout)
    return table


def parse_key_values(stdout, key):
    """Every float printed as ``key: value`` or ``key = value``."""
    pattern = rf"{re.escape(key)}\s*[:=]\s*([-+0-9.eE]+)"
    return [float(value) for value in re.findall(pattern, stdout)]


def load_example(name):
    """An example script imported as a module (its ``main`` is not run)."""
    spec = importlib.util.spec_from_file_location(
        f"example_{Path(name).stem}", EXAMPLES_DIR / name
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_params(text):
    """``"alpha=0.0316, l1_ratio=0.9"`` -> ``{"alpha": 0.0316, "l1_ratio": 0.9}``."""
    return {
        key.strip(): float(value)
        for key, value in (part.split("=") for part in text.split(","))
    }


# Printed scores have three decimals; the two libraries' solvers stop at the
# same tol (1e-4 on the duality gap), which moves a score by far less than
# the printed rounding: one unit in the last digit, plus a margin.
SCORE_ATOL = 1.5e-3


@functools.cache
def sklearn_linear_searches():
    """The quickstart's fast grid searches, run with scikit-learn's models.

    ``{name: (best_params, best_score, test_score, n_nonzero)}``.
    """
    quickstart = load_example("quickstart.py")
    X_train, X_test, y_train, y_test = quickstart.diabetes_split()
    reference = {}
    for name, search in quickstart.linear_searches(fast=True).items():
        ours = search.estimator.named_steps["model"]
        sk_class = getattr(sk, name)
        sk_names = sk_class().get_params()
        params = {k: v for k, v in ours.get_params().items() if k in sk_names}
        search = clone(search).set_params(estimator__model=sk_class(**params))
        search.fit(X_train, y_train)
        best = {k.removeprefix("model__"): v for k, v in search.best_params_.items()}
        reference[name] = (
            best,
            search.best_score_,
            search.score(X_test, y_test),
            int(np.count_nonzero(search.best_estimator_[-1].coef_)),
        )
    return reference


def check_linear_rows_against_sklearn(rows):
    for name, (
        best,
        cv_score,
        test_score,
        nonzero,
    ) in sklearn_linear_searches().items():
        row = rows[name]
        printed = parse_params(row["best params"])
        assert printed.keys() == best.keys(), row
        for key, value in best.items():
            assert printed[key] == pytest.approx(value, rel=5e-3), (name, key)
        if "CV score" in row:
            assert float(row["CV score"]) == pytest.approx(cv_score, abs=SCORE_ATOL)
        assert float(row["test score"]) == pytest.approx(test_score, abs=SCORE_ATOL)
        assert int(row["non-zero coef"].split("/")[0]) == nonzero, row


# -- checks of what each known example prints --------------------------------


def check_quickstart(stdout, output_dir):
    rows = {row["model"]: row for row in parse_table(stdout)}
    assert {"Lasso", "Ridge", "ElasticNet"} <= set(rows), stdout
    for name in ("Lasso", "Ridge", "ElasticNet"):
        row = rows[name]
        assert row["data"] == "diabetes"
        assert float(row["test score"]) > 0.3, row
        assert float(row["CV score"]) > 0.3, row
        nonzero, total = map(int, row["non-zero coef"].split("/"))
        assert total == 10 and 1 <= nonzero <= 10, row
    assert rows["Ridge"]["non-zero coef"] == "10/10"  # L2 never zeroes a weight
    check_linear_rows_against_sklearn(rows)
    try:
        import sklreg

        sklreg.MLPClassifier
    except ImportError:
        assert "skipping MLPClassifier" in stdout
    else:
        row = rows["MLPClassifier"]
        assert row["data"] == "digits"
        assert float(row["test score"]) > 0.6, row  # accuracy, 10 classes
        assert "dropout_p=" in row["best params"]


def check_l1_vs_l2_path(stdout, output_dir):
    rows = parse_table(stdout)
    assert len(rows) >= 5, stdout
    lasso_alphas = [float(row["lasso alpha"]) for row in rows]
    lasso_zeros = [int(row["lasso zeros"]) for row in rows]
    ridge_zeros = [int(row["ridge zeros"]) for row in rows]
    assert lasso_alphas == sorted(lasso_alphas)
    # L1 selects: from (almost) every feature kept to all ten zeroed at
    # alpha_max.  A feature may re-enter on the way (the Lasso path is not
    # monotone on diabetes, scikit-learn's neither), but only rarely and by one.
    assert lasso_zeros[0] <= 1 and lasso_zeros[-1] == 10, stdout
    drops = [b - a for a, b in zip(lasso_zeros, lasso_zeros[1:], strict=False)]
    assert sum(d < 0 for d in drops) <= len(drops) // 4 and min(drops) >= -1
    assert sum(lasso_zeros[len(rows) // 2 :]) > sum(lasso_zeros[: len(rows) // 2])
    # L2 only shrinks: never an exact zero, while the norm of w falls steadily
    assert ridge_zeros == [0] * len(rows)
    norms = [float(row["ridge coef norm"]) for row in rows]
    assert all(a >= b for a, b in zip(norms, norms[1:], strict=False)), norms
    assert norms[-1] < 0.1 * norms[0], norms

    # the reference: scikit-learn's Lasso path and the Ridge closed form
    X = StandardScaler().fit_transform(load_diabetes().data)
    y = load_diabetes().target
    y = y - y.mean()
    alpha_max = np.max(np.abs(X.T @ y)) / len(y)
    (printed_alpha_max,) = parse_key_values(stdout, "all-zero Lasso)")
    assert printed_alpha_max == pytest.approx(alpha_max, rel=1e-3)
    alphas = np.geomspace(alpha_max * 1e-3, alpha_max, len(rows))
    np.testing.assert_allclose(lasso_alphas, alphas, rtol=1e-3)
    sk_alphas, sk_coefs, _ = sk.lasso_path(X, y, alphas=alphas)
    order = np.argsort(sk_alphas)  # scikit-learn's path runs downwards
    assert lasso_zeros == np.sum(sk_coefs[:, order] == 0, axis=0).tolist()
    ridge_alphas = [float(row["ridge alpha"]) for row in rows]
    np.testing.assert_allclose(
        ridge_alphas, np.geomspace(1e-2, 1e5, len(rows)), rtol=1e-3
    )
    exact = [
        np.linalg.norm(np.linalg.solve(X.T @ X + a * np.eye(X.shape[1]), X.T @ y))
        for a in np.geomspace(1e-2, 1e5, len(rows))
    ]
    np.testing.assert_allclose(norms, exact, rtol=1e-3)


def check_lasso_feature_selection(stdout, output_dir):
    (precision,) = parse_key_values(stdout, "precision")
    (recall,) = parse_key_values(stdout, "recall")
    (test_r2,) = parse_key_values(stdout, "test R^2")
    assert recall >= 0.8, stdout
    assert precision >= 0.5, stdout
    assert test_r2 > 0.8, stdout

    # the reference: the same search with scikit-learn's Lasso and Ridge
    example = load_example("plot_lasso_feature_selection.py")
    X, y, true_coef = example.sparse_problem(fast=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0
    )
    Xs = StandardScaler().fit_transform(X_train)
    alpha_max = np.max(np.abs(Xs.T @ (y_train - y_train.mean()))) / len(y_train)
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("select", SelectFromModel(sk.Lasso(max_iter=10_000))),
            ("model", sk.Ridge(alpha=1e-3)),
        ]
    )
    search = GridSearchCV(
        pipe,
        {"select__estimator__alpha": alpha_max * np.geomspace(1e-3, 0.5, 6)},
        cv=KFold(5, shuffle=True, random_state=0),
    ).fit(X_train, y_train)
    selected = search.best_estimator_["select"].get_support()
    truth = true_coef != 0
    (best_alpha,) = parse_key_values(stdout, "best Lasso alpha")
    assert best_alpha == pytest.approx(
        search.best_params_["select__estimator__alpha"], rel=1e-3
    )
    (n_selected,) = parse_key_values(stdout, "selected features")
    assert n_selected == selected.sum()
    assert recall == pytest.approx(np.sum(selected & truth) / truth.sum(), abs=1e-3)
    (cv_r2,) = parse_key_values(stdout, "CV R^2")
    assert cv_r2 == pytest.approx(search.best_score_, abs=SCORE_ATOL)
    assert test_r2 == pytest.approx(search.score(X_test, y_test), abs=SCORE_ATOL)
    support = re.search(r"selected support: (\[.*\])", stdout).group(1)
    assert ast.literal_eval(support) == np.flatnonzero(selected).tolist()


def check_gridsearch_dask(stdout, output_dir):
    assert "dask results equal local results: True" in stdout, stdout
    rows = {row["model"]: row for row in parse_table(stdout)}
    assert {"Lasso", "Ridge", "ElasticNet"} <= set(rows), stdout
    for name in ("Lasso", "Ridge", "ElasticNet"):
        assert float(rows[name]["test score"]) > 0.3
        equal = rows[name]["equal to local"]
        assert equal == "yes" or float(equal.split()[-1]) <= 1e-12, rows[name]
    # the searches are the quickstart's: scikit-learn's models agree
    check_linear_rows_against_sklearn(rows)


def check_dropout_batchnorm(stdout, output_dir):
    # the first table: the train-test gap per regularization
    gap_table = parse_tables(stdout)[0]
    gaps = {}
    for row in gap_table:
        train, held_out = float(row["train acc"]), float(row["held-out acc"])
        assert 0.0 <= held_out <= 1.0 and 0.0 <= train <= 1.0, row
        assert float(row["gap (acc)"]) == pytest.approx(train - held_out, abs=2e-3)
        gaps[row["configuration"]] = float(row["gap (acc)"])
    # the lesson: without any regularization the gap is the widest
    assert gaps["no regularization"] == max(gaps.values()), gaps


def check_mlp_regression(stdout, output_dir):
    rows = {row["configuration"]: row for row in parse_table(stdout)}
    gaps = {}
    for name, row in rows.items():
        train, held_out = float(row["train R²"]), float(row["held-out R²"])
        assert float(row["gap (R²)"]) == pytest.approx(train - held_out, abs=2e-3)
        gaps[name] = float(row["gap (R²)"])
        zeros = float(row["zero weights"])
        # only the L1 penalty gives exact zeros
        assert (zeros > 0) == name.startswith("L1"), row
    ours = {k: v for k, v in gaps.items() if not k.startswith("scikit-learn")}
    # the lesson: without any regularization the gap is the widest
    assert gaps["no regularization"] == max(ours.values()), gaps
    # sklreg's unregularized network is scikit-learn's model
    ref = rows["scikit-learn, no regularization"]
    plain = rows["no regularization"]
    assert float(plain["held-out R²"]) == pytest.approx(
        float(ref["held-out R²"]), abs=0.02
    )


def check_multitask_support(stdout, output_dir):
    rows = {row["method"]: row for row in parse_table(stdout)}
    wrong = {name: int(row["wrong features"]) for name, row in rows.items()}
    # the multi-task models select one support for all tasks ...
    assert rows["MultiTaskLassoCV"]["same support all tasks"] == "True"
    assert rows["adaptive MultiTaskLassoCV"]["same support all tasks"] == "True"
    # ... with fewer irrelevant features than independent Lassos, and the
    # adaptive (penalty_factor) refits remove false positives
    assert wrong["MultiTaskLassoCV"] < wrong["independent LassoCV"], rows
    assert wrong["adaptive MultiTaskLassoCV"] < wrong["MultiTaskLassoCV"], rows
    fp = {name: int(row["false positives"]) for name, row in rows.items()}
    assert fp["adaptive LassoCV (penalty_factor)"] < fp["independent LassoCV"]
    # the reference: scikit-learn's MultiTaskLassoCV on the same data and folds
    example = load_example("plot_multitask_support.py")
    X, Y, W = example.multitask_problem(fast=True)
    ref = sk.MultiTaskLassoCV(cv=KFold(5, shuffle=True, random_state=0)).fit(X, Y)
    (alpha,) = parse_key_values(stdout, "MultiTaskLassoCV alpha_")
    assert alpha == pytest.approx(ref.alpha_, rel=1e-3)
    fn = int(np.sum((ref.coef_.T == 0) & (W != 0)))
    assert int(rows["MultiTaskLassoCV"]["false negatives"]) == fn


def check_sparse_logistic(stdout, output_dir):
    rows = parse_table(stdout)
    assert len(rows) >= 5, stdout
    Cs = [float(row["C"]) for row in rows]
    l1_zeros = [int(row["L1 zeros"]) for row in rows]
    l2_zeros = [int(row["L2 zeros"]) for row in rows]
    assert Cs == sorted(Cs)
    # L1 selects: every coefficient zero at C_min, most of them kept at the end
    assert l1_zeros[0] == 30 and l1_zeros[-1] < 20, stdout
    # L2 only shrinks: never an exact zero
    assert l2_zeros == [0] * len(rows), stdout

    # the reference: scikit-learn on the same split and grid, tight tol.  The
    # L1 model with liblinear, whose intercept is penalised: intercept_scaling
    # 1e3 makes that penalty |b| / 1e3, negligible here (the zero counts and
    # accuracies are those of saga at tol=1e-10, which takes a minute).
    example = load_example("plot_sparse_logistic.py")
    X_train, X_test, y_train, y_test, _ = example.breast_cancer_split()
    c_min = 1.0 / np.max(np.abs(X_train.T @ (y_train - y_train.mean())))
    (printed_c_min,) = parse_key_values(stdout, "all-zero L1 model)")
    assert printed_c_min == pytest.approx(c_min, rel=1e-5)
    grid = example.c_grid(X_train, y_train, fast=True)
    np.testing.assert_allclose(Cs, grid, rtol=1e-5)
    assert grid[0] == pytest.approx(c_min, rel=1e-12)
    for row, C in zip(rows, grid, strict=True):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            l1 = sk.LogisticRegression(
                l1_ratio=1,
                C=C,
                solver="liblinear",
                intercept_scaling=1e3,
                tol=1e-10,
                max_iter=5000,
            ).fit(X_train, y_train)
        l2 = sk.LogisticRegression(C=C, tol=1e-10, max_iter=10_000).fit(
            X_train, y_train
        )
        assert int(row["L1 zeros"]) == np.sum(l1.coef_ == 0), (C, row)
        assert float(row["L1 test accuracy"]) == pytest.approx(
            l1.score(X_test, y_test), abs=1e-3
        ), (C, row)
        assert np.all(l2.coef_ != 0)
        assert float(row["L2 test accuracy"]) == pytest.approx(
            l2.score(X_test, y_test), abs=1e-3
        ), (C, row)


CHECKS = {
    "quickstart.py": check_quickstart,
    "plot_l1_vs_l2_path.py": check_l1_vs_l2_path,
    "plot_lasso_feature_selection.py": check_lasso_feature_selection,
    "gridsearch_dask.py": check_gridsearch_dask,
    "plot_dropout_batchnorm.py": check_dropout_batchnorm,
    "plot_mlp_regression.py": check_mlp_regression,
    "plot_multitask_support.py": check_multitask_support,
    "plot_sparse_logistic.py": check_sparse_logistic,
}


def test_examples_are_discovered():
    names = {path.name for path in EXAMPLES}
    assert set(CHECKS) <= names, sorted(names)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_imports_matplotlib_only_in_plotting_code(path):
    """matplotlib is an optional extra: no module-level import of it."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in tree.body:
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        assert not any(n.split(".")[0] == "matplotlib" for n in names), (
            f"{path.name}:{node.lineno} imports matplotlib at module level"
        )


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_in_fast_mode(path, tmp_path):
    if path.name == "gridsearch_dask.py":
        pytest.importorskip("distributed")
    stdout = run_example(path, tmp_path)
    check = CHECKS.get(path.name)
    if check is not None:
        check(stdout, tmp_path)
    pngs = sorted(tmp_path.glob("*.png"))
    if path.name.startswith("plot_"):
        assert pngs, f"{path.name} wrote no PNG into {tmp_path}"
    for png in pngs:
        data = png.read_bytes()
        assert len(data) > 1000 and data.startswith(PNG_MAGIC), png
