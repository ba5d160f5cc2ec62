"""The training loop: epochs made of batches made of steps.

``train`` runs the epochs and decides when to stop; ``run_epoch`` makes one pass over
the (shuffled) data in batches (see ``batches.py``); ``train_step`` is one forward
pass, gradient, backward pass and update. The loss recorded for an epoch is the one
computed before its updates, as in the seed's ``costs``; with several batches it is
their weighted mean. It is computed from the probabilities the steps leave in a
``LossLog``.
"""

from dataclasses import dataclass, field

import numpy as np

from .batches import Batches
from .losses import LOSSES
from .losslog import LossLog
from .objective import gradients, total_weight
from .penalty import l2_penalty
from .stopping import DivergenceMonitor, deferred_interrupt, diverged


@dataclass
class Dataset:
    """Inputs, targets (``(n_samples, n_outputs)``) and optional sample weights."""

    X: np.ndarray
    Y: np.ndarray
    sample_weight: np.ndarray = None


@dataclass
class TrainingResult:
    """What a call of :func:`train` did.

    Attributes
    ----------
    loss_curve : list of float
        Training loss of each epoch, computed before its updates.
    validation_loss_curve, validation_scores : list of float or None
        Loss and accuracy on the validation data after each epoch, if any.
    n_iter : int
        Epochs completed.
    t : int
        Training samples seen in this call, summed over epochs.
    stopped : bool
        Whether a stopping rule ended training before the last epoch.
    interrupted : bool
        Whether a keyboard interrupt ended training; the network then holds the
        parameters of the last completed epoch.
    best_epoch : int or None
        Epoch whose parameters were restored by early stopping.
    """

    loss_curve: list = field(default_factory=list)
    validation_loss_curve: list = None
    validation_scores: list = None
    n_iter: int = 0
    t: int = 0
    stopped: bool = False
    interrupted: bool = False
    best_epoch: int = None


def train_step(network, loss, optimizer, X, Y, sample_weight, P, alpha=0.0):
    """One evaluation of the gradient, then one update.

    Parameters
    ----------
    network, loss, X, Y, sample_weight, alpha
        As in :func:`objective.gradients`.
    optimizer : object with ``gradient_scale`` and ``apply(param, grad)``
    P : ndarray of shape (n_samples, n_outputs)
        Receives the probabilities before the update, from which the loss follows.

    Returns
    -------
    penalty : float
        The L2 penalty before the update; 0.0 if ``alpha`` is 0.
    """
    penalty = 0.0
    if alpha:
        penalty = l2_penalty(network, alpha, total_weight(X, sample_weight))
    gradients(
        network, loss, X, Y, sample_weight, alpha, optimizer.gradient_scale, out=P
    )
    optimizer.apply(network.flat_params, network.flat_grads)
    return penalty


def run_epoch(network, loss, optimizer, batches, P, alpha=0.0):
    """One pass over the data, a batch at a time.

    Parameters
    ----------
    network, loss, optimizer, alpha
        As in :func:`train_step`.
    batches : Batches
        The epoch's batches, in the order to visit them.
    P : ndarray of shape (n_samples, n_outputs)
        Receives the probabilities of each batch before its update.

    Returns
    -------
    penalty : float
        Mean of the batches' L2 penalties, weighted by their total sample weights.
    """
    if batches.batch_size == batches.n_samples:
        X, Y, w = batches.whole  # unpacked here: a call with *whole costs more
        return train_step(network, loss, optimizer, X, Y, w, P, alpha)
    penalty = 0.0
    for rows, X, Y, w in batches:
        value = train_step(network, loss, optimizer, X, Y, w, P[rows], alpha)
        if alpha:
            penalty += value * total_weight(X, w)
    if not alpha:
        return penalty  # 0.0, without summing the weights again
    return penalty / total_weight(batches.Y, batches.sample_weight)


def accuracy(Y, P, out_activation):
    """Fraction of rows whose predicted class (or whole label set) is right."""
    if out_activation == "softmax":
        return float(np.mean(P.argmax(axis=1) == Y.argmax(axis=1)))
    return float(np.mean(np.all((P >= 0.5) == (Y > 0.5), axis=1)))


