"""Per-epoch speed of skann against MLPClassifier running the same algorithm.

Usage::

    python benchmarks/compare.py [--quick]

Both estimators run plain gradient descent on the cross-entropy, with a ReLU hidden
layer (or two), a logistic or softmax output, no momentum, no L2 penalty, no
shuffling and no early stop, on the same batches:
``MLPClassifier(solver="sgd", momentum=0, nesterovs_momentum=False, alpha=0,
shuffle=False, tol=0, n_iter_no_change=epochs + 1)`` against
``ANNClassifier(solver="gd", shuffle=False)``. skann starts from MLPClassifier's own
initial weights, so the two loss curves can be compared epoch by epoch (see
``benchmarks/README.md``).

Each workload fits MLPClassifier and skann alternately several times in one run, and
reports the median time per epoch, the ratio MLP / skann (median and range over the
repetitions), the largest relative gap between the two loss curves, and skann's
matrix-product throughput against the machine's matrix-multiply peak, measured
between the repetitions. The AND gate also runs the seed's own code, and the seed
run of ``python -m skann`` (10000 epochs) is timed against it. Last, the extra
memory of ``predict_proba`` on 10 million rows is measured with tracemalloc.
"""

import argparse
import contextlib
import copy
import datetime
import functools
import io
import os
import platform
import time
import tracemalloc
import warnings

import numpy as np
import sklearn
import threadpoolctl
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from skann import TEXTBOOK, ANNClassifier

AND_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
AND_Y = np.array([0, 0, 0, 1])


def and_gate():
    return AND_X, AND_Y


def breast_cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


def wide_binary():
    return make_classification(
        n_samples=100_000, n_features=100, n_informative=20, random_state=0
    )


def wide_multiclass():
    return make_classification(
        n_samples=50_000,
        n_features=784,
        n_informative=64,
        n_classes=10,
        n_clusters_per_class=1,
        random_state=0,
    )


#: name, data, hidden layers, batch size (None: full batch), learning rate,
#: (epochs, repetitions) quick and full, whether to time float32 too.
WORKLOADS = [
    ("AND gate (seed settings)", and_gate, (4,), None, 0.1, (2000, 5), (5000, 7), 0),
    ("breast cancer, 64 hidden, full batch", breast_cancer, (64,), None, 0.1,
     (200, 5), (1000, 7), 1),
    ("digits, 64 hidden, batches of 200", digits, (64,), 200, 0.1, (20, 5), (100, 7),
     1),
    ("100k x 100, 256 hidden, batches of 256", wide_binary, (256,), 256, 0.01, (1, 3),
     (2, 5), 1),
    ("50k x 784, hidden (512, 256), batches of 256", wide_multiclass, (512, 256), 256,
     0.01, (1, 3), (2, 5), 1),
]  # fmt: skip


#: Rows of the synthetic workloads with --quick.
QUICK_ROWS = 25_000


def mlp(hidden, batch_size, lr, epochs, n_samples, estimator=MLPClassifier):
    """``estimator`` (MLPClassifier or MLPRegressor) as skann's plain gd."""
    return estimator(
        hidden_layer_sizes=hidden,
        activation="relu",
        solver="sgd",
        learning_rate="constant",
        learning_rate_init=lr,
        momentum=0.0,
        nesterovs_momentum=False,
        alpha=0.0,
        batch_size=n_samples if batch_size is None else batch_size,
        shuffle=False,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=epochs + 1,
        early_stopping=False,
        random_state=0,
    )


def skann_from_mlp_init(hidden, batch_size, lr, epochs, X, y):
    """An ANNClassifier that will continue from MLPClassifier's initial weights.

    A learning rate of 1e-300 moves no weight, so one epoch of it leaves MLP's initial
    weights in ``coefs_``; they are copied into a classifier fitted the same way (which
    sets its labels and shapes), and ``warm_start`` makes the next ``fit`` start there.
    The initial weights depend on the layer sizes, the classes and the seed, not on
    the rows, so the two probes see only the first rows (holding every class).
    """
    rows = slice(0, min(len(y), 2000))
    assert len(np.unique(y[rows])) == len(np.unique(y))
    X_probe, y_probe = X[rows], y[rows]
    probe = mlp(hidden, batch_size, 1e-300, 1, X_probe.shape[0]).fit(X_probe, y_probe)
    clf = ANNClassifier(
        hidden,
        lr=1e-300,
        epochs=1,
        batch_size=batch_size,
        shuffle=False,
        solver="gd",
        alpha=0.0,
        tol=None,
        standardize=False,
    ).fit(X_probe, y_probe)
    clf.coefs_ = [W.copy() for W in probe.coefs_]
    clf.intercepts_ = [b.copy() for b in probe.intercepts_]
    return clf.set_params(lr=lr, epochs=epochs, warm_start=True)


