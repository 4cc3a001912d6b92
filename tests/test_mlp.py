"""Tests of sklreg.MLPClassifier: scikit-learn contract, semantics, references."""

import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from numpy.testing import assert_allclose, assert_array_equal  # noqa: E402
from sklearn.datasets import load_digits, make_classification  # noqa: E402
from sklearn.exceptions import ConvergenceWarning, NotFittedError  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neural_network import MLPClassifier as SklearnMLP  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402
from skorch import NeuralNet  # noqa: E402

from sklreg import MLPClassifier  # noqa: E402
from sklreg.neural_network import MLPModule  # noqa: E402

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")

quiet = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _data(n_samples=120, n_features=8, n_classes=3, seed=0):
    return make_classification(
        n_samples,
        n_features,
        n_informative=5,
        n_classes=n_classes,
        random_state=seed,
    )


# --------------------------------------------------------------------------
# scikit-learn's estimator checks with dropout and batch norm switched on
# (the default estimator is checked, with no expected failure, in
# tests/test_common.py).
_WEIGHT_REASON = (
    "a weight of k is not k repeated rows here, by design: dropout draws "
    "one mask per row, so repeated rows get different masks, and batch "
    "norm's batch statistics count repeated rows k times but a weighted "
    "row once"
)
_REGULARIZED_EXPECTED_FAILURES = {
    "check_sample_weight_equivalence_on_dense_data": _WEIGHT_REASON,
    "check_sample_weight_equivalence_on_sparse_data": _WEIGHT_REASON,
}


@parametrize_with_checks(
    [MLPClassifier(dropout_p=0.2, batch_norm=True)],
    expected_failed_checks=lambda est: _REGULARIZED_EXPECTED_FAILURES,
)
def test_sklearn_compatible_with_dropout_and_batch_norm(estimator, check):
    check(estimator)


# --------------------------------------------------------------------------
# references: scikit-learn's MLP, closed forms
@quiet
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize(
    "params",
    [
        dict(activation="tanh", nesterovs_momentum=True),
        dict(activation="relu", nesterovs_momentum=False, batch_size=50),
        dict(activation="logistic", momentum=0.0, shuffle=False),
    ],
)
def test_sgd_matches_sklearn_to_rounding(n_classes, params):
    # Without dropout, batch norm or L1 the model is scikit-learn's: same
    # initialization, batches, penalty and SGD update, draw for draw.
    X, y = _data(n_classes=n_classes)
    kw = dict(
        hidden_layer_sizes=(16, 7),
        solver="sgd",
        alpha=0.01,
        batch_size=32,
        learning_rate_init=0.05,
        max_iter=15,
        random_state=3,
    )
    kw.update(params)
    ref = SklearnMLP(**kw).fit(X, y)
    ours = MLPClassifier(**kw).fit(X, y)
    for a, b in zip(
        ours.coefs_ + ours.intercepts_, ref.coefs_ + ref.intercepts_, strict=True
    ):
        assert a.shape == b.shape
        assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-10)
    assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=1e-9, atol=1e-12)
    assert ours.n_iter_ == ref.n_iter_
    assert ours.n_layers_ == ref.n_layers_ == 4
    assert ours.n_outputs_ == ref.n_outputs_
    assert ours.out_activation_ == ref.out_activation_


@quiet
def test_adam_matches_sklearn_closely():
    # torch's Adam adds epsilon after, scikit-learn's before, the bias
    # correction of the second moment: equal up to that.
    X, y = _data(n_classes=3)
    kw = dict(hidden_layer_sizes=(16,), alpha=0.01, batch_size=32, max_iter=10)
    kw.update(learning_rate_init=0.01, random_state=0)
    ref = SklearnMLP(**kw).fit(X, y)
    ours = MLPClassifier(**kw).fit(X, y)
    assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-4)
    assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-3)


