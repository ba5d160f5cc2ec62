import numpy as np

from skann._core.optimizers import OPTIMIZERS, GradientDescent


def test_gradient_descent_is_the_seed_rule(rng):
    W, b = rng.randn(3, 2), rng.randn(2)
    gW, gb = rng.randn(3, 2), rng.randn(2)
    expected = (W - 0.1 * gW, b - 0.1 * gb)
    params = [W, b]
    GradientDescent(lr=0.1).update(params, [gW, gb])
    assert params[0] is W and params[1] is b
    np.testing.assert_array_equal(W, expected[0])
    np.testing.assert_array_equal(b, expected[1])


def test_registry_names():
    assert OPTIMIZERS["gd"] is GradientDescent
