"""The objective every solver evaluates: the loss's gradient at the parameters.

One forward pass, the loss's gradient with respect to the output logits (fused with
the output activation, see ``losses.py``), one backward pass and, with ``alpha``, the
L2 penalty's gradient. Training steps (``training.py``) and L-BFGS (``lbfgs.py``) both
go through :func:`gradients`.
"""

import numpy as np

from .penalty import add_l2_gradient, l2_penalty


def gradients(network, loss, X, Y, sample_weight, alpha=0.0):
    """Forward and backward pass; the gradient lands in ``network.grads``.

    Parameters
    ----------
    network : Network
    loss : a loss of ``LOSSES``, fused with ``network.out_activation``
    X : ndarray or scipy.sparse matrix of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,) or None
    alpha : float, default=0.0
        L2 penalty on the weights.

    Returns
    -------
    P : ndarray of shape (n_samples, n_outputs)
        The output at the current parameters, from which the loss follows.
    """
    P = network.forward(X)
    network.backward(loss.gradient(Y, P, sample_weight))
    if alpha:
        add_l2_gradient(network, alpha, total_weight(X, sample_weight))
    return P


def loss_and_gradients(network, loss, X, Y, sample_weight, alpha=0.0):
    """Loss at the current parameters; their gradient lands in ``network.grads``.

    Parameters
    ----------
    network, loss, X, Y, sample_weight, alpha
        As in :func:`gradients`.

    Returns
    -------
    loss : float
        The loss, penalty included.
    """
    P = gradients(network, loss, X, Y, sample_weight, alpha)
    value = loss.loss(Y, P, sample_weight)
    if alpha:
        value += l2_penalty(network, alpha, total_weight(X, sample_weight))
    return value


def total_weight(X, sample_weight):
    """Sum of the sample weights; the number of samples when unweighted."""
    return X.shape[0] if sample_weight is None else float(np.sum(sample_weight))
