"""The L2 penalty on the weights (``alpha``), and its gradient.

Biases are not penalised. The penalty is divided by the batch's total sample weight
(its size when unweighted), which keeps its share of the loss independent of the
batch size, as in scikit-learn's MLPClassifier.
"""

import numpy as np


def l2_penalty(network, alpha, total_weight):
    """Return ``alpha / 2 * sum(W**2) / total_weight`` over every weight matrix."""
    squares = sum(float(np.vdot(W, W)) for W in network.coefs)
    return 0.5 * alpha * squares / total_weight


def add_l2_gradient(network, alpha, total_weight, scale=1.0):
    """Add ``scale`` times the gradient of :func:`l2_penalty` to ``flat_grads``."""
    factor = scale * alpha / total_weight
    for W, dW in zip(network.coefs, network.grads):
        dW += factor * W
