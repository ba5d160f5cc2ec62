"""Training options of ANNClassifier: batches, solvers, stopping, weights, resuming."""

import os
import signal
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import recall_score
from sklearn.preprocessing import StandardScaler
from textbook_settings import textbook_classifier

import skann._core.training
import skann._engine
from skann import ANNClassifier
from skann._core.losses import LOSSES
from skann._core.network import Network
from skann._core.penalty import L2Penalty


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize(
    "batch_size, n, sizes",
    [("auto", 133, [67, 66]), (128, 133, [128, 5]), ("auto", 300, [100] * 3),
     (None, 133, [133])],
)  # fmt: skip
def test_auto_batches_are_of_equal_size_and_an_integer_is_mlps(
    rng, monkeypatch, batch_size, n, sizes
):
    seen = []

    class Recorded(skann._core.training.Batches):
        def __iter__(self):
            for X, Y, w in super().__iter__():
                seen.append(len(Y))
                yield X, Y, w

    monkeypatch.setattr(skann._core.training, "Batches", Recorded)
    X, y = rng.randn(n, 3), np.arange(n) % 2
    ANNClassifier(4, batch_size=batch_size, epochs=2, tol=None).fit(X, y)
    assert sorted(seen) == sorted(sizes * 2)


@pytest.mark.parametrize(
    "solver, batch_size",
    [(s, b) for s in ("gd", "momentum", "adam") for b in (None, 64)]
    + [("lbfgs", None)],
)
def test_every_solver_learns_and_counts_samples(cancer, solver, batch_size):
    X, y = cancer
    lr = {"gd": 0.5, "momentum": 0.05, "adam": 0.01, "lbfgs": 0.1}[solver]
    clf = textbook_classifier(
        16, solver=solver, lr=lr, epochs=30, batch_size=batch_size, random_state=0
    ).fit(X, y)
    assert clf.score(X, y) > 0.95
    assert len(clf.loss_curve_) == clf.n_iter_
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
    assert clf.best_loss_ == min(clf.loss_curve_) and clf.loss_ == clf.loss_curve_[-1]
    if solver != "lbfgs":
        assert clf.n_iter_ == 30 and clf.t_ == 30 * len(X)
    else:
        assert clf.t_ >= clf.n_iter_ * len(X)


def test_minibatch_epoch_loss_is_the_weighted_mean_of_batch_losses(rng):
    X = rng.randn(50, 3)
    y = rng.randint(0, 2, 50)
    w = rng.uniform(0.5, 2, 50)
    clf = textbook_classifier(
        5, lr=0.2, epochs=1, batch_size=20, shuffle=False, random_state=0
    )
    clf.fit(X, y, sample_weight=w)
    net = Network.initialize(
        (3, 5, 1), "relu", "logistic", 0.1, np.random.RandomState(0)
    )
    loss = LOSSES["binary_cross_entropy"]
    Y, total = y[:, None].astype(float), 0.0
    for rows in (slice(0, 20), slice(20, 40), slice(40, 50)):
        P = net.forward(X[rows])
        total += loss.loss(Y[rows], P, w[rows]) * w[rows].sum()
        net.backward(loss.gradient(Y[rows], P, w[rows]))
        net.params -= 0.2 * net.grads
    assert clf.loss_curve_[0] == pytest.approx(total / w.sum(), rel=1e-12)
    np.testing.assert_allclose(clf.coefs_[0], net.coefs[0], rtol=1e-12)


def test_shuffle_changes_the_path_and_follows_random_state(rng):
    X, y = make_classification(200, random_state=0)
    params = dict(hidden_size=8, epochs=5, batch_size=32, random_state=1)
    a = textbook_classifier(**params).fit(X, y).loss_curve_
    b = textbook_classifier(**params).fit(X, y).loss_curve_
    c = textbook_classifier(**params, shuffle=False).fit(X, y).loss_curve_
    assert a == b and a != c


def test_full_batch_ignores_shuffle():
    X, y = make_classification(60, random_state=0)
    a = textbook_classifier(epochs=20, random_state=0).fit(X, y).loss_curve_
    b = (
        textbook_classifier(epochs=20, random_state=0, shuffle=False)
        .fit(X, y)
        .loss_curve_
    )
    assert a == b


