import warnings

import numpy as np
import pytest

from skann._core import losslog
from skann._core.losses import LOSSES
from skann._core.network import Network
from skann._core.optimizers import GradientDescent
from skann._core.penalty import L2Penalty
from skann._core.plan import Dataset, Plan
from skann._core.stopping import DivergenceError, Plateau
from skann._core.training import train

BCE = LOSSES["binary_cross_entropy"]


def _problem(rng):
    X = rng.randn(40, 3)
    Y = (X[:, :1] + X[:, 1:2] > 0).astype(float)
    net = Network.initialize((3, 5, 1), "relu", "logistic", 0.1, rng)
    return net, X, Y


def test_loss_curve_is_the_loss_before_each_update(rng):
    net, X, Y = _problem(rng)
    first = BCE.loss(Y, net.forward(X))
    result = train(net, BCE, GradientDescent(0.5), Dataset(X, Y), Plan(50))
    assert result.loss_curve[0] == first
    assert result.n_iter == 50 and result.t == 50 * 40
    assert result.loss_curve[-1] < result.loss_curve[0]
    final = BCE.loss(Y, net.forward(X))
    assert final < result.loss_curve[-1]


def test_losses_computed_together_equal_losses_computed_at_once(rng, monkeypatch):
    curves = []
    for capacity in (losslog.DEFERRED_EPOCHS, 1):
        monkeypatch.setattr(losslog, "DEFERRED_EPOCHS", capacity)
        net, X, Y = _problem(np.random.RandomState(0))
        result = train(net, BCE, GradientDescent(0.5), Dataset(X, Y), Plan(37))
        curves.append(result.loss_curve)
    assert len(curves[0]) == 37
    np.testing.assert_allclose(curves[0], curves[1], rtol=1e-14)


def test_on_epoch_sees_every_epoch(rng):
    net, X, Y = _problem(rng)
    seen = []
    plan = Plan(5, on_epoch=lambda e, v: seen.append(e))
    result = train(net, BCE, GradientDescent(0.1), Dataset(X, Y), plan)
    assert seen == [0, 1, 2, 3, 4] and len(result.loss_curve) == 5


def test_report_sees_every_epoch_in_order_even_when_losses_wait(rng):
    net, X, Y = _problem(rng)
    seen = []
    plan = Plan(300, report=lambda e, v: seen.append((e, v)))
    result = train(net, BCE, GradientDescent(0.1), Dataset(X, Y), plan)
    assert seen == list(enumerate(result.loss_curve)) and len(seen) == 300


def test_plateau_stops_and_validation_keeps_the_best_epoch(rng):
    net, X, Y = _problem(rng)
    validation = Dataset(X[:10], 1 - Y[:10])  # gets worse as training improves
    plan = Plan(100, plateau=Plateau(0.0, 3, keep_best=True), validation=validation)
    start = net.get_state()
    result = train(net, BCE, GradientDescent(0.5), Dataset(X, Y), plan)
    assert result.stopped and result.n_iter < 100
    assert result.best_epoch == int(np.argmin(result.validation_loss_curve))
    assert len(result.validation_scores) == result.n_iter
    assert not np.array_equal(net.params, start)  # the best epoch's, not the last


def test_divergence_raises_without_numpy_warnings(rng):
    net, X, Y = _problem(rng)
    X = X * 1e4
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DivergenceError, match=r"epoch \d+.*lr=1000000.0"):
            train(net, BCE, GradientDescent(1e6), Dataset(X, Y), Plan(200))


def test_a_loss_rising_far_above_its_start_is_divergence(rng):
    # Unscaled features and a huge step: the loss stays finite but saturates at
    # confident wrong answers.
    net, X, Y = _problem(rng)
    X = X * 1e3 + 500
    with pytest.raises(DivergenceError, match="stayed above"):
        train(net, BCE, GradientDescent(1e6), Dataset(X, Y), Plan(200))


def test_baseline_is_the_class_frequency_loss():
    Y = np.array([[1.0], [0.0], [0.0], [0.0]])
    p = 0.25
    expected = -(p * np.log(p) + (1 - p) * np.log(1 - p))
    assert BCE.baseline(Y) == pytest.approx(expected)


@pytest.mark.parametrize("alpha", [0.0, 1e-2])
def test_a_batch_of_zero_weight_takes_no_step(rng, alpha):
    # Weighted, the loss and its gradient ignore the rows of zero weight: training
    # on every row equals training on the weighted rows alone, batch for batch.
    net, X, Y = _problem(rng)
    other = Network(net.coefs, net.intercepts, "relu", "logistic")
    w = np.r_[np.zeros(20), np.ones(20)]
    plan = Plan(5, batch_size=10, penalty=L2Penalty(alpha))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = train(net, BCE, GradientDescent(0.5), Dataset(X, Y, w), plan)
    reference = train(
        other, BCE, GradientDescent(0.5), Dataset(X[20:], Y[20:], w[20:]), plan
    )
    np.testing.assert_allclose(net.params, other.params)
    np.testing.assert_allclose(result.loss_curve, reference.loss_curve)
