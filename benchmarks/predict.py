"""Prediction speed: skann against MLPClassifier and skann's ONNX export.

Usage::

    python benchmarks/predict.py [--quick]

For each model, the same weights serve scikit-learn's ``MLPClassifier`` (its
``coefs_`` and ``intercepts_`` copied from skann's), skann and skann's ONNX graph
under onnxruntime (float64, one intra-op thread per call as a service would pin
it, if the ``onnx`` extra is installed). ``predict`` and ``predict_proba`` are timed
on 1, 10, 1000 and 100 000 rows, alternately, at the process's default BLAS
threads; the median of several batches of calls is reported with MLP time / skann
time (above 1: skann is faster). Models:

* dense 30 -> 64 -> 2 (breast cancer's shape),
* dense 784 -> (512, 256) -> 10 (digits at MNIST's size),
* sparse 100 000 -> 64 -> 2 (a bag of words; X in CSR with 30 words a row).

Last, the memory one ``predict`` call allocates on one row (tracemalloc), against
the size of the model.
"""

import argparse
import time
import tracemalloc
import warnings

import numpy as np
import scipy.sparse as sp
from compare import describe_machine
from sklearn.neural_network import MLPClassifier

from skann import ANNClassifier

ROWS = (1, 10, 1000, 100_000)


def dense_data(n_rows, n_features, n_classes, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n_rows, n_features))
    return X, np.arange(n_rows) % n_classes


def sparse_data(n_rows, n_features, n_classes, seed=0, per_row=30):
    rng = np.random.RandomState(seed)
    cols = rng.randint(0, n_features, size=n_rows * per_row)
    rows = np.repeat(np.arange(n_rows), per_row)
    X = sp.csr_matrix(
        (rng.random_sample(n_rows * per_row), (rows, cols)), (n_rows, n_features)
    )
    return X, np.arange(n_rows) % n_classes


MODELS = {
    "30 -> 64 -> 2": ((64,), lambda n: dense_data(n, 30, 2)),
    "784 -> (512, 256) -> 10": ((512, 256), lambda n: dense_data(n, 784, 10)),
    "sparse 100000 -> 64 -> 2": ((64,), lambda n: sparse_data(n, 100_000, 2)),
}


def fitted_pair(hidden, make):
    """skann fitted briefly, and an MLPClassifier holding the very same weights."""
    X, y = make(2000)
    ours = ANNClassifier(
        hidden,
        solver="adam",
        lr=1e-3,
        batch_size=200,
        epochs=1,
        init_scale="auto",
        tol=None,
        random_state=0,
    ).fit(X, y)
    theirs = MLPClassifier(hidden, max_iter=1, random_state=0).fit(X, y)
    theirs.coefs_ = [W.copy() for W in ours.coefs_]
    theirs.intercepts_ = [b.copy() for b in ours.intercepts_]
    np.testing.assert_allclose(theirs.predict_proba(X), ours.predict_proba(X))
    return ours, theirs


def onnx_session(est, X):
    try:
        import onnxruntime as ort

        from skann.onnx import to_onnx
    except ImportError:
        return None
    if sp.issparse(X):
        return None  # the graph takes dense tensors
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    model = to_onnx(est, X[:1])
    session = ort.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    name = session.get_inputs()[0].name
    return lambda rows: session.run(None, {name: rows})


def per_call(fn, X, budget):
    """Median seconds of one call of ``fn(X)`` over batches of ``budget`` seconds."""
    fn(X)
    start, calls = time.perf_counter(), 0
    while time.perf_counter() - start < budget / 5 or calls < 3:
        fn(X)
        calls += 1
    per_batch = max(1, calls // 3)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(per_batch):
            fn(X)
        times.append((time.perf_counter() - start) / per_batch)
    return float(np.median(times))


def measure(quick):
    budget = 0.05 if quick else 0.3
    rows_out = []
    for name, (hidden, make) in MODELS.items():
        ours, theirs = fitted_pair(hidden, make)
        X_all, _ = make(max(ROWS) if not quick else 10_000)
        onnx = onnx_session(ours, X_all)
        for n in ROWS:
            X = X_all[:n]
            if X.shape[0] < n:
                continue
            for method in ("predict", "predict_proba"):
                mlp_s = per_call(getattr(theirs, method), X, budget)
                ours_s = per_call(getattr(ours, method), X, budget)
                onnx_s = per_call(onnx, X, budget) if onnx is not None else None
                rows_out.append((name, n, method, mlp_s, ours_s, onnx_s))
    return rows_out


def one_row_memory():
    out = []
    for name, (hidden, make) in MODELS.items():
        ours, _ = fitted_pair(hidden, make)
        X, _ = make(1)
        model = sum(W.nbytes + b.nbytes for W, b in zip(ours.coefs_, ours.intercepts_))
        ours.predict(X)
        tracemalloc.start()
        ours.predict(X)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        out.append((name, model, peak))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter timings")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    describe_machine()
    print(
        "\n| model | rows | method | MLP µs | skann µs | ONNX µs | MLP / skann |"
        "\n|---|---:|---|---:|---:|---:|---:|"
    )
    for name, n, method, mlp_s, ours_s, onnx_s in measure(args.quick):
        onnx = f"{onnx_s * 1e6:.1f}" if onnx_s is not None else "-"
        print(
            f"| {name} | {n} | {method} | {mlp_s * 1e6:.1f} | {ours_s * 1e6:.1f} "
            f"| {onnx} | {mlp_s / ours_s:.2f} |"
        )
    print("\n| model | model size | one row's predict allocates |\n|---|---:|---:|")
    for name, model, peak in one_row_memory():
        print(f"| {name} | {model / 1e6:.1f} MB | {peak / 1e3:.1f} kB |")


if __name__ == "__main__":
    main()
