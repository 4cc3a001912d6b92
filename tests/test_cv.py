"""LassoCV, ElasticNetCV, RidgeCV: parity with scikit-learn, threads, bad input."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from conftest import assert_same_model
from sklearn import linear_model as sk
from sklearn.model_selection import GroupKFold, KFold

from sklreg import ElasticNetCV, Lasso, LassoCV, RidgeCV
from sklreg.linear_model._ridge_loo import CenteredDesign, decompose, loo_residuals


def _data(n=60, p=30, seed=0, sparse=False):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p)
    if sparse:
        X[rng.rand(n, p) < 0.7] = 0
        X = sp.csr_matrix(X)
    w = np.zeros(p)
    w[:5] = rng.randn(5) * 2
    y = X @ w + 0.5 * rng.randn(n)
    sw = rng.uniform(0.5, 2.0, size=n)
    return X, y, sw


# Parity tolerances.  The coordinate-descent fits run at TIGHT: both libraries
# stop when the duality gap is below tol * ||y||^2 / n, and at tol = 1e-12 the
# CV errors, alpha_ and the refitted model agree to ~1e-11 (measured) on these
# well-posed problems; RTOL leaves a thousand-fold margin, three decades
# tighter than the 1e-5 the gap of tol = 1e-8 allowed.  RidgeCV's
# leave-one-out path is a direct solve on both sides: agreement to rounding.
TIGHT = dict(tol=1e-12, max_iter=100_000)
RTOL = 1e-8
RIDGE_RTOL = 1e-9


def _sk_fit(est, X, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y, **kw)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("sparse", [False, True])
def test_lasso_cv_matches_sklearn(weighted, sparse):
    X, y, sw = _data(sparse=sparse)
    kw = {"sample_weight": sw} if weighted else {}
    params = dict(cv=KFold(5), alphas=20, **TIGHT)
    ours = LassoCV(**params).fit(X, y, **kw)
    ref = _sk_fit(sk.LassoCV(**params), X, y, **kw)
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)
    np.testing.assert_allclose(ours.alphas_, ref.alphas_, rtol=1e-12)
    np.testing.assert_allclose(ours.mse_path_, ref.mse_path_, rtol=RTOL)
    assert_same_model(ours, ref, rtol=RTOL)
    assert ours.mse_path_.shape == (20, 5)
    assert not hasattr(ours, "l1_ratio_")


@pytest.mark.parametrize("weighted", [False, True])
def test_enet_cv_matches_sklearn(weighted):
    X, y, sw = _data(seed=1)
    kw = {"sample_weight": sw} if weighted else {}
    params = dict(cv=KFold(4), alphas=12, l1_ratio=[0.2, 0.7, 1.0], **TIGHT)
    ours = ElasticNetCV(**params).fit(X, y, **kw)
    ref = _sk_fit(sk.ElasticNetCV(**params), X, y, **kw)
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)
    assert ours.l1_ratio_ == ref.l1_ratio_
    assert ours.mse_path_.shape == ref.mse_path_.shape == (3, 12, 4)
    assert ours.alphas_.shape == (3, 12)
    np.testing.assert_allclose(ours.mse_path_, ref.mse_path_, rtol=RTOL)
    np.testing.assert_allclose(ours.alphas_, ref.alphas_, rtol=1e-12)
    assert_same_model(ours, ref, rtol=RTOL)


def test_enet_cv_user_alphas_and_positive():
    X, y, _ = _data(seed=2)
    params = dict(cv=KFold(3), alphas=[0.5, 0.01, 0.1], positive=True, **TIGHT)
    ours = ElasticNetCV(**params).fit(X, y)
    ref = _sk_fit(sk.ElasticNetCV(**params), X, y)
    np.testing.assert_array_equal(ours.alphas_, [0.5, 0.1, 0.01])
    assert ours.alpha_ == ref.alpha_
    np.testing.assert_allclose(ours.mse_path_, ref.mse_path_, rtol=RTOL)
    assert np.all(ours.coef_ >= 0)
    assert_same_model(ours, ref, rtol=RTOL)


def test_threaded_folds_equal_serial():
    X, y, sw = _data(n=80, p=40, seed=3)
    params = dict(cv=KFold(4), alphas=15, l1_ratio=[0.5, 1.0])
    serial = ElasticNetCV(n_jobs=1, **params).fit(X, y, sample_weight=sw)
    threads = ElasticNetCV(n_jobs=2, **params).fit(X, y, sample_weight=sw)
    np.testing.assert_array_equal(serial.mse_path_, threads.mse_path_)
    np.testing.assert_array_equal(serial.coef_, threads.coef_)
    assert serial.alpha_ == threads.alpha_
    rs = dict(selection="random", random_state=0, **params)
    a = ElasticNetCV(n_jobs=1, **rs).fit(X, y)
    b = ElasticNetCV(n_jobs=2, **rs).fit(X, y)
    np.testing.assert_array_equal(a.mse_path_, b.mse_path_)


def test_cv_splitter_params_and_verbose_progress(capsys):
    X, y, _ = _data(seed=4)
    groups = np.arange(len(y)) % 3
    # as scikit-learn: split parameters need metadata routing
    with pytest.raises(ValueError, match="groups"):
        LassoCV(cv=GroupKFold(3), alphas=5).fit(X, y, groups=groups)
    with sklearn.config_context(enable_metadata_routing=True):
        est = LassoCV(cv=GroupKFold(3), alphas=5, verbose=True)
        est.fit(X, y, groups=groups)
    assert est.mse_path_.shape == (5, 3)
    assert "100%" in capsys.readouterr().err


@pytest.mark.parametrize(
    "alphas, error, match",
    [
        ((1.0, -1.0), ValueError, r"alphas\[1\] == -1.0, must be >= 0.0"),
        ((1, 1.0, "1"), TypeError, r"alphas\[2\] must be an instance of float"),
    ],
)
def test_alpha_lists_are_checked_like_sklearn(alphas, error, match):
    X, y, _ = _data(seed=4)
    with pytest.raises(error, match=match):
        LassoCV(alphas=alphas).fit(X, y)
    with pytest.raises(error, match=match):
        sk.LassoCV(alphas=alphas).fit(X, y)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shape", [(40, 10), (20, 50)])
@pytest.mark.parametrize("gcv_mode", [None, "svd"])
def test_ridge_cv_loo_matches_sklearn(weighted, shape, gcv_mode):
    X, y, sw = _data(*shape, seed=5)
    kw = {"sample_weight": sw} if weighted else {}
    alphas = np.logspace(-3, 3, 13)
    ours = RidgeCV(alphas=alphas, gcv_mode=gcv_mode, store_cv_results=True)
    ours.fit(X, y, **kw)
    ref = sk.RidgeCV(alphas=alphas, gcv_mode=gcv_mode, store_cv_results=True)
    ref.fit(X, y, **kw)
    assert ours.alpha_ == ref.alpha_
    assert ours.best_score_ == pytest.approx(ref.best_score_, rel=RIDGE_RTOL)
    # (p > n at alpha 1e-3: the tiny LOO errors of near-interpolation carry
    # rounding relative to the largest, not to themselves)
    np.testing.assert_allclose(
        ours.cv_results_,
        ref.cv_results_,
        rtol=RIDGE_RTOL,
        atol=RIDGE_RTOL * np.abs(ref.cv_results_).max(),
    )
    assert_same_model(ours, ref, rtol=RIDGE_RTOL)


@pytest.mark.parametrize("shape", [(40, 10), (20, 50)])
def test_ridge_cv_loo_sparse_matches_dense(shape):
    X, y, sw = _data(*shape, seed=6, sparse=True)
    alphas = np.logspace(-2, 2, 9)
    dense = RidgeCV(alphas=alphas).fit(X.toarray(), y, sample_weight=sw)
    sparse = RidgeCV(alphas=alphas).fit(X, y, sample_weight=sw)
    assert dense.alpha_ == sparse.alpha_
    assert dense.best_score_ == pytest.approx(sparse.best_score_, rel=1e-9)
    assert_same_model(sparse, dense, rtol=RIDGE_RTOL)


def test_loo_residuals_are_exact():
    X, y, sw = _data(15, 6, seed=7)
    design = CenteredDesign(X, y, sw, True)
    for mode in ("gram", "cov", "svd"):
        U, lam = decompose(design, mode)
        looe = loo_residuals(U, lam, design.z, design.s, True, 0.7)
        for i in (0, 5, 14):
            keep = np.arange(len(y)) != i
            m = sk.Ridge(alpha=0.7).fit(X[keep], y[keep], sample_weight=sw[keep])
            err = np.sqrt(sw[i]) * (y[i] - m.predict(X[i : i + 1])[0])
            assert looe[i] == pytest.approx(err, rel=1e-8)


def test_ridge_cv_scoring_and_alpha_per_target():
    X, y, sw = _data(30, 8, seed=8)
    Y = np.c_[y, -2 * y + np.random.RandomState(0).randn(len(y))]
    alphas = np.logspace(-2, 3, 11)
    for kw in (dict(scoring="r2"), dict(alpha_per_target=True)):
        ours = RidgeCV(alphas=alphas, **kw).fit(X, Y, sample_weight=sw)
        ref = sk.RidgeCV(alphas=alphas, **kw).fit(X, Y, sample_weight=sw)
        np.testing.assert_array_equal(ours.alpha_, ref.alpha_)
        np.testing.assert_allclose(ours.best_score_, ref.best_score_, rtol=RIDGE_RTOL)
        assert_same_model(ours, ref, rtol=RIDGE_RTOL)


@pytest.mark.parametrize("weighted", [False, True])
def test_ridge_cv_kfold_matches_sklearn(weighted):
    X, y, sw = _data(50, 12, seed=9)
    kw = {"sample_weight": sw} if weighted else {}
    alphas = [0.0, 0.1, 1.0, 3.0, 10.0, 100.0]
    ours = RidgeCV(alphas=alphas, cv=KFold(5)).fit(X, y, **kw)
    ref = sk.RidgeCV(alphas=alphas, cv=KFold(5)).fit(X, y, **kw)
    assert ours.alpha_ == ref.alpha_
    assert ours.best_score_ == pytest.approx(ref.best_score_, rel=RTOL)
    assert_same_model(ours, ref, rtol=RTOL)
    # wide data: the folds run on the dual (kernel) form
    Xw, yw, _ = _data(20, 40, seed=10)
    ours = RidgeCV(alphas=alphas[1:], cv=4, scoring="neg_mean_squared_error")
    ref = sk.RidgeCV(alphas=alphas[1:], cv=4, scoring="neg_mean_squared_error")
    assert ours.fit(Xw, yw).alpha_ == ref.fit(Xw, yw).alpha_
    assert ours.best_score_ == pytest.approx(ref.best_score_, rel=RTOL)
    assert_same_model(ours, ref, rtol=RTOL)


def test_refitted_model_is_the_lasso_at_alpha_():
    X, y, sw = _data(seed=11)
    cv = LassoCV(cv=3, alphas=8, **TIGHT).fit(X, y, sample_weight=sw)
    one = Lasso(alpha=cv.alpha_, **TIGHT).fit(X, y, sample_weight=sw)
    assert_same_model(cv, one, rtol=RTOL)
    ref = sk.Lasso(alpha=cv.alpha_, **TIGHT).fit(X, y, sample_weight=sw)
    assert_same_model(cv, ref, rtol=RTOL)


@pytest.mark.parametrize("Est", [LassoCV, ElasticNetCV, RidgeCV])
def test_bad_input_raises_and_leaves_fitted_model(Est):
    X, y, sw = _data(seed=12)
    est = Est(cv=3).fit(X, y)
    coef = est.coef_.copy()
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        est.fit(Xn, y)
    with pytest.raises(ValueError, match="inconsistent"):
        est.fit(X, y[:-1])
    with pytest.raises(ValueError, match="Negative"):
        est.fit(X, y, sample_weight=-sw)
    with pytest.raises(ValueError, match="sample_weight"):
        est.fit(X, y, sample_weight=sw[:3])
    np.testing.assert_array_equal(est.coef_, coef)


def test_bad_params():
    X, y, _ = _data(seed=13)
    with pytest.raises(ValueError, match="eps"):
        LassoCV(eps=-1).fit(X, y)
    with pytest.raises(ValueError, match="l1_ratio"):
        ElasticNetCV(l1_ratio=[0.5, 1.5]).fit(X, y)
    with pytest.raises(ValueError, match="alphas"):
        LassoCV(alphas=[-1.0, 1.0]).fit(X, y)
    with pytest.raises(ValueError, match="l1_ratio=0"):
        ElasticNetCV(l1_ratio=0.0).fit(X, y)
    with pytest.raises(ValueError, match="1d"):
        LassoCV().fit(X, np.c_[y, y])
    with pytest.raises(ValueError, match="alphas"):
        RidgeCV(alphas=[0.0, 1.0]).fit(X, y)  # LOO needs alpha > 0
    with pytest.raises(ValueError, match="store_cv_results"):
        RidgeCV(cv=3, store_cv_results=True).fit(X, y)
    with pytest.raises(ValueError, match="alpha_per_target"):
        RidgeCV(cv=3, alpha_per_target=True).fit(X, y)
    with pytest.raises(ValueError, match="gcv_mode"):
        RidgeCV(gcv_mode="qr").fit(X, y)


def test_near_ties_in_cv_error_go_to_the_largest_alpha():
    from sklreg.linear_model._cv import _first_min

    assert _first_min(np.array([3.0, 1.0 + 1e-14, 1.0, 2.0])) == 1
    assert _first_min(np.array([3.0, 1.0 + 1e-6, 1.0, 2.0])) == 2


def test_ridge_loo_wide_data_with_intercept_matches_sklearn():
    rng = np.random.RandomState(0)
    X = rng.randn(20, 60)
    y = X[:, :5] @ rng.randn(5) + 0.1 * rng.randn(20)
    alphas = [1e-5, 1e-3, 1e-1]
    ours = RidgeCV(alphas=alphas).fit(X, y)
    ref = sk.RidgeCV(alphas=alphas).fit(X, y)
    assert ours.alpha_ == ref.alpha_
    # alpha 1e-5 on 20 x 60 data: the LOO errors lose digits to cancellation
    assert ours.best_score_ == pytest.approx(ref.best_score_, rel=1e-8)
    assert_same_model(ours, ref, rtol=RIDGE_RTOL)


def test_elastic_net_cv_alphas_shape_follows_sklearn():
    X, y, _ = _data(seed=6)
    kw = dict(l1_ratio=[0.5, 0.9], cv=KFold(3))
    for alphas in ([0.1, 0.05, 0.01], 4):
        ours = ElasticNetCV(alphas=alphas, **kw).fit(X, y)
        ref = sk.ElasticNetCV(alphas=alphas, **kw).fit(X, y)
        assert ours.alphas_.shape == ref.alphas_.shape


def test_thread_folds_run_inside_a_process_backend():
    joblib = pytest.importorskip("joblib")
    X, y, _ = _data(seed=7)
    serial = LassoCV(alphas=6, cv=KFold(3)).fit(X, y)
    with joblib.parallel_backend("loky"):
        parallel = LassoCV(alphas=6, cv=KFold(3), n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(parallel.coef_, serial.coef_)


def test_refit_is_the_solution_at_alpha():
    X, y, _ = _data(seed=8)
    cv = LassoCV(alphas=8, cv=KFold(3), **TIGHT).fit(X, y)
    exact = sk.Lasso(alpha=cv.alpha_, tol=1e-14, max_iter=100_000).fit(X, y)
    assert_same_model(cv, exact, rtol=RTOL)
    # the default tol: the refit's gap certifies it (P(w) - P(w*) <= gap)
    loose = LassoCV(alphas=8, cv=KFold(3)).fit(X, y)
    assert loose.alpha_ == cv.alpha_
    n = len(y)

    def objective(w, b):
        r = y - X @ w - b
        return r @ r / (2 * n) + cv.alpha_ * np.abs(w).sum()

    gap = objective(loose.coef_, loose.intercept_) - objective(
        exact.coef_, exact.intercept_
    )
    assert -1e-12 <= gap <= loose.dual_gap_ + 1e-12
    # deterministic: the same data give the same model
    again = LassoCV(alphas=8, cv=KFold(3), **TIGHT).fit(X, y)
    np.testing.assert_array_equal(again.coef_, cv.coef_)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("shape", [(30, 10), (10, 30)])
def test_ridge_loo_coef_is_exact_even_near_alpha_zero(sparse, shape):
    rng = np.random.RandomState(9)
    X = rng.randn(*shape)
    y = X @ rng.randn(shape[1]) + 10.0  # noise-free: alpha -> 0 is least squares
    Xin = sp.csr_matrix(X) if sparse else X
    for alpha in (1e-12, 1.0, 1e6):
        ours = RidgeCV(alphas=[alpha]).fit(Xin, y)
        ref = sk.RidgeCV(alphas=[alpha]).fit(X, y)
        np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-9)
        assert ours.intercept_ == pytest.approx(ref.intercept_, rel=1e-8)
        assert type(ours.intercept_) is type(ref.intercept_)


def test_lasso_cv_same_path_on_dense_and_sparse_storage():
    # scikit-learn's test_same_output_sparse_dense_lasso_and_enet_cv data:
    # both storages take the Gram form, whose matrices differ by rounding
    # only.  An Anderson step whose objective decrease is within that
    # rounding used to be kept on one storage and not on the other, and the
    # test errors of the two paths ended 0.15 apart at the smallest alpha.
    rng = np.random.RandomState(42)
    w = rng.randn(10)
    X = rng.randn(40, 10)
    X[rng.uniform(size=X.shape) > 0.5] = 0.0
    y = X @ w
    params = dict(max_iter=100, cv=4, tol=1e-8)
    dense = LassoCV(**params).fit(X, y)
    sparse = LassoCV(**params).fit(sp.csc_matrix(X), y)
    np.testing.assert_allclose(sparse.alphas_, dense.alphas_)
    np.testing.assert_allclose(sparse.mse_path_, dense.mse_path_, rtol=1e-7)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-7, atol=1e-12)
