"""from_mlp(mlp) trains as mlp does, where the two draw the same initial weights.

skann draws its initial weights otherwise than MLP (normal, zero biases, against
Glorot's uniform), so each test hands the translated estimator MLP's initial
weights; from there, with ``shuffle=False``, every step must be MLP's: the loss of
each epoch, the epoch a plateau stops at, the final weights.
"""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_diabetes, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

from skann import from_mlp
from skann._core.network import Network


def quietly(fit, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fit(*args)


def initial_weights(mlp, X, y):
    """The weights ``mlp.fit(X, y)`` starts from.

    MLP draws them first thing in fit, from its random_state; one epoch at a rate
    of 1e-300 moves none of them.
    """
    probe = clone(mlp).set_params(
        solver="sgd", momentum=0.0, learning_rate_init=1e-300, max_iter=1, tol=0.0
    )
    probe = quietly(probe.fit, X, y)
    return probe.coefs_, probe.intercepts_


@pytest.fixture
def start_from(monkeypatch):
    """Make skann's next networks start from the given weights."""

    def use(coefs, intercepts):
        def initialize(cls, layer_sizes, activation, out_activation, *_, **__):
            assert layer_sizes == (coefs[0].shape[0], *(W.shape[1] for W in coefs))
            return cls(coefs, intercepts, activation, out_activation)

        monkeypatch.setattr(Network, "initialize", classmethod(initialize))

    return use


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    return X, (y - y.mean()) / y.std()


@pytest.fixture(scope="module")
def three_classes():
    X, y = make_classification(
        300, 8, n_informative=5, n_classes=3, random_state=0, class_sep=0.5
    )
    return StandardScaler().fit_transform(X), y


COMMON = dict(hidden_layer_sizes=(12, 6), shuffle=False, random_state=0)
SETTINGS = {
    # Minibatches of 200 and 242 rows, a penalty, MLP's plateau stop.
    "sgd-no-momentum": dict(solver="sgd", momentum=0.0, alpha=1e-3, max_iter=60),
    "sgd-nesterov-adaptive": dict(
        solver="sgd",
        momentum=0.9,
        nesterovs_momentum=True,
        learning_rate="adaptive",
        learning_rate_init=0.05,
        tol=1e-3,
        n_iter_no_change=2,
        max_iter=80,
    ),
    "sgd-heavy-ball-invscaling": dict(
        solver="sgd",
        momentum=0.5,
        nesterovs_momentum=False,
        learning_rate="invscaling",
        learning_rate_init=0.5,
        power_t=0.25,
        batch_size=64,
        max_iter=30,
    ),
    # MLP's Adam ignores learning_rate; skann's would apply it.
    "adam-ignoring-adaptive": dict(
        solver="adam",
        learning_rate="adaptive",
        learning_rate_init=0.01,
        batch_size=50,
        tol=1e-2,
        n_iter_no_change=3,
        max_iter=50,
    ),
}


def train_both(mlp, X, y, start_from):
    """Fit ``from_mlp(mlp)``, from ``mlp``'s initial weights, and ``mlp``."""
    start_from(*initial_weights(mlp, X, y))
    ann = quietly(from_mlp(mlp).fit, X, y)
    return ann, quietly(mlp.fit, X, y)


def assert_same_training(ann, mlp):
    assert ann.n_iter_ == mlp.n_iter_
    np.testing.assert_allclose(ann.loss_curve_, mlp.loss_curve_, rtol=1e-9)
    for ours, theirs in zip(ann.coefs_ + ann.intercepts_, mlp.coefs_ + mlp.intercepts_):
        np.testing.assert_allclose(ours, theirs, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_regressor_takes_mlps_steps(name, diabetes, start_from):
    X, y = diabetes
    assert_same_training(
        *train_both(MLPRegressor(**COMMON, **SETTINGS[name]), X, y, start_from)
    )


@pytest.mark.parametrize("name", ["sgd-nesterov-adaptive", "adam-ignoring-adaptive"])
def test_classifier_takes_mlps_steps(name, three_classes, start_from):
    X, y = three_classes
    mlp = MLPClassifier(**COMMON, **SETTINGS[name])
    ann, mlp = train_both(mlp, X, y, start_from)
    assert_same_training(ann, mlp)
    np.testing.assert_allclose(ann.predict_proba(X), mlp.predict_proba(X), atol=1e-9)


# scikit-learn 1.6 passes L-BFGS-B an option that newer SciPy deprecates.
@pytest.mark.filterwarnings("ignore:.*`disp` and `iprint`:DeprecationWarning")
def test_lbfgs_reaches_mlps_weights(diabetes, start_from):
    X, y = diabetes
    mlp = MLPRegressor(**COMMON, solver="lbfgs", alpha=1e-2, max_iter=40)
    ann, mlp = train_both(mlp, X, y, start_from)
    assert ann.n_iter_ == mlp.n_iter_
    np.testing.assert_allclose(ann.predict(X), mlp.predict(X), rtol=1e-6, atol=1e-9)


@pytest.fixture(scope="module")
def counts():
    """Standardised diabetes features; Poisson counts of a log-linear mean."""
    X, _ = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    mean = np.exp(0.5 + 0.4 * X[:, 2] + 0.3 * X[:, 8])
    return X, np.random.RandomState(0).poisson(mean).astype(float)


@pytest.mark.skipif(
    "loss" not in MLPRegressor().get_params(), reason="scikit-learn 1.7 and newer"
)
@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_poisson_regressor_takes_mlps_steps(name, counts, start_from):
    # The exponential output and half the Poisson deviance, MLP's to the constant.
    X, y = counts
    mlp = MLPRegressor(**COMMON, **SETTINGS[name], loss="poisson")
    ann, mlp = train_both(mlp, X, y, start_from)
    assert ann.out_activation_ == mlp.out_activation_ == "exp"
    assert_same_training(ann, mlp)
    np.testing.assert_allclose(ann.predict(X), mlp.predict(X), rtol=1e-9)


@pytest.mark.skipif(
    "loss" not in MLPRegressor().get_params(), reason="scikit-learn 1.7 and newer"
)
@pytest.mark.filterwarnings("ignore:.*`disp` and `iprint`:DeprecationWarning")
def test_poisson_regressor_weighted_and_by_lbfgs_takes_mlps_steps(counts, start_from):
    X, y = counts
    w = np.random.RandomState(1).uniform(0.2, 3.0, len(y))
    # Full batches: MLP's loss curve weighs each batch's loss by its rows, not by
    # its weight, so only one batch an epoch reports the weighted mean loss.
    settings = {**SETTINGS["sgd-no-momentum"], "batch_size": len(y)}
    mlp = MLPRegressor(**COMMON, **settings, loss="poisson")
    start_from(*initial_weights(mlp, X, y))
    ann = quietly(from_mlp(mlp).fit, X, y, w)
    assert_same_training(ann, quietly(mlp.fit, X, y, w))
    mlp = MLPRegressor(
        **COMMON, solver="lbfgs", alpha=1e-2, max_iter=40, loss="poisson"
    )
    ann, mlp = train_both(mlp, X, y, start_from)
    assert ann.n_iter_ == mlp.n_iter_
    np.testing.assert_allclose(ann.predict(X), mlp.predict(X), rtol=1e-6)
