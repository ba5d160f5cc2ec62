"""What the trained network does on its training data, and what looks wrong in it.

Training records the loss of each epoch before its updates, so it never sees the
network it returns. :func:`final_pass` runs that network over up to
``CHECKED_ROWS`` rows of the training data, spread evenly over it: the loss at the
final weights, and which ReLU units ever fire. A sample bounds the cost of the
check, a forward pass, to a few thousand rows whatever the size of the data; on a
two-epoch fit of 50 000 rows the whole data would add a sixth to the fit.
:func:`problems` compares them with the loss curve and with the
loss of predicting the class frequencies, and says in words what went wrong.
"""

import math
from dataclasses import dataclass

import numpy as np

from .activations import activation_of
from .namespaces import all_finite, device_of, from_numpy, take_rows, to_numpy
from .network import CHUNK_BYTES
from .objective import total_weight

#: Most training rows the final pass runs over.
CHECKED_ROWS = 2000
#: Relative change of a loss, against the baseline, too small to count.
LOSS_TOL = 1e-6
#: Epochs at the end of a run whose losses tell a swinging run from a falling one.
TAIL_EPOCHS = 10
#: A final loss below this share of the baseline's clearly beats it: a swinging or
#: rising penalised loss is then no sign of a failed fit.
CLEAR_WIN = 0.75
#: Spread of the predictions, against the targets', below which they barely vary.
FLAT_SPREAD = 0.01


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
        For each hidden layer, whether each unit is positive on some row (NumPy
        arrays, whatever the network's namespace); None unless the hidden layers
        are ReLU.
    finite : bool
        Whether every output was finite.
    n_rows : int
        Rows the pass ran over.
    flat : str or None
        How the outputs fail to vary where the targets do (see :func:`flat`), in
        words; None if they vary.
    """

    data_loss: float
    loss: float
    alive: list
    finite: bool
    n_rows: int
    flat: str = None


def final_pass(network, loss, data, penalty=None):
    """Run ``network`` over rows of ``data`` (a ``Dataset``); return a FinalPass."""
    xp = network.xp
    X, Y, w = data.X, data.Y, data.sample_weight
    penalty_weight = total_weight(X, w, xp)
    if X.shape[0] > CHECKED_ROWS:
        spread = np.linspace(0, X.shape[0] - 1, CHECKED_ROWS).round().astype(int)
        sample = from_numpy(spread, xp, device=device_of(Y, xp))
        X, Y = take_rows(X, sample, xp), take_rows(Y, sample, xp)
        w = None if w is None else take_rows(w, sample, xp)
    n, chunk = X.shape[0], network.rows_per_chunk(CHUNK_BYTES)
    dies = activation_of(network.activation).dies_at_zero
    hidden = network.dense[:-1] if dies else []
    alive = [None] * len(hidden)
    weighted, finite, outputs = 0.0, True, []
    # Overflow here means the final update broke the network; the caller raises.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for start in range(0, n, chunk):
            rows = slice(start, min(start + chunk, n))
            w_rows = None if w is None else take_rows(w, rows, xp)
            P = network.forward(take_rows(X, rows, xp))
            finite = finite and all_finite(P, xp)
            outputs.append(to_numpy(P, xp))
            part = total_weight(P, w_rows, xp)
            if part > 0:
                Y_rows = take_rows(Y, rows, xp)
                weighted += loss.loss(Y_rows, P, w_rows, xp) * part
            for i, layer in enumerate(hidden):
                fired = xp.any(layer.A > 0, axis=0)
                alive[i] = fired if alive[i] is None else alive[i] | fired
        data_loss = weighted / total_weight(X, w, xp)
        penalty_value = penalty.value(network, penalty_weight) if penalty else 0.0
    finite = finite and math.isfinite(data_loss + penalty_value)
    alive = [to_numpy(units, xp) for units in alive]
    counted = slice(None) if w is None else to_numpy(w, xp) > 0
    described = None
    if finite and n:
        P, Y = np.concatenate(outputs)[counted], to_numpy(Y, xp)[counted]
        described = flat(P, Y, network.out_activation)
    return FinalPass(
        data_loss, data_loss + penalty_value, alive or None, finite, n, described
    )


def flat(P, Y, out_activation):
    """Say how the outputs ``P`` fail to vary where the targets ``Y`` do, or None.

    A classifier fails when it predicts one class (one set of labels) for every
    row while the rows hold several; a regressor when the spread of each output
    that should vary is below ``FLAT_SPREAD`` times its target's. NumPy arrays
    of the rows that count (of positive weight).
    """
    n = P.shape[0]
    if out_activation in ("identity", "exp"):  # a regressor's outputs
        spread, wanted = P.std(axis=0), Y.std(axis=0)
        varies = wanted > 0
        if varies.any() and np.all(spread[varies] < FLAT_SPREAD * wanted[varies]):
            ratio = float(np.max(spread[varies] / wanted[varies]))
            return (
                f"its predictions barely vary: on the {n} training rows checked "
                f"their spread is {ratio:.2%} of the targets'"
            )
        return None
    if out_activation == "softmax":
        predicted = P == P.max(axis=1, keepdims=True)  # the likeliest class
    else:
        predicted = P > 0.5
    varies = Y.min(axis=0) != Y.max(axis=0)
    constant = predicted.min(axis=0) == predicted.max(axis=0)
    if varies.any() and constant[varies].all():
        labels = out_activation == "logistic" and Y.shape[1] > 1
        what = "the same labels" if labels else "one class"
        return f"it predicts {what} for every one of the {n} training rows checked"
    return None


def problems(final, loss_curve, baseline, baseline_words="the class frequencies"):
    """Say what went wrong in a training run, if anything.

    Parameters
    ----------
    final : FinalPass
        The network at the end of the run.
    loss_curve : sequence of float
        Training loss of each epoch of the run, before its updates.
    baseline : float
        Loss of always predicting the mean target on the training data.
    baseline_words : str, default="the class frequencies"
        What that prediction is, in the estimator's words.

    Returns
    -------
    problems : list of str
        One sentence for each problem: the loss ended above ``baseline``, the loss
        rose over the run, every unit of a ReLU hidden layer is dead, or the
        outputs do not vary where the targets do (``final.flat``).
    """
    found = []
    # The last epochs and the final weights: a run still falling through them (a
    # short one, say) is not wrong; one that swings or climbs back up is. Changes
    # within rounding of the baseline count for nothing.
    tail = [*loss_curve[-TAIL_EPOCHS:], final.loss]
    margin = LOSS_TOL * baseline
    falling = all(later <= earlier + margin for earlier, later in zip(tail, tail[1:]))
    worse = f"the loss of predicting {baseline_words}"
    # The loss curve holds the penalty, which grows with the weights as the model
    # learns: a model whose data loss ends well below the baseline's learnt
    # something, whatever the curve did on its way.
    beats = final.data_loss < CLEAR_WIN * baseline
    if final.data_loss > baseline + margin and not falling:
        found.append(
            f"the training loss ended at {final.data_loss:.4g}, above "
            f"{baseline:.4g}, {worse}"
        )
    elif max(tail) > baseline + margin and not falling and not beats:
        found.append(
            f"the training loss swung between {min(tail):.4g} and {max(tail):.4g} "
            f"over the last {len(tail) - 1} epochs, above {baseline:.4g}, {worse}"
        )
    if loss_curve and final.loss > loss_curve[0] and not beats:
        found.append(
            f"the training loss rose from {loss_curve[0]:.4g} at the start to "
            f"{final.loss:.4g} at the end"
        )
    for i, units in enumerate(final.alive or []):
        if not units.any():
            found.append(
                f"all {units.size} units of hidden layer {i + 1} are dead: "
                f"none is positive on any of the {final.n_rows} training rows "
                "checked, so the output ignores X"
            )
    if final.flat is not None:
        found.append(final.flat)
    return found
