"""The estimator reproduces the textbook network run for run."""

import numpy as np
import pytest

from skann import TEXTBOOK, ANNClassifier

GATE_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
GATES = {
    "AND": [0, 0, 0, 1],
    "OR": [0, 1, 1, 1],
    "NAND": [1, 1, 1, 0],
}


def textbook_run(X, y, hidden_size=4, lr=0.1, epochs=10000, seed=42):
    """The seed's SimpleANN, restated: columns are samples, W is (n_out, n_in)."""
    rng = np.random.RandomState(seed)
    X, Y = X.T, np.asarray(y, dtype=float)[np.newaxis, :]
    W1 = rng.randn(hidden_size, X.shape[0]) * 0.1
    b1 = np.zeros((hidden_size, 1))
    W2 = rng.randn(1, hidden_size) * 0.1
    b2 = np.zeros((1, 1))
    m = X.shape[1]
    costs = []
    for _ in range(epochs):
        Z1 = W1 @ X + b1
        A1 = np.maximum(0, Z1)
        Z2 = W2 @ A1 + b2
        A2 = 1 / (1 + np.exp(-np.clip(Z2, -500, 500)))
        A2c = np.clip(A2, 1e-9, 1 - 1e-9)
        costs.append(-np.mean(Y * np.log(A2c) + (1 - Y) * np.log(1 - A2c)))
        dZ2 = A2 - Y
        dW2 = (dZ2 @ A1.T) / m
        db2 = np.sum(dZ2, axis=1, keepdims=True) / m
        dZ1 = (W2.T @ dZ2) * (Z1 > 0).astype(float)
        dW1 = (dZ1 @ X.T) / m
        db1 = np.sum(dZ1, axis=1, keepdims=True) / m
        W1 -= lr * dW1
        b1 -= lr * db1
        W2 -= lr * dW2
        b2 -= lr * db2
    A2 = 1 / (1 + np.exp(-np.clip(W2 @ np.maximum(0, W1 @ X + b1) + b2, -500, 500)))
    return {
        "costs": np.array(costs),
        "params": (W1, b1, W2, b2),
        "pred": (A2 >= 0.5).astype(int).ravel(),
    }


@pytest.mark.parametrize("gate", sorted(GATES))
def test_seed_settings_reproduce_the_textbook_run(gate):
    y = GATES[gate]
    ref = textbook_run(GATE_X, y)
    clf = ANNClassifier(**TEXTBOOK, random_state=42)
    clf.fit(GATE_X, y)

    np.testing.assert_allclose(clf.loss_curve_, ref["costs"], rtol=1e-9, atol=0)
    W1, b1, W2, b2 = ref["params"]
    np.testing.assert_allclose(clf.coefs_[0], W1.T, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(clf.intercepts_[0], b1.ravel(), rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(clf.coefs_[1], W2.T, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(clf.intercepts_[1], b2.ravel(), rtol=1e-9, atol=1e-15)
    np.testing.assert_array_equal(clf.predict(GATE_X), y)
    np.testing.assert_array_equal(ref["pred"], y)
    assert clf.n_iter_ == 10000
    assert clf.t_ == 10000 * 4
    assert clf.loss_ == clf.loss_curve_[-1]
    assert clf.best_loss_ == min(clf.loss_curve_)


def test_textbook_holds_the_seed_settings_and_is_read_only():
    clf = ANNClassifier(**TEXTBOOK)
    assert (clf.hidden_size, clf.lr, clf.epochs, clf.init_scale) == (4, 0.1, 10000, 0.1)
    assert (clf.solver, clf.batch_size, clf.alpha, clf.tol) == ("gd", None, 0.0, None)
    assert clf.activation == "relu"
    with pytest.raises(TypeError):
        TEXTBOOK["epochs"] = 100


def test_random_state_42_draws_the_seed_initial_weights():
    # With lr tiny, one epoch leaves the weights at their initial draw to 1e-12.
    settings = {**TEXTBOOK, "lr": 1e-12, "epochs": 1}
    clf = ANNClassifier(**settings, random_state=42).fit(GATE_X, GATES["AND"])
    W1, _, W2, _ = textbook_run(GATE_X, GATES["AND"], lr=1e-12, epochs=1)["params"]
    np.testing.assert_allclose(clf.coefs_[0], W1.T, rtol=1e-10)
    np.testing.assert_allclose(clf.coefs_[1], W2.T, rtol=1e-10)
    assert clf.coefs_[0].flags.c_contiguous


def test_xor_needs_more_units_and_epochs():
    y = [0, 1, 1, 0]
    settings = {**TEXTBOOK, "hidden_size": 8, "lr": 0.5, "epochs": 5000}
    clf = ANNClassifier(**settings, random_state=0)
    clf.fit(GATE_X, y)
    np.testing.assert_array_equal(clf.predict(GATE_X), y)
    ref = textbook_run(GATE_X, y, hidden_size=8, lr=0.5, epochs=5000, seed=0)
    np.testing.assert_allclose(clf.loss_curve_, ref["costs"], rtol=1e-9, atol=0)


def test_verbose_prints_the_seed_lines(capsys):
    settings = {**TEXTBOOK, "epochs": 100}
    ANNClassifier(**settings, random_state=42, verbose=1).fit(GATE_X, GATES["AND"])
    lines = capsys.readouterr().out.splitlines()
    ref = textbook_run(GATE_X, GATES["AND"], epochs=100)["costs"]
    assert lines == [f"Epoch {i}: Cost = {ref[i]:.6f}" for i in range(0, 100, 10)]
