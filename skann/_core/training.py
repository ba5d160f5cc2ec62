"""The training loop: epochs made of batches made of steps.

:func:`train_step` is one gradient and one update; :func:`run_epoch` one pass over
the data, a batch at a time (see ``batches.py``); :func:`train` runs the epochs and,
after each, the pieces that watch it: validation, the learning-rate schedule, the
callbacks, Ctrl-C and the stopping rule. The loss recorded for an epoch is the one
computed before its updates, as in the seed's ``costs``; with several batches it is
their weighted mean (see ``losslog.py``).
"""

from dataclasses import dataclass, field

import numpy as np

from .batches import Batches
from .losslog import LossLog
from .objective import gradients, total_weight
from .penalty import l2_penalty
from .stopping import DivergenceMonitor, deferred_interrupt, diverged


@dataclass
class Dataset:
    """Inputs, targets (``(n_samples, n_outputs)``) and optional sample weights."""

    X: object
    Y: np.ndarray
    sample_weight: np.ndarray = None


@dataclass
class Plan:
    """How to train, beyond the network, loss, optimizer and data.

    Attributes
    ----------
    epochs : int
        Largest number of epochs.
    batch_size : int or None
        Rows per step; ``None`` takes every row at once (full batch).
    rng : numpy.random.RandomState or None
        Draws a new order of rows each epoch; ``None`` keeps the data's order.
    alpha : float
        L2 penalty on the weights.
    schedule : Constant, InvScaling or Adaptive, or None
        Learning-rate schedule; ``None`` keeps ``optimizer.lr``.
    plateau : Plateau or None
        Stopping rule on the validation loss if ``validation`` is given, else on
        the training loss; ``None`` runs every epoch.
    validation : Dataset or None
        Held-out data scored after each epoch. With a ``plateau`` keeping the best
        parameters, the network ends with the parameters of the best epoch.
    on_epoch : callable or None
        Called as ``on_epoch(epoch, loss)`` right after each epoch; returning True
        stops training there.
    report : callable or None
        Called as ``report(epoch, loss)`` for every epoch, in order, but possibly
        some epochs later (see ``losslog.py``); it cannot stop training.
    t : int
        Samples seen before this call; the invscaling schedule counts them too.
    history : sequence of float
        Losses of the earlier calls this one continues (``partial_fit``, one
        epoch a call): the divergence check counts them as epochs of this run.
    """

    epochs: int
    batch_size: int = None
    rng: object = None
    alpha: float = 0.0
    schedule: object = None
    plateau: object = None
    validation: Dataset = None
    on_epoch: object = None
    report: object = None
    t: int = 0
    history: tuple = ()


@dataclass
class TrainingResult:
    """What a call of :func:`train` did.

    Attributes
    ----------
    loss_curve : list of float
        Training loss of each epoch, computed before its updates.
    validation_loss_curve, validation_scores : list of float or None
        Loss and score on the validation data after each epoch, if any.
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
    abnormal : tuple of (int, str) or None
        L-BFGS only: SciPy's iteration count and message where it stopped
        abnormally.
    """

    loss_curve: list = field(default_factory=list)
    validation_loss_curve: list = None
    validation_scores: list = None
    n_iter: int = 0
    t: int = 0
    stopped: bool = False
    interrupted: bool = False
    best_epoch: int = None
    abnormal: tuple = None


def train_step(network, loss, optimizer, X, Y, sample_weight, alpha=0.0):
    """One gradient evaluation, then one update; return the output before it."""
    P = gradients(network, loss, X, Y, sample_weight, alpha)
    optimizer.update(network.params, network.grads)
    return P


def run_epoch(network, loss, optimizer, batches, alpha=0.0):
    """One pass over the data, a batch at a time.

    A batch whose sample weights are all zero adds nothing to the loss or its
    gradient: it takes no step (which would divide by its zero total weight).

    Returns
    -------
    P : ndarray of shape (n_samples, n_outputs)
        Each batch's output before its update, in the order of ``batches.Y``.
    penalty : float
        Mean of the batches' L2 penalties before their updates, weighted by their
        total sample weights.
    """
    outputs, penalty = [], 0.0
    for X, Y, w in batches:
        if w is not None and not w.sum() > 0:
            outputs.append(network.forward(X))  # the epoch's loss needs its rows
            continue
        if alpha:
            penalty += l2_penalty(network, alpha, 1.0)
        outputs.append(train_step(network, loss, optimizer, X, Y, w, alpha))
    if alpha:
        # Batch b's penalty is divided by its total weight W_b, and the epoch's
        # mean weighs it by W_b: what remains is their sum over the epoch's weight.
        penalty /= total_weight(batches.Y, batches.sample_weight)
    P = outputs[0] if len(outputs) == 1 else np.concatenate(outputs)
    return P, penalty


