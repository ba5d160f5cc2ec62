"""Fits that go wrong say so: a ConvergenceWarning, or an error that keeps the model."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from textbook_settings import textbook_classifier

from skann._core.diagnosis import CHECKED_ROWS, FinalPass, problems


@pytest.fixture
def one_feature(rng):
    """One unscaled feature, 15 to 25, and a target it separates."""
    x = rng.uniform(15, 25, 200)
    return x[:, np.newaxis], (x > 20).astype(int)


@pytest.fixture
def fitted(rng):
    X, y = rng.randn(40, 3), rng.randint(0, 2, 40)
    return textbook_classifier(4, epochs=5, random_state=0).fit(X, y)


def state(clf):
    """Every attribute, arrays as lists, for comparisons."""
    return {
        k: [np.asarray(a).tolist() for a in v] if k in ("coefs_", "intercepts_") else v
        for k, v in vars(clf).items()
        if not isinstance(v, np.ndarray)
    }


def fails_unchanged(clf, error, match, fit):
    """Run ``fit(clf)``, expecting ``error``; check ``clf`` kept its model."""
    before = state(clf)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(error, match=match) as info:
            fit(clf)
    assert state(clf) == before
    return info


def test_an_unscaled_feature_warns_instead_of_a_silent_constant_predictor(one_feature):
    X, y = one_feature
    # The loss swings between about 0.62 and 0.71 from epoch to epoch; which of
    # the two the final weights land on depends on rounding.
    match = (
        r"Training went wrong in 1000 epochs: the training loss (ended at 0\.71\d*, "
        r"above 0\.69\d*|swung between 0\.6\d* and 0\.71\d* over the last 10 "
        r"epochs, above 0\.69\d*), the loss of predicting the class frequencies"
        r".*Try scaling the features \(for example with StandardScaler\), a smaller "
        r"learning rate than lr=0\.1, or another init_scale than 0\.1, such as "
        r"'auto'\."
    )
    with pytest.warns(ConvergenceWarning, match=match):
        clf = textbook_classifier(epochs=1000, random_state=0).fit(X, y)
    assert clf.score(X, y) < 0.6
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scaled = StandardScaler().fit_transform(X)
        assert (
            textbook_classifier(epochs=1000, random_state=0)
            .fit(scaled, y)
            .score(scaled, y)
            > 0.9
        )


def test_the_check_runs_on_a_sample_of_large_data(rng):
    x = rng.uniform(15, 25, 5 * CHECKED_ROWS)
    X, y = x[:, np.newaxis] * 1e17, (x > 20).astype(int)
    match = f"none is positive on any of the {CHECKED_ROWS} training rows checked"
    with pytest.warns(ConvergenceWarning, match=match):
        textbook_classifier(epochs=100, random_state=0).fit(X, y)


def test_dates_read_as_nanoseconds_kill_every_relu_unit(one_feature):
    X, y = one_feature
    match = (
        r"all 4 ReLU units of hidden layer 1 are dead: none is positive on any of "
        r"the 200 training rows checked.* lr=0\.1.*'auto'"
    )
    with pytest.warns(ConvergenceWarning, match=match):
        textbook_classifier(epochs=1000, random_state=0).fit(X * 1e17, y)


def test_a_learning_rate_too_high_warns_with_the_rising_loss(one_feature):
    X, y = one_feature
    X = StandardScaler().fit_transform(X)
    match = r"loss rose from 0\.6\d* at the start to \d+\.\d* at the end.*lr=20"
    with pytest.warns(ConvergenceWarning, match=match) as record:
        textbook_classifier(lr=20, epochs=1000, random_state=0).fit(X, y)
    assert len(record) == 1


def test_a_healthy_fit_does_not_warn(rng):
    X = rng.randn(100, 3)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for solver in ("gd", "adam", "lbfgs"):
            textbook_classifier(
                solver=solver,
                epochs=200,
                lr=0.01 if solver == "adam" else 0.1,
                random_state=0,
            ).fit(X, y)


def test_partial_fit_leaves_the_diagnosis_to_the_caller(one_feature):
    # One call sees one chunk of the data: its loss and activations say little.
    X, y = one_feature
    clf = textbook_classifier(random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            clf.partial_fit(X * 1e17, y, classes=[0, 1])


def test_partial_fit_raises_where_its_own_update_diverges_and_keeps_the_model(
    one_feature,
):
    # Each call is judged on its own epoch: the fourth call's update overflows.
    X, y = one_feature
    X = StandardScaler().fit_transform(X)
    clf = textbook_classifier(lr=1e100, random_state=0)
    match = r"diverged at epoch 1: the weights stopped being finite.* lr=1e\+100"
    for _ in range(3):
        clf.partial_fit(X, y, classes=[0, 1])
    fails_unchanged(clf, ValueError, match, lambda c: c.partial_fit(X, y))
    assert clf.n_iter_ == len(clf.loss_curve_) == 3


def test_lbfgs_reports_scipys_abnormal_stop(rng):
    X, y = rng.randn(40, 3), rng.randint(0, 2, 40)
    match = (
        r"lbfgs failed to converge: SciPy's L-BFGS-B stopped abnormally after 0 "
        r"completed iterations, with the message 'ABNORMAL.*init_scale than 1000\.0"
    )
    clf = textbook_classifier(solver="lbfgs", init_scale=1e3, random_state=0)
    with pytest.warns(ConvergenceWarning, match=match):
        clf.fit(X, y)
    assert clf.n_iter_ == len(clf.loss_curve_) == 1
    assert clf.loss_ == clf.loss_curve_[0] == clf.best_loss_ > 1


@pytest.mark.parametrize(
    "X_scale, params, match",
    [
        (1e300, {}, r"lr=0\.1 is likely"),
        (1, {"alpha": 1e300}, r"lr=0\.1 or the penalty alpha=1e\+300"),
        (1, {"lr": 1e300}, r"lr=1e\+300 is likely"),
    ],
)
def test_a_last_update_that_breaks_the_network_is_divergence(
    fitted, X_scale, params, match
):
    rng = np.random.RandomState(1)
    X, y = rng.randn(40, 3) * X_scale, rng.randint(0, 2, 40)
    fitted.set_params(epochs=1, random_state=1, **params)
    match = r"diverged at epoch 1: at the final weights the outputs .*" + match
    fails_unchanged(fitted, ValueError, match, lambda c: c.fit(X, y))


@pytest.mark.parametrize(
    "dtype, solver, match",
    [
        (np.float32, "gd", r"init_scale=1e\+200 draws initial weights beyond"),
        (np.float64, "lbfgs", r"L-BFGS diverged after 0 iterations.*init_scale"),
    ],
)
def test_an_init_scale_too_large_is_refused_without_runtime_warnings(
    fitted, dtype, solver, match
):
    X, y = np.random.RandomState(0).randn(40, 3).astype(dtype), np.arange(40) % 2
    fitted.set_params(init_scale=1e200, solver=solver)
    fails_unchanged(fitted, ValueError, match, lambda c: c.fit(X, y))


@pytest.mark.parametrize("alpha", [0.0, 1e-3])
def test_minibatches_of_zero_weight_are_skipped(rng, alpha):
    X, y = rng.randn(40, 3), rng.randint(0, 2, 40)
    w = np.r_[np.zeros(20), np.ones(20)]
    params = dict(epochs=5, batch_size=10, shuffle=False, alpha=alpha, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        clf = textbook_classifier(**params).fit(X, y, sample_weight=w)
    reference = textbook_classifier(**params).fit(X[20:], y[20:])
    for W, W_reference in zip(clf.coefs_, reference.coefs_):
        np.testing.assert_allclose(W, W_reference)


def test_problems_are_named_with_their_numbers():
    final = FinalPass(
        0.8, 0.9, [np.array([False, False]), np.array([True])], True, n_rows=50
    )
    found = problems(final, [0.7, 0.6], baseline=0.69)
    assert found == [
        "the training loss ended at 0.8, above 0.69, the loss of predicting the "
        "class frequencies",
        "the training loss rose from 0.7 at the start to 0.9 at the end",
        "all 2 ReLU units of hidden layer 1 are dead: none is positive on any of "
        "the 50 training rows checked, so the output ignores X",
    ]
    # A loss swinging above the class frequencies in the last epochs.
    swinging = problems(FinalPass(0.6, 0.6, None, True, 50), [0.69, 0.6, 0.72], 0.69)
    assert swinging == [
        "the training loss swung between 0.6 and 0.72 over the last 3 epochs, above "
        "0.69, the loss of predicting the class frequencies"
    ]
    # Flat at the class frequencies, up to rounding: nothing swings.
    flat = [0.69, 0.69 * (1 + 1e-12), 0.69]
    assert problems(FinalPass(0.69, 0.69, None, True, 50), flat, 0.69) == []
    # Still falling towards the class frequencies: a short run, not a wrong one.
    assert problems(FinalPass(0.8, 0.8, None, True, 50), [0.9, 0.85], 0.69) == []
