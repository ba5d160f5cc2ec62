"""Held-out accuracy with and without dropout, on a small noisy set that overfits.

Usage::

    python benchmarks/dropout.py [--quick]

``make_classification`` with 200 features of which 10 are informative and a tenth
of the labels flipped; for each seed, 200 rows train and 2000 others are held out.
``ANNClassifier(256)`` fits them at its defaults (its ``alpha='auto'`` penalty) and
with no penalty (``alpha=0``), each with ``dropout`` of 0, 0.2, 0.5 and 0.8, for
200 epochs with ``tol=None`` so that every fit runs as long. Reported over the
seeds, as mean (standard deviation): the training and held-out accuracy, the gain
in held-out accuracy over the same seed's fit without dropout, and the fit time.
"""

import argparse
import time
import warnings

import numpy as np
from compare import describe_machine
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from skann import ANNClassifier

TRAIN, HELD_OUT = 200, 2000
RATES = (0.0, 0.2, 0.5, 0.8)


def make_data(seed):
    """Training and held-out rows of one noisy, wide problem."""
    X, y = make_classification(
        TRAIN + HELD_OUT,
        n_features=200,
        n_informative=10,
        n_redundant=10,
        flip_y=0.1,
        random_state=seed,
    )
    return X[:TRAIN], y[:TRAIN], X[TRAIN:], y[TRAIN:]


def run(seeds, epochs):
    """Rows of (alpha, rate, train accuracies, held-out accuracies, times)."""
    rows = []
    data = [make_data(seed) for seed in seeds]
    for alpha in ("auto", 0.0):
        for rate in RATES:
            train, held, times = [], [], []
            for seed, (X, y, X_test, y_test) in zip(seeds, data):
                clf = ANNClassifier(
                    256,
                    alpha=alpha,
                    dropout=rate,
                    epochs=epochs,
                    tol=None,
                    random_state=seed,
                )
                start = time.perf_counter()
                clf.fit(X, y)
                times.append(time.perf_counter() - start)
                train.append(clf.score(X, y))
                held.append(clf.score(X_test, y_test))
            rows.append((alpha, rate, train, held, times))
    return rows


def spread(values):
    return f"{np.mean(values):.3f} ({np.std(values):.3f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 seeds, 100 epochs")
    args = parser.parse_args()
    seeds, epochs = (range(3), 100) if args.quick else (range(10), 200)
    describe_machine()
    print(f"{TRAIN} training rows, {HELD_OUT} held out, seeds {list(seeds)}\n")
    print(
        "| alpha | dropout | training accuracy | held-out accuracy "
        "| held-out gain over dropout 0 | fit (s) |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for alpha, rate, train, held, times in run(seeds, epochs):
            if rate == 0:
                none = np.array(held)
            gain = np.array(held) - none  # paired: the same seed's split and start
            print(
                f"| {alpha!r} | {rate} | {spread(train)} | {spread(held)} | "
                f"{np.mean(gain):+.3f} ({np.std(gain):.3f}) | {np.mean(times):.2f} |"
            )


if __name__ == "__main__":
    main()
