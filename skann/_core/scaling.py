"""Standardised inputs, folded into the first layer.

A network trained on features in their own units (counts in the thousands, areas,
money) starts with pre-activations far from the spread its initial weights and
its learning rate assume, and one feature in large units drowns the others. The
first layer can learn on ``(X - mean) / scale`` instead, without a standardised
copy of ``X``: its trained weights ``W'`` and biases ``b'`` act on the raw rows as

    W = W' / scale[:, None]          b = b' - (mean / scale) @ W'

so the product stays ``X @ W + b`` on ``X`` as it is, dense or sparse (the
centring lives in the bias and never touches a sparse matrix's zeros). The
gradients follow from the chain rule (see ``layers.StandardisedDense``). The
weights a model keeps are those of the raw units (:func:`fold`); a later fit
that continues it goes back to the trained ones (:func:`unfold`).
"""

import numpy as np

from .namespaces import namespace, take_rows

#: Rows of a dense input read at once while computing its statistics, so that
#: no copy of the whole input is made.
CHUNK_ROWS = 2**12


def moments(X, sample_weight=None, xp=None):
    """Weighted mean and variance of each column of ``X``.

    Rows of zero weight do not count. Computed a chunk of rows at a time, in
    float64 where the namespace is NumPy.

    Parameters
    ----------
    X : array or scipy.sparse matrix of shape (n_samples, n_features)
    sample_weight : array of shape (n_samples,) or None, default=None
    xp : namespace, default=None

    Returns
    -------
    mean, variance : arrays of shape (n_features,)
        Of ``xp``, in float64 for NumPy and in ``X``'s dtype elsewhere.
    """
    xp = namespace(xp)
    n = X.shape[0]
    chunks = [slice(i, min(i + CHUNK_ROWS, n)) for i in range(0, n, CHUNK_ROWS)]
    if xp is np:
        return _numpy_stats(X, sample_weight, chunks)
    dtype = X.dtype
    if sample_weight is None:
        w = xp.ones(n, dtype=dtype, device=X.device)
    else:
        w = xp.astype(sample_weight, dtype)
    total = xp.sum(w)
    sums = xp.zeros(X.shape[1], dtype=dtype, device=X.device)
    for rows in chunks:
        part, w_part = _counted(take_rows(X, rows, xp), w[rows], xp)
        sums += w_part @ part
    mean = sums / total
    squares = xp.zeros_like(sums)
    for rows in chunks:
        part, w_part = _counted(take_rows(X, rows, xp), w[rows], xp)
        squares += w_part @ (part - mean) ** 2
    # The rows of zero weight were counted at the mean above, adding nothing.
    return mean, squares / total


def _counted(X, w, xp):
    """``X`` with its rows of zero weight set to zero, and ``w``."""
    return xp.where(xp.reshape(w > 0, (-1, 1)), X, xp.zeros_like(X)), w


def _numpy_stats(X, w, chunks):
    dense = isinstance(X, np.ndarray)
    w = np.ones(X.shape[0]) if w is None else np.asarray(w, dtype=np.float64)
    sums = np.zeros(X.shape[1])
    squares = np.zeros(X.shape[1])
    with np.errstate(over="ignore", invalid="ignore"):
        for rows in chunks:
            kept = np.flatnonzero(w[rows] > 0)
            part, w_part = X[rows][kept], w[rows][kept]
            if dense:
                part = part.astype(np.float64, copy=False)
                sums += w_part @ part
            else:
                sums += part.T @ w_part
                squares += part.multiply(part).T @ w_part
        total = float(np.sum(w))
        mean = sums / total
        if dense:
            # A second pass over the centred rows keeps the deviation of a column
            # far from zero (years, say) exact.
            for rows in chunks:
                kept = np.flatnonzero(w[rows] > 0)
                part = X[rows][kept].astype(np.float64, copy=False) - mean
                squares += w[rows][kept] @ (part * part)
            variance = squares / total
        else:
            variance = np.maximum(squares / total - mean * mean, 0.0)
    return mean, variance


def merged(first, second):
    """``(mean, variance, weight)`` of two sets of rows taken together.

    Each set is given as its own ``(mean, variance, total weight)``, as
    StandardScaler's ``partial_fit`` combines its batches.
    """
    (mean_a, var_a, weight_a), (mean_b, var_b, weight_b) = first, second
    weight = weight_a + weight_b
    if not weight_a > 0:
        return second
    delta = mean_b - mean_a
    mean = mean_a + delta * (weight_b / weight)
    share_a, share_b = weight_a / weight, weight_b / weight
    variance = share_a * var_a + share_b * var_b + delta * delta * (share_a * share_b)
    return mean, variance, weight


def scales(mean, variance, xp):
    """``(mean, scale)`` that standardise columns of the given moments.

    A column whose deviation is zero, or too small against its mean to be told
    from rounding, or not finite, gets a scale of 1, so that it is only
    centred; a mean that is not finite, 0.
    """
    scale = xp.sqrt(variance)
    finite = xp.isfinite(mean) & xp.isfinite(scale)
    eps = xp.finfo(scale.dtype).eps
    tiny = scale <= 10 * eps * xp.abs(mean)
    ones = xp.ones_like(scale)
    scale = xp.where(finite & ~tiny, scale, ones)
    mean = xp.where(finite, mean, xp.zeros_like(mean))
    return mean, scale


def fold(W, b, mean, scale, xp):
    """The first layer's ``W`` and ``b`` on raw inputs, from the trained ones."""
    W_raw = W / xp.reshape(scale, (-1, 1))
    return W_raw, b - mean @ W_raw


def unfold(W, b, mean, scale, xp):
    """The trained ``W'`` and ``b'`` of a first layer given on raw inputs."""
    return W * xp.reshape(scale, (-1, 1)), b + mean @ W
