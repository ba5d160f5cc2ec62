"""ANNRegressor's targets: standardised for training, refused or explained when bad.

Every test passes the training settings it relies on, so that it holds whatever
the constructor's defaults are.
"""

import pickle
import re
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.model_selection import cross_val_score
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skann import ANNClassifier, ANNRegressor, from_mlp
from skann._core.losses import LOSSES
from skann._core.network import Network
from skann._core.objective import gradients
from skann._core.optimizers import OPTIMIZERS, Momentum
from skann._core.stopping import DivergenceError


def adam(**params):
    settings = dict(
        hidden_size=16,
        solver="adam",
        lr=0.01,
        batch_size=50,
        epochs=100,
        tol=None,
        init_scale="auto",
        alpha=0.0,
        random_state=0,
        # These tests are of the targets' scale, and of raw features' advice.
        standardize=False,
    )
    return ANNRegressor(**{**settings, **params})


def gd(**params):
    settings = dict(
        hidden_size=8,
        solver="gd",
        lr=0.1,
        batch_size=None,
        epochs=30,
        tol=None,
        init_scale=0.1,
        alpha=0.0,
        random_state=0,
        standardize=False,
    )
    return ANNRegressor(**{**settings, **params})


@pytest.fixture
def raw_scale():
    """make_regression's targets times 50 plus 1000, split in two halves."""
    X, y = make_regression(n_samples=400, n_features=5, noise=5.0, random_state=0)
    y = 50 * y + 1000
    return X[:200], y[:200], X[200:], y[200:]


def test_the_network_trains_on_the_weighted_standardised_targets(rng):
    X = rng.randn(60, 3)
    Y = np.column_stack([300 * X[:, 0] + 2000, np.full(60, 7.5), X[:, 1]])
    w = rng.uniform(0, 3, 60)
    reg = gd(epochs=1).fit(X, Y, sample_weight=w)
    mean = np.average(Y, axis=0, weights=w)
    std = np.sqrt(np.average((Y - mean) ** 2, axis=0, weights=w))
    np.testing.assert_allclose(reg.y_mean_, mean, rtol=1e-12)
    # A constant target is divided by 1, as StandardScaler divides a constant
    # feature.
    np.testing.assert_allclose(reg.y_scale_, [std[0], 1.0, std[2]], rtol=1e-12)
    off = gd(epochs=1, normalize_y=False).fit(X, Y, sample_weight=w)
    assert (off.y_mean_ == 0).all() and (off.y_scale_ == 1).all()


def test_the_fitted_weights_predict_the_targets_themselves(raw_scale):
    # coefs_ and intercepts_ hold the model in y's units: a forward pass through
    # them, as ONNX and any reader of the weights would run it, is predict.
    X, y, X_test, _ = raw_scale
    reg = adam(hidden_size=(16, 8)).fit(X, y)
    A = X_test
    for W, b in zip(reg.coefs_[:-1], reg.intercepts_[:-1]):
        A = np.maximum(A @ W + b, 0)
    by_hand = (A @ reg.coefs_[-1] + reg.intercepts_[-1]).ravel()
    np.testing.assert_allclose(reg.predict(X_test), by_hand, rtol=1e-12)


@pytest.mark.parametrize("params", [{}, {"solver": "lbfgs"}, {"solver": "gd"}])
def test_a_raw_scale_target_learns_as_a_standardised_one(raw_scale, params):
    X, y, X_test, y_test = raw_scale
    mean, std = y.mean(), y.std()
    standardised = adam(**params).fit(X, (y - mean) / std)
    raw = adam(**params).fit(X, y)
    # The same steps on the same standardised targets, up to rounding, which
    # L-BFGS's line searches carry further, by as much as the BLAS kernel's order
    # of summation differs.
    rtol = 1e-5 if params.get("solver") == "lbfgs" else 1e-6
    np.testing.assert_allclose(
        raw.predict(X_test), standardised.predict(X_test) * std + mean, rtol=rtol
    )
    r2 = r2_score(y_test, raw.predict(X_test))
    assert r2 == pytest.approx(
        r2_score((y_test - mean) / std, standardised.predict(X_test))
    )
    assert r2 > 0.9


