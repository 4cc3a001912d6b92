"""Tests of sklreg.MLPRegressor and of what the shared MLP base added (lbfgs,
learning-rate schedules, multilabel and sparse input), against scikit-learn's
MLP, closed forms and numpy references."""

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

import scipy.sparse as sp  # noqa: E402
from numpy.testing import assert_allclose, assert_array_equal  # noqa: E402
from sklearn.datasets import (  # noqa: E402
    load_diabetes,
    make_friedman1,
    make_multilabel_classification,
)
from sklearn.metrics import r2_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier  # noqa: E402
from sklearn.neural_network import MLPRegressor as SklearnMLPRegressor  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from sklreg import MLPClassifier, MLPRegressor  # noqa: E402

quiet = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _reg_data(n_samples=200, n_targets=1, seed=0):
    X, y = make_friedman1(n_samples, n_features=6, random_state=seed)
    if n_targets > 1:
        y = np.column_stack([y, np.sin(3 * X[:, 0]) + X[:, 1]][:n_targets])
    return X, (y - y.mean(0)) / y.std(0)


# --------------------------------------------------------------------------
# scikit-learn's checks with dropout and batch norm (MLPRegressor() itself is
# checked, with no expected failure, in tests/test_common.py)
_WEIGHT_REASON = (
    "a weight of k is not k repeated rows here, by design: dropout draws one "
    "mask per row, so repeated rows get different masks, and batch norm's "
    "batch statistics count repeated rows k times but a weighted row once"
)


@parametrize_with_checks(
    [MLPRegressor(dropout_p=0.2, batch_norm=True)],
    expected_failed_checks=lambda est: {
        "check_sample_weight_equivalence_on_dense_data": _WEIGHT_REASON,
        "check_sample_weight_equivalence_on_sparse_data": _WEIGHT_REASON,
    },
)
def test_sklearn_compatible_with_dropout_and_batch_norm(estimator, check):
    check(estimator)


# --------------------------------------------------------------------------
# against scikit-learn: SGD and its schedules draw for draw, lbfgs's loss
@quiet
@pytest.mark.parametrize("schedule", ["constant", "invscaling", "adaptive"])
@pytest.mark.parametrize("nesterov", [True, False])
def test_sgd_schedules_match_sklearn_to_rounding(schedule, nesterov):
    X, y = _reg_data()
    kw = dict(
        hidden_layer_sizes=(16, 7),
        solver="sgd",
        alpha=0.01,
        batch_size=32,
        learning_rate_init=0.05,
        learning_rate=schedule,
        power_t=0.3,
        nesterovs_momentum=nesterov,
        tol=1e-2,
        n_iter_no_change=2,
        max_iter=40,
        random_state=3,
    )
    ref = SklearnMLPRegressor(**kw).fit(X, y)
    ours = MLPRegressor(**kw).fit(X, y)
    assert ours.n_iter_ == ref.n_iter_
    assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-10)
    for a, b in zip(
        ours.coefs_ + ours.intercepts_, ref.coefs_ + ref.intercepts_, strict=True
    ):
        assert_allclose(a, b, rtol=1e-8, atol=1e-12)
    assert ours._optimizer.learning_rate == pytest.approx(
        ref._optimizer.learning_rate, rel=1e-12
    )
    assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-8, atol=1e-12)


