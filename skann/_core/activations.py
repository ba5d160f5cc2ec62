"""Activation functions, each with its derivative beside it.

Every activation works in place on a pre-activation buffer ``Z`` (which becomes the
activation ``A``), and expresses its derivative through ``A`` alone, so that a layer
needs one buffer for the forward pass and nothing else for the backward pass.
"""

import numpy as np


def _exp_limit(dtype):
    # The seed clips the logistic input to [-500, 500]; float32 overflows earlier.
    return min(500.0, 0.9 * float(np.log(np.finfo(dtype).max)))


class Identity:
    """``A = Z``."""

    name = "identity"

    def forward(self, Z):
        """Return ``Z`` unchanged (in place)."""
        return Z

    def derivative(self, A, dA):
        """Return ``dZ = dA`` (in place)."""
        return dA


class ReLU:
    """``A = max(0, Z)``, with derivative ``1[Z > 0]``."""

    name = "relu"

    def forward(self, Z):
        """Overwrite ``Z`` with ``max(0, Z)`` and return it."""
        return np.maximum(Z, 0, out=Z)

    def derivative(self, A, dA):
        """Overwrite ``dA`` with ``dA * 1[A > 0]`` and return it."""
        # A > 0 exactly where Z > 0, so the mask matches the seed's relu_deriv(Z).
        return np.multiply(dA, A > 0, out=dA)


class Tanh:
    """``A = tanh(Z)``, with derivative ``1 - A**2``."""

    name = "tanh"

    def forward(self, Z):
        """Overwrite ``Z`` with ``tanh(Z)`` and return it."""
        return np.tanh(Z, out=Z)

    def derivative(self, A, dA):
        """Overwrite ``dA`` with ``dA * (1 - A**2)`` and return it."""
        dA *= 1 - A * A
        return dA


class Logistic:
    """``A = 1 / (1 + exp(-Z))``, with derivative ``A * (1 - A)``.

    ``Z`` is clipped first, as in the seed, so ``exp`` never overflows.
    """

    name = "logistic"

    def forward(self, Z):
        """Overwrite ``Z`` with ``sigmoid(Z)`` and return it."""
        limit = _exp_limit(Z.dtype)
        np.clip(Z, -limit, limit, out=Z)
        np.negative(Z, out=Z)
        np.exp(Z, out=Z)
        Z += 1
        return np.reciprocal(Z, out=Z)

    def derivative(self, A, dA):
        """Overwrite ``dA`` with ``dA * A * (1 - A)`` and return it."""
        dA *= A * (1 - A)
        return dA


class Softmax:
    """Row-wise ``A = exp(Z) / sum(exp(Z))``; used only as an output.

    The row maximum is subtracted first, so ``exp`` never overflows. Its derivative is
    never needed on its own: it is fused with the categorical cross-entropy.
    """

    name = "softmax"

    def forward(self, Z):
        """Overwrite ``Z`` with the row-wise softmax of ``Z`` and return it."""
        Z -= Z.max(axis=1, keepdims=True)
        np.exp(Z, out=Z)
        Z /= Z.sum(axis=1, keepdims=True)
        return Z


#: Hidden-layer activations by their public option string.
ACTIVATIONS = {cls.name: cls() for cls in (Identity, ReLU, Tanh, Logistic)}

#: Output activations by the name stored in ``out_activation_``.
OUTPUT_ACTIVATIONS = {"logistic": Logistic(), "softmax": Softmax()}
