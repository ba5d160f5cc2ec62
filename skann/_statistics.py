"""The features' statistics of a fit, which ``standardize=True`` folds into the
first layer (see ``_core/scaling.py``), and the targets' that ``normalize_y=True``
standardises them with."""

import numpy as np

from ._arrays import host
from ._core.namespaces import from_numpy
from ._core.objective import total_weight
from ._core.scaling import merged, moments, scales


def input_statistics(X, sample_weight, previous, standardize, home):
    """``(mean, scale, variance)`` of the features of a fit, or None, and the
    ratio of each new scale to the one before, or None.

    A new fit computes them (``standardize``); a fit that continues
    ``previous`` (``partial_fit``, ``warm_start``) merges its rows into
    ``previous``'s, whatever ``standardize`` says now, as StandardScaler's
    ``partial_fit`` does: a stream whose first call held one row, or one class,
    is soon standardised as a whole. The fitted weights are in ``X``'s units, so
    new statistics change no prediction. The arrays are in ``home``'s widest
    float; the ratio a NumPy array.
    """
    before = None if previous is None else getattr(previous, "x_mean_", None)
    if previous is None and standardize:
        mean, variance = moments(X, sample_weight, home.xp)
    elif before is None:  # not standardised, or saved before the statistics
        return None, None
    else:
        mean, variance, _ = merged(
            (before, previous._x_var_, previous._weight_seen_),
            (
                *moments(X, sample_weight, home.xp),
                float(total_weight(X, sample_weight, home.xp)),
            ),
        )
    mean, scale = scales(mean, variance, home.xp)
    ratio = None if previous is None else host(scale) / host(previous.x_scale_)
    stats = tuple(home.put(a, home.widest_float) for a in (mean, scale, variance))
    return stats, ratio


def power_of_two_above(a):
    """The smallest power of two above each entry of ``a`` (>= 0; 1 for 0).

    Dividing by it is exact and brings the entry below 1 in magnitude.
    """
    return np.ldexp(1.0, np.frexp(a)[1])


def target_moments(Y, sample_weight):
    """Each column's weighted mean and standard deviation, without overflow; the
    deviation is 0 for a column whose weighted rows are all equal, or whose spread
    is below the smallest normal float (all rounding)."""
    # Dividing by a power of two is exact and brings every value into [-1, 1]:
    # neither the squares nor the weighted sums can overflow, even near 1e308.
    unit = power_of_two_above(np.max(np.abs(Y), axis=0, initial=0.0))
    U = Y / unit
    mean = np.average(U, axis=0, weights=sample_weight)
    std = np.sqrt(np.average((U - mean) ** 2, axis=0, weights=sample_weight))
    weighted = U if sample_weight is None else U[sample_weight > 0]
    constant = weighted.max(axis=0) == weighted.min(axis=0)
    # An average of equal values may miss them by a rounding; the value itself
    # standardises them to exact zeros.
    mean = np.where(constant, weighted[0], mean)
    std = std * unit
    flat = constant | (std < np.finfo(np.float64).tiny)
    return mean * unit, np.where(flat, 0.0, std)


def target_statistics(Y, sample_weight, previous):
    """``(mean, std)`` of the targets ``Y`` (NumPy, as ``sample_weight``), merged
    into those of the rows ``previous`` (the fitted model continued, or None) was
    fitted on, as :func:`input_statistics` merges the features'.

    ``std`` is 0 where the rows seen are constant, as :func:`target_moments`
    has it: such a column is divided by 1, until rows with a spread come.
    ``previous`` keeps its deviations in ``_y_std_``.
    """
    mean, std = target_moments(Y, sample_weight)
    if previous is None:
        return mean, std
    weight = float(len(Y) if sample_weight is None else np.sum(sample_weight))
    old, before = host(previous.y_mean_), host(previous._y_std_)
    # In units of a power of two past every term, the squares cannot overflow.
    unit = power_of_two_above(np.max(np.abs([old, before, mean, std]), axis=0))
    mean, variance, _ = merged(
        (old / unit, (before / unit) ** 2, previous._weight_seen_),
        (mean / unit, (std / unit) ** 2, weight),
    )
    # Rows all equal merge to a variance of exactly 0, their means being the
    # values themselves; a spread below the smallest normal float is rounding.
    std = np.sqrt(variance) * unit
    return mean * unit, np.where(std < np.finfo(np.float64).tiny, 0.0, std)


def target_factors(network, ratio):
    """The factors :meth:`~skann._core.optimizers.Optimizer.rescale` divides the
    optimizer's state by once the targets' scales became ``1 / ratio`` times
    what they were (``ratio``: old scale over new, one per output), laid out as
    ``network.params``.

    The output layer is re-expressed in the new units, its column ``k``
    multiplied by ``ratio[k]``, and the loss of output ``k`` by ``ratio[k] **
    2``: the gradients of column ``k`` become ``ratio[k]`` times what they were,
    and those of the hidden layers ``ratio ** 2`` times (the mean over outputs,
    exact for one output or equal ratios), as if the run had been in the new
    units all along.
    """
    with np.errstate(over="ignore", divide="ignore"):
        hidden = 1.0 / np.mean(ratio**2)
        blocks = [np.full(shape, hidden) for shape in network.shapes]
        blocks[-1] = np.broadcast_to(1.0 / ratio, network.shapes[-1])
    flat = np.concatenate([np.ravel(block) for block in blocks])
    # A state whose scale leaves the dtype's range is as good as none: it is
    # divided by the widest factor whose square the dtype holds, not by inf.
    bound = float(network.xp.finfo(network.dtype).max) ** 0.5
    flat = np.clip(flat, 1.0 / bound, bound)
    return from_numpy(flat, network.xp, network.dtype, network.device)