def test_early_stopping_matches_sklearn_and_restores_best_weights():
    # Binary: scikit-learn stratifies the split too, so the runs coincide.
    X, y = _data(n_samples=200, n_classes=2, seed=1)
    kw = dict(
        hidden_layer_sizes=(8,),
        solver="sgd",
        learning_rate_init=0.3,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=3,
        max_iter=200,
        random_state=0,
    )
    ref = SklearnMLP(**kw).fit(X, y)
    ours = MLPClassifier(**kw).fit(X, y)
    assert ours.n_iter_ < 200
    assert_allclose(ours.validation_scores_, ref.validation_scores_)
    assert ours.n_iter_ == ref.n_iter_
    assert ours.best_validation_score_ == max(ours.validation_scores_)
    assert ours.best_loss_ is None
    # stopped after n_iter_no_change + 1 epochs without improvement
    best_epoch = int(np.argmax(ours.validation_scores_)) + 1
    assert ours.n_iter_ - best_epoch >= kw["n_iter_no_change"] + 1
    # the best weights, not the last ones, are restored
    for a, b in zip(ours.coefs_, ref.coefs_, strict=True):
        assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def _forward_numpy(coefs, intercepts, X, activation):
    act = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh}[activation]
    a = X
    for W, b in zip(coefs[:-1], intercepts[:-1], strict=True):
        a = act(a @ W + b)
    return a @ coefs[-1] + intercepts[-1]


