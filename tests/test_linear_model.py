"""Lasso, ElasticNet and Ridge against scikit-learn, closed forms and bad input."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import assert_same_model
from sklearn import linear_model as sk
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from sklreg import ElasticNet, Lasso, Ridge

TIGHT = dict(tol=1e-10, max_iter=200_000)


def pair(name, **params):
    """(sklreg estimator, scikit-learn estimator) with the same parameters."""
    ours = {"Lasso": Lasso, "ElasticNet": ElasticNet, "Ridge": Ridge}[name]
    ref = getattr(sk, name)
    ref_params = dict(params)
    if name == "Ridge":
        ref_params.pop("max_iter", None)
        ref_params["tol"] = 1e-12  # sparse_cg/sag references must be exact too
        if ref_params.get("positive"):
            ref_params["solver"] = "lbfgs"
            ref_params["tol"] = 1e-12
            ref_params["max_iter"] = 100_000
    return ours(**params), ref(**ref_params)


def dense_problem(n, p, seed=0, n_targets=None):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p) + 3.0  # non-centred columns exercise the intercept
    w = np.zeros(p)
    w[: min(10, p)] = rng.randn(min(10, p)) * 2
    shape = (n,) if n_targets is None else (n, n_targets)
    y = (X @ w)[:, None] if n_targets else X @ w
    y = y + rng.randn(*shape) + 5.0
    return X, y


@pytest.mark.parametrize("alpha", [0.01, 0.1, 1.0])
@pytest.mark.parametrize("name", ["Lasso", "ElasticNet"])
def test_diabetes_matches_sklearn(diabetes, name, alpha):
    X, y = diabetes
    ours, ref = pair(name, alpha=alpha, **TIGHT)
    assert_same_model(ours.fit(X, y), ref.fit(X, y))


@pytest.mark.parametrize("alpha", [0.1, 1.0, 10.0])
def test_ridge_diabetes_matches_sklearn(diabetes, alpha):
    X, y = diabetes
    ours, ref = pair("Ridge", alpha=alpha, tol=1e-12, max_iter=100_000)
    assert_same_model(ours.fit(X, y), ref.fit(X, y))


@pytest.mark.parametrize("name", ["Lasso", "ElasticNet", "Ridge"])
@pytest.mark.parametrize("shape", [(500, 20), (40, 300)], ids=["n>>p", "p>>n"])
def test_dense_random_problems_match_sklearn(name, shape):
    X, y = dense_problem(*shape)
    alpha = 0.1 if name != "Ridge" else 3.0
    ours, ref = pair(name, alpha=alpha, **TIGHT)
    assert_same_model(ours.fit(X, y), ref.fit(X, y))


@pytest.mark.parametrize("fmt", ["csc", "csr"])
@pytest.mark.parametrize("name", ["Lasso", "ElasticNet", "Ridge"])
def test_sparse_with_intercept_matches_sklearn(fmt, name):
    rng = np.random.RandomState(1)
    X = sp.random(300, 80, density=0.1, random_state=rng, format=fmt) * 5 + 0
    y = X @ rng.randn(80) + rng.randn(300) + 2
    alpha = 0.01 if name != "Ridge" else 1.0
    ours, ref = pair(name, alpha=alpha, **TIGHT)
    ours.fit(X, y)
    assert_same_model(ours, ref.fit(X, y))
    # sparse input gives the same model as its dense copy
    dense = pair(name, alpha=alpha, **TIGHT)[0].fit(X.toarray(), y)
    assert_same_model(ours, dense)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("name", ["Lasso", "ElasticNet", "Ridge"])
def test_sample_weight_matches_sklearn(name, sparse):
    X, y = dense_problem(120, 30, seed=2)
    rng = np.random.RandomState(2)
    sw = rng.rand(120) * 3
    sw[:10] = 0.0  # zero weights drop samples
    Xin = sp.csr_matrix(X) if sparse else X
    alpha = 0.05 if name != "Ridge" else 2.0
    ours, ref = pair(name, alpha=alpha, **TIGHT)
    assert_same_model(
        ours.fit(Xin, y, sample_weight=sw), ref.fit(X, y, sample_weight=sw)
    )
    # zero weight == sample removed; integer weight == repeated sample
    kept = pair(name, alpha=alpha, **TIGHT)[0].fit(
        X[10:], y[10:], sample_weight=sw[10:]
    )
    assert_same_model(ours, kept)


@pytest.mark.parametrize("name", ["Lasso", "ElasticNet", "Ridge"])
def test_positive_matches_sklearn(name):
    X, y = dense_problem(80, 40, seed=3)
    ours, ref = pair(name, alpha=0.1, positive=True, **TIGHT)
    ours.fit(X, y)
    assert np.all(ours.coef_ >= 0)
    assert_same_model(ours, ref.fit(X, y), rtol=1e-5)


@pytest.mark.parametrize("name", ["Lasso", "ElasticNet", "Ridge"])
def test_no_intercept_matches_sklearn(name):
    X, y = dense_problem(60, 100, seed=4)
    ours, ref = pair(name, alpha=0.2, fit_intercept=False, **TIGHT)
    ours.fit(X, y)
    assert ours.intercept_ == 0.0
    assert_same_model(ours, ref.fit(X, y))


@pytest.mark.parametrize("name", ["Lasso", "ElasticNet", "Ridge"])
@pytest.mark.parametrize("n_targets", [1, 3])
def test_multi_target_matches_sklearn(name, n_targets):
    X, _ = dense_problem(70, 15, seed=5)
    rng = np.random.RandomState(5)
    Y = X @ rng.randn(15, n_targets) + rng.randn(70, n_targets)
    ours, ref = pair(name, alpha=0.3, **TIGHT)
    assert_same_model(ours.fit(X, Y), ref.fit(X, Y))
    if name != "Ridge":
        assert np.shape(ours.dual_gap_) == np.shape(ref.dual_gap_)
        assert np.ndim(ours.n_iter_) == np.ndim(ref.n_iter_)


@pytest.mark.parametrize("name", ["Lasso", "ElasticNet", "Ridge"])
def test_float32_stays_float32_and_matches(name, diabetes):
    X, y = diabetes
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    alpha = 0.1 if name != "Ridge" else 1.0
    # float32 cannot certify a gap below ~1e-7 ||y||^2
    ours = pair(name, alpha=alpha, tol=1e-6, max_iter=100_000)[0].fit(X32, y32)
    ref = pair(name, alpha=alpha, **TIGHT)[1].fit(X, y)
    assert ours.coef_.dtype == np.float32
    assert_same_model(ours, ref, rtol=1e-3)
    ours64 = pair(name, alpha=alpha, **TIGHT)[0].fit(X, y)
    assert ours64.coef_.dtype == np.float64


def test_dual_gap_and_kkt_at_solution(diabetes):
    X, y = diabetes
    n = X.shape[0]
    est = Lasso(alpha=0.05, tol=1e-8, max_iter=100_000).fit(X, y)
    Xc, yc = X - X.mean(0), y - y.mean()
    r = yc - Xc @ est.coef_
    grad = Xc.T @ r / n
    nz = est.coef_ != 0
    np.testing.assert_allclose(grad[nz], 0.05 * np.sign(est.coef_[nz]), rtol=1e-4)
    assert np.all(np.abs(grad[~nz]) <= 0.05 * (1 + 1e-4))
    assert est.dual_gap_ <= 1e-8 * yc @ yc / n
    # the certificate bounds the suboptimality
    best = Lasso(alpha=0.05, tol=1e-14, max_iter=500_000).fit(X, y)

    def obj(w):
        res = yc - Xc @ w
        return res @ res / (2 * n) + 0.05 * np.abs(w).sum()

    assert obj(est.coef_) - obj(best.coef_) <= est.dual_gap_ + 1e-12


def test_attributes_and_sparse_coef(diabetes):
    X, y = diabetes
    est = Lasso(alpha=0.5).fit(X, y)
    assert est.n_features_in_ == 10
    assert isinstance(est.n_iter_, int) and est.n_iter_ > 0
    assert est.sparse_coef_.shape == (1, 10)
    np.testing.assert_array_equal(est.sparse_coef_.toarray().ravel(), est.coef_)
    # L1 selects the features scikit-learn's Lasso selects
    ref = sk.Lasso(alpha=0.5).fit(X, y)
    np.testing.assert_array_equal(est.coef_ == 0, ref.coef_ == 0)
    assert np.sum(est.coef_ == 0) > 0
    ridge = Ridge().fit(X, y)
    assert np.all(ridge.coef_ != 0) and ridge.solver_ == "cholesky"


@pytest.mark.parametrize("name", ["Lasso", "ElasticNet", "Ridge"])
def test_dataframe_gives_feature_names_and_the_numpy_model(name, diabetes_frame):
    X, y = diabetes_frame
    est = pair(name, alpha=0.1, **TIGHT)[0].fit(X, y)
    np.testing.assert_array_equal(est.feature_names_in_, X.columns.to_numpy())
    assert est.feature_names_in_.dtype == object
    # the model is the one fitted on the values, and scikit-learn's
    on_values = pair(name, alpha=0.1, **TIGHT)[0].fit(X.to_numpy(), y.to_numpy())
    assert not hasattr(on_values, "feature_names_in_")
    np.testing.assert_array_equal(est.coef_, on_values.coef_)
    assert est.intercept_ == on_values.intercept_
    assert_same_model(est, pair(name, alpha=0.1, **TIGHT)[1].fit(X, y))
    # predicting with the columns in another order is refused, by name
    with pytest.raises(ValueError, match="feature names"):
        est.predict(X[X.columns[::-1]])


def test_warm_start_continues_from_previous_coef(diabetes):
    X, y = diabetes
    est = Lasso(alpha=0.1, warm_start=True, tol=1e-10, max_iter=100_000).fit(X, y)
    first = est.n_iter_
    est.fit(X, y)
    assert est.n_iter_ < first
    # and ends where a cold start ends
    cold = Lasso(alpha=0.1, tol=1e-10, max_iter=100_000).fit(X, y)
    assert_same_model(est, cold)


def test_copy_x_false_centres_dense_in_place_only_when_asked(diabetes):
    X, y = diabetes
    X = np.asfortranarray(X.copy() + 1.0)
    before = X.copy()
    Lasso(alpha=0.1).fit(X, y)
    np.testing.assert_array_equal(X, before)
    ref = Lasso(alpha=0.1, **TIGHT).fit(before, y)
    ours = Lasso(alpha=0.1, copy_X=False, **TIGHT).fit(X, y)
    assert_same_model(ours, ref)


def test_precomputed_gram_is_used_without_intercept():
    X, y = dense_problem(200, 10, seed=6)
    ref = Lasso(alpha=0.1, fit_intercept=False, **TIGHT).fit(X, y)
    ours = Lasso(alpha=0.1, fit_intercept=False, precompute=X.T @ X, **TIGHT)
    assert_same_model(ours.fit(X, y), ref)
    with pytest.warns(UserWarning, match="Gram matrix was provided"):
        Lasso(alpha=0.1, precompute=X.T @ X).fit(X, y)
    # already centred X: the user's Gram matrix is kept, as scikit-learn does
    Xc = X - X.mean(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        kept = Lasso(alpha=0.1, precompute=Xc.T @ Xc, **TIGHT).fit(Xc, y)
    assert_same_model(kept, sk.Lasso(alpha=0.1, **TIGHT).fit(Xc, y))


def test_wrong_precomputed_gram_is_rejected():
    X, y = dense_problem(50, 6, seed=6)
    with pytest.raises(ValueError, match="did not pass validation"):
        Lasso(fit_intercept=False, precompute=2 * X.T @ X).fit(X, y)
    with pytest.raises(ValueError, match="Gram matrix has shape"):
        Lasso(fit_intercept=False, precompute=np.eye(3)).fit(X, y)


def test_path_method_and_sparse_coef_type_follow_sklearn(diabetes):
    X, y = diabetes
    for Est in (Lasso, ElasticNet):
        alphas, coefs, gaps = Est.path(X, y, alphas=[1.0, 0.1], tol=1e-10)
        ref = getattr(sk, Est.__name__).path(X, y, alphas=[1.0, 0.1], tol=1e-10)
        np.testing.assert_allclose(coefs, ref[1], rtol=1e-6, atol=1e-8)
    est = Lasso(alpha=0.5).fit(X, y)
    assert sp.issparse(est.sparse_coef_) and est.sparse_coef_.format == "csr"
    assert type(est.sparse_coef_) is type(sk.Lasso(alpha=0.5).fit(X, y).sparse_coef_)


@pytest.mark.parametrize(
    "solver, ran",
    [
        ("auto", "cholesky"),
        ("svd", "svd"),
        ("cholesky", "cholesky"),
        ("lsqr", "lsqr"),
        ("sparse_cg", "sparse_cg"),
        ("sag", "sag"),
        ("saga", "saga"),
        ("cd", "cd"),
    ],
)
def test_ridge_accepts_sklearn_solver_names(solver, ran):
    X, y = dense_problem(40, 5, seed=13)
    iterative = ("lsqr", "sparse_cg", "sag", "saga")
    tol = 1e-10 if solver in ("sag", "saga") else 1e-4
    ours = Ridge(solver=solver, tol=tol, random_state=0).fit(X, y)
    ref_solver = "auto" if solver == "cd" else solver
    # lsqr and sparse_cg are scipy's on both sides: same tol, same iterates
    ref_tol = ours.tol if solver in ("lsqr", "sparse_cg") else 1e-12
    ref = sk.Ridge(solver=ref_solver, tol=ref_tol, max_iter=100_000, random_state=0)
    assert_same_model(ours, ref.fit(X, y), rtol=1e-6)
    assert ours.solver_ == ran
    assert np.all(ours.n_iter_ >= 1)
    assert np.all(ours.n_iter_ > 1) == (ran in ("cd", *iterative))
    with pytest.raises(InvalidParameterError, match="solver"):
        Ridge(solver="newton").fit(X, y)


def test_float32_ridge_gram_is_solved_in_float64():
    X, y = dense_problem(300, 30, seed=14)
    ours = Ridge(alpha=1e-3).fit(X.astype(np.float32), y.astype(np.float32))
    ref = sk.Ridge(alpha=1e-3).fit(X, y)
    assert ours.coef_.dtype == np.float32
    assert_same_model(ours, ref, rtol=1e-5)


def test_random_selection_converges_to_the_same_model(diabetes):
    X, y = diabetes
    a = Lasso(alpha=0.1, selection="random", random_state=0, **TIGHT).fit(X, y)
    b = Lasso(alpha=0.1, **TIGHT).fit(X, y)
    assert_same_model(a, b)
    c = Lasso(alpha=0.1, selection="random", random_state=0, **TIGHT).fit(X, y)
    np.testing.assert_array_equal(a.coef_, c.coef_)


# --- degenerate data ---------------------------------------------------------


@pytest.mark.parametrize("name", ["Lasso", "ElasticNet", "Ridge"])
def test_zero_and_constant_columns(name):
    X, y = dense_problem(50, 6, seed=7)
    X[:, 1] = 0.0
    X[:, 2] = 4.2
    for Xin in (X, sp.csc_matrix(X)):
        ours, ref = pair(name, alpha=0.1, **TIGHT)
        ours.fit(Xin, y)
        assert np.all(np.isfinite(ours.coef_))
        assert abs(ours.coef_[1]) < 1e-12 and abs(ours.coef_[2]) < 1e-12
        assert_same_model(ours, ref.fit(X, y))


@pytest.mark.parametrize("name", ["Lasso", "ElasticNet", "Ridge"])
def test_single_sample_and_single_feature(name):
    ours = pair(name)[0]
    ours.fit([[1.0, 2.0]], [3.0])
    np.testing.assert_array_equal(ours.coef_, [0.0, 0.0])
    assert ours.intercept_ == pytest.approx(3.0)
    X, y = dense_problem(30, 1, seed=8)
    ours, ref = pair(name, alpha=0.1, **TIGHT)
    assert_same_model(ours.fit(X, y), ref.fit(X, y))


@pytest.mark.parametrize("scale", [1e-8, 1e8])
@pytest.mark.parametrize("name", ["Lasso", "ElasticNet"])
def test_huge_and_tiny_scales(name, scale):
    X, y = dense_problem(60, 20, seed=9)
    ours, ref = pair(name, alpha=0.1 * scale, **TIGHT)
    ours.fit(X * scale, y * scale)
    assert np.all(np.isfinite(ours.coef_))
    assert_same_model(ours, ref.fit(X * scale, y * scale), rtol=1e-5)


def test_pickle_round_trip(diabetes):
    X, y = diabetes
    est = ElasticNet(alpha=0.01).fit(X, y)
    clone = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(clone.predict(X), est.predict(X))


# --- bad input ---------------------------------------------------------------

ESTIMATORS = [Lasso, ElasticNet, Ridge]


def _bad(X=None, y=None, **fit_kw):
    Xg, yg = dense_problem(20, 3, seed=10)
    return (Xg if X is None else X), (yg if y is None else y), fit_kw


def _with(arr, pos, value):
    arr = np.array(arr, dtype=float)
    arr[pos] = value
    return arr


Xg, yg = dense_problem(20, 3, seed=10)
BAD_INPUTS = {
    "nan_X": (_with(Xg, (0, 0), np.nan), yg, {}, "NaN"),
    "inf_X": (_with(Xg, (1, 1), np.inf), yg, {}, "infinity"),
    "nan_y": (Xg, _with(yg, 0, np.nan), {}, "NaN"),
    "inf_y": (Xg, _with(yg, 3, -np.inf), {}, "infinity"),
    "empty_X": (np.empty((0, 3)), np.empty(0), {}, "0 sample"),
    "no_features": (np.empty((20, 0)), yg, {}, "0 feature"),
    "1d_X": (Xg[:, 0], yg, {}, "Expected 2D array"),
    "mismatched": (Xg, yg[:-1], {}, "inconsistent numbers of samples"),
    "complex": (Xg + 1j, yg, {}, "Complex data not supported"),
    "strings": (np.array([["a", "b", "c"]] * 20), yg, {}, "could not convert|dtype"),
    "negative_sw": (Xg, yg, {"sample_weight": -np.ones(20)}, "Negative values"),
    "short_sw": (Xg, yg, {"sample_weight": np.ones(5)}, "sample_weight"),
}


@pytest.mark.parametrize("Est", ESTIMATORS, ids=lambda e: e.__name__)
@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_raises_clear_error_and_keeps_fitted_model(Est, case):
    X, y, kw, msg = BAD_INPUTS[case]
    est = Est(alpha=0.1).fit(Xg, yg)
    before = {k: np.copy(v) for k, v in vars(est).items() if k.endswith("_")}
    with pytest.raises(ValueError, match=msg):
        est.fit(X, y, **kw)
    after = {k: v for k, v in vars(est).items() if k.endswith("_")}
    assert before.keys() == after.keys()
    for k in before:
        np.testing.assert_array_equal(before[k], after[k])


@pytest.mark.parametrize("Est", ESTIMATORS, ids=lambda e: e.__name__)
@pytest.mark.parametrize(
    "params",
    [{"alpha": -1.0}, {"max_iter": 0}, {"tol": -1.0}, {"fit_intercept": "yes"}],
    ids=["neg_alpha", "max_iter_0", "neg_tol", "bad_bool"],
)
def test_bad_parameters_name_the_problem(Est, params):
    name = next(iter(params))
    with pytest.raises(InvalidParameterError, match=name):
        Est(**params).fit(Xg, yg)


def test_bad_l1_ratio_and_selection():
    with pytest.raises(InvalidParameterError, match="l1_ratio"):
        ElasticNet(l1_ratio=1.5).fit(Xg, yg)
    with pytest.raises(InvalidParameterError, match="selection"):
        Lasso(selection="shuffled").fit(Xg, yg)


def test_ridge_alpha_per_target():
    X, _ = dense_problem(50, 4, seed=11)
    Y = np.column_stack([X @ [1, 2, 3, 4], X @ [4, 3, 2, 1]])
    ours = Ridge(alpha=np.array([0.5, 5.0]), tol=1e-12).fit(X, Y)
    ref = sk.Ridge(alpha=np.array([0.5, 5.0])).fit(X, Y)
    assert_same_model(ours, ref)
    with pytest.raises(ValueError, match="Number of targets and number of penalties"):
        Ridge(alpha=np.array([1.0, 2.0, 3.0])).fit(X, Y)


@pytest.mark.parametrize("Est", ESTIMATORS, ids=lambda e: e.__name__)
def test_predict_errors(Est):
    with pytest.raises(NotFittedError):
        Est().predict(Xg)
    est = Est().fit(Xg, yg)
    with pytest.raises(ValueError, match="features"):
        est.predict(Xg[:, :2])


def test_alpha_zero_warns_like_sklearn():
    with pytest.warns(UserWarning, match="alpha=0"):
        Lasso(alpha=0, max_iter=5).fit(Xg, yg)


@pytest.mark.parametrize("weighted", [False, True])
def test_sparse_gram_form_matches_dense(weighted):
    rng = np.random.RandomState(12)
    X = sp.random(200, 30, density=0.2, random_state=rng, format="csr") * 3
    y = X @ rng.randn(30) + rng.randn(200) + 1.0
    sw = rng.rand(200) if weighted else None
    # precompute=True on sparse X with few features uses the centred Gram form
    ours = Lasso(alpha=0.01, precompute=True, **TIGHT).fit(X, y, sample_weight=sw)
    ref = sk.Lasso(alpha=0.01, **TIGHT).fit(X.toarray(), y, sample_weight=sw)
    assert_same_model(ours, ref)


@pytest.mark.parametrize("offset", [5.0, 1e6])
def test_gram_form_with_large_column_means_matches_sklearn(offset):
    # n >> p: the Gram form; a mean far above the spread must not cost digits
    rng = np.random.RandomState(15)
    X = rng.randn(400, 8) + offset
    y = (X - offset) @ rng.randn(8) + rng.randn(400)
    X_copy = X.copy()
    ours = Lasso(alpha=0.05, precompute=True, tol=1e-10, max_iter=10_000).fit(X, y)
    ref = sk.Lasso(alpha=0.05, tol=1e-10, max_iter=10_000).fit(X, y)
    assert_same_model(ours, ref, rtol=1e-6)
    np.testing.assert_array_equal(X, X_copy)  # X is never modified