def test_alpha_adds_the_l2_penalty_to_the_loss(rng):
    X = rng.randn(40, 3)
    y = rng.randint(0, 3, 40)
    plain = textbook_classifier(6, epochs=1, random_state=0).fit(X, y)
    penalised = textbook_classifier(6, epochs=1, alpha=0.5, random_state=0).fit(X, y)
    net = Network.initialize(
        (3, 6, 3), "relu", "softmax", 0.1, np.random.RandomState(0)
    )
    penalty = 0.5 * 0.5 * sum(np.sum(W**2) for W in net.coefs) / 40
    assert penalised.loss_curve_[0] == pytest.approx(
        plain.loss_curve_[0] + penalty, rel=1e-12
    )
    shrink = textbook_classifier(6, epochs=200, alpha=5.0, lr=0.5, random_state=0).fit(
        X, y
    )
    free = textbook_classifier(6, epochs=200, lr=0.5, random_state=0).fit(X, y)
    assert np.abs(shrink.coefs_[0]).sum() < np.abs(free.coefs_[0]).sum()


@pytest.mark.parametrize(
    "penalty",
    [
        L2Penalty(0.3),
        L2Penalty(0.3, total=11.0),
        L2Penalty(0.3, total=11.0, input_weights=np.array([0.2, 1.0, 0.05])),
    ],
    ids=["per-batch", "whole-set", "whole-set-input-weights"],
)
def test_the_penalty_gradient_matches_finite_differences(rng, penalty):
    net = Network.initialize((3, 4, 2), "tanh", "softmax", 0.5, rng)
    net.grads[:] = 0
    penalty.add_gradient(net, 7.0)
    h, numeric = 1e-6, np.empty_like(net.params)
    for i in range(net.params.size):
        saved = net.params[i]
        net.params[i] = saved + h
        up = penalty.value(net, 7.0)
        net.params[i] = saved - h
        down = penalty.value(net, 7.0)
        net.params[i] = saved
        numeric[i] = (up - down) / (2 * h)
    np.testing.assert_allclose(net.grads, numeric, atol=1e-8)
    assert not any(layer.db.any() for layer in net.layers)  # biases are free


# X of zeros: no ReLU unit is ever positive, which fit rightly reports.
@pytest.mark.filterwarnings(
    "ignore:Training went wrong:sklearn.exceptions.ConvergenceWarning"
)
def test_init_scale_auto_is_he_then_glorot():
    X, y = np.zeros((4, 300)), [0, 1, 2, 0]
    clf = textbook_classifier(
        (200, 100), init_scale="auto", lr=1e-9, epochs=1, random_state=0
    )
    clf.fit(X, y)
    # The seed's draws, each layer's scaled: He's sqrt(2 / fan_in) into the ReLU
    # layers, Glorot's sqrt(2 / (fan_in + fan_out)) into the softmax output (1.5%
    # from He's here), compared draw for draw.
    draws = np.random.RandomState(0)
    scales = [np.sqrt(2 / 300), np.sqrt(2 / 200), np.sqrt(2 / (100 + 3))]
    for W, scale in zip(clf.coefs_, scales):
        expected = draws.randn(W.shape[1], W.shape[0]).T * scale
        np.testing.assert_allclose(W, expected, rtol=1e-6)
    tanh = textbook_classifier(
        200, activation="tanh", init_scale="auto", lr=1e-9, epochs=1, random_state=0
    )
    tanh.fit(X, y)
    expected = np.random.RandomState(0).randn(200, 300).T * np.sqrt(2 / 500)
    np.testing.assert_allclose(tanh.coefs_[0], expected, rtol=1e-6)


@pytest.mark.parametrize("sparse", [False, True])
def test_init_scale_data_scales_the_first_layer_to_inputs_in_large_units(rng, sparse):
    X = np.abs(rng.randn(50, 6)) * 40.0
    X[X < 30] = 0  # mostly zeros, which count in the mean square
    y = np.arange(50) % 3
    rms = np.sqrt(np.mean(X**2))
    settings = dict(hidden_size=(20, 10), lr=1e-300, epochs=1, random_state=0)

    def fit(init_scale, X):
        return textbook_classifier(**settings, init_scale=init_scale).fit(X, y)

    data = fit("data", sp.csr_matrix(X) if sparse else X)
    auto = fit("auto", X)
    # The same draws as 'auto'; the first layer's divided by the inputs' RMS.
    np.testing.assert_allclose(data.coefs_[0] * rms, auto.coefs_[0], rtol=1e-9)
    for W, W_auto in zip(data.coefs_[1:], auto.coefs_[1:]):
        np.testing.assert_allclose(W, W_auto, rtol=1e-9)
    # Inputs of unit scale or less (scaled, TF-IDF) keep He's scale as it is.
    small = X / (2 * rms)
    data, auto = fit("data", small), fit("auto", small)
    np.testing.assert_allclose(data.coefs_[0], auto.coefs_[0], rtol=1e-9)


