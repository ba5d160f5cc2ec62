"""The namespaces, devices and dtypes the array API tests run in, as a user's data
come: NumPy through array-api-compat, array-api-strict on its two devices, torch on
the CPU and CUDA, CuPy. Cases whose library or device is missing skip; the
``space`` fixture (``conftest.py``) runs a test in each."""

import importlib
from dataclasses import dataclass

import numpy as np
import pytest


def array_api_compat():
    """scikit-learn's array-api-compat, which it vendors from 1.7 on."""
    return pytest.importorskip("sklearn.externals.array_api_compat")


def compat(name):
    """array-api-compat's wrapper of the namespace ``name``, as scikit-learn's."""
    return importlib.import_module(f"{array_api_compat().__name__}.{name}")


@dataclass
class Space:
    """A namespace, a device in it and a floating dtype."""

    xp: object
    device: object
    dtype: object
    np_dtype: type

    def asarray(self, a):
        a = np.asarray(a)
        dtype = self.dtype if a.dtype.kind == "f" else None
        return self.xp.asarray(a, dtype=dtype, device=self.device)


def _numpy():
    return Space(compat("numpy"), None, np.float64, np.float64)


def _strict(device_name, dtype_name="float64"):
    xp = pytest.importorskip("array_api_strict")
    if xp.get_array_api_strict_flags()["api_version"] < "2024.12":
        # scikit-learn 1.9 asks for the standard's 2025.12 version itself; the
        # engine counts with count_nonzero, which came in 2024.12.
        xp.set_array_api_strict_flags(api_version="2024.12")
    return Space(
        xp, xp.Device(device_name), getattr(xp, dtype_name), getattr(np, dtype_name)
    )


def _torch(device_name, dtype_name):
    torch = pytest.importorskip("torch")
    if device_name == "cuda" and not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    xp = compat("torch")
    dtype = getattr(torch, dtype_name)
    return Space(xp, torch.device(device_name), dtype, getattr(np, dtype_name))


def _cupy():
    pytest.importorskip("cupy")
    xp = compat("cupy")
    return Space(xp, None, xp.float64, np.float64)


SPACES = {
    "numpy": _numpy,
    "array_api_strict-cpu": lambda: _strict("CPU_DEVICE"),
    "array_api_strict-device1": lambda: _strict("device1"),
    "torch-cpu-float64": lambda: _torch("cpu", "float64"),
    "torch-cpu-float32": lambda: _torch("cpu", "float32"),
    "torch-cuda-float64": lambda: _torch("cuda", "float64"),
    "torch-cuda-float32": lambda: _torch("cuda", "float32"),
    "cupy-float64": _cupy,
}


def tolerance(space):
    """How closely a run in ``space`` follows NumPy's float64 run.

    float32 runs round in other orders than NumPy's, and training carries the
    rounding over its steps.
    """
    return 1e-9 if space.np_dtype is np.float64 else 1e-4


def assert_lives_in(a, space, dtype=None):
    """``a`` is an array of ``space``'s namespace, on its device (and in ``dtype``)."""
    aac = array_api_compat()
    assert aac.array_namespace(a) is space.xp
    if space.device is not None:
        assert aac.device(a) == space.device
    if dtype is not None:
        assert a.dtype == dtype
