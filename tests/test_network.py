"""Back-propagation against central finite differences of the loss."""

import numpy as np
import pytest

from skann._core.activations import ACTIVATIONS
from skann._core.losses import LOSSES
from skann._core.network import Network
from skann._core.workspace import MAX_CACHED_SIZES, with_ones_column


def _targets(rng, kind, n):
    if kind == "binary":
        return rng.randint(0, 2, (n, 1)).astype(float), "logistic"
    if kind == "multiclass":
        return np.eye(3)[rng.randint(0, 3, n)], "softmax"
    return rng.randint(0, 2, (n, 3)).astype(float), "logistic"  # multilabel


def _loss(network, X, Y, w):
    return LOSSES[network.out_activation].loss(Y, network.forward(X), w)


@pytest.mark.parametrize("hidden", [(5,), (5, 4)])
@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("weighted", [False, True])
def test_backward_matches_finite_differences(rng, hidden, kind, activation, weighted):
    n = 12
    X = rng.randn(n, 3)
    Y, out = _targets(rng, kind, n)
    w = rng.uniform(0.2, 3.0, n) if weighted else None
    net = Network.initialize((3, *hidden, Y.shape[1]), activation, out, 0.5, rng)
    for b in net.intercepts:
        b += rng.randn(*b.shape) * 0.1

    loss = LOSSES[out]
    P = net.forward(X)
    grads = [g.copy() for g in net.backward(X, loss.gradient(Y, P, w, out=P))]

    h = 1e-6
    for param, grad in zip(net.params, grads):
        numeric = np.empty_like(param)
        for idx in np.ndindex(param.shape):
            saved = param[idx]
            param[idx] = saved + h
            up = _loss(net, X, Y, w)
            param[idx] = saved - h
            down = _loss(net, X, Y, w)
            param[idx] = saved
            numeric[idx] = (up - down) / (2 * h)
        scale = max(np.abs(numeric).max(), 1e-8)
        assert np.abs(grad - numeric).max() / scale < 1e-6


@pytest.mark.parametrize("hidden", [(5,), (5, 4)])
def test_a_column_of_ones_adds_the_first_biases_in_the_product(rng, hidden):
    X = rng.randn(9, 3)
    Y, out = _targets(rng, "multiclass", 9)
    net = Network.initialize((3, *hidden, 3), "relu", out, 0.5, rng)
    net.flat_params += rng.randn(net.flat_params.size) * 0.1
    loss = LOSSES[out]

    P = net.forward(X).copy()
    grads = [g.copy() for g in net.backward(X, loss.gradient(Y, P))]
    X_ones = with_ones_column(X)
    P_ones = net.forward(X_ones).copy()
    grads_ones = net.backward(X_ones, loss.gradient(Y, P_ones))

    assert X_ones.shape == (9, 4) and (X_ones[:, -1] == 1).all()
    np.testing.assert_allclose(P_ones, P, rtol=1e-13)
    for g_ones, g in zip(grads_ones, grads):
        np.testing.assert_allclose(g_ones, g, rtol=1e-12, atol=1e-15)
    for block, W, b in zip(net.blocks, net.coefs, net.intercepts):
        assert np.shares_memory(block, W) and np.shares_memory(block, b)
        np.testing.assert_array_equal(block, np.vstack([W, b]))


def test_initialize_layout_and_order():
    rng = np.random.RandomState(42)
    net = Network.initialize((2, 4, 3, 1), "relu", "logistic", 0.1, rng)
    assert [W.shape for W in net.coefs] == [(2, 4), (4, 3), (3, 1)]
    assert [b.shape for b in net.intercepts] == [(4,), (3,), (1,)]
    ref = np.random.RandomState(42)
    for W, (n_in, n_out) in zip(net.coefs, [(2, 4), (4, 3), (3, 1)]):
        np.testing.assert_array_equal(W, (ref.randn(n_out, n_in) * 0.1).T)
    assert all(not b.any() for b in net.intercepts)
    assert net.params[:3] == net.coefs and len(net.grads) == 6


def test_float32_network_stays_float32(rng):
    X = rng.randn(7, 3).astype(np.float32)
    net = Network.initialize((3, 4, 2), "tanh", "softmax", 0.1, rng, np.float32)
    P = net.forward(X)
    assert P.dtype == np.float32
    grads = net.backward(X, P - np.eye(2, dtype=np.float32)[[0, 1, 0, 1, 0, 1, 0]])
    assert all(g.dtype == np.float32 for g in grads)


def test_forward_buffers_serve_smaller_batches(rng):
    X = rng.randn(10, 3)
    net = Network.initialize((3, 4, 2), "relu", "softmax", 1.0, rng)
    full = net.forward(X).copy()
    np.testing.assert_allclose(net.forward(X[:3]), full[:3], rtol=1e-12)


def test_backward_reads_its_own_forward_after_the_buffers_grow(rng):
    X, Y = rng.randn(6, 3), np.eye(2)[rng.randint(0, 2, 6)]
    net = Network.initialize((3, 8, 5, 2), "relu", "softmax", 1.0, rng)
    loss = LOSSES["softmax"]

    def gradient(X):
        P = net.forward(X)
        net.backward(X, loss.gradient(Y, P, out=net.output_gradient(X.shape[0])))
        return net.flat_grads.copy()

    before = gradient(X)
    assert np.count_nonzero(before) > before.size // 2
    net.forward(rng.randn(40, 3))  # the activations' buffers grow
    np.testing.assert_array_equal(gradient(X), before)
    np.testing.assert_allclose(gradient(with_ones_column(X)), before, rtol=1e-12)
    for n in range(1, 30):  # more shapes than are kept
        net.forward(rng.randn(n, 3))
    assert len(net._passes) <= MAX_CACHED_SIZES
    np.testing.assert_array_equal(gradient(X), before)
