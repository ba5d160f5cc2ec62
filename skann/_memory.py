"""Whether a new network can fit in memory, asked before any of it is allocated.

Training holds two vectors of every weight and bias for its whole length, the
parameters and their gradients; a network whose two vectors alone exceed the memory
the system has available can never train, so :func:`check_network_fits` refuses it
before NumPy tries. Without the check, a large enough ``hidden_size`` raises a bare
``MemoryError``, or, where the system overcommits memory (Linux by default), gets
the process killed once the pages are touched.
"""

import os

#: Bytes per unit, largest first, for :func:`_size`.
_UNITS = [(2**50, "PiB"), (2**40, "TiB"), (2**30, "GiB"), (2**20, "MiB"), (1024, "KiB")]


def available_memory():
    """Bytes of memory a new allocation can use, or None where it cannot be read.

    On Linux, the kernel's estimate ``MemAvailable`` (free memory plus the caches
    it can reclaim); elsewhere, the physical memory, as POSIX systems report it.
    """
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None  # Windows, which raises MemoryError instead of overcommitting


def _size(n_bytes):
    """``n_bytes`` in the largest binary unit it reaches, to 3 digits."""
    for unit_bytes, unit in _UNITS:
        if n_bytes >= unit_bytes:
            return f"{n_bytes / unit_bytes:.3g} {unit}"
    return f"{n_bytes} bytes"


def network_bytes(layer_sizes, itemsize):
    """Bytes of the parameters and the gradients of a network of ``layer_sizes``."""
    pairs = zip(layer_sizes[:-1], layer_sizes[1:])
    return 2 * itemsize * sum((n_in + 1) * n_out for n_in, n_out in pairs)


def too_large(layer_sizes, hidden_size, dtype, available):
    """The message refusing ``hidden_size``: its network needs more than ``available``.

    ``available`` is a number of bytes, or a phrase saying why there was none.
    """
    need = network_bytes(layer_sizes, dtype.itemsize)
    if not isinstance(available, str):
        available = f"the {_size(available)} of memory available"
    return (
        f"hidden_size={hidden_size!r} asks for a network of layers {layer_sizes}, "
        f"whose weights and biases with their gradients alone would take "
        f"{_size(need)} in {dtype.name}, more than {available}. Choose a smaller "
        "hidden_size, or fewer features."
    )


def check_network_fits(layer_sizes, hidden_size, dtype):
    """Raise a ValueError naming ``hidden_size`` if its network cannot fit in memory.

    Parameters
    ----------
    layer_sizes : tuple of int
        ``(n_features, *hidden_sizes, n_outputs)``.
    hidden_size : int or tuple of int
        The estimator's parameter, as the user gave it.
    dtype : numpy.dtype
        Floating dtype of the parameters.
    """
    available = available_memory()
    if available is not None and network_bytes(layer_sizes, dtype.itemsize) > available:
        raise ValueError(too_large(layer_sizes, hidden_size, dtype, available))
