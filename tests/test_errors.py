"""Errors that name the parameter or input at fault, and leave a fitted model alone."""

import os
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.model_selection import train_test_split
from textbook_settings import textbook_classifier

import skann._memory
from skann import ANNClassifier, ANNRegressor
from skann._core.network import Network
from skann._core.plan import Dataset
from skann._validation import split_validation


@pytest.fixture
def data(rng):
    return rng.randn(40, 3), rng.randint(0, 2, 40)


@pytest.fixture
def fitted(data):
    X, y = data
    return textbook_classifier(4, epochs=5, random_state=0).fit(X, y)


def assert_fails_unchanged(clf, error, match, X, y, **fit_params):
    """Fit ``clf`` again, expecting ``error``; check it kept the earlier model."""
    before = dict(vars(clf))
    coefs = [W.copy() for W in clf.coefs_]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(error, match=match):
            clf.fit(X, y, **fit_params)
    assert {k: v for k, v in vars(clf).items()} == before
    for W, W_before in zip(clf.coefs_, coefs):
        np.testing.assert_array_equal(W, W_before)


@pytest.mark.parametrize("weight", [-1.0, np.nan, np.inf, "heavy"])
def test_a_bad_class_weight_is_reported_as_class_weight(fitted, data, weight):
    X, y = data
    fitted.set_params(class_weight={0: weight, 1: 1.0})
    match = r"class_weight must map each class .* for class 0"
    assert_fails_unchanged(fitted, ValueError, match, X, y)


def test_class_weights_of_zero_name_class_weight(fitted, data):
    X, y = data
    fitted.set_params(class_weight={0: 0.0, 1: 0.0})
    assert_fails_unchanged(fitted, ValueError, "class_weight must have a pos", X, y)
    fitted.set_params(class_weight={0: 0.0, 1: 1.0})
    assert_fails_unchanged(fitted, ValueError, "positive class_weight", X, y)


@pytest.mark.parametrize(
    "dtype, weight, total",
    [
        (np.float64, 1e307, "inf"),
        (np.float64, 1e-320, "4e-319"),
        (np.float32, 1e37, "4e[+]38"),
        (np.float32, 1e300, "4e[+]301"),
    ],
)
def test_weights_whose_sum_overflows_name_sample_weight(
    fitted, data, dtype, weight, total
):
    X, y = data
    fitted.set_params(warm_start=False)
    match = f"sample_weight sums to {total}, outside .*{np.dtype(dtype).name}"
    sample_weight = np.full(len(y), weight)
    assert_fails_unchanged(
        fitted, ValueError, match, X.astype(dtype), y, sample_weight=sample_weight
    )


def test_weights_times_class_weights_that_overflow_name_both(fitted, data):
    X, y = data
    fitted.set_params(class_weight={0: 1e300, 1: 1.0})
    sample_weight = np.full(len(y), 1e300)
    match = "sample_weight times class_weight sums to inf"
    assert_fails_unchanged(fitted, ValueError, match, X, y, sample_weight=sample_weight)


