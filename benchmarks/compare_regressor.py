"""Per-epoch speed of ANNRegressor against MLPRegressor running the same algorithm.

Usage::

    python benchmarks/compare_regressor.py [--quick]

Both estimators run plain gradient descent on the squared error, with ReLU hidden
units, an identity output, no momentum, no L2 penalty, no shuffling and no early
stop, on the same batches of standardised ``load_diabetes``:
``MLPRegressor(solver="sgd", momentum=0, nesterovs_momentum=False, alpha=0,
shuffle=False, tol=0, n_iter_no_change=epochs + 1)`` against
``ANNRegressor(solver="gd", shuffle=False, normalize_y=False)``, ANNRegressor
starting from MLPRegressor's initial weights so that the loss curves can be
compared epoch by epoch. Each workload fits the two alternately several times in
one run and reports the median time per epoch, the ratio MLP / skann (median and
range) and the largest relative gap between the loss curves. The BLAS library and
its threads are printed first.
"""

import argparse
import copy
import time
import warnings

import compare
import numpy as np
from compare import curve_gap, describe_machine, spread
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler

from skann import ANNRegressor

#: name, hidden layers, batch size (None: full batch), learning rate,
#: (epochs, repetitions) quick and full.
WORKLOADS = [
    ("diabetes, 16 hidden, full batch", (16,), None, 0.05, (200, 3), (2000, 7)),
    ("diabetes, 64 hidden, batches of 32", (64,), 32, 0.01, (20, 3), (200, 7)),
    ("diabetes, hidden (64, 32), full batch", (64, 32), None, 0.05, (100, 3),
     (1000, 7)),
]  # fmt: skip


def diabetes():
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    return X, StandardScaler().fit_transform(y[:, np.newaxis]).ravel()


def mlp(hidden, batch_size, lr, epochs, n_samples):
    return compare.mlp(hidden, batch_size, lr, epochs, n_samples, MLPRegressor)


def skann_from_mlp_init(hidden, batch_size, lr, epochs, X, y):
    """An ANNRegressor that will continue from MLPRegressor's initial weights.

    One epoch at a learning rate of 1e-300 moves no weight, so MLPRegressor's
    ``coefs_`` after it are its initial weights; they are copied into an
    ANNRegressor fitted the same way, and ``warm_start`` makes its next fit start
    there.
    """
    probe = mlp(hidden, batch_size, 1e-300, 1, X.shape[0]).fit(X, y)
    reg = ANNRegressor(
        hidden, solver="gd", lr=1e-300, epochs=1, alpha=0.0, tol=None, standardize=False
    )
    reg.set_params(batch_size=batch_size, shuffle=False, normalize_y=False).fit(X, y)
    reg.coefs_ = [W.astype(X.dtype) for W in probe.coefs_]
    reg.intercepts_ = [b.astype(X.dtype) for b in probe.intercepts_]
    return reg.set_params(lr=lr, epochs=epochs, warm_start=True)


def timed_fit(estimator, X, y):
    start = time.perf_counter()
    estimator.fit(X, y)
    return time.perf_counter() - start


def run_workload(workload, quick):
    name, hidden, batch_size, lr, quick_plan, full_plan = workload
    epochs, reps = quick_plan if quick else full_plan
    X, y = diabetes()
    print(f"\n## {name}: {X.shape[0]} x {X.shape[1]}, {epochs} epochs x {reps} fits")
    for dtype in (np.float64, np.float32):
        Xd, yd = X.astype(dtype), y.astype(dtype)
        template = skann_from_mlp_init(hidden, batch_size, lr, epochs, Xd, yd)
        mlp_template = mlp(hidden, batch_size, lr, epochs, X.shape[0])
        t_mlp, t_skann = [], []
        for _ in range(reps):
            est = copy.deepcopy(mlp_template)
            t_mlp.append(timed_fit(est, Xd, yd) / epochs)
            reg = copy.deepcopy(template)
            t_skann.append(timed_fit(reg, Xd, yd) / epochs)
        ratio = np.array(t_mlp) / np.array(t_skann)
        gap = curve_gap(reg.loss_curve_[1:], est.loss_curve_)
        print(
            f"{np.dtype(dtype).name}: MLPRegressor {np.median(t_mlp) * 1e3:.4f} "
            f"ms/epoch, ANNRegressor {np.median(t_skann) * 1e3:.4f} ms/epoch, "
            f"MLP / skann {spread(ratio)}; loss curves agree to {gap:.1e}"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer epochs and fits")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", ConvergenceWarning)
    describe_machine()
    for workload in WORKLOADS:
        run_workload(workload, args.quick)


if __name__ == "__main__":
    main()
