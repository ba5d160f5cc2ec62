"""Per-epoch speed of skann on PyTorch tensors against a hand-written PyTorch loop.

Usage::

    python benchmarks/array_api.py [--quick] [--threads N] [--device cpu|cuda]

Under ``sklearn.set_config(array_api_dispatch=True)`` skann trains in the namespace
and on the device of X. This times ``ANNClassifier(solver="gd")`` fitted on float32
torch tensors against the same algorithm written by hand in PyTorch: the same
layers (ReLU hidden layers, a logistic or softmax output), the same initial
weights (skann's draws, redone here), the same batches of 256 rows in order, the
same cross-entropy (whose value each epoch records, as skann's loss curve does) and
plain SGD, with the gradients written out by hand and no autograd. A third column
times the loop a PyTorch user would write with autograd (``torch.nn`` layers,
``torch.optim.SGD``, ``BCEWithLogitsLoss`` or ``CrossEntropyLoss``).

Each repetition fits skann, then runs the hand-written loop, then the autograd one,
on the same tensors, in one process; the table gives the median time per epoch and
the median ratio skann / loop with its range. skann's time is that of ``fit``, so
it includes its input checks, its set-up and the check of the trained network. The
runs share the machine with other work: compare ratios, not times.

On CPU always; on CUDA too when PyTorch sees a CUDA device (``--device`` picks one).
"""

import argparse
import os
import platform
import statistics
import time
import warnings

# scikit-learn's array API dispatch needs SciPy's, which SciPy reads at import.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
import torch  # noqa: E402

from skann import ANNClassifier  # noqa: E402

BATCH = 256
LR = 0.01

#: (name, rows, features, hidden sizes, classes); --quick takes a fifth of the rows.
WORKLOADS = [
    ("50k x 100, 256 hidden", 50_000, 100, (256,), 2),
    ("20k x 784, hidden (512, 256)", 20_000, 784, (512, 256), 10),
]


def make_data(n, d, k, device):
    """Standard normal X and labels that depend on it, as float32 / int64 tensors."""
    rng = np.random.RandomState(0)
    X = rng.randn(n, d).astype(np.float32)
    y = np.argmax(X[:, :k] + 0.5 * rng.randn(n, k), axis=1) if k > 2 else X[:, 0] > 0
    return torch.asarray(X, device=device), torch.asarray(
        y.astype(np.int64), device=device
    )


def initial_weights(layer_sizes, device):
    """skann's draws for init_scale='auto': He's scale into ReLU layers, Glorot's
    into the output, each ``W`` drawn as ``randn(n_out, n_in)`` and transposed."""
    rng = np.random.RandomState(0)
    weights = []
    for i, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:])):
        hidden = i < len(layer_sizes) - 2
        scale = np.sqrt(2.0 / n_in) if hidden else np.sqrt(2.0 / (n_in + n_out))
        W = (rng.randn(n_out, n_in) * scale).T.astype(np.float32)
        weights.append(
            (torch.asarray(W, device=device), torch.zeros(n_out, device=device))
        )
    return weights


def skann_fit(X, y, hidden, epochs):
    """Seconds per epoch of skann's fit, and its loss curve."""
    est = ANNClassifier(
        hidden,
        activation="relu",
        solver="gd",
        lr=LR,
        epochs=epochs,
        batch_size=BATCH,
        shuffle=False,
        init_scale="auto",
        alpha=0.0,
        tol=None,
        early_stopping=False,
        standardize=False,
        lr_schedule="constant",
        random_state=0,
    )
    with sklearn.config_context(array_api_dispatch=True), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few epochs on random labels may warn
        start = time.perf_counter()
        est.fit(X, y)
        seconds = time.perf_counter() - start
    return seconds / epochs, est.loss_curve_


def hand_written(X, y, hidden, k, epochs):
    """The same algorithm by hand: seconds per epoch, and the loss curve."""
    n_out = 1 if k == 2 else k
    layers = initial_weights((X.shape[1], *hidden, n_out), X.device)
    Y = y[:, None].float() if k == 2 else torch.nn.functional.one_hot(y, k).float()
    eps = float(torch.finfo(torch.float32).eps)
    curve = []
    _synchronize(X)
    start = time.perf_counter()
    for _ in range(epochs):
        total = torch.zeros((), device=X.device)
        for s in range(0, X.shape[0], BATCH):
            A, Y_batch = [X[s : s + BATCH]], Y[s : s + BATCH]
            for W, b in layers[:-1]:
                A.append(torch.relu(A[-1] @ W + b))
            Z = A[-1] @ layers[-1][0] + layers[-1][1]
            P = torch.sigmoid(Z) if k == 2 else torch.softmax(Z, dim=1)
            Pc = P.clamp(eps, 1 - eps)
            if k == 2:
                total += -(Y_batch * Pc.log() + (1 - Y_batch) * (1 - Pc).log()).sum()
            else:
                total += -(Y_batch * Pc.log()).sum()
            dZ = (P - Y_batch) / P.shape[0]
            for i in range(len(layers) - 1, -1, -1):
                W, b = layers[i]
                dW, db = A[i].T @ dZ, dZ.sum(dim=0)
                if i:
                    dZ = (dZ @ W.T) * (A[i] > 0)
                W -= LR * dW
                b -= LR * db
        curve.append(float(total) / X.shape[0])
    return (time.perf_counter() - start) / epochs, curve