@pytest.mark.parametrize("l1_ratio", [0.0, 0.3, 1.0])
def test_reported_loss_is_the_penalized_objective(l1_ratio):
    # One full batch: the first epoch's loss is the objective at the
    # initial weights, which are scikit-learn's Glorot draws.
    X, y = _data(n_samples=60, n_classes=3)
    sw = np.random.RandomState(1).uniform(0.5, 2.0, size=len(y))
    alpha = 0.7
    clf = MLPClassifier(
        hidden_layer_sizes=(6,),
        activation="tanh",
        alpha=alpha,
        l1_ratio=l1_ratio,
        batch_size=60,
        max_iter=1,
        random_state=4,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y, sample_weight=sw)
    rng = np.random.RandomState(4)
    coefs, intercepts = [], []
    for fan_in, fan_out in [(8, 6), (6, 3)]:
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        coefs.append(rng.uniform(-bound, bound, (fan_in, fan_out)))
        intercepts.append(rng.uniform(-bound, bound, fan_out))
    z = _forward_numpy(coefs, intercepts, X, "tanh")
    z -= z.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    data_term = -(sw * log_p[np.arange(len(y)), y]).sum()
    l1 = sum(np.abs(W).sum() for W in coefs)
    l2 = sum((W**2).sum() for W in coefs)
    penalty = alpha * (l1_ratio * l1 + 0.5 * (1 - l1_ratio) * l2)
    assert_allclose(clf.loss_curve_[0], (data_term + penalty) / sw.sum(), rtol=1e-10)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_proximal_step_is_soft_thresholding_in_the_optimizer_metric(solver):
    X, y = _data(n_samples=40, n_classes=2)
    clf = MLPClassifier(
        hidden_layer_sizes=(5,), solver=solver, max_iter=3, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    net = clf.net_
    W = net.module_.linears()[0].weight
    before = W.detach().numpy().copy()
    lr = clf.learning_rate_init
    if solver == "adam":
        state = net.optimizer_.state[W]
        t = float(state["step"])
        v_hat = state["exp_avg_sq"].numpy() / (1 - clf.beta_2**t)
        unit_threshold = lr / (np.sqrt(v_hat) + clf.epsilon)
    else:
        unit_threshold = np.full_like(before, lr)
    # a strength that zeroes about half of the weights
    strength = np.median(np.abs(before)) / np.median(unit_threshold)
    threshold = strength * unit_threshold
    net.proximal_l1_step(torch.tensor(strength, dtype=W.dtype))
    expected = np.sign(before) * np.maximum(np.abs(before) - threshold, 0)
    assert_allclose(W.detach().numpy(), expected, rtol=1e-12, atol=1e-15)
    assert (expected == 0).any() and (expected != 0).any()


# --------------------------------------------------------------------------
# the seed's semantics, on the built module
@quiet
def test_dropout_zeroes_p_and_rescales_in_training_only():
    X, y = _data(n_samples=100, n_classes=2)
    p = 0.3
    clf = MLPClassifier(
        hidden_layer_sizes=(64,), dropout_p=p, max_iter=5, random_state=0
    ).fit(X, y)
    module = clf.net_.module_
    dropouts = [m for m in module.modules() if isinstance(m, torch.nn.Dropout)]
    assert len(dropouts) == 1 and dropouts[0].p == p
    seen = {}
    hook = dropouts[0].register_forward_hook(
        lambda m, inputs, output: seen.update(x=inputs[0].detach(), out=output.detach())
    )
    Xt = torch.from_numpy(np.tile(X, (40, 1)))  # 4000 rows x 64 units
    with torch.random.fork_rng():
        torch.manual_seed(0)
        module.train()
        module(Xt)
    x, out = seen["x"], seen["out"]
    alive = x != 0
    dropped = (out == 0) & alive
    assert abs(dropped.sum().item() / alive.sum().item() - p) < 0.01
    kept = alive & ~dropped
    assert_allclose(out[kept].numpy(), x[kept].numpy() / (1 - p), rtol=1e-12)
    module.eval()
    module(Xt)
    assert torch.equal(seen["out"], seen["x"])
    hook.remove()
    # and at prediction: identical on repeated calls
    proba = clf.predict_proba(X)
    assert_array_equal(proba, clf.predict_proba(X))


@quiet
@pytest.mark.parametrize("n_rows", [300, 3000])  # elementwise and native kernels
def test_batch_norm_standardizes_in_training_and_uses_running_stats(n_rows):
    X, y = _data(n_samples=200, n_features=8, n_classes=3)
    clf = MLPClassifier(
        hidden_layer_sizes=(32,), batch_norm=True, max_iter=5, random_state=0
    ).fit(X, y)
    module = clf.net_.module_
    bn = next(m for m in module.modules() if isinstance(m, torch.nn.BatchNorm1d))
    assert bn.eps == 1e-5 and bn.affine and bn.track_running_stats
    # learned scale and shift differ from the identity
    assert not torch.allclose(bn.weight, torch.ones_like(bn.weight))
    seen = {}
    bn.register_forward_hook(
        lambda m, inputs, output: seen.update(x=inputs[0].detach(), out=output.detach())
    )
    Xt = torch.from_numpy(np.random.RandomState(0).normal(size=(n_rows, 8)) * 2 + 1)
    w, b = bn.weight.detach(), bn.bias.detach()
    mean0, var0 = bn.running_mean.clone(), bn.running_var.clone()
    module.train()
    module(Xt)
    x, out = seen["x"], seen["out"]
    standardized = (out - b) / w
    assert_allclose(standardized.mean(0).numpy(), 0, atol=1e-10)
    var = x.var(0, unbiased=False)
    assert_allclose(
        standardized.var(0, unbiased=False).numpy(),
        (var / (var + 1e-5)).numpy(),
        rtol=1e-8,
    )
    # running statistics moved by momentum 0.1 (unbiased variance)
    assert_allclose(
        bn.running_mean.numpy(), (0.9 * mean0 + 0.1 * x.mean(0)).numpy(), rtol=1e-10
    )
    assert_allclose(
        bn.running_var.numpy(),
        (0.9 * var0 + 0.1 * x.var(0, unbiased=True)).numpy(),
        rtol=1e-10,
    )
    # evaluation: the running statistics, whatever the batch
    module.eval()
    module(Xt[:5])
    expected = (seen["x"] - bn.running_mean) / torch.sqrt(bn.running_var + 1e-5) * w + b
    assert_allclose(seen["out"].numpy(), expected.numpy(), rtol=1e-10, atol=1e-12)


@quiet
def test_larger_alpha_gives_smaller_weights():
    X, y = _data(n_samples=200, n_features=10, n_classes=3)
    norms = []
    for alpha in [1e-4, 1.0, 10.0]:
        clf = MLPClassifier(
            hidden_layer_sizes=(16,),
            alpha=alpha,
            batch_size=32,
            learning_rate_init=0.01,
            max_iter=60,
            random_state=0,
        ).fit(X, y)
        norms.append(np.sqrt(sum((W**2).sum() for W in clf.coefs_)))
    assert norms[0] > 2 * norms[1] > 4 * norms[2]


@quiet
def test_l1_ratio_one_gives_exact_zeros():
    X, y = _data(n_samples=300, n_features=20, n_classes=3)
    zeros = {}
    for l1_ratio in [0.0, 1.0]:
        clf = MLPClassifier(
            hidden_layer_sizes=(32,),
            alpha=1.0,
            l1_ratio=l1_ratio,
            max_iter=60,
            random_state=0,
        ).fit(X, y)
        W = np.concatenate([c.ravel() for c in clf.coefs_])
        zeros[l1_ratio] = np.mean(W == 0)
        assert clf.score(X, y) > 0.8
    assert zeros[1.0] > 0.2
    assert zeros[1.0] > 20 * max(zeros[0.0], 1e-3)


def test_digits_quality_with_defaults():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    scaler = StandardScaler().fit(X_train)
    # float32 data: the default estimator trains a float32 network (faster)
    X_train, X_test = (
        scaler.transform(X).astype(np.float32) for X in (X_train, X_test)
    )
    clf = MLPClassifier(random_state=0).fit(X_train, y_train)
    assert clf.score(X_test, y_test) >= 0.97


# --------------------------------------------------------------------------
# attributes, determinism, pickling, partial_fit, warm start
@quiet
def test_labels_attributes_and_probabilities():
    X, y = _data(n_samples=90, n_classes=3)
    labels = np.array([-3, 7, 100])
    clf = MLPClassifier(hidden_layer_sizes=(10, 5), max_iter=20, random_state=0)
    clf.fit(X, labels[y])
    assert_array_equal(clf.classes_, labels)
    assert set(clf.predict(X)) <= set(labels)
    proba = clf.predict_proba(X)
    assert proba.dtype == np.float64 and proba.shape == (90, 3)
    assert_allclose(proba.sum(axis=1), 1, rtol=1e-12)
    assert_allclose(clf.predict_log_proba(X), np.log(proba), rtol=1e-12)
    assert_array_equal(clf.predict(X), labels[proba.argmax(axis=1)])
    assert [c.shape for c in clf.coefs_] == [(8, 10), (10, 5), (5, 3)]
    assert [b.shape for b in clf.intercepts_] == [(10,), (5,), (3,)]
    assert (clf.n_layers_, clf.n_outputs_, clf.out_activation_) == (4, 3, "softmax")
    assert len(clf.loss_curve_) == clf.n_iter_ == 20
    assert clf.best_loss_ == min(clf.loss_curve_)
    assert clf.validation_scores_ is None and clf.best_validation_score_ is None
    assert isinstance(clf.net_, NeuralNet)
    assert isinstance(clf.net_.module_, MLPModule)
    # the skorch net predicts the same probabilities
    assert_allclose(clf.net_.predict_proba(X), proba, rtol=1e-10)

    names = np.array(["no", "yes"])
    binary = MLPClassifier(max_iter=10, random_state=0).fit(X, names[y % 2])
    assert_array_equal(binary.classes_, names)
    assert (binary.n_outputs_, binary.out_activation_) == (1, "logistic")
    assert binary.predict_proba(X).shape == (90, 2)
    assert set(binary.predict(X)) <= {"no", "yes"}


@quiet
def test_feature_names_and_float32():
    pd = pytest.importorskip("pandas")
    X, y = _data(n_samples=50, n_classes=2)
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(8)])
    clf = MLPClassifier(max_iter=5, random_state=0).fit(df, y)
    assert_array_equal(clf.feature_names_in_, df.columns)
    assert clf.n_features_in_ == 8
    assert clf.coefs_[0].dtype == np.float64
    clf32 = MLPClassifier(max_iter=5, random_state=0).fit(X.astype(np.float32), y)
    assert clf32.coefs_[0].dtype == np.float32
    assert clf32.predict_proba(X).dtype == np.float64


