"""Cross-entropy losses, each fused with its output activation.

Both losses take the targets ``Y`` (shape ``(n_samples, n_outputs)``), the
probabilities ``P`` and an optional ``sample_weight``. The loss is a weighted mean
over samples (mean reduction): ``sum_i w_i * l_i / sum_i w_i``. Because each loss is
paired with its output activation (logistic or softmax), its gradient with respect to
the output logits ``Z`` is the same simple expression for both,
``dZ = (P - Y) * w / sum(w)``.

Probabilities are clipped to ``[1e-9, 1 - 1e-9]`` inside the log, as in the textbook,
so a loss is always finite; the gradient uses the unclipped ``P``.

``P`` may carry leading axes, one entry per epoch, ``(n_epochs, n_samples,
n_outputs)``: the losses of several epochs of one data set then take one pass (see
``losslog.py``).
"""

import functools

import numpy as np

from .workspace import ones, scalar


@functools.cache
def _clip_bounds(dtype):
    # The textbook clips probabilities to [1e-9, 1 - 1e-9] before the log; float32
    # cannot represent 1 - 1e-9, so there the clip widens to the dtype's eps.
    eps = max(1e-9, float(np.finfo(dtype).eps))
    return scalar(eps, dtype), scalar(1 - eps, dtype)


def _clipped_log(P, out=None):
    low, high = _clip_bounds(P.dtype)
    clipped = np.maximum(P, low, out=out)
    np.minimum(clipped, high, out=clipped)
    return np.log(clipped, out=clipped)


def _sum_outputs(A):
    # matmul sums the rows of a stack of epochs in BLAS; ndarray.dot falls back to a
    # slow loop beyond two dimensions (37 us against 6 us for an epoch of 1797 x 10).
    return np.matmul(A, ones(A.shape[-1], A.dtype))


class CrossEntropy:
    """What both cross-entropies share: the mean, the gradient, the baseline."""

    def loss(self, Y, P, sample_weight=None):
        """Return the weighted mean cross-entropy.

        Parameters
        ----------
        Y : ndarray of shape (n_samples, n_outputs)
            Targets, 0 or 1.
        P : ndarray of shape (..., n_samples, n_outputs)
            Probabilities from the output activation; leading axes, if any, hold
            several sets of probabilities for the same targets.
        sample_weight : ndarray of shape (n_samples,), default=None
            Weights; ``None`` weighs every sample by one.

        Returns
        -------
        loss : float, or ndarray of shape P.shape[:-2]
        """
        log_q = self._log_likelihoods(Y, P)
        # One reduction along the samples, whatever the leading axes: the loss of
        # an epoch is the same bits alone or among others.
        if sample_weight is None:
            total = np.add.reduce(log_q, axis=-1) / -log_q.shape[-1]
        else:
            log_q *= sample_weight
            total = np.add.reduce(log_q, axis=-1) / -float(sample_weight.sum())
        return float(total) if total.ndim == 0 else total

    def gradient(self, Y, P, sample_weight=None, out=None, scale=1.0):
        """Return ``dZ = (P - Y) * w / sum(w) * scale``, the mean loss's gradient.

        Parameters
        ----------
        Y : ndarray of shape (n_samples, n_outputs)
            Targets, 0 or 1.
        P : ndarray of shape (n_samples, n_outputs)
            Probabilities from the output activation.
        sample_weight : ndarray of shape (n_samples,), default=None
            Weights; ``None`` weighs every sample by one.
        out : ndarray of shape (n_samples, n_outputs), default=None
            Where to write the result; may be ``P`` itself.
        scale : float, default=1.0
            Factor applied to the gradient; it reaches every parameter's gradient
            through the backward pass at the cost of scaling ``dZ`` alone.

        Returns
        -------
        dZ : ndarray of shape (n_samples, n_outputs)
        """
        dZ = np.subtract(P, Y, out=out)
        if sample_weight is None:
            dZ *= scalar(scale / P.shape[0], P.dtype)
        else:
            factor = sample_weight * (scale / sample_weight.sum())
            dZ *= factor.astype(P.dtype, copy=False)[:, np.newaxis]
        return dZ

    def baseline(self, Y, sample_weight=None):
        """Return the loss of always predicting the weighted class frequencies.

        This is the loss a network reaches with its biases alone; a loss far above
        it means the network predicts confidently and wrongly.

        Parameters
        ----------
        Y : ndarray of shape (n_samples, n_outputs)
        sample_weight : ndarray of shape (n_samples,), default=None

        Returns
        -------
        loss : float
        """
        prior = np.average(Y, axis=0, weights=sample_weight)
        return self.loss(Y, np.broadcast_to(prior, Y.shape), sample_weight)


class BinaryCrossEntropy(CrossEntropy):
    """``-[y log p + (1 - y) log(1 - p)]`` summed over outputs (logistic units)."""

    def _log_likelihoods(self, Y, P):
        # |P - (1 - Y)| is P where y = 1 and 1 - P where y = 0, rounded exactly as
        # the seed's 1 - P, so the log matches its y * log(p) + (1 - y) * log(1 - p)
        # bit for bit when y is 0 or 1.
        q = np.subtract(P, np.subtract(scalar(1.0, Y.dtype), Y))
        log_q = _clipped_log(np.abs(q, out=q), out=q)
        return _sum_outputs(log_q)


class CategoricalCrossEntropy(CrossEntropy):
    """``-sum_k y_k log p_k`` (softmax units)."""

    def _log_likelihoods(self, Y, P):
        # With one 1 per row of Y, sum_k y_k log p_k is the log of the one
        # probability sum_k y_k p_k: only n_samples values go through the log.
        observed = _sum_outputs(np.multiply(Y, P))
        return _clipped_log(observed, out=observed)


#: Losses by the output activation they are fused with.
LOSSES = {"logistic": BinaryCrossEntropy(), "softmax": CategoricalCrossEntropy()}
