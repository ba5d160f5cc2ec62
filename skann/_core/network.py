"""A fully connected network of any depth: initialisation, forward and backward.

Layer ``l`` computes ``Z = A_prev @ W + b`` and ``A = f(Z)`` with ``W`` of shape
``(n_in, n_out)`` and ``b`` of shape ``(n_out,)``. Hidden layers share one activation;
the output layer is logistic or softmax and is differentiated together with its loss.

All weights and biases live in one flat vector (``flat_params``), and every ``W`` and
``b`` is a view into it; the gradients likewise (``flat_grads``). An optimizer then
updates the whole network with a few vector operations, and L-BFGS sees the vector it
expects. Each layer's ``b`` follows its ``W`` as one more row, so that an input ending
with a column of ones (see ``workspace.with_ones_column``) multiplies the weights and
adds the biases in one matrix product, and its gradient gives ``dW`` and ``db`` in one.
The network also owns its scratch buffers (see ``workspace.py``), so a training step
allocates almost nothing.
"""

import numpy as np

from .activations import ACTIVATIONS, OUTPUT_ACTIVATIONS
from .workspace import (
    MAX_CACHED_SIZES,
    Buffers,
    aligned_empty,
    ones,
    product_for,
    transposed_product,
)


class Network:
    """Weights, biases and the two passes through them.

    Parameters
    ----------
    coefs : list of ndarray
        ``coefs[l]`` has shape ``(n_in, n_out)`` of layer ``l``. Copied.
    intercepts : list of ndarray
        ``intercepts[l]`` has shape ``(n_out,)`` of layer ``l``. Copied.
    activation : str
        Hidden-layer activation, a key of ``ACTIVATIONS``.
    out_activation : {'logistic', 'softmax'}
        Output activation.

    Attributes
    ----------
    flat_params : ndarray of shape (n_params,)
        Layer by layer, ``W`` then ``b`` as its last row, flattened; ``coefs``,
        ``intercepts`` and ``blocks`` are views into it.
    flat_grads : ndarray of shape (n_params,)
        The gradients, laid out as ``flat_params``; ``grads`` and ``grad_blocks`` are
        views into it.
    blocks, grad_blocks : list of ndarray
        ``blocks[l]`` of shape ``(n_in + 1, n_out)`` is ``W`` with ``b`` below it.
    """

    def __init__(self, coefs, intercepts, activation, out_activation):
        dtype = np.result_type(*coefs, *intercepts)
        stacked = [np.vstack([W, b[np.newaxis]]) for W, b in zip(coefs, intercepts)]
        n_params = sum(B.size for B in stacked)
        self.flat_params = aligned_empty(n_params, dtype)
        np.concatenate([B.ravel() for B in stacked], out=self.flat_params)
        self.flat_grads = aligned_empty(n_params, dtype)
        self.flat_grads[:] = 0
        shapes = [B.shape for B in stacked]
        self.blocks = _views(self.flat_params, shapes)
        self.grad_blocks = _views(self.flat_grads, shapes)
        self.coefs = [B[:-1] for B in self.blocks]
        self.intercepts = [B[-1] for B in self.blocks]
        self.grads = [G[:-1] for G in self.grad_blocks]
        self.grads += [G[-1] for G in self.grad_blocks]
        self.activation = activation
        self.out_activation = out_activation
        self._hidden = ACTIVATIONS[activation]
        self._functions = [self._hidden] * (len(coefs) - 1)
        self._functions.append(OUTPUT_ACTIVATIONS[out_activation])
        self._products = [product_for(W) for W in coefs]
        self._transposed = [transposed_product(W) for W in self.coefs]
        widths = [W.shape[1] for W in coefs]
        self._activations = Buffers(widths, dtype)
        # One gradient buffer per layer: the output layer's receives the loss's dZ,
        # so the probabilities stay where the forward pass left them.
        self._deltas = Buffers(widths, dtype)
        # What each pass hands each layer, arranged once per shape of input: on data
        # as small as the AND gate, finding it at every call took a tenth of a step.
        self._passes = _ByShape(self._arrange_forward, self._activations)

    @classmethod
    def initialize(
        cls, layer_sizes, activation, out_activation, init_scale, rng, dtype=np.float64
    ):
        """Draw a new network as the seed does.

        Biases start at zero; each ``W`` is ``rng.randn(n_out, n_in) * scale``,
        drawn layer by layer from the input onwards and stored transposed. With
        ``rng = np.random.RandomState(42)`` and ``init_scale=0.1`` this reproduces
        the draws of the seed, which seeds NumPy's global generator with 42.

        Parameters
        ----------
        layer_sizes : sequence of int
            ``(n_features, *hidden_sizes, n_outputs)``.
        activation, out_activation : str
            See :class:`Network`.
        init_scale : float or 'auto'
            Standard deviation of the initial weights. ``'auto'`` takes He's
            ``sqrt(2 / fan_in)`` for the weights into ReLU layers and Glorot's
            ``sqrt(2 / (fan_in + fan_out))`` for every other layer.
        rng : numpy.random.RandomState
            Source of the draws.
        dtype : numpy dtype, default=np.float64
            Floating dtype of every parameter.

        Returns
        -------
        network : Network
        """
        coefs, intercepts = [], []
        for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
            into_hidden = len(coefs) < len(layer_sizes) - 2
            scale = _scale(init_scale, activation if into_hidden else None, n_in, n_out)
            W = rng.randn(n_out, n_in) * scale
            coefs.append(W.T.astype(dtype))
            intercepts.append(np.zeros(n_out, dtype=dtype))
        return cls(coefs, intercepts, activation, out_activation)

    def get_state(self):
        """Return a copy of every parameter, for :meth:`set_state`."""
        return self.flat_params.copy()

    def set_state(self, state):
        """Restore the parameters saved by :meth:`get_state`."""
        np.copyto(self.flat_params, state)

    @property
    def params(self):
        """All parameters in their fixed order: every ``W``, then every ``b``."""
        return self.coefs + self.intercepts

    @property
    def dtype(self):
        """Floating dtype of the parameters."""
        return self.flat_params.dtype

    def forward(self, X, out=None):
        """Compute the output probabilities for the rows of ``X``.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features) or (n_samples, n_features + 1)
            The inputs, possibly followed by a column of ones.
        out : ndarray of shape (n_samples, n_outputs), default=None
            Where to write the probabilities; by default a buffer of the network.

        Returns
        -------
        P : ndarray of shape (n_samples, n_outputs)
            ``out``, or a view of a buffer the network reuses: copy it to keep it
            past the next call of :meth:`forward`.
        """
        hidden, output = self._passes[X.shape].forward
        A = X
        # product(A, W, Z) writes A @ W into Z, by the faster route for this layer;
        # b is None where A ends with a column of ones and W holds the biases.
        for product, W, b, activate, Z in hidden:
            product(A, W, Z)
            if b is not None:
                Z += b
            A = activate(Z)
        product, W, b, activate, Z = output
        if out is not None:
            Z = out
        product(A, W, Z)
        if b is not None:
            Z += b
        return activate(Z)

    def _arrange_forward(self, shape):
        """Return the :class:`_Passes` of inputs of ``shape``, its forward arranged."""
        n_samples, n_inputs = shape
        activations = self._activations.views(n_samples)
        layers = []
        for layer, (Z, block, W, b, function, product) in enumerate(
            zip(
                activations,
                self.blocks,
                self.coefs,
                self.intercepts,
                self._functions,
                self._products,
            )
        ):
            if layer == 0 and n_inputs == block.shape[0]:  # X ends with ones
                W, b = block, None
            elif b.size == 1:
                b = b.reshape(())  # a 0-d array is added without a broadcast
            layers.append((product, W, b, function.forward, Z))
        return _Passes((layers[:-1], layers[-1]), activations)

    def output_gradient(self, n_samples):
        """Return the buffer for the gradient of the loss with respect to the logits.

        Parameters
        ----------
        n_samples : int

        Returns
        -------
        dZ : ndarray of shape (n_samples, n_outputs)
            A view of a buffer the network reuses, apart from the one :meth:`forward`
            writes the probabilities to.
        """
        return self._deltas.views(n_samples)[-1]

    def backward(self, X, dZ):
        """Back-propagate the output gradient through the last :meth:`forward`.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features) or (n_samples, n_features + 1)
            The input of the last forward pass.
        dZ : ndarray of shape (n_samples, n_outputs)
            Gradient of the loss with respect to the output logits; it may be
            overwritten.

        Returns
        -------
        grads : list of ndarray
            Gradients in the order of :attr:`params`; buffers the network reuses.
        """
        passes = self._passes[X.shape]
        if passes.backward is None:
            passes.backward = self._arrange_backward(X.shape, passes.activations)
        hidden, first, sum_rows = passes.backward
        derivative = self._hidden.derivative
        # From the output layer down to the second; no hidden layer's input ends
        # with ones, so each takes its bias gradient as 1 @ dZ, the sum over samples.
        for product, A_prev, A_prev_T, dW, db, back, W_T, source, dA in hidden:
            product(A_prev_T, dZ, dW)
            sum_rows.dot(dZ, db)
            if source is not None:  # refresh the copy: the weights have moved
                np.copyto(W_T, source)
            dZ = derivative(A_prev, back(dZ, W_T, dA))
        product, dW, db = first
        product(X.T, dZ, dW)
        if db is not None:
            sum_rows.dot(dZ, db)
        return self.grads

    def _arrange_backward(self, shape, activations):
        """Return ``(hidden, first, sum_rows)``: what :meth:`backward` hands each layer.

        ``activations`` are the buffers the forward pass of this shape writes to.
        """
        n_samples, n_inputs = shape
        deltas = self._deltas.views(n_samples)
        n_layers = len(self.coefs)
        hidden = [
            (
                self._products[layer],
                activations[layer - 1],
                activations[layer - 1].T,
                self.grads[layer],
                self.grads[n_layers + layer],
                *self._transposed[layer],
                deltas[layer - 1],
            )
            for layer in reversed(range(1, n_layers))
        ]
        if n_inputs == self.grad_blocks[0].shape[0]:  # X ends with ones
            first = self._products[0], self.grad_blocks[0], None
        else:
            first = self._products[0], self.grads[0], self.grads[n_layers]
        return hidden, first, ones(n_samples, self.flat_params.dtype)


