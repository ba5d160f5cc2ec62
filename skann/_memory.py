"""Whether a new network can train in memory, asked before any of it is allocated.

Training holds far more than the weights and biases: their gradients, the best
epoch's copy, an update's temporaries, the solver's state (momentum's velocity,
Adam's two moments, the float64 history of SciPy's L-BFGS-B) and a batch's
activations. :func:`training_bytes` counts them with the figures that
``benchmarks/memory.py`` measured (``benchmarks/README.md``: 5 parameter vectors
for 'gd', 8 for Adam, 42 for L-BFGS), and :func:`check_network_fits` refuses a
network whose training needs more than the memory available, naming
``hidden_size`` and the solver, before NumPy tries. Without the check, a large
enough ``hidden_size`` raises a bare ``MemoryError`` part way, or, where the system
overcommits memory (Linux by default), gets the process killed once the pages are
touched.
"""

import os

from ._engine import AUTO_BATCH_SIZE

#: Bytes per unit, largest first, for :func:`_size`.
_UNITS = [(2**50, "PiB"), (2**40, "TiB"), (2**30, "GiB"), (2**20, "MiB"), (1024, "KiB")]

#: What training holds at once per weight or bias, by solver: vectors of the
#: parameters' dtype, and float64 vectors (SciPy's L-BFGS-B computes in float64
#: whatever the network's dtype). The peaks ``benchmarks/memory.py`` measured,
#: rounded up to a whole vector in the dtype where they were larger: 'gd' 5.3
#: (the parameters, their gradients, the best epoch's copy, an update's
#: temporaries), 'momentum' 7.05 with Nesterov's step, 'adam' 9.05, 'lbfgs' 42.1
#: (about 2 vectors of the network and 40 of SciPy's).
SOLVER_VECTORS = {
    "gd": (6, 0),
    "momentum": (8, 0),
    "adam": (10, 0),
    "lbfgs": (2, 41),
}
#: Without a solver named, the parameters and their gradients alone.
_BARE_VECTORS = (2, 0)
#: An optimizer not measured (one of the user's, or added to OPTIMIZERS) is counted
#: as Adam, whose two moments are more state than most keep.
_UNMEASURED = "adam"
#: What else than the parameters each solver keeps, for the message.
_SOLVER_STATE = {
    "gd": "",
    "momentum": "the velocity",
    "adam": "Adam's two moments",
    "lbfgs": "the float64 vectors and history of SciPy's L-BFGS-B",
}
#: Arrays of a batch's rows by the network's units (pre-activations, activations
#: and their gradients) that training holds at once: 2.13 measured, rounded up.
BATCH_ARRAYS = 3


def available_memory():
    """Bytes of memory a new allocation can use, or None where it cannot be read.

    The least of: on Linux, the kernel's estimate ``MemAvailable`` (free memory
    plus the caches it can reclaim), elsewhere the physical memory, as POSIX
    systems report it; what the process's address-space and data limits
    (``ulimit -v``, ``ulimit -d``) leave; and what its container's memory limit
    (a cgroup's) leaves.
    """
    bounds = [_system_memory(), *_process_limits(), _cgroup_memory()]
    bounds = [bound for bound in bounds if bound is not None]
    return max(0, min(bounds)) if bounds else None


def _system_memory():
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


def _process_limits():
    """What ``RLIMIT_AS`` and ``RLIMIT_DATA`` leave above the process's use."""
    try:
        import resource
    except ImportError:  # Windows
        return []
    left = []
    for limit, used in (
        (resource.RLIMIT_AS, "VmSize"),
        (resource.RLIMIT_DATA, "VmData"),
    ):
        soft = resource.getrlimit(limit)[0]
        if soft == resource.RLIM_INFINITY:
            continue
        left.append(soft - (_status_bytes(used) or 0))
    return left