def test_tol_stops_early(cancer):
    X, y = cancer
    clf = textbook_classifier(8, lr=0.5, epochs=5000, tol=1e-3, random_state=0).fit(
        X, y
    )
    assert clf.n_iter_ < 5000
    curve = clf.loss_curve_
    # Each of the last 11 epochs (n_iter_no_change + 1, as MLPClassifier counts)
    # failed to beat the best loss before it by tol ...
    for i in range(len(curve) - 11, len(curve)):
        assert curve[i] > min(curve[:i]) - 1e-3
    # ... and the epoch before them did.
    i = len(curve) - 12
    assert curve[i] <= min(curve[:i]) - 1e-3


def test_running_out_of_epochs_with_tol_warns(cancer):
    X, y = cancer
    with pytest.warns(ConvergenceWarning, match="Maximum epochs"):
        textbook_classifier(lr=0.01, epochs=5, tol=1e-6, random_state=0).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        textbook_classifier(lr=0.01, epochs=5, random_state=0).fit(X, y)


def test_adaptive_schedule_lowers_the_rate_on_plateaus(cancer):
    X, y = cancer
    clf = textbook_classifier(
        8,
        lr=2.0,
        lr_schedule="adaptive",
        tol=1e-2,
        n_iter_no_change=3,
        epochs=3000,
        random_state=0,
    ).fit(X, y)
    assert clf._optimizer_state_["lr"] < 2.0
    assert clf.n_iter_ < 3000


def test_early_stopping_restores_the_best_validation_weights(cancer):
    X, y = cancer
    clf = textbook_classifier(
        64,
        solver="adam",
        lr=0.05,
        epochs=300,
        early_stopping=True,
        tol=0.0,
        n_iter_no_change=15,
        random_state=0,
    ).fit(X, y)
    curve = clf.validation_loss_curve_
    best = int(np.argmin(curve))
    assert len(curve) == len(clf.validation_scores_) == clf.n_iter_ < 300
    assert best < clf.n_iter_ - 1
    assert clf.best_validation_score_ == clf.validation_scores_[best]
    # Replay the fit up to the best epoch: the kept weights are that epoch's.
    replay = textbook_classifier(
        64,
        solver="adam",
        lr=0.05,
        epochs=best + 1,
        early_stopping=True,
        random_state=0,
    ).fit(X, y)
    for kept, replayed in zip(clf.coefs_, replay.coefs_):
        np.testing.assert_array_equal(kept, replayed)


@pytest.mark.parametrize("tol, kept", [(0.0, "lowest"), (10.0, "last")])
def test_a_plateau_keeps_the_lowest_epoch_only_if_the_last_is_worse_by_tol(
    cancer, tol, kept
):
    # A plateau ends n_iter_no_change + 1 epochs after the lowest loss. At tol=0
    # the last epoch is above the lowest, and the model is the lowest one's; at
    # tol=10 every epoch is within tol of the lowest, and the model is the last.
    X, y = cancer
    settings = dict(
        hidden_size=64, solver="adam", lr=0.05, batch_size=128, random_state=0,
        lr_schedule="constant",
    )  # fmt: skip
    clf = ANNClassifier(**settings, epochs=300, tol=tol, n_iter_no_change=15)
    clf.fit(X, y)
    best = int(np.argmin(clf.loss_curve_))
    assert clf.n_iter_ < 300 and best < clf.n_iter_ - 1
    assert clf.loss_curve_[-1] > clf.best_loss_ == clf.loss_curve_[best]
    epochs = {"lowest": best + 1, "last": clf.n_iter_}
    replay = ANNClassifier(**settings, epochs=epochs[kept], tol=None).fit(X, y)
    other = "last" if kept == "lowest" else "lowest"
    not_kept = ANNClassifier(**settings, epochs=epochs[other], tol=None).fit(X, y)
    for coef, replayed, unkept in zip(clf.coefs_, replay.coefs_, not_kept.coefs_):
        np.testing.assert_array_equal(coef, replayed)
        assert not np.array_equal(coef, unkept)


