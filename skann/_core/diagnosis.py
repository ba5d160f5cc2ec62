"""What the trained network does on its training data, and what looks wrong in it.

Training records the loss of each epoch before its updates, so it never sees the
network it returns. :func:`final_pass` runs that network once over the training
data, a chunk of rows at a time: the loss at the final weights, and which ReLU
units ever fire. :func:`problems` compares them with the loss curve and with the
loss of predicting the class frequencies, and says in words what went wrong.
"""

from dataclasses import dataclass

import numpy as np

from .network import CHUNK_BYTES
from .objective import total_weight
from .penalty import l2_penalty


@dataclass
class FinalPass:
    """The trained network on its training data.

    Attributes
    ----------
    data_loss : float
        Loss at the final weights, without the L2 penalty.
    loss : float
        ``data_loss`` plus the L2 penalty: comparable to the loss curve.
    alive : list of ndarray of bool, or None
        For each hidden layer, whether each unit is positive on some row; None
        unless the hidden layers are ReLU.
    finite : bool
        Whether every output was finite.
    """

    data_loss: float
    loss: float
    alive: list
    finite: bool


def final_pass(network, loss, data, alpha=0.0):
    """Run ``network`` over ``data`` (a ``Dataset``); return a :class:`FinalPass`."""
    X, Y, w = data.X, data.Y, data.sample_weight
    n, chunk = X.shape[0], network.rows_per_chunk(CHUNK_BYTES)
    hidden = network.layers[:-1] if network.activation == "relu" else []
    alive = [np.zeros(layer.b.size, dtype=bool) for layer in hidden]
    weighted, finite = 0.0, True
    # Overflow here means the final update broke the network; the caller raises.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for start in range(0, n, chunk):
            rows = slice(start, start + chunk)
            w_rows = None if w is None else w[rows]
            P = network.forward(X[rows])
            finite = finite and bool(np.isfinite(P).all())
            part = total_weight(P, w_rows)
            if part > 0:
                weighted += loss.loss(Y[rows], P, w_rows) * part
            for units, layer in zip(alive, hidden):
                units |= (layer.A > 0).any(axis=0)
        data_loss = weighted / total_weight(X, w)
        penalty = l2_penalty(network, alpha, total_weight(X, w)) if alpha else 0.0
    finite = finite and np.isfinite(data_loss + penalty)
    return FinalPass(data_loss, data_loss + penalty, alive or None, finite)


def problems(final, loss_curve, baseline):
    """Say what went wrong in a training run, if anything.

    Parameters
    ----------
    final : FinalPass
        The network at the end of the run.
    loss_curve : sequence of float
        Training loss of each epoch of the run, before its updates.
    baseline : float
        Loss of predicting the class frequencies on the training data.

    Returns
    -------
    problems : list of str
        One sentence for each problem: the loss ended above ``baseline``, the loss
        rose over the run, or every unit of a ReLU hidden layer is dead.
    """
    found = []
    # A run still falling towards the class frequencies (a short one) is not
    # wrong; one that got below its final loss and came back up is.
    falling = not loss_curve or final.loss <= min(loss_curve)
    if final.data_loss > baseline and not falling:
        found.append(
            f"the training loss ended at {final.data_loss:.4g}, above "
            f"{baseline:.4g}, the loss of predicting the class frequencies"
        )
    if loss_curve and final.loss > loss_curve[0]:
        found.append(
            f"the training loss rose from {loss_curve[0]:.4g} at the start to "
            f"{final.loss:.4g} at the end"
        )
    for i, units in enumerate(final.alive or []):
        if not units.any():
            found.append(
                f"all {units.size} ReLU units of hidden layer {i + 1} are dead: "
                "none is positive on any training row, so the output ignores X"
            )
    return found
