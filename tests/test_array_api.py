"""The estimators under scikit-learn's ``array_api_dispatch``: fits in X's namespace.

Each fit runs once on NumPy arrays without dispatch and once under dispatch on the
arrays of another namespace and device, from the same ``random_state``: in float64
the loss curves agree to 1e-9, in float32 to float32's precision, and every fitted
array and prediction lives where X does.
"""

import copy
import os
import pickle

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from sklearn.utils.fixes import parse_version

from skann import ANNClassifier, ANNRegressor
from skann._arrays import DISPATCH_SINCE, DISPATCHES

if os.environ.get("SCIPY_ARRAY_API") != "1":
    pytest.skip(
        "SciPy was imported before SCIPY_ARRAY_API=1 was set", allow_module_level=True
    )
if not DISPATCHES:
    pytest.skip(
        f"skann follows array_api_dispatch from scikit-learn {DISPATCH_SINCE} on",
        allow_module_level=True,
    )
from array_spaces import Space, assert_lives_in, tolerance  # noqa: E402
from sklearn.externals import array_api_compat  # noqa: E402


@pytest.fixture
def dispatch():
    with sklearn.config_context(array_api_dispatch=True):
        yield


def to_host(a):
    """``a`` as a NumPy array on the host."""
    if isinstance(a, np.ndarray):
        return a
    return np.from_dlpack(a, device="cpu")


def make_data(kind="multiclass", n=80):
    rng = np.random.RandomState(0)
    X = rng.randn(n, 4)
    if kind == "multiclass":
        y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 0.5)
    elif kind == "binary":
        y = (X[:, 0] - X[:, 1] > 0).astype(int)
    else:  # two regression targets, far from standardised
        y = np.column_stack([30 * X[:, 0] - 60 * X[:, 1] + 100, np.tanh(X[:, 2])])
    return X, y


#: Every setting the fits rely on, given explicitly.
BASE = dict(
    hidden_size=(6, 5),
    activation="relu",
    lr=0.1,
    epochs=15,
    init_scale=0.5,
    random_state=0,
    solver="gd",
    batch_size=None,
    shuffle=False,
    alpha=0.0,
    tol=None,
    early_stopping=False,
    warm_start=False,
    lr_schedule="constant",
)

CASES = {
    "gd": {},
    "adam-minibatches-shuffled-l2": dict(
        solver="adam", lr=0.02, batch_size=16, shuffle=True, alpha=0.01
    ),
    "lbfgs": dict(solver="lbfgs", epochs=12, alpha=0.001),
    "nesterov-invscaling": dict(
        solver="momentum",
        momentum=0.9,
        nesterov=True,
        batch_size=20,
        lr_schedule="invscaling",
    ),
    "early-stopping": dict(
        solver="adam",
        lr=0.02,
        batch_size=16,
        shuffle=True,
        epochs=60,
        tol=0.0,
        early_stopping=True,
        n_iter_no_change=3,
        validation_fraction=0.25,
    ),
}


def _fit_both(make, space, X, y, sample_weight=None, **fit_params):
    """Fit ``make()`` on NumPy without dispatch, and on ``space`` with it."""
    ref = make().fit(
        X.astype(space.np_dtype), y, sample_weight=sample_weight, **fit_params
    )
    moved = [None if a is None else space.asarray(a) for a in (X, y, sample_weight)]
    with sklearn.config_context(array_api_dispatch=True):
        est = make().fit(moved[0], moved[1], sample_weight=moved[2], **fit_params)
    return ref, est, moved[0]


