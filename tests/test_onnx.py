"""ONNX export: graphs from skann.onnx, run by onnxruntime, against the estimator."""

import sys

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.exceptions import NotFittedError
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from textbook_settings import textbook_classifier

from skann import ANNClassifier
from skann._core.activations import ACTIVATIONS
from skann.onnx import register_skl2onnx, to_onnx
from skann.plugins import Activation


def run(model, X):
    """Run ``model`` on ``X`` with onnxruntime; return its outputs by name."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    names = [output.name for output in session.get_outputs()]
    return dict(zip(names, session.run(None, {session.get_inputs()[0].name: X})))


def make_data(kind, n_samples=120, seed=0):
    """Learnable data of each target kind, so both sides of every threshold occur."""
    if kind == "multilabel":
        X, y = make_multilabel_classification(
            n_samples, n_features=6, n_classes=3, random_state=seed
        )
        return StandardScaler().fit_transform(X), y
    n_classes = 2 if kind in ("binary", "binary-strings") else 3
    X, y = make_classification(
        n_samples,
        n_features=6,
        n_informative=4,
        n_classes=n_classes,
        random_state=seed,
    )
    if kind.endswith("strings"):
        y = np.array(["ant", "bee", "cow"])[y]
    return X, y


KINDS = ["binary", "multiclass", "multilabel", "binary-strings", "multiclass-strings"]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("hidden_size", [(6,), (6, 5)], ids=["1-hidden", "2-hidden"])
@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity", "gelu"])
@pytest.mark.parametrize("kind", KINDS)
def test_graph_predicts_as_the_estimator(kind, activation, hidden_size, dtype):
    X, y = make_data(kind)
    clf = textbook_classifier(
        hidden_size,
        activation=activation,
        lr=0.3,
        epochs=200,
        init_scale=0.5,
        random_state=0,
    ).fit(X, y)
    X = X.astype(dtype)
    out = run(to_onnx(clf, X[:5]), X)

    expected = clf.predict(X)
    # Both sides of the threshold occur, so the labels are a real comparison.
    assert len(np.unique(expected)) > 1
    np.testing.assert_array_equal(out["label"], expected)
    # A float64 graph computes in float64, to rounding.
    atol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(
        out["probabilities"], clf.predict_proba(X), rtol=0, atol=atol
    )
    assert out["probabilities"].dtype == dtype
    assert out["probabilities"].shape == clf.predict_proba(X).shape
    if kind == "multilabel":
        assert out["label"].dtype == np.int64


@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
def test_float64_graphs_agree_to_rounding_where_float32_cannot(kind):
    import skl2onnx

    register_skl2onnx()
    X, y = make_data(kind)
    clf = ANNClassifier(
        (6, 5),
        activation="tanh",
        solver="gd",
        lr=0.3,
        epochs=200,
        batch_size=None,
        init_scale=0.5,
        alpha=0.0,
        tol=None,
        random_state=0,
    ).fit(X, y)
    expected = clf.predict_proba(X)
    models = [
        to_onnx(clf, X[:5]),
        skl2onnx.to_onnx(clf, X[:5], options={"zipmap": False}),
    ]
    for model in models:
        out = run(model, X)
        assert out["probabilities"].dtype == np.float64
        np.testing.assert_allclose(out["probabilities"], expected, rtol=0, atol=1e-12)
        np.testing.assert_array_equal(out["label"], clf.predict(X))
    # float32 arithmetic is off by far more, so the tolerance above tells them apart.
    X32 = X.astype(np.float32)
    out32 = run(to_onnx(clf, X32[:5]), X32)
    assert np.abs(out32["probabilities"] - expected).max() > 1e-9


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_every_hidden_activation_exports(name):
    X, y = make_data("binary")
    clf = textbook_classifier(4, activation=name, epochs=5, random_state=0).fit(X, y)
    out = run(to_onnx(clf, X), X)
    np.testing.assert_allclose(out["probabilities"], clf.predict_proba(X), atol=1e-6)


class _Softsign(Activation):
    def forward(self, Z, xp):
        return Z / (1 + xp.abs(Z))

    def derivative(self, Z, A, dA, xp):
        return dA / (1 + xp.abs(Z)) ** 2


def test_activation_without_an_operator_is_refused_by_name():
    X, y = make_data("binary")
    clf = textbook_classifier(4, activation=_Softsign(), epochs=5, random_state=0)
    clf.fit(X, y)
    with pytest.raises(ValueError, match=r"No ONNX operator.*_Softsign\(\)"):
        to_onnx(clf, X)


class _Absolute(Activation):
    onnx_op = "Abs"

    def forward(self, Z, xp):
        return xp.abs(Z)

    def derivative(self, Z, A, dA, xp):
        return dA * xp.sign(Z)


def test_activation_of_ones_own_exports_with_its_operator():
    X, y = make_data("binary")
    clf = textbook_classifier(4, activation=_Absolute(), epochs=5, random_state=0)
    clf.fit(X, y)
    out = run(to_onnx(clf, X), X)
    np.testing.assert_allclose(out["probabilities"], clf.predict_proba(X), atol=1e-6)
    assert "Abs" in [node.op_type for node in to_onnx(clf, X).graph.node]


def test_float32_network_exports_in_float32():
    X, y = make_data("multiclass")
    X = X.astype(np.float32)
    clf = textbook_classifier((5, 4), lr=0.5, epochs=100, random_state=0).fit(X, y)
    model = to_onnx(clf, X)
    weights = [i for i in model.graph.initializer if i.name.startswith("coef")]
    assert [w.data_type for w in weights] == [onnx.TensorProto.FLOAT] * 3
    out = run(model, X)
    np.testing.assert_array_equal(out["label"], clf.predict(X))
    np.testing.assert_allclose(out["probabilities"], clf.predict_proba(X), atol=1e-5)


def test_graph_inputs_outputs_and_opset():
    X, y = make_data("multiclass-strings")
    clf = textbook_classifier(4, epochs=20, random_state=0).fit(X, y)
    model = to_onnx(clf, X.astype(np.float32), target_opset=13)
    onnx.checker.check_model(model, full_check=True)
    assert [o.version for o in model.opset_import if o.domain == ""] == [13]
    assert model.ir_version == onnx.helper.find_min_ir_version_for(
        list(model.opset_import)
    )

    (X_info,) = model.graph.input
    assert X_info.name == "X"
    assert X_info.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    dims = X_info.type.tensor_type.shape.dim
    assert dims[1].dim_value == 6
    label, proba = model.graph.output
    assert (label.name, proba.name) == ("label", "probabilities")
    assert label.type.tensor_type.elem_type == onnx.TensorProto.STRING
    assert proba.type.tensor_type.shape.dim[1].dim_value == 3
    # It runs at the oldest opset it allows, too.
    out = run(model, X.astype(np.float32))
    np.testing.assert_array_equal(out["label"], clf.predict(X))


@pytest.mark.parametrize(
    "labels",
    [
        np.array([-7, 3], dtype=np.int32),
        np.array([False, True]),
        np.array([-1.0, 2.0, 7.0]),
        np.array([3, 200, 7], dtype=np.uint8),
        np.array(["no", "yes"], dtype=object),
    ],
    ids=["int32", "bool", "float", "uint8", "object-strings"],
)
def test_label_values_of_every_label_type(labels):
    X, y = make_data("binary" if len(labels) == 2 else "multiclass")
    y = labels[y]
    clf = textbook_classifier(6, lr=0.5, epochs=100, random_state=0).fit(X, y)
    out = run(to_onnx(clf, X), X)
    expected = clf.predict(X)
    assert len(np.unique(expected)) > 1
    assert out["label"].tolist() == expected.tolist()


@pytest.mark.parametrize("kind", ["binary", "multilabel"])
def test_probability_of_exactly_one_half_predicts_positive(kind):
    X, y = make_data(kind)
    clf = textbook_classifier(4, epochs=5, random_state=0).fit(X, y)
    # Zero output weights give p = 0.5 exactly, on both sides.
    clf.coefs_[-1][:] = 0
    clf.intercepts_[-1][:] = 0
    out = run(to_onnx(clf, X), X)
    np.testing.assert_array_equal(out["label"], clf.predict(X))
    if kind == "binary":
        assert (out["label"] == clf.classes_[1]).all()
    else:
        assert (out["label"] == 1).all()


def test_unfitted_estimator_raises():
    with pytest.raises(NotFittedError):
        to_onnx(textbook_classifier(), np.zeros((1, 2)))


def test_non_float_sample_raises():
    X, y = make_data("binary")
    clf = textbook_classifier(4, epochs=5, random_state=0).fit(X, y)
    with pytest.raises(TypeError, match="float32 or float64; got int64"):
        to_onnx(clf, X.astype(np.int64))


def test_sample_with_wrong_number_of_features_raises():
    X, y = make_data("binary")
    clf = textbook_classifier(4, epochs=5, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        to_onnx(clf, X[:, :3])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_other_estimators_raise():
    X, y = make_data("binary")
    mlp = MLPClassifier(max_iter=5).fit(X, y)
    with pytest.raises(
        TypeError, match="ANNClassifier or ANNRegressor; got MLPClassifier"
    ):
        to_onnx(mlp, X)


def test_unsupported_opset_raises():
    X, y = make_data("binary")
    clf = textbook_classifier(4, epochs=5, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="target_opset must be between 13"):
        to_onnx(clf, X, target_opset=12)


def test_missing_onnx_names_the_extra(monkeypatch):
    X, y = make_data("binary")
    clf = textbook_classifier(4, epochs=5, random_state=0).fit(X, y)
    # A None entry makes ``import onnx`` raise ImportError, as if not installed.
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r"pip install 'skann\[onnx\]'"):
        to_onnx(clf, X)


def test_missing_skl2onnx_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "skl2onnx", None)
    with pytest.raises(ImportError, match=r"'skl2onnx'.*pip install 'skann\[onnx\]'"):
        register_skl2onnx()


@pytest.mark.parametrize("kind", KINDS)
def test_skl2onnx_converts_a_pipeline(kind):
    import skl2onnx

    register_skl2onnx()
    X, y = make_data(kind)
    X = X * 10 + 3  # so that the scaler matters
    pipe = make_pipeline(
        StandardScaler(),
        textbook_classifier((6, 5), lr=0.5, epochs=150, random_state=0),
    ).fit(X, y)
    X = X.astype(np.float32)
    model = skl2onnx.to_onnx(pipe, X[:5], options={"zipmap": False})
    out = run(model, X)

    expected = pipe.predict(X)
    assert len(np.unique(expected)) > 1
    assert out["label"].tolist() == expected.tolist()
    np.testing.assert_allclose(
        out["probabilities"], pipe.predict_proba(X), rtol=0, atol=1e-5
    )


def test_skl2onnx_zipmap_gives_one_mapping_per_row():
    import skl2onnx

    register_skl2onnx()
    X, y = make_data("multiclass-strings")
    pipe = make_pipeline(
        StandardScaler(), textbook_classifier(6, lr=0.5, epochs=150, random_state=0)
    ).fit(X, y)
    # ONNX's ZipMap takes float32 probabilities only.
    X = X.astype(np.float32)
    out = run(skl2onnx.to_onnx(pipe, X[:5]), X)
    np.testing.assert_array_equal(out["output_label"], pipe.predict(X))
    proba = pipe.predict_proba(X)
    assert len(out["output_probability"]) == len(X)
    for row, expected in zip(out["output_probability"], proba):
        assert list(row) == ["ant", "bee", "cow"]
        np.testing.assert_allclose(list(row.values()), expected, atol=1e-6)


def test_skl2onnx_nocl_labels_classes_by_index():
    import skl2onnx

    register_skl2onnx()
    X, y = make_data("multiclass-strings")
    clf = textbook_classifier(6, lr=0.5, epochs=150, random_state=0).fit(X, y)
    options = {"zipmap": False, "nocl": True}
    out = run(skl2onnx.to_onnx(clf, X[:5], options=options), X)
    expected = np.searchsorted(clf.classes_, clf.predict(X))
    np.testing.assert_array_equal(out["label"], expected)
