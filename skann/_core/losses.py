"""Cross-entropy losses, each fused with its output activation.

Both losses take the targets ``Y`` and the probabilities ``P`` (shape
``(n_samples, n_outputs)``) and an optional ``sample_weight``. The loss is a weighted
mean over samples (mean reduction): ``sum_i w_i * l_i / sum_i w_i``. Because each loss
is paired with its output activation (logistic or softmax), its gradient with respect
to the output logits ``Z`` is the same simple expression for both,
``dZ = (P - Y) * w / sum(w)``.

Probabilities are clipped to ``[1e-9, 1 - 1e-9]`` inside the log, as in the textbook,
so a loss is always finite; the gradient uses the unclipped ``P``.

Training asks for both at once (``loss_and_gradient``), which shares their passes
over ``P`` and writes ``dZ`` over it.
"""

import functools

import numpy as np

from .workspace import ones, scalar


def _weighted_mean(per_sample, sample_weight):
    if sample_weight is None:
        return float(per_sample.sum()) / per_sample.shape[0]
    return float(sample_weight.dot(per_sample)) / float(sample_weight.sum())


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


class CrossEntropy:
    """What both cross-entropies share: the gradient and the baseline loss."""

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

    def gradient(self, Y, P, sample_weight=None, out=None):
        """Return ``dZ = (P - Y) * w / sum(w)``, the gradient of the mean loss.

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

        Returns
        -------
        dZ : ndarray of shape (n_samples, n_outputs)
        """
        dZ = np.subtract(P, Y, out=out)
        if sample_weight is None:
            dZ /= scalar(P.shape[0], P.dtype)
        else:
            dZ *= (sample_weight / sample_weight.sum())[:, np.newaxis]
        return dZ

    def loss_and_gradient(self, Y, P, sample_weight=None):
        """Return :meth:`loss` and :meth:`gradient` together; ``dZ`` overwrites ``P``.

        Parameters
        ----------
        Y : ndarray of shape (n_samples, n_outputs)
        P : ndarray of shape (n_samples, n_outputs)
            Probabilities; they become ``dZ``.
        sample_weight : ndarray of shape (n_samples,), default=None

        Returns
        -------
        loss : float
        dZ : ndarray of shape (n_samples, n_outputs)
            ``P`` itself, now holding the gradient.
        """
        value = self.loss(Y, P, sample_weight)
        return value, self.gradient(Y, P, sample_weight, out=P)


class BinaryCrossEntropy(CrossEntropy):
    """``-[y log p + (1 - y) log(1 - p)]`` summed over outputs (logistic units)."""

    def loss(self, Y, P, sample_weight=None):
        """Return the weighted mean binary cross-entropy as a float.

        Parameters
        ----------
        Y : ndarray of shape (n_samples, n_outputs)
            Targets, 0 or 1; several columns for multilabel targets.
        P : ndarray of shape (n_samples, n_outputs)
            Probability of each output being 1.
        sample_weight : ndarray of shape (n_samples,), default=None

        Returns
        -------
        loss : float
        """
        # Selecting p or 1 - p before the log equals the seed's
        # y * log(p) + (1 - y) * log(1 - p) bit for bit when y is 0 or 1.
        per_sample = -_clipped_log(np.where(Y > 0.5, P, 1 - P)).sum(axis=1)
        return _weighted_mean(per_sample, sample_weight)

    def loss_and_gradient(self, Y, P, sample_weight=None):
        """As :meth:`CrossEntropy.loss_and_gradient`, in fewer passes over ``P``."""
        # |P - (1 - Y)| is P where y = 1 and 1 - P where y = 0, rounded exactly as
        # np.where(Y > 0.5, P, 1 - P) in loss(): one pass instead of three.
        q = np.subtract(P, np.subtract(scalar(1.0, Y.dtype), Y))
        log_q = _clipped_log(np.abs(q, out=q), out=q)
        if sample_weight is None:
            value = -float(np.add.reduce(log_q, axis=None)) / P.shape[0]
        else:
            value = -float(sample_weight.dot(log_q).sum()) / float(sample_weight.sum())
        return value, self.gradient(Y, P, sample_weight, out=P)


class CategoricalCrossEntropy(CrossEntropy):
    """``-sum_k y_k log p_k`` (softmax units)."""

    def loss(self, Y, P, sample_weight=None):
        """Return the weighted mean categorical cross-entropy as a float.

        Parameters
        ----------
        Y : ndarray of shape (n_samples, n_classes)
            One-hot targets.
        P : ndarray of shape (n_samples, n_classes)
            Class probabilities, rows summing to one.
        sample_weight : ndarray of shape (n_samples,), default=None

        Returns
        -------
        loss : float
        """
        per_sample = -(Y * _clipped_log(P)).sum(axis=1)
        return _weighted_mean(per_sample, sample_weight)

    def loss_and_gradient(self, Y, P, sample_weight=None):
        """As :meth:`CrossEntropy.loss_and_gradient`, for one-hot ``Y``.

        With one 1 per row of ``Y``, ``sum_k y_k log p_k`` is the log of the one
        probability ``sum_k y_k p_k``: only ``n_samples`` values, not every entry of
        ``P``, go through the clip and the log. The result is that of :meth:`loss`.
        """
        observed = np.multiply(Y, P).dot(ones(P.shape[1], P.dtype))
        log_q = _clipped_log(observed, out=observed)
        if sample_weight is None:
            value = -float(np.add.reduce(log_q)) / P.shape[0]
        else:
            value = -float(sample_weight.dot(log_q)) / float(sample_weight.sum())
        return value, self.gradient(Y, P, sample_weight, out=P)


#: Losses by the output activation they are fused with.
LOSSES = {"logistic": BinaryCrossEntropy(), "softmax": CategoricalCrossEntropy()}


def l2_penalty(network, alpha, total_weight):
    """Return ``alpha / 2 * sum(W**2) / total_weight`` over every weight matrix.

    Biases are not penalised. Dividing by the batch's total sample weight (its size
    when unweighted) keeps the penalty's share of the loss independent of the
    batch size, as in scikit-learn's MLPClassifier.
    """
    W = network.flat_params[: network.n_coef_params]
    return 0.5 * alpha * float(np.dot(W, W)) / total_weight


def add_l2_gradient(network, alpha, total_weight):
    """Add the gradient of :func:`l2_penalty` to ``network.flat_grads`` in place."""
    n = network.n_coef_params
    network.flat_grads[:n] += (alpha / total_weight) * network.flat_params[:n]
