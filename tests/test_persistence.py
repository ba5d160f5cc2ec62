"""Saving and loading a fitted ANNClassifier: pickle, joblib and skops."""

import pickle
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from textbook_settings import textbook_classifier

import skann
from skann import ANNClassifier
from skann.exceptions import InconsistentVersionWarning

#: The one type skops reports for a fitted ANNClassifier. skops trusts only builtins,
#: NumPy, SciPy and scikit-learn's own types by default, so a third-party estimator
#: class is always listed, and the user trusts it by name after reviewing it. Every
#: other object inside the estimator must be one skops already trusts.
ANN_TYPE = f"{ANNClassifier.__module__}.{ANNClassifier.__qualname__}"


def make_target(kind, rng, n_samples):
    if kind == "binary":
        return rng.randint(0, 2, n_samples)
    if kind == "multiclass":
        return rng.randint(0, 4, n_samples)
    if kind == "multilabel":
        return rng.randint(0, 2, (n_samples, 3))
    if kind == "strings":
        return np.array(["cat", "dog", "eel"])[rng.randint(0, 3, n_samples)]
    # Labels as Python objects: the dtype a pandas column of strings gives.
    return np.array(["no", "yes"], dtype=object)[rng.randint(0, 2, n_samples)]


KINDS = ["binary", "multiclass", "multilabel", "strings", "object-strings"]


@pytest.fixture(params=KINDS)
def kind(request):
    return request.param


@pytest.fixture(params=[(5,), (5, 3)], ids=["1-hidden", "2-hidden"])
def fitted(request, kind):
    rng = np.random.RandomState(0)
    X = rng.randn(60, 4)
    y = make_target(kind, rng, 60)
    clf = textbook_classifier(request.param, lr=0.5, epochs=30, random_state=0)
    return clf.fit(X, y), rng.randn(25, 4)


