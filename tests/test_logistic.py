"""LogisticRegression: optimality, agreement with scikit-learn, bad input."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit, logsumexp, softmax
from sklearn import linear_model as sk
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from sklreg import LogisticRegression

# -- references written here, independent of sklreg's engine -------------------


def _scores(coef, intercept, X):
    return np.asarray(X @ coef.T) + intercept


def _probabilities(coef, intercept, X):
    Z = _scores(coef, intercept, X)
    if coef.shape[0] == 1:
        return expit(Z)
    return softmax(Z, axis=1)


def _targets(y, classes):
    if classes.shape[0] == 2:
        return (y == classes[1]).astype(float)[:, None]
    return (y[:, None] == classes[None, :]).astype(float)


def objective(coef, intercept, X, y, classes, C, l1_ratio, sw=None, factors=None):
    """scikit-learn's objective ``C sum_i s_i logloss_i + penalty``."""
    s = np.ones(X.shape[0]) if sw is None else sw
    f = np.ones(coef.shape[1]) if factors is None else np.asarray(factors, float)
    Z = _scores(coef, intercept, X)
    Y = _targets(y, classes)
    if coef.shape[0] == 1:
        loss = np.logaddexp(0, Z[:, 0]) - Y[:, 0] * Z[:, 0]
    else:
        loss = logsumexp(Z, axis=1) - (Z * Y).sum(axis=1)
    keep = np.isfinite(f)
    W = coef[:, keep]
    pen = l1_ratio * np.abs(W) @ f[keep] + 0.5 * (1 - l1_ratio) * (W**2) @ f[keep]
    return C * float(s @ loss) + float(pen.sum())


def assert_kkt(clf, X, y, sw=None, factors=None, atol=1e-6):
    """First-order optimality of scikit-learn's objective at the fit."""
    C, rho = clf.C, clf.l1_ratio
    s = np.ones(X.shape[0]) if sw is None else sw
    f = np.ones(X.shape[1]) if factors is None else np.asarray(factors, float)
    coef = clf.coef_.astype(float)
    P = _probabilities(coef, clf.intercept_, X)
    G = C * s[:, None] * (P - _targets(y, clf.classes_))
    grad = np.asarray(X.T @ G).T  # (n_rows, n_features)
    scale = C * s.sum() * atol
    if clf.fit_intercept:
        np.testing.assert_allclose(G.sum(axis=0), 0.0, atol=scale)
    excluded = np.isinf(f)
    assert np.all(coef[:, excluded] == 0.0)
    fk = f[~excluded]
    W, g = coef[:, ~excluded], grad[:, ~excluded]
    g = g + (1 - rho) * fk * W
    nz = W != 0
    l1 = np.broadcast_to(rho * fk, W.shape)
    np.testing.assert_allclose(g[nz], -l1[nz] * np.sign(W[nz]), atol=scale)
    assert np.all(np.abs(g[~nz]) <= l1[~nz] + scale)


@pytest.fixture(scope="module")
def binary():
    X, y = make_classification(120, 12, n_informative=5, random_state=0)
    return X, y


@pytest.fixture(scope="module")
def multiclass():
    X, y = make_classification(
        150, 10, n_informative=6, n_classes=3, n_clusters_per_class=1, random_state=1
    )
    return X, y


def _data(name, binary, multiclass):
    return binary if name == "binary" else multiclass


# -- optimality without scikit-learn ------------------------------------------