def test_without_normalize_y_a_raw_scale_target_trains_badly(raw_scale):
    # What standardising spares: the same settings on y as it is.
    X, y, X_test, y_test = raw_scale
    assert r2_score(y_test, adam(normalize_y=False).fit(X, y).predict(X_test)) < 0.5
    with pytest.raises(DivergenceError, match="normalize_y=False"):
        adam(solver="gd", normalize_y=False).fit(X, y)


def test_diabetes_with_mlp_like_settings_beats_half_of_ridge():
    # Features standardised, the target as it comes (mean 152, deviation 77).
    X, y = load_diabetes(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = {
            normalize_y: cross_val_score(
                make_pipeline(
                    StandardScaler(),
                    from_mlp(MLPRegressor(random_state=0)).set_params(
                        normalize_y=normalize_y
                    ),
                ),
                X,
                y,
                cv=5,
            ).mean()
            for normalize_y in (True, False)
        }
    # RidgeCV scores 0.48 here; MLPRegressor at its defaults -1.
    assert scores[True] >= 0.45
    assert scores[False] < 0


def test_continued_fits_merge_the_targets_statistics(raw_scale):
    # Full batches, so that the continued fit takes the whole fit's steps: each
    # call unscales the output layer, trains, and scales it back; the same rows
    # again leave the statistics as they were.
    X, y, _, _ = raw_scale
    whole = gd(epochs=20).fit(X, y)
    halves = gd(epochs=10, warm_start=True).fit(X, y).fit(X, y)
    np.testing.assert_allclose(halves.loss_curve_, whole.loss_curve_, rtol=1e-9)
    np.testing.assert_allclose(halves.predict(X), whole.predict(X), rtol=1e-9)
    np.testing.assert_allclose(halves.y_scale_, whole.y_scale_, rtol=1e-12)
    halves.fit(X, 3 * y[::-1])  # other targets, merged into the statistics
    seen = np.r_[y, y, 3 * y[::-1]]
    np.testing.assert_allclose(halves.y_mean_, [seen.mean()], rtol=1e-12)
    np.testing.assert_allclose(halves.y_scale_, [seen.std()], rtol=1e-12)


def test_partial_fit_merges_each_calls_targets(raw_scale):
    X, y, _, _ = raw_scale
    calls = gd()
    for _ in range(5):
        calls.partial_fit(X, y)
    whole = gd(epochs=5).fit(X, y)
    np.testing.assert_allclose(calls.loss_curve_, whole.loss_curve_, rtol=1e-9)
    np.testing.assert_allclose(calls.predict(X), whole.predict(X), rtol=1e-9)
    calls.partial_fit(X[:50], 3 * y[:50])
    seen = np.r_[np.tile(y, 5), 3 * y[:50]]
    np.testing.assert_allclose(calls.y_mean_, [seen.mean()], rtol=1e-12)
    np.testing.assert_allclose(calls.y_scale_, [seen.std()], rtol=1e-12)


@pytest.mark.parametrize("factor", [1e200, 1e300, -1e300])
def test_huge_targets_train_in_float64_without_numpy_warnings(raw_scale, factor):
    X, y, X_test, y_test = raw_scale
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reg = adam().fit(X, y * factor)
        predictions = reg.predict(X_test)
    assert np.isfinite(predictions).all()
    # The same fit as on targets near 1, up to the rounding of the factor.
    sign = np.sign(factor)
    reference = adam().fit(X, y * sign).predict(X_test)
    scale = np.abs(reference).max()
    np.testing.assert_allclose(
        predictions / factor * sign, reference, atol=1e-6 * scale
    )


@pytest.mark.parametrize("factor", [1e200, 1e300])
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_huge_targets_for_float32_are_refused_without_numpy_warnings(
    raw_scale, factor, solver
):
    X, y, _, _ = raw_scale
    reg = adam(solver=solver)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="too large for X's dtype float32"):
            reg.fit(X.astype(np.float32), y * factor)
    assert not hasattr(reg, "coefs_")


