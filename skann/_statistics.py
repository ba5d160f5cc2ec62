"""The features' statistics of a fit, which ``standardize=True`` folds into the
first layer (see ``_core/scaling.py``)."""

from ._arrays import host
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