@pytest.mark.parametrize("problem", ["binary", "multiclass"])
@pytest.mark.parametrize("l1_ratio", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("container", [np.asarray, sp.csr_matrix, sp.csc_matrix])
@pytest.mark.parametrize("weighted", [False, True])
def test_kkt_and_gap(
    problem, l1_ratio, fit_intercept, container, weighted, binary, multiclass
):
    X, y = _data(problem, binary, multiclass)
    sw = np.random.RandomState(0).uniform(0.2, 3.0, X.shape[0]) if weighted else None
    C = 0.3
    clf = LogisticRegression(
        C=C, l1_ratio=l1_ratio, fit_intercept=fit_intercept, tol=1e-11
    ).fit(container(X), y, sample_weight=sw)
    assert_kkt(clf, X, y, sw)
    s_sum = X.shape[0] if sw is None else sw.sum()
    assert 0.0 <= clf.dual_gap_ <= 1e-11 * C * s_sum
    # the gap certifies: a far tighter fit is not better by more than it
    tight = LogisticRegression(
        C=C, l1_ratio=l1_ratio, fit_intercept=fit_intercept, tol=1e-14, max_iter=500
    ).fit(X, y, sample_weight=sw)
    args = (X, y, clf.classes_, C, l1_ratio, sw)
    ours = objective(clf.coef_, clf.intercept_, *args)
    best = objective(tight.coef_, tight.intercept_, *args)
    assert ours - best <= clf.dual_gap_ + 1e-12 * abs(best)


@pytest.mark.parametrize("problem", ["binary", "multiclass"])
@pytest.mark.parametrize("l1_ratio", [0.0, 0.7, 1.0])
@pytest.mark.parametrize("sparse", [False, True])
def test_kkt_with_penalty_factor(problem, l1_ratio, sparse, binary, multiclass):
    X, y = _data(problem, binary, multiclass)
    n_features = X.shape[1]
    factors = np.tile([0.0, 1.0, 2.5, np.inf], n_features // 4 + 1)[:n_features]
    clf = LogisticRegression(
        C=0.2, l1_ratio=l1_ratio, tol=1e-11, penalty_factor=factors
    ).fit(sp.csr_matrix(X) if sparse else X, y)
    assert_kkt(clf, X, y, factors=factors)
    assert np.isfinite(clf.dual_gap_)
    assert np.all(clf.coef_[:, np.isinf(factors)] == 0.0)
    # unpenalised features are not shrunk to zero
    assert np.all(clf.coef_[:, factors == 0] != 0.0)


def test_penalty_factor_ones_is_the_plain_model(binary):
    X, y = binary
    plain = LogisticRegression(C=0.5, l1_ratio=0.5, tol=1e-12).fit(X, y)
    ones = LogisticRegression(
        C=0.5, l1_ratio=0.5, tol=1e-12, penalty_factor=np.ones(X.shape[1])
    ).fit(X, y)
    np.testing.assert_allclose(ones.coef_, plain.coef_, atol=1e-8)
    np.testing.assert_allclose(ones.intercept_, plain.intercept_, atol=1e-8)


def test_penalty_factor_scales_the_penalty(binary):
    """Factors ``c`` everywhere equal ``C / c``."""
    X, y = binary
    a = LogisticRegression(
        C=1.0, l1_ratio=0.3, tol=1e-12, penalty_factor=np.full(X.shape[1], 4.0)
    ).fit(X, y)
    b = LogisticRegression(C=0.25, l1_ratio=0.3, tol=1e-12).fit(X, y)
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-7)


def test_all_features_unpenalised_is_unpenalised(binary):
    X, y = binary
    X = X + 0.5 * np.random.RandomState(3).randn(*X.shape)  # not separable
    free = LogisticRegression(tol=1e-10, penalty_factor=np.zeros(X.shape[1])).fit(X, y)
    none = LogisticRegression(C=np.inf, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(free.coef_, none.coef_, rtol=1e-6)
    assert np.isnan(none.dual_gap_)
    assert_kkt(none.set_params(C=1.0), X, y, factors=np.zeros(X.shape[1]))


# -- against scikit-learn -----------------------------------------------------


@pytest.mark.parametrize("problem", ["binary", "multiclass"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_l2_matches_lbfgs(problem, fit_intercept, binary, multiclass):
    X, y = _data(problem, binary, multiclass)
    sw = np.random.RandomState(2).uniform(0.5, 2.0, X.shape[0])
    kw = dict(C=0.7, fit_intercept=fit_intercept)
    ours = LogisticRegression(tol=1e-12, **kw).fit(X, y, sample_weight=sw)
    ref = sk.LogisticRegression(tol=1e-12, max_iter=10_000, **kw).fit(
        X, y, sample_weight=sw
    )
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-5)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-5)
    assert ours.coef_.shape == ref.coef_.shape
    assert ours.intercept_.shape == ref.intercept_.shape
    np.testing.assert_array_equal(ours.classes_, ref.classes_)


@pytest.mark.parametrize("problem", ["binary", "multiclass"])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_l1_and_elastic_net_match_saga(problem, l1_ratio, binary, multiclass):
    X, y = _data(problem, binary, multiclass)
    X = X / np.abs(X).max(axis=0)  # saga converges on scaled features
    kw = dict(C=0.5, l1_ratio=l1_ratio)
    ours = LogisticRegression(tol=1e-12, **kw).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = sk.LogisticRegression(
            solver="saga", tol=1e-12, max_iter=20_000, **kw
        ).fit(X, y)
    args = (X, y, ours.classes_, 0.5, l1_ratio)
    obj_ours = objective(ours.coef_, ours.intercept_, *args)
    obj_ref = objective(ref.coef_, ref.intercept_, *args)
    assert obj_ours <= obj_ref + 1e-9 * abs(obj_ref)
    # the probabilities are unique even where the coefficients are not
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-5)
    if problem == "binary":
        np.testing.assert_array_equal(ours.coef_ == 0, ref.coef_ == 0)


@pytest.mark.parametrize("problem", ["binary", "multiclass"])
@pytest.mark.parametrize("l1_ratio", [0.0, 1.0])
def test_sparse_equals_dense(problem, l1_ratio, binary, multiclass):
    X, y = _data(problem, binary, multiclass)
    X = X * (np.random.RandomState(0).uniform(size=X.shape) < 0.5)
    sw = np.random.RandomState(1).uniform(0.5, 2.0, X.shape[0])
    dense = LogisticRegression(l1_ratio=l1_ratio, tol=1e-12).fit(X, y, sw)
    for container in (sp.csr_matrix, sp.csc_matrix):
        sparse = LogisticRegression(l1_ratio=l1_ratio, tol=1e-12).fit(
            container(X), y, sw
        )
        np.testing.assert_allclose(sparse.coef_, dense.coef_, atol=1e-8)
        np.testing.assert_allclose(sparse.intercept_, dense.intercept_, atol=1e-8)


def test_float32_is_kept(binary):
    X, y = binary
    clf32 = LogisticRegression(tol=1e-10).fit(X.astype(np.float32), y)
    clf64 = LogisticRegression(tol=1e-10).fit(X, y)
    ref = sk.LogisticRegression().fit(X.astype(np.float32), y)
    assert clf32.coef_.dtype == ref.coef_.dtype == np.float32
    assert clf32.intercept_.dtype == np.float32
    np.testing.assert_allclose(clf32.coef_, clf64.coef_, rtol=1e-4, atol=1e-5)
    clf32s = LogisticRegression(tol=1e-10).fit(sp.csr_matrix(X, dtype=np.float32), y)
    assert clf32s.coef_.dtype == np.float32


def test_class_weight_is_a_sample_weight(multiclass):
    X, y = multiclass
    cw = {0: 0.5, 1: 2.0, 2: 1.0}
    a = LogisticRegression(class_weight=cw, tol=1e-12).fit(X, y)
    b = LogisticRegression(tol=1e-12).fit(
        X, y, sample_weight=np.array([cw[c] for c in y])
    )
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-8)
    bal = LogisticRegression(class_weight="balanced", tol=1e-12).fit(X[:100], y[:100])
    ref = sk.LogisticRegression(class_weight="balanced", tol=1e-12, max_iter=10_000)
    ref.fit(X[:100], y[:100])
    np.testing.assert_allclose(bal.predict_proba(X), ref.predict_proba(X), atol=1e-6)


