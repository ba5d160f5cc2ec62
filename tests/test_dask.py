"""Scaling out with Dask: searches on a real cluster, and training block by block."""

import sys

import dask
import dask.array as da
import numpy as np
import pytest
from distributed import Client, LocalCluster, get_task_stream
from joblib import parallel_config
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skann import ANNClassifier, ANNRegressor
from skann.dask import fit_blocks


@pytest.fixture(scope="module")
def client():
    """A cluster of two single-threaded worker processes, closed after the module."""
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        memory_limit="1GiB",
        dashboard_address=None,
    ) as cluster:
        with Client(cluster) as client:
            yield client


@pytest.fixture(autouse=True)
def local_threads_unless_on_the_cluster(request):
    """Tests that do not ask for the cluster compute on local threads.

    Once the cluster's client exists it is every compute's default; a test that
    computes the same keys again right after releasing them can then meet a race in
    the distributed scheduler (a KeyError on gather).
    """
    if "client" in request.fixturenames:
        yield
        return
    with dask.config.set(scheduler="threads"):
        yield


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        150, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    return X * 5 + 2, y


def pipeline():
    return make_pipeline(
        StandardScaler(),
        ANNClassifier(6, solver="adam", lr=0.05, epochs=20, tol=None, random_state=0),
    )


def test_grid_search_on_the_cluster_matches_the_local_one(client, data):
    X, y = data
    grid = {
        "annclassifier__hidden_size": [4, (6, 3)],
        "annclassifier__activation": ["relu", "tanh"],
    }
    local = GridSearchCV(pipeline(), grid, cv=3).fit(X, y)
    with get_task_stream(client) as tasks, parallel_config(backend="dask"):
        remote = GridSearchCV(pipeline(), grid, cv=3, n_jobs=-1).fit(X, y)

    # The fits ran on the workers, not in this process.
    assert len(tasks.data) > 0
    assert remote.best_params_ == local.best_params_
    assert remote.cv_results_["params"] == local.cv_results_["params"]
    for key in ["mean_test_score", "std_test_score", "rank_test_score"] + [
        f"split{i}_test_score" for i in range(3)
    ]:
        np.testing.assert_array_equal(remote.cv_results_[key], local.cv_results_[key])
    np.testing.assert_array_equal(remote.predict_proba(X), local.predict_proba(X))


def test_cross_val_score_on_the_cluster_matches_the_local_one(client, data):
    X, y = data
    local = cross_val_score(pipeline(), X, y, cv=4)
    with get_task_stream(client) as tasks, parallel_config(backend="dask"):
        remote = cross_val_score(pipeline(), X, y, cv=4, n_jobs=-1)
    assert len(tasks.data) > 0
    np.testing.assert_array_equal(remote, local)


def make_block(block_id=None):
    """The rows of one block, drawn from a generator seeded by the block's index."""
    rng = np.random.default_rng(1000 + block_id[0])
    return rng.normal(size=(200, 5))


def generated(n_blocks=5):
    """X made block by block, so no step needs the whole array in memory."""
    X = da.map_blocks(
        make_block,
        chunks=((200,) * n_blocks, (5,)),
        dtype=np.float64,
        meta=np.array(()),
    )
    logit = X[:, 0] - 0.5 * X[:, 1] + X[:, 2] * X[:, 3]
    y = da.where(logit > 0.5, 2, da.where(logit > -0.5, 1, 0))
    return X, y


def numpy_blocks(*arrays):
    """The row blocks of each array, computed one by one."""
    return [[b.compute(scheduler="threads") for b in a.blocks] for a in arrays]


def assert_same_network(clf, reference):
    assert clf.n_iter_ == reference.n_iter_
    assert clf.t_ == reference.t_
    assert clf.loss_curve_ == reference.loss_curve_
    for W, W_ref in zip(
        clf.coefs_ + clf.intercepts_, reference.coefs_ + reference.intercepts_
    ):
        np.testing.assert_array_equal(W, W_ref)


def by_hand(estimator, epochs, *arrays, **kwargs):
    """``estimator`` after ``partial_fit`` on each row block of ``X``, ``y`` and
    the sample weights, if given, in order, ``epochs`` times."""
    blocks = list(zip(*numpy_blocks(*arrays)))
    for _ in range(epochs):
        for X_block, y_block, *weight in blocks:
            if weight:
                kwargs["sample_weight"] = weight[0]
            estimator.partial_fit(X_block, y_block, **kwargs)
    return estimator