def matmul_flops_per_sample(layer_sizes):
    """Multiply-adds (times 2) of one forward and one backward pass, per sample."""
    pairs = list(zip(layer_sizes[:-1], layer_sizes[1:]))
    forward = sum(2 * a * b for a, b in pairs)
    input_grads = sum(2 * a * b for a, b in pairs[1:])  # no gradient for X itself
    return 2 * forward + input_grads


@functools.cache
def _square_operands(dtype, n):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(dtype)
    return a, a.T.copy(), np.empty((n, n), dtype)


def matmul_peak(dtype, n=2048, tries=3):
    """Best GFLOP/s of an ``n x n`` matrix product over a few tries."""
    a, b, c = _square_operands(dtype, n)
    best = np.inf
    for _ in range(tries):
        start = time.perf_counter()
        np.matmul(a, b, out=c)
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best / 1e9


def products_alone(layer_sizes, n_rows, batch_size, dtype, tries=3):
    """Seconds per epoch of a step's matrix products alone, on random operands.

    The products of every step, forward (``A @ W``) and backward (``A.T @ dZ``, and
    ``dZ @ W.T`` below the output layer), on batches of ``batch_size`` rows, as the
    layers make them. MLPClassifier makes the same products, so MLP's time over this
    one bounds the ratio MLP / skann of any implementation.
    """
    rng = np.random.default_rng(0)
    pairs = list(zip(layer_sizes[:-1], layer_sizes[1:]))
    rows = n_rows if batch_size is None else min(batch_size, n_rows)
    A = [rng.standard_normal((rows, n)).astype(dtype) for n in layer_sizes]
    W = [rng.standard_normal((a, b)).astype(dtype) for a, b in pairs]
    dW = [np.empty_like(w) for w in W]
    dA = [np.empty_like(a) for a in A]
    best = np.inf
    for _ in range(tries):
        start = time.perf_counter()
        for layer in range(len(W)):
            np.matmul(A[layer], W[layer], out=A[layer + 1])
        for layer in reversed(range(len(W))):
            np.matmul(A[layer].T, A[layer + 1], out=dW[layer])
            if layer:
                np.matmul(A[layer + 1], W[layer].T, out=dA[layer])
        best = min(best, time.perf_counter() - start)
    return best * -(-n_rows // rows)


def timed_fit(est, X, y):
    start = time.perf_counter()
    est.fit(X, y)
    return time.perf_counter() - start


def curve_gap(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.abs(b)))


def spread(values):
    return f"{np.median(values):.2f} ({np.min(values):.2f}-{np.max(values):.2f})"


def seed_simple_ann(X, Y, epochs, hidden_size=4, lr=0.1, verbose=False):
    """The seed's SimpleANN, restated: samples are columns, W is (n_out, n_in)."""
    rng = np.random.RandomState(42)
    W1 = rng.randn(hidden_size, X.shape[0]) * 0.1
    b1 = np.zeros((hidden_size, 1))
    W2 = rng.randn(1, hidden_size) * 0.1
    b2 = np.zeros((1, 1))
    m = X.shape[1]
    costs = []
    for i in range(epochs):
        Z1 = W1 @ X + b1
        A1 = np.maximum(0, Z1)
        Z2 = W2 @ A1 + b2
        A2 = 1 / (1 + np.exp(-np.clip(Z2, -500, 500)))
        A2c = np.clip(A2, 1e-9, 1 - 1e-9)
        cost = -np.mean(Y * np.log(A2c) + (1 - Y) * np.log(1 - A2c))
        dZ2 = A2 - Y
        dW2 = (dZ2 @ A1.T) / m
        db2 = np.sum(dZ2, axis=1, keepdims=True) / m
        dZ1 = (W2.T @ dZ2) * (Z1 > 0).astype(float)
        dW1 = (dZ1 @ X.T) / m
        db1 = np.sum(dZ1, axis=1, keepdims=True) / m
        W1 -= lr * dW1
        b1 -= lr * db1
        W2 -= lr * dW2
        b2 -= lr * db2
        costs.append(cost)
        if verbose and i % 1000 == 0:
            print(f"Epoch {i}: Cost = {cost:.6f}")
    return costs