def test_every_solver_name_fits_the_same_model(binary):
    X, y = binary
    ref = LogisticRegression(l1_ratio=1.0, tol=1e-12).fit(X, y)
    for solver in ["liblinear", "newton-cg", "newton-cholesky", "sag", "saga"]:
        clf = LogisticRegression(
            l1_ratio=1.0, tol=1e-12, solver=solver, intercept_scaling=10.0
        ).fit(X, y)
        np.testing.assert_array_equal(clf.coef_, ref.coef_)


def test_deprecated_penalty_is_read_as_scikit_learn(binary):
    X, y = binary
    with pytest.warns(FutureWarning, match="'penalty' was deprecated"):
        l1 = LogisticRegression(penalty="l1", l1_ratio=1.0, tol=1e-10).fit(X, y)
    ref = LogisticRegression(l1_ratio=1.0, tol=1e-10).fit(X, y)
    np.testing.assert_array_equal(l1.coef_, ref.coef_)
    with pytest.warns(FutureWarning, match="'penalty' was deprecated"):
        none = LogisticRegression(penalty=None, tol=1e-8, max_iter=500).fit(
            X[:40], y[:40]
        )
    inf = LogisticRegression(C=np.inf, tol=1e-8, max_iter=500).fit(X[:40], y[:40])
    np.testing.assert_array_equal(none.coef_, inf.coef_)
    with pytest.warns(FutureWarning, match="n_jobs"):
        LogisticRegression(n_jobs=2).fit(X, y)
    with pytest.warns(FutureWarning, match="l1_ratio=None"):
        LogisticRegression(l1_ratio=None).fit(X, y)