def _assert_same_fit(est, ref, space):
    tol = tolerance(space)
    assert est.n_iter_ == ref.n_iter_ and est.t_ == ref.t_
    assert all(type(v) is float for v in est.loss_curve_)
    np.testing.assert_allclose(est.loss_curve_, ref.loss_curve_, rtol=tol)
    if ref.validation_scores_ is not None:
        np.testing.assert_allclose(
            est.validation_loss_curve_, ref.validation_loss_curve_, rtol=tol
        )
        np.testing.assert_allclose(est.validation_scores_, ref.validation_scores_)
    for a, r in zip(est.coefs_ + est.intercepts_, ref.coefs_ + ref.intercepts_):
        assert_lives_in(a, space, space.dtype)
        np.testing.assert_allclose(to_host(a), r, rtol=tol, atol=tol)


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_classifier_fit_follows_the_numpy_fit(space, case):
    X, y = make_data()
    ref, est, X_xp = _fit_both(lambda: ANNClassifier(**BASE | CASES[case]), space, X, y)
    _assert_same_fit(est, ref, space)
    if case == "early-stopping":
        assert ref.n_iter_ < ref.epochs  # it stopped, on the same epoch
    with sklearn.config_context(array_api_dispatch=True):
        proba, labels = est.predict_proba(X_xp), est.predict(X_xp)
        log_proba = est.predict_log_proba(X_xp)
        score = est.score(X_xp, space.asarray(y))
    assert_lives_in(proba, space, space.dtype)
    assert_lives_in(log_proba, space, space.dtype)
    assert_lives_in(labels, space)
    # The probabilities carry the weights' differences through every layer, as
    # the log-probabilities below do.
    np.testing.assert_allclose(
        to_host(proba), ref.predict_proba(X), atol=10 * tolerance(space)
    )
    np.testing.assert_allclose(
        to_host(log_proba),
        ref.predict_log_proba(X),
        rtol=tolerance(space),
        atol=10 * tolerance(space),
    )
    np.testing.assert_array_equal(to_host(labels), ref.predict(X))
    assert_lives_in(est.classes_, space)
    assert type(score) is float and abs(score - ref.score(X, y)) < 1e-6


def test_every_solver_declares_array_api_support():
    for solver in ("gd", "momentum", "adam", "lbfgs"):
        for cls in (ANNClassifier, ANNRegressor):
            assert cls(solver=solver).__sklearn_tags__().array_api_support


@pytest.mark.parametrize("solver", ["gd", "adam", "lbfgs"])
def test_a_regressor_fit_follows_the_numpy_fit(space, solver):
    X, y = make_data("regression")
    settings = BASE | dict(solver=solver, lr=0.05, epochs=12)
    ref, est, X_xp = _fit_both(lambda: ANNRegressor(**settings), space, X, y)
    _assert_same_fit(est, ref, space)
    widest = space.xp.float64
    for name in ("y_mean_", "y_scale_"):
        assert_lives_in(getattr(est, name), space, widest)
        np.testing.assert_allclose(to_host(getattr(est, name)), getattr(ref, name))
    with sklearn.config_context(array_api_dispatch=True):
        y_pred = est.predict(X_xp)
        score = est.score(X_xp, space.asarray(y))
    assert_lives_in(y_pred, space, space.dtype)
    rtol = 1e-9 if space.np_dtype is np.float64 else 1e-4
    np.testing.assert_allclose(to_host(y_pred), ref.predict(X), rtol=rtol, atol=rtol)
    assert type(score) is float and abs(score - ref.score(X, y)) < 1e-5


@pytest.mark.parametrize("loss", ["poisson", "quantile"])
def test_a_poisson_or_quantile_fit_follows_the_numpy_fit(space, loss):
    X, y = make_data("regression")
    if loss == "poisson":  # counts of a log-linear mean
        y = np.random.RandomState(1).poisson(np.exp(0.5 * X[:, :2] + 1.0))
    w = np.random.RandomState(2).uniform(0.2, 3.0, len(y))
    settings = BASE | dict(solver="adam", lr=0.01, epochs=12, loss=loss, quantile=0.8)
    make = lambda: ANNRegressor(**settings)  # noqa: E731
    ref, est, X_xp = _fit_both(make, space, X, y.astype(float), w)
    _assert_same_fit(est, ref, space)
    with sklearn.config_context(array_api_dispatch=True):
        y_pred = est.predict(X_xp)
    assert_lives_in(y_pred, space, space.dtype)
    rtol = 1e-9 if space.np_dtype is np.float64 else 1e-4
    np.testing.assert_allclose(to_host(y_pred), ref.predict(X), rtol=rtol, atol=rtol)


