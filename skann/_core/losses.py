"""Losses, each fused with the output activation it is paired with.

Every loss takes the targets ``Y`` (shape ``(n_samples, n_outputs)``), the network's
outputs ``P`` and optional ``sample_weight``, and is a weighted mean over samples
(mean reduction): ``sum_i w_i * l_i / sum_i w_i``. Paired with its output activation
(logistic, softmax), a cross-entropy's gradient with respect to the output logits
``Z`` is ``dZ = (P - Y) * w / sum(w)``, without the activation's own derivative; so
is the squared error's, paired with the identity, and the Poisson deviance's, paired
with the exponential (the log link). The pinball loss of a quantile, paired with the
identity, has its own.

``P`` may carry a leading axis, one entry per epoch, ``(n_epochs, n_samples,
n_outputs)``: the losses of several epochs on the same data then take one pass (see
``losslog.py``).
"""

import numpy as np

from .hyperparameters import Hyperparameters
from .namespaces import device_of, from_numpy, namespace, to_numpy
from .registry import Names


def _weighted_mean(terms, sample_weight, xp):
    """Sum ``terms`` over samples and outputs (the last two axes), weighted by sample.

    Returns the sum divided by the total weight: the weighted mean over samples of
    each sample's sum over outputs.
    """
    if sample_weight is None:
        return xp.sum(terms, axis=(-2, -1)) / terms.shape[-2]
    weighted = terms * sample_weight[:, None]
    return xp.sum(weighted, axis=(-2, -1)) / xp.sum(sample_weight)


def _column_means(Y, sample_weight, xp):
    """Mean of each column of ``Y`` over its rows, weighted by ``sample_weight``."""
    if sample_weight is None:
        return xp.mean(Y, axis=0)
    return xp.sum(Y * sample_weight[:, None], axis=0) / xp.sum(sample_weight)


def _fraction(right, sample_weight, xp):
    """Weighted fraction of the rows where the boolean ``right`` holds."""
    if sample_weight is None:
        return float(xp.count_nonzero(right)) / right.shape[0]
    if xp is np:
        # np.average sums float32 weights in float64, as scikit-learn's scores do.
        return float(np.average(right, weights=sample_weight))
    hits = xp.where(right, sample_weight, 0.0)
    return float(xp.sum(hits) / xp.sum(sample_weight))


def _clipped_log(P, xp):
    # The textbook clips probabilities to [1e-9, 1 - 1e-9] before the log; float32
    # cannot represent 1 - 1e-9, so there the clip widens to the dtype's eps.
    eps = max(1e-9, float(xp.finfo(P.dtype).eps))
    return xp.log(xp.clip(P, eps, 1 - eps))


