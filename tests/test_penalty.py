"""alpha='auto': the whole training set's penalty, weighed by the inputs' squares."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification
from sklearn.metrics import log_loss

from skann import ANNClassifier, ANNRegressor
from skann._core.network import Network
from skann._core.penalty import input_weights
from skann._core.plan import Dataset
from skann._core.training import flush_subnormals
from skann._engine import AUTO_ALPHA, _penalty


def test_input_weights_are_the_features_mean_squares_capped_at_one():
    X = np.array([[0.1, 3.0, 0.0], [0.3, 0.0, 0.0]])
    np.testing.assert_allclose(input_weights(X), [0.05, 1.0, 0.0])
    assert input_weights(X.astype(np.float32)).dtype == np.float32


def test_input_weights_weigh_rows_as_repeating_them_and_count_sparse_zeros(rng):
    X = rng.rand(30, 5) * [0.1, 0.5, 1.0, 2.0, 0.01]
    X[X < 0.05] = 0.0
    w = rng.randint(0, 4, 30)
    repeated = input_weights(np.repeat(X, w, axis=0))
    np.testing.assert_allclose(input_weights(X, w.astype(float)), repeated)
    sparse = input_weights(sp.csr_matrix(X), w.astype(float))
    np.testing.assert_allclose(sparse, repeated)
    np.testing.assert_allclose(input_weights(sp.csc_matrix(X)), input_weights(X))


def test_input_weights_of_huge_features_reach_the_cap_silently():
    X = np.array([[1e300, 1e-3], [-1e300, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(input_weights(X), [1.0, 5e-7])


def test_auto_is_the_training_sets_penalty_and_a_number_mlps():
    X = np.array([[0.2, 4.0], [0.4, 0.0], [0.0, 2.0]])
    data = Dataset(X, np.ones((3, 1)), np.array([1.0, 2.0, 1.0]))
    auto = _penalty("auto", data, np)
    assert (auto.alpha, auto.total, auto.named) == (AUTO_ALPHA, 4.0, "auto")
    np.testing.assert_allclose(auto.input_weights, [(0.04 + 0.32) / 4, 1.0])
    plain = _penalty(0.25, data, np)
    assert (plain.alpha, plain.total, plain.input_weights) == (0.25, None, None)
    # A first layer on standardised inputs: every feature's share is 1.
    standardised = _penalty("auto", data, np, raw_inputs=False)
    assert (standardised.total, standardised.input_weights) == (4.0, None)


@pytest.mark.parametrize("standardize", [False, True])
@pytest.mark.parametrize("batch_size", [None, 16])
def test_the_loss_curve_holds_the_auto_penalty_of_the_whole_set(
    rng, batch_size, standardize
):
    # Weights that do not move: every batch's penalty is the whole set's, which a
    # penalty divided by the batch's size would make 40 / 16 times larger.
    X = rng.randn(40, 3) * [0.1, 0.5, 3.0]
    y = rng.randint(0, 3, 40)
    clf = ANNClassifier(
        6, solver="gd", lr=1e-300, epochs=1, batch_size=batch_size, shuffle=False,
        init_scale=0.5, tol=None, random_state=0, standardize=standardize,
    ).fit(X, y)  # fmt: skip
    net = Network.initialize(
        (3, 6, 3), "relu", "softmax", 0.5, np.random.RandomState(0)
    )
    # On standardised inputs (whose mean squares are 1) the weights penalised
    # are those of the standardised features, as drawn.
    s = np.ones(3) if standardize else np.minimum((X**2).mean(axis=0), 1.0)
    squares = s @ (net.coefs[0] ** 2).sum(axis=1) + (net.coefs[1] ** 2).sum()
    data_loss = log_loss(y, clf.predict_proba(X))
    expected = data_loss + 0.5 * AUTO_ALPHA * squares / 40
    assert clf.loss_curve_[0] == pytest.approx(expected, rel=1e-10)


def test_auto_divides_by_the_weight_of_every_row_seen_since_the_model_started(rng):
    # Weights that do not move, and features whose mean squares reach the cap:
    # each call's penalty is one sum of squares over the total weight seen so far.
    # On X as it is: standardised weights move with the statistics each call
    # merges.
    X, y = rng.randn(60, 3) * 3, rng.randint(0, 2, 60)
    w = rng.uniform(0.5, 2.0, 60)
    clf = ANNClassifier(
        4, solver="gd", lr=1e-300, epochs=1, batch_size=None, init_scale=0.5,
        tol=None, random_state=0, standardize=False,
    )  # fmt: skip

    def penalty(rows):
        proba = clf.predict_proba(X[rows])
        data_loss = log_loss(y[rows], proba, sample_weight=w[rows], labels=[0, 1])
        return clf.loss_curve_[-1] - data_loss

    seen, penalties = [], []
    for rows in (slice(0, 1), slice(1, 11), slice(11, 30)):
        clf.partial_fit(X[rows], y[rows], classes=[0, 1], sample_weight=w[rows])
        seen.append(w[: rows.stop].sum())
        penalties.append(penalty(rows))
        assert clf._weight_seen_ == pytest.approx(seen[-1])
    clf.set_params(warm_start=True).fit(X[30:], y[30:], sample_weight=w[30:])
    seen.append(w.sum())
    penalties.append(penalty(slice(30, 60)))
    assert clf._weight_seen_ == pytest.approx(seen[-1])
    np.testing.assert_allclose(np.multiply(penalties, seen), penalties[0] * seen[0])
    clf.set_params(warm_start=False).fit(X[30:], y[30:], sample_weight=w[30:])
    assert clf._weight_seen_ == pytest.approx(w[30:].sum())


def test_the_auto_penalty_weighs_less_on_more_of_the_same_data():
    X, y = make_classification(60, 5, random_state=0)
    params = dict(hidden_size=8, solver="lbfgs", epochs=300, random_state=0)
    once = ANNClassifier(**params).fit(X, y)
    tenfold = ANNClassifier(**params).fit(np.tile(X, (10, 1)), np.tile(y, 10))
    norm = [sum(np.sum(W**2) for W in m.coefs_) for m in (once, tenfold)]
    assert norm[1] > 2 * norm[0]


@pytest.mark.parametrize("Estimator", [ANNClassifier, ANNRegressor])
def test_a_divergence_under_auto_names_alpha_auto(Estimator):
    X, y = make_classification(200, 5, random_state=0)
    with pytest.raises(ValueError, match=r"penalty alpha='auto'"):
        Estimator(solver="gd", lr=1e6, epochs=50, random_state=0).fit(X * 100, y)


def test_subnormal_entries_are_set_to_zero_and_the_rest_kept():
    a = np.array([1e-310, -5e-324, 1e-300, 0.0, -2.0])
    b = np.array([1e-40, 1e-37, 3.0], dtype=np.float32)
    counts = np.array([1, 2])
    flush_subnormals(a, b, counts, None)
    np.testing.assert_array_equal(a, [0.0, 0.0, 1e-300, 0.0, -2.0])
    np.testing.assert_array_equal(b, np.array([0.0, 1e-37, 3.0], dtype=np.float32))
    np.testing.assert_array_equal(counts, [1, 2])


def test_training_leaves_no_subnormal_weight_or_moment():
    # A dead unit's input weights move only under the penalty: with subnormal
    # weights its gradient, and so Adam's first moment, is subnormal too; each
    # epoch ends with every subnormal weight and moment at zero.
    X, y = make_classification(200, 4, random_state=0)
    clf = ANNClassifier(4, epochs=1, tol=None, random_state=0).fit(X, y)
    tiny = np.finfo(np.float64).tiny
    clf.coefs_[0][:, 0] = tiny / 8  # a unit with subnormal weights
    clf.intercepts_[0][0] = -100.0  # and dead on every row
    clf.set_params(warm_start=True).fit(X, y)
    state = clf._optimizer_state_
    for values in (*clf.coefs_, state["m"], state["s"]):
        assert not np.any((values != 0) & (np.abs(values) < tiny))


def test_adams_moments_alone_leave_no_subnormal_values():
    # Without a penalty only Adam's moments decay: those of a dead unit's weights,
    # whose gradients are zero, shrink by beta_1 and beta_2 each step, and from
    # subnormal values stay subnormal unless set to zero.
    X, y = make_classification(200, 4, random_state=0)
    settings = dict(solver="adam", alpha=0.0, epochs=1, tol=None, random_state=0)
    clf = ANNClassifier(4, **settings).fit(X, y)
    tiny = np.finfo(np.float64).tiny
    clf.intercepts_[0][0] = -100.0  # a unit dead on every row
    state = clf._optimizer_state_
    state["m"], state["s"] = (np.full_like(state[k], tiny / 8) for k in ("m", "s"))
    clf.partial_fit(X, y)  # which resumes the moments
    state = clf._optimizer_state_
    assert state["t"] > 2
    for values in (state["m"], state["s"]):
        assert not np.any((values != 0) & (np.abs(values) < tiny))
