"""ANNClassifier reports its epochs to scikit-learn's callbacks."""

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV
from textbook_settings import textbook_classifier

callback = pytest.importorskip("sklearn.callback", reason="scikit-learn < 1.9")


class EpochRecorder:
    """A minimal callback recording the tasks it is told about."""

    def __init__(self, stop_after=None):
        self.stop_after = stop_after
        self.ended = []
        self.fitted_iters = []
        self.torn_down = False

    def setup(self, estimator, context):
        self.ended.clear()
        self.fitted_iters.clear()

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context, *, fitted_estimator):
        self.ended.append(context.task_name)
        if context.task_name == "epoch":
            self.fitted_iters.append(fitted_estimator.n_iter_)
            self.last_model = fitted_estimator
        epochs = self.ended.count("epoch")
        return self.stop_after is not None and epochs >= self.stop_after

    def teardown(self, estimator, context):
        self.torn_down = True


@pytest.fixture
def data(rng):
    X = rng.randn(60, 3)
    return X, (X[:, 0] > 0).astype(int)


@pytest.mark.parametrize("solver", ["gd", "adam", "lbfgs"])
def test_each_epoch_is_a_subtask(data, solver):
    X, y = data
    recorder = EpochRecorder()
    clf = textbook_classifier(5, solver=solver, epochs=7, random_state=0)
    clf.set_callbacks(recorder).fit(X, y)
    assert recorder.ended.count("epoch") == clf.n_iter_
    assert recorder.fitted_iters == list(range(1, clf.n_iter_ + 1))
    assert recorder.ended[-1] == "fit" and recorder.torn_down
    # The model handed to the callbacks after the last epoch predicts like the fit one.
    np.testing.assert_allclose(
        recorder.last_model.predict_proba(X), clf.predict_proba(X), rtol=1e-12
    )


def test_a_callback_can_stop_training(data):
    X, y = data
    recorder = EpochRecorder(stop_after=3)
    clf = textbook_classifier(epochs=50).set_callbacks(recorder).fit(X, y)
    assert clf.n_iter_ == 3 and len(clf.loss_curve_) == 3


def test_partial_fit_reports_its_epoch(data):
    X, y = data
    recorder = EpochRecorder()
    clf = textbook_classifier().set_callbacks(recorder)
    clf.partial_fit(X, y, classes=[0, 1])
    clf.partial_fit(X, y)
    assert recorder.fitted_iters == [2]


def test_teardown_runs_when_training_fails():
    X, y = load_breast_cancer(return_X_y=True)
    recorder = EpochRecorder()
    clf = textbook_classifier(lr=1e6, epochs=200, random_state=0).set_callbacks(
        recorder
    )
    with pytest.raises(ValueError, match="diverged"):
        clf.fit(X, y)
    assert recorder.torn_down and recorder.ended.count("epoch") >= 1
    assert not hasattr(clf, "_callback_fit_ctx")


def test_no_callbacks_no_reporting(data):
    X, y = data
    clf = textbook_classifier(epochs=5).fit(X, y)
    assert not hasattr(clf, "_callback_fit_ctx")


def test_progress_bar_shows_training_progress(data, capsys):
    pytest.importorskip("rich")
    X, y = data
    textbook_classifier(epochs=20).set_callbacks(callback.ProgressBar()).fit(X, y)
    out = capsys.readouterr().out
    assert "ANNClassifier - fit" in out and "100%" in out


def test_progress_bar_inside_grid_search(data, capsys):
    pytest.importorskip("rich")
    X, y = data
    search = GridSearchCV(
        textbook_classifier(epochs=10), {"hidden_size": [2, 4]}, cv=2
    ).set_callbacks(callback.ProgressBar(max_propagation_depth=None))
    search.fit(X, y)
    out = capsys.readouterr().out
    assert "GridSearchCV - fit" in out
    assert "ANNClassifier - fit" in out


def test_scoring_monitor_logs_every_epoch(data):
    X, y = data
    monitor = callback.ScoringMonitor(scoring="accuracy")
    clf = textbook_classifier(8, lr=0.5, epochs=15, random_state=0)
    clf.set_callbacks(monitor).fit(X, y)
    log = monitor.get_logs(select="most_recent")
    epochs = [row for row in log.data if row["task_name"] == "epoch"]
    assert len(epochs) == 15
    assert epochs[-1]["accuracy"] == pytest.approx(clf.score(X, y))
