"""ANNRegressor against MLPRegressor running the same algorithm from the same weights.

Plain gradient descent on standardised ``load_diabetes``: MLPRegressor with
``solver='sgd'`` and no momentum, no penalty, no shuffling and no early stop, and
ANNRegressor with ``solver='gd'``, starting from MLPRegressor's initial weights
(``benchmarks/compare_regressor.py`` arranges them the same way), training on the
targets as they are (``normalize_y=False``), as MLPRegressor does.
"""

import inspect
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler

from skann import ANNRegressor

#: MLPRegressor.fit takes sample weights from scikit-learn 1.7 on.
MLP_WEIGHTS = "sample_weight" in inspect.signature(MLPRegressor.fit).parameters

EPOCHS = 40
LR = 0.05
HIDDEN = (16,)


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    y = StandardScaler().fit_transform(y[:, np.newaxis]).ravel()
    return X, y


def mlp_regressor(lr, epochs, batch_size):
    # The squared error, MLPRegressor's default; scikit-learn 1.6 has no loss
    # parameter to name it with.
    return MLPRegressor(
        hidden_layer_sizes=HIDDEN,
        activation="relu",
        solver="sgd",
        learning_rate="constant",
        learning_rate_init=lr,
        momentum=0.0,
        nesterovs_momentum=False,
        alpha=0.0,
        batch_size=batch_size,
        shuffle=False,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=epochs + 1,
        random_state=0,
    )


def fit_quietly(estimator, X, y, **fit_params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y, **fit_params)


def ann_from_mlp_init(X, y, batch_size):
    """An ANNRegressor that will continue from MLPRegressor's initial weights.

    One epoch at a learning rate of 1e-300 moves no weight, so the probes' coefs_
    are each estimator's initial weights; MLPRegressor's are copied into the
    ANNRegressor, and warm_start makes its next fit start there.
    """
    probe = fit_quietly(mlp_regressor(1e-300, 1, batch_size), X, y)
    reg = ANNRegressor(HIDDEN, solver="gd", lr=1e-300, epochs=1, alpha=0.0, tol=None)
    reg.set_params(batch_size=batch_size, shuffle=False, normalize_y=False)
    reg.set_params(standardize=False).fit(X, y)
    reg.coefs_ = [W.copy() for W in probe.coefs_]
    reg.intercepts_ = [b.copy() for b in probe.intercepts_]
    return reg.set_params(lr=LR, epochs=EPOCHS, warm_start=True)


@pytest.mark.parametrize(
    "batch_size, weighted",
    [(442, False), (442, True), (64, False)],
    ids=["full-batch", "full-batch-weighted", "batches-of-64"],
)
def test_gd_follows_mlp_regressor_epoch_by_epoch(diabetes, batch_size, weighted):
    X, y = diabetes
    fit_params = {}
    if weighted:
        if not MLP_WEIGHTS:
            pytest.skip("MLPRegressor.fit takes sample_weight from scikit-learn 1.7")
        fit_params["sample_weight"] = np.random.RandomState(0).uniform(0.2, 3, len(y))
    reg = ann_from_mlp_init(X, y, batch_size)
    mlp = fit_quietly(mlp_regressor(LR, EPOCHS, batch_size), X, y, **fit_params)
    reg.fit(X, y, **fit_params)
    ours = np.array(reg.loss_curve_[1:])
    assert len(ours) == len(mlp.loss_curve_) == EPOCHS
    np.testing.assert_allclose(ours, mlp.loss_curve_, rtol=1e-9)
    for W, W_mlp in zip(reg.coefs_, mlp.coefs_):
        np.testing.assert_allclose(W, W_mlp, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(reg.predict(X), mlp.predict(X), rtol=1e-9, atol=1e-12)


def test_multi_output_takes_mlp_regressors_steps_and_sums_the_outputs(diabetes):
    # MLPRegressor reports the mean over outputs of the squared error but steps
    # along the gradient of their sum: the steps agree, the losses differ by the
    # number of outputs.
    X, y = diabetes
    Y = StandardScaler().fit_transform(np.column_stack([y, y**2, X[:, 2]]))
    reg = ann_from_mlp_init(X, Y, 442)
    mlp = fit_quietly(mlp_regressor(LR, EPOCHS, 442), X, Y)
    reg.fit(X, Y)
    np.testing.assert_allclose(reg.loss_curve_[1:], 3 * np.array(mlp.loss_curve_))
    for W, W_mlp in zip(reg.coefs_, mlp.coefs_):
        np.testing.assert_allclose(W, W_mlp, rtol=1e-9, atol=1e-12)
    assert reg.predict(X).shape == mlp.predict(X).shape == (len(y), 3)
