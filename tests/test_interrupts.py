"""Ctrl-C during fit: real SIGINTs sent to this process at chosen epochs."""

import os
import signal
import threading
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV, cross_val_score
from textbook_settings import textbook_classifier

import skann._engine
from skann._core import interrupts

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SOLVERS = {
    "gd-minibatch": {"solver": "gd", "batch_size": 50},
    # A tolerance makes the full-batch loop report every epoch as it ends.
    "gd-full-batch": {"solver": "gd", "tol": 0.0, "n_iter_no_change": 1000},
    "adam": {"solver": "adam", "lr": 0.01, "batch_size": 50},
    "lbfgs": {"solver": "lbfgs"},
    "early-stopping": {"solver": "adam", "lr": 0.01, "early_stopping": True},
}


@pytest.fixture(autouse=True)
def handler_put_back():
    """Every test ends with Python's own SIGINT handler in place."""
    yield
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.fixture
def data():
    return make_classification(n_samples=200, n_features=8, random_state=0)


class SigintAt:
    """Sends SIGINT to this process at chosen epochs of chosen fits.

    ``plan`` maps ``(fit, epoch)``, both counted from 0 over the fits run after
    :meth:`install`, to the number of signals sent at the end of that epoch.
    ``epochs_per_fit`` records how many epochs each fit reported.
    """

    def __init__(self, plan):
        self.plan = plan
        self.epochs_per_fit = []
        self.handlers_seen = []

    def install(self, monkeypatch):
        # The progress printer is called after every epoch (L-BFGS iteration) while
        # the fit's SIGINT handler is in place, so a signal sent there lands in fit.
        def progress_printer(estimator):
            fit = len(self.epochs_per_fit)
            self.epochs_per_fit.append(0)

            def on_epoch(epoch, loss):
                self.epochs_per_fit[fit] += 1
                self.handlers_seen.append(signal.getsignal(signal.SIGINT))
                for _ in range(self.plan.get((fit, epoch), 0)):
                    os.kill(os.getpid(), signal.SIGINT)

            return on_epoch

        monkeypatch.setattr(skann._engine, "_progress_printer", progress_printer)
        return self


def assert_usable(clf, X):
    proba = clf.predict_proba(X)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)


@pytest.mark.parametrize("params", SOLVERS.values(), ids=SOLVERS.keys())
def test_first_ctrl_c_ends_training_after_the_current_epoch(params, data, monkeypatch):
    X, y = data
    SigintAt({(0, 3): 1}).install(monkeypatch)
    clf = textbook_classifier(8, epochs=200, random_state=0, **params)
    with pytest.warns(UserWarning, match="interrupted after 4 .* second Ctrl-C"):
        clf.fit(X, y)
    assert clf.n_iter_ == 4 and len(clf.loss_curve_) == 4
    assert_usable(clf, X)


