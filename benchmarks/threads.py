"""Where BLAS threads start to pay for a training step, idle and on a busy machine.

Usage::

    python benchmarks/threads.py [--quick]

For networks whose largest matrix product spans a range of sizes, a few epochs of
``ANNClassifier`` (plain gradient descent, one hidden layer) are timed with BLAS
limited to one thread and with every thread BLAS has, alternately, first on an idle
machine and then with one busy process per core but one running beside it, as
other fits of a parallel grid search would. It prints, for each size, the time on
one thread over the time on all threads (above 1: threads pay), and the product
size from which skann lets BLAS use every thread (``skann._threads.THREADED_FROM``).
"""

import argparse
import multiprocessing
import os
import time
import warnings

import numpy as np
import threadpoolctl

import skann._threads
from skann import TEXTBOOK, ANNClassifier
from skann._threads import THREADED_FROM, largest_product

#: (rows per step, features, hidden units): largest products from 1e5 to 1e8.
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
    (256, 784, 512),  # a batch of the 784-wide workload of compare.py
    (1024, 784, 512),
]


def spin(stop):
    """Keep one core busy until ``stop`` is set."""
    x = 0
    while not stop.is_set():
        x += 1


def epoch_seconds(n_rows, n_features, hidden, n_threads, epochs, reps):
    """Best seconds per epoch on one thread and on ``n_threads``, alternately."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_rows, n_features))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    settings = {**TEXTBOOK, "hidden_size": hidden, "epochs": epochs, "lr": 0.01}
    clf = ANNClassifier(**settings, random_state=0)
    best = {1: np.inf, n_threads: np.inf}
    # Below THREADED_FROM skann limits BLAS to one thread by itself; that limit is
    # lifted here, to time what every thread would do.
    saved, skann._threads.THREADED_FROM = skann._threads.THREADED_FROM, 0
    try:
        clf.fit(X, y)  # warm-up: thread pools, page faults
        for _ in range(reps):
            for threads in best:
                with threadpoolctl.threadpool_limits(threads, user_api="blas"):
                    start = time.perf_counter()
                    clf.fit(X, y)
                seconds = (time.perf_counter() - start) / epochs
                best[threads] = min(best[threads], seconds)
    finally:
        skann._threads.THREADED_FROM = saved
    return best[1], best[n_threads]


def measure(shapes, work, reps, n_threads):
    rows = []
    for n_rows, n_features, hidden in shapes:
        product = largest_product(n_rows, (n_features, hidden, 1))
        # Enough epochs that the epochs, not the fit's set-up, make its time.
        epochs = int(np.clip(work / product, 3, 1000))
        one, many = epoch_seconds(n_rows, n_features, hidden, n_threads, epochs, reps)
        rows.append((n_rows, n_features, hidden, product, one, many))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer epochs and tries")
    args = parser.parse_args(argv)
    work, reps = (3e7, 2) if args.quick else (3e8, 3)
    # Some of these fits are deliberately short or unscaled; their warnings are
    # not what is measured.
    warnings.simplefilter("ignore")
    info = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    n_threads = max(i["num_threads"] for i in info)
    print(
        f"{os.cpu_count()} CPUs; BLAS: "
        + "; ".join(
            f"{i['internal_api']} {i['version']} ({i.get('architecture')}, "
            f"{i['num_threads']} threads)"
            for i in info
        )
    )
    print(f"THREADED_FROM = {THREADED_FROM:,} multiply-adds")
    results = {"idle": measure(SHAPES, work, reps, n_threads)}
    stop = multiprocessing.Event()
    busy = [
        multiprocessing.Process(target=spin, args=(stop,))
        for _ in range(max(1, (os.cpu_count() or 2) - 1))
    ]
    for process in busy:
        process.start()
    try:
        results["busy"] = measure(SHAPES, work, reps, n_threads)
    finally:
        stop.set()
        for process in busy:
            process.join()
    print(
        "\n| rows x features -> hidden | largest product | idle: 1 thread ms "
        "| idle: 1 / all | busy: 1 thread ms | busy: 1 / all |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for idle, loaded in zip(results["idle"], results["busy"]):
        n_rows, n_features, hidden, product, one, many = idle
        print(
            f"| {n_rows} x {n_features} -> {hidden} | {product:.2e} "
            f"| {one * 1e3:.2f} | {one / many:.2f} | {loaded[4] * 1e3:.2f} "
            f"| {loaded[4] / loaded[5]:.2f} |"
        )


if __name__ == "__main__":
    main()
