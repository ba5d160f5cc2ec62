"""ANNClassifier where it stands in for MLPClassifier: each behaviour beside MLP's.

Most tests run both estimators the same way and compare. A huge ``tol`` makes every
epoch after the first one without improvement, so the epoch at which a plateau
stops training depends on the counting rule alone, not on the weights.
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from skann import ANNClassifier

NEVER_IMPROVES = 1e9


@pytest.fixture
def data(rng):
    X = rng.randn(80, 4)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    return X, y


def pair(**common):
    """An ANNClassifier and an MLPClassifier, both full-batch gradient descent."""
    ann = ANNClassifier(5, solver="gd", lr=0.1, random_state=0, **common)
    mlp = MLPClassifier(
        5,
        solver="sgd",
        momentum=0.0,
        learning_rate_init=0.1,
        batch_size="auto",  # every row of the 80, at once
        random_state=0,
        **{"max_iter" if k == "epochs" else k: v for k, v in common.items()},
    )
    return ann, mlp


def quiet_fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


def test_n_iter_no_change_inf_never_stops_like_mlp(data):
    X, y = data
    ann, mlp = pair(epochs=30, tol=NEVER_IMPROVES, n_iter_no_change=np.inf)
    for clf in (ann, mlp):
        with pytest.warns(ConvergenceWarning):
            clf.fit(X, y)
    assert ann.n_iter_ == mlp.n_iter_ == 30


@pytest.mark.parametrize("n_iter_no_change", [1, 4])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_plateau_comes_after_n_iter_no_change_plus_one_like_mlp(
    data, n_iter_no_change, early_stopping
):
    X, y = data
    ann, mlp = pair(
        epochs=100,
        tol=NEVER_IMPROVES,
        n_iter_no_change=n_iter_no_change,
        early_stopping=early_stopping,
        validation_fraction=0.25,
    )
    ann.fit(X, y), mlp.fit(X, y)
    # The first epoch improves on nothing; n + 1 more without improvement stop.
    assert ann.n_iter_ == mlp.n_iter_ == n_iter_no_change + 2


@pytest.mark.parametrize("n_iter_no_change", [1, 3])
def test_adaptive_schedule_counts_plateaus_like_mlp(data, n_iter_no_change):
    X, y = data
    ann, mlp = pair(epochs=200, tol=NEVER_IMPROVES, n_iter_no_change=n_iter_no_change)
    mlp.set_params(learning_rate="adaptive")
    ann.set_params(lr_schedule="adaptive")
    ann.fit(X, y), mlp.fit(X, y)
    # 0.1 is divided by 5 eight times before it is at or below 1e-6.
    assert (
        ann.n_iter_ == mlp.n_iter_ == n_iter_no_change + 2 + 8 * (n_iter_no_change + 1)
    )
    assert ann._optimizer_state_["lr"] == pytest.approx(mlp._optimizer.learning_rate)
