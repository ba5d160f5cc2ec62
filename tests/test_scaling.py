"""Standardised inputs folded into the first layer: statistics, gradients, units."""

import numpy as np
import pytest
import scipy.sparse as sp
from array_spaces import tolerance
from sklearn.datasets import make_classification, make_regression
from sklearn.preprocessing import StandardScaler

from skann import ANNClassifier, ANNRegressor
from skann._core.batches import with_ones_column
from skann._core.layers import StandardisedDense
from skann._core.losses import LOSSES
from skann._core.namespaces import to_numpy
from skann._core.network import Network
from skann._core.scaling import fold, merged, moments, scales, unfold


def feature_stats(X, sample_weight=None, xp=np):
    """The mean and scale the first layer standardises ``X`` with."""
    return scales(*moments(X, sample_weight, xp), xp)


def _raw_units(rng, n=120):
    """Features in very different units: thousands, millionths, a year, a constant."""
    X = rng.randn(n, 5)
    X[:, 0] = 5000 + 2000 * X[:, 0]
    X[:, 1] *= 1e-6
    X[:, 2] = 1990 + np.round(5 * X[:, 2])
    X[:, 3] = 7.0
    return X


def test_stats_are_the_weighted_mean_and_deviation(rng):
    X = _raw_units(rng)
    w = rng.uniform(0, 3, X.shape[0])
    mean, scale = feature_stats(X, w)
    expected = np.average(X, axis=0, weights=w)
    np.testing.assert_allclose(mean, expected, rtol=1e-12)
    deviation = np.sqrt(np.average((X - expected) ** 2, axis=0, weights=w))
    deviation[3] = 1.0  # a constant column is only centred
    np.testing.assert_allclose(scale, deviation, rtol=1e-10)


def test_rows_of_zero_weight_do_not_count_even_when_huge(rng):
    X = rng.randn(50, 3)
    X_huge = np.vstack([X, np.full((1, 3), 1e300)])
    w = np.r_[np.ones(50), 0.0]
    with np.errstate(all="raise"):
        mean, scale = feature_stats(X_huge, w)
    np.testing.assert_allclose(mean, X.mean(axis=0))
    np.testing.assert_allclose(scale, X.std(axis=0))


@pytest.mark.parametrize("weighted", [False, True])
def test_sparse_stats_equal_dense_ones(rng, weighted):
    X = rng.randn(40, 6) * (rng.rand(40, 6) < 0.3)
    w = rng.uniform(0.5, 2, 40) if weighted else None
    for a, b in zip(feature_stats(sp.csr_matrix(X), w), feature_stats(X, w)):
        np.testing.assert_allclose(a, b, atol=1e-12)


def test_stats_in_every_namespace(space, rng):
    X = _raw_units(rng)
    w = rng.uniform(0, 2, X.shape[0])
    got = feature_stats(space.asarray(X), space.asarray(w), space.xp)
    for a, b in zip(got, feature_stats(X, w)):
        np.testing.assert_allclose(to_numpy(a, space.xp), b, rtol=tolerance(space))


def test_fold_and_unfold_are_inverse(rng):
    W, b = rng.randn(4, 3), rng.randn(3)
    mean, scale = rng.randn(4), rng.uniform(0.1, 10, 4)
    np.testing.assert_allclose(
        unfold(*fold(W, b, mean, scale, np), mean, scale, np)[0], W
    )
    np.testing.assert_allclose(
        unfold(*fold(W, b, mean, scale, np), mean, scale, np)[1], b
    )


