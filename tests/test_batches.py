"""An epoch's batches: the rows in the epoch's order, never a whole copy of X."""

import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp

from skann._core import batches as batches_module
from skann._core.batches import Batches, with_ones_column
from skann._core.losses import LOSSES
from skann._core.network import Network
from skann._core.optimizers import GradientDescent
from skann._core.plan import Dataset, Plan
from skann._core.training import train


def _data(rng, n=103, weighted=True):
    X = rng.randn(n, 4)
    Y = np.eye(3)[rng.randint(0, 3, n)]
    return Dataset(X, Y, rng.uniform(0.5, 2, n) if weighted else None)


@pytest.mark.parametrize("shuffled", [False, True])
def test_batches_are_the_rows_in_the_epochs_order(rng, shuffled):
    data = _data(rng)
    batches = Batches(data, 25, np.random.RandomState(5) if shuffled else None)
    draws = np.random.RandomState(5)
    for _ in range(2):
        batches.start_epoch()
        order = draws.permutation(103) if shuffled else np.arange(103)
        seen = list(batches)
        assert len(seen) == 5
        for start, (X, Y, w) in zip(range(0, 103, 25), seen):
            rows = order[start : start + 25]
            np.testing.assert_array_equal(X[:, :-1], data.X[rows])
            assert (X[:, -1] == 1).all()
            np.testing.assert_array_equal(Y, data.Y[rows])
            np.testing.assert_array_equal(w, data.sample_weight[rows])
        np.testing.assert_array_equal(batches.Y, data.Y[order])
        np.testing.assert_array_equal(batches.sample_weight, data.sample_weight[order])


@pytest.mark.parametrize(
    "n, size, equal, sizes",
    [
        (133, 128, False, [128, 5]),
        (133, 128, True, [66, 67]),
        (103, 25, True, [20, 21, 20, 21, 21]),
        (100, 25, True, [25] * 4),
        (5, 128, True, [5]),
        (7, 1, True, [1] * 7),
    ],
)
def test_equal_batches_split_the_rows_within_one_of_each_other(
    rng, n, size, equal, sizes
):
    data = _data(rng, n)
    batches = Batches(data, size, np.random.RandomState(0), equal=equal)
    batches.start_epoch()
    seen = list(batches)
    assert [len(Y) for _, Y, _ in seen] == sizes
    # Every row once, in the epoch's order.
    np.testing.assert_array_equal(np.vstack([Y for _, Y, _ in seen]), batches.Y)
    np.testing.assert_array_equal(
        np.concatenate([w for _, _, w in seen]), batches.sample_weight
    )


def test_a_full_batch_is_the_data_itself(rng):
    data = _data(rng, weighted=False)
    batches = Batches(data, 500, np.random.RandomState(0))
    batches.start_epoch()
    ((X, Y, w),) = list(batches)
    assert X is batches.X and Y is data.Y and w is None
    np.testing.assert_array_equal(X, np.hstack([data.X, np.ones((103, 1))]))
    assert not batches.shuffled


def test_large_or_sparse_inputs_get_no_column_of_ones(rng, monkeypatch):
    X = rng.randn(50, 4)
    assert with_ones_column(X).shape == (50, 5)
    assert with_ones_column(sp.csr_matrix(X)).shape == (50, 4)
    monkeypatch.setattr(batches_module, "ONES_COLUMN_MAX_BYTES", X.nbytes - 1)
    assert with_ones_column(X) is X


@pytest.mark.parametrize("shuffle", [False, True])
def test_a_large_input_is_never_copied_whole(rng, monkeypatch, shuffle):
    monkeypatch.setattr(batches_module, "ONES_COLUMN_MAX_BYTES", 2**20)
    X = rng.randn(20_000, 20)  # 3.2 MB
    Y = (X[:, :1] > 0).astype(float)
    net = Network.initialize((20, 8, 1), "relu", "logistic", 0.1, rng)
    plan = Plan(2, batch_size=100, rng=rng if shuffle else None)
    tracemalloc.start()
    try:
        train(net, LOSSES["binary_cross_entropy"], GradientDescent(0.1),
              Dataset(X, Y), plan)  # fmt: skip
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A whole copy would take more than X itself. What a fit does hold is a few
    # numbers per row (outputs, targets in the epoch's order, the order): under
    # half of X's 20 per row.
    assert peak < X.nbytes / 2