def test_warm_start_resumes_at_the_solution(multiclass):
    X, y = multiclass
    clf = LogisticRegression(l1_ratio=0.5, tol=1e-10, warm_start=True).fit(X, y)
    assert clf.n_iter_[0] > 1
    coef = clf.coef_.copy()
    clf.fit(X, y)
    assert clf.n_iter_[0] == 0
    np.testing.assert_array_equal(clf.coef_, coef)


def test_max_iter_warns(multiclass):
    X, y = multiclass
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        clf = LogisticRegression(max_iter=1, tol=1e-12).fit(X, y)
    assert clf.n_iter_[0] == 1


# -- hard data ----------------------------------------------------------------


@pytest.mark.parametrize("l1_ratio", [0.0, 1.0])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_separable_data_with_large_C_terminates(l1_ratio, n_classes):
    rng = np.random.RandomState(0)
    X = rng.randn(60, 3)
    y = np.digitize(X[:, 0], [-0.5, 0.5][: n_classes - 1])
    clf = LogisticRegression(C=1e4, l1_ratio=l1_ratio, max_iter=300, tol=1e-8)
    clf.fit(X, y)
    assert np.isfinite(clf.coef_).all() and np.isfinite(clf.intercept_).all()
    assert clf.score(X, y) == 1.0
    assert np.isfinite(clf.dual_gap_)


def test_constant_columns_unbalanced_classes_single_sample_class():
    rng = np.random.RandomState(4)
    X = rng.randn(80, 5)
    X[:, 1] = 3.0  # constant: its coefficient is taken by the intercept
    X[:, 4] = 0.0
    y = np.zeros(80, dtype=int)
    y[:10] = 1
    y[10] = 2  # one sample
    y[X[:, 0] > 1.2] = 1
    for l1_ratio in (0.0, 1.0):
        clf = LogisticRegression(C=2.0, l1_ratio=l1_ratio, tol=1e-11).fit(X, y)
        assert_kkt(clf, X, y)
        # a constant column is the intercept's business, a zero one nobody's
        np.testing.assert_allclose(clf.coef_[:, [1, 4]], 0.0, atol=1e-8)
        if l1_ratio == 1.0:
            assert np.all(clf.coef_[:, [1, 4]] == 0)
        assert clf.predict_proba(X).shape == (80, 3)


