"""The fast paths of a training step give the results of the plain formulas."""

import numpy as np
import pytest

from skann._core.activations import _zeros_like
from skann._core.losses import LOSSES
from skann._core.losslog import LossLog
from skann._core.network import Network
from skann._core.optimizers import UPDATE_BLOCK, GradientDescent, subtract_scaled
from skann._core.training import Dataset, train
from skann._core.workspace import (
    ALIGNMENT,
    MATMUL_FROM,
    NARROW_MIN_INPUTS,
    Buffers,
    aligned_empty,
    chunk_rows,
    product_for,
    scalar,
    transposed_product,
    with_ones_column,
)


def _targets(rng, kind, n, dtype=np.float64):
    if kind == "multiclass":
        return np.eye(3, dtype=dtype)[rng.randint(0, 3, n)]
    if kind == "multilabel":
        return rng.randint(0, 2, (n, 3)).astype(dtype)
    return rng.randint(0, 2, (n, 1)).astype(dtype)


def _probabilities(rng, kind, Y):
    P = rng.uniform(0.001, 0.999, Y.shape)
    if kind == "multiclass":
        P /= P.sum(axis=1, keepdims=True)
    P[:3] = [0.0] * Y.shape[1]  # clipped in the log, not in the gradient
    return P


@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
@pytest.mark.parametrize("weighted", [False, True])
def test_losses_of_several_epochs_equal_each_epochs_loss(rng, kind, weighted):
    Y = _targets(rng, kind, 50)
    P = np.stack([_probabilities(rng, kind, Y) for _ in range(4)])
    w = rng.uniform(0.1, 3.0, 50) if weighted else None
    loss = LOSSES["softmax" if kind == "multiclass" else "logistic"]

    values = loss.loss(Y, P, w)

    assert values.shape == (4,)
    for value, P_epoch in zip(values, P):
        assert value == loss.loss(Y, P_epoch, w)
        assert value == pytest.approx(_plain_loss(kind, Y, P_epoch, w), rel=1e-13)


def _plain_loss(kind, Y, P, w):
    clipped = np.clip(P, 1e-9, 1 - 1e-9)
    per_sample = -np.sum(Y * np.log(clipped), axis=1)
    if kind != "multiclass":
        per_sample -= np.sum((1 - Y) * np.log(1 - clipped), axis=1)
    return np.average(per_sample, weights=w)


@pytest.mark.parametrize("weighted", [False, True])
def test_scaled_gradient_is_the_gradient_times_the_scale(rng, weighted):
    Y = _targets(rng, "multiclass", 40)
    P = _probabilities(rng, "multiclass", Y)
    w = rng.uniform(0.1, 3.0, 40) if weighted else None
    plain = (
        (P - Y)
        * (np.ones(40) if w is None else w)[:, None]
        / (40 if w is None else w.sum())
    )
    loss = LOSSES["softmax"]
    np.testing.assert_allclose(loss.gradient(Y, P, w), plain, rtol=1e-13)
    np.testing.assert_allclose(
        loss.gradient(Y, P, w, scale=0.3), 0.3 * plain, rtol=1e-13
    )


def test_binary_loss_matches_the_textbook_bit_for_bit(rng):
    Y = _targets(rng, "binary", 64)
    P = rng.uniform(0.0, 1.0, Y.shape)
    clipped = np.clip(P, 1e-9, 1 - 1e-9)
    textbook = -np.mean(Y * np.log(clipped) + (1 - Y) * np.log(1 - clipped))
    assert LOSSES["logistic"].loss(Y, P) == textbook


@pytest.mark.parametrize("deferred", [False, True])
def test_loss_log_gives_each_epochs_loss_in_order(rng, deferred):
    Y = _targets(rng, "binary", 30)
    loss = LOSSES["logistic"]
    log = LossLog(loss, 30, 1, np.float64, deferred)
    expected, got = [], []
    for epoch in range(600):
        log.rows()[...] = _probabilities(rng, "binary", Y)
        expected.append(loss.loss(Y, log.rows()) + 0.01 * epoch)
        values = log.add(Y, None, penalty=0.01 * epoch)
        assert deferred or len(values) == 1
        got.extend(values)
    assert deferred == (len(got) < 600)
    got.extend(log.flush(Y, None))
    assert got == expected