def test_targets_far_from_those_seen_are_refused_in_float32(raw_scale):
    # Rows of zero weight count in no statistic: standardised with the deviation
    # of about 1e-7 of the rows seen, their targets of 1e34 reach 1e41, beyond
    # float32.
    X, y, _, _ = raw_scale
    reg = adam(warm_start=True).fit(X.astype(np.float32), y * 1e-10)
    before = pickle.dumps(reg)
    far = np.where(np.arange(len(y)) < 5, 1e34, y * 1e-10)
    w = (np.arange(len(y)) >= 5).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="once standardised with the mean"):
            reg.fit(X.astype(np.float32), far, sample_weight=w)
    assert pickle.dumps(reg) == before


# Errors and warnings -------------------------------------------------------------


def test_a_target_not_standardised_is_named_as_the_cause():
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    with pytest.raises(DivergenceError) as error:
        gd(hidden_size=4, epochs=100, normalize_y=False).fit(X, y)
    message = str(error.value)
    assert "y as it is (mean 152.1, standard deviation 77.01)" in message
    assert "set normalize_y=True" in message
    assert "TransformedTargetRegressor" in message
    assert "features" not in message and "class" not in message


def test_a_standardised_target_is_named_but_not_blamed(rng):
    X = rng.randn(80, 4)
    y = 1000 * (X @ np.array([1.0, -2.0, 0.5, 0.0])) + 5000
    with pytest.raises(DivergenceError) as error:
        gd(lr=50.0).fit(X, y)
    message = str(error.value)
    assert "lr=50.0 is likely too high; lower it." in message
    assert "trained on y standardised (mean 5" in message
    for blame in ("normalize_y", "TransformedTargetRegressor", "features", "class"):
        assert blame not in message


def test_the_divergence_check_speaks_of_the_mean_target(rng):
    X = rng.randn(80, 4)
    y = X @ np.array([1.0, -2.0, 0.5, 0.0])
    # tanh units bound the loss: it stays high instead of overflowing.
    with pytest.raises(DivergenceError, match="predicting the mean target") as error:
        gd(activation="tanh", lr=3.0, epochs=100).fit(X, y)
    assert "class" not in str(error.value) and "features" not in str(error.value)


def test_unscaled_features_are_named_as_the_cause(rng):
    X = rng.randn(80, 4)
    y = X @ np.array([1.0, -2.0, 0.5, 0.0])
    X[:, 2] *= 1000
    match = r"or scale the features, whose root mean square reaches 883 in column 2"
    with pytest.raises(DivergenceError, match=match):
        gd().fit(X, y)


def test_extreme_targets_are_named_as_a_possible_cause(rng):
    X = rng.randn(400, 4)
    y = X[:, 0] + np.where(np.arange(400) == 7, 1e6, 0.0)
    with pytest.raises(DivergenceError, match="QuantileTransformer") as error:
        gd(lr=40.0).fit(X, y)
    # The outlier stands sqrt(399) deviations from the mean.
    assert "its values reach 20 standard deviations from the mean" in str(error.value)


def test_partial_fit_explains_its_divergence(raw_scale):
    X, y, _, _ = raw_scale
    reg = gd(normalize_y=False)
    with pytest.raises(DivergenceError, match="set normalize_y=True"):
        for _ in range(10):
            reg.partial_fit(X, y)


def test_the_warning_about_a_bad_fit_blames_features_only_when_unscaled(rng):
    X = rng.randn(80, 4)
    y = X @ np.array([1.0, -2.0, 0.5, 0.0])
    with pytest.warns(ConvergenceWarning, match="swung between") as record:
        gd(lr=1.5, epochs=50).fit(X, y)
    assert "Try a smaller learning rate than lr=1.5" in str(record[0].message)
    X, y = rng.normal(loc=100, size=(100, 2)), rng.normal(size=100)
    with pytest.warns(ConvergenceWarning, match="dead") as record:
        gd(hidden_size=4, epochs=100).fit(X, y)
    assert re.search(
        r"Try standardize=True or scaling the features, whose root mean square "
        r"reaches (99\.\d|10\d) in",
        str(record[0].message),
    )


