import warnings

import numpy as np
import pytest
from array_spaces import assert_lives_in
from sklearn.metrics import (
    log_loss,
    mean_pinball_loss,
    mean_poisson_deviance,
    mean_squared_error,
    r2_score,
)

from skann._core.activations import OUTPUT_ACTIVATIONS
from skann._core.losses import LOSSES, REGRESSION_LOSSES
from skann._core.namespaces import to_numpy

#: The losses whose gradient at the logits is ``P - Y`` (a canonical link).
CANONICAL = sorted(set(LOSSES) - {"quantile"})


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


@pytest.mark.parametrize("kind", CANONICAL)
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
        "poisson": "exp",
        "quantile": "identity",
    }
    assert tuple(REGRESSION_LOSSES) == ("squared_error", "poisson", "quantile")
    # A loss with a parameter: a new one for each value, the registry's unchanged.
    assert LOSSES["quantile", 0.9].quantile == 0.9
    assert LOSSES["quantile"].quantile == 0.5
    with pytest.raises(KeyError):
        LOSSES["huber", 1.0]


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


@pytest.mark.parametrize("weighted", [False, True])
def test_poisson_is_half_the_mean_poisson_deviance(rng, weighted):
    y = rng.poisson(2.0, 40).astype(float)  # zeros among them
    p = rng.uniform(0.1, 5, 40)
    w = rng.uniform(0.1, 3, 40) if weighted else None
    ours = LOSSES["poisson"].loss(y[:, None], p[:, None], w)
    expected = 0.5 * mean_poisson_deviance(y, p, sample_weight=w)
    assert ours == pytest.approx(expected, rel=1e-12)
    assert LOSSES["poisson"].loss(y[:, None], y[:, None] + 0.0) == 0.0


def test_poisson_of_an_underflowed_mean_stays_finite():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = LOSSES["poisson"].loss(np.array([[1.0], [0.0]]), np.zeros((2, 1)))
    assert value == pytest.approx(0.5 * (-np.log(np.finfo(float).tiny) - 1))


@pytest.mark.parametrize("q", [0.05, 0.5, 0.95])
@pytest.mark.parametrize("weighted", [False, True])
def test_pinball_matches_sklearn_mean_pinball_loss(rng, q, weighted):
    Y, P = rng.randn(40, 2), rng.randn(40, 2)
    w = rng.uniform(0.1, 3, 40) if weighted else None
    expected = sum(
        mean_pinball_loss(Y[:, j], P[:, j], alpha=q, sample_weight=w) for j in (0, 1)
    )
    assert LOSSES["quantile", q].loss(Y, P, w) == pytest.approx(expected, rel=1e-12)


def test_pinball_gradient_is_the_share_above_less_q(rng):
    Y, P, w = rng.randn(30, 2), rng.randn(30, 2), rng.uniform(0.5, 2, 30)
    P[0, 0] = Y[0, 0]  # a tie takes scikit-learn's side, -q
    expected = ((P > Y) - 0.3) * w[:, None] / w.sum()
    np.testing.assert_allclose(LOSSES["quantile", 0.3].gradient(Y, P, w), expected)


def _best_constant_loss(loss, Y, w):
    """The lowest loss of a constant prediction, searched on a fine grid and the
    targets (the pinball loss is lowest at one of them)."""
    grid = np.union1d(np.linspace(Y.min(), Y.max(), 2001), Y)
    best = [
        min(loss.loss(Y[:, [j]], np.full((len(Y), 1), c), w) for c in grid)
        for j in range(Y.shape[1])
    ]
    return sum(best)


@pytest.mark.parametrize(
    "name", ["poisson", "quantile-0.1", "quantile-0.5", "quantile-0.9"]
)
def test_regression_baselines_are_the_best_constant(rng, name):
    loss = LOSSES["quantile", float(name[9:])] if "-" in name else LOSSES[name]
    Y = rng.poisson(3.0, (25, 2)).astype(float) + rng.uniform(0, 0.5, (25, 2))
    w = rng.uniform(0.2, 3, 25)
    w[:3] = 0.0  # rows that count for nothing
    baseline = loss.baseline(Y, w)
    # No constant does better; the grid's best comes within its step.
    assert baseline <= _best_constant_loss(loss, Y, w) + 1e-12
    assert baseline == pytest.approx(_best_constant_loss(loss, Y, w), rel=1e-4)


def test_pinball_baseline_is_the_weighted_quantile():
    Y = np.array([[1.0], [2.0], [3.0], [4.0]])
    w = np.array([1.0, 1.0, 1.0, 5.0])
    # The weighted share at or below 3 is 3/8 < 0.5: the median is 4.
    assert LOSSES["quantile"].baseline(Y, w) == LOSSES["quantile"].loss(
        Y, np.full((4, 1), 4.0), w
    )


def _logits_and_targets(loss, rng, n=8, k=2):
    """Logits away from the pinball's kinks, and targets the loss accepts."""
    Z = rng.uniform(-1.5, 1.5, (n, k))
    if loss.output_activation in ("logistic", "softmax"):
        return Z, np.eye(k)[rng.randint(0, k, n)]
    if loss.output_activation == "exp":
        return Z, rng.poisson(1.5, (n, k)).astype(float)
    offsets = rng.uniform(0.2, 1.0, (n, k)) * rng.choice([-1.0, 1.0], (n, k))
    return Z, Z + offsets


@pytest.mark.parametrize("name", [*sorted(LOSSES), "quantile-0.9"])
@pytest.mark.parametrize("weighted", [False, True])
def test_gradients_match_finite_differences_in_every_namespace(space, name, weighted):
    loss = LOSSES["quantile", 0.9] if name == "quantile-0.9" else LOSSES[name]
    rng = np.random.RandomState(0)
    activation = OUTPUT_ACTIVATIONS[loss.output_activation]
    Z, Y = _logits_and_targets(loss, rng)
    w = rng.uniform(0.2, 3.0, len(Y)) if weighted else None
    xp = space.xp
    Y_, w_ = space.asarray(Y), None if w is None else space.asarray(w)

    def value(Z):
        return loss.loss(Y_, activation.forward(space.asarray(Z), xp), w_, xp)

    dZ = loss.gradient(Y_, activation.forward(space.asarray(Z), xp), w_, xp)
    assert_lives_in(dZ, space, space.dtype)
    single = space.np_dtype == np.float32
    h = 1e-2 if single else 1e-6
    numeric = np.empty_like(Z)
    for index in np.ndindex(*Z.shape):
        step = np.zeros_like(Z)
        step[index] = h
        numeric[index] = (value(Z + step) - value(Z - step)) / (2 * h)
    scale = np.abs(numeric).max()
    error = np.abs(to_numpy(dZ, xp) - numeric).max() / scale
    assert error < (2e-3 if single else 1e-7)