def test_string_labels_and_decision_function(binary):
    X, y = binary
    labels = np.array(["neg", "pos"])[y]
    clf = LogisticRegression(tol=1e-10).fit(X, labels)
    ref = LogisticRegression(tol=1e-10).fit(X, y)
    np.testing.assert_array_equal(
        clf.predict(X), np.array(["neg", "pos"])[ref.predict(X)]
    )
    np.testing.assert_allclose(clf.decision_function(X), ref.decision_function(X))
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(clf.predict_proba(X)))


# -- bad input ----------------------------------------------------------------


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_X_raises(binary, bad):
    X, y = binary
    X = X.copy()
    X[3, 2] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        LogisticRegression().fit(X, y)


def test_bad_targets_raise(binary):
    X, y = binary
    with pytest.raises(ValueError, match="only one class"):
        LogisticRegression().fit(X, np.zeros_like(y))
    with pytest.raises(ValueError, match="Unknown label type"):
        LogisticRegression().fit(X, np.linspace(0, 1, X.shape[0]))


def test_bad_weights_raise(binary):
    X, y = binary
    sw = np.ones(X.shape[0])
    sw[0] = -1.0
    with pytest.raises(ValueError, match="[Nn]egative"):
        LogisticRegression().fit(X, y, sample_weight=sw)
    with pytest.raises(ValueError, match="non-zero|positive"):
        LogisticRegression().fit(X, y, sample_weight=np.zeros(X.shape[0]))


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(C=0.0), "C"),
        (dict(C=-1.0), "C"),
        (dict(l1_ratio=1.5), "l1_ratio"),
        (dict(l1_ratio=-0.1), "l1_ratio"),
        (dict(dual=True), "dual=True"),
        (dict(penalty_factor=[1.0, 2.0]), "penalty_factor has shape"),
        (dict(penalty_factor=-np.ones(12)), "non-negative"),
        (dict(penalty_factor=np.full(12, np.nan)), "non-negative"),
    ],
)
def test_bad_parameters_raise(binary, params, match):
    X, y = binary
    with pytest.raises(ValueError, match=match):
        LogisticRegression(**params).fit(X, y)


def test_predict_checks(binary):
    X, y = binary
    with pytest.raises(NotFittedError):
        LogisticRegression().predict(X)
    clf = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :5])


def test_failed_fit_leaves_the_model_as_it_was(binary):
    X, y = binary
    clf = LogisticRegression(penalty_factor=np.ones(X.shape[1])).fit(X, y)
    before = {k: np.copy(v) for k, v in vars(clf).items() if k.endswith("_")}
    sw = np.ones(5)
    sw[0] = -1
    with pytest.raises(ValueError):
        clf.fit(X[:5, :3], y[:5], sample_weight=sw)
    clf.set_params(penalty_factor=[1.0])
    with pytest.raises(ValueError):
        clf.fit(X, y)
    after = {k: v for k, v in vars(clf).items() if k.endswith("_")}
    assert before.keys() == after.keys()
    for k in before:
        np.testing.assert_array_equal(after[k], before[k])


