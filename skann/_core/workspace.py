"""Scratch memory and constants, reused from one training step to the next.

On small data a step costs the overhead of its NumPy calls more than their
arithmetic, and on large data allocating fresh arrays at every step hands big blocks
back to the operating system only to fault them in again. So a network keeps, for a
batch of ``n`` rows, one ``(n, width)`` array per layer for the forward pass (``Z`` is
written there and the activation overwrites it), one per hidden layer for the
gradients of the backward pass, and a vector of ``n`` ones that sums a gradient over
the rows as a matrix product.
"""

import functools

import numpy as np

#: Distinct batch sizes whose views are kept: training has two (the batch and a
#: shorter last batch), prediction in chunks two more.
MAX_CACHED_SIZES = 8


@functools.lru_cache(maxsize=256)
def scalar(value, dtype):
    """Return ``value`` as a read-only 0-d array of ``dtype``.

    NumPy converts a Python float operand anew at every call, which on small arrays
    costs more than the arithmetic; a 0-d array of the operands' dtype is used as it
    is, and keeps float32 arithmetic in float32.
    """
    constant = np.array(value, dtype=dtype)
    constant.flags.writeable = False
    return constant


@functools.lru_cache(maxsize=64)
def ones(n, dtype):
    """Return a read-only vector of ``n`` ones of ``dtype``.

    ``A.dot(ones(A.shape[1], A.dtype))`` sums the rows of ``A`` in one BLAS call,
    several times faster than ``A.sum(axis=1)`` when the rows are short.
    """
    vector = np.ones(n, dtype)
    vector.flags.writeable = False
    return vector


#: Smallest dimension of a layer from which its products go through ``np.matmul``.
MATMUL_FROM = 64


def product_for(W):
    """Return the function that best multiplies by a layer's ``W`` (or ``W.T``).

    Both ``ndarray.dot`` and ``np.matmul`` end in the same BLAS routine, called as
    ``product(A, B, out=C)``. ``ndarray.dot`` costs half as much to call, which
    counts for small layers and for matrix-vector products; ``np.matmul`` hands
    transposed operands to BLAS in a form it multiplies faster, which counts once
    both dimensions of the layer are large.
    """
    return np.matmul if min(W.shape) >= MATMUL_FROM else np.ndarray.dot


class Buffers:
    """Arrays sized for the largest batch seen; smaller batches use leading rows.

    Parameters
    ----------
    widths : list of int
        Units of each layer, output layer last.
    dtype : numpy dtype
        Floating dtype of the arrays.
    """

    def __init__(self, widths, dtype):
        self.widths = list(widths)
        self.dtype = np.dtype(dtype)
        self.capacity = 0
        self._views = {}

    def views(self, n_samples):
        """Return ``(activations, deltas, ones)`` for a batch of ``n_samples`` rows.

        ``activations`` has one ``(n_samples, width)`` array per layer, ``deltas``
        one per hidden layer and ``ones`` is a vector of ``n_samples`` ones. They are
        the same arrays at every call until a larger batch is seen.
        """
        found = self._views.get(n_samples)
        if found is None:
            found = self._make_views(n_samples)
        return found

    def _make_views(self, n_samples):
        if n_samples > self.capacity:
            self.capacity = n_samples
            self._activations = [self._new((n_samples, w)) for w in self.widths]
            self._deltas = [self._new((n_samples, w)) for w in self.widths[:-1]]
            self._ones = np.ones(n_samples, self.dtype)
            self._views.clear()
        if len(self._views) >= MAX_CACHED_SIZES:
            self._views.clear()
        found = (
            [A[:n_samples] for A in self._activations],
            [D[:n_samples] for D in self._deltas],
            self._ones[:n_samples],
        )
        self._views[n_samples] = found
        return found

    def _new(self, shape):
        return np.empty(shape, self.dtype)
