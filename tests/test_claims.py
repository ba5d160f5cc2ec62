"""Promises that a plausible bug would break unseen by the rest of the suite.

Each test pins one promise down to what the estimator actually computes: the
settings the README names for the textbook's run, the order of rows each epoch
draws, the sample weights of the held-out rows that the validation scores count,
and the initial weights that ``init_scale='auto'`` draws.
"""

import ast
import re
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.metrics import accuracy_score, r2_score
from test_seed import GATE_X, GATES, textbook_run

from skann import ANNClassifier, ANNRegressor
from skann._core import training
from skann._core.batches import Batches

README = Path(__file__).resolve().parents[1] / "README.md"

#: What every test here relies on, given so that no default can change it.
SETTINGS = dict(
    hidden_size=4,
    solver="gd",
    lr=0.01,
    epochs=1,
    batch_size=8,
    shuffle=True,
    init_scale=0.1,
    alpha=0.0,
    tol=None,
    early_stopping=False,
    warm_start=False,
    random_state=0,
)


def test_the_readme_names_the_settings_of_the_textbooks_run():
    text = " ".join(README.read_text().split())
    claim = re.search(r"`(ANNClassifier\(.*?\))` reproduces the textbook's run", text)
    assert claim, "the README no longer says which call reproduces the textbook"
    call = ast.parse(claim[1], mode="eval").body
    settings = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    clf = ANNClassifier(**settings).fit(GATE_X, GATES["AND"])
    reference = textbook_run(GATE_X, GATES["AND"])
    np.testing.assert_allclose(clf.loss_curve_, reference["costs"], rtol=1e-9)
    np.testing.assert_array_equal(clf.predict(GATE_X), reference["pred"])


def make_data(Estimator, n_samples):
    """Noisy data, so that no model predicts every row right."""
    if Estimator is ANNClassifier:
        return make_classification(n_samples, n_features=6, flip_y=0.2, random_state=0)
    X, y = make_regression(n_samples, n_features=6, noise=30.0, random_state=0)
    return X, (y - y.mean()) / y.std()


def fit_kwargs(estimator, y):
    """``classes`` for a classifier's partial_fit, nothing for a regressor's."""
    return {"classes": np.unique(y)} if isinstance(estimator, ANNClassifier) else {}


@pytest.fixture
def epoch_orders(monkeypatch):
    """Every epoch's order of rows, in the order training draws them."""
    orders, draw = [], Batches.start_epoch

    def recorded(batches):
        draw(batches)
        orders.append(batches.order.copy())

    monkeypatch.setattr(Batches, "start_epoch", recorded)
    return orders


def all_different(orders):
    return len({order.tobytes() for order in orders}) == len(orders)


@pytest.mark.parametrize("Estimator", [ANNClassifier, ANNRegressor])
def test_partial_fit_shuffles_each_call_anew(epoch_orders, Estimator):
    X, y = make_data(Estimator, 40)
    estimator = Estimator(**SETTINGS)
    for _ in range(4):
        estimator.partial_fit(X, y, **fit_kwargs(estimator, y))
    assert len(epoch_orders) == 4
    assert all_different(epoch_orders)
    # Anew, yet as random_state says: a second estimator draws the same orders.
    again = Estimator(**SETTINGS)
    for _ in range(4):
        again.partial_fit(X, y, **fit_kwargs(again, y))
    np.testing.assert_array_equal(epoch_orders[4:], epoch_orders[:4])


@pytest.mark.parametrize("Estimator", [ANNClassifier, ANNRegressor])
def test_warm_start_shuffles_each_fit_anew(epoch_orders, Estimator):
    X, y = make_data(Estimator, 40)
    estimator = Estimator(**{**SETTINGS, "epochs": 2, "warm_start": True})
    for _ in range(3):
        estimator.fit(X, y)
    assert len(epoch_orders) == 6
    assert all_different(epoch_orders)


@pytest.fixture
def held_out(monkeypatch):
    """The held-out inputs that training scores, from each call of fit."""
    seen, score = [], training._validate

    def recorded(network, loss, validation, result):
        seen.append(validation.X)
        return score(network, loss, validation, result)

    monkeypatch.setattr(training, "_validate", recorded)
    return seen


def rows_of(X, rows):
    """Indices in ``X`` of each of ``rows`` (X's rows are all different)."""
    index = {row.tobytes(): i for i, row in enumerate(X)}
    assert len(index) == len(X)
    return np.array([index[row.tobytes()] for row in rows])


@pytest.mark.parametrize(
    "Estimator, metric",
    [(ANNClassifier, accuracy_score), (ANNRegressor, r2_score)],
)
def test_validation_scores_weigh_the_held_out_rows(held_out, Estimator, metric):
    X, y = make_data(Estimator, 300)
    w = np.random.RandomState(1).uniform(0.1, 5.0, len(y))
    settings = {
        **SETTINGS,
        "hidden_size": 8,
        "solver": "adam",
        "epochs": 20,
        "batch_size": 32,
        "early_stopping": True,
        "validation_fraction": 0.3,
        # The best epoch's weights are kept, and no plateau ends the run early.
        "n_iter_no_change": 100,
    }
    for weights in (None, w):
        estimator = Estimator(**settings).fit(X, y, sample_weight=weights)
        rows = rows_of(X, held_out[-1])
        y_pred = estimator.predict(X[rows])
        weighted = metric(y[rows], y_pred, sample_weight=w[rows])
        unweighted = metric(y[rows], y_pred)
        # The two differ, so the score can only match the right one.
        assert abs(weighted - unweighted) > 1e-3
        expected = unweighted if weights is None else weighted
        assert estimator.best_validation_score_ == pytest.approx(expected, rel=1e-9)
        assert estimator.best_validation_score_ in estimator.validation_scores_


def he(n_in, n_out):
    return np.sqrt(2 / n_in)


def glorot(n_in, n_out):
    return np.sqrt(2 / (n_in + n_out))


# X of zeros: every hidden activation is 0, so no weight gets a gradient and fit
# leaves the initial draws as they were; fit rightly warns of the dead units.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("Estimator", [ANNClassifier, ANNRegressor])
@pytest.mark.parametrize("activation, hidden_scale", [("relu", he), ("tanh", glorot)])
def test_init_scale_auto_draws_he_into_relu_and_glorot_elsewhere(
    Estimator, activation, hidden_scale
):
    X = np.zeros((6, 30))
    y = [0, 1, 2, 0, 1, 2] if Estimator is ANNClassifier else np.arange(6.0)
    sizes = (30, 20, 10, 3 if Estimator is ANNClassifier else 1)
    # A regressor's output layer is otherwise scaled to y's units after training.
    unscaled = {} if Estimator is ANNClassifier else {"normalize_y": False}
    estimator = Estimator(
        **{
            **SETTINGS,
            **unscaled,
            "hidden_size": sizes[1:-1],
            "batch_size": None,
            "activation": activation,
            "init_scale": "auto",
        }
    ).fit(X, y)

    assert len(estimator.coefs_) == len(sizes) - 1
    rng = np.random.RandomState(SETTINGS["random_state"])
    scales = [hidden_scale, hidden_scale, glorot]
    for W, n_in, n_out, scale in zip(estimator.coefs_, sizes, sizes[1:], scales):
        expected = rng.randn(n_out, n_in).T * scale(n_in, n_out)
        np.testing.assert_allclose(W, expected, rtol=1e-12, atol=0)