class Loss(Hyperparameters):
    """Base class of losses: the weighted mean, the gradient, the baseline.

    A subclass names ``output_activation``, the output layer's activation it is
    paired with, and defines :meth:`terms`, each entry's contribution, which the
    loss sums over outputs and averages over samples, weighted by sample (mean
    reduction). Its gradient with respect to the output layer's pre-activations
    ``Z`` is :meth:`terms_gradient`, which a subclass overrides unless it is
    ``P - Y``, as it is for each canonical pair (the squared error with the
    identity, the cross-entropies with the logistic and the softmax, the Poisson
    deviance with the exponential). Every method takes the arrays' namespace
    ``xp`` (see ``namespaces.py``; None means NumPy): written with ``xp`` and the
    Array API standard's functions, a loss serves every namespace.

    Hyperparameters, if it has any, are keyword arguments of ``__init__`` with
    defaults, each stored under its own name, as an estimator's: the estimator is
    then cloned, pickled and searched over with the loss in it (``loss__delta``
    in a grid). Training never changes the object.

    Attributes
    ----------
    output_activation : {'identity', 'exp', 'logistic', 'softmax'}
        The output layer's activation, fused with the loss; ``out_activation_``
        of the fitted estimator.

    See Also
    --------
    skann.plugins.RegressionLoss : The base class of ``ANNRegressor``'s losses.

    Notes
    -----
    ``terms(Y, P, xp)`` takes the targets ``Y`` and the outputs ``P`` of the
    output activation, ``(n_samples, n_outputs)``, and returns the array of each
    entry's loss ``l(y, p)``, of ``P``'s shape; ``P`` may carry a leading axis of
    epochs, ``(n_epochs, n_samples, n_outputs)``, which broadcasting keeps.
    ``terms_gradient(Y, P, xp)`` returns ``dl/dz`` entry by entry, where ``p =
    f(z)`` for the output activation ``f``: ``(p - y)`` for a canonical pair, and
    in general ``dl/dp * f'(z)``, a new array of ``P``'s shape. The loss of the
    network is ``sum_i w_i sum_k l(y_ik, p_ik) / sum_i w_i``.
    """

    def loss(self, Y, P, sample_weight=None, xp=None):
        """Return the weighted mean loss.

        Parameters
        ----------
        Y : array of shape (n_samples, n_outputs)
            Targets.
        P : array of shape (n_samples, n_outputs) or (n_epochs, n_samples, n_outputs)
            Outputs of the output activation.
        sample_weight : array of shape (n_samples,), default=None
            Weights; ``None`` weighs every sample by one.
        xp : namespace, default=None
            The arrays' namespace; None means NumPy.

        Returns
        -------
        loss : float, or array of shape (n_epochs,)
        """
        xp = namespace(xp)
        total = _weighted_mean(self.terms(Y, P, xp), sample_weight, xp)
        return float(total) if total.ndim == 0 else total

    def terms(self, Y, P, xp=np):
        """Return each entry's loss, an array of ``P``'s shape."""
        raise NotImplementedError(f"{type(self).__name__} defines no terms")

    def terms_gradient(self, Y, P, xp=np):
        """Return each entry's gradient at the output logits: here ``P - Y``.

        A new array: ``P`` is kept for the epoch's loss (see ``losslog.py``).
        """
        return P - Y

    def gradient(self, Y, P, sample_weight=None, xp=None):
        """Return ``dZ = terms_gradient(Y, P) * w / sum(w)``, at the output logits.

        With the canonical pairs, ``dZ = (P - Y) * w / sum(w)``.

        Parameters
        ----------
        Y, P : array of shape (n_samples, n_outputs)
        sample_weight : array of shape (n_samples,), default=None
        xp : namespace, default=None

        Returns
        -------
        dZ : array of shape (n_samples, n_outputs)
        """
        dZ = self.terms_gradient(Y, P, namespace(xp))
        if sample_weight is None:
            dZ /= P.shape[0]
        else:
            total = namespace(xp).sum(sample_weight)
            dZ *= (sample_weight / total)[:, None]
        return dZ

    def baseline(self, Y, sample_weight=None, xp=None):
        """Return the loss of always predicting the weighted mean target.

        This is the loss a network reaches with its output biases alone; a loss
        above it means the network does worse than knowing nothing of ``X``.

        Parameters
        ----------
        Y : array of shape (n_samples, n_outputs)
        sample_weight : array of shape (n_samples,), default=None
        xp : namespace, default=None

        Returns
        -------
        loss : float
        """
        xp = namespace(xp)
        mean = _column_means(Y, sample_weight, xp)
        return self.loss(Y, xp.broadcast_to(mean, Y.shape), sample_weight, xp)


class BinaryCrossEntropy(Loss):
    """``-[y log p + (1 - y) log(1 - p)]`` summed over outputs (logistic units)."""

    name = "binary_cross_entropy"
    output_activation = "logistic"

    def terms(self, Y, P, xp=np):
        """Return ``-[y log p + (1 - y) log(1 - p)]`` for every entry of ``P``."""
        return -(Y * _clipped_log(P, xp) + (1 - Y) * _clipped_log(1 - P, xp))

    def score(self, Y, P, sample_weight=None, xp=None):
        """Weighted fraction of rows whose every label is predicted right."""
        xp = namespace(xp)
        right = xp.all((P >= 0.5) == (Y > 0.5), axis=1)
        return _fraction(right, sample_weight, xp)


