"""Where a model fitted under ``array_api_dispatch`` goes: predictions from other
namespaces refused, moving it, saving and loading it, exporting it, and the user
guide's page that shows it.
"""

import importlib
import pickle

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from array_spaces import SPACES, assert_lives_in
from test_array_api import BASE, make_data, to_host

from skann import ANNClassifier


def _fitted_in(name, **settings):
    X, y = make_data()
    space = SPACES[name]()
    with sklearn.config_context(array_api_dispatch=True):
        est = ANNClassifier(**BASE | settings).fit(space.asarray(X), space.asarray(y))
    return est, X, space


@pytest.mark.parametrize(
    "fitted, given, match",
    [
        ("torch-cpu-float64", "numpy", "namespaces used during fit .*torch.* differ"),
        ("numpy", "torch-cpu-float64", r"namespaces used during fit \(numpy\)"),
        ("array_api_strict-cpu", "array_api_strict-device1", "Devices used during"),
        ("torch-cpu-float64", "list", "not compatible with the array-like input"),
        ("torch-cpu-float64", "sparse", "not compatible with the sparse array input"),
    ],
)
@pytest.mark.parametrize("method", ["predict", "predict_proba", "predict_log_proba"])
def test_predicting_elsewhere_fails_as_in_scikit_learn(fitted, given, match, method):
    est, X, _ = _fitted_in(fitted)
    if given == "list":
        X_given = X.tolist()
    elif given == "sparse":
        X_given = sp.csr_matrix(X)
    else:
        space = SPACES[given]()
        X_given = space.asarray(X) if given != "numpy" else X
    with sklearn.config_context(array_api_dispatch=True):
        with pytest.raises(
            ValueError,
            match=f"ANNClassifier.{method}\\(\\) must use the same namespace.*{match}",
        ):
            getattr(est, method)(X_given)


def test_a_model_fitted_on_the_device_refuses_inputs_once_dispatch_is_off():
    est, X, space = _fitted_in("torch-cpu-float64")
    for given in (X, space.asarray(X)):
        with pytest.raises(ValueError, match="array_api_dispatch=True, which is off"):
            est.predict(given)


def test_without_dispatch_tensors_train_as_numpy_arrays_as_before():
    torch = pytest.importorskip("torch")
    X, y = make_data()
    est = ANNClassifier(**BASE).fit(torch.asarray(X), torch.asarray(y))
    ref = ANNClassifier(**BASE).fit(X, y)
    assert type(est.coefs_[0]) is np.ndarray and type(est.classes_) is np.ndarray
    assert est.loss_curve_ == ref.loss_curve_


def test_a_sparse_tensor_is_refused_by_name():
    torch = pytest.importorskip("torch")
    X, y = make_data()
    with sklearn.config_context(array_api_dispatch=True):
        with pytest.raises(TypeError, match="sparse torch.Tensor .* SciPy sparse"):
            ANNClassifier(**BASE).fit(torch.asarray(X).to_sparse(), torch.asarray(y))


@pytest.mark.parametrize("target", ["numpy", "array_api_strict-device1"])
def test_move_estimator_to_moves_every_array_and_the_model(target):
    array_api = pytest.importorskip("sklearn.utils._array_api")
    if not hasattr(array_api, "move_estimator_to"):
        pytest.skip("scikit-learn < 1.9")
    est, X, _ = _fitted_in("torch-cpu-float64", solver="adam")
    space = SPACES[target]()
    X_there = space.asarray(X) if target != "numpy" else X
    with sklearn.config_context(array_api_dispatch=True):
        xp, _, device = array_api.get_namespace_and_device(X_there)
        moved = array_api.move_estimator_to(est, xp, device)
        proba = moved.predict_proba(X_there)
        expected = to_host(est.predict_proba(SPACES["torch-cpu-float64"]().asarray(X)))
        for a in (*moved.coefs_, moved.classes_, moved._optimizer_state_["m"], proba):
            assert_lives_in(a, space)
        np.testing.assert_allclose(to_host(proba), expected, rtol=1e-12)
        # It trains on there too.
        moved.partial_fit(X_there, space.asarray(make_data()[1]))
    assert moved.n_iter_ == est.n_iter_ + 1
    assert isinstance(est.coefs_[0], type(SPACES["torch-cpu-float64"]().asarray(X)))


@pytest.mark.parametrize("name", ["torch-cpu-float32", "array_api_strict-device1"])
def test_a_pickled_model_comes_back_where_it_was_fitted(name):
    est, X, space = _fitted_in(name, solver="adam")
    state = est.__getstate__()
    assert all(isinstance(W, np.ndarray) for W in state["coefs_"])
    loaded = pickle.loads(pickle.dumps(est))
    for a in (*loaded.coefs_, loaded.classes_, loaded._optimizer_state_["s"]):
        assert_lives_in(a, space)
    with sklearn.config_context(array_api_dispatch=True):
        X_xp = space.asarray(X)
        np.testing.assert_array_equal(
            to_host(loaded.predict_proba(X_xp)), to_host(est.predict_proba(X_xp))
        )


