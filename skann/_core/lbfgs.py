"""Full-batch training with L-BFGS-B (SciPy) on the network's own loss and gradient.

L-BFGS sees the network as one flat parameter vector, which is exactly how the
network stores its weights, so evaluating the loss at a point is a copy into
``params`` followed by a forward and a backward pass. SciPy's vector is a float64
NumPy array on the host; in another namespace the loss and its gradient are computed
where the network lives, and only the vector and its gradient travel.
"""

import numpy as np
from scipy.optimize import minimize

from .batches import with_ones_column
from .interrupts import deferred_interrupt
from .namespaces import all_finite, from_numpy, to_numpy
from .objective import loss_and_gradients
from .plan import TrainingResult
from .stopping import diverged


def train_lbfgs(network, loss, data, epochs, *, penalty=None, tol=None, on_epoch=None):
    """Train ``network`` in place with at most ``epochs`` L-BFGS iterations.

    Parameters
    ----------
    network, loss, data
        As for :func:`~skann._core.training.train`; the data are used whole at
        every evaluation.
    epochs : int
        Largest number of L-BFGS iterations.
    penalty : L2Penalty or None, default=None
        The penalty on the weights (``penalty.py``).
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
        _load(network, theta)
        value = loss_and_gradients(network, loss, X, Y, w, penalty)
        result.t += X.shape[0]
        return value, _host(network.grads, network.xp)

    options = {"maxiter": epochs, "maxfun": max(15000, 2 * epochs)}
    if tol is not None:
        options["gtol"] = tol
    with (
        np.errstate(over="ignore", invalid="ignore", divide="ignore"),
        deferred_interrupt() as interrupt,
    ):
        start, _ = loss_and_gradient(_host(network.params, network.xp))
        iterations = _Iterations(result, start, on_epoch, interrupt)
        solution = minimize(
            loss_and_gradient,
            _host(network.params, network.xp),
            method="L-BFGS-B",
            jac=True,
            callback=iterations,
            options=options,
        )
    _load(network, solution.x)
    return _finish(result, solution, network, epochs, start, iterations.halted)


def _host(vector, xp):
    """A float64 copy of ``vector`` on the host, as SciPy takes it."""
    return to_numpy(vector, xp).astype(np.float64)


def _load(network, theta):
    """Copy SciPy's ``theta`` into the network's parameters, where they live."""
    network.params[:] = from_numpy(theta, network.xp, network.dtype, network.device)


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
    finite = all_finite(network.params, network.xp)
    if not finite or not np.isfinite(solution.fun):
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