@quiet
def test_learning_rate_formulas():
    X, y = _reg_data(n_samples=50)
    kw = dict(solver="sgd", hidden_layer_sizes=(4,), batch_size=10, random_state=0)
    inv = MLPRegressor(learning_rate="invscaling", power_t=0.25, max_iter=3, **kw)
    inv.fit(X, y)
    assert inv.t_ == 150
    assert inv._optimizer.learning_rate == 0.001 / (150 + 1) ** 0.25
    # adaptive: divided by 5 at each plateau until <= 1e-6, then stops,
    # at the same epochs as scikit-learn
    ada_kw = dict(learning_rate="adaptive", tol=1e9, n_iter_no_change=1, max_iter=100)
    ada = MLPRegressor(**ada_kw, **kw).fit(X, y)
    ref = SklearnMLPRegressor(**ada_kw, **kw).fit(X, y)
    assert ada._optimizer.learning_rate == pytest.approx(1e-3 / 5**5)
    assert ada._optimizer.learning_rate == ref._optimizer.learning_rate
    assert ada.n_iter_ == ref.n_iter_ < 100
    const = MLPRegressor(learning_rate="constant", max_iter=3, **kw).fit(X, y)
    assert const._optimizer.learning_rate == 0.001
    # torch's optimizer steps with the current rate
    assert inv.net_.optimizer_.param_groups[0]["lr"] == inv._optimizer.learning_rate


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
def test_lbfgs_reaches_sklearn_loss(activation):
    X, y = _reg_data(n_samples=150)
    kw = dict(
        hidden_layer_sizes=(8,),
        activation=activation,
        solver="lbfgs",
        alpha=0.1,
        tol=1e-9,
        max_iter=3000,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = SklearnMLPRegressor(**kw).fit(X, y)
        ours = MLPRegressor(**kw).fit(X, y)
    # both converge (possibly to different local minima of equal quality)
    assert ours.loss_ <= ref.loss_ * 1.02 + 1e-8
    assert ours.n_iter_ <= 3000
    assert len(ours.loss_curve_) == ours.n_iter_
    # loss_ is the objective at the returned weights (numpy, closed form)
    act = {
        "relu": lambda z: np.maximum(z, 0),
        "tanh": np.tanh,
        "logistic": lambda z: 1 / (1 + np.exp(-z)),
        "identity": lambda z: z,
    }[activation]
    W1, W2 = ours.coefs_
    b1, b2 = ours.intercepts_
    pred = act(X @ W1 + b1) @ W2 + b2
    objective = 0.5 * np.mean((pred[:, 0] - y) ** 2) + 0.5 * 0.1 * (
        (W1**2).sum() + (W2**2).sum()
    ) / len(y)
    assert ours.loss_ == pytest.approx(objective, rel=1e-9)
    assert_allclose(ours.predict(X), pred[:, 0], rtol=1e-9, atol=1e-12)


def test_lbfgs_l1_gives_exact_zeros_and_the_penalized_loss():
    X, y = _reg_data(n_samples=150)
    alpha = 3.0
    reg = MLPRegressor(
        hidden_layer_sizes=(10,),
        solver="lbfgs",
        alpha=alpha,
        l1_ratio=1.0,
        tol=1e-10,
        max_iter=2000,
        random_state=0,
    ).fit(X, y)
    W1, W2 = reg.coefs_
    assert (W1 == 0).mean() > 0.3
    pred = np.maximum(X @ W1 + reg.intercepts_[0], 0) @ W2 + reg.intercepts_[1]
    objective = 0.5 * np.mean((pred[:, 0] - y) ** 2) + alpha * (
        np.abs(W1).sum() + np.abs(W2).sum()
    ) / len(y)
    assert reg.loss_ == pytest.approx(objective, rel=1e-9)


def test_lbfgs_warns_as_sklearn_and_refuses_dropout():
    X, y = _reg_data(n_samples=60)
    with pytest.warns(Warning, match="lbfgs failed to converge after 3 iteration"):
        MLPRegressor(solver="lbfgs", max_iter=3, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="dropout_p"):
        MLPRegressor(solver="lbfgs", dropout_p=0.1).fit(X, y)
    assert not hasattr(MLPRegressor(solver="lbfgs"), "partial_fit")


# --------------------------------------------------------------------------
# the seed's semantics on the regressor
def test_dropout_off_at_predict_and_batch_norm_running_stats():
    X, y = _reg_data()
    reg = MLPRegressor(
        hidden_layer_sizes=(12,),
        dropout_p=0.5,
        batch_norm=True,
        max_iter=20,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg.fit(X, y)
    pred = reg.predict(X)
    assert_array_equal(pred, reg.predict(X))  # no random mask at predict
    # numpy forward pass with the running statistics, no dropout
    bn = next(
        m for m in reg.net_.module_.modules() if isinstance(m, torch.nn.BatchNorm1d)
    )
    mean, var = bn.running_mean.numpy(), bn.running_var.numpy()
    gamma, beta = bn.weight.detach().numpy(), bn.bias.detach().numpy()
    W1, W2 = reg.coefs_
    b1, b2 = reg.intercepts_
    z = (X @ W1 + b1 - mean) / np.sqrt(var + 1e-5) * gamma + beta
    assert_allclose(pred, np.maximum(z, 0) @ W2[:, 0] + b2[0], rtol=1e-10)
    # the running statistics track the training batches' statistics
    assert bn.num_batches_tracked.item() == reg.n_iter_  # one batch per epoch
    h = X @ W1 + b1
    assert_allclose(mean, h.mean(0), atol=0.5)
    # in training mode dropout is on: two passes differ
    reg.net_.module_.train()
    Xt = torch.from_numpy(X)
    assert not torch.equal(reg.net_.module_(Xt), reg.net_.module_(Xt))


@quiet
def test_larger_alpha_smaller_weights_and_l1_exact_zeros():
    X, y = _reg_data()
    norms = []
    for alpha in [1e-4, 1.0, 10.0]:
        reg = MLPRegressor(
            hidden_layer_sizes=(16,), alpha=alpha, max_iter=100, random_state=0
        ).fit(X, y)
        norms.append(sum(np.abs(W).sum() for W in reg.coefs_))
    assert norms[0] > norms[1] > norms[2]
    l1 = MLPRegressor(
        hidden_layer_sizes=(16,),
        alpha=1.0,
        l1_ratio=1.0,
        learning_rate_init=0.01,
        max_iter=100,
        random_state=0,
    ).fit(X, y)
    assert (l1.coefs_[0] == 0).mean() > 0.3
    assert r2_score(y, l1.predict(X)) > 0.5


@quiet
def test_same_random_state_same_model_and_torch_rng_untouched():
    X, y = _reg_data()
    kw = dict(hidden_layer_sizes=(8,), dropout_p=0.3, max_iter=5, random_state=7)
    before = torch.get_rng_state()
    a = MLPRegressor(**kw).fit(X, y)
    b = MLPRegressor(**kw).fit(X, y)
    assert torch.equal(before, torch.get_rng_state())
    for u, v in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True):
        assert_array_equal(u, v)
    c = MLPRegressor(**{**kw, "random_state": 8}).fit(X, y)
    assert not np.array_equal(a.coefs_[0], c.coefs_[0])


@quiet
def test_multi_output_and_attributes():
    X, y = _reg_data(n_targets=2)
    reg = MLPRegressor(hidden_layer_sizes=(16,), max_iter=30, random_state=0)
    reg.fit(X, y)
    assert reg.predict(X).shape == (200, 2)
    assert (reg.n_outputs_, reg.n_layers_, reg.out_activation_) == (2, 3, "identity")
    assert [c.shape for c in reg.coefs_] == [(6, 16), (16, 2)]
    assert reg.best_loss_ == min(reg.loss_curve_)
    es = MLPRegressor(
        hidden_layer_sizes=(16,), early_stopping=True, max_iter=30, random_state=0
    ).fit(X, y)
    assert es.best_validation_score_ == max(es.validation_scores_)
    assert es.best_loss_ is None
    # the validation score is R² on the held-out rows (scikit-learn's split)
    ref = SklearnMLPRegressor(
        hidden_layer_sizes=(16,),
        early_stopping=True,
        max_iter=30,
        random_state=0,
        solver="sgd",
    ).fit(X, y)
    ours = MLPRegressor(
        hidden_layer_sizes=(16,),
        early_stopping=True,
        max_iter=30,
        random_state=0,
        solver="sgd",
    ).fit(X, y)
    assert_allclose(ours.validation_scores_, ref.validation_scores_, rtol=1e-8)


def test_poisson_matches_sklearn_and_refuses_negative_y():
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(200, 3))
    y = rng.poisson(np.exp(X @ [1.0, -0.5, 0.3]))
    kw = dict(hidden_layer_sizes=(5,), loss="poisson", solver="lbfgs", tol=1e-9)
    ours = MLPRegressor(random_state=0, **kw).fit(X, y)
    ref = SklearnMLPRegressor(random_state=0, **kw).fit(X, y)
    assert ours.out_activation_ == "exp"
    assert ours.loss_ <= ref.loss_ * 1.01
    assert (ours.predict(X) > 0).all()
    with pytest.raises(ValueError, match="non-negative y"):
        MLPRegressor(loss="poisson").fit(X, y - 5.0)