@pytest.mark.parametrize("kind", ["binary", "multiclass"])
def test_float32_step_stays_float32(rng, kind):
    Y = _targets(rng, kind, 30, np.float32)
    X = rng.randn(30, 4).astype(np.float32)
    out = "softmax" if kind == "multiclass" else "logistic"
    net = Network.initialize((4, 5, Y.shape[1]), "relu", out, 0.5, rng, np.float32)
    P = net.forward(X)
    value = LOSSES[out].loss(Y, P)
    grads = net.backward(X, LOSSES[out].gradient(Y, P, scale=0.1))
    assert isinstance(value, float) and P.dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads)
    expected = net.flat_params - net.flat_grads
    GradientDescent(0.1).apply(net.flat_params, net.flat_grads)
    assert net.flat_params.dtype == np.float32
    np.testing.assert_array_equal(net.flat_params, expected)


@pytest.mark.parametrize("size", [7, UPDATE_BLOCK, 3 * UPDATE_BLOCK + 5])
def test_blockwise_update_equals_the_whole_update(rng, size):
    p, g = rng.randn(size), rng.randn(size)
    expected = p - 0.3 * g
    subtract_scaled(p, 0.3, g)
    np.testing.assert_array_equal(p, expected)


def test_update_of_a_strided_view_writes_through(rng):
    base, g = rng.randn(4 * UPDATE_BLOCK), rng.randn(2 * UPDATE_BLOCK)
    expected = base[::2] - 0.5 * g
    subtract_scaled(base[::2], 0.5, g)
    np.testing.assert_array_equal(base[::2], expected)


@pytest.mark.parametrize("shape", [(3, 2, 4), (70, 80, MATMUL_FROM), (70, 80, 1)])
def test_both_product_routes_give_the_product(rng, shape):
    m, k, n = shape
    W = rng.randn(k, n)
    product = product_for(W)
    assert product is (np.matmul if min(k, n) >= MATMUL_FROM else np.ndarray.dot)
    A = rng.randn(m, k)
    out = np.empty((m, n))
    product(A, W, out=out)
    np.testing.assert_allclose(out, A @ W, rtol=1e-12)
    # Transposed operands, as in the backward pass.
    dW = np.empty((k, n))
    product(A.T, out, out=dW)
    np.testing.assert_allclose(dW, A.T @ out, rtol=1e-12)


@pytest.mark.parametrize(
    "shape", [(NARROW_MIN_INPUTS, 10), (NARROW_MIN_INPUTS, 1), (8, 3)]
)
def test_transposed_product_of_a_moved_layer(rng, shape):
    W = rng.randn(*shape)
    product, W_T, source = transposed_product(W)
    narrow = shape == (NARROW_MIN_INPUTS, 10)
    assert (source is not None) == narrow
    dZ, dA = rng.randn(20, shape[1]), np.empty((20, shape[0]))
    for _ in range(2):  # the second time after the weights moved
        W += rng.randn(*shape)
        if source is not None:
            np.copyto(W_T, source)
        product(dZ, W_T, dA)
        np.testing.assert_allclose(dA, dZ @ W.T, rtol=1e-12)


def test_backward_through_a_narrow_layer_follows_its_weights(rng):
    # 40 -> 3 is a narrow layer, so its W.T is copied: a stale copy would show
    # in the second pass, after an update.
    X = rng.randn(30, 5)
    Y = np.eye(3)[rng.randint(0, 3, 30)]
    net = Network.initialize((5, 40, 3), "relu", "softmax", 0.5, rng)
    loss = LOSSES["softmax"]
    for _ in range(2):
        P = net.forward(X)
        A1 = np.maximum(X @ net.coefs[0] + net.intercepts[0], 0)
        dZ = (P - Y) / 30
        expected = (dZ @ net.coefs[1].T) * (A1 > 0)
        grads = net.backward(X, loss.gradient(Y, P, out=P.copy()))
        np.testing.assert_allclose(grads[0], X.T @ expected, rtol=1e-10, atol=1e-14)
        GradientDescent(0.5).update(net.params, grads)