@quiet
def test_same_random_state_same_model_and_global_torch_state_untouched():
    X, y = _data(n_samples=101, n_classes=3)
    torch.manual_seed(123)
    rng_before = torch.get_rng_state()
    threads_before = torch.get_num_threads()
    kw = dict(hidden_layer_sizes=(16,), dropout_p=0.3, batch_norm=True, max_iter=8)
    a = MLPClassifier(random_state=7, **kw).fit(X, y)
    b = MLPClassifier(random_state=7, **kw).fit(X, y)
    c = MLPClassifier(random_state=8, **kw).fit(X, y)
    assert torch.equal(torch.get_rng_state(), rng_before)
    assert torch.get_num_threads() == threads_before
    for wa, wb in zip(
        a.net_.module_.state_dict().values(),
        b.net_.module_.state_dict().values(),
        strict=True,
    ):
        assert torch.equal(wa, wb)
    assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert a.loss_curve_ == b.loss_curve_
    assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))


@quiet
def test_batch_norm_handles_batches_of_one():
    X, y = _data(n_samples=21, n_classes=2)
    clf = MLPClassifier(
        hidden_layer_sizes=(8,),
        batch_norm=True,
        batch_size=10,
        max_iter=3,
        random_state=0,
    )
    clf.fit(X, y)  # 21 % 10 == 1
    assert clf.predict_proba(X[:1]).shape == (1, 2)
    assert np.isfinite(clf.loss_curve_).all()
    # partial_fit on a single sample
    single = MLPClassifier(hidden_layer_sizes=(8,), batch_norm=True, random_state=0)
    single.partial_fit(X[:1], y[:1], classes=[0, 1])
    single.partial_fit(X[1:2], y[1:2])
    assert single.predict(X[:1]).shape == (1,)
    assert np.isfinite(single.loss_curve_).all()


