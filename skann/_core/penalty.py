"""The L2 penalty on the weights (``alpha``), and its gradient.

Biases are not penalised. The penalty is divided by the batch's total sample weight
(its size when unweighted), which keeps its share of the loss independent of the
batch size, as in scikit-learn's MLPClassifier.
"""

import numpy as np


def l2_penalty(network, alpha, total_weight):
    """Return ``alpha / 2 * sum(W**2) / total_weight`` over every weight matrix."""
    xp, coefs = network.xp, network.coefs
    if xp is np:
        # np.vdot takes the sum of squares in one BLAS call, without W * W.
        squares = sum(float(np.vdot(W, W)) for W in coefs)
    else:
        # Summed on the device, then one number comes back.
        squares = float(sum(xp.sum(W * W) for W in coefs))
    return 0.5 * alpha * squares / total_weight


def add_l2_gradient(network, alpha, total_weight):
    """Add the gradient of :func:`l2_penalty`, ``alpha * W / total_weight``, to dW.

    Called after a backward pass, whose weights each layer still holds.
    """
    factor = alpha / total_weight
    for layer in network.layers:
        layer.dW += factor * layer.W
