"""pandas in, feature names out: DataFrames with every public estimator.

Every public estimator records the columns of a DataFrame as
``feature_names_in_`` and checks them at predict time, the way scikit-learn's
own estimators do; pipelines with ``set_output(transform="pandas")`` pass
named columns down to our estimators; and ``pd.Series(coef_,
index=feature_names_in_)`` gives the coefficients by name (docs/pandas.md).
"""

import warnings

import numpy as np
import pytest
from conftest import TORCH_ESTIMATORS, public_estimator_classes
from sklearn.base import clone, is_classifier
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_diabetes, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_selection import SelectFromModel
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import sklreg

pd = pytest.importorskip("pandas")

# small budgets so the whole file stays fast; everything else is the default
FAST_PARAMS = {
    "MLPClassifier": {"hidden_layer_sizes": (8,), "max_iter": 5, "random_state": 0},
    "MLPRegressor": {"hidden_layer_sizes": (8,), "max_iter": 5, "random_state": 0},
    "LassoCV": {"cv": 3},
    "ElasticNetCV": {"cv": 3},
    "MultiTaskLassoCV": {"cv": 3},
    "MultiTaskElasticNetCV": {"cv": 3},
}


ESTIMATORS = [
    cls(**FAST_PARAMS.get(cls.__name__, {})) for cls in public_estimator_classes()
]


def _frame(estimator):
    """A DataFrame and Series target fitting ``estimator``'s kind of problem."""
    if is_classifier(estimator):
        data = load_iris(as_frame=True)
    else:
        data = load_diabetes(as_frame=True)
    if not estimator.__sklearn_tags__().target_tags.single_output:
        # multi-task models: a DataFrame of two targets
        y = data.target
        return data.data, pd.DataFrame({"y": y, "y2": 0.5 * y + 10.0})
    return data.data, data.target


def _fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


def test_fast_budgets_name_existing_estimators():
    # (test_common.py checks that the discovered list is every estimator)
    # a budget for an estimator that no longer exists would hide a rename
    names = {type(est).__name__ for est in ESTIMATORS}
    assert set(FAST_PARAMS) <= names | TORCH_ESTIMATORS


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_dataframe_input_sets_feature_names_in(estimator):
    X, y = _frame(estimator)
    est = _fit(clone(estimator), X, y)
    np.testing.assert_array_equal(est.feature_names_in_, X.columns.to_numpy())
    assert est.feature_names_in_.dtype == object
    assert est.n_features_in_ == X.shape[1]

    # a DataFrame gives the same model as its values
    est_np = _fit(clone(estimator), X.to_numpy(), y.to_numpy())
    assert not hasattr(est_np, "feature_names_in_")
    np.testing.assert_allclose(est.predict(X), est_np.predict(X.to_numpy()))

    # names are checked at predict time, as in scikit-learn
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        est.predict(X)  # same columns: no warning
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        est.predict(X.to_numpy())
    with pytest.raises(ValueError, match="feature names"):
        est.predict(X[X.columns[::-1]])


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_set_output_pandas_pipeline(estimator):
    X, y = _frame(estimator)
    pipe = make_pipeline(StandardScaler(), clone(estimator))
    pipe.set_output(transform="pandas")
    _fit(pipe, X, y)
    # the scaler hands a DataFrame on: the estimator knows the names
    np.testing.assert_array_equal(pipe[-1].feature_names_in_, X.columns.to_numpy())
    transformed = pipe[:-1].transform(X)
    assert isinstance(transformed, pd.DataFrame)
    assert list(transformed.columns) == list(X.columns)

    # and the model is the one a numpy pipeline fits
    pipe_np = _fit(make_pipeline(StandardScaler(), clone(estimator)), X.to_numpy(), y)
    np.testing.assert_allclose(pipe.predict(X), pipe_np.predict(X.to_numpy()))
    assert pipe.score(X, y) == pytest.approx(pipe_np.score(X.to_numpy(), y))


def _sparse_frame(n_samples=200, site_effect=4.0, random_state=0):
    """Three informative named columns, five noise columns and a category."""
    rng = np.random.RandomState(random_state)
    X = pd.DataFrame(
        rng.randn(n_samples, 8),
        columns=["age", "dose", "weight", *(f"noise{i}" for i in range(5))],
    )
    X["site"] = rng.choice(["a", "b", "c"], size=n_samples)
    y = 3.0 * X["age"] - 2.0 * X["dose"] + 1.5 * X["weight"]
    y = y + site_effect * (X["site"] == "b") + 0.1 * rng.randn(n_samples)
    return X, y


def test_coef_by_feature_name_through_column_transformer():
    """The recipe of docs/pandas.md: ``pd.Series(coef_, index=names)``."""
    X, y = _sparse_frame()
    numeric = [c for c in X.columns if c != "site"]
    pre = ColumnTransformer(
        [
            ("num", StandardScaler(), numeric),
            ("cat", OneHotEncoder(sparse_output=False), ["site"]),
        ]
    )
    pipe = make_pipeline(pre, sklreg.Lasso(alpha=0.05)).set_output(transform="pandas")
    pipe.fit(X, y)

    lasso = pipe[-1]
    coef = pd.Series(lasso.coef_, index=lasso.feature_names_in_)
    expected_names = [f"num__{c}" for c in numeric] + [f"cat__site_{s}" for s in "abc"]
    assert list(coef.index) == expected_names
    assert list(coef.index) == list(pipe[:-1].get_feature_names_out())
    nonzero = set(coef[coef != 0].index)
    assert {"num__age", "num__dose", "num__weight", "cat__site_b"} <= nonzero
    assert not nonzero & {f"num__noise{i}" for i in range(5)}
    assert coef["num__age"] > 0 > coef["num__dose"]


def test_select_from_model_keeps_feature_names():
    X, y = _sparse_frame(site_effect=0.0)
    X = X.drop(columns="site")
    pipe = make_pipeline(
        StandardScaler(),
        SelectFromModel(sklreg.Lasso(alpha=0.1)),
        sklreg.Ridge(alpha=1e-3),
    ).set_output(transform="pandas")
    pipe.fit(X, y)
    selected = ["age", "dose", "weight"]
    assert list(pipe[:-1].get_feature_names_out()) == selected
    assert list(pipe[-1].feature_names_in_) == selected
    assert list(pipe[:-1].transform(X).columns) == selected
    coef = pd.Series(pipe[-1].coef_, index=pipe[-1].feature_names_in_)
    np.testing.assert_allclose(
        coef[selected] / X[selected].std(ddof=0), [3.0, -2.0, 1.5], atol=0.05
    )