def test_the_classifiers_messages_still_speak_of_classes(rng):
    x = rng.uniform(15, 25, 200)
    X, y = StandardScaler().fit_transform(x[:, np.newaxis]), (x > 20).astype(int)
    clf = ANNClassifier(
        4, solver="gd", lr=1e10, epochs=11, batch_size=None, init_scale=0.1,
        random_state=0,
    )  # fmt: skip
    match = "predicting the class frequencies.* or scale the features"
    with pytest.raises(DivergenceError, match=match):
        clf.fit(X, y)


# Early stopping ------------------------------------------------------------------


@pytest.mark.parametrize("n, fraction", [(10, 0.1), (19, 0.05), (3, 0.2)])
def test_a_validation_set_too_small_for_r2_is_refused(rng, n, fraction):
    X, y = rng.randn(n, 2), rng.randn(n)
    reg = adam(early_stopping=True, validation_fraction=fraction)
    with pytest.raises(ValueError, match="The validation set is too small.* 1 row,"):
        reg.fit(X, y)
    assert not hasattr(reg, "coefs_")


def test_two_held_out_rows_are_enough(rng):
    X, y = rng.randn(20, 2), rng.randn(20)
    reg = adam(early_stopping=True, validation_fraction=0.1, epochs=5).fit(X, y)
    assert len(reg.validation_scores_) == 5 and reg.validation_scores_[0] != 0.0


# Saved models --------------------------------------------------------------------


@pytest.mark.parametrize(
    "attribute, value",
    [
        ("y_mean_", np.zeros(2)),
        ("y_scale_", np.array([0.0])),
        ("y_scale_", np.array([np.inf])),
        ("y_mean_", None),
    ],
)
def test_a_saved_model_with_bad_target_scaling_is_refused(raw_scale, attribute, value):
    X, y, _, _ = raw_scale
    reg = adam(epochs=2).fit(X, y)
    setattr(reg, attribute, value)
    with pytest.raises(ValueError, match=f"inconsistent: {attribute}"):
        pickle.loads(pickle.dumps(reg))


