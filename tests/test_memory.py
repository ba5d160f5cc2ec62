"""What training needs in memory, counted before the network is allocated."""

import subprocess
import sys
import tracemalloc
import warnings

import numpy as np
import pytest

import skann._memory
from skann import ANNClassifier
from skann._memory import batch_rows, check_network_fits, training_bytes


def measured_peak(solver, n_rows, n_features, hidden, dtype, **params):
    """The peak of NumPy's and SciPy's memory during one fit (tracemalloc)."""
    rng = np.random.RandomState(0)
    X = rng.randn(n_rows, n_features).astype(dtype)
    y = np.arange(n_rows) % 2
    clf = ANNClassifier(hidden, solver=solver, epochs=3, random_state=0, **params)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 3 epochs do not converge
        clf.fit(X, y)
    peak = tracemalloc.get_traced_memory()[1] - before
    tracemalloc.stop()
    return peak


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("solver", ["gd", "momentum", "adam", "lbfgs"])
def test_the_count_covers_each_solvers_measured_peak_closely(solver, dtype):
    # A network of 200 000 weights on 20 rows: the solver's state dominates.
    peak = measured_peak(solver, 20, 400, 500, dtype, nesterov=solver == "momentum")
    rows = batch_rows(solver, "auto", 20)
    need = training_bytes((400, 500, 1), np.dtype(dtype).itemsize, solver, rows)
    assert peak <= need <= 1.5 * peak


@pytest.mark.parametrize("solver", ["gd", "lbfgs"])
def test_the_count_covers_a_full_batchs_activations(solver):
    # Few weights on 3000 rows in one batch: the activations dominate.
    peak = measured_peak(solver, 3000, 5, 300, np.float64, batch_size=None)
    need = training_bytes((5, 300, 1), 8, solver, batch_rows(solver, None, 3000))
    assert peak <= need <= 1.5 * peak


def test_batch_rows_follow_batch_size_and_the_solver():
    assert batch_rows("adam", "auto", 1000) == 128
    assert batch_rows("adam", "auto", 20) == 20
    assert batch_rows("gd", 500, 1000) == 500
    assert batch_rows("gd", None, 1000) == 1000
    assert batch_rows("lbfgs", 16, 1000) == 1000
    assert batch_rows("adam", "auto") == 128  # rows not known: the most a batch has
    assert batch_rows("lbfgs", "auto") == 0


@pytest.mark.parametrize(
    "solver, state",
    [
        ("gd", r"their gradients, a copy"),
        ("momentum", "the velocity"),
        ("adam", "Adam's two moments"),
        ("lbfgs", r"history of SciPy's L-BFGS-B.*or solver='adam'"),
    ],
)
def test_a_network_whose_training_cannot_fit_is_refused_naming_the_solver(
    monkeypatch, solver, state
):
    # The parameters and gradients fit; what the solver adds does not.
    layers, dtype = (30, 1000, 2), np.dtype(np.float64)
    bare = training_bytes(layers, 8)
    monkeypatch.setattr(skann._memory, "available_memory", lambda: 2 * bare)
    check_network_fits(layers, 1000, dtype)
    match = rf"hidden_size=1000 asks .* training with solver='{solver}' .*{state}"
    with pytest.raises(ValueError, match=match):
        check_network_fits(layers, 1000, dtype, solver=solver, n_samples=50)


def test_a_large_batch_is_named_as_a_remedy(monkeypatch):
    monkeypatch.setattr(skann._memory, "available_memory", lambda: 2**20)
    with pytest.raises(ValueError, match=r"up to 5000 rows.* a smaller batch_size"):
        check_network_fits(
            (30, 10, 2), 10, np.dtype(np.float64), solver="adam", batch_size=5000
        )


@pytest.mark.skipif(sys.platform != "linux", reason="Linux's address-space limit")
def test_available_memory_heeds_the_address_space_limit():
    # A child process under `ulimit -v` of 1 GiB has less than that left.
    code = (
        "import resource; resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30)); "
        "import skann._memory as m; print(m.available_memory())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert 0 < int(out.stdout) < 2**30


def test_available_memory_heeds_the_containers_limit(tmp_path, monkeypatch):
    (tmp_path / "memory.max").write_text(f"{2**30}\n")
    (tmp_path / "memory.current").write_text(f"{600 * 2**20}\n")
    (tmp_path / "memory.stat").write_text(f"anon 1\ninactive_file {100 * 2**20}\n")
    limits = [(str(tmp_path / f"memory.{f}") for f in ("max", "current"))]
    monkeypatch.setattr(
        skann._memory, "_CGROUPS", [(*files, "inactive_file") for files in limits]
    )
    assert skann._memory.available_memory() <= (1024 - 600 + 100) * 2**20
    (tmp_path / "memory.max").write_text("max\n")
    assert skann._memory.available_memory() > (1024 - 600 + 100) * 2**20


@pytest.mark.parametrize("solver", ["gd", "momentum", "adam", "lbfgs"])
def test_fit_counts_the_solver_it_trains_with(monkeypatch, solver):
    # Room for the parameters and their gradients, not for what the solver adds.
    X, y = np.random.RandomState(0).randn(20, 30), np.arange(20) % 2
    monkeypatch.setattr(
        skann._memory, "available_memory", lambda: 2 * training_bytes((30, 1000, 1), 8)
    )
    match = rf"hidden_size=1000 asks .* training with solver='{solver}'"
    with pytest.raises(ValueError, match=match):
        ANNClassifier(1000, solver=solver, epochs=2).fit(X, y)


@pytest.mark.skipif(sys.platform != "linux", reason="Linux's address-space limit")
def test_a_fit_beyond_the_address_space_limit_is_refused_before_allocating():
    # 25000 hidden units on 1000 features: 191 MiB a vector, and Adam holds 8 of
    # them, in a process limited to 1 GiB of address space.
    code = (
        "import resource; resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30)); "
        "import numpy as np; from skann import ANNClassifier; "
        "X = np.random.RandomState(0).randn(20, 1000); "
        "ANNClassifier(25000, solver='adam').fit(X, np.arange(20) % 2)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("ValueError: hidden_size=25000 asks"), last
    assert "solver='adam'" in last
