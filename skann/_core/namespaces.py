"""The array namespace the engine computes in: NumPy, or another of the standard.

The engine takes its namespace ``xp`` from its caller, who has it from the arrays
(scikit-learn's ``get_namespace`` under ``array_api_dispatch``): a module of the
Array API standard such as ``array_api_strict``, or a wrapper of one, such as
array-api-compat's for PyTorch. :func:`namespace` turns every NumPy namespace into
NumPy's own module, so that ``xp is np`` tells where NumPy may take its faster
ways outside the standard (``out=`` buffers, ``.dot``, SciPy's sparse matrices)
and where it must keep to the calls NumPy 1.x has too. Weights are always drawn
with NumPy's generator and then moved to the namespace and its device, so the same
``random_state`` gives the same network in every namespace.
"""

from dataclasses import dataclass

import numpy as np


def namespace(xp):
    """Return ``np`` for None or a namespace of NumPy arrays, ``xp`` otherwise.

    array-api-compat's NumPy wrapper (also as scikit-learn vendors it) counts as
    NumPy.
    """
    if xp is None or xp is np:
        return np
    name = getattr(xp, "__name__", "")
    if name == "numpy" or name.endswith("array_api_compat.numpy"):
        return np
    return xp


def to_numpy(x, xp):
    """Return ``x`` as a NumPy array on the host, without a copy where it lives there.

    Parameters
    ----------
    x : array of ``xp``
    xp : namespace, as :func:`namespace` returns it
    """
    if xp is np:
        return x
    try:
        # DLPack is the standard's way between libraries; with device="cpu",
        # NumPy (2.1 or later) asks the producer for a copy on the host.
        return np.from_dlpack(x, device="cpu")
    except (AttributeError, BufferError, NotImplementedError, TypeError, ValueError):
        # A library before DLPack 1.0 cannot copy that way; what lives on the
        # host still converts.
        return np.asarray(x)


def from_numpy(a, xp, dtype=None, device=None):
    """Return the NumPy array ``a`` as an array of ``xp`` on ``device``.

    ``dtype``, a dtype of ``xp``, converts it; None keeps its own.
    """
    if xp is np:
        return a if dtype is None else a.astype(dtype, copy=False)
    return xp.asarray(a, dtype=dtype, device=device)


def take_rows(X, rows, xp):
    """Return the rows ``rows`` (a slice, or an integer array of ``xp``) of ``X``."""
    if xp is np:
        # NumPy's indexing, which SciPy's sparse matrices share.
        return X[rows]
    if isinstance(rows, slice):
        return X[rows, ...]
    return xp.take(X, rows, axis=0)


def device_of(x, xp):
    """Return the device ``x`` lives on; None for NumPy, which has one only from 2.0."""
    return None if xp is np else x.device


def itemsize(dtype, xp):
    """Bytes of one element of the floating ``dtype`` of ``xp``."""
    return xp.finfo(dtype).bits // 8


def all_finite(x, xp):
    """Return whether every element of ``x`` is finite, as a Python bool."""
    return bool(xp.all(xp.isfinite(x)))


@dataclass(frozen=True)
class Placement:
    """Where new arrays are made: a namespace, a device of it, and a floating dtype.

    Parameters
    ----------
    xp : namespace, default=None
        None means NumPy.
    device : device of ``xp``, default=None
        None means the namespace's default.
    dtype : floating dtype of ``xp``, default=None
        None means ``xp.float64``.
    """

    xp: object = None
    device: object = None
    dtype: object = None