def test_large_but_safe_weights_train_without_warnings(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        clf = textbook_classifier(4, epochs=20, random_state=0)
        clf.fit(X, y, sample_weight=np.full(len(y), 1e290))
    reference = textbook_classifier(4, epochs=20, random_state=0).fit(X, y)
    np.testing.assert_allclose(clf.predict_proba(X), reference.predict_proba(X))


@pytest.mark.parametrize(
    "n, fraction, n_validation, n_train",
    [(5, 0.1, "1 row", "4 rows"), (5, 0.9, "5 rows", "0 rows"), (40, 0.99, "40", "0")],
)
def test_early_stopping_on_too_few_rows_names_validation_fraction(
    fitted, data, n, fraction, n_validation, n_train
):
    X, y = data
    fitted.set_params(early_stopping=True, validation_fraction=fraction)
    match = (
        rf"early_stopping=True holds out validation_fraction={fraction} of the {n} "
        rf"rows: a validation set of {n_validation}.* training set of {n_train}.*"
        "each of the 2 classes"
    )
    assert_fails_unchanged(fitted, ValueError, match, X[:n], y[:n])


def test_early_stopping_with_a_class_of_one_row_names_it(fitted, data):
    X, y = data
    y = np.where(np.arange(len(y)) == 0, 2, y)
    fitted.set_params(early_stopping=True, validation_fraction=0.2)
    match = r"early_stopping=True splits the rows by class.* classes \[2\] have 1"
    assert_fails_unchanged(fitted, ValueError, match, X, y)


@pytest.mark.parametrize("part", ["training", "validation"])
def test_a_validation_split_with_a_part_of_zero_weight_is_refused(rng, part):
    # The rows drawn as split_validation draws them; weight only in the other part.
    X, Y = rng.randn(20, 2), rng.randn(20, 1)
    drawn = dict(
        zip(
            ["training", "validation"],
            train_test_split(np.arange(20), test_size=0.25, random_state=0),
        )
    )
    w = np.ones(20)
    w[drawn[part]] = 0.0
    match = f"drew a {part} set whose sample weights sum to zero"
    with pytest.raises(ValueError, match=match):
        split_validation(Dataset(X, Y, w), None, np.random.RandomState(0), 0.25)


def test_early_stopping_with_multilabel_targets_names_validation_fraction(rng, fitted):
    X, Y = rng.randn(5, 3), rng.randint(0, 2, (5, 2))
    fitted.set_params(early_stopping=True, validation_fraction=0.9)
    match = "validation_fraction=0.9 of the 5 rows.*at least one row in each part"
    assert_fails_unchanged(fitted, ValueError, match, X, Y)


@pytest.mark.parametrize("dtype", ["datetime64[D]", "timedelta64[s]"])
def test_numpy_dates_and_durations_are_refused(fitted, dtype):
    X = np.arange(40).astype(dtype).reshape(-1, 1)
    y = np.arange(40) % 2
    assert_fails_unchanged(fitted, TypeError, re.escape(f"X has dtype {dtype}"), X, y)
    with pytest.raises(TypeError, match="numeric features"):
        fitted.predict(X)


def test_dataframe_date_and_duration_columns_are_refused_by_name(fitted, data):
    X, y = data
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    frame["when"] = pd.date_range("2020-01-01", periods=len(y), tz="UTC")
    frame["wait"] = pd.to_timedelta(np.arange(len(y)), unit="s")
    frame["day"] = pd.date_range("2020-01-01", periods=len(y))
    match = r"datetime or timedelta columns \['when', 'wait', 'day'\]"
    assert_fails_unchanged(fitted, TypeError, match, frame, y)
    with pytest.raises(TypeError, match=r"columns \['when', 'wait', 'day'\]"):
        fitted.predict_proba(frame)


def test_x_with_both_infinities_is_refused_without_runtime_warnings(fitted, data):
    X, y = data
    X = X.copy()
    X[0, 0], X[1, 1] = np.inf, -np.inf
    assert_fails_unchanged(fitted, ValueError, "Input X contains infinity", X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match="Input X contains infinity"):
            fitted.predict(X)


@pytest.mark.parametrize(
    "coding, values",
    [((-1, 1), r"\[-1, 1\]"), ((1, 2), r"\[1, 2\]"), ((0, 5), r"\[0, 5\]")],
    ids=["-1/1", "1/2", "0/5"],
)
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_a_multilabel_indicator_not_coded_0_1_is_refused(rng, coding, values, sparse):
    X, Y = rng.randn(40, 3), rng.randint(0, 2, (40, 2))
    recoded = np.where(Y == 1, coding[1], coding[0])
    if sparse:
        recoded = sp.csr_matrix(recoded)
    match = rf"multilabel indicator y must hold 1 .* the values {values}"
    first = ANNClassifier(4, epochs=5, random_state=0)
    with pytest.raises(ValueError, match=match):
        first.fit(X, recoded)
    assert not hasattr(first, "classes_")
    with pytest.raises(ValueError, match=match):
        ANNClassifier(4, solver="gd", random_state=0).partial_fit(X, recoded)

    # A model fitted on 0/1 keeps its weights when later given another coding.
    clf = ANNClassifier(4, epochs=5, solver="gd", random_state=0).fit(X, Y)
    with pytest.raises(ValueError, match=match):
        clf.partial_fit(X, recoded)
    clf.set_params(warm_start=True)
    assert_fails_unchanged(clf, ValueError, match, X, recoded)


def layer_bytes(layer_sizes, itemsize):
    """Bytes of a network's weights and biases, and as many gradients."""
    n_params = sum((a + 1) * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))
    return 2 * n_params * itemsize


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_hidden_layer_too_large_for_memory_is_refused_before_allocation(
    fitted, data, dtype
):
    X, y = data
    h = 10**12
    fitted.set_params(hidden_size=h, warm_start=False)
    # What each solver adds is counted in test_memory.py.
    match = (
        rf"hidden_size={h} asks for a network of layers \(3, {h}, 1\), whose .* "
        rf"would take [\d.]+ [TP]iB in {np.dtype(dtype).name}.* more than the .* of "
        "memory available"
    )
    assert_fails_unchanged(fitted, ValueError, match, X.astype(dtype), y)
    with pytest.raises(ValueError, match=r"hidden_size=\(8, 1000000000000\)"):
        ANNRegressor((8, h)).fit(X, X[:, 0])


def test_without_a_solver_the_memory_rule_counts_weights_biases_and_gradients(
    monkeypatch,
):
    need = layer_bytes((3, 5, 2, 1), 8)  # 2 * (4 * 5 + 6 * 2 + 3 * 1) * 8 = 560
    dtype = np.dtype(np.float64)
    monkeypatch.setattr(skann._memory, "available_memory", lambda: need)
    skann._memory.check_network_fits((3, 5, 2, 1), (5, 2), dtype)
    monkeypatch.setattr(skann._memory, "available_memory", lambda: need - 1)
    match = rf"would take {need} bytes in float64, more than the {need - 1} bytes"
    with pytest.raises(ValueError, match=match):
        skann._memory.check_network_fits((3, 5, 2, 1), (5, 2), dtype)


def test_a_failed_allocation_names_hidden_size(data, monkeypatch):
    X, y = data

    def out_of_memory(*args, **kwargs):
        raise MemoryError

    # Where the memory available cannot be read, NumPy's MemoryError is explained.
    monkeypatch.setattr(skann._memory, "available_memory", lambda: None)
    monkeypatch.setattr(Network, "initialize", out_of_memory)
    match = r"hidden_size=7 .* more than the memory that could be allocated"
    with pytest.raises(MemoryError, match=match):
        ANNClassifier(7, epochs=2).fit(X, y)


def test_available_memory_is_read_from_the_system(monkeypatch):
    if not hasattr(os, "sysconf"):
        pytest.skip("no sysconf on this platform")
    physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    assert 0 < skann._memory.available_memory() <= physical

    def no_meminfo(*args, **kwargs):
        raise OSError

    # Without /proc/meminfo (macOS, the BSDs), the physical memory is the bound.
    monkeypatch.setattr(skann._memory, "open", no_meminfo, raising=False)
    assert skann._memory.available_memory() == physical