class CategoricalCrossEntropy(Loss):
    """``-sum_k y_k log p_k`` (softmax units)."""

    name = "categorical_cross_entropy"
    output_activation = "softmax"

    def terms(self, Y, P, xp=np):
        """Return ``-y log p`` for every entry of ``P``."""
        return -(Y * _clipped_log(P, xp))

    def score(self, Y, P, sample_weight=None, xp=None):
        """Weighted fraction of rows whose most probable class is right."""
        xp = namespace(xp)
        right = xp.argmax(P, axis=1) == xp.argmax(Y, axis=1)
        return _fraction(right, sample_weight, xp)


class RegressionLoss(Loss):
    """Base class of the losses of real targets, ``ANNRegressor``'s ``loss``.

    A :class:`Loss` scored by R², as scikit-learn's regressors are; subclass it
    to write your own, and pass an instance as ``ANNRegressor(loss=Huber())``.
    Its ``output_activation`` is ``'identity'`` (targets trained on standardised
    when ``normalize_y=True``) or ``'exp'`` (positive predictions, targets as they
    are). :meth:`baseline`, the loss of the best constant that the diagnosis of a
    fit compares against, is the loss of the weighted mean target unless
    overridden. A loss defined on part of the real line only refuses other
    targets in :meth:`check_targets`, and says so with ``positive_only``.

    Attributes
    ----------
    positive_only : bool, default=False
        Whether the loss takes non-negative targets only: scikit-learn's
        ``positive_only`` target tag of the estimator that holds it.

    See Also
    --------
    skann.plugins.Loss : The protocol.

    Examples
    --------
    >>> import numpy as np
    >>> from skann.plugins import RegressionLoss
    >>> class LogCosh(RegressionLoss):
    ...     output_activation = "identity"
    ...     def terms(self, Y, P, xp):
    ...         return xp.log(xp.cosh(P - Y))
    ...     def terms_gradient(self, Y, P, xp):
    ...         return xp.tanh(P - Y)
    >>> Y, P = np.array([[0.0], [1.0]]), np.array([[1.0], [1.0]])
    >>> round(LogCosh().loss(Y, P), 4)
    0.2169
    """

    positive_only = False

    def check_targets(self, Y):
        """Raise a ValueError for targets the loss is not defined on.

        ``Y`` is a NumPy array of shape ``(n_samples, n_outputs)``, as ``fit``
        and ``partial_fit`` are given it. Every real target is fine here.
        """

    def score(self, Y, P, sample_weight=None, xp=None):
        """Coefficient of determination R², weighted by sample, averaged over outputs.

        An output whose targets are constant scores 1 if predicted exactly and 0
        otherwise, as ``sklearn.metrics.r2_score`` has it by default.
        """
        xp = namespace(xp)
        w = sample_weight
        if w is None:
            # NumPy scores float32 targets in float64, as scikit-learn's r2_score.
            w = np.ones(Y.shape[0]) if xp is np else xp.ones_like(Y[:, 0])
        mean = _column_means(Y, w, xp)
        residual = w @ (Y - P) ** 2
        total = w @ (Y - mean) ** 2
        constant = total == 0
        r2 = xp.where(constant, 1.0, 1 - residual / xp.where(constant, 1.0, total))
        r2 = xp.where(constant & (residual > 0), 0.0, r2)
        return float(xp.mean(r2))


class SquaredError(RegressionLoss):
    """``0.5 * sum_k (y_k - p_k)**2`` summed over outputs (identity units).

    With one output it is MLPRegressor's squared loss; with several, MLPRegressor
    reports the mean over outputs but steps along the gradient of this sum, so only
    the loss values differ, by the number of outputs.
    """

    name = "squared_error"
    output_activation = "identity"

    def terms(self, Y, P, xp=np):
        """Return ``0.5 * (y - p)**2`` for every entry of ``P``."""
        residuals = P - Y
        return 0.5 * residuals * residuals