def assert_plain(value, where):
    """Fail unless ``value`` is built from NumPy arrays and plain Python values."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            for item in value.ravel():
                assert_plain(item, f"{where}[...]")
        return
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            assert_plain(item, f"{where}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            assert_plain(key, f"{where} key")
            assert_plain(item, f"{where}[{key!r}]")
        return
    pytest.fail(f"{where} is a {type(value).__module__}.{type(value).__name__}")


def test_fitted_state_is_arrays_and_plain_values(fitted):
    # What pickle, joblib and skops save: the model that predicts is made at load.
    clf, _ = fitted
    for name, value in clf.__getstate__().items():
        assert_plain(value, name)


def assert_predicts_alike(loaded, clf, X):
    """The loaded model's probabilities and labels are the saved one's, bit for bit."""
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))


def test_pickle_round_trip(fitted):
    clf, X = fitted
    loaded = pickle.loads(pickle.dumps(clf))
    assert_predicts_alike(loaded, clf, X)


def test_joblib_round_trip(fitted, tmp_path):
    clf, X = fitted
    path = tmp_path / "model.joblib"
    joblib.dump(clf, path)
    loaded = joblib.load(path)
    assert_predicts_alike(loaded, clf, X)


def test_skops_file_round_trip_trusts_only_the_estimator_class(fitted, tmp_path):
    clf, X = fitted
    path = tmp_path / "model.skops"
    sio.dump(clf, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert untrusted == [ANN_TYPE]
    loaded = sio.load(path, trusted=untrusted)
    assert type(loaded) is ANNClassifier
    assert_predicts_alike(loaded, clf, X)
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)
    assert loaded.classes_.dtype == clf.classes_.dtype


def test_skops_bytes_round_trip(fitted):
    clf, X = fitted
    data = sio.dumps(clf)
    assert sio.get_untrusted_types(data=data) == [ANN_TYPE]
    loaded = sio.loads(data, trusted=[ANN_TYPE])
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


def test_skops_refuses_the_estimator_until_trusted(fitted):
    clf, _ = fitted
    with pytest.raises(sio.exceptions.UntrustedTypesFoundException, match="ANNClass"):
        sio.loads(sio.dumps(clf))


def test_skops_round_trip_of_a_pipeline_fit_on_a_dataframe(tmp_path):
    rng = np.random.RandomState(1)
    X = pd.DataFrame(rng.randn(50, 3), columns=["height", "weight", "age"])
    y = np.where(X["height"] + X["age"] > 0, "tall", "short")
    # The scaler hands a DataFrame on, so the network records the feature names.
    scaler = StandardScaler().set_output(transform="pandas")
    ann = textbook_classifier((4, 4), lr=0.5, epochs=30, random_state=0)
    pipe = make_pipeline(scaler, ann).fit(X, y)
    path = tmp_path / "pipe.skops"
    sio.dump(pipe, path)
    assert sio.get_untrusted_types(file=path) == [ANN_TYPE]
    loaded = sio.load(path, trusted=[ANN_TYPE])
    np.testing.assert_array_equal(loaded[-1].feature_names_in_, X.columns)
    np.testing.assert_array_equal(loaded.predict_proba(X), pipe.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), pipe.predict(X))


def test_float32_model_keeps_its_dtype_through_skops(tmp_path):
    rng = np.random.RandomState(2)
    X = rng.randn(40, 3).astype(np.float32)
    y = rng.randint(0, 3, 40)
    clf = textbook_classifier(4, epochs=20, random_state=0).fit(X, y)
    loaded = sio.loads(sio.dumps(clf), trusted=[ANN_TYPE])
    assert [W.dtype for W in loaded.coefs_] == [np.float32] * 2
    assert loaded.predict_proba(X).dtype == np.float32
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "params",
    [
        {"solver": "momentum", "nesterov": True, "batch_size": 16},
        {
            "solver": "adam",
            "batch_size": 16,
            "early_stopping": True,
            "tol": 1e-4,
            "validation_fraction": 0.25,
        },
        {"solver": "lbfgs", "alpha": 1e-3},
        {"class_weight": {0: 2.0, 1: 1.0, 2: 1.0}, "lr_schedule": "invscaling"},
    ],
    ids=["momentum", "adam-early-stopping", "lbfgs", "class-weight"],
)
def test_every_solver_leaves_a_state_skops_trusts(params):
    rng = np.random.RandomState(3)
    X = rng.randn(80, 4)
    y = rng.randint(0, 3, 80)
    clf = textbook_classifier((5, 3), epochs=15, random_state=0, **params).fit(X, y)
    for name, value in clf.__getstate__().items():
        assert_plain(value, name)
    data = sio.dumps(clf)
    assert sio.get_untrusted_types(data=data) == [ANN_TYPE]
    loaded = sio.loads(data, trusted=[ANN_TYPE])
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


@pytest.mark.parametrize("solver", ["gd", "momentum", "adam"])
@pytest.mark.parametrize(
    "dump, load", [(pickle.dumps, pickle.loads), (sio.dumps, None)]
)
def test_partial_fit_continues_identically_after_a_round_trip(solver, dump, load):
    rng = np.random.RandomState(4)
    X = rng.randn(90, 4)
    y = rng.randint(0, 3, 90)
    clf = textbook_classifier(
        (5, 3), solver=solver, lr=0.05, batch_size=10, random_state=0
    )
    clf.partial_fit(X[:45], y[:45], classes=[0, 1, 2])
    data = dump(clf)
    resumed = load(data) if load else sio.loads(data, trusted=[ANN_TYPE])
    # The optimizer's state (velocities, moments, step count) travels too.
    clf.partial_fit(X[45:], y[45:])
    resumed.partial_fit(X[45:], y[45:])
    for W, W_resumed in zip(
        clf.coefs_ + clf.intercepts_, resumed.coefs_ + resumed.intercepts_
    ):
        np.testing.assert_array_equal(W_resumed, W)
    np.testing.assert_array_equal(resumed.predict_proba(X), clf.predict_proba(X))


class EpochCounter:
    """A minimal scikit-learn fit callback: counts the epochs it is told about."""

    def __init__(self):
        self.epochs = 0

    def setup(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context, *, fitted_estimator):
        self.epochs += context.task_name == "epoch"
        return False

    def teardown(self, estimator, context):
        pass


def test_callbacks_are_saved_with_the_model_until_removed():
    pytest.importorskip("sklearn.callback", reason="scikit-learn < 1.9")
    rng = np.random.RandomState(5)
    X, y = rng.randn(40, 3), rng.randint(0, 2, 40)
    counter = EpochCounter()
    clf = (
        textbook_classifier(4, epochs=6, random_state=0)
        .set_callbacks(counter)
        .fit(X, y)
    )
    assert counter.epochs == 6
    # scikit-learn keeps the callbacks on the estimator, so a file holds them too.
    counter_type = f"{EpochCounter.__module__}.{EpochCounter.__qualname__}"
    untrusted = sio.get_untrusted_types(data=sio.dumps(clf))
    assert untrusted == sorted([ANN_TYPE, counter_type])

    clf.set_callbacks()
    for name, value in clf.__getstate__().items():
        assert_plain(value, name)
    data = sio.dumps(clf)
    assert sio.get_untrusted_types(data=data) == [ANN_TYPE]
    loaded = sio.loads(data, trusted=[ANN_TYPE])
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


@pytest.fixture
def multiclass():
    rng = np.random.RandomState(6)
    X, y = rng.randn(60, 4), rng.randint(0, 4, 60)
    return textbook_classifier((5, 3), epochs=10, random_state=0).fit(X, y), X


def joblib_round_trip(clf, path):
    joblib.dump(clf, path / "model.joblib")
    return joblib.load(path / "model.joblib")


LOADERS = {
    "pickle": lambda clf, path: pickle.loads(pickle.dumps(clf)),
    "joblib": joblib_round_trip,
    "skops": lambda clf, path: sio.loads(sio.dumps(clf), trusted=[ANN_TYPE]),
}


@pytest.mark.parametrize("round_trip", LOADERS.values(), ids=LOADERS.keys())
def test_the_saved_state_records_the_skann_version(multiclass, round_trip, tmp_path):
    clf, X = multiclass
    assert clf.__getstate__()["_skann_version"] == skann.__version__
    with warnings.catch_warnings():
        warnings.simplefilter("error", InconsistentVersionWarning)
        loaded = round_trip(clf, tmp_path)
    assert "_skann_version" not in vars(loaded)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


@pytest.mark.parametrize("round_trip", LOADERS.values(), ids=LOADERS.keys())
def test_a_model_saved_by_another_version_warns_on_load(
    multiclass, round_trip, tmp_path, monkeypatch
):
    clf, X = multiclass
    state = clf.__getstate__()
    monkeypatch.setattr(
        ANNClassifier, "__getstate__", lambda self: {**state, "_skann_version": "0.0.1"}
    )
    match = rf"saved by skann 0\.0\.1 with skann {skann.__version__}"
    with pytest.warns(InconsistentVersionWarning, match=match) as record:
        loaded = round_trip(clf, tmp_path)
    assert record[0].message.original_skann_version == "0.0.1"
    assert record[0].message.current_skann_version == skann.__version__
    assert issubclass(InconsistentVersionWarning, UserWarning)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


def test_a_model_saved_before_versions_were_recorded_warns(multiclass):
    clf, _ = multiclass
    state = clf.__getstate__()
    del state["_skann_version"]
    with pytest.warns(InconsistentVersionWarning, match="did not record"):
        ANNClassifier.__new__(ANNClassifier).__setstate__(state)


def set_attribute(name, value):
    def change(clf):
        setattr(clf, name, value(clf) if callable(value) else value)

    return change


def set_item(name, index, value):
    def change(clf):
        getattr(clf, name)[index] = value(getattr(clf, name)[index])

    return change


def drop_last_output(clf):
    clf.coefs_[-1] = clf.coefs_[-1][:, :-1]
    clf.intercepts_[-1] = clf.intercepts_[-1][:-1]
    clf.n_outputs_ -= 1


INCONSISTENCIES = {
    "unchained-coefs": (set_item("coefs_", 1, lambda W: W[:-1]), r"coefs_\[1\]"),
    "short-intercepts": (
        set_item("intercepts_", 0, lambda b: b[:-1]),
        r"interc.*\[0\]",
    ),
    "missing-layer": (
        set_attribute("intercepts_", lambda c: c.intercepts_[:-1]),
        "intercepts_ must be a list of 3",
    ),
    "mixed-dtypes": (
        set_item("coefs_", 1, lambda W: W.astype(np.float32)),
        r"coefs_\[1\] has dtype float32",
    ),
    "nan-weights": (
        set_item("coefs_", 0, lambda W: W * np.nan),
        r"coefs_\[0\] or intercepts_\[0\] holds non-finite",
    ),
    "n_features_in_": (set_attribute("n_features_in_", 7), "n_features_in_ is 7"),
    "n_layers_": (set_attribute("n_layers_", 2), "n_layers_ is 2"),
    "n_outputs_": (set_attribute("n_outputs_", 3), "n_outputs_ is 3.*last layer"),
    "out-layer": (drop_last_output, "n_outputs_ is 3.*4 classes.*need 4"),
    "out_activation_": (set_attribute("out_activation_", "logistic"), "'softmax'"),
    "two-classes": (
        set_attribute("classes_", lambda c: c.classes_[:2]),
        "classes_ holds 2 classes",
    ),
    "classes-2d": (
        set_attribute("classes_", lambda c: c.classes_[:, None]),
        "classes_ must be a 1-D array",
    ),
    "reordered-classes": (
        set_attribute("classes_", lambda c: c.classes_[[1, 0, 2, 3]]),
        r"classes_ must hold each label once, in sorted order.*\[1, 0, 2, 3\]",
    ),
    "repeated-class": (
        set_attribute("classes_", lambda c: c.classes_[[0, 1, 1, 3]]),
        r"classes_ must hold each label once.*\[0, 1, 1, 3\]",
    ),
    "feature-names": (
        set_attribute("feature_names_in_", np.array(["a"])),
        "feature_names_in_ holds 1 names",
    ),
}


@pytest.mark.parametrize(
    "change, match", INCONSISTENCIES.values(), ids=INCONSISTENCIES.keys()
)
@pytest.mark.parametrize("round_trip", LOADERS.values(), ids=LOADERS.keys())
def test_an_inconsistent_model_is_refused_at_load(
    multiclass, change, match, round_trip, tmp_path
):
    clf, _ = multiclass
    change(clf)
    with pytest.raises(ValueError, match=f"inconsistent: .*{match}"):
        round_trip(clf, tmp_path)


@pytest.mark.parametrize(
    "change, match", INCONSISTENCIES.values(), ids=INCONSISTENCIES.keys()
)
@pytest.mark.parametrize("method", ["predict", "predict_proba", "predict_log_proba"])
def test_an_inconsistent_model_is_refused_at_predict(multiclass, change, match, method):
    clf, X = multiclass
    change(clf)
    with pytest.raises(ValueError, match=f"inconsistent: .*{match}"):
        getattr(clf, method)(X)


def test_an_inconsistent_binary_model_is_refused():
    rng = np.random.RandomState(7)
    X, y = rng.randn(30, 3), rng.randint(0, 2, 30)
    clf = textbook_classifier(4, epochs=5, random_state=0).fit(X, y)
    clf.n_outputs_, clf.out_activation_ = 2, "softmax"
    with pytest.raises(ValueError, match="n_outputs_ is 2"):
        clf.predict_proba(X)
    clf.n_outputs_ = 1
    with pytest.raises(ValueError, match="out_activation_ is 'softmax'"):
        pickle.loads(pickle.dumps(clf))


def edit_classes(clf):
    """Turn ``classes_`` around, as a hand edit or another library's loader might."""
    clf.classes_ = clf.classes_[::-1].copy()


