"""Each optimizer and schedule against its update formula written out by hand."""

import numpy as np
import pytest

from skann._core.losses import LOSSES
from skann._core.network import Network
from skann._core.optimizers import OPTIMIZERS, Adam, GradientDescent, Momentum
from skann._core.plan import Dataset, Plan
from skann._core.schedules import (
    SCHEDULES,
    Adaptive,
    Constant,
    DropOnce,
    InvScaling,
)
from skann._core.training import train


def _steps(rng, n=4):
    return [rng.randn(6) for _ in range(n)]


def test_gradient_descent_is_the_seed_rule(rng):
    params, grads = rng.randn(8), rng.randn(8)
    expected = params - 0.1 * grads
    W, b = params[:6].reshape(3, 2), params[6:]  # views, as a network's layers hold
    GradientDescent(lr=0.1).update(params, grads)
    np.testing.assert_array_equal(params, expected)
    np.testing.assert_array_equal(W, expected[:6].reshape(3, 2))
    np.testing.assert_array_equal(b, expected[6:])


class SignDescent(GradientDescent):
    """A new optimizer, written as the optimizers' module says: W -= lr * sign(dW)."""

    name = "sign"

    def update(self, params, grads):
        params -= self.lr * np.sign(grads)


def test_a_new_optimizer_written_the_documented_way_drives_training(rng):
    X = rng.randn(30, 3)
    Y = (X[:, :1] > 0).astype(float)
    loss = LOSSES["binary_cross_entropy"]

    def fit(optimizer):
        net = Network.initialize(
            (3, 4, 1), "relu", "logistic", 0.5, np.random.RandomState(0)
        )
        train(net, loss, optimizer, Dataset(X, Y), Plan(3))
        return net.params

    # Its rule, by hand: three steps of lr * sign of the full-batch gradient.
    net = Network.initialize(
        (3, 4, 1), "relu", "logistic", 0.5, np.random.RandomState(0)
    )
    for _ in range(3):
        net.backward(loss.gradient(Y, net.forward(X)))
        net.params -= 0.01 * np.sign(net.grads)
    np.testing.assert_array_equal(fit(SignDescent(0.01)), net.params)
    assert np.abs(fit(SignDescent(0.01)) - fit(GradientDescent(0.01))).max() > 1e-3


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_matches_the_heavy_ball_formula(rng, nesterov):
    p0 = rng.randn(6)
    grads = _steps(rng)
    lr, mu = 0.05, 0.8
    p, v = p0.copy(), np.zeros_like(p0)
    for g in grads:
        v = mu * v - lr * g
        p = p + (mu * v - lr * g if nesterov else v)
    ours = p0.copy()
    opt = Momentum(lr, momentum=mu, nesterov=nesterov)
    for g in grads:
        opt.update(ours, g)
    np.testing.assert_allclose(ours, p, rtol=1e-12)


def test_momentum_zero_is_gradient_descent(rng):
    p0, grads = rng.randn(6), _steps(rng)
    a, b = p0.copy(), p0.copy()
    for g in grads:
        Momentum(0.1, momentum=0.0).update(a, g)
        GradientDescent(0.1).update(b, g)
    np.testing.assert_allclose(a, b, rtol=1e-14)


def test_adam_matches_the_paper(rng):
    p0 = rng.randn(6)
    grads = _steps(rng, 6)
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    p, m, s = p0.copy(), np.zeros_like(p0), np.zeros_like(p0)
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        s = b2 * s + (1 - b2) * g**2
        m_hat, s_hat = m / (1 - b1**t), s / (1 - b2**t)
        # The paper's epsilon sits beside sqrt(s_hat); folding the bias correction
        # into the step size moves it beside sqrt(s), where it equals the paper's
        # epsilon divided by sqrt(1 - b2**t).
        p = p - lr * m_hat / (np.sqrt(s_hat) + eps / np.sqrt(1 - b2**t))
    ours = p0.copy()
    opt = Adam(lr, b1, b2, eps)
    for g in grads:
        opt.update(ours, g)
    np.testing.assert_allclose(ours, p, rtol=1e-10)


@pytest.mark.parametrize("name", ["momentum", "adam"])
def test_state_round_trip_resumes_the_same_path(rng, name):
    p0, grads = rng.randn(6), _steps(rng, 6)
    straight = p0.copy()
    opt = OPTIMIZERS[name](0.01)
    for g in grads:
        opt.update(straight, g)
    resumed = p0.copy()
    first = OPTIMIZERS[name](0.01)
    for g in grads[:3]:
        first.update(resumed, g)
    second = OPTIMIZERS[name](0.01)
    second.set_state(first.get_state())
    for g in grads[3:]:
        second.update(resumed, g)
    np.testing.assert_array_equal(resumed, straight)


@pytest.mark.parametrize("name", ["momentum", "adam"])
def test_set_state_takes_copies_that_the_updates_leave_alone(rng, name):
    # A fitted model's saved state must outlive a call that resumed from it and
    # failed: the updates change the optimizer's arrays in place, never the saved.
    first = OPTIMIZERS[name](0.01)
    for g in _steps(rng, 2):
        first.update(rng.randn(6), g)
    saved = first.get_state()
    before = {k: np.copy(v) for k, v in saved.items()}
    second = OPTIMIZERS[name](0.01)
    second.set_state(saved)
    for g in _steps(rng, 3):
        second.update(rng.randn(6), g)
    for key, value in saved.items():
        np.testing.assert_array_equal(value, before[key])
    assert not all(
        np.array_equal(value, before[key]) for key, value in second.get_state().items()
    )


def test_registries_map_the_option_strings():
    assert OPTIMIZERS == {"gd": GradientDescent, "momentum": Momentum, "adam": Adam}
    assert SCHEDULES == {
        "constant": Constant,
        "invscaling": InvScaling,
        "adaptive": Adaptive,
        "drop_once": DropOnce,
    }


def test_invscaling_divides_by_a_power_of_the_samples_seen():
    opt = GradientDescent(0.5)
    InvScaling(0.5, power_t=0.25).epoch_end(opt, 80)
    assert opt.lr == pytest.approx(0.5 / 81**0.25)


def test_constant_keeps_the_rate_and_stops_on_a_plateau():
    opt = GradientDescent(0.5)
    schedule = Constant(0.5)
    schedule.epoch_end(opt, 1000)
    assert opt.lr == 0.5 and schedule.plateau(opt) is False


def test_adaptive_divides_by_five_until_1e_6():
    opt = GradientDescent(1e-4)
    schedule = Adaptive(1e-4)
    rates = []
    while schedule.plateau(opt):
        rates.append(opt.lr)
    assert rates == pytest.approx([2e-5, 4e-6, 8e-7])
    assert opt.lr == pytest.approx(8e-7)


def test_adaptive_stops_at_1e_6_itself_as_mlp_does():
    # MLP stops once the rate is at or below 1e-6, not only below it.
    opt = GradientDescent(1e-6)
    assert Adaptive(1e-6).plateau(opt) is False and opt.lr == 1e-6
    opt = GradientDescent(1.0001e-6)
    assert Adaptive(1.0001e-6).plateau(opt) is True
    assert opt.lr == pytest.approx(1.0001e-6 / 5)


def test_drop_once_divides_by_five_on_the_first_plateau_and_stops_on_the_second():
    opt = Adam(0.003)
    schedule = DropOnce(0.003)
    schedule.epoch_end(opt, 1000)
    assert opt.lr == 0.003
    assert schedule.plateau(opt) is True and opt.lr == pytest.approx(6e-4)
    assert schedule.plateau(opt) is False and opt.lr == pytest.approx(6e-4)