@quiet
def test_pickle_round_trip_and_continue_training():
    X, y = _data(n_samples=80, n_classes=3)
    clf = MLPClassifier(
        hidden_layer_sizes=(12,),
        dropout_p=0.2,
        batch_norm=True,
        max_iter=5,
        random_state=0,
    ).fit(X, y)
    clone = pickle.loads(pickle.dumps(clf))
    assert_array_equal(clone.predict_proba(X), clf.predict_proba(X))
    clf.partial_fit(X, y)
    clone.partial_fit(X, y)
    assert_array_equal(clone.predict_proba(X), clf.predict_proba(X))


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only fallback")
@quiet
def test_model_saved_on_cuda_loads_on_cpu_only_machine():
    # A pickle made on a CUDA machine records device "cuda"; skorch maps the
    # tensors to the CPU where CUDA is missing.  Simulated by relabelling.
    X, y = _data(n_samples=60, n_classes=2)
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0).fit(X, y)
    expected = clf.predict_proba(X)
    clf.net_.device = "cuda"
    with pytest.warns(UserWarning, match="no CUDA devices"):
        loaded = pickle.loads(pickle.dumps(clf))
    assert str(loaded.net_.device) == "cpu"
    assert_array_equal(loaded.predict_proba(X), expected)


@quiet
def test_partial_fit():
    X, y = _data(n_samples=100, n_classes=3)
    clf = MLPClassifier(hidden_layer_sizes=(16,), random_state=0)
    clf.partial_fit(X[:50], y[:50], classes=[0, 1, 2])
    assert clf.n_iter_ == 1 and clf.t_ == 50
    for _ in range(30):
        clf.partial_fit(X, y)
    assert clf.n_iter_ == 1 and clf.t_ == 50 + 30 * 100
    assert len(clf.loss_curve_) == 31
    assert clf.loss_curve_[-1] < clf.loss_curve_[1]
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(X, y + 5)
    with pytest.raises(ValueError, match="differs"):
        clf.partial_fit(X, y, classes=[0, 1, 2, 3])
    with pytest.raises(ValueError, match="early_stopping"):
        MLPClassifier(early_stopping=True).partial_fit(X, y, classes=[0, 1, 2])


@quiet
def test_warm_start_continues_from_previous_weights():
    X, y = _data(n_samples=100, n_classes=3)
    clf = MLPClassifier(hidden_layer_sizes=(16,), max_iter=30, random_state=0).fit(X, y)
    loss_after_first = clf.loss_curve_[-1]
    clf.set_params(warm_start=True, max_iter=1)
    clf.fit(X, y)
    assert len(clf.loss_curve_) == 31
    assert clf.loss_curve_[-1] < 1.1 * loss_after_first
    cold = MLPClassifier(hidden_layer_sizes=(16,), max_iter=1, random_state=0).fit(X, y)
    assert clf.loss_curve_[-1] < 0.9 * cold.loss_curve_[-1]
    with pytest.raises(ValueError, match="same classes"):
        clf.fit(X[y < 2], y[y < 2])


