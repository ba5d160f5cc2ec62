"""The batches of an epoch: which rows, their inputs with a column of ones, targets.

A network takes its inputs followed by a column of ones (see ``network.py``). Small
inputs are copied once with that column, and each batch is a view of the copy. An
input beyond ``WHOLE_COPY_MAX_BYTES`` is not copied whole: each batch is copied,
when its step comes, into one buffer that ends with the column of ones. Such an input
streams from memory at every epoch either way, and the batch's copy adds 2 to 3% to
an epoch of 100 000 x 100 rows, while a whole copy costs a fit a second array the
size of the input and the time to fault its memory in: 23 to 135 ms for that input,
whose epoch takes about 250 ms. Shuffled epochs, the estimator's default, gather
their rows the same way instead of making a shuffled copy of the whole input at
every epoch, which made each epoch 10 to 40% slower.
"""

import numpy as np

from .workspace import aligned_empty, with_ones_column

#: Largest input copied whole with its column of ones for training in batches; it
#: stays in the caches from one epoch to the next, and its batches are views.
WHOLE_COPY_MAX_BYTES = 8 * 2**20


class Batches:
    """The batches of each epoch, in its order of rows.

    Parameters
    ----------
    data : Dataset
        The training data, in its own order of rows.
    batch_size : int
        Rows per step; the last batch may be smaller. At least the number of rows
        makes one batch of every row.

    Attributes
    ----------
    Y : ndarray of shape (n_samples, n_outputs)
        Targets in the order of the current epoch.
    sample_weight : ndarray of shape (n_samples,) or None
        Weights in the order of the current epoch.
    whole : tuple
        The one batch of a full-batch epoch: ``(X, Y, sample_weight)``.
    """

    def __init__(self, data, batch_size):
        X = data.X
        self.n_samples = X.shape[0]
        self.batch_size = min(batch_size, self.n_samples)
        self._data = data
        self._slices = [
            slice(start, start + self.batch_size)
            for start in range(0, self.n_samples, self.batch_size)
        ]
        self._buffer = None
        if self.batch_size == self.n_samples or X.nbytes <= WHOLE_COPY_MAX_BYTES:
            self._X = with_ones_column(X)
        else:
            self._X = X
            self._buffer = aligned_empty((self.batch_size, X.shape[1] + 1), X.dtype)
            self._buffer[:, -1] = 1
        self.start_epoch()

    def start_epoch(self, order=None):
        """Visit the rows in ``order`` from now on; ``None`` visits them as they are."""
        data = self._data
        self._order = order
        X, self.Y, self.sample_weight = self._X, data.Y, data.sample_weight
        if order is not None:
            if self._buffer is None:
                X = X[order]
            self.Y = data.Y[order]
            if data.sample_weight is not None:
                self.sample_weight = data.sample_weight[order]
        self.whole = X, self.Y, self.sample_weight
        # The views are made once an epoch rather than at each step: handing out a
        # digits batch then takes 0.3 us instead of 1 us.
        w = self.sample_weight
        self._views = [
            (rows, X[rows], self.Y[rows], None if w is None else w[rows])
            for rows in self._slices
        ]

    def __iter__(self):
        """Yield ``(rows, X, Y, sample_weight)`` for each batch, ``rows`` a slice."""
        if self._buffer is None:
            return iter(self._views)
        return map(self._copied, self._views)

    def _copied(self, view):
        """The batch ``view`` with its inputs copied into the buffer, in order."""
        rows, X, Y, w = view
        if self._order is not None:
            X = self._X[self._order[rows]]
        inputs = self._buffer[: X.shape[0]]
        np.copyto(inputs[:, :-1], X)
        return rows, inputs, Y, w
