"""Layers: each owns its forward pass, its backward pass and its parameters.

The protocol (numpy-ml's ``LayerBase``, skorch's ``forward(X, training=False)``):

``forward(A_prev, training)``
    The layer's output for its input ``A_prev``, remembered for the backward pass;
    ``training`` says whether this is a training step (dropout drops only then).
``backward(dA, propagate=True)``
    Given the gradient of the loss with respect to the layer's output, set the
    gradients of its parameters and return ``dA_prev``, the gradient for the layer
    below (None when ``propagate`` is False: the first layer has nobody to pass it
    to).
``stochastic``
    Whether a training pass differs from the others.
``shape``
    ``(n_in + 1, n_out)``, the shape of the layer's block of the network's flat
    parameter vector (``W`` with ``b`` as a last row), or None for a layer without
    parameters; ``bind(Wb)`` hands a layer its block.

:class:`Dense`, the fully connected layer. Forward, for the layer's input ``A_prev``
(``(n_samples, n_in)``)::

    Z = A_prev @ W + b          W: (n_in, n_out), b: (n_out,)
    A = f(Z)

Backward, given ``dA``, the gradient of the loss with respect to ``A``::

    dZ = dA * f'(Z)             the output layer is given dZ (fused with its loss)
    dW = A_prev.T @ dZ
    db = sum of dZ over samples
    dA_prev = dZ @ W.T

``b`` is stored as one more row below ``W``, in ``Wb`` of shape ``(n_in + 1, n_out)``.
A NumPy input that ends with a column of ones (see ``batches.py``) gets the same
``Z`` from one product, ``A_prev @ Wb``, and ``dW`` and ``db`` together from one
more, ``A_prev.T @ dZ``, instead of adding ``b`` and summing ``dZ`` apart.

With NumPy, ``A_prev`` may be a ``scipy.sparse`` matrix (the first layer's input):
both of its products then run on the sparse matrix as it is. NumPy's products are
spelled ``.dot``: it multiplies as ``@`` does, through the same BLAS routine, but
costs a third as much to call, which on data as small as the AND gate is a fifth of
a training step; and the gradients are written into views of the network's flat
vector. In other namespaces of the Array API standard, which promises nothing of
views, the products are ``@``, the layer reads ``W`` and ``b`` as the network hands
them over before each pass (see ``network.py``), and ``dW`` and ``db`` are its own
new arrays.

:class:`Dropout`, inverted dropout, has no parameters.
"""

import numpy as np

from .activations import activation_of
from .namespaces import device_of, from_numpy


class Dense:
    """``Z = A_prev @ W + b``, ``A = f(Z)``: weights, biases and their gradients.

    Parameters
    ----------
    Wb : array of shape (n_in + 1, n_out)
        The weights ``W`` with the biases ``b`` as a last row; ``W`` and ``b`` are
        read from it.
    dWb : ndarray of shape (n_in + 1, n_out) or None
        With NumPy, where :meth:`backward` writes ``dW`` and, as a last row, ``db``;
        None elsewhere.
    activation : str or Activation
        A key of ``ACTIVATIONS`` (hidden layers) or ``OUTPUT_ACTIVATIONS``, or an
        activation object.
    output : bool, default=False
        Whether this is the output layer, whose activation is fused with the loss.
    xp : namespace, default=numpy
        The arrays' namespace, NumPy's own module for NumPy arrays.

    Attributes
    ----------
    W, b, dW, db : arrays
        The weights, biases and their gradients; with NumPy, views into ``Wb`` and
        ``dWb``.
    A_prev, Z, A : arrays
        The input, pre-activation and activation of the last :meth:`forward`,
        which :meth:`backward` reads.
    shape : tuple of int
        ``(n_in + 1, n_out)``, the shape of ``Wb``.
    """

    stochastic = False  # the same output in training and outside it

    def __init__(self, Wb, dWb, activation, output=False, xp=np):
        self.xp = xp
        self.bind(Wb)
        self.shape = tuple(Wb.shape)
        self.dWb = self.dW = self.db = None  # until backward, outside NumPy
        if dWb is not None:
            self.dWb, self.dW, self.db = dWb, dWb[:-1, :], dWb[-1, :]
        self.activation, self.output = activation_of(activation, output), output
        self.A_prev = self.Z = self.A = None
        self.remembers = True

    @classmethod
    def frozen(cls, W, b, activation, output=False, xp=np):
        """A layer over ``W`` and ``b`` as they are, for prediction only.

        Nothing is copied and no gradients are allocated: a fitted model's arrays
        serve its predictions directly.
        """
        layer = cls.__new__(cls)
        layer.xp = xp
        layer.W, layer.b, layer.Wb = W, b, None
        layer.shape = (W.shape[0] + 1, W.shape[1])
        layer.dWb = layer.dW = layer.db = None
        layer.activation, layer.output = activation_of(activation, output), output
        layer.A_prev = layer.Z = layer.A = None
        # Several threads may predict with one frozen layer at once.
        layer.remembers = False
        return layer

    def bind(self, Wb):
        """Take ``Wb`` as the weights and biases of the next passes."""
        self.Wb, self.W, self.b = Wb, Wb[:-1, :], Wb[-1, :]

    def forward(self, A_prev, training=False):
        """Return ``A = f(A_prev @ W + b)``, remembering ``A_prev``, ``Z`` and ``A``.

        ``training`` changes nothing here. A frozen layer remembers nothing, so
        that several threads can predict with it at once.
        """
        W, b, Wb = self.product_weights()
        if self.xp is not np:
            Z = A_prev @ W
            Z += b
        elif A_prev.shape[1] == len(W):
            Z = A_prev.dot(W)
            Z += b
        else:  # A_prev ends with a column of ones
            Z = A_prev.dot(Wb)
        A = self.activation.forward(Z, self.xp)
        if self.remembers:
            self.A_prev, self.Z, self.A = A_prev, Z, A
        return A

    def backward(self, dA, propagate=True):
        """Set ``dW`` and ``db``; return ``dA_prev = dZ @ W.T``.

        Parameters
        ----------
        dA : array of shape (n_samples, n_out)
            Gradient of the loss with respect to this layer's ``A``, which it may
            overwrite; for the output layer, with respect to its ``Z`` (the output
            activation is differentiated with the loss, see ``losses.py``).
        propagate : bool, default=True
            Whether to compute ``dA_prev``; the first layer has nobody to pass it to.

        Returns
        -------
        dA_prev : array of shape (n_samples, n_in) or None
        """
        dZ = dA
        if not self.output:
            dZ = self.activation.derivative(self.Z, self.A, dA, self.xp)
        if self.xp is not np:
            self.dW, self.db = self.A_prev.T @ dZ, self.xp.sum(dZ, axis=0)
        elif self.A_prev.shape[1] == len(self.W):
            _product_into(self.dW, self.A_prev.T, dZ)
            dZ.sum(axis=0, out=self.db)
        else:  # A_prev ends with a column of ones
            _product_into(self.dWb, self.A_prev.T, dZ)
        if not propagate:
            return None
        W = self.product_weights()[0]
        return dZ @ W.T if self.xp is not np else dZ.dot(W.T)

    def product_weights(self):
        """``W``, ``b`` and ``Wb`` as they multiply the layer's input."""
        return self.W, self.b, self.Wb