def train(network, loss, optimizer, data, plan):
    """Train ``network`` in place for at most ``plan.epochs`` epochs.

    Parameters
    ----------
    network : Network
    loss : a loss of ``LOSSES``, fused with ``network.out_activation``
    optimizer : an optimizer of ``OPTIMIZERS``
    data : Dataset
        Training data.
    plan : Plan

    Returns
    -------
    result : TrainingResult

    Raises
    ------
    DivergenceError
        If training diverges (see ``stopping.DivergenceMonitor``); the network is
        then unusable and should be discarded.
    """
    batches = Batches(data, plan.batch_size, plan.rng)
    result = TrainingResult()
    if plan.validation is not None:
        result.validation_loss_curve, result.validation_scores = [], []
    baseline = loss.baseline(data.Y, data.sample_weight)
    monitor = DivergenceMonitor(baseline, plan.history, plan.alpha)
    before = len(plan.history)
    # Losses may wait when nothing in the loop needs them at once.
    waits = plan.on_epoch is None and plan.plateau is None and plan.validation is None
    epoch_bytes = data.Y.size * network.dtype.itemsize
    log = LossLog(loss, epoch_bytes, deferred=waits and not batches.shuffled)

    def record(losses):
        for value in losses:
            monitor.check(before + len(result.loss_curve), value, optimizer.lr)
            result.loss_curve.append(value)
            if plan.report is not None:
                plan.report(len(result.loss_curve) - 1, value)

    # Overflow on the way to a non-finite loss is expected when training diverges;
    # it is reported once, as a DivergenceError, instead of as NumPy warnings.
    with (
        np.errstate(over="ignore", invalid="ignore", divide="ignore"),
        deferred_interrupt() as interrupt,
    ):
        for epoch in range(plan.epochs):
            batches.start_epoch()
            P, penalty = run_epoch(network, loss, optimizer, batches, plan.alpha)
            record(log.add(P, batches.Y, batches.sample_weight, penalty))
            result.n_iter += 1
            result.t += batches.n_samples
            if _end_epoch(epoch, network, loss, optimizer, plan, result, interrupt):
                break
        record(log.flush())
        if not np.isfinite(network.params).all():
            raise diverged(
                result.n_iter,
                "the weights stopped being finite",
                optimizer.lr,
                plan.alpha,
            )
    if plan.plateau is not None and plan.plateau.best_state is not None:
        network.set_state(plan.plateau.best_state)
        result.best_epoch = plan.plateau.best_epoch
    return result


def _end_epoch(epoch, network, loss, optimizer, plan, result, interrupt):
    """Run what watches each epoch, in order; return True to stop training."""
    monitored = result.loss_curve[-1] if result.loss_curve else None
    if plan.validation is not None:
        monitored = _validate(network, loss, plan.validation, result)
    if plan.schedule is not None:
        plan.schedule.epoch_end(optimizer, plan.t + result.t)
    if plan.on_epoch is not None and plan.on_epoch(epoch, result.loss_curve[-1]):
        result.stopped = True
    elif interrupt["interrupted"]:
        result.interrupted = True
    elif plan.plateau is not None and plan.plateau.update(epoch, monitored, network):
        if plan.schedule is not None and plan.schedule.plateau(optimizer):
            plan.plateau.restart()
        else:
            result.stopped = True
    return result.stopped or result.interrupted


def _validate(network, loss, validation, result):
    """Score the held-out data; record and return its loss."""
    P = network.forward(validation.X)
    value = loss.loss(validation.Y, P, validation.sample_weight)
    result.validation_loss_curve.append(value)
    result.validation_scores.append(loss.score(validation.Y, P))
    return value