def inlined_loop(X, Y, epochs, hidden_size=4, lr=0.1):
    """The seed's algorithm with every array bound once and every operation in place.

    The fastest form of one training step in NumPy calls that we know of, as a
    reference for the AND gate: no function calls, no checks, no bookkeeping; skann
    runs the same operations through its documented functions.
    """
    rng = np.random.RandomState(42)
    W1 = rng.randn(hidden_size, X.shape[1]).T * 0.1
    W2 = rng.randn(1, hidden_size).T * 0.1
    n = X.shape[0]
    params = np.concatenate([W1.ravel(), W2.ravel(), np.zeros(hidden_size + 1)])
    grads = np.zeros_like(params)
    sizes = np.cumsum([W1.size, W2.size, hidden_size])
    W1, W2, b1, b2 = (
        params[: sizes[0]].reshape(W1.shape),
        params[sizes[0] : sizes[1]].reshape(W2.shape),
        params[sizes[1] : sizes[2]],
        params[sizes[2] :],
    )
    gW1, gW2, gb1, gb2 = (
        grads[: sizes[0]].reshape(W1.shape),
        grads[sizes[0] : sizes[1]].reshape(W2.shape),
        grads[sizes[1] : sizes[2]],
        grads[sizes[2] :],
    )
    Z1, D1, Z2 = (
        np.empty((n, hidden_size)),
        np.empty((n, hidden_size)),
        np.empty((n, 1)),
    )
    zeros, ones, complement = np.zeros((n, hidden_size)), np.ones(n), 1.0 - Y
    zero, one, lower = np.array(0.0), np.array(1.0), np.array(-500.0)
    low, high, rows, rate = (
        np.array(1e-9),
        np.array(1 - 1e-9),
        np.array(n),
        np.array(lr),
    )
    costs = []
    for _ in range(epochs):
        X.dot(W1, out=Z1)
        Z1 += b1
        np.maximum(Z1, zeros, out=Z1)
        Z1.dot(W2, out=Z2)
        Z2 += b2
        np.maximum(Z2, lower, out=Z2)
        np.negative(Z2, out=Z2)
        np.exp(Z2, out=Z2)
        Z2 += one
        np.reciprocal(Z2, out=Z2)
        q = np.subtract(Z2, complement)
        np.abs(q, out=q)
        np.maximum(q, low, out=q)
        np.minimum(q, high, out=q)
        np.log(q, out=q)
        costs.append(-float(np.add.reduce(q, axis=None)) / n)
        np.subtract(Z2, Y, out=Z2)
        np.divide(Z2, rows, out=Z2)
        Z1.T.dot(Z2, out=gW2)
        ones.dot(Z2, out=gb2)
        Z2.dot(W2.T, out=D1)
        np.multiply(D1, np.greater(Z1, zero), out=D1)
        X.T.dot(D1, out=gW1)
        ones.dot(D1, out=gb1)
        params -= rate * grads
    return costs