class StandardisedDense(Dense):
    """A :class:`Dense` layer whose weights act on standardised inputs.

    Its parameters ``W`` and ``b`` are those of the inputs ``(A_prev - mean) /
    scale``, but it is given ``A_prev`` as it is: the forward pass multiplies it
    by the folded weights (see ``scaling.py``)::

        W_raw = W / scale[:, None]      b_raw = b - (mean / scale) @ W
        Z = A_prev @ W_raw + b_raw

    and the backward pass turns the gradients of ``W_raw`` and ``b_raw`` into
    those of ``W`` and ``b``::

        dW = (A_prev.T @ dZ - mean[:, None] * db) / scale[:, None]
        db = sum of dZ over samples

    Parameters
    ----------
    Wb, dWb, activation, output, xp
        As for :class:`Dense`.
    mean, scale : arrays of shape (n_in,)
        Of the layer's namespace and dtype; ``scale`` is positive.
    """

    def __init__(self, Wb, dWb, activation, output=False, xp=np, *, mean, scale):
        super().__init__(Wb, dWb, activation, output, xp)
        self.mean, self.scale = mean, scale
        self.inverse = xp.reshape(1 / scale, (-1, 1))
        self.shift = mean * (1 / scale)
        # Reused by every pass: the folded weights of the current parameters.
        self._folded = xp.zeros_like(Wb) if xp is np else None

    def product_weights(self):
        xp = self.xp
        if xp is not np:
            W = self.W * self.inverse
            return W, self.b - self.shift @ self.W, None
        folded = self._folded
        np.multiply(self.W, self.inverse, out=folded[:-1])
        np.subtract(self.b, self.shift @ self.W, out=folded[-1])
        return folded[:-1], folded[-1], folded

    def backward(self, dA, propagate=True):
        dA_prev = super().backward(dA, propagate)
        if self.xp is not np:
            centred = self.dW - self.xp.reshape(self.mean, (-1, 1)) * self.db
            self.dW = centred * self.inverse
        else:
            self.dW -= np.multiply.outer(self.mean, self.db)
            self.dW *= self.inverse
        return dA_prev


class Dropout:
    """Inverted dropout: in training, each unit of ``A_prev`` is kept with
    probability ``1 - rate`` and scaled by ``1 / (1 - rate)``::

        mask = 1[U >= rate] / (1 - rate)        U uniform on [0, 1), drawn anew
        A = A_prev * mask                        in every training pass
        dA_prev = dA * mask

    so that each unit's expected output is ``A_prev`` itself, and outside training
    (prediction, validation, the loss curve, the diagnosis) the layer passes
    ``A_prev`` through unchanged. The draws are NumPy's, from ``rng``, moved to the
    namespace and device of ``A_prev``, as the batches' order is: the same ``rng``
    drops the same units everywhere.

    Parameters
    ----------
    rate : float in [0, 1)
        Probability of dropping each unit.
    rng : numpy.random.RandomState
        Source of the masks.
    xp : namespace, default=numpy
    """

    shape = None  # no parameters
    stochastic = True

    def __init__(self, rate, rng, xp=np):
        self.rate, self.rng, self.xp = rate, rng, xp
        self.mask = None

    def forward(self, A_prev, training=False):
        """Return ``A_prev * mask`` with a new mask in training, else ``A_prev``."""
        if not training:
            return A_prev
        self.mask = self.draw(A_prev)
        return A_prev * self.mask

    def backward(self, dA, propagate=True):
        """Return ``dA_prev = dA * mask``, the mask of the last training pass."""
        dA *= self.mask
        return dA

    def draw(self, A_prev):
        """A new mask of the shape, dtype and device of ``A_prev``."""
        kept = self.rng.random_sample(A_prev.shape) >= self.rate
        mask = kept * (1.0 / (1.0 - self.rate))
        return from_numpy(mask, self.xp, A_prev.dtype, device_of(A_prev, self.xp))


def _product_into(out, A, B):
    """Write ``A @ B`` into the NumPy array ``out``."""
    if isinstance(A, np.ndarray):
        A.dot(B, out)
    else:  # a sparse matrix, whose product has no ``out``
        out[...] = A.dot(B)
