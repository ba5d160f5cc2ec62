"""Memory of training, per solver: the figures of ``skann/_memory.py``.

Usage::

    python benchmarks/memory.py

The peak of the memory NumPy and SciPy allocate during ``fit`` (tracemalloc, which
sees every NumPy array and SciPy's L-BFGS-B workspace), less what was allocated
before it, in two parts:

* per parameter: a network of 1000 (then 3000) features, 1000 hidden units and 2
  classes, fitted for 3 epochs on 20 rows, so that its activations are negligible,
  for each solver at its defaults, in float64 and float32. The peak is divided by
  the number of weights and biases, and by the bytes of one of them: the number of
  parameter vectors that training holds at once.
* per batch: a network of 5 features, 1000 hidden units and 2 classes, fitted in
  full batches on 4000 and on 8000 rows. The difference of the two peaks, divided by
  4000 rows times 1002 units times 8 bytes, is the number of arrays of a batch's
  activations that training holds at once.
"""

import tracemalloc
import warnings

import numpy as np

from skann import ANNClassifier

SOLVERS = {
    "gd": dict(solver="gd"),
    "momentum": dict(solver="momentum"),
    "momentum, nesterov": dict(solver="momentum", nesterov=True),
    "adam": dict(solver="adam"),
    "lbfgs": dict(solver="lbfgs"),
}


def peak_bytes(n_rows, n_features, hidden, dtype, **params):
    """The peak of NumPy's memory during one fit, less what was there before."""
    rng = np.random.RandomState(0)
    X = rng.randn(n_rows, n_features).astype(dtype)
    y = np.arange(n_rows) % 2
    clf = ANNClassifier(hidden, epochs=3, random_state=0, **params)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 3 epochs do not converge
        clf.fit(X, y)
    peak = tracemalloc.get_traced_memory()[1] - before
    tracemalloc.stop()
    n_params = sum(W.size + b.size for W, b in zip(clf.coefs_, clf.intercepts_))
    return peak, n_params


def per_parameter():
    print("| solver | dtype | vectors at 1000 features | at 3000 | bytes a parameter |")
    print("|---|---|---:|---:|---:|")
    for name, params in SOLVERS.items():
        for dtype in (np.float64, np.float32):
            itemsize = np.dtype(dtype).itemsize
            ratios = []
            for n_features in (1000, 3000):
                peak, n_params = peak_bytes(20, n_features, 1000, dtype, **params)
                ratios.append(peak / (n_params * itemsize))
            print(
                f"| {name} | {np.dtype(dtype).name} | {ratios[0]:.2f} | "
                f"{ratios[1]:.2f} | {ratios[1] * itemsize:.1f} |"
            )


def per_batch():
    print()
    print("| solver | activation arrays of a batch |")
    print("|---|---:|")
    for name in ("gd", "adam", "lbfgs"):
        params = dict(SOLVERS[name], batch_size=None)
        small, _ = peak_bytes(4000, 5, 1000, np.float64, **params)
        large, _ = peak_bytes(8000, 5, 1000, np.float64, **params)
        print(f"| {name} | {(large - small) / (4000 * 1002 * 8):.2f} |")


if __name__ == "__main__":
    per_parameter()
    per_batch()