@quiet
def test_verbose_prints_sklearn_lines(capsys):
    # scikit-learn's printed lines, for scripts that read them; nothing on
    # stderr (the progress bar is a callback, see the docstring)
    X, y = _data(n_samples=60, n_classes=2)
    kw = dict(max_iter=3, early_stopping=True, random_state=0)
    ours = MLPClassifier(verbose=True, **kw).fit(X, y)
    out, err = capsys.readouterr()
    SklearnMLP(verbose=True, **kw).fit(X, y)
    ref_out, _ = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert lines == [
        line
        for i, (loss, score) in enumerate(
            zip(ours.loss_curve_, ours.validation_scores_, strict=True)
        )
        for line in (
            f"Iteration {i + 1}, loss = {loss:.8f}",
            f"Validation score: {score:f}",
        )
    ]
    # the same lines as scikit-learn's, up to the numbers
    assert [line.split("=")[0].split(":")[0] for line in lines] == [
        line.split("=")[0].split(":")[0] for line in ref_out.splitlines()
    ]
    MLPClassifier(max_iter=3, random_state=0).fit(X, y)
    assert capsys.readouterr() == ("", "")


def test_convergence_warning_at_max_iter():
    X, y = _data(n_samples=60, n_classes=2)
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        MLPClassifier(max_iter=2, random_state=0).fit(X, y)


def test_import_sklreg_does_not_import_torch():
    code = "import sys, sklreg; sklreg.__version__; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------
# bad input
X_OK, Y_OK = _data(n_samples=30, n_classes=2)


def _with(value, where):
    X = X_OK.copy()
    X[3, 2] = value
    return X


@pytest.mark.parametrize(
    "make_args, error, match",
    [
        (lambda: (_with(np.nan, 0), Y_OK), ValueError, "NaN"),
        (lambda: (_with(np.inf, 0), Y_OK), ValueError, "infinity"),
        (lambda: (np.empty((0, 8)), np.empty(0)), ValueError, "0 sample"),
        (lambda: (X_OK[:, 0], Y_OK), ValueError, "Expected 2D array"),
        (lambda: (X_OK, Y_OK[:-1]), ValueError, "inconsistent numbers of samples"),
        (lambda: (X_OK, X_OK[:, 0]), ValueError, "Unknown label type: continuous"),
    ],
    ids=["nan", "inf", "empty", "1d", "lengths", "continuous"],
)
def test_bad_data_errors(make_args, error, match):
    with pytest.raises(error, match=match):
        MLPClassifier(max_iter=2).fit(*make_args())


@quiet
def test_single_class_is_fitted_and_predicted_as_sklearn():
    # scikit-learn fits one logistic output on all-negative targets
    y = np.full(30, "only")
    ours = MLPClassifier(max_iter=3, random_state=0).fit(X_OK, y)
    ref = SklearnMLP(max_iter=3, random_state=0).fit(X_OK, y)
    assert_array_equal(ours.predict(X_OK), ref.predict(X_OK))
    assert_array_equal(ours.classes_, ["only"])
    assert_allclose(ours.predict_proba(X_OK), 1.0)
    assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-6)


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(dropout_p=1.0), "dropout_p"),
        (dict(dropout_p=-0.1), "dropout_p"),
        (dict(alpha=-1.0), "alpha"),
        (dict(l1_ratio=1.5), "l1_ratio"),
        (dict(l1_ratio=-0.1), "l1_ratio"),
        (dict(hidden_layer_sizes=(10, 0)), "hidden_layer_sizes must be > 0"),
        (dict(batch_norm="yes"), "batch_norm"),
        (dict(solver="newton"), "solver"),
        (dict(learning_rate="cosine"), "learning_rate"),
        (dict(max_fun=0), "max_fun"),
        (dict(solver="lbfgs", dropout_p=0.2), "lbfgs"),
        (dict(device="tpu"), "device"),
    ],
)
def test_bad_parameter_errors(params, match):
    with pytest.raises(ValueError, match=match):
        MLPClassifier(max_iter=2, **params).fit(X_OK, Y_OK)


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is available")
def test_cuda_requested_without_cuda():
    with pytest.raises(ValueError, match="CUDA is not available"):
        MLPClassifier(max_iter=2, device="cuda").fit(X_OK, Y_OK)
    clf = MLPClassifier(max_iter=2, device="auto", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_OK, Y_OK)
    assert str(clf.net_.device) == "cpu"


