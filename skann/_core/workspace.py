"""Scratch memory, constants, and the choices that depend on the size of arrays.

On small data a step costs the overhead of its NumPy calls more than their
arithmetic, and on large data allocating fresh arrays at every step hands big blocks
back to the operating system only to fault them in again. So a network keeps, for a
batch of ``n`` rows, one ``(n, width)`` array per layer for the forward pass (``Z`` is
written there and the activation overwrites it) and one per hidden layer for the
gradients of the backward pass, made at its first call (:class:`Buffers`).
Constants, scalars and vectors of ones, are read-only arrays shared by every network.
Each layer multiplies through whichever of two NumPy routes suits its shape
(:func:`product_for`, :func:`transposed_product`), and prediction runs in chunks of
rows sized to stay in cache (:func:`chunk_rows`).
"""

import functools

import numpy as np

#: Bytes to which every buffer's first element is aligned: a cache line, and the
#: width of the widest vector registers.
ALIGNMENT = 64


def aligned_empty(shape, dtype, alignment=ALIGNMENT):
    """Return an uninitialised C-ordered array whose data starts on ``alignment`` bytes.

    The allocator aligns large arrays to 16 bytes only, so where a buffer starts
    within a cache line changes from one allocation to the next, and with it the
    speed of every pass over it: an element-wise pass or an outer product writing a
    misaligned ``(256, 256)`` float64 buffer was measured up to 1.6 times slower.
    Aligning the buffers makes a step's speed the same from one fit to the next.
    """
    dtype = np.dtype(dtype)
    n_bytes = int(np.prod(shape)) * dtype.itemsize
    raw = np.empty(n_bytes + alignment, np.uint8)
    start = -raw.ctypes.data % alignment
    return raw[start : start + n_bytes].view(dtype).reshape(shape)


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


#: A read-only 0-d zero of each floating dtype, found faster than through scalar().
ZERO = {np.dtype(t): scalar(0.0, np.dtype(t)) for t in (np.float32, np.float64)}


@functools.lru_cache(maxsize=64)
def ones(n, dtype):
    """Return a read-only vector of ``n`` ones of ``dtype``.

    ``A.dot(ones(A.shape[1], A.dtype))`` sums the rows of ``A`` in one BLAS call,
    several times faster than ``A.sum(axis=1)`` when the rows are short.
    """
    vector = np.ones(n, dtype)
    vector.flags.writeable = False
    return vector


#: Largest input copied whole with a column of ones: a single batch (full-batch
#: training, L-BFGS). Training in batches copies large inputs a batch at a time.
ONES_COLUMN_MAX_BYTES = 128 * 2**20


def with_ones_column(X):
    """Return a copy of ``X`` with a last column of ones, or ``X`` if it is large.

    A network multiplies such an input by a layer's weights and adds its biases in
    one matrix product, and gets the gradients of both from one more: the bias
    addition, which broadcasts a row over a matrix, costs on small data more than a
    small product. Above ``ONES_COLUMN_MAX_BYTES`` the copy costs more memory than the
    addition costs time.
    """
    if X.nbytes > ONES_COLUMN_MAX_BYTES:
        return X
    X_ones = aligned_empty((X.shape[0], X.shape[1] + 1), X.dtype)
    X_ones[:, :-1] = X
    X_ones[:, -1] = 1
    return X_ones


#: Scratch per chunk of rows when predicting: a chunk of this size stays in the
#: caches from one layer to the next, and a million rows take a few hundred chunks.
CHUNK_BYTES = 8 * 2**20


def chunk_rows(widths, dtype, limit_bytes=CHUNK_BYTES):
    """Rows per chunk whose scratch memory stays within ``limit_bytes``.

    Parameters
    ----------
    widths : sequence of int
        Units of each layer, output layer last.
    dtype : numpy dtype
        Floating dtype of the network.
    limit_bytes : int, default=CHUNK_BYTES
        Largest scratch memory of a chunk.

    Returns
    -------
    n_rows : int
        At least 1. A row takes its activations in every layer and, for the
        ReLU, an equal block of zeros.
    """
    row_bytes = 2 * sum(widths) * np.dtype(dtype).itemsize
    return max(1, int(limit_bytes // row_bytes))


#: Smallest dimension of a layer from which its products go through ``np.matmul``.
MATMUL_FROM = 64


def product_for(W):
    """Return the function that best multiplies by a layer's ``W`` (or ``W.T``).

    Both ``ndarray.dot`` and ``np.matmul`` end in the same BLAS routine, called as
    ``product(A, B, C)`` to write ``A @ B`` into ``C`` (an output passed by position
    is parsed faster than by keyword). ``ndarray.dot`` costs half as much to call, which
    counts for small layers and for matrix-vector products; ``np.matmul`` hands
    transposed operands to BLAS in a form it multiplies faster, which counts once
    both dimensions of the layer are large.
    """
    return np.matmul if min(W.shape) >= MATMUL_FROM else np.ndarray.dot


#: Output widths of a layer whose back-propagated product ``dZ @ W.T`` runs faster
#: from a contiguous copy of ``W.T``, made anew at each backward pass.
NARROW_WIDTHS = range(2, 17)
#: Fewest inputs of such a layer for which the copy pays for itself.
NARROW_MIN_INPUTS = 32


def transposed_product(W):
    """Return how a layer multiplies by its ``W.T``: ``(product, W_T, source)``.

    The backward pass writes ``dZ @ W.T`` into ``dA`` as ``product(dZ, W_T, dA)``,
    where ``W_T`` is the view ``W.T`` itself if ``source`` is None, and otherwise a
    contiguous copy of it, refreshed by ``np.copyto(W_T, source)`` before each use.
    With only a few outputs, ``dZ`` has a few columns and BLAS multiplies it by the
    transposed view two to three times slower than by the copy, which a layer of a
    few thousand weights makes in about a microsecond.
    """
    n_in, n_out = W.shape
    if n_out in NARROW_WIDTHS and n_in >= NARROW_MIN_INPUTS:
        return np.matmul, aligned_empty((n_out, n_in), W.dtype), W.T
    return product_for(W), W.T, None


class Buffers:
    """One ``(n, width)`` array per width, for batches of up to the largest ``n`` seen.

    A batch of ``n`` rows gets views of the leading ``n`` rows; they are the same
    views at every call until a larger batch is seen.

    Parameters
    ----------
    widths : list of int
        Width of each array.
    dtype : numpy dtype
        Floating dtype of the arrays.
    """

    def __init__(self, widths, dtype):
        self.widths = list(widths)
        self.dtype = np.dtype(dtype)
        self.capacity = 0
        self._arrays = []
        self._views = {}

    def views(self, n_samples):
        """Return the list of ``(n_samples, width)`` arrays."""
        found = self._views.get(n_samples)
        if found is None:
            found = self._make_views(n_samples)
        return found

    def _make_views(self, n_samples):
        if n_samples > self.capacity:
            self.capacity = n_samples
            self._arrays = [
                aligned_empty((n_samples, w), self.dtype) for w in self.widths
            ]
            self._views.clear()
        if len(self._views) >= MAX_CACHED_SIZES:
            self._views.clear()
        found = [A[:n_samples] for A in self._arrays]
        self._views[n_samples] = found
        return found
