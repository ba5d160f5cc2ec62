"""How many BLAS threads a fit or a prediction may use, from the size of its products.

OpenBLAS runs the smallest products on one thread already, but from about 260
thousand multiply-adds it shares every product among all cores. Up to a few million
the sharing saves no time, while the helper threads stay busy waiting between
products, taking cores from other work: other fits of a grid search, say. So a step
whose largest product is smaller than that runs on one thread, and larger ones use
every thread BLAS has.
"""

import contextlib

from threadpoolctl import ThreadpoolController

#: Multiply-adds of a step's largest product from which BLAS may use every thread.
THREADED_FROM = 2**21

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
