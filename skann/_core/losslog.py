"""The loss of each epoch, computed from the probabilities its steps produced.

A training step needs only the gradient of the loss. The loss's value, for the loss
curve, the divergence check and the stopping rules, depends on the probabilities the
step computed, so each step writes them into a buffer that holds an epoch's rows, and
the epoch's loss is computed from it afterwards: once per epoch rather than once per
batch.

When nothing needs an epoch's loss at once, and every epoch sees the same rows in the
same order (full batch), the buffer holds several epochs and their losses are
computed together. On small data that takes the loss's half-dozen NumPy calls out of
each epoch; the values are the same.
"""

import numpy as np

from .workspace import aligned_empty

#: Largest buffer of probabilities kept for losses computed later ...
DEFERRED_BYTES = 256 * 1024
#: ... holding at most this many epochs.
DEFERRED_EPOCHS = 256


class LossLog:
    """Probabilities of the latest epochs, and the losses computed from them.

    Parameters
    ----------
    loss : BinaryCrossEntropy or CategoricalCrossEntropy
    n_samples, n_outputs : int
        Shape of an epoch's probabilities.
    dtype : numpy dtype
        Floating dtype of the probabilities.
    deferred : bool
        Whether losses may wait until the buffer is full (or :meth:`flush`); the
        targets and weights must then be the same at every epoch.
    """

    def __init__(self, loss, n_samples, n_outputs, dtype, deferred):
        epochs = 1
        if deferred:
            row_bytes = n_samples * n_outputs * np.dtype(dtype).itemsize
            epochs = int(np.clip(DEFERRED_BYTES // row_bytes, 1, DEFERRED_EPOCHS))
        self.loss = loss
        self._P = aligned_empty((epochs, n_samples, n_outputs), dtype)
        # Views made once: on data as small as the AND gate, making a view at every
        # epoch was a hundredth of the epoch.
        self._rows = list(self._P)
        self._penalties = [0.0] * epochs
        self._held = 0

    def rows(self):
        """Return the ``(n_samples, n_outputs)`` array for the next epoch's steps."""
        return self._rows[self._held]

    def add(self, Y, sample_weight, penalty=0.0):
        """Close the epoch whose probabilities are in :meth:`rows`.

        Parameters
        ----------
        Y : ndarray of shape (n_samples, n_outputs)
            The targets of the epoch's rows, in the order the steps saw them.
        sample_weight : ndarray of shape (n_samples,) or None
            Their weights.
        penalty : float, default=0.0
            Part of the epoch's loss that is not in the probabilities (L2).

        Returns
        -------
        losses : list of float
            The losses now computed, of the oldest epochs first; empty while they
            wait.
        """
        self._penalties[self._held] = penalty
        self._held += 1
        if self._held < self._P.shape[0]:
            return []
        return self.flush(Y, sample_weight)

    def flush(self, Y, sample_weight):
        """Return the losses of every epoch held, oldest first, and forget them."""
        held, self._held = self._held, 0
        if not held:
            return []
        values = self.loss.loss(Y, self._P[:held], sample_weight)
        return [float(v) + p for v, p in zip(values, self._penalties)]