@pytest.mark.parametrize("kind", ["binary", "strings", "object-strings", "multilabel"])
@pytest.mark.parametrize("round_trip", LOADERS.values(), ids=LOADERS.keys())
def test_classes_out_of_order_are_refused_at_load_and_predict(
    kind, round_trip, tmp_path
):
    rng = np.random.RandomState(8)
    X = rng.randn(40, 3)
    clf = ANNClassifier(4, epochs=5, solver="gd", random_state=0)
    clf.fit(X, make_target(kind, rng, 40))
    edit_classes(clf)
    match = (
        rf"must be arange\({len(clf.classes_)}\) for multilabel"
        if kind == "multilabel"
        else r"must hold each label once, in sorted order"
    )
    with pytest.raises(ValueError, match=f"inconsistent: classes_ {match}"):
        round_trip(clf, tmp_path)
    with pytest.raises(ValueError, match=f"inconsistent: classes_ {match}"):
        clf.predict(X)


@pytest.mark.parametrize("continue_with", ["partial_fit", "warm_start"])
def test_classes_out_of_order_are_refused_before_training_continues(
    continue_with, multiclass
):
    clf, X = multiclass
    y = np.arange(len(X)) % 4
    edit_classes(clf)
    coefs = [W.copy() for W in clf.coefs_]
    with pytest.raises(ValueError, match="inconsistent: classes_ must hold"):
        if continue_with == "partial_fit":
            clf.set_params(solver="gd").partial_fit(X, y)
        else:
            clf.set_params(warm_start=True, epochs=2).fit(X, y)
    for W, W_before in zip(clf.coefs_, coefs):
        np.testing.assert_array_equal(W, W_before)
