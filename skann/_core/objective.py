"""The objective every solver evaluates: the loss's gradient at the parameters.

One forward pass, the loss's gradient with respect to the output logits (fused with
the output activation, see ``losses.py``), one backward pass and, with a
``penalty``, the L2 penalty's gradient. Training steps (``training.py``) and
L-BFGS (``lbfgs.py``) both go through :func:`gradients`.
"""


def gradients(network, loss, X, Y, sample_weight, penalty=None):
    """Forward and backward pass; the gradient lands in ``network.grads``.

    Parameters
    ----------
    network : Network
    loss : a loss of ``LOSSES``, fused with ``network.out_activation``
    X : array or scipy.sparse matrix of shape (n_samples, n_features)
    Y : array of shape (n_samples, n_outputs)
    sample_weight : array of shape (n_samples,) or None
        Arrays of the network's namespace.
    penalty : L2Penalty or None, default=None
        The penalty on the weights (``penalty.py``).

    Returns
    -------
    P : array of shape (n_samples, n_outputs)
        The output at the current parameters, from which the loss follows.
    """
    P = network.forward(X, training=True)
    network.backward(loss.gradient(Y, P, sample_weight, network.xp))
    if penalty:
        penalty.add_gradient(network, total_weight(X, sample_weight, network.xp))
    return P


def loss_and_gradients(network, loss, X, Y, sample_weight, penalty=None):
    """Loss at the current parameters; their gradient lands in ``network.grads``.

    Parameters
    ----------
    network, loss, X, Y, sample_weight, penalty
        As in :func:`gradients`.

    Returns
    -------
    loss : float
        The loss, penalty included.
    """
    P = gradients(network, loss, X, Y, sample_weight, penalty)
    value = loss.loss(Y, P, sample_weight, network.xp)
    if penalty:
        value += penalty.value(network, total_weight(X, sample_weight, network.xp))
    return value


def total_weight(X, sample_weight, xp):
    """Sum of the sample weights (of namespace ``xp``); ``X``'s rows if unweighted."""
    return X.shape[0] if sample_weight is None else float(xp.sum(sample_weight))
