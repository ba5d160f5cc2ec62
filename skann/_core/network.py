"""A network: a list of layers (see ``layers.py``), passed through in order.

Its layers are :class:`~skann._core.layers.Dense`, with, optionally, a
:class:`~skann._core.layers.Dropout` after a hidden one. Hidden layers share one
activation; the output layer is logistic, softmax, exponential or identity, and is
differentiated together with its loss (see ``losses.py``).

Every ``W`` and ``b`` lives in one flat vector, ``params``, layer after layer, and
the gradients are laid out alike in ``grads``: an optimizer updates the whole network
with one vector operation, and L-BFGS sees the vector it expects. With NumPy every
``W``, ``b``, ``dW`` and ``db`` is a view into them, made once. The Array API
standard promises nothing of views, so in its other namespaces the network hands
each layer its ``W`` and ``b``, read from ``params``, before each pass, and gathers
``grads`` from the layers' own gradients when asked for it.
"""

import numpy as np

from .activations import activation_of
from .layers import Dense, StandardisedDense
from .namespaces import (
    Placement,
    all_finite,
    device_of,
    from_numpy,
    itemsize,
    namespace,
)
from .scaling import fold

#: Largest memory of the activations of one chunk of rows in prediction: a chunk of
#: this size stays in the caches from one layer to the next, and the memory of a
#: prediction stays bounded however many rows it has.
CHUNK_BYTES = 8 * 2**20


