import warnings

import numpy as np
import pytest
from sklearn.metrics import log_loss, mean_squared_error, r2_score

from skann._core.losses import LOSSES


def _probabilities(rng, n, k):
    P = rng.rand(n, k) + 0.05
    return P / P.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("weighted", [False, True])
def test_binary_loss_matches_sklearn_log_loss(rng, weighted):
    y = rng.randint(0, 2, 40)
    p = rng.uniform(0.01, 0.99, 40)
    w = rng.uniform(0.1, 3, 40) if weighted else None
    ours = LOSSES["binary_cross_entropy"].loss(y[:, None].astype(float), p[:, None], w)
    assert ours == pytest.approx(log_loss(y, p, sample_weight=w), rel=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_categorical_loss_matches_sklearn_log_loss(rng, weighted):
    y = rng.randint(0, 4, 50)
    P = _probabilities(rng, 50, 4)
    w = rng.uniform(0.1, 3, 50) if weighted else None
    ours = LOSSES["categorical_cross_entropy"].loss(np.eye(4)[y], P, w)
    assert ours == pytest.approx(log_loss(y, P, sample_weight=w), rel=1e-12)


def test_multilabel_loss_sums_labels_and_averages_samples(rng):
    Y = rng.randint(0, 2, (30, 3)).astype(float)
    P = rng.uniform(0.01, 0.99, (30, 3))
    expected = sum(log_loss(Y[:, j], P[:, j]) for j in range(3))
    assert LOSSES["binary_cross_entropy"].loss(Y, P) == pytest.approx(
        expected, rel=1e-12
    )


@pytest.mark.parametrize("kind", sorted(LOSSES))
def test_gradient_is_mean_reduced_p_minus_y(rng, kind):
    Y = np.eye(3)[rng.randint(0, 3, 10)]
    P = _probabilities(rng, 10, 3)
    w = rng.uniform(0.5, 2, 10)
    loss = LOSSES[kind]
    np.testing.assert_allclose(loss.gradient(Y, P), (P - Y) / 10)
    np.testing.assert_allclose(
        loss.gradient(Y, P, w), (P - Y) * w[:, None] / w.sum(), rtol=1e-12
    )


def test_zero_and_one_probabilities_give_finite_losses():
    Y = np.array([[1.0], [0.0]])
    P = np.array([[0.0], [1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = LOSSES["binary_cross_entropy"].loss(Y, P)
    # The textbook clips at 1e-9, so each wrong certain answer costs -log(1e-9).
    assert value == pytest.approx(-np.log(1e-9), rel=1e-6)


@pytest.mark.parametrize("kind", sorted(LOSSES))
def test_losses_of_stacked_epochs_are_each_epochs_loss(rng, kind):
    Y = np.eye(3)[rng.randint(0, 3, 10)]
    w = rng.uniform(0.5, 2, 10)
    stacked = np.stack([_probabilities(rng, 10, 3) for _ in range(4)])
    loss = LOSSES[kind]
    np.testing.assert_allclose(
        loss.loss(Y, stacked, w), [loss.loss(Y, P, w) for P in stacked], rtol=1e-14
    )


def test_registry_is_keyed_by_the_loss_and_names_its_output():
    assert {k: v.output_activation for k, v in LOSSES.items()} == {
        "binary_cross_entropy": "logistic",
        "categorical_cross_entropy": "softmax",
        "squared_error": "identity",
    }


@pytest.mark.parametrize("weighted", [False, True])
def test_squared_error_is_half_the_mean_squared_error_of_one_output(rng, weighted):
    y, p = rng.randn(40), rng.randn(40)
    w = rng.uniform(0.1, 3, 40) if weighted else None
    ours = LOSSES["squared_error"].loss(y[:, None], p[:, None], w)
    expected = 0.5 * mean_squared_error(y, p, sample_weight=w)
    assert ours == pytest.approx(expected, rel=1e-12)


def test_squared_error_sums_outputs_and_averages_samples(rng):
    Y, P = rng.randn(30, 3), rng.randn(30, 3)
    expected = sum(0.5 * mean_squared_error(Y[:, j], P[:, j]) for j in range(3))
    assert LOSSES["squared_error"].loss(Y, P) == pytest.approx(expected, rel=1e-12)


def test_squared_error_baseline_is_half_the_weighted_variance(rng):
    Y, w = rng.randn(30, 2), rng.uniform(0.5, 2, 30)
    variance = np.average((Y - np.average(Y, axis=0, weights=w)) ** 2, 0, weights=w)
    assert LOSSES["squared_error"].baseline(Y, w) == pytest.approx(
        0.5 * variance.sum(), rel=1e-12
    )


def test_squared_error_score_is_r2_averaged_over_outputs(rng):
    Y, P = rng.randn(30, 3), rng.randn(30, 3)
    assert LOSSES["squared_error"].score(Y, P) == pytest.approx(
        r2_score(Y, P), rel=1e-12
    )
    # A constant output: 1 when predicted exactly, else 0, as r2_score by default.
    Y[:, 1] = 2.0
    P[:, 1] = 2.0
    assert LOSSES["squared_error"].score(Y, P) == pytest.approx(r2_score(Y, P))
    P[0, 1] = 3.0
    assert LOSSES["squared_error"].score(Y, P) == pytest.approx(r2_score(Y, P))


def test_scores_are_weighted_as_scikit_learn_weighs_them(rng):
    from sklearn.metrics import accuracy_score, r2_score

    w = rng.uniform(0.1, 3, 40)
    Y = rng.randn(40, 2)
    P = Y + rng.randn(40, 2) * 0.5
    assert LOSSES["squared_error"].score(Y, P, w) == pytest.approx(
        r2_score(Y, P, sample_weight=w), rel=1e-12
    )
    y = rng.randint(0, 3, 40)
    probabilities = _probabilities(rng, 40, 3)
    assert LOSSES["categorical_cross_entropy"].score(
        np.eye(3)[y], probabilities, w
    ) == pytest.approx(
        accuracy_score(y, probabilities.argmax(axis=1), sample_weight=w), rel=1e-12
    )