def train(
    network,
    data,
    optimizer,
    epochs,
    *,
    batch_size=None,
    shuffle=False,
    rng=None,
    alpha=0.0,
    schedule=None,
    plateau=None,
    validation=None,
    on_epoch=None,
    report=None,
    t=0,
):
    """Train ``network`` in place for at most ``epochs`` epochs.

    Parameters
    ----------
    network : Network
    data : Dataset
        Training data.
    optimizer : object with ``gradient_scale``, ``apply(param, grad)`` and ``lr``
    epochs : int
        Largest number of epochs.
    batch_size : int, default=None
        Rows per step; ``None`` takes every row at once (full batch).
    shuffle : bool, default=False
        Whether to visit the rows in a new random order each epoch (only matters
        with several batches).
    rng : numpy.random.RandomState, default=None
        Source of the shuffles.
    alpha : float, default=0.0
        L2 penalty on the weights.
    schedule : Constant, InvScaling or Adaptive, default=None
        Learning-rate schedule; ``None`` keeps ``optimizer.lr``.
    plateau : Plateau, default=None
        Stopping rule on the validation loss if ``validation`` is given, else on the
        training loss; ``None`` runs every epoch.
    validation : Dataset, default=None
        Held-out data scored after each epoch. With a ``plateau`` keeping the best
        parameters, the network ends with the parameters of the best epoch.
    on_epoch : callable, default=None
        Called as ``on_epoch(epoch, loss)`` right after each epoch; returning True
        stops training there.
    report : callable, default=None
        Called as ``report(epoch, loss)`` for every epoch, in order, but possibly
        some epochs later (see ``losslog.py``); it cannot stop training.
    t : int, default=0
        Samples seen before this call; the invscaling schedule counts them too.

    Returns
    -------
    result : TrainingResult

    Raises
    ------
    DivergenceError
        If training diverges (see ``stopping.DivergenceMonitor``); the network is
        then unusable and should be discarded.
    """
    loss = LOSSES[network.out_activation]
    n = data.X.shape[0]
    batches = Batches(data, n if batch_size is None else batch_size)
    result = TrainingResult()
    if validation is not None:
        result.validation_loss_curve, result.validation_scores = [], []
    monitor = DivergenceMonitor(loss.baseline(data.Y, data.sample_weight))
    shuffled = shuffle and batches.batch_size < n
    # Losses may wait when nothing in the loop below needs them at once.
    deferred = not shuffled and on_epoch is None and plateau is None
    deferred = deferred and validation is None
    log = LossLog(loss, n, data.Y.shape[1], network.dtype, deferred)

    def record(values):
        for value in values:
            monitor.check(len(result.loss_curve), value, optimizer.lr)
            result.loss_curve.append(value)
            if report is not None:
                report(len(result.loss_curve) - 1, value)

    # Overflow on the way to a non-finite loss is expected when training diverges;
    # it is reported once, as a DivergenceError, instead of as NumPy warnings.
    with (
        np.errstate(over="ignore", invalid="ignore", divide="ignore"),
        deferred_interrupt() as interrupt,
    ):
        for epoch in range(epochs):
            if shuffled:
                batches.start_epoch(rng.permutation(n))
            penalty = run_epoch(network, loss, optimizer, batches, log.rows(), alpha)
            values = log.add(batches.Y, batches.sample_weight, penalty)
            if values:
                record(values)
            result.n_iter += 1
            result.t += n
            if validation is not None:
                P = network.forward(validation.X)
                watched = loss.loss(validation.Y, P, validation.sample_weight)
                result.validation_loss_curve.append(watched)
                result.validation_scores.append(
                    accuracy(validation.Y, P, network.out_activation)
                )
            if schedule is not None:
                schedule.epoch_end(optimizer, t + result.t)
            if on_epoch is not None and on_epoch(epoch, result.loss_curve[-1]):
                result.stopped = True
                break
            if interrupt["interrupted"]:
                result.interrupted = True
                break
            if plateau is not None and plateau.update(
                epoch,
                watched if validation is not None else result.loss_curve[-1],
                network,
            ):
                if schedule is not None and schedule.plateau(optimizer):
                    plateau.restart()
                else:
                    result.stopped = True
                    break
        record(log.flush(batches.Y, batches.sample_weight))
        if not np.isfinite(network.flat_params).all():
            raise diverged(
                result.n_iter, "the weights stopped being finite", optimizer.lr
            )
    if plateau is not None and plateau.best_state is not None:
        network.set_state(plateau.best_state)
        result.best_epoch = plateau.best_epoch
    return result