def adam(**params):
    settings = dict(solver="adam", lr=0.01, batch_size=50, init_scale=0.1, alpha=0.0)
    return ANNClassifier((8, 4), **settings, random_state=0, **params)


@pytest.mark.parametrize("epochs", [1, 3])
def test_fit_blocks_equals_partial_fit_block_by_block(epochs):
    X, y = generated()
    clf = fit_blocks(adam(), X, y, classes=[0, 1, 2], epochs=epochs)
    assert_same_network(clf, by_hand(adam(), epochs, X, y, classes=[0, 1, 2]))
    assert clf.n_iter_ == 5 * epochs
    X_all, y_all = dask.compute(X, y)
    assert clf.score(X_all, y_all) > 0.6


def test_fit_blocks_computes_blocks_on_the_cluster(client):
    X, y = generated(n_blocks=4)
    with get_task_stream(client) as tasks:
        clf = fit_blocks(adam(), X, y, classes=[0, 1, 2])
    # The workers drew the blocks; this process only trained on them.
    assert any("make_block" in str(task["key"]) for task in tasks.data)

    reference = adam()
    for X_block, y_block in zip(*numpy_blocks(X, y)):
        reference.partial_fit(X_block, y_block, classes=[0, 1, 2])
    assert_same_network(clf, reference)


def test_fit_blocks_multilabel_and_sample_weight():
    rs = da.random.RandomState(7)
    X = rs.normal(size=(600, 4), chunks=(150, 4))
    Y = da.stack([X[:, 0] > 0, X[:, 1] + X[:, 2] > 0], axis=1).astype(int)
    w = rs.uniform(0.5, 2.0, size=600, chunks=150)
    clf = fit_blocks(adam(), X, Y, sample_weight=w, epochs=2)
    assert_same_network(clf, by_hand(adam(), 2, X, Y, w))
    assert clf.predict(X[:10].compute()).shape == (10, 2)


@pytest.mark.parametrize(
    "other_y",
    [lambda y: y.compute(), lambda y: y.rechunk(150)],
    ids=["numpy-y", "y-in-other-chunks"],
)
def test_fit_blocks_joins_column_chunks_and_aligns_y(other_y):
    X, y = generated(n_blocks=3)
    clf = fit_blocks(adam(), X.rechunk((200, 2)), other_y(y), classes=[0, 1, 2])
    # Every column was seen, not only the first chunk of them.
    assert clf.n_features_in_ == 5

    reference = fit_blocks(adam(), X, y, classes=[0, 1, 2])
    assert_same_network(clf, reference)


def test_fit_blocks_continues_a_fitted_estimator():
    X, y = generated(n_blocks=4)
    first, second = X.blocks[:2], X.blocks[2:]
    clf = fit_blocks(adam(), first, y.blocks[:2], classes=[0, 1, 2])
    clf = fit_blocks(clf, second, y.blocks[2:])

    reference = fit_blocks(adam(), X, y, classes=[0, 1, 2])
    assert_same_network(clf, reference)


def test_fit_blocks_rejects_misaligned_rows():
    X, y = generated(n_blocks=2)
    with pytest.raises(ValueError, match="X has 400 rows but y has 399"):
        fit_blocks(adam(), X, y[:-1], classes=[0, 1, 2])