# --------------------------------------------------------------------------
# multilabel and sparse input
def test_multilabel_classifier_independent_logistic_outputs():
    X, Y = make_multilabel_classification(
        n_samples=80, n_classes=4, random_state=0, return_indicator=True
    )
    kw = dict(hidden_layer_sizes=(20,), solver="lbfgs", max_iter=200, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = MLPClassifier(**kw).fit(X, Y)
        ref = SklearnMLPClassifier(**kw).fit(X, Y)
    assert_array_equal(ours.classes_, np.arange(4))
    assert (ours.n_outputs_, ours.out_activation_) == (4, "logistic")
    proba = ours.predict_proba(X)
    assert proba.shape == (80, 4)
    assert not np.allclose(proba.sum(1), 1)
    assert_array_equal(ours.predict(X), (proba > 0.5).astype(int))
    assert ours.score(X, Y) >= ref.score(X, Y) - 0.05
    # partial_fit with the label indices, and subset accuracy in early stopping
    inc = MLPClassifier(hidden_layer_sizes=(20,), solver="sgd", random_state=0)
    for _ in range(3):
        inc.partial_fit(X, Y, classes=np.arange(4))
    assert inc.predict(X).shape == (80, 4)
    es = MLPClassifier(early_stopping=True, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        es.fit(X, Y)
    assert all(0 <= s <= 1 for s in es.validation_scores_)
    with pytest.raises(ValueError, match="same form"):
        inc.partial_fit(X, Y[:, 0])


@quiet
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_input_same_model_as_dense(solver, fmt):
    rng = np.random.RandomState(0)
    X = sp.random(120, 30, density=0.1, random_state=rng, format=fmt) * 3
    y = np.asarray(X @ rng.randn(30)).ravel() + 0.1 * rng.randn(120)
    kw = dict(hidden_layer_sizes=(8,), solver=solver, max_iter=20, random_state=0)
    dense = MLPRegressor(**kw).fit(X.toarray(), y)
    sparse = MLPRegressor(**kw).fit(X, y)
    for a, b in zip(
        dense.coefs_ + dense.intercepts_,
        sparse.coefs_ + sparse.intercepts_,
        strict=True,
    ):
        assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert_allclose(sparse.predict(X), dense.predict(X.toarray()), rtol=1e-10)
    labels = (y > np.median(y)).astype(int)
    clf_d = MLPClassifier(**kw).fit(X.toarray(), labels)
    clf_s = MLPClassifier(**kw).fit(X, labels)
    assert_allclose(clf_s.predict_proba(X), clf_d.predict_proba(X.toarray()), rtol=1e-9)


def test_sparse_batches_are_densified_one_at_a_time(monkeypatch):
    # never the whole matrix: every densified block has at most batch_size rows
    rng = np.random.RandomState(0)
    X = sp.random(300, 20, density=0.1, random_state=rng, format="csr")
    y = rng.randn(300)
    sizes = []
    original = sp.csr_matrix.toarray

    def spy(self, *args, **kwargs):
        sizes.append(self.shape[0])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(sp.csr_matrix, "toarray", spy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        MLPRegressor(hidden_layer_sizes=(4,), batch_size=50, max_iter=2).fit(X, y)
    assert sizes and max(sizes) <= 50


# --------------------------------------------------------------------------
# assignable weights, verbose lines
def test_coefs_are_assignable_before_and_after_fit():
    X, y = _reg_data(n_samples=40)
    reg = MLPRegressor(hidden_layer_sizes=(3,), max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg.fit(X, y)
    new = [np.ones_like(c) for c in reg.coefs_]
    reg.coefs_ = new
    assert_array_equal(reg.coefs_[0], 1.0)
    with pytest.raises(ValueError, match="fitted shapes"):
        reg.coefs_ = [np.zeros_like(new[0]), np.ones((2, 2))]
    assert_array_equal(reg.coefs_[0], 1.0)  # a bad list changes nothing


@quiet
def test_verbose_lines(capsys):
    X, y = _reg_data(n_samples=40)
    reg = MLPRegressor(hidden_layer_sizes=(3,), max_iter=2, verbose=True).fit(X, y)
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"Iteration {i + 1}, loss = {v:.8f}" for i, v in enumerate(reg.loss_curve_)
    ]


# --------------------------------------------------------------------------
# quality against scikit-learn, same architecture, fixed split, standardized
def _split(X, y):
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=0)
    sx = StandardScaler().fit(X_tr)
    mu, sd = y_tr.mean(), y_tr.std()
    return sx.transform(X_tr), sx.transform(X_te), (y_tr - mu) / sd, (y_te - mu) / sd


@pytest.mark.parametrize("problem, alpha", [("diabetes", 10.0), ("friedman1", 1.0)])
def test_quality_no_worse_than_sklearn(problem, alpha):
    # lbfgs on the same penalized objective (alpha chosen for each problem's
    # size and noise, the same for both), 3 seeds
    if problem == "diabetes":
        X, y = load_diabetes(return_X_y=True)
    else:
        X, y = make_friedman1(1000, noise=1.0, random_state=0)
    X_tr, X_te, y_tr, y_te = _split(X, y)
    kw = dict(hidden_layer_sizes=(32,), solver="lbfgs", alpha=alpha, max_iter=500)
    scores = {"sklearn": [], "sklreg": []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in range(3):
            ref = SklearnMLPRegressor(random_state=seed, **kw)
            ours = MLPRegressor(random_state=seed, **kw)
            scores["sklearn"].append(ref.fit(X_tr, y_tr).score(X_te, y_te))
            scores["sklreg"].append(ours.fit(X_tr, y_tr).score(X_te, y_te))
    # no worse, up to rounding-level differences of the two implementations
    assert np.mean(scores["sklreg"]) >= np.mean(scores["sklearn"]) - 1e-3, scores
    assert np.mean(scores["sklreg"]) > (0.3 if problem == "diabetes" else 0.9)


@quiet
def test_progress_bar_through_sklearn_callbacks():
    # the documented way to get a progress bar now that verbose prints lines
    callback = pytest.importorskip("sklearn.callback")
    X, y = _reg_data(n_samples=40)
    reg = MLPRegressor(hidden_layer_sizes=(3,), max_iter=3, random_state=0)
    reg.set_callbacks(callback.ProgressBar()).fit(X, y)
    plain = MLPRegressor(hidden_layer_sizes=(3,), max_iter=3, random_state=0).fit(X, y)
    assert reg.loss_curve_ == plain.loss_curve_