def run_workload(workload, quick, report):
    name, load, hidden, batch_size, lr, quick_plan, full_plan, with_f32 = workload
    epochs, reps = quick_plan if quick else full_plan
    X, y = load()
    if quick and len(y) > QUICK_ROWS:
        X, y = X[:QUICK_ROWS], y[:QUICK_ROWS]
    dtypes = [np.float64, np.float32] if with_f32 else [np.float64]
    setups = {}
    for dtype in dtypes:
        Xd = X.astype(dtype)
        setups[dtype] = (
            Xd,
            skann_from_mlp_init(hidden, batch_size, lr, epochs, Xd, y),
            mlp(hidden, batch_size, lr, epochs, X.shape[0]),
        )
    times = {(kind, dt): [] for dt in dtypes for kind in ("mlp", "skann")}
    seed_times, inlined_times, peaks = [], [], {dt: [] for dt in dtypes}
    alone = {dt: [] for dt in dtypes}
    layer_sizes = (X.shape[1], *hidden, 1 if len(np.unique(y)) == 2 else 10)
    curves = {}
    for rep in range(reps):
        for dtype in dtypes:
            Xd, template, mlp_est = setups[dtype]
            peaks[dtype].append(matmul_peak(dtype))
            alone[dtype].append(
                products_alone(layer_sizes, X.shape[0], batch_size, dtype)
            )
            est = copy.deepcopy(mlp_est)
            times["mlp", dtype].append(timed_fit(est, Xd, y) / epochs)
            curves["mlp", dtype] = est.loss_curve_
            clf = copy.deepcopy(template)
            times["skann", dtype].append(timed_fit(clf, Xd, y) / epochs)
            curves["skann", dtype] = clf.loss_curve_[1:]
        if name.startswith("AND"):
            Y = AND_Y[:, np.newaxis].astype(float)
            start = time.perf_counter()
            curves["seed"] = seed_simple_ann(X.T, Y.T, epochs)
            seed_times.append((time.perf_counter() - start) / epochs)
            start = time.perf_counter()
            curves["inlined"] = inlined_loop(X, Y, epochs)
            inlined_times.append((time.perf_counter() - start) / epochs)

    flops = matmul_flops_per_sample(layer_sizes) * X.shape[0]
    print(f"\n## {name}: {X.shape[0]} x {X.shape[1]}, {epochs} epochs x {reps} fits")
    for dtype in dtypes:
        bits = np.dtype(dtype).itemsize * 8
        t_mlp = np.array(times["mlp", dtype])
        t_skann = np.array(times["skann", dtype])
        ratio = t_mlp / t_skann
        gflops = flops / t_skann / 1e9
        peak = np.array(peaks[dtype])
        row = {
            "workload": name,
            "dtype": f"float{bits}",
            "mlp_ms": float(np.median(t_mlp) * 1e3),
            "skann_ms": float(np.median(t_skann) * 1e3),
            "ratio": spread(ratio),
            "ratio_median": float(np.median(ratio)),
            "gap": curve_gap(curves["skann", dtype], curves["mlp", dtype]),
            "gflops": float(np.median(gflops)),
            "peak": float(np.median(peak)),
            "peak_fraction": float(np.median(gflops / peak)),
            "bound": spread(t_mlp / np.array(alone[dtype])),
            "products_share": float(np.median(np.array(alone[dtype]) / t_skann)),
        }
        print(
            f"float{bits}: MLP {row['mlp_ms']:.4f} ms/epoch, skann "
            f"{row['skann_ms']:.4f} ms/epoch, MLP/skann {row['ratio']}; loss curves "
            f"agree to {row['gap']:.1e}; skann {row['gflops']:.1f} GFLOP/s = "
            f"{100 * row['peak_fraction']:.0f}% of the float{bits} matmul peak "
            f"({row['peak']:.1f} GFLOP/s); its matrix products alone take "
            f"{100 * row['products_share']:.0f}% of its time, and MLP / (the products "
            f"alone) is {row['bound']}"
        )
        report.append(row)
    if len(dtypes) == 2:
        speedup = np.array(times["skann", np.float64]) / np.array(
            times["skann", np.float32]
        )
        print(f"skann float64 / float32 time: {spread(speedup)}")
        report[-1]["f32_speedup"] = spread(speedup)
    if seed_times:
        skann = np.array(times["skann", np.float64])
        for label, key, seconds in (
            ("seed's code", "seed", seed_times),
            ("inlined NumPy loop", "inlined", inlined_times),
        ):
            seconds = np.array(seconds)
            gap = curve_gap(curves[key], curves["seed"])
            print(
                f"{label} {np.median(seconds) * 1e6:.1f} us/epoch: {label} / skann "
                f"{spread(seconds / skann)}, MLP / {label} "
                f"{spread(np.array(times['mlp', np.float64]) / seconds)}; "
                f"its loss curve agrees with the seed's to {gap:.1e}"
            )
            report[-1][key] = spread(seconds / skann)


def run_seed_demo(reps):
    """``python -m skann``'s seed run, 10000 epochs, against the seed's own code."""
    Y = AND_Y[np.newaxis, :].astype(float)
    skann_s, seed_s = [], []
    for _ in range(reps):
        with contextlib.redirect_stdout(io.StringIO()):
            clf = ANNClassifier(**TEXTBOOK, random_state=42, verbose=1)
            skann_s.append(timed_fit(clf, AND_X, AND_Y))
            start = time.perf_counter()
            costs = seed_simple_ann(AND_X.T, Y, 10000, verbose=True)
            seed_s.append(time.perf_counter() - start)
    ratio = np.array(seed_s) / np.array(skann_s)
    gap = curve_gap(clf.loss_curve_, costs)
    print(
        f"\n## python -m skann seed run (10000 epochs): skann "
        f"{np.median(skann_s):.3f} s, seed's code {np.median(seed_s):.3f} s, "
        f"seed / skann {spread(ratio)}; loss curves agree to {gap:.1e}"
    )
    return spread(ratio), gap


