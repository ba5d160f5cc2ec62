"""How many BLAS threads a fit or a prediction may use, from the size of its products.

OpenBLAS shares every product of more than about 260 thousand multiply-adds among
all its threads, which then wait, spinning, between products. On a machine whose
other cores are busy (other fits of a grid search, other programs) those threads
take turns with the other work, and a fit ran up to 4 times slower on two threads
than on one; on an idle machine the second thread gained nothing measurable below
about 10^8 multiply-adds per product, and 1.2 to 1.8 times above 2 x 10^8
(``benchmarks/threads.py``, on two cores). So a step whose largest product is
below ``THREADED_FROM`` runs on one thread, and larger ones use every thread BLAS
has, where a busy machine slowed them by at most a third.
"""

import contextlib

from threadpoolctl import ThreadpoolController

#: Multiply-adds of a step's largest product from which BLAS may use every thread.
THREADED_FROM = 2**27

_controller = None


def _blas_controller():
    # Finding the loaded libraries takes a millisecond; limiting them afterwards
    # takes a few microseconds, so the controller is made once.
    global _controller
    if _controller is None:
        _controller = ThreadpoolController()
    return _controller


def largest_product(n_rows, layer_sizes):
    """Multiply-adds of the largest matrix product in a pass over ``n_rows`` rows.

    Parameters
    ----------
    n_rows : int
        Rows per step: the batch size in training, the chunk size in prediction.
    layer_sizes : sequence of int
        ``(n_features, *hidden_sizes, n_outputs)``.

    Returns
    -------
    n : int
    """
    return n_rows * max(a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))


@contextlib.contextmanager
def blas_threads(n_rows, layer_sizes):
    """Run the block on one BLAS thread if its products are too small to share.

    Parameters
    ----------
    n_rows : int
        Rows per step: the batch size in training, the chunk size in prediction.
    layer_sizes : sequence of int
        ``(n_features, *hidden_sizes, n_outputs)``.
    """
    if largest_product(n_rows, layer_sizes) >= THREADED_FROM:
        yield
        return
    with _blas_controller().limit(limits=1, user_api="blas"):
        yield
