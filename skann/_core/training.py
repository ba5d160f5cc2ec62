"""The training loop: epochs made of batches made of steps.

:func:`train_step` is one gradient and one update; :func:`run_epoch` one pass over
the data, a batch at a time (see ``batches.py``); :func:`train` runs the epochs and,
after each, the pieces that watch it: validation, the learning-rate schedule, the
callbacks, Ctrl-C and the stopping rule. The loss recorded for an epoch is the one
computed before its updates, as in the seed's ``costs``; with several batches it is
their weighted mean (see ``losslog.py``).
"""

import math

import numpy as np

from .batches import Batches
from .losslog import LossLog
from .namespaces import all_finite, itemsize
from .objective import gradients, total_weight
from .plan import TrainingResult
from .stopping import DivergenceMonitor, deferred_interrupt, diverged


def train_step(network, loss, optimizer, X, Y, sample_weight, penalty=None):
    """One gradient evaluation, then one update; return the output before it.

    The output returned is the whole network's: with dropout, which the gradient's
    training pass applies, one more pass without it gives the loss curve's.
    """
    whole = network.forward(X) if network.stochastic else None
    P = gradients(network, loss, X, Y, sample_weight, penalty)
    optimizer.update(network.params, network.grads)
    return P if whole is None else whole


def run_epoch(network, loss, optimizer, batches, penalty=None):
    """One pass over the data, a batch at a time.

    A batch whose sample weights are all zero adds nothing to the loss or its
    gradient: it takes no step (which would divide by its zero total weight).

    Returns
    -------
    P : array of shape (n_samples, n_outputs)
        Each batch's output before its update, in the order of ``batches.Y``.
    penalty_value : float
        Mean of the batches' L2 penalties before their updates, weighted by their
        total sample weights.
    """
    outputs, weighted, xp = [], 0.0, network.xp
    for X, Y, w in batches:
        batch_weight = total_weight(X, w, xp)
        if not batch_weight > 0:
            outputs.append(network.forward(X))  # the epoch's loss needs its rows
            continue
        if penalty:
            weighted += penalty.value(network, batch_weight) * batch_weight
        outputs.append(train_step(network, loss, optimizer, X, Y, w, penalty))
    penalty_value = 0.0
    if penalty:
        penalty_value = weighted / total_weight(batches.Y, batches.sample_weight, xp)
    if len(outputs) == 1:
        return outputs[0], penalty_value
    if xp is np:  # NumPy 1.x names the standard's concat concatenate
        return np.concatenate(outputs), penalty_value
    return xp.concat(outputs), penalty_value


def train(network, loss, optimizer, data, plan):
    """Train ``network`` in place for at most ``plan.epochs`` epochs.

    Parameters
    ----------
    network : Network
    loss : a loss of ``LOSSES``, fused with ``network.out_activation``
    optimizer : an optimizer of ``OPTIMIZERS``
    data : Dataset
        Training data, arrays of the network's namespace (sparse X: NumPy only).
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
    xp = network.xp
    _check_namespace(optimizer, xp)
    batches = Batches(data, plan.batch_size, plan.rng, xp, plan.equal_batches)
    result = TrainingResult()
    if plan.validation is not None:
        result.validation_loss_curve, result.validation_scores = [], []
    baseline = loss.baseline(data.Y, data.sample_weight, xp)
    record = _Recorder(baseline, plan, result)
    # Losses may wait when nothing in the loop needs them at once.
    waits = plan.on_epoch is None and plan.plateau is None and plan.validation is None
    epoch_bytes = math.prod(data.Y.shape) * itemsize(network.dtype, xp)
    log = LossLog(loss, epoch_bytes, waits and not batches.shuffled, xp)
    # Overflow on the way to a non-finite loss is expected when training diverges;
    # it is reported once, as a DivergenceError, instead of as NumPy warnings (the
    # other namespaces do not warn).
    with (
        np.errstate(over="ignore", invalid="ignore", divide="ignore"),
        deferred_interrupt() as interrupt,
    ):
        for epoch in range(plan.epochs):
            batches.start_epoch()
            P, penalty = run_epoch(network, loss, optimizer, batches, plan.penalty)
            state = optimizer.get_state()
            # Only a penalty or an optimizer's moments make values decay toward 0.
            if xp is np and (plan.penalty or state):
                flush_subnormals(network.params, *state.values())
            record(log.add(P, batches.Y, batches.sample_weight, penalty), optimizer)
            result.n_iter += 1
            result.t += batches.n_samples
            if _end_epoch(epoch, network, loss, optimizer, plan, result, interrupt):
                break
        record(log.flush(), optimizer)
        if not all_finite(network.params, xp):
            what = "the weights stopped being finite"
            raise diverged(result.n_iter, what, optimizer.lr, _named(plan.penalty))
    plateau = plan.plateau
    if plateau is not None and plateau.best_state is not None:
        # The validation loss chooses the weights; the training loss only when
        # the run ended above its lowest by more than tol, inside a jump of it.
        if plan.validation is not None or plateau.ends_worse(result.loss_curve[-1]):
            network.set_state(plateau.best_state)
            result.best_epoch = plateau.best_epoch
    return result


def flush_subnormals(*arrays):
    """Set the entries of NumPy float arrays that became subnormal to zero, in place.

    A weight that the data no longer move, such as an input weight of a dead ReLU
    unit, decays under the penalty through the subnormal numbers, on which a CPU
    computes many times slower: at ``alpha='auto'`` in batches of 128, 100 000 x
    20 trained in 56 s instead of 11 s. Once an epoch is enough to end that. Plain
    gradient descent with no penalty has nothing that decays and skips the pass,
    which made the textbook's 10 000 epochs on four rows 20% slower.
    """
    for array in arrays:
        if isinstance(array, np.ndarray) and array.dtype.kind == "f":
            array[np.abs(array) < np.finfo(array.dtype).tiny] = 0


class _Recorder:
    """Appends each epoch's loss to the result, once the divergence check passed."""

    def __init__(self, baseline, plan, result):
        self.monitor = DivergenceMonitor(
            baseline, _named(plan.penalty), plan.baseline_words
        )
        self.report = plan.report
        self.curve = result.loss_curve

    def __call__(self, losses, optimizer):
        for value in losses:
            self.monitor.check(len(self.curve), value, optimizer.lr)
            self.curve.append(value)
            if self.report is not None:
                self.report(len(self.curve) - 1, value)


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
    Y, w, xp = validation.Y, validation.sample_weight, network.xp
    value = loss.loss(Y, P, w, xp)
    result.validation_loss_curve.append(value)
    result.validation_scores.append(loss.score(Y, P, w, xp))
    return value


def _check_namespace(optimizer, xp):
    """Raise unless ``optimizer`` keeps its state in the network's namespace."""
    theirs = getattr(optimizer, "xp", np)
    if theirs is not xp:
        raise ValueError(
            f"The optimizer keeps its state in {theirs.__name__} but the network's "
            f"parameters are in {xp.__name__}; give the optimizer the network's "
            "namespace as xp."
        )


def _named(penalty):
    """The penalty as errors name it; 0.0 for none."""
    return penalty.named if penalty else 0.0
