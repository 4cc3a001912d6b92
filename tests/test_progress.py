"""Progress reporting: tqdm on ``verbose`` and scikit-learn's callback API."""

import re

import numpy as np
import pytest
from sklearn import linear_model as sk
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold

from sklreg import ElasticNetCV, LassoCV
from sklreg._progress import FitProgress

callback = pytest.importorskip("sklearn.callback")


class RecordingCallback:
    """A FitCallback that writes down every event, in the order it comes."""

    def __init__(self):
        self.events = []

    def setup(self, estimator, context):
        self.events.append(("setup", context.task_name))

    def teardown(self, estimator, context):
        self.events.append(("teardown", context.task_name))

    def on_fit_task_begin(self, estimator, context, **kwargs):
        self.events.append(("begin", context.task_name, context.task_id))
        if context.parent is None:
            self.root_max_subtasks = context.max_subtasks

    def on_fit_task_end(self, estimator, context, **kwargs):
        self.events.append(("end", context.task_name, context.task_id))
        return False

    @property
    def ends(self):
        return [e[1] for e in self.events if e[0] == "end"]


def expected_events(n_steps, step_name):
    """setup, the root task around ``n_steps`` begin/end pairs, teardown."""
    steps = []
    for i in range(n_steps):
        steps += [("begin", step_name, i), ("end", step_name, i)]
    return [
        ("setup", "fit"),
        ("begin", "fit", 0),
        *steps,
        ("end", "fit", 0),
        ("teardown", "fit"),
    ]


@pytest.mark.parametrize("Est", [LassoCV, ElasticNetCV])
def test_callbacks_see_one_subtask_per_fold_and_alpha(Est, regression_data):
    X, y = regression_data
    rec = RecordingCallback()
    kw = dict(alphas=7, cv=KFold(3))
    if Est is ElasticNetCV:
        kw["l1_ratio"] = [0.5, 1.0]
    est = Est(**kw).set_callbacks(rec).fit(X, y)
    n_steps = 3 * 7 * (2 if Est is ElasticNetCV else 1)
    assert rec.root_max_subtasks == n_steps
    assert rec.events == expected_events(n_steps, Est.__name__)
    # callbacks change nothing in the model
    plain = Est(**kw).fit(X, y)
    np.testing.assert_array_equal(est.coef_, plain.coef_)
    np.testing.assert_array_equal(est.mse_path_, plain.mse_path_)
    assert est.alpha_ == plain.alpha_


def test_thread_parallel_folds_report_every_step(regression_data):
    X, y = regression_data
    rec = RecordingCallback()
    LassoCV(alphas=5, cv=KFold(4), n_jobs=2).set_callbacks(rec).fit(X, y)
    # the threads interleave, but each step is reported once, begin before end
    steps = [e for e in rec.events if e[1] == "LassoCV"]
    assert len(steps) == 2 * 4 * 5
    for i in range(4 * 5):
        begin = steps.index(("begin", "LassoCV", i))
        assert steps.index(("end", "LassoCV", i)) > begin
    assert rec.events[:2] == [("setup", "fit"), ("begin", "fit", 0)]
    assert rec.events[-2:] == [("end", "fit", 0), ("teardown", "fit")]


class CountingProgressBar(callback.ProgressBar):
    """scikit-learn's ProgressBar, counting the steps it is told about."""

    def on_fit_task_begin(self, estimator, context):
        if context.parent is None:
            self.total = context.max_subtasks
            self.done = 0
        super().on_fit_task_begin(estimator, context)

    def on_fit_task_end(self, estimator, context):
        if context.parent is not None:
            self.done += 1
        super().on_fit_task_end(estimator, context)


def test_progress_bar_counts_every_fold_and_alpha(regression_data, capsys):
    pytest.importorskip("rich")
    X, y = regression_data
    bar = CountingProgressBar()
    est = LassoCV(alphas=5, cv=3, tol=1e-10).set_callbacks(bar).fit(X, y)
    assert bar.total == bar.done == 3 * 5
    out = capsys.readouterr().out
    assert "LassoCV" in out and "100%" in out
    # the model: the alpha of the least mean CV error, scikit-learn's alpha_
    mse = est.mse_path_.mean(axis=1)
    assert est.alpha_ == est.alphas_[np.argmin(mse)]
    ref = sk.LassoCV(alphas=5, cv=3, tol=1e-10).fit(X, y)
    assert est.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)
    np.testing.assert_allclose(est.mse_path_, ref.mse_path_, rtol=1e-7)


def test_verbose_shows_a_tqdm_bar(regression_data, capsys):
    X, y = regression_data
    LassoCV(alphas=4, cv=KFold(2), verbose=True).fit(X, y)
    err = capsys.readouterr().err
    assert "LassoCV" in err and "8/8" in err
    LassoCV(alphas=4, cv=KFold(2)).fit(X, y)
    assert capsys.readouterr().err == ""


def test_fit_progress_on_an_object_without_callback_support(capsys):
    class Plain:
        pass

    with FitProgress(Plain(), total=3, desc="steps", verbose=True) as progress:
        for loss in (3.0, 2.0, 1.25):
            progress.step(loss=loss)
    err = capsys.readouterr().err
    assert re.search(r"steps: 100%.*3/3.*loss=1\.25", err), err
    # an error inside the loop reaches the caller; the bar is closed
    with pytest.raises(RuntimeError, match="boom"):
        with FitProgress(Plain(), total=3, desc="steps", verbose=True) as progress:
            progress.step()
            raise RuntimeError("boom")
    assert progress._bar.disable  # tqdm marks a closed bar disabled
    assert "1/3" in capsys.readouterr().err


def test_mlp_reports_each_epoch_to_callbacks(iris):
    pytest.importorskip("torch")
    from sklreg import MLPClassifier

    X, y = iris
    rec = RecordingCallback()
    kw = dict(hidden_layer_sizes=(8,), max_iter=7, n_iter_no_change=100)
    est = MLPClassifier(random_state=0, **kw).set_callbacks(rec)
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(7\) reached"):
        est.fit(X, y)
    assert rec.root_max_subtasks == 7
    assert rec.events == expected_events(7, "epochs")
    assert est.n_iter_ == len(est.loss_curve_) == 7
    # callbacks change nothing in the training
    with pytest.warns(ConvergenceWarning):
        plain = MLPClassifier(random_state=0, **kw).fit(X, y)
    assert est.loss_curve_ == plain.loss_curve_


def test_path_verbose_shows_a_bar_over_alphas(regression_data, capsys):
    from sklreg import lasso_path

    X, y = regression_data
    lasso_path(X, y, alphas=np.geomspace(10, 0.1, 6), verbose=True)
    err = capsys.readouterr().err
    assert "enet_path" in err and "6/6" in err
    lasso_path(X, y, alphas=np.geomspace(10, 0.1, 6))
    assert capsys.readouterr().err == ""
