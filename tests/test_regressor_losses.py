"""ANNRegressor's losses: the Poisson deviance of counts and the pinball loss of a
quantile, through fit, partial_fit, the diagnosis, searches and saving."""

import pickle
import warnings

import numpy as np
import pytest
import skops.io as sio
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_pinball_loss, mean_poisson_deviance, r2_score
from sklearn.model_selection import GridSearchCV
from sklearn.utils import get_tags
from sklearn.utils._param_validation import InvalidParameterError

from skann import ANNRegressor
from skann._core.losses import REGRESSION_LOSSES


def quietly(fit, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fit(*args, **kwargs)


@pytest.fixture(scope="module")
def counts():
    """Counts whose log-mean is linear in X, in two columns."""
    rng = np.random.RandomState(0)
    X = rng.randn(400, 3)
    mean = np.exp(np.column_stack([0.8 * X[:, 0], 0.5 - 0.6 * X[:, 1]]))
    return X, rng.poisson(mean).astype(float), mean


@pytest.fixture(scope="module")
def spread():
    """y = x + noise whose spread grows with |x|."""
    rng = np.random.RandomState(0)
    X = rng.uniform(-2, 2, (600, 1))
    return X, X[:, 0] + rng.randn(600) * (0.2 + np.abs(X[:, 0]))


def small(**params):
    return ANNRegressor(
        **{"hidden_size": 8, "random_state": 0, "epochs": 150, **params}
    )


def test_the_losses_are_the_registrys():
    options = ANNRegressor._parameter_constraints["loss"][0].options
    assert options == set(REGRESSION_LOSSES) == {"squared_error", "poisson", "quantile"}
    with pytest.raises(InvalidParameterError, match="'loss' parameter"):
        ANNRegressor(loss="huber").fit([[0.0], [1.0]], [0.0, 1.0])
    for q in (0.0, 1.0, 1.5):
        with pytest.raises(InvalidParameterError, match="'quantile' parameter"):
            ANNRegressor(loss="quantile", quantile=q).fit([[0.0], [1.0]], [0.0, 1.0])


@pytest.mark.parametrize("y", [[1.0, -1.0, 2.0], [0.0, 0.0, 0.0]])
def test_poisson_refuses_negative_targets_or_a_zero_sum(y):
    with pytest.raises(ValueError, match=r"requires non-negative y and sum\(y\) > 0"):
        ANNRegressor(loss="poisson").fit([[0.0], [1.0], [2.0]], y)


def test_poisson_learns_the_mean_of_counts(counts):
    X, Y, mean = counts
    reg = quietly(small(loss="poisson", epochs=300).fit, X, Y)
    assert reg.out_activation_ == "exp"
    assert get_tags(reg).target_tags.positive_only
    pred = reg.predict(X)
    assert pred.shape == Y.shape and (pred > 0).all()
    # Half the Poisson deviance, each output's, summed; near the true means'.
    data_loss = sum(0.5 * mean_poisson_deviance(Y[:, j], pred[:, j]) for j in (0, 1))
    best = sum(0.5 * mean_poisson_deviance(Y[:, j], mean[:, j]) for j in (0, 1))
    assert data_loss < 1.1 * best
    # The score is R², as MLPRegressor's.
    assert reg.score(X, Y) == pytest.approx(r2_score(Y, pred))


def test_poisson_trains_on_counts_as_they_are_whatever_normalize_y(counts):
    X, Y, _ = counts
    ours = quietly(small(loss="poisson", epochs=20).fit, X, Y[:, 0])
    raw = quietly(small(loss="poisson", epochs=20, normalize_y=False).fit, X, Y[:, 0])
    assert ours.y_mean_ == 0.0 and ours.y_scale_ == 1.0
    np.testing.assert_array_equal(ours.loss_curve_, raw.loss_curve_)
    np.testing.assert_array_equal(ours.predict(X), raw.predict(X))


def test_a_warm_start_keeps_the_output_activation(counts):
    X, Y, _ = counts
    reg = quietly(small(epochs=5, warm_start=True).fit, X, Y[:, 0])
    with pytest.raises(ValueError, match="loss='poisson' needs the output activat"):
        reg.set_params(loss="poisson").fit(X, Y[:, 0])
    # The squared error and the pinball loss share the identity output.
    quietly(reg.set_params(loss="quantile").fit, X, Y[:, 0])


@pytest.mark.parametrize("q", [0.1, 0.9])
def test_quantile_models_cover_their_share(spread, q):
    X, y = spread
    reg = quietly(small(loss="quantile", quantile=q).fit, X, y)
    assert abs(np.mean(y <= reg.predict(X)) - q) < 0.04


@pytest.mark.parametrize("normalize_y", [True, False])
def test_the_pinball_loss_curve_is_in_standardised_units(spread, normalize_y):
    # The pinball loss of a*y + b against a*p + b is a times that of y against
    # p (a > 0): standardised targets train on the loss divided by y_scale_.
    X, y = spread
    reg = small(loss="quantile", quantile=0.3, normalize_y=normalize_y)
    reg.set_params(solver="gd", lr=1e-300, epochs=1, tol=None, alpha=0.0)
    reg = quietly(reg.fit, X, y)
    expected = mean_pinball_loss(y, reg.predict(X), alpha=0.3) / reg.y_scale_[0]
    assert reg.loss_curve_[0] == pytest.approx(expected, rel=1e-9)


def test_the_diagnosis_compares_against_the_quantile_of_the_targets(spread):
    X, y = spread
    reg = small(loss="quantile", quantile=0.9, lr=50.0, solver="gd", epochs=30)
    with pytest.warns(ConvergenceWarning, match="predicting the targets' 0.9 quantile"):
        reg.fit(X, y)


@pytest.mark.parametrize("loss", ["poisson", "quantile"])
def test_partial_fit_pickle_and_skops_round_trips(counts, loss):
    X, Y, _ = counts
    reg = small(loss=loss, quantile=0.7)
    for start in range(0, 400, 100):
        reg.partial_fit(X[start : start + 100], Y[start : start + 100])
    assert reg.n_iter_ == 4
    for loaded in (
        pickle.loads(pickle.dumps(reg)),
        sio.loads(sio.dumps(reg), trusted=["skann._regressor.ANNRegressor"]),
    ):
        assert loaded.loss == loss and loaded.out_activation_ == reg.out_activation_
        np.testing.assert_array_equal(loaded.predict(X), reg.predict(X))


def test_a_search_over_the_quantile_fits_each(spread):
    X, y = spread
    search = GridSearchCV(
        small(loss="quantile", epochs=30), {"quantile": [0.2, 0.8]}, cv=2
    )
    quietly(search.fit, X, y)
    assert len(search.cv_results_["params"]) == 2
    low = clone(search.estimator).set_params(quantile=0.2)
    high = clone(search.estimator).set_params(quantile=0.8)
    low, high = quietly(low.fit, X, y), quietly(high.fit, X, y)
    assert (low.predict(X) < high.predict(X)).mean() > 0.9
