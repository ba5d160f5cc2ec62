"""Predicting beside other threads: a fit swaps its model in at once, and prediction
leaves the process's BLAS threads and memory as it found them."""

import pickle
import threading
import tracemalloc

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError
from threadpoolctl import threadpool_info

import skann._engine
from skann import ANNClassifier, ANNRegressor
from skann._core.stopping import DivergenceError

N_THREADS = 4


def blas_threads():
    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


@pytest.fixture(scope="module")
def data():
    return make_classification(
        n_samples=600, n_features=12, n_informative=6, n_classes=3, random_state=0
    )


def small(**params):
    settings = dict(
        hidden_size=16,
        solver="adam",
        lr=0.01,
        batch_size=50,
        epochs=5,
        init_scale="auto",
        alpha=0.0,
        tol=None,
        random_state=0,
    )
    return ANNClassifier(**{**settings, **params})


class Predictors:
    """Threads that call ``predict_proba`` on ``X`` until told to stop.

    Every answer is kept, and every exception.
    """

    def __init__(self, clf, X):
        self.clf, self.X = clf, X
        self.stop = threading.Event()
        self.answers, self.errors = [], []
        self.threads = [threading.Thread(target=self.run) for _ in range(N_THREADS)]

    def run(self):
        while not self.stop.is_set():
            try:
                self.answers.append(self.clf.predict_proba(self.X))
            except Exception as exc:  # noqa: BLE001 - every error is a failure here
                self.errors.append(exc)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stop.set()
        for thread in self.threads:
            thread.join()


def assert_each_answer_is_one_model(answers, models, X):
    """Every answer is the whole answer of one of ``models``, never a mixture."""
    expected = [model.predict_proba(X) for model in models]
    for answer in answers:
        assert any(np.array_equal(answer, e) for e in expected)


def test_blas_threads_are_unchanged_after_concurrent_fits_and_predictions(data):
    X, y = data
    before = blas_threads()
    clf = small().fit(X, y)
    with Predictors(clf, X[:10]) as predictors:
        for _ in range(3):
            clf.partial_fit(X, y)
    assert predictors.answers and not predictors.errors
    assert blas_threads() == before


@pytest.mark.parametrize("fails", [False, True], ids=["succeeding", "failing"])
def test_predictions_during_partial_fit_answer_with_one_model(data, fails):
    X, y = data
    clf = small().fit(X, y)
    models = [pickle.loads(pickle.dumps(clf))]
    # Many short calls: each is a chance for a prediction to meet a half-made state.
    X_call, y_call = X[:60], y[:60]
    bad_y = np.where(y_call == 0, 7, y_call)  # a class the model has never seen
    with Predictors(clf, X[:10]) as predictors:
        for _ in range(150):
            if fails:
                with pytest.raises(ValueError, match="classes"):
                    clf.partial_fit(X_call, bad_y)
            clf.partial_fit(X_call, y_call)
            models.append(pickle.loads(pickle.dumps(clf)))
    assert predictors.answers
    assert not predictors.errors
    assert_each_answer_is_one_model(predictors.answers, models, X[:10])


@pytest.mark.parametrize("fails", [False, True], ids=["succeeding", "failing"])
def test_predictions_during_fit_answer_with_the_old_or_the_new_model(data, fails):
    X, y = data
    clf = small(epochs=40).fit(X, y)
    old = pickle.loads(pickle.dumps(clf))
    # Diverging settings make the refit raise while it trains.
    clf.set_params(random_state=1, **({"solver": "gd", "lr": 1e300} if fails else {}))
    with Predictors(clf, X[:10]) as predictors:
        if fails:
            with pytest.raises(DivergenceError):
                clf.fit(X, y)
        else:
            clf.fit(X, y)
    assert predictors.answers
    assert not predictors.errors
    assert_each_answer_is_one_model(predictors.answers, [old, clf], X[:10])
    if fails:
        np.testing.assert_array_equal(clf.predict_proba(X), old.predict_proba(X))


def test_predicting_during_the_first_fit_raises_not_fitted(data, monkeypatch):
    X, y = data
    clf = small(verbose=1)
    seen = []

    def progress_printer(estimator):
        def on_epoch(epoch, loss):
            try:
                clf.predict(X[:3])
            except Exception as exc:  # noqa: BLE001
                seen.append(type(exc))

        return on_epoch

    monkeypatch.setattr(skann._engine, "_progress_printer", progress_printer)
    clf.fit(X, y)
    assert seen == [NotFittedError] * clf.n_iter_
    # Once fit has ended the same call answers.
    assert clf.predict(X[:3]).shape == (3,)