@pytest.mark.parametrize("params", SOLVERS.values(), ids=SOLVERS.keys())
def test_second_ctrl_c_in_the_same_fit_raises_and_keeps_the_previous_model(
    params, data, monkeypatch
):
    X, y = data
    clf = textbook_classifier(8, epochs=5, random_state=0, **params).fit(X, y)
    before = {k: v for k, v in vars(clf).items()}
    coefs = [W.copy() for W in clf.coefs_]
    SigintAt({(0, 2): 2}).install(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        clf.set_params(epochs=200, random_state=1).fit(X, y)
    assert vars(clf).keys() == before.keys()
    for name, value in before.items():
        if name not in ("epochs", "random_state"):
            assert vars(clf)[name] is value, name
    for W, W_before in zip(clf.coefs_, coefs):
        np.testing.assert_array_equal(W, W_before)
    assert clf.n_iter_ == 5


def test_a_second_ctrl_c_in_a_later_fit_raises_and_the_next_one_is_gentle(
    data, monkeypatch
):
    X, y = data
    SigintAt({(0, 3): 1, (1, 3): 1, (2, 3): 1}).install(monkeypatch)
    clf = textbook_classifier(8, epochs=50, batch_size=50, random_state=0)
    with pytest.warns(UserWarning, match="interrupted after 4 epochs"):
        clf.fit(X, y)
    with pytest.raises(KeyboardInterrupt):
        textbook_classifier(8, epochs=50, batch_size=50, random_state=0).fit(X, y)
    # The KeyboardInterrupt was the second Ctrl-C; the third starts a new pair.
    with pytest.warns(UserWarning, match="interrupted after 4 epochs"):
        textbook_classifier(8, epochs=50, batch_size=50, random_state=0).fit(X, y)


def search(X, y):
    grid = GridSearchCV(
        textbook_classifier(8, epochs=20, batch_size=50, random_state=0),
        {"lr": [0.05, 0.1]},
        cv=3,
        n_jobs=1,
    )
    return grid.fit(X, y)


def test_one_ctrl_c_in_a_grid_search_only_shortens_one_fit(data, monkeypatch):
    X, y = data
    sender = SigintAt({(1, 3): 1}).install(monkeypatch)
    with pytest.warns(UserWarning, match="interrupted") as record:
        grid = search(X, y)
    assert sum("interrupted" in str(w.message) for w in record) == 1
    # Six fits of the search, then the refit on the whole data.
    assert sender.epochs_per_fit == [20, 4, 20, 20, 20, 20, 20]
    assert_usable(grid.best_estimator_, X)


def test_two_ctrl_c_stop_a_grid_search(data, monkeypatch):
    X, y = data
    sender = SigintAt({(1, 3): 1, (2, 5): 1}).install(monkeypatch)
    with pytest.warns(UserWarning, match="interrupted"):
        with pytest.raises(KeyboardInterrupt):
            search(X, y)
    assert sender.epochs_per_fit == [20, 4, 6]


def test_two_ctrl_c_stop_cross_val_score(data, monkeypatch):
    X, y = data
    sender = SigintAt({(0, 3): 1, (1, 3): 1}).install(monkeypatch)
    clf = textbook_classifier(8, solver="lbfgs", epochs=50, random_state=0)
    with pytest.warns(UserWarning, match="interrupted after 4 iterations"):
        with pytest.raises(KeyboardInterrupt):
            cross_val_score(clf, X, y, cv=5)
    assert sender.epochs_per_fit == [4, 4]


@pytest.mark.parametrize("params", SOLVERS.values(), ids=SOLVERS.keys())
def test_ignored_sigint_stays_ignored(params, data, monkeypatch):
    X, y = data
    sender = SigintAt({(0, 3): 2}).install(monkeypatch)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        clf = textbook_classifier(8, epochs=12, random_state=0, **params)
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            clf.fit(X, y)
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
    assert not [w for w in record if "interrupted" in str(w.message)]
    assert set(sender.handlers_seen) == {signal.SIG_IGN}
    assert sender.epochs_per_fit[0] == clf.n_iter_
    assert clf.n_iter_ > 4


def test_a_custom_handler_is_put_back_and_not_called_during_fit(data, monkeypatch):
    X, y = data
    calls = []
    SigintAt({(0, 3): 1}).install(monkeypatch)

    def custom(signum, frame):
        calls.append(signum)

    previous = signal.signal(signal.SIGINT, custom)
    try:
        with pytest.warns(UserWarning, match="interrupted after 4"):
            textbook_classifier(8, epochs=50, batch_size=50, random_state=0).fit(X, y)
        assert signal.getsignal(signal.SIGINT) is custom
    finally:
        signal.signal(signal.SIGINT, previous)
    assert calls == []


def test_fits_outside_the_main_thread_leave_the_handler_alone(data, monkeypatch):
    X, y = data
    sender = SigintAt({}).install(monkeypatch)
    errors = []

    def fit():
        try:
            textbook_classifier(8, epochs=5, batch_size=50, random_state=0).fit(X, y)
        except BaseException as exc:  # reported to the main thread below
            errors.append(exc)

    worker = threading.Thread(target=fit)
    worker.start()
    worker.join()
    assert errors == []
    assert sender.handlers_seen == [signal.default_int_handler] * 5


def test_deferred_interrupt_yields_the_flag_training_reads():
    with interrupts.deferred_interrupt() as state:
        assert state == {"interrupted": False}
        os.kill(os.getpid(), signal.SIGINT)
        assert state["interrupted"]
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