def test_drop_once_lowers_the_rate_on_the_first_plateau_and_stops_on_the_second(
    cancer,
):
    X, y = cancer
    settings = dict(hidden_size=16, lr=0.01, epochs=300, random_state=0)
    constant = ANNClassifier(**settings, lr_schedule="constant").fit(X, y)
    dropped = ANNClassifier(**settings, lr_schedule="drop_once").fit(X, y)
    k = constant.n_iter_
    assert k < 300
    # The same run up to the first plateau, then on at a fifth of the rate.
    assert dropped.loss_curve_[:k] == constant.loss_curve_
    assert k < dropped.n_iter_ < 300
    assert constant._optimizer_state_["lr"] == 0.01
    assert dropped._optimizer_state_["lr"] == pytest.approx(0.002)
    # No plateau without tol, so no drop.
    unstopped = ANNClassifier(**{**settings, "epochs": 30}, tol=None).fit(X, y)
    assert unstopped.n_iter_ == 30 and unstopped._optimizer_state_["lr"] == 0.01


def test_without_early_stopping_validation_attributes_are_none(cancer):
    X, y = cancer
    clf = textbook_classifier(epochs=3).fit(X, y)
    assert clf.validation_loss_curve_ is None
    assert clf.validation_scores_ is None and clf.best_validation_score_ is None


def test_full_batch_sample_weight_equals_repeated_rows(rng):
    X = rng.randn(30, 4)
    y = rng.randint(0, 2, 30)
    w = rng.randint(0, 4, 30)
    w[:2] = [1, 2]
    params = dict(hidden_size=6, lr=0.3, epochs=300, alpha=0.01, random_state=0)
    weighted = textbook_classifier(**params).fit(X, y, sample_weight=w)
    repeated = textbook_classifier(**params).fit(np.repeat(X, w, 0), np.repeat(y, w))
    np.testing.assert_allclose(
        weighted.predict_proba(X), repeated.predict_proba(X), rtol=1e-7
    )


def test_balanced_class_weight_raises_minority_recall():
    X, y = make_classification(
        600, n_features=10, weights=[0.93], flip_y=0, class_sep=0.6, random_state=0
    )
    X = StandardScaler().fit_transform(X)
    params = dict(hidden_size=16, lr=0.5, epochs=300, random_state=0)
    plain = textbook_classifier(**params).fit(X, y)
    balanced = textbook_classifier(**params, class_weight="balanced").fit(X, y)
    plain_recall = recall_score(y, plain.predict(X))
    balanced_recall = recall_score(y, balanced.predict(X))
    assert balanced_recall > plain_recall + 0.05


def test_class_weight_dict_equals_sample_weight(rng):
    X = rng.randn(40, 3)
    y = np.where(rng.rand(40) > 0.5, "a", "b")
    by_class = textbook_classifier(
        epochs=30, class_weight={"a": 3.0, "b": 1.0}, random_state=0
    )
    by_sample = textbook_classifier(epochs=30, random_state=0)
    by_class.fit(X, y)
    by_sample.fit(X, y, sample_weight=np.where(y == "a", 3.0, 1.0))
    np.testing.assert_allclose(by_class.loss_curve_, by_sample.loss_curve_, rtol=1e-12)


def test_warm_start_continues_the_loss_curve(rng):
    X, y = rng.randn(50, 3), rng.randint(0, 3, 50)
    whole = textbook_classifier(5, epochs=40, random_state=0).fit(X, y)
    warm = textbook_classifier(5, epochs=25, random_state=0, warm_start=True).fit(X, y)
    warm.set_params(epochs=15).fit(X, y)
    np.testing.assert_allclose(warm.loss_curve_, whole.loss_curve_, rtol=1e-12)
    assert warm.n_iter_ == 40 and warm.t_ == 40 * 50
    np.testing.assert_allclose(warm.coefs_[0], whole.coefs_[0], rtol=1e-12)