def _status_bytes(field):
    """The ``field`` of ``/proc/self/status`` in bytes, or None."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


#: The memory limit, usage and statistics files of cgroup v2 and of cgroup v1.
_CGROUPS = [
    ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current", "inactive_file"),
    (
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",
        "/sys/fs/cgroup/memory/memory.usage_in_bytes",
        "total_inactive_file",
    ),
]


def _cgroup_memory():
    """What the container's memory limit leaves, or None without a limit.

    As ``docker stats`` counts it, the page cache the kernel can drop (inactive
    files) is not in use.
    """
    for limit_path, usage_path, reclaimable in _CGROUPS:
        try:
            with open(limit_path) as f:
                limit = f.read().strip()
            with open(usage_path) as f:
                usage = int(f.read())
        except (OSError, ValueError):
            continue
        # "max" (v2), or a value near 2**63 (v1): no limit.
        if not limit.isdigit() or int(limit) >= 2**60:
            return None
        stat = os.path.join(os.path.dirname(limit_path), "memory.stat")
        return int(limit) - usage + _cgroup_stat(stat, reclaimable)
    return None


def _cgroup_stat(path, key):
    try:
        with open(path) as stat:
            for line in stat:
                name, _, value = line.partition(" ")
                if name == key:
                    return int(value)
    except (OSError, ValueError):
        pass
    return 0


def _size(n_bytes):
    """``n_bytes`` in the largest binary unit it reaches, to 3 digits."""
    for unit_bytes, unit in _UNITS:
        if n_bytes >= unit_bytes:
            return f"{n_bytes / unit_bytes:.3g} {unit}"
    return f"{n_bytes} bytes"


def batch_rows(solver, batch_size, n_samples=None):
    """Rows in each batch of a fit: all ``n_samples`` for L-BFGS and
    ``batch_size=None``; 0 where they are not known."""
    if solver == "lbfgs" or batch_size is None:
        return n_samples or 0
    cap = AUTO_BATCH_SIZE if batch_size == "auto" else batch_size
    return cap if n_samples is None else min(cap, n_samples)


def _measured(solver):
    """The key of ``SOLVER_VECTORS`` that ``solver``, a name or an object, counts as."""
    if isinstance(solver, str) and solver in SOLVER_VECTORS:
        return solver
    return _UNMEASURED


def training_bytes(layer_sizes, itemsize, solver=None, rows=0):
    """Bytes that training a network of ``layer_sizes`` holds at its peak.

    Parameters
    ----------
    layer_sizes : tuple of int
        ``(n_features, *hidden_sizes, n_outputs)``.
    itemsize : int
        Bytes of one parameter.
    solver : str, Optimizer or None, default=None
        The solver, counted as its entry of :data:`SOLVER_VECTORS` (an optimizer
        without one as 'adam'); None counts the parameters and their gradients
        alone.
    rows : int, default=0
        Rows of a batch, whose activations are counted too.
    """
    pairs = list(zip(layer_sizes[:-1], layer_sizes[1:]))
    n_params = sum((n_in + 1) * n_out for n_in, n_out in pairs)
    own, float64 = (
        _BARE_VECTORS if solver is None else SOLVER_VECTORS[_measured(solver)]
    )
    units = sum(n_out for _, n_out in pairs)
    return n_params * (own * itemsize + float64 * 8) + (
        BATCH_ARRAYS * rows * units * itemsize
    )


def too_large(layer_sizes, hidden_size, dtype, available, *, solver=None, rows=0):
    """The message refusing ``hidden_size``: its training needs more than
    ``available``, a number of bytes or a phrase saying why there was none."""
    need = _size(training_bytes(layer_sizes, dtype.itemsize, solver, rows))
    if not isinstance(available, str):
        available = f"the {_size(available)} of memory available"
    start = f"hidden_size={hidden_size!r} asks for a network of layers {layer_sizes}, "
    if solver is None:
        return (
            f"{start}whose weights and biases with their gradients alone would take "
            f"{need} in {dtype.name}, more than {available}. Choose a smaller "
            "hidden_size, or fewer features."
        )
    state = _SOLVER_STATE[solver] if _measured(solver) == solver else "its state"
    parts = ["its weights and biases", "their gradients", state]
    if solver != "lbfgs":
        parts.append("a copy of the best epoch's weights")
    if rows:
        parts.append(f"the activations of up to {rows} rows at once")
    remedies = ["a smaller hidden_size", "fewer features"]
    if solver == "lbfgs":
        remedies.append("solver='adam', which needs about a quarter of the memory")
    if rows > AUTO_BATCH_SIZE:
        remedies.append("a smaller batch_size")
    return (
        f"{start}whose training with solver={solver!r} would take {need} in "
        f"{dtype.name} ({', '.join(p for p in parts if p)}), more than "
        f"{available}. Choose {', '.join(remedies[:-1])} or {remedies[-1]}."
    )


def check_network_fits(
    layer_sizes, hidden_size, dtype, *, solver=None, batch_size="auto", n_samples=None
):
    """Raise a ValueError naming ``hidden_size`` if its training cannot fit in memory.

    Parameters
    ----------
    layer_sizes : tuple of int
        ``(n_features, *hidden_sizes, n_outputs)``.
    hidden_size : int or tuple of int
        The estimator's parameter, as the user gave it.
    dtype : numpy.dtype
        Floating dtype of the parameters.
    solver : str or None, default=None
        The estimator's ``solver``, whose state is counted; None counts the
        parameters and their gradients alone.
    batch_size : int, 'auto' or None, default='auto'
        The estimator's ``batch_size``: a batch's activations are counted.
    n_samples : int or None, default=None
        Training rows; where None, a full batch's activations are not counted.
    """
    available = available_memory()
    if available is None:
        return
    rows = 0 if solver is None else batch_rows(solver, batch_size, n_samples)
    if training_bytes(layer_sizes, dtype.itemsize, solver, rows) > available:
        raise ValueError(
            too_large(
                layer_sizes, hidden_size, dtype, available, solver=solver, rows=rows
            )
        )