@pytest.mark.parametrize("values", [(0.0, 5e-324), (5e-324, 1e-323), (1e-320, 3e-320)])
def test_subnormal_targets_train_as_a_constant_without_numpy_warnings(rng, values):
    # Their spread is below the smallest normal float: dividing by it would
    # overflow, so they standardise as a constant target does, divided by 1.
    X, y = rng.randn(20, 3), np.tile(values, 10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reg = adam(epochs=3).fit(X, y)
    assert reg.y_scale_ == [1.0]
    assert np.isfinite(reg.predict(X)).all()


def test_a_target_constant_on_its_weighted_rows_standardises_to_zeros(rng):
    # Rows of zero weight count in neither its mean nor its constancy, however
    # far off they are; the mean is the value itself, not an average near it.
    X = rng.randn(35, 3)
    y = np.r_[np.full(30, 0.1), np.full(5, 1e100)]
    w = np.r_[rng.uniform(0.5, 2.0, 30), np.zeros(5)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reg = adam(epochs=3).fit(X, y, sample_weight=w)
    assert reg.y_mean_ == [0.1] and reg.y_scale_ == [1.0]


def test_targets_far_from_the_first_fits_are_merged_into_the_statistics(raw_scale):
    # Targets 1e600 times those of the first fit standardise by the statistics of
    # both: training goes on without overflow.
    X, y, _, _ = raw_scale
    reg = adam(warm_start=True, epochs=3).fit(X, y * 1e-300)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reg.fit(X, y * 1e300)
    seen = np.r_[y * 1e-600, y]  # in units of 1e300
    np.testing.assert_allclose(reg.y_mean_ / 1e300, [seen.mean()], rtol=1e-12)
    np.testing.assert_allclose(reg.y_scale_ / 1e300, [seen.std()], rtol=1e-12)
    assert np.isfinite(reg.predict(X)).all()


# Statistics merged across calls --------------------------------------------------


class _Recorded(Momentum):
    """Momentum that keeps the factors each call rescales its state by."""

    factors = []

    def rescale(self, factors):
        _Recorded.factors.append(np.array(factors))
        super().rescale(factors)


def _network_in(reg, y_mean, y_scale):
    """``reg``'s network (on raw features), its output in units of the targets
    standardised by ``y_mean`` and ``y_scale``."""
    coefs, intercepts = list(reg.coefs_), list(reg.intercepts_)
    coefs[-1] = coefs[-1] / y_scale
    intercepts[-1] = (intercepts[-1] - y_mean) / y_scale
    return Network(coefs, intercepts, "relu", "identity")


def test_a_merge_leaves_the_predictions_as_they_were(rng):
    # A first fit on one row divides by 1; the next rows' spread replaces it,
    # but in the constant column, which stays divided by 1.
    X = rng.randn(60, 3)
    y = np.c_[1000 * X[:, 0] + 5000, np.full(60, 7.0)]
    reg = ANNRegressor(hidden_size=6, epochs=20, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X[:1], y[:1])
    assert (reg.y_scale_ == 1).all()
    before = reg.predict(X)
    reg.set_params(lr=1e-12, epochs=1, tol=None)
    reg.fit(X[1:], y[1:])
    assert reg.y_scale_[0] > 500 and reg.y_scale_[1] == 1 and reg.y_mean_[1] == 7
    np.testing.assert_allclose(reg.predict(X), before, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("solver", ["momentum", "adam"])
def test_the_rescaled_state_is_that_of_the_run_fed_the_new_units_gradients(rng, solver):
    # One output, features as they are: in the new units the gradients are the
    # old ones divided by the factors exactly, and the state rescaled by them is
    # that of an optimizer fed the new gradients all along.
    X = rng.randn(40, 3)
    y = 1000 * np.sin(X[:, 0]) + 3000
    _Recorded.factors = []
    reg = ANNRegressor(
        hidden_size=5, solver=_Recorded(), standardize=False, random_state=0
    ).partial_fit(X[:2], y[:2])
    old = reg.y_mean_.copy(), reg.y_scale_.copy()
    previous = SimpleNamespace(
        coefs_=[W.copy() for W in reg.coefs_],
        intercepts_=[b.copy() for b in reg.intercepts_],
    )
    reg.partial_fit(X[2:], y[2:])
    (factors,) = _Recorded.factors
    new = reg.y_mean_, reg.y_scale_
    grads = []
    for m, s in (old, new):
        network = _network_in(previous, m, s)
        Y = ((y - m) / s)[:, None]
        gradients(network, LOSSES["squared_error"], X, Y, np.ones(len(X)))
        grads.append(network.grads.copy())
    np.testing.assert_allclose(grads[1], grads[0] / factors, rtol=1e-9)
    plain = OPTIMIZERS[solver](0.1)
    along = OPTIMIZERS[solver](0.1)
    for _ in range(3):
        g = grads[0] * rng.uniform(0.5, 2, factors.shape)
        plain.update(rng.randn(len(g)), g)
        along.update(rng.randn(len(g)), g / factors)
    plain.rescale(factors)
    for key, value in along.get_state().items():
        np.testing.assert_allclose(plain.get_state()[key], value, rtol=1e-12)


def test_the_rescalings_of_features_and_targets_compose(rng):
    # The same two calls rescale by the features' factors alone on targets as
    # they are, by the targets' alone on features as they are, by both at once
    # on both standardised.
    X, y = rng.randn(40, 3), 1000 * rng.randn(40) + 3000

    def factors(**params):
        _Recorded.factors = []
        reg = ANNRegressor(hidden_size=5, solver=_Recorded(), random_state=0)
        reg.set_params(**params).partial_fit(X[:3], y[:3])
        reg.partial_fit(X[3:] * 7 + 2, 5 * y[3:])
        (factors,) = _Recorded.factors
        return factors

    features, targets = factors(normalize_y=False), factors(standardize=False)
    assert not np.allclose(features, 1) and not np.allclose(targets, 1)
    np.testing.assert_allclose(factors(), features * targets, rtol=1e-12)


def test_a_call_that_fails_leaves_the_targets_statistics(rng):
    X, y = rng.randn(40, 3), 1000 * rng.randn(40) + 3000
    reg = ANNRegressor(hidden_size=5, random_state=0).partial_fit(X[:1], y[:1])
    reg.partial_fit(X[1:5], y[1:5])
    before = pickle.dumps(reg)
    with pytest.raises(DivergenceError):
        reg.partial_fit(X[5:] * 1e200, 3 * y[5:])
    assert pickle.dumps(reg) == before
