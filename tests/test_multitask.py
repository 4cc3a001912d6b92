"""MultiTaskLasso / MultiTaskElasticNet (+CV) and the 2-D paths against
scikit-learn, dense and sparse, with the group KKT conditions and duality gap."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import linear_model as sk
from sklearn.exceptions import ConvergenceWarning

import sklreg
from sklreg.linear_model import enet_path, lasso_path

TIGHT = {"tol": 1e-10, "max_iter": 100_000}


def _data(n=50, p=120, T=3, seed=0, offset=2.0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p) + offset
    W = np.zeros((p, T))
    W[:5] = rng.randn(5, T)
    Y = X @ W + 0.3 * rng.randn(n, T) + 1.0
    return X, Y


def _rel(a, b):
    return np.abs(a - b).max() / max(np.abs(b).max(), 1e-300)


def _group_kkt(X, Y, coef, intercept, alpha, l1_ratio, sw=None):
    """Largest violation of the group optimality conditions, relative to alpha.

    With G = X^T diag(sw) (Y - X W^T - b) / n and the L2 part added back:
    ``G_j = alpha l1_ratio W_j / ||W_j||`` on the support, ``||G_j|| <=
    alpha l1_ratio`` off it.
    """
    n = X.shape[0]
    sw = np.ones(n) if sw is None else sw * (n / sw.sum())
    R = Y - np.asarray(X @ coef.T) - intercept
    G = np.asarray(X.T @ (sw[:, None] * R)) / n - alpha * (1 - l1_ratio) * coef.T
    nrm = np.linalg.norm(coef.T, axis=1)
    l1 = alpha * l1_ratio
    on = nrm > 0
    v_on = np.linalg.norm(G[on] - l1 * coef.T[on] / nrm[on, None], axis=1)
    v_off = np.maximum(np.linalg.norm(G[~on], axis=1) - l1, 0.0)
    return max(v_on.max(initial=0), v_off.max(initial=0)) / l1


@pytest.mark.parametrize("l1_ratio", [1.0, 0.6])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_matches_sklearn_dense_and_sparse(l1_ratio, fit_intercept, weighted):
    X, Y = _data()
    sw = np.random.RandomState(1).uniform(0.5, 2.0, X.shape[0]) if weighted else None
    params = {"alpha": 0.05, "l1_ratio": l1_ratio, "fit_intercept": fit_intercept}
    ref = sk.MultiTaskElasticNet(**params, **TIGHT).fit(X, Y, sample_weight=sw)
    ref_sp = sk.MultiTaskElasticNet(**params, **TIGHT).fit(
        sp.csc_matrix(X), Y, sample_weight=sw
    )
    dense = sklreg.MultiTaskElasticNet(**params, **TIGHT).fit(X, Y, sample_weight=sw)
    assert _rel(dense.coef_, ref.coef_) < 1e-6
    assert _rel(dense.intercept_ + 1.0, ref.intercept_ + 1.0) < 1e-6
    assert dense.coef_.shape == (3, 120) and dense.intercept_.shape == (3,)
    for fmt in ("csc", "csr"):
        Xs = sp.csr_matrix(X) if fmt == "csr" else sp.csc_matrix(X)
        sparse = sklreg.MultiTaskElasticNet(**params, **TIGHT).fit(
            Xs, Y, sample_weight=sw
        )
        assert _rel(sparse.coef_, dense.coef_) < 1e-6
        assert _rel(sparse.coef_, ref_sp.coef_) < 1e-6
        np.testing.assert_allclose(sparse.intercept_, ref_sp.intercept_, rtol=1e-6)
    # a certificate: the group KKT conditions and a small duality gap
    assert _group_kkt(X, Y, dense.coef_, dense.intercept_, 0.05, l1_ratio, sw) < 1e-4
    assert 0 <= dense.dual_gap_ <= dense.eps_ / X.shape[0]


def test_multitask_lasso_is_l1_ratio_one_and_selects_jointly():
    X, Y = _data(seed=3)
    a = sklreg.MultiTaskLasso(alpha=0.2, **TIGHT).fit(X, Y)
    b = sklreg.MultiTaskElasticNet(alpha=0.2, l1_ratio=1.0, **TIGHT).fit(X, Y)
    ref = sk.MultiTaskLasso(alpha=0.2, **TIGHT).fit(X, Y)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-12, atol=1e-14)
    assert _rel(a.coef_, ref.coef_) < 1e-6
    # a row of coef_.T is zero for every task or for none
    nz = a.coef_ != 0
    assert np.all(nz.all(axis=0) == nz.any(axis=0))
    assert 0 < nz.any(axis=0).sum() < X.shape[1]


def test_float32_kept_and_close_to_float64():
    X, Y = _data()
    m64 = sklreg.MultiTaskLasso(alpha=0.1, tol=1e-6).fit(X, Y)
    m32 = sklreg.MultiTaskLasso(alpha=0.1, tol=1e-6).fit(
        X.astype(np.float32), Y.astype(np.float32)
    )
    assert m32.coef_.dtype == np.float32 and m32.intercept_.dtype == np.float32
    atol = 2e-3 * np.abs(m64.coef_).max()
    np.testing.assert_allclose(m32.coef_, m64.coef_, atol=atol)


def test_gram_form_long_data_matches_sklearn():
    X, Y = _data(n=400, p=20, seed=5)  # n >> p: the Gram form
    ref = sk.MultiTaskElasticNet(alpha=0.02, tol=1e-8, max_iter=10_000).fit(X, Y)
    got = sklreg.MultiTaskElasticNet(alpha=0.02, tol=1e-8, max_iter=10_000).fit(X, Y)
    assert _rel(got.coef_, ref.coef_) < 1e-5
    assert _group_kkt(X, Y, got.coef_, got.intercept_, 0.02, 0.5) < 1e-3


def test_selection_random_and_warm_start():
    X, Y = _data(seed=2)
    ref = sk.MultiTaskLasso(alpha=0.1, **TIGHT).fit(X, Y)
    rnd = sklreg.MultiTaskLasso(alpha=0.1, selection="random", random_state=0, **TIGHT)
    assert _rel(rnd.fit(X, Y).coef_, ref.coef_) < 1e-6
    warm = sklreg.MultiTaskLasso(alpha=0.1, warm_start=True, **TIGHT).fit(X, Y)
    n_cold = warm.n_iter_
    warm.fit(X, Y)
    assert warm.n_iter_ <= 1 < n_cold
    assert _rel(warm.coef_, ref.coef_) < 1e-6


def test_errors_and_convergence_warning():
    X, Y = _data()
    with pytest.raises(ValueError, match="For mono-task outputs, use ElasticNet"):
        sklreg.MultiTaskElasticNet().fit(X, Y[:, 0])
    with pytest.raises(ValueError, match="For mono-task outputs, use Lasso"):
        sklreg.MultiTaskLasso().fit(X, Y[:, 0])
    model = sklreg.MultiTaskLasso(alpha=0.01, max_iter=2, tol=1e-12)
    with pytest.warns(ConvergenceWarning, match="Duality gap"):
        model.fit(X, Y)
    assert model.n_iter_ == 2
    fitted = sklreg.MultiTaskLasso(alpha=0.1).fit(X, Y)
    coef = fitted.coef_.copy()
    with pytest.raises(ValueError):
        fitted.fit(X, Y, sample_weight=-np.ones(X.shape[0]))
    np.testing.assert_array_equal(fitted.coef_, coef)


def test_constant_features_and_zero_alpha_max():
    X, Y = _data()
    X[:, 7] = 3.0  # constant column: zero once centred
    m = sklreg.MultiTaskLasso(alpha=0.1, **TIGHT).fit(X, Y)
    assert np.all(m.coef_[:, 7] == 0)
    big = sklreg.MultiTaskLasso(alpha=1e6).fit(X, Y)
    assert not big.coef_.any()
    np.testing.assert_allclose(big.intercept_, Y.mean(axis=0))


@pytest.mark.parametrize("path", ["enet_path", "lasso_path"])
@pytest.mark.parametrize("sparse", [False, True])
def test_2d_paths_match_sklearn(path, sparse):
    X, Y = _data(offset=0.0)
    X = sp.csc_matrix(X) if sparse else X
    ours = {"enet_path": enet_path, "lasso_path": lasso_path}[path]
    kw = {"alphas": 8, "tol": 1e-10, "max_iter": 100_000}
    a_ref, c_ref, _ = getattr(sk, path)(X, Y, **kw)
    a, c, gaps, n_iter = ours(X, Y, return_n_iter=True, **kw)
    np.testing.assert_allclose(a, a_ref, rtol=1e-12)
    assert c.shape == c_ref.shape == (3, 120, 8)
    assert _rel(c, c_ref) < 1e-6
    assert len(n_iter) == 8 and np.all(gaps >= 0)
    # the first alpha is alpha_max: every coefficient zero, the next not
    assert not c[..., 0].any() and c[..., 1].any()
    # each solution meets the group KKT conditions (no intercept in paths)
    l1_ratio = 0.5 if path == "enet_path" else 1.0
    for i in (2, 5, 7):
        viol = _group_kkt(X, Y, c[..., i], 0.0, a[i], l1_ratio)
        assert viol < 1e-4


def test_2d_path_coef_init_and_explicit_alphas():
    X, Y = _data(offset=0.0, seed=4)
    alphas = [0.5, 0.2, 0.1]
    _, c, _ = lasso_path(X, Y, alphas=alphas, tol=1e-10)
    _, c_ref, _ = sk.lasso_path(X, Y, alphas=alphas, tol=1e-10)
    assert _rel(c, c_ref) < 1e-6
    _, c_warm, _ = lasso_path(X, Y, alphas=[0.1], coef_init=c[..., 1], tol=1e-10)
    assert _rel(c_warm[..., 0], c[..., 2]) < 1e-6
    with pytest.raises(ValueError, match="coef_init has shape"):
        lasso_path(X, Y, alphas=[0.1], coef_init=np.zeros(X.shape[1]))
    with pytest.raises(ValueError, match="positive=True is not allowed"):
        lasso_path(X, Y, alphas=[0.1], positive=True)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_multitask_cv_picks_sklearns_alpha_on_fixed_folds(sparse, weighted):
    from sklearn.model_selection import KFold

    X, Y = _data(n=60, p=100, offset=1.0, seed=6)
    sw = np.random.RandomState(2).uniform(0.5, 2, 60) if weighted else None
    Xf = sp.csc_matrix(X) if sparse else X
    folds = list(KFold(4, shuffle=True, random_state=0).split(X))
    kw = {"cv": folds, "tol": 1e-8, "max_iter": 10_000, "alphas": 15}
    for name, extra in [
        ("MultiTaskLassoCV", {}),
        ("MultiTaskElasticNetCV", {"l1_ratio": [0.5, 0.9]}),
    ]:
        ref = getattr(sk, name)(**kw, **extra).fit(Xf, Y, sample_weight=sw)
        got = getattr(sklreg, name)(**kw, **extra).fit(Xf, Y, sample_weight=sw)
        assert got.alpha_ == ref.alpha_
        assert getattr(got, "l1_ratio_", 1) == getattr(ref, "l1_ratio_", 1)
        np.testing.assert_allclose(got.alphas_, ref.alphas_, rtol=1e-12)
        assert got.mse_path_.shape == ref.mse_path_.shape
        np.testing.assert_allclose(got.mse_path_, ref.mse_path_, rtol=1e-5)
        assert _rel(got.coef_, ref.coef_) < 1e-5
        np.testing.assert_allclose(got.intercept_, ref.intercept_, rtol=1e-5, atol=1e-8)
        assert got.coef_.shape == (3, 100)


def test_multitask_cv_refit_is_the_model_at_alpha_():
    X, Y = _data(seed=7)
    cv = sklreg.MultiTaskLassoCV(cv=3, alphas=10).fit(X, Y)
    ref = sklreg.MultiTaskLasso(alpha=cv.alpha_, **TIGHT).fit(X, Y)
    assert _rel(cv.coef_, ref.coef_) < 1e-5
    with pytest.raises(ValueError, match="For mono-task outputs"):
        sklreg.MultiTaskLassoCV().fit(X, Y[:, 0])
