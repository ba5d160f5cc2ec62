"""BLAS runs small products on one thread and large ones on all of its threads."""

import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from skann._threads import THREADED_FROM, blas_threads, largest_product


def _blas_threads():
    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


@pytest.fixture
def two_blas_threads():
    if not _blas_threads():
        pytest.skip("no BLAS library that threadpoolctl can control")
    with threadpool_limits(2, user_api="blas"):
        yield


def test_largest_product_counts_multiply_adds():
    # Layers 10 -> 30 -> 3: the first product, 100 x 10 by 10 x 30, is the largest.
    assert largest_product(100, (10, 30, 3)) == 100 * 10 * 30


def test_small_products_run_on_one_thread(two_blas_threads):
    before = _blas_threads()
    with blas_threads(4, (2, 4, 1)):
        assert set(_blas_threads()) == {1}
    assert _blas_threads() == before


def test_large_products_keep_every_thread(two_blas_threads):
    before = _blas_threads()
    rows = THREADED_FROM // (784 * 512) + 1
    with blas_threads(rows, (784, 512, 10)):
        assert _blas_threads() == before


def test_a_mid_sized_full_batch_fit_runs_on_one_thread(two_blas_threads):
    # 4000 rows of 20 features into 64 units: two threads made this fit up to four
    # times slower on a busy two-core machine (benchmarks/threads.py).
    with blas_threads(4000, (20, 64, 1)):
        assert set(_blas_threads()) == {1}
