"""Progress reporting: tqdm on ``verbose`` and scikit-learn's callback API."""

import numpy as np
import pytest
from sklearn.datasets import make_regression
from sklearn.model_selection import KFold

from sklreg import ElasticNetCV, LassoCV
from sklreg._progress import CallbackSupportMixin, FitProgress

callback = pytest.importorskip("sklearn.callback")


class RecordingCallback:
    """A FitCallback that counts the tasks it is told about."""

    def __init__(self):
        self.begins, self.ends, self.setups, self.teardowns = [], [], 0, 0

    def setup(self, estimator, context):
        self.setups += 1

    def teardown(self, estimator, context):
        self.teardowns += 1

    def on_fit_task_begin(self, estimator, context, **kwargs):
        self.begins.append(context.task_name)

    def on_fit_task_end(self, estimator, context, **kwargs):
        self.ends.append(context.task_name)
        return False


@pytest.fixture
def data():
    return make_regression(n_samples=60, n_features=15, noise=1.0, random_state=0)


@pytest.mark.parametrize("Est", [LassoCV, ElasticNetCV])
def test_callbacks_see_one_subtask_per_fold_and_alpha(Est, data):
    X, y = data
    rec = RecordingCallback()
    est = Est(alphas=7, cv=KFold(3)).set_callbacks(rec)
    est.fit(X, y)
    n_l1 = len(np.atleast_1d(getattr(est, "l1_ratio", 1.0)))
    assert rec.setups == 1 and rec.teardowns == 1
    assert rec.ends.count(Est.__name__) == 3 * 7 * n_l1
    assert len(rec.begins) == len(rec.ends) == 3 * 7 * n_l1 + 1  # + the root task
    # callbacks change nothing in the model
    plain = Est(alphas=7, cv=KFold(3)).fit(X, y)
    np.testing.assert_array_equal(est.coef_, plain.coef_)


def test_thread_parallel_folds_report_every_step(data):
    X, y = data
    rec = RecordingCallback()
    LassoCV(alphas=5, cv=KFold(4), n_jobs=2).set_callbacks(rec).fit(X, y)
    assert rec.ends.count("LassoCV") == 4 * 5


def test_progress_bar_callback_runs(data):
    pytest.importorskip("rich")
    X, y = data
    est = LassoCV(alphas=5, cv=3).set_callbacks(callback.ProgressBar())
    est.fit(X, y)
    assert est.alpha_ > 0


def test_verbose_shows_a_tqdm_bar(data, capsys):
    X, y = data
    LassoCV(alphas=4, cv=KFold(2), verbose=True).fit(X, y)
    err = capsys.readouterr().err
    assert "LassoCV" in err and "8/8" in err


def test_fit_progress_without_callback_support():
    class Plain:
        pass

    with FitProgress(Plain(), total=3, desc="x") as progress:
        for _ in range(3):
            progress.step(loss=1.0)
    assert issubclass(LassoCV, CallbackSupportMixin)


def test_mlp_reports_each_epoch_to_callbacks():
    pytest.importorskip("torch")
    from sklearn.datasets import load_iris

    from sklreg import MLPClassifier

    X, y = load_iris(return_X_y=True)
    rec = RecordingCallback()
    est = MLPClassifier(hidden_layer_sizes=(8,), max_iter=7, n_iter_no_change=100)
    with pytest.warns(Warning):
        est.set_callbacks(rec).fit(X, y)
    assert rec.ends.count("epochs") == est.n_iter_ == 7
    assert rec.setups == rec.teardowns == 1


def test_path_verbose_shows_a_bar_over_alphas(data, capsys):
    from sklreg import lasso_path

    X, y = data
    lasso_path(X, y, alphas=np.geomspace(10, 0.1, 6), verbose=True)
    err = capsys.readouterr().err
    assert "enet_path" in err and "6/6" in err
    lasso_path(X, y, alphas=np.geomspace(10, 0.1, 6))
    assert capsys.readouterr().err == ""
