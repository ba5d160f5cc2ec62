"""BLAS threads: one against all, and skann against MLPClassifier at default threads.

Usage::

    python benchmarks/threads.py [--quick] [--busy]

skann leaves BLAS's threads as the process has them. This script measures that
choice, on an idle machine (the user's case):

1. For networks whose largest matrix product spans 10^5 to 10^9 multiply-adds, a
   few epochs of ``ANNClassifier`` (plain gradient descent, one hidden layer) are
   timed with BLAS limited to one thread and with every thread, alternately. It
   prints time on one thread over time on all (above 1: threads pay). ``--busy``
   repeats this with one busy process per core but one, as other fits of a
   parallel grid search would be (``GridSearchCV(n_jobs=...)`` limits its workers'
   threads itself).
2. The workloads users run, MLPClassifier and skann on the same algorithm and
   batches (``compare.py``'s configuration: plain gd from MLP's initial weights),
   both at default threads, and skann on one thread too: median of 3 alternated
   fits, MLP time / skann time, and skann's default against its best setting.
"""

import argparse
import multiprocessing
import os
import time
import warnings

import numpy as np
import threadpoolctl
from compare import describe_machine, mlp, skann_from_mlp_init
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.preprocessing import StandardScaler

from skann import TEXTBOOK, ANNClassifier

#: (rows per step, features, hidden units): largest products from 1e5 to 1e9.
SHAPES = [
    (200, 20, 32),
    (500, 20, 64),
    (1000, 30, 64),
    (4000, 20, 64),
    (2000, 64, 128),
    (4000, 64, 128),
    (4000, 100, 256),
    (8000, 100, 256),
    (8000, 200, 512),
    (256, 784, 512),  # a batch of the 784-wide workload below
    (1024, 784, 512),
]


def largest_product(n_rows, layer_sizes):
    """Multiply-adds of the largest matrix product in a pass over ``n_rows`` rows."""
    return n_rows * max(a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))


def spin(stop):
    """Keep one core busy until ``stop`` is set."""
    x = 0
    while not stop.is_set():
        x += 1


def blas_threads():
    info = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    return max(i["num_threads"] for i in info)