@pytest.mark.parametrize("Estimator", [ANNClassifier, ANNRegressor])
def test_one_row_allocates_a_small_fraction_of_the_model(Estimator):
    rng = np.random.RandomState(0)
    X = rng.standard_normal((200, 784))
    y = rng.randint(0, 10, 200) if Estimator is ANNClassifier else X[:, 0]
    est = Estimator(
        hidden_size=(512, 256),
        solver="adam",
        lr=1e-3,
        epochs=1,
        batch_size=200,
        init_scale="auto",
        tol=None,
    ).fit(X, y)
    model_bytes = sum(W.nbytes + b.nbytes for W, b in zip(est.coefs_, est.intercepts_))
    est.predict(X[:1])  # whatever is made once per fitted state is made here
    for predict in (est.predict, getattr(est, "predict_proba", est.predict)):
        tracemalloc.start()
        try:
            predict(X[:1])
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < model_bytes / 4


def test_a_parallel_grid_search_finds_what_a_serial_one_does(data):
    from sklearn.model_selection import GridSearchCV

    X, y = data
    grid = {"hidden_size": [8, 16], "lr": [0.01, 0.03]}
    serial = GridSearchCV(small(), grid, cv=3, n_jobs=1).fit(X, y)
    parallel = GridSearchCV(small(), grid, cv=3, n_jobs=2).fit(X, y)
    np.testing.assert_allclose(
        parallel.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"]
    )
    assert parallel.best_params_ == serial.best_params_


class PredictEachEpoch:
    """A scikit-learn callback that predicts with ``clf`` after every epoch."""

    def __init__(self, clf, X):
        self.clf, self.X = clf, X
        self.answers = []

    def setup(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context, *, fitted_estimator):
        if context.task_name == "epoch":
            try:
                self.answers.append(self.clf.predict_proba(self.X))
            except Exception as exc:  # noqa: BLE001 - recorded for the assertions
                self.answers.append(exc)
        return False

    def teardown(self, estimator, context):
        pass


def test_a_callback_predicting_during_the_first_fit_meets_not_fitted(data):
    pytest.importorskip("sklearn.callback", reason="scikit-learn < 1.9")
    X, y = data
    clf = small()
    spy = PredictEachEpoch(clf, X[:3])
    clf.set_callbacks(spy).fit(X, y)
    assert len(spy.answers) == clf.n_iter_
    assert all(isinstance(a, NotFittedError) for a in spy.answers)


def test_a_refit_on_other_features_leaves_the_old_model_answering(data):
    # Until the refit ends, the estimator is the old model, features and all.
    pytest.importorskip("sklearn.callback", reason="scikit-learn < 1.9")
    X, y = data
    clf = small().fit(X, y)
    before = clf.predict_proba(X[:5])
    spy = PredictEachEpoch(clf, X[:5])
    wider = np.hstack([X, X[:, :3]])
    clf.set_callbacks(spy).fit(wider, y)
    assert len(spy.answers) == clf.n_iter_
    for answer in spy.answers:
        assert not isinstance(answer, Exception), answer
        np.testing.assert_array_equal(answer, before)
    assert clf.n_features_in_ == wider.shape[1]


class PauseAfterFirstEpoch:
    """A scikit-learn callback that holds the fit after its first epoch until told."""

    def __init__(self):
        self.paused, self.resume = threading.Event(), threading.Event()

    def setup(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context, *, fitted_estimator):
        if context.task_name == "epoch" and not self.paused.is_set():
            self.paused.set()
            assert self.resume.wait(timeout=30)
        return False

    def teardown(self, estimator, context):
        pass


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_parameters_set_while_a_fit_runs_stay_set(data, method):
    # The fit trains with the parameters it began with and commits what it
    # learnt, not the parameters of its start, as MLPClassifier keeps them.
    pytest.importorskip("sklearn.callback", reason="scikit-learn < 1.9")
    X, y = data
    pause = PauseAfterFirstEpoch()
    clf = small(epochs=3).set_callbacks(pause)
    kwargs, errors = {} if method == "fit" else {"classes": [0, 1, 2]}, []

    def train():
        try:
            getattr(clf, method)(X, y, **kwargs)
        except Exception as exc:  # noqa: BLE001 - raised in the main thread below
            errors.append(exc)

    thread = threading.Thread(target=train)
    thread.start()
    try:
        assert pause.paused.wait(timeout=30)
        clf.set_params(lr=0.5, epochs=7, alpha=0.25)
    finally:
        pause.resume.set()
        thread.join(timeout=30)
    assert not thread.is_alive() and not errors, errors
    assert (clf.lr, clf.epochs, clf.alpha) == (0.5, 7, 0.25)
    assert clf.n_iter_ == (3 if method == "fit" else 1)
    assert clf._optimizer_state_["lr"] == 0.01
    clf.predict(X[:3])
