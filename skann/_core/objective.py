"""The objective every solver evaluates: the loss's gradient at the parameters.

One forward pass, the loss's gradient with respect to the output logits (fused with
the output activation, see ``losses.py``), one backward pass and, with ``alpha``, the
L2 penalty's gradient. Training steps (``training.py``) and L-BFGS (``lbfgs.py``) both
go through :func:`gradients`.
"""

from .penalty import add_l2_gradient, l2_penalty


def gradients(network, loss, X, Y, sample_weight, alpha=0.0):
    """Forward and backward pass; the gradient lands in ``network.grads``.

    Parameters
    ----------
    network : Network
    loss : a loss of ``LOSSES``, fused with ``network.out_activation``
    X : array or scipy.sparse matrix of shape (n_samples, n_features)
    Y : array of shape (n_samples, n_outputs)
    sample_weight : array of shape (n_samples,) or None
        Arrays of the network's namespace.
    alpha : float, default=0.0
        L2 penalty on the weights.

    Returns
    -------
    P : array of shape (n_samples, n_outputs)
        The output at the current parameters, from which the loss follows.
    """
    P = network.forward(X)
    network.backward(loss.gradient(Y, P, sample_weight, network.xp))
    if alpha:
        total = total_weight(X, sample_weight, network.xp)
        add_l2_gradient(network, alpha, total)
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
    value = loss.loss(Y, P, sample_weight, network.xp)
    if alpha:
        total = total_weight(X, sample_weight, network.xp)
        value += l2_penalty(network, alpha, total)
    return value


def total_weight(X, sample_weight, xp):
    """Sum of the sample weights (of namespace ``xp``); ``X``'s rows if unweighted."""
    return X.shape[0] if sample_weight is None else float(xp.sum(sample_weight))
