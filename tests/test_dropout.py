"""Dropout: the layer alone, in the network's gradient, and on both estimators."""

import pickle
import warnings

import numpy as np
import pytest
import skops.io as sio
from array_spaces import assert_lives_in
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from skann import ANNClassifier, ANNRegressor
from skann._core.layers import Dense, Dropout
from skann._core.losses import LOSSES
from skann._core.namespaces import to_numpy
from skann._core.network import Network

FAST = dict(epochs=15, batch_size=32, random_state=0)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _data(n=120, seed=0):
    return make_classification(n, n_features=8, n_informative=4, random_state=seed)


def dropouts(network, rates, rng):
    """A Dropout of each rate after each hidden layer of ``network``, as fit does."""
    network.add_layers([Dropout(r, rng, network.xp) if r else None for r in rates])


def test_dropout_layer_masks_in_training_only(rng):
    layer = Dropout(0.25, rng)
    A_prev = rng.rand(4000, 5) + 0.5
    assert layer.forward(A_prev) is A_prev
    assert layer.forward(A_prev, training=False) is A_prev
    A = layer.forward(A_prev, training=True)
    kept = A != 0
    # Inverted dropout: kept units are scaled by 1 / (1 - rate), a quarter dropped.
    np.testing.assert_allclose(A[kept], A_prev[kept] / 0.75, rtol=1e-15)
    assert abs(kept.mean() - 0.75) < 0.01
    dA = rng.randn(4000, 5)
    np.testing.assert_array_equal(layer.backward(dA.copy()), dA * layer.mask)


@pytest.mark.parametrize("activation", ["relu", "gelu", "tanh"])
@pytest.mark.parametrize("rates", [(0.5,), (0.3, 0.0), (0.2, 0.6)])
def test_backward_with_a_fixed_mask_matches_finite_differences(rng, activation, rates):
    X, Y = rng.randn(12, 3), np.eye(3)[rng.randint(0, 3, 12)]
    loss = LOSSES["categorical_cross_entropy"]
    hidden = (6, 5)[: len(rates)]
    net = Network.initialize((3, *hidden, 3), activation, "softmax", 0.5, rng)
    net.params += rng.randn(net.params.size) * 0.1
    dropouts(net, rates, rng)
    drops = [layer for layer in net.layers if isinstance(layer, Dropout)]
    assert len(drops) == sum(r > 0 for r in rates)
    for layer in drops:  # one mask, drawn once, for every pass of the check
        mask = layer.draw(np.empty((12, layer_width(net, layer))))
        layer.draw = lambda A_prev, mask=mask: mask

    net.backward(loss.gradient(Y, net.forward(X, training=True), None))
    grads = net.grads.copy()
    h, numeric = 1e-6, np.empty_like(net.params)
    for i in range(net.params.size):
        saved = net.params[i]
        net.params[i] = saved + h
        up = loss.loss(Y, net.forward(X, training=True), None)
        net.params[i] = saved - h
        down = loss.loss(Y, net.forward(X, training=True), None)
        net.params[i] = saved
        numeric[i] = (up - down) / (2 * h)
    assert np.abs(grads - numeric).max() / np.abs(numeric).max() < 1e-6
    # The mask matters: the whole network's gradient is another.
    net.backward(loss.gradient(Y, net.forward(X), None))
    assert not np.allclose(net.grads, grads)


def layer_width(net, dropout):
    """Units of the Dense layer before ``dropout`` in ``net``."""
    return net.layers[net.layers.index(dropout) - 1].shape[1]


def test_outside_training_the_network_is_the_one_without_dropout(rng):
    plain = Network.initialize((4, 7, 6, 2), "relu", "logistic", "auto", rng)
    dropped = Network(plain.coefs, plain.intercepts, "relu", "logistic")
    dropouts(dropped, (0.5, 0.5), rng)
    assert [type(layer) for layer in dropped.layers] == [
        Dense,
        Dropout,
        Dense,
        Dropout,
        Dense,
    ]
    X = rng.randn(20, 4)
    np.testing.assert_array_equal(dropped.forward(X), plain.forward(X))
    assert not np.array_equal(dropped.forward(X, training=True), plain.forward(X))


def test_masks_are_numpys_draws_in_every_namespace(space):
    rng = np.random.RandomState(0)
    ref = Network.initialize((4, 7, 2), "relu", "softmax", "auto", rng)
    net = Network(
        [space.asarray(W) for W in ref.coefs],
        [space.asarray(b) for b in ref.intercepts],
        "relu",
        "softmax",
        xp=space.xp,
    )
    dropouts(ref, (0.4,), np.random.RandomState(1))
    dropouts(net, (0.4,), np.random.RandomState(1))
    X = rng.randn(10, 4)
    P = net.forward(space.asarray(X), training=True)
    assert_lives_in(P, space, space.dtype)
    tol = 1e-5 if space.np_dtype == np.float32 else 1e-12
    np.testing.assert_allclose(
        to_numpy(P, space.xp), ref.forward(X, training=True), rtol=tol, atol=tol
    )


