"""Activation functions, each with its derivative beside it.

``forward(Z, xp)`` turns a layer's pre-activation ``Z`` into its activation ``A``;
``derivative(Z, A, dA, xp)`` turns the gradient with respect to ``A`` into the
gradient with respect to ``Z``, reading ``Z``, ``A`` or both. ``xp`` is the arrays'
namespace (see ``namespaces.py``).

Both may overwrite their input: ``Z`` is a fresh product that nothing else reads,
and ``dA`` a fresh gradient. With NumPy, ``forward`` writes in place through
``out=`` arguments, which the Array API standard does not have; other namespaces
get a new array. An activation whose ``forward`` overwrites ``Z`` hands its
``derivative`` the ``A`` it wrote there as ``Z`` too, so only one whose derivative
reads ``A`` alone may do so; one that reads ``Z`` (GELU) leaves it as it is.

``he_init`` says which initial scale ``init_scale='auto'`` gives the weights into a
layer of the activation: He's, for units that pass one side of zero and damp the
other (ReLU, GELU), or Glorot's. ``onnx_op`` names the ONNX operator that computes
it, for export. Each is a subclass of :class:`Activation`, the protocol an object
passed as ``activation=`` follows too.
"""

import numpy as np
from scipy.special import expit

from .hyperparameters import Hyperparameters
from .registry import Names


class Activation(Hyperparameters):
    """Base class of hidden-layer activations: subclass it to write your own.

    An instance is passed as an estimator's ``activation`` in place of a name, as
    in ``ANNClassifier(activation=SiLU())``. A subclass defines :meth:`forward`
    and :meth:`derivative`; both take the arrays' namespace ``xp`` (NumPy, or
    that of PyTorch's tensors under ``array_api_dispatch``): written with ``xp``
    and the Array API standard's functions, an activation serves every namespace.
    Hyperparameters, if it has any, are keyword arguments of ``__init__`` with
    defaults, each stored under its own name, as an estimator's: the estimator is
    then cloned, pickled and searched over with the activation in it
    (``activation__beta`` in a grid). Training never changes the object: it must
    hold nothing but its hyperparameters.

    Attributes
    ----------
    he_init : bool, default=False
        Whether ``init_scale='auto'`` draws the weights into a layer of this
        activation at He's scale ``sqrt(2 / fan_in)``, for units that pass one
        side of zero and damp the other (ReLU); else at Glorot's.
    onnx_op : str or None, default=None
        The ONNX operator of one input that computes the activation (``'Relu'``),
        for :func:`skann.onnx.to_onnx`; None refuses the export.
    dies_at_zero : bool, default=False
        Whether a unit that outputs 0 on every row passes back no gradient
        (ReLU's, below zero), so that it can never learn again: the checks after
        ``fit`` then warn of a hidden layer whose every unit is so.

    See Also
    --------
    skann.plugins.Loss : The protocol of a loss.
    skann.plugins.Optimizer : The protocol of an optimizer.

    Notes
    -----
    ``forward(Z, xp)`` returns ``A = f(Z)`` for the pre-activations ``Z`` of a
    batch, ``(n_samples, n_units)``. ``derivative(Z, A, dA, xp)`` returns ``dZ =
    dA * f'(Z)``, the gradient of the loss with respect to ``Z``, given ``dA``, its
    gradient with respect to ``A``; it may read ``Z``, ``A`` or both. Both may
    return new arrays; ``derivative`` may also write into ``dA``, a fresh array
    nothing else reads, but neither may change ``Z`` or ``A``.

    Examples
    --------
    >>> import numpy as np
    >>> from skann.plugins import Activation
    >>> class Softsign(Activation):
    ...     def forward(self, Z, xp):
    ...         return Z / (1 + xp.abs(Z))
    ...     def derivative(self, Z, A, dA, xp):
    ...         return dA / (1 + xp.abs(Z)) ** 2
    >>> Softsign().forward(np.array([[-1.0, 3.0]]), np)
    array([[-0.5 ,  0.75]])
    """

    he_init = False
    onnx_op = None
    dies_at_zero = False

    def forward(self, Z, xp=np):
        """Return ``A = f(Z)``."""
        raise NotImplementedError(f"{type(self).__name__} defines no forward")

    def derivative(self, Z, A, dA, xp=np):
        """Return ``dZ = dA * f'(Z)``."""
        raise NotImplementedError(f"{type(self).__name__} defines no derivative")


