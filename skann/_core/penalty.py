"""The L2 penalty on the weights (``alpha``), and its gradient.

Biases are not penalised. The penalty is divided by the batch's total sample weight
(its size when unweighted), which keeps its share of the loss independent of the
batch size, as in scikit-learn's MLPClassifier.
"""

import numpy as np


def l2_penalty(network, alpha, total_weight):
    """Return ``alpha / 2 * sum(W**2) / total_weight`` over every weight matrix."""
    squares = sum(float(np.vdot(layer.W, layer.W)) for layer in network.layers)
    return 0.5 * alpha * squares / total_weight


def add_l2_gradient(network, alpha, total_weight):
    """Add the gradient of :func:`l2_penalty`, ``alpha * W / total_weight``, to dW."""
    factor = alpha / total_weight
    for layer in network.layers:
        layer.dW += factor * layer.W
