"""Losses, each fused with the output activation it is paired with.

Every loss takes the targets ``Y`` (shape ``(n_samples, n_outputs)``), the network's
outputs ``P`` and optional ``sample_weight``, and is a weighted mean over samples
(mean reduction): ``sum_i w_i * l_i / sum_i w_i``. Paired with its output activation
(logistic, softmax), a cross-entropy's gradient with respect to the output logits
``Z`` is ``dZ = (P - Y) * w / sum(w)``, without the activation's own derivative; so
is the squared error's, paired with the identity.

``P`` may carry a leading axis, one entry per epoch, ``(n_epochs, n_samples,
n_outputs)``: the losses of several epochs on the same data then take one pass (see
``losslog.py``).
"""

import numpy as np


def _weighted_mean(terms, sample_weight):
    """Sum ``terms`` over samples and outputs (the last two axes), weighted by sample.

    Returns the sum divided by the total weight: the weighted mean over samples of
    each sample's sum over outputs.
    """
    if sample_weight is None:
        return terms.sum(axis=(-2, -1)) / terms.shape[-2]
    weighted = terms * sample_weight[:, np.newaxis]
    return weighted.sum(axis=(-2, -1)) / sample_weight.sum()


def _clipped_log(P):
    # The textbook clips probabilities to [1e-9, 1 - 1e-9] before the log; float32
    # cannot represent 1 - 1e-9, so there the clip widens to the dtype's eps.
    eps = max(1e-9, float(np.finfo(P.dtype).eps))
    return np.log(np.clip(P, eps, 1 - eps))


class Loss:
    """What every loss shares: the weighted mean, the gradient, the baseline.

    A loss defines ``terms(Y, P)``, each entry's contribution, which the mean sums
    over outputs and averages over samples.
    """

    def loss(self, Y, P, sample_weight=None):
        """Return the weighted mean loss.

        Parameters
        ----------
        Y : ndarray of shape (n_samples, n_outputs)
            Targets.
        P : ndarray of shape (n_samples, n_outputs) or (n_epochs, n_samples, n_outputs)
            Outputs of the output activation.
        sample_weight : ndarray of shape (n_samples,), default=None
            Weights; ``None`` weighs every sample by one.

        Returns
        -------
        loss : float, or ndarray of shape (n_epochs,)
        """
        total = _weighted_mean(self.terms(Y, P), sample_weight)
        return float(total) if np.ndim(total) == 0 else total

    def gradient(self, Y, P, sample_weight=None):
        """Return ``dZ = (P - Y) * w / sum(w)``, the gradient at the output logits.

        A new array: ``P`` is kept for the epoch's loss (see ``losslog.py``).

        Parameters
        ----------
        Y, P : ndarray of shape (n_samples, n_outputs)
        sample_weight : ndarray of shape (n_samples,), default=None

        Returns
        -------
        dZ : ndarray of shape (n_samples, n_outputs)
        """
        dZ = P - Y
        if sample_weight is None:
            dZ /= P.shape[0]
        else:
            dZ *= (sample_weight / sample_weight.sum())[:, np.newaxis]
        return dZ

    def baseline(self, Y, sample_weight=None):
        """Return the loss of always predicting the weighted mean target.

        This is the loss a network reaches with its output biases alone; a loss
        above it means the network does worse than knowing nothing of ``X``.

        Parameters
        ----------
        Y : ndarray of shape (n_samples, n_outputs)
        sample_weight : ndarray of shape (n_samples,), default=None

        Returns
        -------
        loss : float
        """
        mean = np.average(Y, axis=0, weights=sample_weight)
        return self.loss(Y, np.broadcast_to(mean, Y.shape), sample_weight)


class BinaryCrossEntropy(Loss):
    """``-[y log p + (1 - y) log(1 - p)]`` summed over outputs (logistic units)."""

    name = "binary_cross_entropy"
    output_activation = "logistic"

    def terms(self, Y, P):
        """Return ``-[y log p + (1 - y) log(1 - p)]`` for every entry of ``P``."""
        return -(Y * _clipped_log(P) + (1 - Y) * _clipped_log(1 - P))

    def score(self, Y, P, sample_weight=None):
        """Weighted fraction of rows whose every label is predicted right."""
        right = np.all((P >= 0.5) == (Y > 0.5), axis=1)
        return float(np.average(right, weights=sample_weight))


class CategoricalCrossEntropy(Loss):
    """``-sum_k y_k log p_k`` (softmax units)."""

    name = "categorical_cross_entropy"
    output_activation = "softmax"

    def terms(self, Y, P):
        """Return ``-y log p`` for every entry of ``P``."""
        return -(Y * _clipped_log(P))

    def score(self, Y, P, sample_weight=None):
        """Weighted fraction of rows whose most probable class is right."""
        right = P.argmax(axis=1) == Y.argmax(axis=1)
        return float(np.average(right, weights=sample_weight))


class SquaredError(Loss):
    """``0.5 * sum_k (y_k - p_k)**2`` summed over outputs (identity units).

    With one output it is MLPRegressor's squared loss; with several, MLPRegressor
    reports the mean over outputs but steps along the gradient of this sum, so only
    the loss values differ, by the number of outputs.
    """

    name = "squared_error"
    output_activation = "identity"

    def terms(self, Y, P):
        """Return ``0.5 * (y - p)**2`` for every entry of ``P``."""
        residuals = P - Y
        return 0.5 * residuals * residuals

    def score(self, Y, P, sample_weight=None):
        """Coefficient of determination R², weighted by sample, averaged over outputs.

        An output whose targets are constant scores 1 if predicted exactly and 0
        otherwise, as ``sklearn.metrics.r2_score`` has it by default.
        """
        w = np.ones(len(Y)) if sample_weight is None else sample_weight
        mean = np.average(Y, axis=0, weights=w)
        residual = w @ (Y - P) ** 2
        total = w @ (Y - mean) ** 2
        constant = total == 0
        r2 = np.where(constant, 1.0, 1 - residual / np.where(constant, 1, total))
        r2[constant & (residual > 0)] = 0.0
        return float(r2.mean())


#: Losses by name; each names the output activation it is fused with.
LOSSES = {
    cls.name: cls()
    for cls in (BinaryCrossEntropy, CategoricalCrossEntropy, SquaredError)
}