@pytest.mark.parametrize("ones_column", [False, True])
@pytest.mark.parametrize("sparse", [False, True])
def test_first_layer_on_raw_inputs_is_the_layer_on_standardised_ones(
    rng, ones_column, sparse
):
    """Same outputs and the same gradients as a plain network given the
    standardised inputs, with the gradients of the trained (standardised)
    parameters."""
    X = _raw_units(rng, 30)
    mean, scale = feature_stats(X)
    Z = (X - mean) / scale
    Y, loss = np.eye(3)[rng.randint(0, 3, 30)], LOSSES["categorical_cross_entropy"]
    plain = Network.initialize((5, 6, 3), "relu", "softmax", 0.5, rng)
    plain.params += rng.randn(plain.params.size) * 0.1
    folded = Network(
        plain.coefs, plain.intercepts, "relu", "softmax", None, (mean, scale)
    )
    assert isinstance(folded.layers[0], StandardisedDense)
    inputs = sp.csr_matrix(X) if sparse else X
    inputs = with_ones_column(inputs) if ones_column else inputs
    P = folded.forward(inputs)
    np.testing.assert_allclose(P, plain.forward(Z), rtol=1e-9, atol=1e-12)
    folded.backward(loss.gradient(Y, P, None))
    plain.backward(loss.gradient(Y, plain.forward(Z), None))
    np.testing.assert_allclose(folded.grads, plain.grads, rtol=1e-7, atol=1e-10)
    coefs, intercepts = folded.raw_weights()
    np.testing.assert_allclose(
        Network.frozen(coefs, intercepts, "relu", "softmax").forward(X), P, rtol=1e-9
    )


def test_standardised_layer_in_every_namespace(space, rng):
    X = _raw_units(rng, 30)
    Y = np.eye(3)[rng.randint(0, 3, 30)]
    loss = LOSSES["categorical_cross_entropy"]
    stats = feature_stats(X)
    ref = Network.initialize((5, 6, 3), "relu", "softmax", 0.5, rng, input_stats=stats)
    ref.backward(loss.gradient(Y, ref.forward(X), None))
    put = space.asarray
    net = Network(
        [put(W) for W in ref.coefs],
        [put(b) for b in ref.intercepts],
        "relu",
        "softmax",
        space.xp,
        tuple(put(a) for a in stats),
    )
    P = net.forward(put(X))
    net.backward(loss.gradient(put(Y), P, None, space.xp))
    tol = 1e-9 if space.np_dtype is np.float64 else 1e-3
    np.testing.assert_allclose(
        to_numpy(P, space.xp), ref.forward(X), rtol=tol, atol=tol
    )
    np.testing.assert_allclose(
        to_numpy(net.grads, space.xp), ref.grads, rtol=tol, atol=tol
    )


# The estimators ---------------------------------------------------------------


@pytest.mark.parametrize("Estimator", [ANNClassifier, ANNRegressor])
def test_raw_units_train_as_scaled_features_do(rng, Estimator):
    """A fit on raw features is the fit of standardize=False on the scaled ones:
    the same trained network, so the same predictions."""
    if Estimator is ANNClassifier:
        X, y = make_classification(200, 6, random_state=0)
    else:
        X, y = make_regression(200, 6, noise=5, random_state=0)
    X = X * [1, 1e3, 1e-4, 50, 1, 2e4] + [0, 5e3, 0, -300, 2, 1e5]
    params = dict(hidden_size=8, epochs=30, random_state=0)
    raw = Estimator(**params).fit(X, y)
    scaled = StandardScaler().fit_transform(X)
    ref = Estimator(**params, standardize=False).fit(scaled, y)
    assert raw.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(raw.loss_curve_, ref.loss_curve_, rtol=1e-6)
    np.testing.assert_allclose(
        raw.predict(X), ref.predict(scaled), rtol=1e-6, atol=1e-6
    )
    np.testing.assert_allclose(raw.x_mean_, X.mean(axis=0))
    np.testing.assert_allclose(raw.x_scale_, X.std(axis=0))


def test_standardize_false_trains_on_raw_features(rng):
    X, y = make_classification(100, 4, random_state=0)
    clf = ANNClassifier(hidden_size=4, epochs=5, standardize=False).fit(X * 100, y)
    assert clf.x_mean_ is None and clf.x_scale_ is None
    on = ANNClassifier(hidden_size=4, epochs=5, random_state=0).fit(X * 100, y)
    off = ANNClassifier(hidden_size=4, epochs=5, random_state=0, standardize=False)
    assert not np.allclose(on.coefs_[0], off.fit(X * 100, y).coefs_[0])


