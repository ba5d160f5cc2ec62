"""The network: layers, initialisation, back-propagation against finite differences."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from skann._core.activations import ACTIVATIONS
from skann._core.batches import with_ones_column
from skann._core.layers import Dense
from skann._core.losses import LOSSES
from skann._core.namespaces import Placement
from skann._core.network import Network, input_rms
from skann._core.scaling import moments, scales

LOSS_OF = {
    "binary": "binary_cross_entropy",
    "multilabel": "binary_cross_entropy",
    "regression": "squared_error",
    "multi-output": "squared_error",
    "poisson": "poisson",
    "quantile": ("quantile", 0.8),
}


def _targets(rng, kind, n):
    if kind == "binary":
        return rng.randint(0, 2, (n, 1)).astype(float)
    if kind == "multiclass":
        return np.eye(3)[rng.randint(0, 3, n)]
    if kind == "regression":
        return rng.randn(n, 1)
    if kind == "multi-output":
        return rng.randn(n, 3)
    if kind == "poisson":
        return rng.poisson(1.5, (n, 2)).astype(float)
    if kind == "quantile":
        return rng.randn(n, 2) * 3  # away from the outputs: no kink in the steps
    return rng.randint(0, 2, (n, 3)).astype(float)  # multilabel


def _loss(kind):
    return LOSSES[LOSS_OF.get(kind, "categorical_cross_entropy")]


@pytest.mark.parametrize("hidden", [(5,), (5, 4)])
@pytest.mark.parametrize(
    "kind",
    [
        "binary",
        "multiclass",
        "multilabel",
        "regression",
        "multi-output",
        "poisson",
        "quantile",
    ],
)
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("standardised", [False, True])
def test_backward_matches_finite_differences(
    rng, hidden, kind, activation, weighted, standardised
):
    n = 12
    X = rng.randn(n, 3)
    stats = None
    if standardised:  # features in their own units, standardised by the first layer
        X = X * [2000.0, 1e-3, 5.0] + [5000.0, 0.0, 1990.0]
        stats = scales(*moments(X), np)
    Y, loss = _targets(rng, kind, n), _loss(kind)
    w = rng.uniform(0.2, 3.0, n) if weighted else None
    net = Network.initialize(
        (3, *hidden, Y.shape[1]),
        activation,
        loss.output_activation,
        0.5,
        rng,
        input_stats=stats,
    )
    net.params += rng.randn(net.params.size) * 0.1  # biases away from zero

    net.backward(loss.gradient(Y, net.forward(X), w))
    grads = net.grads.copy()

    h, numeric = 1e-6, np.empty_like(net.params)
    for i in range(net.params.size):
        saved = net.params[i]
        net.params[i] = saved + h
        up = loss.loss(Y, net.forward(X), w)
        net.params[i] = saved - h
        down = loss.loss(Y, net.forward(X), w)
        net.params[i] = saved
        numeric[i] = (up - down) / (2 * h)
    scale = max(np.abs(numeric).max(), 1e-8)
    assert np.abs(grads - numeric).max() / scale < 1e-6


def test_layers_are_views_into_the_flat_vectors(rng):
    net = Network.initialize((3, 5, 4, 2), "relu", "softmax", 0.5, rng)
    assert len(net.layers) == 3 and all(isinstance(la, Dense) for la in net.layers)
    for layer in net.layers:
        for array, flat in ((layer.W, net.params), (layer.b, net.params)):
            assert np.shares_memory(array, flat)
        for array, flat in ((layer.dW, net.grads), (layer.db, net.grads)):
            assert np.shares_memory(array, flat)
    net.params[:] = np.arange(net.params.size)
    np.testing.assert_array_equal(net.layers[0].W.ravel(), np.arange(15))
    np.testing.assert_array_equal(net.layers[0].b, np.arange(15, 20))


def test_dense_forward_and_backward_are_the_textbook_formulas(rng):
    Wb = rng.randn(4, 4)
    W, b = Wb[:-1].copy(), Wb[-1].copy()
    layer = Dense(Wb, np.empty_like(Wb), "relu")
    A_prev = rng.randn(6, 3)
    Z = A_prev @ W + b
    np.testing.assert_allclose(layer.forward(A_prev), np.maximum(Z, 0), rtol=1e-14)
    dZ = rng.randn(6, 4)
    dA_prev = layer.backward(dZ)
    np.testing.assert_allclose(layer.dW, A_prev.T @ dZ, rtol=1e-13)
    np.testing.assert_allclose(layer.db, dZ.sum(axis=0), rtol=1e-13)
    np.testing.assert_allclose(dA_prev, dZ @ W.T, rtol=1e-13)
    assert layer.backward(dZ, propagate=False) is None


def test_an_input_ending_with_ones_folds_the_biases_into_the_products(rng):
    X = rng.randn(9, 3)
    Y = np.eye(3)[rng.randint(0, 3, 9)]
    loss = LOSSES["categorical_cross_entropy"]
    net = Network.initialize((3, 5, 4, 3), "tanh", "softmax", 0.5, rng)
    net.params += rng.randn(net.params.size) * 0.1
    results = []
    for inputs in (X, with_ones_column(X)):
        P = net.forward(inputs).copy()
        net.backward(loss.gradient(Y, P))
        results.append((P, net.grads.copy()))
    assert with_ones_column(X).shape == (9, 4)
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-13)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_a_sparse_input_gives_the_dense_results(rng, fmt):
    X = rng.randn(10, 6) * (rng.rand(10, 6) < 0.3)
    Y = np.eye(3)[rng.randint(0, 3, 10)]
    loss = LOSSES["categorical_cross_entropy"]
    results = []
    for data in (X, sp.csr_matrix(X).asformat(fmt)):
        net = Network.initialize(
            (6, 5, 3), "relu", "softmax", 0.5, np.random.RandomState(0)
        )
        P = net.forward(data)
        net.backward(loss.gradient(Y, P))
        results.append((P, net.grads.copy()))
    assert isinstance(results[1][0], np.ndarray)
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-12)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-12, atol=1e-15)


def test_initialize_layout_and_order():
    rng = np.random.RandomState(42)
    net = Network.initialize((2, 4, 3, 1), "relu", "logistic", 0.1, rng)
    assert [W.shape for W in net.coefs] == [(2, 4), (4, 3), (3, 1)]
    assert [b.shape for b in net.intercepts] == [(4,), (3,), (1,)]
    ref = np.random.RandomState(42)
    for W, (n_in, n_out) in zip(net.coefs, [(2, 4), (4, 3), (3, 1)]):
        np.testing.assert_array_equal(W, (ref.randn(n_out, n_in) * 0.1).T)
    assert all(not b.any() for b in net.intercepts)
    assert net.params.size == 2 * 4 + 4 + 4 * 3 + 3 + 3 + 1


def test_float32_network_stays_float32(rng):
    X = rng.randn(7, 3).astype(np.float32)
    float32 = Placement(dtype=np.float32)
    net = Network.initialize((3, 4, 2), "tanh", "softmax", 0.1, rng, float32)
    P = net.forward(X)
    assert P.dtype == np.float32
    net.backward(P - np.eye(2, dtype=np.float32)[[0, 1, 0, 1, 0, 1, 0]])
    assert net.grads.dtype == np.float32
    assert all(layer.dW.dtype == np.float32 for layer in net.layers)


def test_state_round_trip(rng):
    net = Network.initialize((3, 4, 2), "relu", "softmax", 0.1, rng)
    state = net.get_state()
    before = net.forward(rng.randn(5, 3)).copy()
    net.params += 1.0
    net.set_state(state)
    np.testing.assert_array_equal(net.params, state)
    assert not np.shares_memory(state, net.params)
    assert before.shape == (5, 2)


def test_rows_per_chunk_bounds_the_activations(rng):
    net = Network.initialize((30, 64, 16, 3), "relu", "softmax", 0.1, rng)
    row_bytes = (64 + 16 + 3) * 8
    assert net.rows_per_chunk(1000 * row_bytes) == 1000
    assert net.rows_per_chunk(1) == 1


def test_an_init_scale_that_overflows_the_dtype_is_refused_by_name(rng):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"init_scale=1e\+200 .* float32"):
            Network.initialize(
                (3, 4, 1), "relu", "logistic", 1e200, rng, Placement(dtype=np.float32)
            )
        Network.initialize((3, 4, 1), "relu", "logistic", 1e200, rng)  # float64


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_input_rms_does_not_overflow_and_counts_the_zeros_of_sparse_input(dtype):
    big = np.finfo(dtype).max / 2
    X = np.full((30, 4), big, dtype=dtype)
    X[::2] = -big
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert input_rms(X, chunk=7) == pytest.approx(big, rel=1e-6)
        assert input_rms(np.asfortranarray(X)) == pytest.approx(big, rel=1e-6)
    assert input_rms(np.zeros((3, 2), dtype)) == 1.0
    S = sp.random(40, 30, density=0.2, random_state=0, format="csr") * 1e3
    assert input_rms(S) == pytest.approx(np.sqrt(np.mean(S.toarray() ** 2)))