@pytest.mark.parametrize("Estimator", [ANNClassifier, ANNRegressor])
def test_fits_with_dropout_are_reproducible_and_predict_deterministically(Estimator):
    X, y = _data()
    if Estimator is ANNRegressor:
        X, y = make_regression(120, n_features=8, noise=5.0, random_state=0)
    a = Estimator((16, 8), dropout=(0.3, 0.1), **FAST).fit(X, y)
    b = Estimator((16, 8), dropout=(0.3, 0.1), **FAST).fit(X, y)
    c = Estimator((16, 8), dropout=(0.3, 0.1), **{**FAST, "random_state": 1}).fit(X, y)
    plain = Estimator((16, 8), **FAST).fit(X, y)
    for W_a, W_b, W_p in zip(a.coefs_, b.coefs_, plain.coefs_):
        np.testing.assert_array_equal(W_a, W_b)
        assert not np.array_equal(W_a, W_p)
    assert not np.array_equal(a.coefs_[0], c.coefs_[0])
    np.testing.assert_array_equal(a.predict(X), a.predict(X))
    # The fitted model is the plain network of its weights: relu, then the output.
    A = X
    for W, b in zip(a.coefs_[:-1], a.intercepts_[:-1]):
        A = np.maximum(A @ W + b, 0)
    Z = A @ a.coefs_[-1] + a.intercepts_[-1]
    if Estimator is ANNClassifier:
        expected = 1 / (1 + np.exp(-Z[:, 0]))
        np.testing.assert_allclose(a.predict_proba(X)[:, 1], expected, rtol=1e-9)
    else:
        np.testing.assert_allclose(a.predict(X), Z[:, 0], rtol=1e-9, atol=1e-9)


def test_zero_dropout_changes_nothing():
    X, y = _data()
    base = ANNClassifier((16, 8), **FAST).fit(X, y)
    for dropout in (0.0, 0, (0.0, 0.0), [0, 0]):
        fit = ANNClassifier((16, 8), dropout=dropout, **FAST).fit(X, y)
        for W, W_base in zip(fit.coefs_, base.coefs_):
            np.testing.assert_array_equal(W, W_base)
        assert fit.loss_curve_ == base.loss_curve_


def test_the_loss_curve_is_the_whole_networks():
    # One full-batch epoch: its recorded loss is that of the initial weights,
    # drawn before any mask, so it equals the run without dropout's.
    X, y = _data()
    settings = dict(solver="gd", batch_size=None, epochs=1, alpha=0, random_state=0)
    plain = ANNClassifier(16, **settings).fit(X, y)
    dropped = ANNClassifier(16, dropout=0.5, **settings).fit(X, y)
    assert dropped.loss_curve_ == plain.loss_curve_
    assert not np.array_equal(dropped.coefs_[0], plain.coefs_[0])


def test_early_stopping_and_partial_fit_run_with_dropout():
    X, y = _data(300)
    clf = ANNClassifier(16, dropout=0.2, early_stopping=True, **FAST).fit(X, y)
    assert len(clf.validation_scores_) == clf.n_iter_
    streams = [ANNClassifier(16, dropout=d, random_state=0) for d in (0.2, 0.2, 0)]
    for rows in np.array_split(np.arange(300), 3):
        for stream in streams:
            stream.partial_fit(X[rows], y[rows], classes=[0, 1])
    np.testing.assert_array_equal(streams[0].coefs_[0], streams[1].coefs_[0])
    assert not np.array_equal(streams[0].coefs_[0], streams[2].coefs_[0])


def test_lbfgs_refuses_dropout_by_name():
    X, y = _data()
    with pytest.raises(ValueError, match="dropout=0.2.*solver='lbfgs'"):
        ANNClassifier(8, dropout=0.2, solver="lbfgs").fit(X, y)
    ANNClassifier(8, dropout=0.0, solver="lbfgs", epochs=5).fit(X, y)


@pytest.mark.parametrize("dropout", [1.0, -0.1, (0.2,), (0.1, 0.2, 0.3), ("a", 0.1)])
def test_bad_dropout_is_refused(dropout):
    X, y = _data()
    with pytest.raises(ValueError, match="'dropout' parameter"):
        ANNClassifier((4, 4), dropout=dropout, epochs=2).fit(X, y)


def test_dropout_models_pickle_and_skops():
    X, y = _data()
    clf = ANNClassifier(16, dropout=0.3, **FAST).fit(X, y)
    for loaded in (
        pickle.loads(pickle.dumps(clf)),
        sio.loads(sio.dumps(clf), trusted=sio.get_untrusted_types(data=sio.dumps(clf))),
    ):
        assert loaded.dropout == 0.3
        np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


def test_grid_search_over_dropout():
    X, y = _data()
    search = GridSearchCV(
        ANNClassifier(16, **FAST), {"dropout": [0.0, 0.3, (0.5,)]}, cv=2
    ).fit(X, y)
    assert search.best_params_["dropout"] in (0.0, 0.3, (0.5,))
    assert len(search.cv_results_["mean_test_score"]) == 3


def test_onnx_export_is_the_plain_network():
    pytest.importorskip("onnxruntime")
    import onnxruntime as ort

    from skann.onnx import to_onnx

    X, y = _data()
    clf = ANNClassifier((16, 8), dropout=0.4, activation="gelu", **FAST).fit(X, y)
    session = ort.InferenceSession(
        to_onnx(clf, X[:5]).SerializeToString(), providers=["CPUExecutionProvider"]
    )
    names = [out.name for out in session.get_outputs()]
    out = dict(zip(names, session.run(None, {session.get_inputs()[0].name: X})))
    np.testing.assert_allclose(out["probabilities"], clf.predict_proba(X), atol=1e-9)
