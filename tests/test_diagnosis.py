"""Fits that go wrong say so: a ConvergenceWarning, or an error that keeps the model."""

import re
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import balanced_accuracy_score
from sklearn.preprocessing import StandardScaler
from textbook_settings import textbook_classifier

from skann import ANNClassifier, ANNRegressor
from skann._core.diagnosis import CHECKED_ROWS, FinalPass, flat, problems
from skann.plugins import Activation


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
    # The loss swings between about 0.62 and 0.71 from epoch to epoch; whether
    # the final weights land low enough to count as a clear win depends on
    # rounding, so the swing may or may not be named.
    match = (
        r"Training went wrong in 1000 epochs: (the training loss swung between "
        r"0\.6\d* and 0\.71\d* over the last 10 epochs, above 0\.69\d*, the loss of "
        r"predicting the class frequencies; )?it predicts one class for every one "
        r"of the 200 training rows checked\. Try standardize=True, which learns on "
        r"standardised features, or a smaller learning rate than lr=0\.1\."
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
        # The advice, followed on the raw feature.
        standardised = textbook_classifier(
            epochs=1000, random_state=0, standardize=True
        )
        assert standardised.fit(X, y).score(X, y) > 0.9


def test_the_check_runs_on_a_sample_of_large_data(rng):
    x = rng.uniform(15, 25, 5 * CHECKED_ROWS)
    X, y = x[:, np.newaxis] * 1e17, (x > 20).astype(int)
    match = f"none is positive on any of the {CHECKED_ROWS} training rows checked"
    with pytest.warns(ConvergenceWarning, match=match):
        textbook_classifier(epochs=100, random_state=0).fit(X, y)


def test_dates_read_as_nanoseconds_kill_every_relu_unit(one_feature):
    X, y = one_feature
    match = (
        r"all 4 units of hidden layer 1 are dead: none is positive on any of "
        r"the 200 training rows checked.*Try standardize=True.* lr=0\.1\."
    )
    with pytest.warns(ConvergenceWarning, match=match):
        textbook_classifier(epochs=1000, random_state=0).fit(X * 1e17, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        advised = textbook_classifier(epochs=1000, random_state=0, standardize=True)
        assert advised.fit(X * 1e17, y).score(X * 1e17, y) > 0.9


class Clipped(Activation):
    """ReLU as an object of one's own, which says whether its units can die."""

    def __init__(self, dies=True):
        self.dies = dies

    @property
    def dies_at_zero(self):
        return self.dies

    def forward(self, Z, xp):
        return xp.clip(Z, min=0.0)

    def derivative(self, Z, A, dA, xp):
        return dA * xp.astype(Z > 0, Z.dtype)


def test_the_dead_units_check_asks_the_activation_whether_its_units_die(one_feature):
    X, y = one_feature
    dead = "all 4 units of hidden layer 1 are dead"
    with pytest.warns(ConvergenceWarning, match=dead):
        textbook_classifier(activation=Clipped(), epochs=1000, random_state=0).fit(
            X * 1e17, y
        )
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        clf = textbook_classifier(activation=Clipped(dies=False), epochs=1000)
        clf.set_params(random_state=0).fit(X * 1e17, y)
    assert not any(dead in str(w.message) for w in record)


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
        r"completed iterations, with the message 'ABNORMAL.*init_scale='auto' "
        r"instead of 1000\.0\."
    )
    clf = textbook_classifier(solver="lbfgs", init_scale=1e3, random_state=0)
    with pytest.warns(ConvergenceWarning, match=match):
        clf.fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        textbook_classifier(solver="lbfgs", init_scale="auto", random_state=0).fit(X, y)
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
        "all 2 units of hidden layer 1 are dead: none is positive on any of "
        "the 50 training rows checked, so the output ignores X",
    ]
    # A loss swinging above the class frequencies in the last epochs.
    swinging = problems(FinalPass(0.65, 0.65, None, True, 50), [0.69, 0.6, 0.72], 0.69)
    assert swinging == [
        "the training loss swung between 0.6 and 0.72 over the last 3 epochs, above "
        "0.69, the loss of predicting the class frequencies"
    ]
    # Flat at the class frequencies, up to rounding: nothing swings.
    flat = [0.69, 0.69 * (1 + 1e-12), 0.69]
    assert problems(FinalPass(0.69, 0.69, None, True, 50), flat, 0.69) == []
    # Still falling towards the class frequencies: a short run, not a wrong one.
    assert problems(FinalPass(0.8, 0.8, None, True, 50), [0.9, 0.85], 0.69) == []