def test_buffers_hand_out_the_same_views_until_they_grow():
    buffers = Buffers([5, 2], np.float32)
    first = buffers.views(10)
    assert buffers.views(10) is first
    smaller = buffers.views(4)
    assert [A.shape for A in smaller] == [(4, 5), (4, 2)]
    assert all(A.dtype == np.float32 for A in smaller)
    assert np.shares_memory(smaller[0], first[0])
    buffers.views(20)
    assert buffers.views(10) is not first and buffers.capacity == 20


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.bool_])
@pytest.mark.parametrize("shape", [(1,), (3, 5), (7, 1, 9), 129])
def test_aligned_empty_starts_on_a_cache_line(shape, dtype):
    # Enough allocations that a 16-byte aligned allocator lands off a line often.
    for _ in range(8):
        A = aligned_empty(shape, dtype)
        assert A.ctypes.data % ALIGNMENT == 0
        assert A.shape == np.empty(shape).shape and A.dtype == dtype
        assert A.flags.c_contiguous and A.flags.writeable
    A[...] = 1
    assert np.all(A == 1)


def test_every_buffer_of_a_training_step_is_aligned(rng):
    net = Network.initialize((30, 64, 16, 3), "relu", "softmax", 0.1, rng)
    X = with_ones_column(rng.randn(100, 30))
    net.backward(X, net.forward(X).copy())
    buffers = [
        X,
        net.flat_params,
        net.flat_grads,
        *net._activations.views(100),
        *net._deltas.views(100),
        *[W_T for _, W_T, source in net._transposed if source is not None],
        _zeros_like(net._activations.views(100)[0]),
        LossLog(LOSSES["softmax"], 100, 3, np.float64, True).rows(),
    ]
    assert len(buffers) == 12
    assert [A.ctypes.data % ALIGNMENT for A in buffers] == [0] * len(buffers)


def test_a_network_that_only_predicts_holds_no_backward_buffers(rng):
    net = Network.initialize((3, 50, 2), "relu", "softmax", 0.1, rng)
    net.forward(rng.randn(100, 3))
    assert net._deltas.capacity == 0
    net.backward(rng.randn(100, 3), rng.randn(100, 2))
    assert net._deltas.capacity == 100


def test_chunk_rows_keep_a_chunk_within_its_memory():
    # A row of a (100, 256, 1) network: 257 activations and as many zeros.
    rows = chunk_rows([256, 1], np.float64, 8 * 2**20)
    assert rows * 2 * 257 * 8 <= 8 * 2**20 < (rows + 1) * 2 * 257 * 8
    assert chunk_rows([256, 1], np.float32, 8 * 2**20) in (2 * rows, 2 * rows + 1)
    assert chunk_rows([10**9], np.float64, 1) == 1


def test_scalar_is_a_read_only_constant_of_the_dtype():
    c = scalar(0.5, np.dtype(np.float32))
    assert c.shape == () and c.dtype == np.float32 and c == 0.5
    assert not c.flags.writeable
    assert scalar(0.5, np.dtype(np.float32)) is c


def test_training_in_batches_matches_a_loop_of_plain_formulas(rng):
    # Forward, loss, gradient and update written out with plain NumPy, batch by batch.
    X = rng.randn(50, 3)
    Y = np.eye(3)[rng.randint(0, 3, 50)]
    net = Network.initialize((3, 6, 3), "relu", "softmax", 0.5, rng)
    W1, W2 = (W.copy() for W in net.coefs)
    b1, b2 = (b.copy() for b in net.intercepts)
    losses = []
    for _ in range(3):
        total = 0.0
        for rows in (slice(0, 16), slice(16, 32), slice(32, 48), slice(48, 50)):
            x, y = X[rows], Y[rows]
            A1 = np.maximum(x @ W1 + b1, 0)
            Z2 = A1 @ W2 + b2
            P = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
            P /= P.sum(axis=1, keepdims=True)
            total += -np.sum(y * np.log(np.clip(P, 1e-9, 1 - 1e-9)))
            dZ2 = (P - y) / len(x)
            dZ1 = (dZ2 @ W2.T) * (A1 > 0)
            W2, b2 = W2 - 0.2 * (A1.T @ dZ2), b2 - 0.2 * dZ2.sum(axis=0)
            W1, b1 = W1 - 0.2 * (x.T @ dZ1), b1 - 0.2 * dZ1.sum(axis=0)
        losses.append(total / 50)

    result = train(net, Dataset(X, Y), GradientDescent(0.2), 3, batch_size=16)

    np.testing.assert_allclose(result.loss_curve, losses, rtol=1e-12)
    np.testing.assert_allclose(net.coefs[0], W1, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(net.intercepts[1], b2, rtol=1e-10, atol=1e-14)
