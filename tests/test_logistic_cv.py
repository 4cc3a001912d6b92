"""LogisticRegressionCV: scikit-learn's attributes, folds equal to paths,
the refit equal to a single fit."""

import warnings

import numpy as np
import pytest
from sklearn import linear_model as sk
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold

from sklreg import LogisticRegression, LogisticRegressionCV, logistic_path

CV = StratifiedKFold(3)


@pytest.fixture(scope="module", params=[2, 3], ids=["binary", "multiclass"])
def data(request):
    X, y = make_classification(
        90,
        6,
        n_informative=4,
        n_redundant=0,
        n_classes=request.param,
        n_clusters_per_class=1,
        flip_y=0.15,
        random_state=0,
    )
    return X, y


def _pair(legacy, **kw):
    common = dict(cv=CV, Cs=4, use_legacy_attributes=legacy, **kw)
    # our tol bounds the duality gap: 1e-13 is about lbfgs's 1e-10
    ours = LogisticRegressionCV(tol=1e-13, **common)
    ref = sk.LogisticRegressionCV(tol=1e-10, max_iter=10_000, **common)
    return ours, ref


def _shapes(value):
    if isinstance(value, dict):
        return {k: np.shape(v) for k, v in value.items()}
    return np.shape(value)


@pytest.mark.parametrize("legacy", [True, False])
@pytest.mark.parametrize("l1_ratios", [None, (0.0, 1.0)])
def test_attributes_have_scikit_learns_layout(data, legacy, l1_ratios):
    X, y = data
    ours, ref = _pair(legacy, l1_ratios=l1_ratios, scoring="accuracy")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y)
        ref.set_params(solver="saga" if l1_ratios else "lbfgs").fit(X, y)
    for name in [
        "C_",
        "l1_ratio_",
        "Cs_",
        "l1_ratios_",
        "n_iter_",
        "coefs_paths_",
        "scores_",
        "coef_",
        "intercept_",
    ]:
        assert _shapes(getattr(ours, name)) == _shapes(getattr(ref, name)), name
    np.testing.assert_allclose(ours.Cs_, ref.Cs_)
    assert type(ours.C_) is type(ref.C_)


@pytest.mark.parametrize("legacy", [True, False])
def test_l2_matches_scikit_learn(data, legacy):
    X, y = data
    ours, ref = _pair(legacy, l1_ratios=(0.0,), scoring="neg_log_loss")
    ours.fit(X, y)
    ref.fit(X, y)
    np.testing.assert_allclose(ours.C_, ref.C_)
    if legacy:
        for label in ref.scores_:
            np.testing.assert_allclose(
                ours.scores_[label], ref.scores_[label], rtol=1e-6
            )
    else:
        np.testing.assert_allclose(ours.scores_, ref.scores_, rtol=1e-6)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)


@pytest.mark.parametrize("refit", [True, False])
def test_folds_are_paths_and_the_refit_a_single_fit(data, refit):
    X, y = data
    sw = np.random.RandomState(0).uniform(0.5, 2.0, X.shape[0])
    clf = LogisticRegressionCV(
        Cs=[0.05, 1.0, 20.0],
        l1_ratios=(0.5, 1.0),
        cv=CV,
        tol=1e-12,
        scoring="neg_log_loss",
        use_legacy_attributes=False,
        refit=refit,
        n_jobs=2,
    ).fit(X, y, sample_weight=sw)
    folds = list(CV.split(X, y))
    for f, (train, _) in enumerate(folds):
        for r, ratio in enumerate((0.5, 1.0)):
            coefs, _, _, _ = logistic_path(
                X[train],
                y[train],
                Cs=clf.Cs_,
                l1_ratio=ratio,
                tol=1e-12,
                sample_weight=sw[train],
                classes=clf.classes_,
            )
            got = clf.coefs_paths_[f, r].reshape(coefs.shape)
            np.testing.assert_allclose(got, coefs, atol=1e-8)
    # the best pair maximises the summed fold scores (scikit-learn's order)
    total = clf.scores_.sum(axis=0)  # (n_l1, n_cs)
    if refit:
        r, c = np.unravel_index(np.argmax(total.T), total.T.shape)[::-1]
        assert clf.C_ == clf.Cs_[c] and clf.l1_ratio_ == (0.5, 1.0)[r]
        single = LogisticRegression(C=clf.C_, l1_ratio=clf.l1_ratio_, tol=1e-12)
        single.fit(X, y, sample_weight=sw)
        np.testing.assert_allclose(
            clf.predict_proba(X), single.predict_proba(X), atol=1e-6
        )
    else:
        best = [np.unravel_index(np.argmax(s.T), s.T.shape) for s in clf.scores_]
        w = np.mean(
            [clf.coefs_paths_[f, r, c] for f, (c, r) in enumerate(best)], axis=0
        )
        np.testing.assert_allclose(clf.coef_, w[:, :-1])
        np.testing.assert_allclose(clf.intercept_, w[:, -1])
        assert clf.C_ == pytest.approx(np.mean([clf.Cs_[c] for c, _ in best]))


def test_threads_give_the_same_model(data):
    X, y = data
    kw = dict(
        Cs=3, l1_ratios=(0.0,), cv=CV, scoring="accuracy", use_legacy_attributes=False
    )
    a = LogisticRegressionCV(n_jobs=1, **kw).fit(X, y)
    b = LogisticRegressionCV(n_jobs=2, **kw).fit(X, y)
    np.testing.assert_array_equal(a.coefs_paths_, b.coefs_paths_)
    np.testing.assert_array_equal(a.coef_, b.coef_)


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(penalty="elasticnet", l1_ratios=[0.5, 1.5]), "l1_ratios must be"),
        (dict(l1_ratios=[-0.5]), "l1_ratios must be"),
        (dict(dual=True), "dual=True"),
        (dict(class_weight={7: 1.0}), "class_weight dict"),
    ],
)
def test_bad_parameters_raise(data, params, match):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        with pytest.raises(ValueError, match=match):
            LogisticRegressionCV(cv=CV, **params).fit(X, y)


def test_defaults_warn_as_scikit_learn(data):
    X, y = data
    with pytest.warns(FutureWarning) as record:
        LogisticRegressionCV(cv=CV, Cs=2).fit(X, y)
    messages = " ".join(str(w.message) for w in record)
    for part in ["l1_ratios", "'scoring'", "use_legacy_attributes"]:
        assert part in messages