# A model that learnt nothing: outputs that do not vary where the targets do ----


def _uneven_classes():
    return make_classification(400, 8, weights=[0.85, 0.15], random_state=0)


def _fit_warnings(est, X, y):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, y)
    return [str(w.message) for w in caught if w.category is ConvergenceWarning]


@pytest.mark.parametrize(
    "advice, remedy",
    [
        (r"a smaller alpha than 30\.0", {"alpha": 1e-3}),
        ("class_weight='balanced'", {"class_weight": "balanced"}),
    ],
)
def test_a_classifier_of_one_class_warns_and_its_advice_helps(advice, remedy):
    X, y = _uneven_classes()
    clf = ANNClassifier(alpha=30.0, random_state=0)
    found = _fit_warnings(clf, X, y)
    assert np.unique(clf.predict(X)).size == 1
    assert any(
        re.search(
            r"it predicts one class for every one of the 400 training rows checked"
            rf".*Try .*{advice}",
            message,
        )
        for message in found
    ), found
    better = ANNClassifier(**{"alpha": 30.0, **remedy}, random_state=0)
    assert not any("one class" in m for m in _fit_warnings(better, X, y))
    assert balanced_accuracy_score(y, better.predict(X)) > 0.75


def test_raw_features_without_standardisation_warn_and_the_advice_helps():
    X, y = _uneven_classes()
    X = X * 1e-3
    clf = ANNClassifier(standardize=False, random_state=0)
    found = _fit_warnings(clf, X, y)
    assert any(
        "it predicts one class" in m and "Try standardize=True" in m for m in found
    ), found
    standardised = ANNClassifier(random_state=0)
    assert _fit_warnings(standardised, X, y) == []
    assert balanced_accuracy_score(y, standardised.predict(X)) > 0.75


def test_a_regressor_of_flat_predictions_warns_and_its_advice_helps():
    X, y = make_regression(300, 5, noise=1, random_state=0)
    reg = ANNRegressor(alpha=1000.0, random_state=0)
    found = _fit_warnings(reg, X, y)
    assert any(
        re.search(
            r"its predictions barely vary: on the 300 training rows checked their "
            r"spread is \d\.\d\d% of the targets'\. Try a smaller alpha than 1000\.0",
            m,
        )
        for m in found
    ), found
    better = ANNRegressor(alpha=1e-3, random_state=0)
    assert _fit_warnings(better, X, y) == []
    assert better.score(X, y) > 0.9


@pytest.mark.parametrize(
    "out_activation, P, Y, expected",
    [
        ("softmax", [[0.6, 0.4], [0.7, 0.3]], [[1, 0], [0, 1]], "one class"),
        ("softmax", [[0.6, 0.4], [0.3, 0.7]], [[1, 0], [0, 1]], None),
        ("softmax", [[0.6, 0.4], [0.7, 0.3]], [[1, 0], [1, 0]], None),
        ("logistic", [[0.2], [0.4]], [[0], [1]], "one class"),
        ("logistic", [[0.2], [0.6]], [[0], [1]], None),
        ("logistic", [[0.2, 0.9], [0.4, 0.8]], [[0, 1], [1, 1]], "the same labels"),
        ("logistic", [[0.2, 0.9], [0.6, 0.8]], [[0, 1], [1, 1]], None),
        ("identity", [[1.0], [1.001]], [[0.0], [1.0]], "barely vary"),
        ("identity", [[1.0], [1.1]], [[0.0], [1.0]], None),
        ("identity", [[1.0], [1.0]], [[3.0], [3.0]], None),
    ],
)
def test_flat_outputs_are_told_apart_from_varying_ones(out_activation, P, Y, expected):
    said = flat(np.array(P), np.array(Y, dtype=float), out_activation)
    if expected is None:
        assert said is None
    else:
        assert expected in said


def test_a_fit_that_clearly_beats_the_baseline_is_not_said_to_go_wrong():
    # The data's loss fell from 0.69 to 0.2; with the penalty, which grew with the
    # weights, the curve swung above the start and the baseline.
    curve = [0.69, 0.4, 0.72, 0.5]
    assert problems(FinalPass(0.2, 0.75, None, True, 50), curve, 0.69) == []
    # A data loss near the baseline's is no clear win: the same curve warns.
    found = problems(FinalPass(0.6, 0.75, None, True, 50), curve, 0.69)
    assert [f.split(" from ")[0].split(" between ")[0] for f in found] == [
        "the training loss swung",
        "the training loss rose",
    ]
