"""Sparse X: both estimators fit and predict on it as on the same data dense."""

import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder
from textbook_settings import textbook_classifier, textbook_regressor

from skann import ANNClassifier

SOLVERS = {
    "gd": {"solver": "gd", "lr": 0.5},
    "gd-shuffled-batches": {"solver": "gd", "lr": 0.2, "batch_size": 16},
    "momentum": {"solver": "momentum", "lr": 0.1, "batch_size": 32},
    "adam": {"solver": "adam", "lr": 0.01, "batch_size": 16},
    "lbfgs": {"solver": "lbfgs"},
}

FORMATS = {
    "csr": sp.csr_matrix,
    "csc": sp.csc_matrix,
    "coo": sp.coo_matrix,
    "csr_array": sp.csr_array,
}


def sparse_data(rng, n=90, n_features=12):
    X = rng.randn(n, n_features) * (rng.rand(n, n_features) < 0.25)
    score = X[:, 0] - X[:, 1] + X[:, 2]
    return X, score


def estimators(params):
    common = dict(hidden_size=6, epochs=25, random_state=0, **params)
    return [textbook_classifier(**common), textbook_regressor(**common)]


def target(estimator, score):
    return (score > 0).astype(int) if isinstance(estimator, ANNClassifier) else score


def outputs(estimator, X):
    if isinstance(estimator, ANNClassifier):
        return estimator.predict_proba(X)
    return estimator.predict(X)


@pytest.mark.parametrize("params", SOLVERS.values(), ids=SOLVERS.keys())
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_sparse_fit_is_the_dense_fit(rng, params, fmt):
    X, score = sparse_data(rng)
    for estimator in estimators(params):
        y = target(estimator, score)
        dense = estimator.__sklearn_clone__().fit(X, y)
        sparse = estimator.__sklearn_clone__().fit(FORMATS[fmt](X), y)
        # Only the order of the sums in the sparse products differs.
        np.testing.assert_allclose(sparse.loss_curve_, dense.loss_curve_, rtol=1e-9)
        for W, W_dense in zip(sparse.coefs_, dense.coefs_):
            np.testing.assert_allclose(W, W_dense, rtol=1e-7, atol=1e-10)
        np.testing.assert_allclose(
            outputs(sparse, FORMATS[fmt](X)), outputs(dense, X), rtol=1e-7, atol=1e-10
        )


def test_every_prediction_path_takes_sparse_rows(rng):
    X, score = sparse_data(rng)
    X_sparse = sp.csr_matrix(X)
    clf = textbook_classifier(6, epochs=20, random_state=0).fit(X, score > 0)
    np.testing.assert_array_equal(clf.predict(X_sparse), clf.predict(X))
    np.testing.assert_allclose(clf.predict_proba(X_sparse), clf.predict_proba(X))
    np.testing.assert_allclose(
        clf.predict_log_proba(X_sparse), clf.predict_log_proba(X)
    )
    assert clf.score(X_sparse, score > 0) == clf.score(X, score > 0)
    reg = textbook_regressor(6, epochs=20, random_state=0).fit(X, score)
    np.testing.assert_allclose(reg.predict(X_sparse), reg.predict(X), rtol=1e-12)
    assert reg.score(X_sparse, score) == pytest.approx(reg.score(X, score))


@pytest.mark.parametrize("make", [textbook_classifier, textbook_regressor])
def test_float32_sparse_stays_float32(rng, make):
    X, score = sparse_data(rng)
    X32 = sp.csr_matrix(X.astype(np.float32))
    est = make(6, epochs=20, random_state=0)
    y = target(est, score)
    est.fit(X32, y)
    assert all(W.dtype == np.float32 for W in est.coefs_)
    dense = make(6, epochs=20, random_state=0).fit(X.astype(np.float32), y)
    np.testing.assert_allclose(est.loss_curve_, dense.loss_curve_, rtol=1e-5)
    assert outputs(est, X32).dtype == np.float32


@pytest.mark.parametrize("make", [textbook_classifier, textbook_regressor])
def test_partial_fit_and_early_stopping_take_sparse_rows(rng, make):
    X, score = sparse_data(rng)
    X_sparse = sp.csr_matrix(X)
    est = make(6, solver="adam", lr=0.01, random_state=0)
    y = target(est, score)
    extra = {"classes": [0, 1]} if isinstance(est, ANNClassifier) else {}
    dense, sparse = est.__sklearn_clone__(), est.__sklearn_clone__()
    for _ in range(3):
        dense.partial_fit(X, y, **extra)
        sparse.partial_fit(X_sparse, y, **extra)
    np.testing.assert_allclose(sparse.loss_curve_, dense.loss_curve_, rtol=1e-9)
    stopped = est.set_params(early_stopping=True, epochs=30)
    dense = stopped.__sklearn_clone__().fit(X, y)
    sparse = stopped.__sklearn_clone__().fit(X_sparse, y)
    np.testing.assert_allclose(
        sparse.validation_loss_curve_, dense.validation_loss_curve_, rtol=1e-9
    )


def test_the_sparse_output_of_a_transformer(rng):
    colors = rng.choice(["red", "green", "blue", "grey"], size=(120, 3))
    y = (colors[:, 0] == "red") | (colors[:, 1] == "blue")
    for estimator, target_values in [
        (textbook_classifier(8, lr=0.5, epochs=300, random_state=0), y),
        (textbook_regressor(8, solver="lbfgs", epochs=200, random_state=0), y * 1.0),
    ]:
        pipe = make_pipeline(OneHotEncoder(), estimator).fit(colors, target_values)
        assert sp.issparse(pipe[0].transform(colors))
        assert pipe.score(colors, target_values) > 0.9


@pytest.mark.parametrize("make", [textbook_classifier, textbook_regressor])
def test_a_wide_sparse_matrix_is_never_densified(rng, make):
    # 200 x 50000 float64 is 80 MB dense and a few kilobytes sparse.
    X = sp.random(200, 50_000, density=2e-4, format="csr", random_state=rng)
    y = rng.randint(0, 2, 200)
    est = make(2, lr=0.1, epochs=3, random_state=0, batch_size=50)
    tracemalloc.start()
    est.fit(X, y)
    est.predict(X)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    dense_bytes = X.shape[0] * X.shape[1] * 8
    assert peak < dense_bytes / 10
