"""A fully connected network: a list of :class:`~skann._core.layers.Dense` layers.

Hidden layers share one activation; the output layer is logistic, softmax or
identity, and is differentiated together with its loss (see ``losses.py``).

Every ``W`` and ``b`` is a view into one flat vector, ``params``, and every ``dW`` and
``db`` a view into ``grads``, laid out alike: an optimizer updates the whole network
with one vector operation, and L-BFGS sees the vector it expects.
"""

import numpy as np

from .layers import Dense

#: Largest memory of the activations of one chunk of rows in prediction: a chunk of
#: this size stays in the caches from one layer to the next, and the memory of a
#: prediction stays bounded however many rows it has.
CHUNK_BYTES = 8 * 2**20


class Network:
    """Layers, the flat vectors of their parameters, and the passes through them.

    Parameters
    ----------
    coefs : list of ndarray
        ``coefs[l]`` of shape ``(n_in, n_out)`` holds the weights of layer ``l``.
        Copied.
    intercepts : list of ndarray
        ``intercepts[l]`` of shape ``(n_out,)`` holds its biases. Copied.
    activation : str
        Hidden-layer activation, a key of ``ACTIVATIONS``.
    out_activation : {'logistic', 'softmax', 'identity'}
        Output activation.

    Attributes
    ----------
    layers : list of Dense
    params : ndarray of shape (n_params,)
        Layer by layer, ``W`` then ``b``, flattened; every layer's ``Wb`` (and so
        its ``W`` and ``b``) is a view.
    grads : ndarray of shape (n_params,)
        The gradients, laid out as ``params``.
    """

    def __init__(self, coefs, intercepts, activation, out_activation):
        dtype = np.result_type(*coefs, *intercepts)
        arrays = [a for W, b in zip(coefs, intercepts) for a in (W, b)]
        self.params = np.concatenate([np.ravel(a) for a in arrays], dtype=dtype)
        self.grads = np.zeros_like(self.params)
        # Each b follows its W in the flat vectors: together they are one block.
        shapes = [(W.shape[0] + 1, W.shape[1]) for W in coefs]
        blocks = zip(_views(self.params, shapes), _views(self.grads, shapes))
        last = len(coefs) - 1
        self.layers = [
            Dense(Wb, dWb, out_activation if i == last else activation, i == last)
            for i, (Wb, dWb) in enumerate(blocks)
        ]
        self.activation = activation
        self.out_activation = out_activation

    @classmethod
    def initialize(
        cls,
        layer_sizes,
        activation,
        out_activation,
        init_scale,
        rng,
        dtype=np.float64,
        input_rms=1.0,
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
        init_scale : float, 'auto' or 'data'
            Standard deviation of the initial weights. ``'auto'`` takes He's
            ``sqrt(2 / fan_in)`` for the weights into ReLU layers and Glorot's
            ``sqrt(2 / (fan_in + fan_out))`` for every other layer. ``'data'``
            takes the same, the first layer's divided by ``input_rms`` where it
            exceeds 1.
        rng : numpy.random.RandomState
            Source of the draws.
        dtype : numpy dtype, default=np.float64
            Floating dtype of every parameter.
        input_rms : float, default=1.0
            Root mean square of the inputs' entries (see :func:`input_rms`),
            used by ``init_scale='data'`` only.

        Returns
        -------
        network : Network

        Raises
        ------
        ValueError
            If ``init_scale`` draws weights too large for ``dtype``.
        """
        coefs, intercepts = [], []
        for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
            into_hidden = len(coefs) < len(layer_sizes) - 2
            scale = _scale(init_scale, activation if into_hidden else None, n_in, n_out)
            if init_scale == "data" and not coefs:
                scale /= max(input_rms, 1.0)
            with np.errstate(over="ignore"):
                W = (rng.randn(n_out, n_in) * scale).astype(dtype)
            if not np.isfinite(W).all():
                raise ValueError(
                    f"init_scale={init_scale!r} draws initial weights beyond the "
                    f"largest {np.dtype(dtype).name}, {np.finfo(dtype).max:.3g}; "
                    "choose a smaller init_scale, such as 'auto'."
                )
            coefs.append(W.T)
            intercepts.append(np.zeros(n_out, dtype=dtype))
        return cls(coefs, intercepts, activation, out_activation)

    @property
    def coefs(self):
        """Every layer's ``W``."""
        return [layer.W for layer in self.layers]

    @property
    def intercepts(self):
        """Every layer's ``b``."""
        return [layer.b for layer in self.layers]

    @property
    def dtype(self):
        """Floating dtype of the parameters."""
        return self.params.dtype

    def get_state(self):
        """Return a copy of every parameter, for :meth:`set_state`."""
        return self.params.copy()

    def set_state(self, state):
        """Restore the parameters saved by :meth:`get_state`."""
        self.params[:] = state

    def forward(self, X):
        """Return the output ``P`` for the rows of ``X``, layer after layer.

        Parameters
        ----------
        X : ndarray or scipy.sparse matrix of shape (n_samples, n_features)

        Returns
        -------
        P : ndarray of shape (n_samples, n_outputs)
        """
        A = X
        for layer in self.layers:
            A = layer.forward(A)
        return A

    def backward(self, dZ):
        """Back-propagate through the last :meth:`forward`; the result lands in grads.

        Parameters
        ----------
        dZ : ndarray of shape (n_samples, n_outputs)
            Gradient of the loss with respect to the output logits (see
            ``losses.py``); it may be overwritten.
        """
        # From the output layer down: each layer's dA_prev becomes, through the
        # derivative of the activation below it, that layer's dZ.
        layers = self.layers
        for i in range(len(layers) - 1, 0, -1):
            below = layers[i - 1]
            dZ = below.activation.derivative(below.A, layers[i].backward(dZ))
        layers[0].backward(dZ, propagate=False)

    def rows_per_chunk(self, limit_bytes):
        """Rows whose activations in every layer take at most ``limit_bytes``.

        Prediction runs a chunk of rows at a time, so its memory stays bounded
        whatever the number of rows. At least 1.
        """
        row_bytes = sum(layer.b.size for layer in self.layers) * self.dtype.itemsize
        return max(1, int(limit_bytes // row_bytes))


def _views(flat, shapes):
    """Split ``flat`` into consecutive views of the given shapes."""
    views, start = [], 0
    for shape in shapes:
        size = shape[0] * shape[1]
        views.append(flat[start : start + size].reshape(shape))
        start += size
    return views


def _scale(init_scale, activation, n_in, n_out):
    """Standard deviation of one layer's initial weights, before any input scale."""
    if init_scale not in ("auto", "data"):
        return init_scale
    if activation == "relu":
        return np.sqrt(2.0 / n_in)
    return np.sqrt(2.0 / (n_in + n_out))


def input_rms(X, chunk=2**20):
    """Root mean square of the entries of ``X``, a sparse ``X``'s zeros included.

    He's and Glorot's scales assume inputs of unit spread: dividing the first
    layer's weights by this, where it exceeds 1, keeps its pre-activations at the
    spread they intend when the features come in large units (raw pixels, areas,
    concentrations), and leaves them as they are for scaled or sparse inputs,
    which trained faster from He's scale. 1.0 for an ``X`` of zeros. Summed a
    chunk at a time, after division by the largest magnitude, so that neither a
    copy of ``X`` nor an overflow of its dtype comes of it.
    """
    values = np.ravel(X if isinstance(X, np.ndarray) else X.data, order="K")
    peak = max(float(values.max()), -float(values.min())) if values.size else 0.0
    if not peak > 0:
        return 1.0
    total = 0.0
    for start in range(0, values.size, chunk):
        part = values[start : start + chunk] / peak
        total += float(part @ part)
    return peak * np.sqrt(total / (X.shape[0] * X.shape[1]))