def test_class_and_sample_weights_follow_the_numpy_fit(space):
    X, y = make_data()
    w = np.random.RandomState(1).uniform(0.2, 3.0, len(y))
    w[:16] = 0.0  # the first minibatch takes no step
    settings = BASE | dict(batch_size=16, class_weight={0: 2.0, 1: 1.0, 2: 0.5})
    ref, est, _ = _fit_both(lambda: ANNClassifier(**settings), space, X, y, w)
    _assert_same_fit(est, ref, space)


def test_warm_start_and_partial_fit_continue_as_with_numpy(space, dispatch):
    X, y = make_data()
    X_xp, y_xp = space.asarray(X), space.asarray(y)
    settings = BASE | dict(solver="adam", lr=0.05, batch_size=16, warm_start=True)
    with sklearn.config_context(array_api_dispatch=False):
        ref = ANNRegressor(**settings).fit(X.astype(space.np_dtype), y)
        ref.fit(X.astype(space.np_dtype), y)
        ref_partial = ANNClassifier(**BASE | dict(solver="adam", lr=0.05))
        for _ in range(3):
            ref_partial.partial_fit(X.astype(space.np_dtype), y, classes=[0, 1, 2])
    est = ANNRegressor(**settings).fit(X_xp, y_xp).fit(X_xp, y_xp)
    partial = ANNClassifier(**BASE | dict(solver="adam", lr=0.05))
    classes = space.asarray(np.arange(3))
    for _ in range(3):
        partial.partial_fit(X_xp, y_xp, classes=classes)
    assert est.n_iter_ == 2 * settings["epochs"]
    _assert_same_fit(est, ref, space)
    _assert_same_fit(partial, ref_partial, space)
    for key in ("m", "s"):
        assert_lives_in(partial._optimizer_state_[key], space, space.dtype)


def test_predictions_run_a_chunk_of_rows_at_a_time(space, dispatch, monkeypatch):
    X, y = make_data()
    est = ANNClassifier(**BASE).fit(space.asarray(X), space.asarray(y))
    whole = to_host(est.predict_proba(space.asarray(X)))
    network = est._fitted_model.network
    rows, forward = [], network.forward

    def counted(X_rows, *args, **kwargs):
        rows.append(X_rows.shape[0])
        return forward(X_rows, *args, **kwargs)

    monkeypatch.setattr(network, "forward", counted)
    with sklearn.config_context(working_memory=1e-3):  # a few rows a chunk
        chunked = to_host(est.predict_proba(space.asarray(X)))
    # Each chunk's activations (6, 5 and 3 units) fit in the working memory.
    itemsize = np.dtype(space.np_dtype).itemsize
    assert sum(rows) == len(X) and len(rows) > 1
    assert max(rows) * (6 + 5 + 3) * itemsize <= 1e-3 * 2**20
    # Products of fewer rows may round in another order.
    np.testing.assert_allclose(
        chunked, whole, rtol=1e-12 if space.np_dtype is np.float64 else 1e-6
    )


def test_a_device_without_float64_trains_in_float32(dispatch):
    xp = pytest.importorskip("array_api_strict")
    if parse_version(sklearn.__version__) < parse_version("1.9"):
        pytest.skip("scikit-learn 1.8 checks sample weights in float64 there")
    if "no_float64" not in str(xp.__array_namespace_info__().devices()):
        pytest.skip("this array-api-strict has no device without float64")
    space = Space(xp, xp.Device("no_float64"), xp.float32, np.float32)
    X, y = make_data("regression")
    w = np.random.RandomState(1).uniform(0.5, 2.0, len(X))
    est = ANNRegressor(**BASE).fit(*(space.asarray(a) for a in (X, y, w)))
    for a in (*est.coefs_, est.y_mean_, est.y_scale_, est.predict(space.asarray(X))):
        assert_lives_in(a, space, xp.float32)
    with sklearn.config_context(array_api_dispatch=False):
        ref = ANNRegressor(**BASE).fit(X.astype(np.float32), y, w)
    np.testing.assert_allclose(est.loss_curve_, ref.loss_curve_, rtol=1e-4)