def epoch_seconds(n_rows, n_features, hidden, n_threads, epochs, reps):
    """Best seconds per epoch on one thread and on ``n_threads``, alternately."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_rows, n_features))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    settings = {**TEXTBOOK, "hidden_size": hidden, "epochs": epochs, "lr": 0.01}
    clf = ANNClassifier(**settings, random_state=0)
    best = {1: np.inf, n_threads: np.inf}
    clf.fit(X, y)  # warm-up: thread pools, page faults
    for _ in range(reps):
        for threads in best:
            with threadpoolctl.threadpool_limits(threads, user_api="blas"):
                start = time.perf_counter()
                clf.fit(X, y)
            seconds = (time.perf_counter() - start) / epochs
            best[threads] = min(best[threads], seconds)
    return best[1], best[n_threads]


def measure_shapes(work, reps, n_threads):
    rows = []
    for n_rows, n_features, hidden in SHAPES:
        product = largest_product(n_rows, (n_features, hidden, 1))
        # Enough epochs that the epochs, not the fit's set-up, make its time.
        epochs = int(np.clip(work / product, 3, 1000))
        one, many = epoch_seconds(n_rows, n_features, hidden, n_threads, epochs, reps)
        rows.append((n_rows, n_features, hidden, product, one, many))
    return rows


def print_shapes(results):
    names = list(results)
    print(
        "\n| rows x features -> hidden | largest product | "
        + " | ".join(f"{name}: 1 thread ms | {name}: 1 / all" for name in names)
        + " |"
    )
    print("|---|---:|" + "---:|---:|" * len(names))
    for rows in zip(*results.values()):
        n_rows, n_features, hidden, product = rows[0][:4]
        cells = " | ".join(f"{r[4] * 1e3:.2f} | {r[4] / r[5]:.2f}" for r in rows)
        print(f"| {n_rows} x {n_features} -> {hidden} | {product:.2e} | {cells} |")


def users_workloads(quick):
    """(name, X, y, hidden, batch size, epochs) of the workloads users run."""
    X_bc, y_bc = load_breast_cancer(return_X_y=True)
    X_dg, y_dg = load_digits(return_X_y=True)
    n_wide = 20_000 if not quick else 5_000
    X_784, y_784 = make_classification(
        n_samples=n_wide,
        n_features=784,
        n_informative=64,
        n_classes=10,
        n_clusters_per_class=1,
        random_state=0,
    )
    X_100, y_100 = make_classification(
        n_samples=100_000 if not quick else 25_000,
        n_features=100,
        n_informative=20,
        random_state=0,
    )
    scale = StandardScaler().fit_transform
    return [
        ("breast cancer, h64, full batch", scale(X_bc), y_bc, (64,), None, 200),
        ("digits, h64, batches of 200", X_dg / 16, y_dg, (64,), 200, 20),
        ("100k x 100 -> 256, batches of 256", X_100, y_100, (256,), 256, 2),
        ("20k x 784 -> (512, 256), batches of 256", X_784, y_784, (512, 256), 256, 2),
        (
            "20k x 784 -> (512, 256), batches of 2000",
            X_784,
            y_784,
            (512, 256),
            2000,
            2,
        ),
    ]


def timed(est, X, y):
    start = time.perf_counter()
    est.fit(X, y)
    return time.perf_counter() - start


def measure_users(quick, reps=3):
    rows = []
    for name, X, y, hidden, batch, epochs in users_workloads(quick):
        ours = skann_from_mlp_init(hidden, batch, 0.01, epochs, X, y)
        theirs = mlp(hidden, batch, 0.01, epochs, X.shape[0])
        times = {"mlp": [], "skann": [], "skann, 1 thread": []}
        for _ in range(reps):
            times["mlp"].append(timed(theirs, X, y))
            ours.set_params(warm_start=False)
            times["skann"].append(timed(ours, X, y))
            with threadpoolctl.threadpool_limits(1, user_api="blas"):
                times["skann, 1 thread"].append(timed(ours, X, y))
        rows.append((name, {k: float(np.median(v)) for k, v in times.items()}))
    return rows


def print_users(rows, n_threads):
    print(
        f"\n| training, per fit | MLP ({n_threads} threads) | skann ({n_threads} "
        "threads) | skann (1 thread) | MLP / skann | skann / its best |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, t in rows:
        best = min(t["skann"], t["skann, 1 thread"])
        print(
            f"| {name} | {t['mlp']:.3f} s | {t['skann']:.3f} s "
            f"| {t['skann, 1 thread']:.3f} s | {t['mlp'] / t['skann']:.2f} "
            f"| {t['skann'] / best:.2f} |"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer epochs and tries")
    parser.add_argument("--busy", action="store_true", help="also on a busy machine")
    args = parser.parse_args(argv)
    work, reps = (3e7, 2) if args.quick else (3e8, 3)
    # Some of these fits are deliberately short or unscaled; their warnings are
    # not what is measured.
    warnings.simplefilter("ignore")
    n_threads = blas_threads()
    describe_machine()
    print_users(measure_users(args.quick), n_threads)
    results = {"idle": measure_shapes(work, reps, n_threads)}
    if args.busy:
        stop = multiprocessing.Event()
        busy = [
            multiprocessing.Process(target=spin, args=(stop,))
            for _ in range(max(1, (os.cpu_count() or 2) - 1))
        ]
        for process in busy:
            process.start()
        try:
            results["busy"] = measure_shapes(work, reps, n_threads)
        finally:
            stop.set()
            for process in busy:
                process.join()
    print_shapes(results)


if __name__ == "__main__":
    main()
