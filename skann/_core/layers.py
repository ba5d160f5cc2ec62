"""A fully connected layer: its forward and backward pass side by side.

Forward, for the layer's input ``A_prev`` (``(n_samples, n_in)``)::

    Z = A_prev @ W + b          W: (n_in, n_out), b: (n_out,)
    A = f(Z)

Backward, given ``dZ``, the gradient of the loss with respect to ``Z``::

    dW = A_prev.T @ dZ
    db = sum of dZ over samples
    dA_prev = dZ @ W.T          the layer below turns it into its own dZ

``A_prev`` may be a ``scipy.sparse`` matrix (the first layer's input): both of its
products then run on the sparse matrix as it is.

The products are spelled ``.dot``: it multiplies as ``@`` does, through the same BLAS
routine, but costs a third as much to call, which on data as small as the AND gate
is a fifth of a training step.
"""

import numpy as np

from .activations import ACTIVATIONS, OUTPUT_ACTIVATIONS


class Dense:
    """``Z = A_prev @ W + b``, ``A = f(Z)``: weights, biases and their gradients.

    Parameters
    ----------
    W, b : ndarray of shape (n_in, n_out) and (n_out,)
        Weights and biases, updated in place by training.
    dW, db : ndarray of the same shapes
        Where :meth:`backward` writes their gradients.
    activation : str
        A key of ``ACTIVATIONS`` (hidden layers) or ``OUTPUT_ACTIVATIONS``.
    output : bool, default=False
        Whether this is the output layer, whose activation is fused with the loss.

    Attributes
    ----------
    A_prev, A : arrays
        The input and the activation of the last :meth:`forward`, which
        :meth:`backward` reads.
    """

    def __init__(self, W, b, dW, db, activation, output=False):
        self.W, self.b, self.dW, self.db = W, b, dW, db
        registry = OUTPUT_ACTIVATIONS if output else ACTIVATIONS
        self.activation = registry[activation]
        self.A_prev = self.A = None

    def forward(self, A_prev):
        """Return ``A = f(A_prev @ W + b)``, remembering ``A_prev`` and ``A``."""
        Z = A_prev.dot(self.W)
        Z += self.b
        self.A_prev, self.A = A_prev, self.activation.forward(Z)
        return self.A

    def backward(self, dZ, propagate=True):
        """Write ``dW`` and ``db`` from ``dZ``; return ``dA_prev = dZ @ W.T``.

        Parameters
        ----------
        dZ : ndarray of shape (n_samples, n_out)
            Gradient of the loss with respect to this layer's ``Z``.
        propagate : bool, default=True
            Whether to compute ``dA_prev``; the first layer has nobody to pass it to.

        Returns
        -------
        dA_prev : ndarray of shape (n_samples, n_in) or None
        """
        if isinstance(self.A_prev, np.ndarray):
            self.A_prev.T.dot(dZ, self.dW)
        else:  # a sparse input, whose product has no ``out``
            self.dW[...] = self.A_prev.T.dot(dZ)
        # db = 1ᵀ dZ: as a product with a vector of ones the sum runs in BLAS, two to
        # four times faster than dZ.sum(axis=0) on batches of a few hundred rows.
        np.ones(dZ.shape[0], dZ.dtype).dot(dZ, self.db)
        return dZ.dot(self.W.T) if propagate else None
