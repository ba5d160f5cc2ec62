"""Errors that name the parameter or input at fault, and leave a fitted model alone."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from textbook_settings import textbook_classifier


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