class Identity(Activation):
    """``A = Z``."""

    name = "identity"
    he_init = False
    onnx_op = "Identity"

    def forward(self, Z, xp=np):
        """Return ``Z`` unchanged."""
        return Z

    def derivative(self, Z, A, dA, xp=np):
        """Return ``dZ = dA``."""
        return dA


class ReLU(Activation):
    """``A = max(0, Z)``, with derivative ``1[Z > 0]``."""

    name = "relu"
    he_init = True
    onnx_op = "Relu"
    dies_at_zero = True

    def forward(self, Z, xp=np):
        """Return ``max(0, Z)``."""
        if xp is np:
            return np.maximum(Z, 0, out=Z)
        return xp.clip(Z, min=0.0)

    def derivative(self, Z, A, dA, xp=np):
        """Return ``dA * 1[A > 0]``."""
        # A > 0 exactly where Z > 0, so the mask is the seed's relu_deriv(Z).
        if xp is np:
            # NumPy multiplies by the boolean mask in place; the standard does not
            # mix booleans with floats.
            dA *= A > 0
            return dA
        # Since A >= 0, the mask is also ceil(min(A, 1)), in two float operations:
        # on PyTorch's CPU, a comparison or a where costs as much as a product.
        dA *= xp.ceil(xp.clip(A, max=1.0))
        return dA


class Tanh(Activation):
    """``A = tanh(Z)``, with derivative ``1 - A**2``."""

    name = "tanh"
    he_init = False
    onnx_op = "Tanh"

    def forward(self, Z, xp=np):
        """Return ``tanh(Z)``."""
        if xp is np:
            return np.tanh(Z, out=Z)
        return xp.tanh(Z)

    def derivative(self, Z, A, dA, xp=np):
        """Return ``dA * (1 - A**2)``."""
        dA *= 1 - A * A
        return dA


class Logistic(Activation):
    """``A = 1 / (1 + exp(-Z))``, with derivative ``A * (1 - A)``.

    Neither form overflows: SciPy's ``expit`` for NumPy, and elsewhere
    ``exp(min(Z, 0)) / (1 + exp(-|Z|))``, whose exponentials are at most 1 (it is
    ``exp(Z) / (1 + exp(Z))`` below 0). Both agree with the seed's
    ``1 / (1 + exp(-clip(Z, -500, 500)))`` to a rounding error, except below
    ``Z = -500``, where they give ``exp(Z)`` (or 0) instead of ``exp(-500)``.
    """

    name = "logistic"
    he_init = False
    onnx_op = "Sigmoid"

    def forward(self, Z, xp=np):
        """Return ``sigmoid(Z)``."""
        if xp is np:
            return expit(Z, out=Z)
        return xp.exp(xp.clip(Z, max=0.0)) / (1 + xp.exp(-xp.abs(Z)))

    def derivative(self, Z, A, dA, xp=np):
        """Return ``dA * A * (1 - A)``."""
        dA *= A * (1 - A)
        return dA


