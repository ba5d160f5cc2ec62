"""Full-batch training with L-BFGS-B (SciPy) on the network's own loss and gradient.

L-BFGS sees the network as one flat parameter vector, which is exactly how the
network stores its weights, so evaluating the loss at a point is a copy into
``params`` followed by a forward and a backward pass.
"""

import numpy as np
from scipy.optimize import minimize

from .batches import with_ones_column
from .interrupts import deferred_interrupt
from .objective import loss_and_gradients
from .plan import TrainingResult
from .stopping import diverged


def train_lbfgs(network, loss, data, epochs, *, alpha=0.0, tol=None, on_epoch=None):
    """Train ``network`` in place with at most ``epochs`` L-BFGS iterations.

    Parameters
    ----------
    network, loss, data
        As for :func:`~skann._core.training.train`; the data are used whole at
        every evaluation.
    epochs : int
        Largest number of L-BFGS iterations.
    alpha : float, default=0.0
        L2 penalty on the weights.
    tol : float, default=None
        Gradient tolerance (SciPy's ``gtol``); ``None`` keeps SciPy's default.
    on_epoch : callable, default=None
        Called as ``on_epoch(iteration, loss)`` after each iteration, with the loss
        before it; returning True stops training there.

    Returns
    -------
    result : TrainingResult
        ``loss_curve[i]`` is the loss before iteration ``i`` (an iteration SciPy
        abandons counts); ``t`` counts the samples of every loss evaluation;
        ``abnormal`` holds SciPy's iteration count and message if it stopped
        abnormally.
    """
    X, Y, w = with_ones_column(data.X), data.Y, data.sample_weight
    result = TrainingResult()

    def loss_and_gradient(theta):
        network.params[:] = theta
        value = loss_and_gradients(network, loss, X, Y, w, alpha)
        result.t += X.shape[0]
        return value, network.grads.astype(np.float64)

    options = {"maxiter": epochs, "maxfun": max(15000, 2 * epochs)}
    if tol is not None:
        options["gtol"] = tol
    with (
        np.errstate(over="ignore", invalid="ignore", divide="ignore"),
        deferred_interrupt() as interrupt,
    ):
        start, _ = loss_and_gradient(network.params.astype(np.float64))
        iterations = _Iterations(result, start, on_epoch, interrupt)
        solution = minimize(
            loss_and_gradient,
            network.params.astype(np.float64),
            method="L-BFGS-B",
            jac=True,
            callback=iterations,
            options=options,
        )
    network.params[:] = solution.x
    return _finish(result, solution, network, epochs, start, iterations.halted)


class _Iterations:
    """SciPy's callback: records the loss before each iteration, and stops."""

    def __init__(self, result, start, on_epoch, interrupt):
        self.result, self.previous = result, start
        self.on_epoch, self.interrupt = on_epoch, interrupt
        self.halted = False

    def __call__(self, intermediate_result):
        before, self.previous = self.previous, float(intermediate_result.fun)
        curve = self.result.loss_curve
        curve.append(before)
        stop = self.on_epoch is not None and self.on_epoch(len(curve) - 1, before)
        self.result.interrupted = not stop and self.interrupt["interrupted"]
        if stop or self.result.interrupted:
            # SciPy ends the minimisation when its callback raises StopIteration,
            # with the status of an abnormal stop.
            self.halted = True
            raise StopIteration


def _finish(result, solution, network, epochs, start, halted):
    """Complete ``result`` from SciPy's ``solution``; raise if it diverged."""
    if not np.isfinite(network.params).all() or not np.isfinite(solution.fun):
        raise diverged(
            len(result.loss_curve), "the weights or the loss stopped being finite", None
        )
    if not result.loss_curve:
        result.loss_curve.append(start)
    result.n_iter = len(result.loss_curve)
    result.stopped = solution.nit < epochs and not result.interrupted
    # The callback's StopIteration also ends with status 2; that stop was asked for.
    if solution.status == 2 and not halted:
        result.abnormal = (solution.nit, str(solution.message))
    return result