def autograd_loop(X, y, hidden, k, epochs):
    """The loop a PyTorch user writes, with autograd: seconds per epoch."""
    torch.manual_seed(0)
    sizes, modules = (X.shape[1], *hidden), []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        modules += [torch.nn.Linear(n_in, n_out), torch.nn.ReLU()]
    modules.append(torch.nn.Linear(sizes[-1], 1 if k == 2 else k))
    model = torch.nn.Sequential(*modules).to(X.device)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    if k == 2:
        loss_fn, Y = torch.nn.BCEWithLogitsLoss(), y[:, None].float()
    else:
        loss_fn, Y = torch.nn.CrossEntropyLoss(), y
    _synchronize(X)
    start = time.perf_counter()
    for _ in range(epochs):
        total = torch.zeros((), device=X.device)
        for s in range(0, X.shape[0], BATCH):
            optimizer.zero_grad()
            loss = loss_fn(model(X[s : s + BATCH]), Y[s : s + BATCH])
            loss.backward()
            optimizer.step()
            total += loss.detach()
        float(total)
    return (time.perf_counter() - start) / epochs


def _synchronize(X):
    if X.device.type == "cuda":
        torch.cuda.synchronize()


def run_workload(workload, device, quick):
    """Time the three on one workload; return the row of the table."""
    name, n, d, hidden, k = workload
    epochs, reps = (2, 3) if quick else (5, 5)
    X, y = make_data(n // 5 if quick else n, d, k, device)
    # Warm up: PyTorch's first calls on a device set up its kernels.
    skann_fit(X[: 4 * BATCH], y[: 4 * BATCH], hidden, 1)
    hand_written(X[: 4 * BATCH], y[: 4 * BATCH], hidden, k, 1)
    autograd_loop(X[: 4 * BATCH], y[: 4 * BATCH], hidden, k, 1)
    times = {"skann": [], "hand": [], "autograd": []}
    gap = 0.0
    for _ in range(reps):
        seconds, curve = skann_fit(X, y, hidden, epochs)
        times["skann"].append(seconds)
        seconds, hand_curve = hand_written(X, y, hidden, k, epochs)
        times["hand"].append(seconds)
        times["autograd"].append(autograd_loop(X, y, hidden, k, epochs))
        gap = max(gap, max(abs(a / b - 1) for a, b in zip(curve, hand_curve)))
    row = {"workload": name, "device": str(device), "rows": X.shape[0], "gap": gap}
    for key, values in times.items():
        row[key] = statistics.median(values) * 1e3
    for other in ("hand", "autograd"):
        ratios = [a / b for a, b in zip(times["skann"], times[other])]
        row[f"/{other}"] = (statistics.median(ratios), min(ratios), max(ratios))
    return row


def _ratio(r):
    return f"{r[0]:.2f} ({r[1]:.2f}-{r[2]:.2f})"


def print_table(rows, threads):
    print(
        f"\nPyTorch {torch.__version__}, {threads} CPU threads, {platform.machine()}, "
        f"float32, batches of {BATCH}, plain SGD at lr={LR}\n"
    )
    print(
        "| workload | device | rows | skann ms/epoch | hand-written ms/epoch "
        "| skann / hand-written | autograd loop ms/epoch | skann / autograd "
        "| curves agree to |"
    )
    print("|---|---|---:|---:|---:|---|---:|---|---:|")
    for r in rows:
        print(
            f"| {r['workload']} | {r['device']} | {r['rows']} | {r['skann']:.1f} "
            f"| {r['hand']:.1f} | {_ratio(r['/hand'])} | {r['autograd']:.1f} "
            f"| {_ratio(r['/autograd'])} | {r['gap']:.0e} |"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rows and fits")
    parser.add_argument("--threads", type=int, help="PyTorch's CPU threads")
    parser.add_argument("--device", choices=["cpu", "cuda"], help="one device only")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    if args.device:
        devices = [args.device]
    rows = []
    for device in devices:
        for workload in WORKLOADS:
            rows.append(run_workload(workload, torch.device(device), args.quick))
            print(rows[-1], flush=True)
    print_table(rows, torch.get_num_threads())


if __name__ == "__main__":
    main()