def filtered(n_blocks=4, y_filter=None):
    """X, y and weights filtered by one mask that empties the second row block:
    the sizes of their row blocks are unknown. ``y_filter(y, keep)`` filters y
    otherwise."""
    X, y = generated(n_blocks)
    w = da.random.RandomState(3).uniform(0.5, 2.0, size=200 * n_blocks, chunks=200)
    keep = (X[:, 4] > -0.5) & (da.arange(200 * n_blocks, chunks=200) // 200 != 1)
    y = y[keep] if y_filter is None else y_filter(y, keep)
    return X[keep], y, w[keep]


def test_fit_blocks_trains_on_filtered_arrays_skipping_empty_blocks():
    X, y, w = filtered()
    assert np.isnan(X.shape[0])
    clf = fit_blocks(adam(), X, y, classes=[0, 1, 2], sample_weight=w, epochs=2)
    blocks = [b for b in zip(*numpy_blocks(X, y, w)) if len(b[0])]
    assert len(blocks) == 3  # the empty block is skipped
    reference = adam()
    for _ in range(2):
        for X_block, y_block, w_block in blocks:
            reference.partial_fit(
                X_block, y_block, classes=[0, 1, 2], sample_weight=w_block
            )
    assert_same_network(clf, reference)
    # Once the sizes are known, the same blocks train the same way.
    known = [a.compute_chunk_sizes() for a in filtered()]
    clf = fit_blocks(adam(), *known[:2], classes=[0, 1, 2], sample_weight=known[2])
    assert clf.n_iter_ == 3


@pytest.mark.parametrize(
    "y_filter, match",
    [
        (
            lambda y, keep: y[keep].compute(),
            r"row blocks of X are unknown.*Call X.compute_chunk_sizes\(\) first",
        ),
        (
            lambda y, keep: y.rechunk(100)[keep.rechunk(100)],
            r"Call X.compute_chunk_sizes\(\) and y.compute_chunk_sizes\(\) first",
        ),
        (
            lambda y, keep: y[~keep],
            "Row block 0 of X has .* y has .*Call compute_chunk_sizes",
        ),
    ],
    ids=["numpy-y", "y-in-other-chunks", "y-filtered-otherwise"],
)
def test_fit_blocks_of_unknown_sizes_it_cannot_match_names_what_to_call(
    y_filter, match
):
    X, y, _ = filtered(y_filter=y_filter)
    with pytest.raises(ValueError, match=match):
        fit_blocks(adam(), X, y, classes=[0, 1, 2])


def test_fit_blocks_with_every_block_empty_is_refused_as_in_scikit_learn():
    X, y = generated(n_blocks=2)
    keep = X[:, 0] > 100
    with pytest.raises(ValueError, match=r"Found array with 0 sample\(s\)"):
        fit_blocks(adam(), X[keep], y[keep], classes=[0, 1, 2])


def test_missing_dask_names_the_extra(monkeypatch):
    X, y = np.zeros((4, 2)), np.array([0, 1, 0, 1])
    # A None entry makes the import raise ImportError, as if not installed.
    monkeypatch.setitem(sys.modules, "dask.array", None)
    with pytest.raises(ImportError, match=r"pip install 'skann\[dask\]'"):
        fit_blocks(adam(), X, y, classes=[0, 1])


def regressor(**params):
    return ANNRegressor(
        (8, 4),
        activation="tanh",
        solver="adam",
        lr=0.01,
        batch_size=50,
        shuffle=True,
        init_scale=0.1,
        alpha=0.0,
        random_state=0,
        **params,
    )


@pytest.mark.parametrize("n_targets", [1, 2])
def test_fit_blocks_trains_a_regressor_as_partial_fit_does(n_targets):
    rs = da.random.RandomState(3)
    X = rs.normal(size=(800, 4), chunks=(200, 4))
    targets = [X[:, 0] - 0.5 * X[:, 1], X[:, 2] + np.tanh(X[:, 3])][:n_targets]
    y = targets[0] if n_targets == 1 else da.stack(targets, axis=1)
    w = rs.uniform(0.5, 2.0, size=800, chunks=200)
    reg = fit_blocks(regressor(), X, y, sample_weight=w, epochs=3)
    assert_same_network(reg, by_hand(regressor(), 3, X, y, w))
    assert reg.n_iter_ == 12
    X_all, y_all = dask.compute(X, y)
    assert reg.predict(X_all).shape == y_all.shape
    assert reg.score(X_all, y_all) > 0.5


@pytest.mark.parametrize("epochs", [0, -1, 1.5, 2.0, True, "2", None])
@pytest.mark.parametrize("make", [adam, regressor], ids=["classifier", "regressor"])
def test_fit_blocks_refuses_epochs_that_train_nothing(epochs, make):
    X, y = generated(n_blocks=2)
    estimator = make()
    match = r"'epochs' parameter of fit_blocks must be an int in the range \[1, inf\)"
    with pytest.raises(InvalidParameterError, match=match + rf"\. Got {epochs!r}"):
        fit_blocks(estimator, X, y, epochs=epochs)
    assert not hasattr(estimator, "coefs_")


def test_fit_blocks_says_classes_are_not_for_a_regressor():
    X, y = generated(n_blocks=2)
    reg = regressor()
    with pytest.raises(TypeError, match="ANNRegressor.partial_fit takes no classes"):
        fit_blocks(reg, X, y, classes=[0, 1, 2])
    assert not hasattr(reg, "coefs_")


def test_fit_blocks_names_the_solver_without_partial_fit():
    X, y = generated(n_blocks=2)
    match = "fit_blocks trains through partial_fit, .* solver='lbfgs'"
    with pytest.raises(AttributeError, match=match):
        fit_blocks(ANNRegressor(4, solver="lbfgs"), X, y)