class _Passes:
    """What the forward pass hands each layer and, once needed, the backward pass.

    Both view the same ``activations``, so that the backward pass reads what the
    forward pass of the same shape wrote, even after the buffers have grown.
    """

    __slots__ = ("forward", "backward", "activations")

    def __init__(self, forward, activations):
        self.forward = forward
        self.backward = None
        self.activations = activations


class _ByShape(dict):
    """The :class:`_Passes` of each shape of input, arranged at its first use.

    Parameters
    ----------
    arrange : callable
        ``arrange(shape)`` returns the passes of inputs of ``shape``.
    buffers : Buffers
        The activations they view. When these grow, the passes of smaller inputs
        are dropped with the old buffers; at most ``MAX_CACHED_SIZES`` are kept.
    """

    def __init__(self, arrange, buffers):
        super().__init__()
        self._arrange = arrange
        self._buffers = buffers

    def __missing__(self, shape):
        if shape[0] > self._buffers.capacity or len(self) >= MAX_CACHED_SIZES:
            self.clear()
        found = self[shape] = self._arrange(shape)
        return found


def _views(flat, shapes):
    """Split ``flat`` into consecutive views of the given shapes."""
    views, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        views.append(flat[start : start + size].reshape(shape))
        start += size
    return views


def _scale(init_scale, activation, n_in, n_out):
    """Standard deviation of one layer's initial weights."""
    if init_scale != "auto":
        return init_scale
    if activation == "relu":
        return np.sqrt(2.0 / n_in)
    return np.sqrt(2.0 / (n_in + n_out))
