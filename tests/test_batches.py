"""An epoch's batches are the same rows whether the input is copied whole or not."""

import tracemalloc

import numpy as np
import pytest

from skann._core import batches as batches_module
from skann._core.batches import Batches
from skann._core.network import Network
from skann._core.optimizers import GradientDescent
from skann._core.training import Dataset, train


def _data(rng, n=103, weighted=True):
    X = rng.randn(n, 4)
    Y = np.eye(3)[rng.randint(0, 3, n)]
    return Dataset(X, Y, rng.uniform(0.5, 2, n) if weighted else None)


def _expected(data, order, batch_size):
    """The batches by the plain formulas: rows in order, a column of ones appended."""
    X = np.hstack([data.X[order], np.ones((len(order), 1))])
    w = data.sample_weight[order]
    for start in range(0, len(order), batch_size):
        rows = slice(start, start + batch_size)
        yield rows, X[rows], data.Y[order][rows], w[rows]


@pytest.fixture(params=["whole", "by batch"])
def copy_mode(request, monkeypatch):
    if request.param == "by batch":
        monkeypatch.setattr(batches_module, "WHOLE_COPY_MAX_BYTES", 0)
    return request.param


@pytest.mark.parametrize("shuffled", [False, True])
def test_batches_are_the_rows_in_the_epochs_order(rng, copy_mode, shuffled):
    data = _data(rng)
    batches = Batches(data, 25)
    for _ in range(2):
        order = rng.permutation(103) if shuffled else np.arange(103)
        if shuffled:
            batches.start_epoch(order)
        seen = [(rows, X.copy(), Y, w) for rows, X, Y, w in batches]
        expected = list(_expected(data, order, 25))
        assert len(seen) == len(expected) == 5
        for got, want in zip(seen, expected):
            assert got[0] == want[0]
            for a, b in zip(got[1:], want[1:]):
                np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(batches.Y, data.Y[order])
        np.testing.assert_array_equal(batches.sample_weight, data.sample_weight[order])


def test_a_full_batch_is_every_row_with_its_column_of_ones(rng, copy_mode):
    data = _data(rng, weighted=False)
    batches = Batches(data, 500)
    X, Y, w = batches.whole
    assert batches.batch_size == 103 and w is None and Y is data.Y
    np.testing.assert_array_equal(X, np.hstack([data.X, np.ones((103, 1))]))


@pytest.mark.parametrize("shuffle", [False, True])
def test_training_is_the_same_whether_the_input_is_copied_whole(
    rng, monkeypatch, shuffle
):
    data = _data(rng)
    nets, results = [], []
    for limit in (2**40, 0):
        monkeypatch.setattr(batches_module, "WHOLE_COPY_MAX_BYTES", limit)
        net = Network.initialize((4, 6, 3), "relu", "softmax", 0.3, rng_for(7))
        results.append(
            train(
                net,
                data,
                GradientDescent(0.2),
                4,
                batch_size=20,
                shuffle=shuffle,
                rng=rng_for(3),
                alpha=0.01,
            )
        )
        nets.append(net)
    np.testing.assert_array_equal(nets[0].flat_params, nets[1].flat_params)
    assert results[0].loss_curve == results[1].loss_curve


def rng_for(seed):
    return np.random.RandomState(seed)


@pytest.mark.parametrize("shuffle", [False, True])
def test_a_large_input_is_never_copied_whole(rng, monkeypatch, shuffle):
    monkeypatch.setattr(batches_module, "WHOLE_COPY_MAX_BYTES", 2**20)
    X = rng.randn(20_000, 20)  # 3.2 MB
    Y = (X[:, :1] > 0).astype(float)
    net = Network.initialize((20, 8, 1), "relu", "logistic", 0.1, rng)
    tracemalloc.start()
    try:
        train(net, Dataset(X, Y), GradientDescent(0.1), 2, batch_size=100,
              shuffle=shuffle, rng=rng)  # fmt: skip
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A whole copy would take more than X itself. What a fit does hold is a few
    # numbers per row (probabilities, targets in the epoch's order, the order):
    # under half of X's 20 per row.
    assert peak < X.nbytes / 2