def test_string_labels_stay_numpy_while_training_on_the_device(space, dispatch):
    X, y = make_data("binary")
    labels = np.array(["no", "yes"])[y]
    est = ANNClassifier(**BASE).fit(space.asarray(X), labels)
    assert isinstance(est.classes_, np.ndarray) and est.classes_.dtype.kind == "U"
    assert_lives_in(est.coefs_[0], space)
    with sklearn.config_context(array_api_dispatch=False):
        ref = ANNClassifier(**BASE).fit(X.astype(space.np_dtype), labels)
    np.testing.assert_array_equal(est.predict(space.asarray(X)), ref.predict(X))


def test_multilabel_predictions_are_integers_in_xs_namespace(space, dispatch):
    X, _ = make_data()
    Y = (X[:, :3] > 0).astype(int)
    est = ANNClassifier(**BASE).fit(space.asarray(X), space.asarray(Y))
    pred = est.predict(space.asarray(X))
    assert_lives_in(pred, space, space.xp.int64)
    with sklearn.config_context(array_api_dispatch=False):
        ref = ANNClassifier(**BASE).fit(X.astype(space.np_dtype), Y)
    np.testing.assert_array_equal(to_host(pred), ref.predict(X))


def test_labels_live_where_y_does_and_predictions_where_x_does(dispatch):
    xps = pytest.importorskip("array_api_strict")
    torch = pytest.importorskip("torch")
    X, y = make_data()
    X_xp = xps.asarray(X, device=xps.Device("device1"))
    est = ANNClassifier(**BASE).fit(X_xp, torch.asarray(y))
    assert isinstance(est.classes_, torch.Tensor)  # as LogisticRegression keeps it
    pred = est.predict(X_xp)
    assert array_api_compat.array_namespace(pred) is xps
    assert pred.device == xps.Device("device1")
    # Sparse X trains with NumPy, whatever y is.
    est = ANNClassifier(**BASE).fit(sp.csr_matrix(X), torch.asarray(y))
    assert isinstance(est.coefs_[0], np.ndarray)
    assert isinstance(est.predict(sp.csr_matrix(X)), np.ndarray)


def _messages(record):
    return [str(w.message) for w in record]


def test_divergence_and_the_diagnosis_say_what_they_say_with_numpy(space, dispatch):
    X, y = make_data("regression")
    X = X * [1, 1, 1, 300]  # an unscaled column, which the advice names
    raw = dict(standardize=False)
    diverging = ANNRegressor(**BASE | raw | dict(lr=50.0, epochs=30))
    with pytest.raises(ValueError) as error:
        diverging.fit(space.asarray(X), space.asarray(y))
    with sklearn.config_context(array_api_dispatch=False):
        with pytest.raises(ValueError) as ref_error:
            diverging.fit(X.astype(space.np_dtype), y)
    assert "column 3 of X" in str(ref_error.value)
    assert str(error.value) == str(ref_error.value)
    swinging = ANNRegressor(**BASE | raw | dict(lr=0.3, epochs=8, init_scale=3.0))
    with pytest.warns(Warning) as record:
        swinging.fit(space.asarray(X), space.asarray(y))
    with sklearn.config_context(array_api_dispatch=False):
        with pytest.warns(Warning) as ref_record:
            swinging.fit(X.astype(space.np_dtype), y)
    assert any("Training went wrong" in m for m in _messages(ref_record))
    assert _messages(record) == _messages(ref_record)


@pytest.mark.parametrize("solver", ["gd", "lbfgs"])
def test_ctrl_c_ends_training_after_the_current_epoch(space, dispatch, solver):
    import signal

    import skann._engine

    X, y = make_data()

    def progress_printer(estimator):
        def on_epoch(epoch, loss):
            if epoch == 3:
                os.kill(os.getpid(), signal.SIGINT)

        return on_epoch

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(skann._engine, "_progress_printer", progress_printer)
        # Shuffled batches report each epoch as it ends.
        settings = dict(solver=solver, batch_size=20, shuffle=True, epochs=50)
        est = ANNClassifier(**BASE | settings)
        with pytest.warns(UserWarning, match="interrupted after 4"):
            est.fit(space.asarray(X), space.asarray(y))
    assert est.n_iter_ == 4
    assert_lives_in(est.predict_proba(space.asarray(X)), space)