def test_warm_start_refuses_other_classes_or_layers(rng):
    X, y = rng.randn(30, 3), rng.randint(0, 3, 30)
    clf = textbook_classifier(5, epochs=3, warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match="same classes"):
        clf.fit(X, np.where(y == 2, 1, y))
    with pytest.raises(ValueError, match="warm_start=False"):
        clf.set_params(hidden_size=7).fit(X, y)


@pytest.mark.parametrize("solver", ["gd", "momentum", "adam"])
def test_partial_fit_runs_one_epoch_per_call_and_continues(rng, solver):
    X, y = rng.randn(60, 3), rng.randint(0, 3, 60)
    params = dict(hidden_size=5, solver=solver, lr=0.05, random_state=0)
    whole = textbook_classifier(**params, epochs=6).fit(X, y)
    parts = textbook_classifier(**params)
    for _ in range(6):
        parts.partial_fit(X, y, classes=[0, 1, 2])
    np.testing.assert_allclose(parts.loss_curve_, whole.loss_curve_, rtol=1e-12)
    assert parts.n_iter_ == 6 and parts.t_ == 6 * 60


def test_partial_fit_needs_classes_first(rng):
    X, y = rng.randn(20, 3), rng.randint(0, 2, 20)
    clf = textbook_classifier()
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    assert not hasattr(clf, "coefs_")
    clf.partial_fit(X[y == 0], y[y == 0], classes=[0, 1])
    np.testing.assert_array_equal(clf.classes_, [0, 1])
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(X, y + 5)


def test_partial_fit_multilabel(rng):
    X = rng.randn(40, 3)
    Y = (X[:, :2] > 0).astype(int)
    clf = textbook_classifier(8, lr=0.5, random_state=0)
    for _ in range(50):
        clf.partial_fit(X, Y)
    assert clf.predict(X).shape == (40, 2) and clf.n_iter_ == 50
    assert (clf.predict(X) == Y).mean() > 0.85


def test_partial_fit_refuses_lbfgs_and_balanced(rng):
    X, y = rng.randn(10, 2), rng.randint(0, 2, 10)
    with pytest.raises(AttributeError, match="partial_fit") as info:
        textbook_classifier(solver="lbfgs").partial_fit(X, y, classes=[0, 1])
    assert "solver='lbfgs'" in str(info.value.__cause__)
    with pytest.raises(ValueError, match="balanced"):
        textbook_classifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1])


def test_loss_growing_far_past_its_start_raises_naming_lr():
    X, y = load_breast_cancer(return_X_y=True)
    with pytest.raises(ValueError, match="lower it"):
        textbook_classifier(lr=1e6, epochs=200, random_state=0).fit(X, y)


def test_ctrl_c_keeps_the_last_completed_epoch(cancer, monkeypatch):
    X, y = cancer

    def interrupt_at_epoch_3(self):
        def on_epoch(epoch, loss):
            if epoch == 3:
                os.kill(os.getpid(), signal.SIGINT)

        return on_epoch

    monkeypatch.setattr(skann._engine, "_progress_printer", interrupt_at_epoch_3)
    clf = textbook_classifier(8, epochs=100, batch_size=50, random_state=0)
    with pytest.warns(UserWarning, match="interrupted after 4 epochs"):
        clf.fit(X, y)
    assert clf.n_iter_ == 4 and len(clf.loss_curve_) == 4
    assert clf.predict(X).shape == y.shape
    monkeypatch.undo()
    replay = textbook_classifier(8, epochs=4, batch_size=50, random_state=0).fit(X, y)
    np.testing.assert_array_equal(clf.coefs_[0], replay.coefs_[0])
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_warm_fit_without_early_stopping_has_no_best_validation_score(cancer):
    X, y = cancer
    clf = textbook_classifier(epochs=5, early_stopping=True, random_state=0)
    clf.fit(X, y)
    scores = clf.validation_scores_
    assert clf.best_validation_score_ is not None
    clf.set_params(warm_start=True, early_stopping=False).fit(X, y)
    assert clf.best_validation_score_ is None
    # The curves still span the fits that held data out.
    assert clf.validation_scores_ == scores
    clf.partial_fit(X, y)
    assert clf.best_validation_score_ is None