@quiet
def test_predict_errors():
    clf = MLPClassifier(max_iter=2, random_state=0)
    with pytest.raises(NotFittedError):
        clf.predict(X_OK)
    clf.fit(X_OK, Y_OK)
    with pytest.raises(
        ValueError, match="X has 7 features, but MLPClassifier is expecting 8"
    ):
        clf.predict_proba(X_OK[:, :7])
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        MLPClassifier().partial_fit(X_OK, Y_OK)


@quiet
@pytest.mark.parametrize(
    "bad_fit",
    [
        lambda clf: clf.fit(_with(np.nan, 0), Y_OK),
        lambda clf: clf.set_params(alpha=-1.0).fit(X_OK, Y_OK),
        lambda clf: clf.fit(X_OK, Y_OK, sample_weight=-np.ones(30)),
        lambda clf: clf.set_params(warm_start=True).fit(X_OK[:, :5], Y_OK),
        lambda clf: clf.set_params(early_stopping=True, validation_fraction=0.01).fit(
            X_OK, Y_OK
        ),
    ],
    ids=["nan", "alpha", "negative-weights", "warm-start-features", "tiny-validation"],
)
def test_failed_fit_leaves_fitted_model_untouched(bad_fit):
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0).fit(
        X_OK, Y_OK
    )
    before = dict(vars(clf))
    proba = clf.predict_proba(X_OK)
    state = {k: v.clone() for k, v in clf.net_.module_.state_dict().items()}
    with pytest.raises(ValueError):
        bad_fit(clf)
    clf.set_params(alpha=before["alpha"], warm_start=False, early_stopping=False)
    clf.set_params(validation_fraction=0.1)
    assert clf.net_ is before["net_"]
    assert clf.n_features_in_ == 8 and clf.loss_curve_ is before["loss_curve_"]
    for k, v in clf.net_.module_.state_dict().items():
        assert torch.equal(v, state[k])
    assert_array_equal(clf.predict_proba(X_OK), proba)


# --------------------------------------------------------------------------
# CUDA
@pytest.mark.gpu
@cuda
def test_cuda_fit_predict_matches_cpu():
    X, y = _data(n_samples=200, n_classes=3)
    kw = dict(hidden_layer_sizes=(32,), max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gpu = MLPClassifier(device="cuda", **kw).fit(X, y)
        cpu = MLPClassifier(device="cpu", **kw).fit(X, y)
    assert next(gpu.net_.module_.parameters()).is_cuda
    assert_allclose(gpu.predict_proba(X), cpu.predict_proba(X), atol=1e-6)
    reg = MLPClassifier(device="cuda", dropout_p=0.2, batch_norm=True, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X.astype(np.float32), y)
    assert reg.score(X, y) > 0.7


@pytest.mark.gpu
@cuda
def test_cuda_model_loads_and_predicts_without_cuda(tmp_path):
    X, y = _data(n_samples=100, n_classes=2)
    clf = MLPClassifier(
        hidden_layer_sizes=(16,),
        batch_norm=True,
        dropout_p=0.1,
        max_iter=5,
        device="cuda",
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "expected.npy", clf.predict_proba(X))
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(clf))
    code = f"""
import pickle, warnings, numpy as np, torch
assert not torch.cuda.is_available()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    clf = pickle.loads(open({str(tmp_path / "model.pkl")!r}, "rb").read())
X = np.load({str(tmp_path / "X.npy")!r})
expected = np.load({str(tmp_path / "expected.npy")!r})
np.testing.assert_allclose(clf.predict_proba(X), expected, atol=1e-6)
assert str(clf.net_.device) == "cpu"
"""
    env = {**__import__("os").environ, "CUDA_VISIBLE_DEVICES": ""}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