def test_a_model_whose_device_is_missing_loads_with_numpy_arrays():
    est, X, space = _fitted_in("torch-cpu-float64")
    state = est.__getstate__()
    state["_array_home"] = (state["_array_home"][0], "cuda:7")
    loaded = object.__new__(ANNClassifier)
    with pytest.warns(UserWarning, match="cannot be restored here.*keeps NumPy"):
        loaded.__setstate__(state)
    assert isinstance(loaded.coefs_[0], np.ndarray)
    with sklearn.config_context(array_api_dispatch=True):
        expected = to_host(est.predict_proba(space.asarray(X)))
    np.testing.assert_allclose(loaded.predict_proba(X), expected, rtol=1e-12)


def test_skops_saves_and_loads_a_model_fitted_on_the_device(tmp_path):
    sio = pytest.importorskip("skops.io")
    est, X, space = _fitted_in("torch-cpu-float64")
    path = tmp_path / "model.skops"
    sio.dump(est, path)
    trusted = [t for t in sio.get_untrusted_types(file=path) if "skann" in t]
    assert sio.get_untrusted_types(file=path) == trusted
    loaded = sio.load(path, trusted=trusted)
    assert_lives_in(loaded.coefs_[0], space)
    with sklearn.config_context(array_api_dispatch=True):
        X_xp = space.asarray(X)
        np.testing.assert_array_equal(
            to_host(loaded.predict(X_xp)), to_host(est.predict(X_xp))
        )


def test_onnx_exports_a_model_fitted_on_the_device():
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    from skann.onnx import to_onnx

    est, X, space = _fitted_in("torch-cpu-float32")
    X32 = X.astype(np.float32)
    model = to_onnx(est, space.asarray(X32[:5]))
    session = ort.InferenceSession(
        model.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    label, proba = session.run(["label", "probabilities"], {"X": X32})
    with sklearn.config_context(array_api_dispatch=True):
        X_xp = space.asarray(X32)
        np.testing.assert_allclose(proba, to_host(est.predict_proba(X_xp)), atol=1e-6)
        np.testing.assert_array_equal(label, to_host(est.predict(X_xp)))
    assert isinstance(est.coefs_[0], type(space.asarray(X32)))  # left where it was
    skl2onnx = pytest.importorskip("skl2onnx")
    from skann.onnx import register_skl2onnx

    register_skl2onnx()
    model = skl2onnx.to_onnx(est, X32[:1], options={"zipmap": False})
    session = ort.InferenceSession(
        model.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    np.testing.assert_allclose(session.run(None, {"X": X32})[1], proba, atol=1e-6)


def test_the_user_guide_page_runs(capsys):
    """The Python blocks of "On GPUs and other array libraries", in order."""
    pytest.importorskip("torch")
    if not hasattr(
        importlib.import_module("sklearn.utils._array_api"), "move_estimator_to"
    ):
        pytest.skip("the page moves a model with scikit-learn 1.9's move_estimator_to")
    import re
    import textwrap
    from pathlib import Path

    page = Path(__file__).resolve().parents[1] / "docs/user_guide/array_api.rst"
    blocks = re.findall(
        r"\.\. code-block:: python\n\n((?:    .*\n|\n)+)", page.read_text()
    )
    assert len(blocks) == 2
    namespace = {}
    with sklearn.config_context():  # the page turns dispatch on for good
        exec("\n".join(textwrap.dedent(b) for b in blocks), namespace)
        score = namespace["pipe"].score(namespace["X"], namespace["y"])
    assert not sklearn.get_config()["array_api_dispatch"]
    assert isinstance(namespace["proba"], type(namespace["X"]))
    assert isinstance(namespace["clf_numpy"].coefs_[0], np.ndarray)
    assert score > 0.95
    assert str(namespace["clf"].coefs_[0].device) in capsys.readouterr().out


def test_labels_of_a_tensor_y_are_saved_as_numpy_with_a_model_fitted_on_sparse_x():
    torch = pytest.importorskip("torch")
    X, y = make_data()
    with sklearn.config_context(array_api_dispatch=True):
        est = ANNClassifier(**BASE).fit(sp.csr_matrix(X), torch.asarray(y))
        loaded = pickle.loads(pickle.dumps(est))
        assert isinstance(est.classes_, torch.Tensor)
        assert isinstance(loaded.classes_, np.ndarray)
        np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
