import warnings

import numpy as np
import pytest

from skann._core.losses import LOSSES
from skann._core.network import Network
from skann._core.optimizers import GradientDescent
from skann._core.stopping import DivergenceError
from skann._core.training import Dataset, train


def _problem(rng):
    X = rng.randn(40, 3)
    Y = (X[:, :1] + X[:, 1:2] > 0).astype(float)
    net = Network.initialize((3, 5, 1), "relu", "logistic", 0.1, rng)
    return net, X, Y


def test_loss_curve_is_the_loss_before_each_update(rng):
    net, X, Y = _problem(rng)
    first = LOSSES["logistic"].loss(Y, net.forward(X))
    result = train(net, Dataset(X, Y), GradientDescent(0.5), 50)
    assert result.loss_curve[0] == first
    assert result.n_iter == 50 and result.t == 50 * 40
    assert result.loss_curve[-1] < result.loss_curve[0]
    final = LOSSES["logistic"].loss(Y, net.forward(X))
    assert final < result.loss_curve[-1]


def test_on_epoch_sees_every_epoch(rng):
    net, X, Y = _problem(rng)
    seen = []
    result = train(
        net,
        Dataset(X, Y),
        GradientDescent(0.1),
        5,
        on_epoch=lambda e, v: seen.append(e),
    )
    assert seen == [0, 1, 2, 3, 4] and len(result.loss_curve) == 5


def test_divergence_raises_without_numpy_warnings(rng):
    net, X, Y = _problem(rng)
    X = X * 1e4
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DivergenceError, match=r"epoch \d+.*lr=1000000.0"):
            train(net, Dataset(X, Y), GradientDescent(1e6), 200)


def test_a_loss_rising_far_above_its_start_is_divergence(rng):
    # Unscaled features and a huge step: the loss stays finite but saturates at
    # confident wrong answers.
    net, X, Y = _problem(rng)
    X = X * 1e3 + 500
    with pytest.raises(DivergenceError, match="stayed above"):
        train(net, Dataset(X, Y), GradientDescent(1e6), 200)


def test_baseline_is_the_class_frequency_loss():
    Y = np.array([[1.0], [0.0], [0.0], [0.0]])
    p = 0.25
    expected = -(p * np.log(p) + (1 - p) * np.log(1 - p))
    assert LOSSES["logistic"].baseline(Y) == pytest.approx(expected)