class Poisson(RegressionLoss):
    """Half the Poisson deviance, ``y log(y / p) - y + p``, summed over outputs.

    Paired with the exponential, ``p = exp(z)`` (the log link), its gradient with
    respect to ``z`` is ``p - y``, the squared error's. It is MLPRegressor's
    ``loss='poisson'``, the constant ``y log y - y`` included, so that a perfect
    prediction costs 0; ``y log y`` is 0 at ``y = 0``. The predicted mean is
    clipped to the dtype's smallest normal number in the log, where ``exp``
    underflows to 0.
    """

    name = "poisson"
    output_activation = "exp"
    positive_only = True

    def check_targets(self, Y):
        """Refuse negative targets, or a column whose sum is not positive."""
        if np.any(Y < 0) or np.any(Y.sum(axis=0) <= 0):
            raise ValueError("loss='poisson' requires non-negative y and sum(y) > 0.")

    def terms(self, Y, P, xp=np):
        """Return ``y log(y / p) - y + p`` for every entry of ``P``."""
        positive = Y > 0
        tiny = float(xp.finfo(P.dtype).smallest_normal)
        ratio = xp.where(positive, Y, 1.0) / xp.clip(P, tiny, None)
        return xp.where(positive, Y * xp.log(ratio), 0.0) - Y + P


class Pinball(RegressionLoss):
    """The pinball loss of the ``quantile`` q, summed over outputs (identity units).

    ``q (y - p)`` where ``y >= p``, ``(1 - q) (p - y)`` where ``y < p``, as
    ``sklearn.metrics.mean_pinball_loss`` has it (at q = 0.5, half the absolute
    error); its minimiser over constants is a q-quantile of the targets. Its
    gradient with respect to ``p`` is ``1[p > y] - q`` (at ``p = y``,
    scikit-learn's choice, ``-q``), not ``p - y``.

    Parameters
    ----------
    quantile : float in (0, 1), default=0.5
    """

    name = "quantile"
    output_activation = "identity"

    def __init__(self, quantile=0.5):
        self.quantile = quantile

    def terms(self, Y, P, xp=np):
        """Return ``max(q (y - p), (q - 1) (y - p))`` for every entry of ``P``."""
        R = Y - P
        return xp.maximum(self.quantile * R, (self.quantile - 1) * R)

    def terms_gradient(self, Y, P, xp=np):
        """Return ``1[P > Y] - q``."""
        above = P > Y
        above = above.astype(P.dtype) if xp is np else xp.astype(above, P.dtype)
        return above - self.quantile

    def baseline(self, Y, sample_weight=None, xp=None):
        """Return the loss of always predicting each column's weighted q-quantile.

        The quantile is the smallest target whose weighted share of the rows at or
        below it reaches q, found on the host: sorting along an axis and taking
        along it are not in every version of the standard.
        """
        xp = namespace(xp)
        Y_host = to_numpy(Y, xp)
        w = np.ones(Y.shape[0]) if sample_weight is None else sample_weight
        w = np.asarray(to_numpy(w, xp), dtype=np.float64)
        order = np.argsort(Y_host, axis=0, kind="stable")
        shares = np.cumsum(w[order], axis=0)
        first = np.argmax(shares >= self.quantile * shares[-1], axis=0)
        constant = np.take_along_axis(Y_host, order, axis=0)[
            first, np.arange(Y.shape[1])
        ]
        constant = from_numpy(constant, xp, device=device_of(Y, xp))
        return self.loss(Y, xp.broadcast_to(constant, Y.shape), sample_weight, xp)


class Losses(dict):
    """Losses by name, and a loss with a parameter by ``(name, value)``.

    ``LOSSES['quantile']`` is the pinball loss of the median;
    ``LOSSES['quantile', 0.9]`` a new one of the 0.9 quantile.
    """

    def __missing__(self, key):
        if isinstance(key, tuple) and key[0] in self:
            name, *args = key
            return type(self[name])(*args)
        raise KeyError(key)


#: Losses by name; each names the output activation it is fused with.
LOSSES = Losses(
    (cls.name, cls())
    for cls in (
        BinaryCrossEntropy,
        CategoricalCrossEntropy,
        SquaredError,
        Poisson,
        Pinball,
    )
)

#: The losses of real targets, ANNRegressor's options, as they are when read.
REGRESSION_LOSSES = Names(LOSSES, keep=lambda loss: isinstance(loss, RegressionLoss))


def loss_of(loss):
    """The loss object of ``loss``: a key of ``LOSSES``, or a ``Loss``."""
    return loss if isinstance(loss, Loss) else LOSSES[loss]