def test_callbacks_get_each_epochs_model_where_x_lives(space, dispatch):
    callback = pytest.importorskip("sklearn.callback", reason="scikit-learn < 1.9")
    X, y = make_data()
    monitor = callback.ScoringMonitor(scoring="neg_log_loss")
    est = ANNClassifier(**BASE).set_callbacks(monitor)
    est.fit(space.asarray(X), space.asarray(y))
    epochs = [
        row for row in monitor.get_logs(select="most_recent").data
        if row["task_name"] == "epoch"
    ]  # fmt: skip
    assert len(epochs) == BASE["epochs"]
    with sklearn.config_context(array_api_dispatch=False):
        ref = ANNClassifier(**BASE).fit(X.astype(space.np_dtype), y)
    assert epochs[-1]["neg_log_loss"] == pytest.approx(
        -sklearn.metrics.log_loss(y, ref.predict_proba(X)), rel=1e-4
    )


def test_a_fit_continued_on_another_namespace_moves_the_model_there(space, dispatch):
    X, y = make_data("regression")
    settings = BASE | dict(solver="adam", lr=0.05, warm_start=True)
    with sklearn.config_context(array_api_dispatch=False):
        est = ANNRegressor(**settings).fit(X.astype(space.np_dtype), y)
        ref = ANNRegressor(**settings).fit(X.astype(space.np_dtype), y)
        ref.fit(X.astype(space.np_dtype), y)
    est.fit(space.asarray(X), space.asarray(y))
    _assert_same_fit(est, ref, space)
    assert_lives_in(est.y_mean_, space)


@pytest.mark.parametrize("dispatched", [True, False])
def test_tensors_that_require_grad_train_as_plain_ones(dispatched):
    # No autograd graph is recorded: the fitted arrays and the predictions
    # require no grad, and the model pickles and copies.
    torch = pytest.importorskip("torch")
    X, y = make_data("regression")
    w = np.linspace(0.5, 2.0, len(X))
    plain = [torch.asarray(a) for a in (X, y, w)]
    graded = [torch.asarray(a).requires_grad_() for a in (X, y, w)]
    with sklearn.config_context(array_api_dispatch=dispatched):
        ref = ANNRegressor(**BASE).fit(plain[0], plain[1], sample_weight=plain[2])
        est = ANNRegressor(**BASE).fit(*graded[:2], sample_weight=graded[2])
        predicted = est.predict(graded[0])
        expected = to_host(ref.predict(plain[0]))
        np.testing.assert_array_equal(to_host(predicted), expected)
    assert est.loss_curve_ == ref.loss_curve_
    for a in (*est.coefs_, *est.intercepts_, est.y_mean_, predicted):
        assert not getattr(a, "requires_grad", False)
    pickle.loads(pickle.dumps(est))
    copy.deepcopy(est)


@pytest.mark.parametrize("where", ["X", "y", "sample_weight", "predict"])
def test_complex_tensors_are_refused_as_complex_numpy_arrays_are(dispatch, where):
    torch = pytest.importorskip("torch")
    X, y = make_data("regression")
    data = {"X": X, "y": y, "sample_weight": np.ones(len(X))}
    given = {k: torch.asarray(v) for k, v in data.items()}
    if where == "predict":
        est = ANNRegressor(**BASE).fit(given["X"], given["y"])
        with pytest.raises(ValueError, match="Complex data not supported"):
            est.predict(given["X"] + 1j)
        return
    given[where] = given[where] + 1j
    with pytest.raises(ValueError, match="Complex data not supported"):
        ANNRegressor(**BASE).fit(**given)


def test_a_zero_weight_row_of_huge_values_trains_as_with_numpy(space):
    # Its squares overflow in the inputs' share of the penalty.
    X, y = make_data()
    X[0] = 1e160 if space.np_dtype is np.float64 else 1e25
    w = np.ones(len(X))
    w[0] = 0.0
    settings = BASE | dict(alpha="auto")
    ref, est, _ = _fit_both(lambda: ANNClassifier(**settings), space, X, y, w)
    _assert_same_fit(est, ref, space)