def test_sparse_input_trains_as_dense(rng):
    X = rng.rand(80, 10) * (rng.rand(80, 10) < 0.3) * 1000
    y = (X[:, 0] + X[:, 1] > X[:, 2]).astype(int)
    params = dict(hidden_size=5, epochs=10, random_state=0)
    dense = ANNClassifier(**params).fit(X, y)
    sparse = ANNClassifier(**params).fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(sparse.coefs_[0], dense.coefs_[0], rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(
        sparse.predict_proba(sp.csr_matrix(X)), dense.predict_proba(X), rtol=1e-8
    )


@pytest.mark.parametrize("Estimator", [ANNClassifier, ANNRegressor])
def test_continued_fits_merge_their_statistics(rng, Estimator):
    """A continued fit, or a partial_fit call, merges its rows' statistics into
    the model's, and the function stays the same through the change."""
    X = _raw_units(rng, 100)
    y = (X[:, 0] > 5000).astype(int) if Estimator is ANNClassifier else X[:, 0] / 100
    est = Estimator(hidden_size=6, epochs=20, random_state=0).fit(X, y)
    scale = est.x_scale_.copy()

    def outputs():
        return est.predict(X) if Estimator is ANNRegressor else est.predict_proba(X)

    before = outputs()
    est.set_params(warm_start=True, lr=1e-12, epochs=1, tol=None)
    est.fit(X * 3 + 1, y)
    np.testing.assert_allclose(outputs(), before, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(est.x_mean_, np.r_[X, X * 3 + 1].mean(axis=0))
    assert not np.allclose(est.x_scale_, scale)
    new = X[:3] * 10
    est.partial_fit(new, y[:3])
    np.testing.assert_allclose(outputs(), before, rtol=1e-6, atol=1e-8)
    rows = np.vstack([X, X * 3 + 1, new])
    np.testing.assert_allclose(est.x_mean_, rows.mean(axis=0), rtol=1e-10)
    np.testing.assert_allclose(est.x_scale_, rows.std(axis=0), rtol=1e-10)


def test_merged_moments_are_those_of_all_the_rows(rng):
    X, w = rng.randn(50, 3) * [1, 10, 100] + 7, rng.uniform(0, 2, 50)
    first = (*moments(X[:20], w[:20]), w[:20].sum())
    second = (*moments(X[20:], w[20:]), w[20:].sum())
    mean, variance, weight = merged(first, second)
    whole = moments(X, w)
    np.testing.assert_allclose(mean, whole[0], rtol=1e-12)
    np.testing.assert_allclose(variance, whole[1], rtol=1e-10)
    assert weight == pytest.approx(w.sum())


@pytest.mark.parametrize("solver", ["gd", "momentum", "adam"])
def test_a_rescaled_optimizer_holds_the_state_of_the_rescaled_run(rng, solver):
    """Parameters scaled by c have gradients scaled by 1 / c (the chain rule):
    the rescaled state is that of an optimizer fed those gradients all along."""
    from skann._core.optimizers import OPTIMIZERS

    c, grads = rng.uniform(0.5, 2, 6), [rng.randn(6) for _ in range(3)]
    plain, along = OPTIMIZERS[solver](0.1), OPTIMIZERS[solver](0.1)
    for g in grads:
        plain.update(rng.randn(6), g)
        along.update(rng.randn(6), g / c)
    plain.rescale(c)
    for key, value in along.get_state().items():
        np.testing.assert_allclose(plain.get_state()[key], value, rtol=1e-12)


def test_weights_are_in_the_features_units(rng):
    X = _raw_units(rng, 60)
    y = (X[:, 0] > 5000).astype(int)
    clf = ANNClassifier(hidden_size=3, epochs=5, random_state=0).fit(X, y)
    hidden = np.maximum(X @ clf.coefs_[0] + clf.intercepts_[0], 0)
    logits = (hidden @ clf.coefs_[1] + clf.intercepts_[1]).ravel()
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1], 1 / (1 + np.exp(-logits)))