class Network:
    """Layers, the flat vectors of their parameters, and the passes through them.

    Parameters
    ----------
    coefs : list of arrays
        ``coefs[l]`` of shape ``(n_in, n_out)`` holds the weights of layer ``l``.
        Copied.
    intercepts : list of arrays
        ``intercepts[l]`` of shape ``(n_out,)`` holds its biases. Copied.
    activation : str or Activation
        Hidden-layer activation, a key of ``ACTIVATIONS`` or an activation object.
    out_activation : {'logistic', 'softmax', 'identity'}
        Output activation.
    xp : namespace, default=None
        The namespace of ``coefs``, ``intercepts`` and every array the network will
        be given; None means NumPy.
    input_stats : tuple of (array, array) or None, default=None
        ``(mean, scale)`` of the inputs' columns, of ``xp``: the first layer then
        learns on the standardised inputs ``(X - mean) / scale`` while it is given
        ``X`` as it is, and ``coefs[0]`` and ``intercepts[0]`` are its weights on
        the standardised inputs (see ``scaling.py``). None: on ``X`` itself.

    Attributes
    ----------
    layers : list of layers
        In the order of the forward pass.
    dense : list of Dense
        The layers with parameters, in the same order: their blocks make
        ``params``.
    stochastic : bool
        Whether a training pass differs from the others (dropout).
    params : array of shape (n_params,)
        Layer by layer, ``W`` then ``b``, flattened; with NumPy every layer's ``Wb``
        (and so its ``W`` and ``b``) is a view.
    grads : array of shape (n_params,)
        The gradients of the last :meth:`backward`, laid out as ``params``. With
        NumPy the layers write into it; elsewhere each read gathers them anew.
    xp : namespace
        ``xp``, NumPy's own module for every namespace of NumPy arrays.
    device : device or None
        Where ``params`` lives; None with NumPy.
    """

    def __init__(
        self, coefs, intercepts, activation, out_activation, xp=None, input_stats=None
    ):
        xp = self.xp = namespace(xp)
        # Each b follows its W in the flat vectors: together they are one block.
        self.shapes = [(W.shape[0] + 1, W.shape[1]) for W in coefs]
        arrays = [a for W, b in zip(coefs, intercepts) for a in (W, b)]
        if xp is np:
            dtype = np.result_type(*arrays)
            self.params = np.concatenate([np.ravel(a) for a in arrays], dtype=dtype)
            self._grads = np.zeros_like(self.params)
            gradient_blocks = _views(self._grads, self.shapes, xp)
        else:
            dtype = xp.result_type(*arrays)
            flat = [xp.reshape(xp.astype(a, dtype, copy=False), (-1,)) for a in arrays]
            self.params = xp.concat(flat)
            gradient_blocks = [None] * len(coefs)
        blocks = zip(_views(self.params, self.shapes, xp), gradient_blocks)
        last = len(coefs) - 1
        self.input_stats = input_stats
        self.layers = []
        for i, (Wb, dWb) in enumerate(blocks):
            args = (Wb, dWb, out_activation if i == last else activation, i == last, xp)
            if i == 0 and input_stats is not None:
                mean, scale = (xp.astype(a, dtype) for a in input_stats)
                self.layers.append(StandardisedDense(*args, mean=mean, scale=scale))
            else:
                self.layers.append(Dense(*args))
        self.dense = list(self.layers)
        self.stochastic = False
        self.device = device_of(self.params, xp)
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
        placement=None,
        *,
        input_rms=1.0,
        input_stats=None,
    ):
        """Draw a new network as the seed does.

        Biases start at zero; each ``W`` is ``rng.randn(n_out, n_in) * scale``,
        drawn layer by layer from the input onwards and stored transposed. With
        ``rng = np.random.RandomState(42)`` and ``init_scale=0.1`` this reproduces
        the draws of the seed, which seeds NumPy's global generator with 42. The
        draws are NumPy's in every namespace, moved to the namespace and device of
        ``placement`` once drawn, so that the same ``rng`` gives the same network
        everywhere.

        Parameters
        ----------
        layer_sizes : sequence of int
            ``(n_features, *hidden_sizes, n_outputs)``.
        activation, out_activation : str
            See :class:`Network`.
        init_scale : float, 'auto' or 'data'
            Standard deviation of the initial weights. ``'auto'`` takes He's
            ``sqrt(2 / fan_in)`` for the weights into layers whose activation says
            ``he_init`` (ReLU, GELU) and Glorot's
            ``sqrt(2 / (fan_in + fan_out))`` for every other layer. ``'data'``
            takes the same, the first layer's divided by ``input_rms`` where it
            exceeds 1.
        rng : numpy.random.RandomState
            Source of the draws.
        placement : Placement, default=None
            The namespace, device and dtype of the parameters; None means
            NumPy's float64.
        input_rms : float, default=1.0
            Root mean square of the inputs' entries (see :func:`input_rms`),
            used by ``init_scale='data'`` only.
        input_stats : tuple of (array, array) or None, default=None
            See :class:`Network`.

        Returns
        -------
        network : Network

        Raises
        ------
        ValueError
            If ``init_scale`` draws weights too large for the dtype.
        """
        placement = Placement() if placement is None else placement
        xp, device = namespace(placement.xp), placement.device
        dtype = xp.float64 if placement.dtype is None else placement.dtype
        coefs, intercepts = [], []
        for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
            into_hidden = len(coefs) < len(layer_sizes) - 2
            scale = _scale(init_scale, activation if into_hidden else None, n_in, n_out)
            if init_scale == "data" and not coefs:
                scale /= max(input_rms, 1.0)
            with np.errstate(over="ignore"):
                W = from_numpy(rng.randn(n_out, n_in) * scale, xp, dtype, device)
            if not all_finite(W, xp):
                raise ValueError(
                    f"init_scale={init_scale!r} draws initial weights beyond the "
                    f"largest {_dtype_name(dtype, xp)}, {xp.finfo(dtype).max:.3g}; "
                    "choose a smaller init_scale, such as 'auto'."
                )
            coefs.append(W.T)
            intercepts.append(from_numpy(np.zeros(n_out), xp, dtype, device))
        return cls(coefs, intercepts, activation, out_activation, xp, input_stats)

    @classmethod
    def frozen(cls, coefs, intercepts, activation, out_activation, xp=None):
        """A network over the given arrays as they are, for prediction only.

        Unlike the constructor it copies nothing and allocates no gradients, so a
        prediction costs the activations of its rows, not a copy of the model.
        ``params`` is None.
        """
        network = cls.__new__(cls)
        xp = network.xp = namespace(xp)
        network.params = network._grads = None
        network.shapes = [(W.shape[0] + 1, W.shape[1]) for W in coefs]
        network.device = device_of(coefs[0], xp)
        last = len(coefs) - 1
        network.layers = [
            Dense.frozen(
                W, b, out_activation if i == last else activation, i == last, xp
            )
            for i, (W, b) in enumerate(zip(coefs, intercepts))
        ]
        network.dense = list(network.layers)
        network.stochastic = False
        network.activation = activation
        network.out_activation = out_activation
        return network

    def add_layers(self, after_hidden):
        """Put ``after_hidden[i]``, a layer with no parameters, after hidden layer i.

        ``after_hidden`` has one entry per hidden layer; None adds nothing there.
        A layer without parameters (``Dropout``) takes no block of ``params``,
        so the flat vectors stay as they are.
        """
        hidden = self.dense[:-1]
        self.layers = []
        for layer, extra in zip(hidden, after_hidden):
            self.layers.append(layer)
            if extra is not None:
                self.layers.append(extra)
        self.layers.append(self.dense[-1])
        self.stochastic = any(layer.stochastic for layer in self.layers)

    @property
    def coefs(self):
        """Every layer's ``W``."""
        self._bind()
        return [layer.W for layer in self.dense]

    @property
    def intercepts(self):
        """Every layer's ``b``."""
        self._bind()
        return [layer.b for layer in self.dense]

    def raw_weights(self):
        """Every layer's ``W`` and ``b`` as they act on ``X`` in its own units.

        The trained parameters themselves, but for a first layer on standardised
        inputs, whose weights are folded (see ``scaling.py``): new arrays then.
        """
        coefs, intercepts = self.coefs, self.intercepts
        if self.input_stats is not None:
            first = self.dense[0]
            W, b = fold(first.W, first.b, first.mean, first.scale, self.xp)
            coefs, intercepts = [W, *coefs[1:]], [b, *intercepts[1:]]
        return coefs, intercepts

    def block_factors(self, layer, rows):
        """Factors laid out as ``params``: ones, but for one layer's block.

        In the block of layer ``layer`` (``W`` with ``b`` as a last row), row
        ``i`` is ``rows[i]`` (a NumPy array). For an optimizer whose parameters
        were rescaled (see ``optimizers.py``).
        """
        blocks = [np.ones(shape) for shape in self.shapes]
        blocks[layer] *= np.reshape(rows, (-1, 1))
        flat = np.concatenate([np.ravel(block) for block in blocks])
        return from_numpy(flat, self.xp, self.dtype, self.device)

    @property
    def grads(self):
        """The gradients of the last :meth:`backward`, laid out as ``params``."""
        if self.xp is np:
            return self._grads
        xp = self.xp
        return xp.concat(
            [g for la in self.dense for g in (xp.reshape(la.dW, (-1,)), la.db)]
        )

    @property
    def dtype(self):
        """Floating dtype of the parameters."""
        return self.dense[0].W.dtype

    def get_state(self):
        """Return a copy of every parameter, for :meth:`set_state`."""
        if self.xp is np:
            return self.params.copy()
        return self.xp.asarray(self.params, copy=True)

    def set_state(self, state):
        """Restore the parameters saved by :meth:`get_state`."""
        self.params[:] = state

    def forward(self, X, training=False):
        """Return the output ``P`` for the rows of ``X``, layer after layer.

        The layers remember what :meth:`backward` needs (but a frozen network's).

        Parameters
        ----------
        X : array or scipy.sparse matrix of shape (n_samples, n_features)
        training : bool, default=False
            Whether this is a training step: dropout drops units only then.

        Returns
        -------
        P : array of shape (n_samples, n_outputs)
        """
        if self.xp is not np:
            self._bind()
        A = X
        for layer in self.layers:
            A = layer.forward(A, training)
        return A

    def backward(self, dZ):
        """Back-propagate through the last :meth:`forward`; the result lands in grads.

        Parameters
        ----------
        dZ : array of shape (n_samples, n_outputs)
            Gradient of the loss with respect to the output logits (see
            ``losses.py``); it may be overwritten.
        """
        # From the output layer down, each layer's dA_prev is the dA of the one
        # below it; the output layer's is dZ itself.
        dA = dZ
        for layer in reversed(self.layers[1:]):
            dA = layer.backward(dA)
        self.layers[0].backward(dA, propagate=False)

    def rows_per_chunk(self, limit_bytes):
        """Rows whose activations in every layer take at most ``limit_bytes``.

        Prediction runs a chunk of rows at a time, so its memory stays bounded
        whatever the number of rows. At least 1.
        """
        units = sum(n_out for _, n_out in self.shapes)
        return max(1, int(limit_bytes // (units * itemsize(self.dtype, self.xp))))

    def _bind(self):
        """Outside NumPy, hand each layer ``W`` and ``b`` as ``params`` holds them.

        A frozen network has no ``params``: its layers hold the fitted arrays.
        """
        if self.xp is not np and self.params is not None:
            blocks = _views(self.params, self.shapes, self.xp)
            for layer, Wb in zip(self.dense, blocks):
                layer.bind(Wb)


def _views(flat, shapes, xp):
    """Split ``flat`` into consecutive blocks of the given shapes (views in NumPy)."""
    views, start = [], 0
    for shape in shapes:
        size = shape[0] * shape[1]
        views.append(xp.reshape(flat[start : start + size], shape))
        start += size
    return views


def _dtype_name(dtype, xp):
    """``float32``, say, whatever the namespace's way of naming its dtypes."""
    return np.dtype(dtype).name if xp is np else str(dtype).rsplit(".", 1)[-1]


def _scale(init_scale, activation, n_in, n_out):
    """Standard deviation of one layer's initial weights, before any input scale."""
    if init_scale not in ("auto", "data"):
        return init_scale
    if activation is not None and activation_of(activation).he_init:
        return np.sqrt(2.0 / n_in)
    return np.sqrt(2.0 / (n_in + n_out))


def input_rms(X, xp=None, chunk=2**20):
    """Root mean square of the entries of ``X``, a sparse ``X``'s zeros included.

    He's and Glorot's scales assume inputs of unit spread: dividing the first
    layer's weights by this, where it exceeds 1, keeps its pre-activations at the
    spread they intend when the features come in large units (raw pixels, areas,
    concentrations), and leaves them as they are for scaled or sparse inputs,
    which trained faster from He's scale. 1.0 for an ``X`` of zeros. Summed a
    chunk at a time, after division by the largest magnitude, so that neither a
    copy of ``X`` nor an overflow of its dtype comes of it.
    """
    xp = namespace(xp)
    if xp is not np:
        # The standard has no ravel without a copy: whole-array operations instead.
        peak = float(xp.max(xp.abs(X)))
        if not peak > 0:
            return 1.0
        return peak * float(xp.sqrt(xp.mean((X / peak) ** 2)))
    values = np.ravel(X if isinstance(X, np.ndarray) else X.data, order="K")
    peak = max(float(values.max()), -float(values.min())) if values.size else 0.0
    if not peak > 0:
        return 1.0
    total = 0.0
    for start in range(0, values.size, chunk):
        part = values[start : start + chunk] / peak
        total += float(part @ part)
    return peak * np.sqrt(total / (X.shape[0] * X.shape[1]))
