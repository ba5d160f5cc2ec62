"""Activation functions, each with its derivative beside it.

Every activation works in place on a pre-activation buffer ``Z`` (which becomes the
activation ``A``), and expresses its derivative through ``A`` alone, so that a layer
needs one buffer for the forward pass and nothing else for the backward pass.
"""

import functools

import numpy as np
from scipy.special import expit

from .workspace import ZERO, aligned_empty, ones

#: Largest array of zeros that ReLU keeps; larger inputs compare against a scalar.
ZEROS_MAX_BYTES = 16 * 2**20
#: Below this many elements ReLU compares against the scalar 0 all the same: the
#: slower comparison costs less than finding the zeros.
ZEROS_MIN_SIZE = 256


@functools.lru_cache(maxsize=8)
def _zeros(shape, dtype):
    zeros = aligned_empty(shape, dtype)
    zeros[...] = 0
    zeros.flags.writeable = False
    return zeros


def _zeros_like(Z):
    # np.maximum runs several times faster against an array of zeros than against
    # the scalar 0. Zeros are kept for the few shapes a network's batches and
    # prediction chunks take, from ZEROS_MIN_SIZE elements up to ZEROS_MAX_BYTES.
    if Z.size < ZEROS_MIN_SIZE or Z.nbytes > ZEROS_MAX_BYTES:
        return ZERO[Z.dtype]
    return _zeros(Z.shape, Z.dtype)


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
        return np.maximum(Z, _zeros_like(Z), out=Z)

    def derivative(self, A, dA):
        """Overwrite ``dA`` with ``dA * 1[A > 0]`` and return it."""
        # A > 0 exactly where Z > 0, so the mask matches the seed's relu_deriv(Z).
        return np.multiply(dA, np.greater(A, ZERO[A.dtype]), out=dA)


class Tanh:
    """``A = tanh(Z)``, with derivative ``1 - A**2``."""

    name = "tanh"

    def forward(self, Z):
        """Overwrite ``Z`` with ``tanh(Z)`` and return it."""
        return np.tanh(Z, out=Z)

    def derivative(self, A, dA):
        """Overwrite ``dA`` with ``dA * (1 - A**2)`` and return it."""
        dA *= 1.0 - A * A
        return dA


class Logistic:
    """``A = 1 / (1 + exp(-Z))``, with derivative ``A * (1 - A)``.

    SciPy's ``expit`` computes it in one pass, without overflow for any ``Z``; it
    agrees with the seed's ``1 / (1 + exp(-clip(Z, -500, 500)))`` to a rounding
    error, except below ``Z = -500``, where it gives ``exp(Z)`` (or 0) instead of
    ``exp(-500)``.
    """

    name = "logistic"

    def forward(self, Z):
        """Overwrite ``Z`` with ``sigmoid(Z)`` and return it."""
        return expit(Z, out=Z)

    def derivative(self, A, dA):
        """Overwrite ``dA`` with ``dA * A * (1 - A)`` and return it."""
        dA *= A * (1.0 - A)
        return dA


class Softmax:
    """Row-wise ``A = exp(Z) / sum(exp(Z))``; used only as an output.

    Where some ``|Z|`` exceeds half the exponent range of the dtype (about 354 in
    float64, 44 in float32), the row maximum is subtracted first, so that ``exp``
    never overflows and no row underflows to zero. Within that range neither can
    happen, and the subtraction, the costliest pass over rows as short as a
    classifier's, is left out: the result is the same to a rounding error. Its
    derivative is never needed on its own: it is fused with the categorical
    cross-entropy.
    """

    name = "softmax"

    def forward(self, Z):
        """Overwrite ``Z`` with the row-wise softmax of ``Z`` and return it."""
        bound = _UNSHIFTED_BOUND[Z.dtype]
        # A NaN fails the comparison, and Z takes the shifted path as before.
        inside = np.maximum.reduce(Z, axis=None) <= bound
        if not (inside and np.minimum.reduce(Z, axis=None) >= -bound):
            Z -= _row_max(Z)
        np.exp(Z, out=Z)
        Z /= Z.dot(ones(Z.shape[1], Z.dtype))[:, np.newaxis]  # the row sums
        return Z


#: Largest |Z| a softmax exponentiates as it is: half the log of the largest number,
#: so that neither exp(Z) nor a sum of many of them overflows, nor underflows.
_UNSHIFTED_BOUND = {
    np.dtype(t): 0.5 * float(np.log(np.finfo(t).max)) for t in (np.float32, np.float64)
}


def _row_max(Z):
    # NumPy reduces a few long contiguous rows several times faster than many
    # short ones, so the maxima of Z's rows are taken down the columns of Z.T.
    return np.maximum.reduce(Z.T.copy(), axis=0)[:, np.newaxis]


#: Hidden-layer activations by their public option string.
ACTIVATIONS = {cls.name: cls() for cls in (Identity, ReLU, Tanh, Logistic)}

#: Output activations by the name stored in ``out_activation_``.
OUTPUT_ACTIVATIONS = {"logistic": Logistic(), "softmax": Softmax()}