class GELU(Activation):
    """``A = Z * Phi(Z)``, in the tanh form of Hendrycks and Gimpel::

        A = Z / 2 * (1 + tanh(u)),      u = c * (Z + k * Z**3)
        dA/dZ = (1 + tanh(u)) / 2 + Z / 2 * (1 - tanh(u)**2) * c * (1 + 3 * k * Z**2)

    with ``c = sqrt(2 / pi)`` and ``k = 0.044715``. The exact form needs ``erf``,
    which the Array API standard does not have; the tanh form is within 5e-4 of it
    everywhere and is PyTorch's ``approximate='tanh'``. The derivative reads ``Z``
    (it is not a function of ``A`` alone), so ``forward`` leaves ``Z`` as it is.
    """

    name = "gelu"
    he_init = True
    onnx_op = "Gelu"
    c = float(np.sqrt(2 / np.pi))
    k = 0.044715

    def forward(self, Z, xp=np):
        """Return ``Z / 2 * (1 + tanh(c * (Z + k * Z**3)))``, a new array."""
        return 0.5 * Z * (1 + xp.tanh(self.c * (Z + self.k * Z * Z * Z)))

    def derivative(self, Z, A, dA, xp=np):
        """Return ``dA * dA/dZ``, from ``Z``."""
        T = xp.tanh(self.c * (Z + self.k * Z * Z * Z))
        slope = 0.5 * (1 + T) + 0.5 * Z * (1 - T * T) * self.c * (
            1 + 3 * self.k * Z * Z
        )
        dA *= slope
        return dA


class Softmax(Activation):
    """Row-wise ``A = exp(Z) / sum(exp(Z))``; used only as an output.

    Subtracting each row's maximum from ``Z`` first changes nothing mathematically
    and keeps ``exp`` from overflowing (and a row's sum from underflowing to zero).
    On rows as short as a classifier's it is the costliest step, and it matters only
    when some ``|Z|`` is beyond half the exponent range of the dtype (about 354 in
    float64, 44 in float32), which two whole-array reductions tell; done only then,
    an epoch on digits runs 5% faster with NumPy. Other namespaces always subtract
    it: the test would wait for a device to answer. The derivative is never needed
    on its own: it is fused with the categorical cross-entropy (see ``losses.py``).
    """

    name = "softmax"

    def forward(self, Z, xp=np):
        """Return the row-wise softmax of ``Z``, which it may overwrite."""
        if xp is np:
            bound = _HALF_EXPONENT_RANGE[Z.dtype]
            # A NaN fails both comparisons and takes the shifted path.
            if not (Z.max() <= bound and Z.min() >= -bound):
                Z -= Z.max(axis=1, keepdims=True)
            np.exp(Z, out=Z)
            Z /= Z.sum(axis=1, keepdims=True)
            return Z
        E = xp.exp(Z - xp.max(Z, axis=1, keepdims=True))
        return E / xp.sum(E, axis=1, keepdims=True)


class Exp(Activation):
    """``A = exp(Z)``, the inverse of the log link; used only as an output.

    Its derivative is ``A`` itself, but it is never needed on its own: it is fused
    with the Poisson deviance (see ``losses.py``). Like MLPRegressor's, it does not
    clip ``Z``: an output beyond the dtype's range is ``inf``, which training
    reports as a divergence.
    """

    name = "exp"

    def forward(self, Z, xp=np):
        """Return ``exp(Z)``, which it may write over ``Z``."""
        if xp is np:
            return np.exp(Z, out=Z)
        return xp.exp(Z)


#: Half the log of the largest number of each floating dtype.
_HALF_EXPONENT_RANGE = {
    np.dtype(t): 0.5 * float(np.log(np.finfo(t).max)) for t in (np.float32, np.float64)
}

#: Hidden-layer activations by their public option string.
ACTIVATIONS = {cls.name: cls() for cls in (Identity, ReLU, Tanh, Logistic, GELU)}

#: Output activations by the name stored in ``out_activation_``.
OUTPUT_ACTIVATIONS = {cls.name: cls() for cls in (Identity, Logistic, Softmax, Exp)}

#: The names ``activation=`` takes, as they are when read.
ACTIVATION_NAMES = Names(ACTIVATIONS)


def activation_of(activation, output=False):
    """The activation object of ``activation``: a name, or an ``Activation``.

    A name is looked up in ``OUTPUT_ACTIVATIONS`` for the ``output`` layer, else
    in ``ACTIVATIONS``.
    """
    if isinstance(activation, Activation):
        return activation
    return (OUTPUT_ACTIVATIONS if output else ACTIVATIONS)[activation]