def run_predict_memory(n_rows):
    """Extra memory of predict_proba on ``n_rows`` x 100 float32 rows, 256 hidden."""
    rng = np.random.default_rng(0)
    X_fit = rng.standard_normal((2000, 100), dtype=np.float32)
    y_fit = (X_fit[:, 0] > 0).astype(int)
    settings = {**TEXTBOOK, "hidden_size": 256, "epochs": 5}
    clf = ANNClassifier(**settings, random_state=0).fit(X_fit, y_fit)
    X = rng.standard_normal((n_rows, 100), dtype=np.float32)
    tracemalloc.start()
    start = time.perf_counter()
    clf.predict_proba(X)
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"\n## predict_proba on {n_rows} x 100 float32 rows, 256 hidden: input "
        f"{X.nbytes / 2**20:.0f} MiB, extra memory at peak {peak / 2**20:.0f} MiB "
        f"({peak / X.nbytes:.2f} x the input), {seconds:.2f} s"
    )
    return n_rows, X.nbytes, peak, seconds


def cpu_name():
    with contextlib.suppress(OSError):
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def describe_machine():
    info = threadpoolctl.threadpool_info()
    blas = [
        f"{i['internal_api']} {i['version']} ({i.get('architecture')}, "
        f"{i['num_threads']} threads)"
        for i in info
        if i["user_api"] == "blas"
    ]
    env = {
        k: os.environ[k]
        for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
        if k in os.environ
    }
    print(f"# {datetime.date.today()}, {cpu_name()}")
    print(
        f"{os.cpu_count()} CPUs; Python {platform.python_version()}, NumPy "
        f"{np.__version__}, scikit-learn {sklearn.__version__}; BLAS: "
        f"{'; '.join(blas)}; environment: {env or 'no OPENBLAS_* settings'}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"fewer epochs and fits, at most {QUICK_ROWS} rows, 1e6 rows to predict",
    )
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", ConvergenceWarning)
    describe_machine()
    report = []
    for workload in WORKLOADS:
        run_workload(workload, args.quick, report)
    seed_ratio, seed_gap = run_seed_demo(3 if args.quick else 5)
    n_rows, input_bytes, peak_bytes, seconds = run_predict_memory(
        1_000_000 if args.quick else 10_000_000
    )
    print_table(report)
    print(
        f"\nSeed run, `python -m skann` (10000 epochs on the AND gate): seed's code / "
        f"skann {seed_ratio}, loss curves agree to {seed_gap:.0e}. predict_proba on "
        f"{n_rows:,} x 100 float32 rows, 256 hidden: extra memory at peak "
        f"{peak_bytes / 2**20:.0f} MiB = {peak_bytes / input_bytes:.2f} x the input "
        f"({input_bytes / 2**20:.0f} MiB), {seconds:.1f} s."
    )


def print_table(report):
    """The results as a Markdown table, for benchmarks/README.md."""
    print(
        "\n| workload | dtype | MLP ms/epoch | skann ms/epoch | MLP / skann "
        "| curves agree to | skann GFLOP/s | % of matmul peak | float64 / float32 "
        "| MLP / products alone |"
    )
    print("|---|---|---:|---:|---|---:|---:|---:|---|---|")
    for row in report:
        print(
            f"| {row['workload']} | {row['dtype']} | {row['mlp_ms']:.4g} "
            f"| {row['skann_ms']:.4g} | {row['ratio']} | {row['gap']:.0e} "
            f"| {row['gflops']:.3g} | {100 * row['peak_fraction']:.0f}% "
            f"({row['peak']:.0f}) | {row.get('f32_speedup', '')} | {row['bound']} |"
        )
    for row in report:
        if "seed" in row:
            print(
                f"\nAND gate: seed's code / skann {row['seed']}; inlined NumPy loop / "
                f"skann {row['inlined']}."
            )


if __name__ == "__main__":
    main()
