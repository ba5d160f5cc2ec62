"""The L2 penalty on the weights, its gradient, and the inputs' share of it.

Biases are not penalised. The penalty ``alpha / 2 * sum(W**2)`` is divided by a
total sample weight, which keeps its share of the loss (a weighted mean over rows)
independent of how many rows it is added to. scikit-learn's MLPClassifier divides
it by each batch's total weight, so that its share is the same for every data set;
dividing it by the training set's total weight makes it the penalty of the whole
set, whose share falls as the data grow, as a prior's does.
"""

import numpy as np

from .namespaces import namespace


class L2Penalty:
    """``alpha / 2 * sum(W**2) / total`` over every weight matrix.

    Parameters
    ----------
    alpha : float
        Strength; 0 is no penalty.
    total : float or None, default=None
        The total sample weight the penalty is divided by: ``None`` takes each
        batch's (scikit-learn's MLPs), a number is the training set's.
    input_weights : array of shape (n_features,) or None, default=None
        Weighs the squares of the first layer's weights row by row, the weights
        of feature ``j`` by ``input_weights[j]`` (see :func:`input_weights`).
    named : object, default=None
        The penalty as errors name it (``alpha=...``); ``alpha`` if None.
    """

    def __init__(self, alpha=0.0, total=None, input_weights=None, named=None):
        self.alpha, self.total = alpha, total
        self.input_weights = input_weights
        self.named = alpha if named is None else named

    def __bool__(self):
        return self.alpha > 0

    def factor(self, batch_weight):
        """The gradient's factor on a batch of total weight ``batch_weight``."""
        return self.alpha / (batch_weight if self.total is None else self.total)

    def value(self, network, batch_weight):
        """The penalty added to the loss of a batch of total weight ``batch_weight``."""
        xp = network.xp
        squares = 0.0
        for i, W in enumerate(network.coefs):
            if i == 0 and self.input_weights is not None:
                # einsum sums each row's squares without forming W * W: on the
                # TF-IDF fit's 233 000 first-layer weights, 0.07 ms a batch, not 0.24.
                if xp is np:
                    rows = np.einsum("ij,ij->i", W, W)
                else:
                    rows = xp.sum(W * W, axis=1)
                squares += float(xp.sum(rows * self.input_weights))
            elif xp is np:
                # np.vdot takes the sum of squares in one BLAS call, without W * W.
                squares += float(np.vdot(W, W))
            else:
                squares += float(xp.sum(W * W))  # summed on the device
        return 0.5 * self.factor(batch_weight) * squares

    def add_gradient(self, network, batch_weight):
        """Add the penalty's gradient on a batch of ``batch_weight`` to each dW.

        Called after a backward pass, whose weights each layer still holds.
        """
        factor = self.factor(batch_weight)
        for i, layer in enumerate(network.dense):
            if i == 0 and self.input_weights is not None:
                column = factor * network.xp.reshape(self.input_weights, (-1, 1))
                layer.dW += column * layer.W
            else:
                layer.dW += factor * layer.W


def input_weights(X, sample_weight=None, xp=None, chunk=2**16):
    """Each feature's mean square, capped at 1: the first layer's share of the penalty.

    A feature of small values moves the output only through large weights; the
    plain penalty holds that against it, and on TF-IDF text, whose features have
    mean squares near ``1 / n_features``, it kept the model from the words. Weighed
    by the mean square, a feature's weights are penalised as if it had unit mean
    square. The cap leaves features of large units under the plain penalty:
    uncapped, raw wine and breast cancer lost accuracy (``benchmarks/README.md``).
    The mean is weighted by ``sample_weight``, so that a weight equals repeating
    its row; a sparse ``X``'s zeros count; squares that overflow reach the cap.
    """
    xp = namespace(xp)
    w = sample_weight
    if xp is not np:
        # Weighted before squared, as NumPy's: a zero weight times a square that
        # overflows would be NaN, where the row should count for nothing.
        squares = X * X if w is None else X * xp.reshape(w, (-1, 1)) * X
        total = X.shape[0] if w is None else xp.sum(w)
        return xp.clip(xp.sum(squares, axis=0) / total, max=1.0)
    with np.errstate(over="ignore"):
        if isinstance(X, np.ndarray):
            sums = np.zeros(X.shape[1])
            for start in range(0, X.shape[0], chunk):
                rows = X[start : start + chunk]
                weighted = rows if w is None else rows * w[start : start + chunk, None]
                sums += np.einsum("ij,ij->j", weighted, rows)
        else:
            X = X.tocsr()
            squares = np.square(X.data)
            if w is not None:
                squares *= np.repeat(w, np.diff(X.indptr))
            sums = np.bincount(X.indices, weights=squares, minlength=X.shape[1])
    total = X.shape[0] if w is None else float(np.sum(w))
    means = np.minimum(sums / total if total > 0 else sums, 1.0)
    return means.astype(X.dtype, copy=False)
