"""The training loop: epochs made of steps, and what it reports back.

``train`` runs the epochs; ``train_step`` is one forward pass, loss, backward pass and
update. The loss recorded for an epoch is the one computed before that epoch's update,
as in the seed's ``costs``.
"""

from dataclasses import dataclass, field

import numpy as np

from .losses import LOSSES


class DivergenceError(ValueError):
    """Raised when the loss or the parameters stop being finite."""


@dataclass
class TrainingResult:
    """What a call of :func:`train` did.

    Attributes
    ----------
    loss_curve : list of float
        Loss of each epoch, computed before its update.
    n_iter : int
        Epochs run.
    t : int
        Training samples seen, summed over epochs.
    """

    loss_curve: list = field(default_factory=list)
    n_iter: int = 0
    t: int = 0


def train_step(network, loss, optimizer, X, Y, sample_weight):
    """One forward pass, loss, backward pass and update; return the loss.

    Parameters
    ----------
    network : Network
    loss : BinaryCrossEntropy or CategoricalCrossEntropy
        The loss fused with ``network.out_activation``.
    optimizer : object with ``update(params, grads)``
    X : ndarray of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,) or None

    Returns
    -------
    loss : float
        The loss before the update.
    """
    P = network.forward(X)
    value = loss.loss(Y, P, sample_weight)
    # P is not needed once the loss is known, so its buffer receives dZ.
    dZ = loss.gradient(Y, P, sample_weight, out=P)
    optimizer.update(network.params, network.backward(X, dZ))
    return value


#: Training has diverged once the loss stays above its first value and this many
#: times the loss of predicting the class frequencies ...
DIVERGENCE_FACTOR = 10.0
#: ... for this many epochs in a row (one overshoot on unscaled data recovers).
DIVERGENCE_PATIENCE = 10


def _diverged(epoch, what, optimizer):
    return DivergenceError(
        f"Training diverged at epoch {epoch}: {what}. The learning rate "
        f"lr={optimizer.lr!r} is likely too high; lower it, or scale the features "
        "(for example with StandardScaler)."
    )


class DivergenceMonitor:
    """Watches the loss of each epoch and raises once training has diverged.

    Parameters
    ----------
    baseline : float
        Loss of predicting the class frequencies on the training data.
    optimizer : object with ``lr``
        Named in the error message.
    """

    def __init__(self, baseline, optimizer):
        self.limit = DIVERGENCE_FACTOR * baseline
        self.optimizer = optimizer
        self.epochs_above = 0
        self.started = False

    def check(self, epoch, value):
        """Raise :class:`DivergenceError` if ``value`` shows divergence."""
        if not np.isfinite(value):
            raise _diverged(epoch, f"the loss became {value}", self.optimizer)
        if not self.started:
            self.limit = max(self.limit, value)
            self.started = True
            return
        self.epochs_above = self.epochs_above + 1 if value > self.limit else 0
        if self.epochs_above >= DIVERGENCE_PATIENCE:
            raise _diverged(
                epoch,
                f"the loss stayed above {self.limit:.4g} (its start, and "
                f"{DIVERGENCE_FACTOR:g} times the loss of predicting the class "
                f"frequencies) for {DIVERGENCE_PATIENCE} epochs",
                self.optimizer,
            )


def train(network, X, Y, sample_weight, optimizer, epochs, on_epoch=None):
    """Train ``network`` in place with full-batch steps for ``epochs`` epochs.

    Parameters
    ----------
    network : Network
    X : ndarray of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,) or None
    optimizer : object with ``update(params, grads)`` and ``lr``
    epochs : int
        Number of epochs.
    on_epoch : callable, default=None
        Called as ``on_epoch(epoch, loss)`` after each epoch.

    Returns
    -------
    result : TrainingResult

    Raises
    ------
    DivergenceError
        If the loss or a parameter stops being finite, or the loss stays too high
        (see :class:`DivergenceMonitor`); the network is then unusable and should
        be discarded.
    """
    loss = LOSSES[network.out_activation]
    result = TrainingResult()
    monitor = DivergenceMonitor(loss.baseline(Y, sample_weight), optimizer)
    # Overflow on the way to a non-finite loss is expected when training diverges;
    # it is reported once, as a DivergenceError, instead of as NumPy warnings.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for epoch in range(epochs):
            value = train_step(network, loss, optimizer, X, Y, sample_weight)
            monitor.check(epoch, value)
            result.loss_curve.append(value)
            result.n_iter += 1
            result.t += X.shape[0]
            if on_epoch is not None:
                on_epoch(epoch, value)
        total = sum(float(np.sum(p)) for p in network.params)
    if not np.isfinite(total):
        raise _diverged(result.n_iter, "the weights stopped being finite", optimizer)
    return result