@pytest.mark.parametrize("n_classes", [2, 3])
def test_capped_polishing_step_keeps_the_certificate(n_classes, monkeypatch):
    # the polishing step may stop at polish_epochs (on large working sets:
    # made "large" here): the result is then the last step's, certified by
    # the duality gap all the same, and close to the fully polished one
    from sklreg._cd import prox_newton
    from sklreg._cd.prox_newton import ProxNewtonSolver

    monkeypatch.setattr(prox_newton, "_LARGE_POLISH_WORK", 0)
    from sklreg.linear_model._logistic_solve import logistic_datafit, penalty_vectors

    rng = np.random.RandomState(0)
    X = rng.randn(120, 40)
    y = rng.randint(n_classes, size=120)
    C = 5.0
    results = []
    for polish_epochs in (1, 1000):
        datafit = logistic_datafit(X, y, n_classes, np.ones(120), True)
        penalty = penalty_vectors(C, 1.0, None, 40)
        solver = ProxNewtonSolver(tol=1e-6, polish_epochs=polish_epochs)
        res = solver.solve(datafit, penalty)
        assert res.converged and res.certified
        assert res.criterion <= 1e-6 * datafit.stopping_scale()
        results.append(res.coef)
    np.testing.assert_allclose(results[0], results[1], rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize(
    "layout, sizes, whole_after",
    [
        # CSR: a pass per copy; the set grows after a smaller copy: whole
        ("csr", (20, 10, 60), 2),
        # C-ordered: copies cost their share of the columns; whole once
        # they add up to all of them (ski rental; each costs its share)
        ("C", (20, 10, 300, 400), 3),
    ],
)
def test_row_major_columns_copied_on_demand(layout, sizes, whole_after):
    # a row-major input's working-set columns are copied into a column-major
    # buffer only when asked for, the whole conversion made when it pays
    from sklreg._cd.design_logistic import Design

    rng = np.random.RandomState(0)
    A = rng.randn(50, 400) * (rng.uniform(size=(50, 400)) < 0.05)
    design = Design(sp.csr_matrix(A) if layout == "csr" else np.ascontiguousarray(A))
    assert design.row_major
    asked = []
    for step, size in enumerate(sizes):
        cols = np.sort(rng.choice(400, size, replace=False))
        asked.append(cols)
        w = np.zeros(400)
        w[cols] = rng.randn(size)
        np.testing.assert_allclose(design.matvec(w, cols), A @ w, atol=1e-12)
        v = rng.randn(50)
        np.testing.assert_allclose(design.rmatvec(v, cols), A[:, cols].T @ v)
        np.testing.assert_allclose(design.rmatvec(v), A.T @ v, atol=1e-12)
        if step < whole_after:
            assert design._columns.whole is None  # still partial
            n_asked = len(np.unique(np.concatenate(asked)))
            assert design._columns.copied.sum() == n_asked
        else:
            assert design._columns.whole is not None  # converted whole
    if layout == "C":
        np.testing.assert_array_equal(design.columns(design.all_cols), A)


def test_c_ordered_equals_fortran(binary):
    X, y = binary
    kw = dict(l1_ratio=0.7, C=0.3, tol=1e-12)
    ref = LogisticRegression(**kw).fit(np.asfortranarray(X), y)
    for Xl in (np.ascontiguousarray(X), np.ascontiguousarray(X, dtype=np.float32)):
        ours = LogisticRegression(**kw).fit(Xl, y)
        atol = 1e-8 if Xl.dtype == np.float64 else 1e-4
        np.testing.assert_allclose(ours.coef_, ref.coef_, atol=atol)
        np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=atol)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_non_canonical_wide_csr_equals_dense(fit_intercept):
    # unsorted indices and duplicated entries (summed, scipy's meaning), on
    # a problem whose working set grows over several outer steps
    rng = np.random.RandomState(0)
    n, p = 80, 600
    A = rng.randn(n, p) * (rng.uniform(size=(n, p)) < 0.05)
    y = (A[:, :20] @ rng.randn(20) + 0.3 * rng.randn(n) > 0).astype(int)
    rows, cols = np.nonzero(A)
    rows, cols = np.r_[rows, rows], np.r_[cols, cols]
    vals = A[rows, cols] / 2
    order = np.lexsort((rng.permutation(rows.size), rows))  # rows, shuffled
    indptr = np.r_[0, np.cumsum(np.bincount(rows, minlength=n))]
    X = sp.csr_matrix((vals[order], cols[order], indptr), shape=(n, p))
    assert not X.has_canonical_format
    kw = dict(l1_ratio=1.0, C=20.0, tol=1e-12, fit_intercept=fit_intercept)
    dense = LogisticRegression(**kw).fit(A, y)
    sparse = LogisticRegression(**kw).fit(X, y)
    assert dense.n_iter_[0] >= 3 and np.count_nonzero(dense.coef_) > 20
    np.testing.assert_allclose(sparse.coef_, dense.coef_, atol=1e-8)
    np.testing.assert_allclose(sparse.intercept_, dense.intercept_, atol=1e-8)
