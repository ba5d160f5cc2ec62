"""Export a fitted ANNClassifier or ANNRegressor to ONNX.

The graph is written from the fitted weights with the ``onnx`` package's helper API:
one ``MatMul`` and ``Add`` per layer, the hidden activation between them, and the
output activation (``Sigmoid`` or ``Softmax``; for a regressor ``Exp`` with
``loss='poisson'``, none otherwise) last. It has one
input, ``X``. A classifier's graph has two outputs: ``label``, what
:meth:`~skann.ANNClassifier.predict` returns, and ``probabilities``, what
:meth:`~skann.ANNClassifier.predict_proba` returns; a regressor's has one,
``predictions``, what :meth:`~skann.ANNRegressor.predict` returns.

:func:`register_skl2onnx` teaches ``skl2onnx`` the same graphs, so that a pipeline
ending in either estimator converts with ``skl2onnx.to_onnx``.

The graph's input is a dense tensor: a model fitted on sparse ``X`` exports like any
other, from a dense sample, and takes dense rows.

``onnx``, ``onnxruntime`` to run the graphs and ``skl2onnx`` come with the optional
extra ``onnx``: ``pip install 'skann[onnx]'``. They are imported only when needed.
"""

import importlib
import warnings

import numpy as np
import scipy.sparse as sp

from ._arrays import host
from ._classifier import ANNClassifier
from ._core.activations import ACTIVATIONS, activation_of
from ._fitted import on_host
from ._regressor import ANNRegressor

__all__ = ["register_skl2onnx", "to_onnx"]

#: Opset of the graphs :func:`to_onnx` writes unless told otherwise.
DEFAULT_OPSET = 17
#: Oldest opset whose operators mean what the graph needs (``Softmax`` over one axis).
MIN_OPSET = 13

#: ONNX operator of each output activation of a regressor; identity needs none.
_REGRESSION_OPS = {"identity": None, "exp": "Exp"}

_MISSING_EXTRA = "pip install 'skann[onnx]'"


def _import(module):
    """Import and return ``module``, naming the extra that provides it if missing."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ImportError(
            f"ONNX export needs the {module!r} package, which is not installed. "
            f"Install the onnx extra: {_MISSING_EXTRA}"
        ) from err


def _label_kind(estimator):
    """Return 'binary', 'multiclass' or 'multilabel' from public fitted attributes."""
    if estimator.out_activation_ == "softmax":
        return "multiclass"
    return "binary" if estimator.n_outputs_ == 1 else "multilabel"


def _class_constant(classes):
    """``classes_`` as an array ONNX can hold: numbers, booleans or strings."""
    if classes.dtype.kind in "biuf":
        return classes
    # scikit-learn accepts object labels only when they are all strings.
    return classes.astype(str)


def _write_network(graph, estimator, X, dtype, label, probabilities, classes):
    """Add the nodes that compute ``label`` and ``probabilities`` from ``X``.

    Parameters
    ----------
    graph : _HelperGraph or _Skl2OnnxGraph
        Where nodes and constants go.
    estimator : ANNClassifier
        A fitted classifier.
    X : str
        Name of the input, of shape ``(n_samples, n_features)``.
    dtype : {numpy.float32, numpy.float64}
        Type the graph computes in; the weights are cast to it.
    label, probabilities : str
        Names to give the two outputs.
    classes : ndarray
        Class labels to gather ``label`` from.
    """
    import onnx

    Z = _write_layers(graph, estimator, X, dtype)
    kind = _label_kind(estimator)
    if kind == "multiclass":
        graph.node("Softmax", [Z], "proba", output=probabilities, axis=1)
        index = graph.node("ArgMax", [probabilities], "class_index", axis=1, keepdims=0)
        classes = graph.constant("classes", classes)
        graph.node("Gather", [classes, index], "label", output=label, axis=0)
        return

    if kind == "multilabel":
        P = graph.node("Sigmoid", [Z], "proba", output=probabilities)
    else:
        P = graph.node("Sigmoid", [Z], "p")
    # Thresholding the probability, not the logit, rounds exactly as predict does.
    half = graph.constant("half", np.array(0.5, dtype=dtype))
    positive = graph.node("GreaterOrEqual", [P, half], "positive")
    if kind == "multilabel":
        graph.node("Cast", [positive], "label", output=label, to=onnx.TensorProto.INT64)
        return

    one = graph.constant("one", np.array(1, dtype=dtype))
    negative = graph.node("Sub", [one, P], "p_negative")
    graph.node("Concat", [negative, P], "proba", output=probabilities, axis=1)
    indicator = graph.node("Cast", [positive], "indicator", to=onnx.TensorProto.INT64)
    flat = graph.constant("flat_shape", np.array([-1], dtype=np.int64))
    index = graph.node("Reshape", [indicator, flat], "class_index")
    classes = graph.constant("classes", classes)
    graph.node("Gather", [classes, index], "label", output=label, axis=0)


def _write_layers(graph, estimator, X, dtype):
    """Add every layer up to the output's ``Z``, before its activation; return it."""
    op = activation_of(estimator.activation).onnx_op
    if op is None:
        raise ValueError(
            f"No ONNX operator is known for activation={estimator.activation!r}: "
            "an activation of your own exports if its onnx_op names the ONNX "
            "operator that computes it."
        )
    *hidden, (W_out, b_out) = zip(estimator.coefs_, estimator.intercepts_)
    A = X
    for layer, (W, b) in enumerate(hidden):
        Z = _affine(graph, A, W, b, dtype, layer)
        if op == "Gelu":
            A = _write_gelu(graph, Z, dtype, layer)
        else:
            A = Z if op == "Identity" else graph.node(op, [Z], f"a_{layer}")
    return _affine(graph, A, W_out, b_out, dtype, len(hidden))


def _write_gelu(graph, Z, dtype, layer):
    """GELU's tanh form, as skann computes it: ``Z / 2 * (1 + tanh(c * (Z + k *
    Z**3)))``, in Mul, Add and Tanh (ONNX's own Gelu came with opset 20)."""
    gelu = ACTIVATIONS["gelu"]

    def constant(hint, value):
        return graph.constant(f"{hint}_{layer}", np.array(value, dtype=dtype))

    Z2 = graph.node("Mul", [Z, Z], f"z2_{layer}")
    cubic = graph.node(
        "Mul",
        [graph.node("Mul", [Z2, Z], f"z3_{layer}"), constant("gelu_k", gelu.k)],
        f"kz3_{layer}",
    )
    inner = graph.node(
        "Mul",
        [graph.node("Add", [Z, cubic], f"u0_{layer}"), constant("gelu_c", gelu.c)],
        f"u_{layer}",
    )
    T = graph.node("Tanh", [inner], f"t_{layer}")
    one_plus = graph.node("Add", [T, constant("one", 1.0)], f"t1_{layer}")
    half_z = graph.node("Mul", [Z, constant("half", 0.5)], f"hz_{layer}")
    return graph.node("Mul", [half_z, one_plus], f"a_{layer}")


def _write_regression(graph, estimator, X, dtype, predictions, flatten):
    """Add the nodes that compute ``predictions`` from ``X``: the output activation
    of ``_REGRESSION_OPS`` on the last layer.

    With ``flatten``, a single output comes out with shape ``(N,)``, as ``predict``
    returns it.
    """
    if estimator.out_activation_ not in _REGRESSION_OPS:
        raise ValueError(
            "No ONNX operator is known for the output activation "
            f"{estimator.out_activation_!r}; export supports "
            f"{sorted(_REGRESSION_OPS)}."
        )
    op = _REGRESSION_OPS[estimator.out_activation_]
    Z = _write_layers(graph, estimator, X, dtype)
    if op is not None:
        Z = graph.node(op, [Z], "mean")
    if flatten and estimator.n_outputs_ == 1:
        flat = graph.constant("flat_shape", np.array([-1], dtype=np.int64))
        graph.node("Reshape", [Z, flat], "predictions", output=predictions)
    else:
        graph.node("Identity", [Z], "predictions", output=predictions)


def _affine(graph, A, W, b, dtype, layer):
    """Add ``Z = A @ W + b`` for one layer; return the name of ``Z``."""
    W = graph.constant(f"coef_{layer}", W.astype(dtype))
    b = graph.constant(f"intercept_{layer}", b.astype(dtype))
    return graph.node(
        "Add", [graph.node("MatMul", [A, W], f"matmul_{layer}"), b], f"z_{layer}"
    )


class _HelperGraph:
    """Nodes and constants of a standalone graph, built with ``onnx.helper``."""

    def __init__(self, reserved):
        self.nodes = []
        self.initializers = []
        self._names = set(reserved)

    def _unique(self, hint):
        name, i = hint, 0
        while name in self._names:
            i += 1
            name = f"{hint}_{i}"
        self._names.add(name)
        return name

    def constant(self, hint, array):
        from onnx import numpy_helper

        name = self._unique(hint)
        self.initializers.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def node(self, op_type, inputs, hint, output=None, **attributes):
        from onnx import helper

        output = output or self._unique(hint)
        self.nodes.append(
            helper.make_node(
                op_type, inputs, [output], name=self._unique(op_type), **attributes
            )
        )
        return output


def to_onnx(estimator, X_sample, *, target_opset=DEFAULT_OPSET):
    """Convert a fitted classifier or regressor to an ONNX model.

    Parameters
    ----------
    estimator : ANNClassifier or ANNRegressor
        A fitted estimator: for a classifier, binary, multiclass or multilabel; for
        a regressor, one output or several, of any loss ('poisson' exports its
        ``exp`` output as ``Exp``); any number of hidden layers, any hidden
        activation.
    X_sample : array-like of shape (n_samples, n_features)
        A few rows of input, dense. Its dtype, ``float32`` or ``float64``, is the
        type of the graph's input and of all its arithmetic. The estimator predicts
        on its first row once, so a sample that the estimator rejects is rejected
        here. An array will do for a model fitted on a DataFrame: the graph takes
        the columns by position.
    target_opset : int, default=17
        ONNX opset of the graph, 13 or newer.

    Returns
    -------
    model : onnx.ModelProto
        A checked model with input ``X`` of shape ``(N, n_features)``. A
        classifier's has two outputs. ``label`` holds the class labels from
        ``classes_`` (strings too), shape ``(N,)``, or, for multilabel targets, a
        0/1 ``int64`` indicator matrix of shape ``(N, n_labels)``.
        ``probabilities`` has the layout of ``predict_proba``: ``(N, 2)`` as ``[1 -
        p, p]`` for binary targets, ``(N, n_classes)`` for multiclass and ``(N,
        n_labels)`` for multilabel. A regressor's has one, ``predictions``, of
        shape ``(N,)`` for one output and ``(N, n_outputs)`` for several, as
        ``predict`` returns them.

    Raises
    ------
    ImportError
        If the ``onnx`` package is missing.
    TypeError
        If ``X_sample`` is sparse or not floating point, or ``estimator`` is
        neither an ``ANNClassifier`` nor an ``ANNRegressor``.
    ValueError
        If ``target_opset`` is out of range or ``X_sample`` has the wrong number
        of features.
    sklearn.exceptions.NotFittedError
        If ``estimator`` is not fitted.

    See Also
    --------
    register_skl2onnx : Convert pipelines ending in an ANNClassifier or
        ANNRegressor with skl2onnx.

    Notes
    -----
    The binary label is ``classes_[1]`` where the probability of the second class
    is at least 0.5, as in ``predict``; the multiclass label is the first class of
    largest probability. A ``float32`` graph of a network fit on ``float64`` data
    agrees with the estimator to about ``1e-6`` (relative, for a regressor); a
    ``float64`` graph, to rounding. The estimator raises when activations
    overflow on unscaled input; the graph returns ``nan`` instead.

    The graph's input is a dense tensor, so ``X_sample`` must be dense; a model
    fitted on sparse data exports all the same, from dense rows.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime as ort
    >>> from skann import TEXTBOOK, ANNClassifier
    >>> from skann.onnx import to_onnx
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    >>> y = np.array(["no", "no", "no", "yes"])
    >>> clf = ANNClassifier(**TEXTBOOK, random_state=42).fit(X, y)
    >>> model = to_onnx(clf, X)
    >>> session = ort.InferenceSession(
    ...     model.SerializeToString(), providers=["CPUExecutionProvider"]
    ... )
    >>> label, proba = session.run(["label", "probabilities"], {"X": X})
    >>> label
    array(['no', 'no', 'no', 'yes'], dtype=object)
    >>> bool(np.allclose(proba, clf.predict_proba(X), atol=1e-6))
    True
    """
    onnx = _import("onnx")
    from onnx import helper

    from . import __version__

    if isinstance(estimator, (ANNClassifier, ANNRegressor)):
        # The graph's constants are NumPy arrays, wherever the model was fitted.
        estimator, X_sample = on_host(estimator), host(X_sample)
    dtype = _sample_dtype(estimator, X_sample)
    if not MIN_OPSET <= target_opset <= onnx.defs.onnx_opset_version():
        raise ValueError(
            f"target_opset must be between {MIN_OPSET} and "
            f"{onnx.defs.onnx_opset_version()}; got {target_opset}."
        )

    elem_type = helper.np_dtype_to_tensor_dtype(dtype)
    if isinstance(estimator, ANNRegressor):
        graph = _HelperGraph(reserved=["X", "predictions"])
        _write_regression(graph, estimator, "X", dtype, "predictions", flatten=True)
        shape = [None] if estimator.n_outputs_ == 1 else [None, estimator.n_outputs_]
        outputs = [helper.make_tensor_value_info("predictions", elem_type, shape)]
    else:
        graph = _HelperGraph(reserved=["X", "label", "probabilities"])
        outputs = _write_classifier_outputs(graph, estimator, dtype, elem_type)
    onnx_graph = helper.make_graph(
        graph.nodes,
        type(estimator).__name__,
        [
            helper.make_tensor_value_info(
                "X", elem_type, [None, estimator.n_features_in_]
            )
        ],
        outputs,
        initializer=graph.initializers,
    )
    opsets = [helper.make_opsetid("", target_opset)]
    model = helper.make_model(
        onnx_graph,
        opset_imports=opsets,
        producer_name="skann",
        producer_version=__version__,
        # The oldest IR version the opset allows lets older runtimes load the model.
        ir_version=helper.find_min_ir_version_for(opsets),
    )
    onnx.checker.check_model(model, full_check=True)
    return model


def _sample_dtype(estimator, X_sample):
    """The float dtype of ``X_sample``, once the estimator has checked a row of it."""
    if not isinstance(estimator, (ANNClassifier, ANNRegressor)):
        raise TypeError(
            "to_onnx converts an ANNClassifier or ANNRegressor; got "
            f"{type(estimator).__name__}."
        )
    if sp.issparse(X_sample):
        raise TypeError(
            "X_sample must be dense: the ONNX graph takes a dense tensor, whatever "
            "the model was fitted on. Pass a few rows as an array, e.g. "
            "X_sample[:5].toarray()."
        )
    sample = X_sample[:1]
    # The estimator's own checks: fitted, and the right number of features. The
    # graph takes columns by position, so whether the sample names its columns as
    # the fitted data did is no matter; names that differ are still refused.
    regressor = isinstance(estimator, ANNRegressor)
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", "X (does not have valid|has) feature names", UserWarning
        )
        (estimator.predict if regressor else estimator.predict_proba)(sample)
    dtype = np.asarray(sample).dtype
    if dtype not in (np.float32, np.float64):
        raise TypeError(
            "X_sample sets the input type of the ONNX graph and must be float32 or "
            f"float64; got {dtype}. Cast it first, e.g. X.astype(np.float32)."
        )
    return dtype


def _write_classifier_outputs(graph, estimator, dtype, elem_type):
    """Write a classifier's network into ``graph``; return its two output infos."""
    import onnx
    from onnx import helper

    classes = _class_constant(estimator.classes_)
    _write_network(graph, estimator, "X", dtype, "label", "probabilities", classes)
    if _label_kind(estimator) == "multilabel":
        label_info = helper.make_tensor_value_info(
            "label", onnx.TensorProto.INT64, [None, estimator.n_outputs_]
        )
    else:
        label_type = (
            onnx.TensorProto.STRING
            if classes.dtype.kind == "U"
            else helper.np_dtype_to_tensor_dtype(classes.dtype)
        )
        label_info = helper.make_tensor_value_info("label", label_type, [None])
    n_columns = len(estimator.classes_)
    return [
        label_info,
        helper.make_tensor_value_info("probabilities", elem_type, [None, n_columns]),
    ]


class _Skl2OnnxGraph:
    """Nodes and constants added to a graph that skl2onnx is building."""

    def __init__(self, scope, container):
        self.scope = scope
        self.container = container

    def constant(self, hint, array):
        from onnx import TensorProto, helper

        array = np.asarray(array)
        name = self.scope.get_unique_variable_name(hint)
        if array.dtype.kind == "U":
            tensor_type = TensorProto.STRING
            values = [s.encode("utf-8") for s in array.ravel().tolist()]
        else:
            tensor_type = helper.np_dtype_to_tensor_dtype(array.dtype)
            values = array.ravel().tolist()
        self.container.add_initializer(name, tensor_type, list(array.shape), values)
        return name

    def node(self, op_type, inputs, hint, output=None, **attributes):
        output = output or self.scope.get_unique_variable_name(hint)
        self.container.add_node(
            op_type,
            inputs,
            [output],
            name=self.scope.get_unique_operator_name(op_type),
            **attributes,
        )
        return output


def _skl2onnx_classes(scope, estimator):
    """``classes_`` as skl2onnx labels them: ``int64`` or strings.

    skl2onnx's ``nocl`` option asks for the class indices instead.
    """
    if scope.get_options(estimator, dict(nocl=False))["nocl"]:
        return np.arange(len(estimator.classes_), dtype=np.int64)
    classes = _class_constant(estimator.classes_)
    if classes.dtype.kind in "biu":
        return classes.astype(np.int64)
    if classes.dtype.kind == "f":
        if not np.array_equal(classes, np.round(classes)):
            raise TypeError(
                "skl2onnx labels classes with integers or strings; got float "
                f"classes_ {estimator.classes_!r}."
            )
        return classes.astype(np.int64)
    return classes


def _skl2onnx_shapes(operator):
    """skl2onnx shape calculator: the types and shapes of the two outputs."""
    from skl2onnx.common.data_types import (
        Int64TensorType,
        StringTensorType,
    )

    estimator = on_host(operator.raw_operator)
    input_type = _skl2onnx_input_type(operator)
    N = operator.inputs[0].get_first_dimension()
    if _label_kind(estimator) == "multilabel":
        label_type = Int64TensorType([N, estimator.n_outputs_])
    elif _skl2onnx_classes(operator.scope_inst, estimator).dtype.kind == "U":
        label_type = StringTensorType([N])
    else:
        label_type = Int64TensorType([N])
    operator.outputs[0].type = label_type
    operator.outputs[1].type = type(input_type)([N, len(estimator.classes_)])


def _skl2onnx_convert(scope, operator, container):
    """skl2onnx converter: write the network into the graph being built."""

    estimator = on_host(operator.raw_operator)
    _write_network(
        _Skl2OnnxGraph(scope, container),
        estimator,
        operator.inputs[0].full_name,
        _skl2onnx_dtype(operator, container),
        operator.outputs[0].full_name,
        operator.outputs[1].full_name,
        _skl2onnx_classes(scope, estimator),
    )


def _skl2onnx_input_type(operator):
    """The input's tensor type; raise unless it is float or double."""
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    input_type = operator.inputs[0].type
    if not isinstance(input_type, (FloatTensorType, DoubleTensorType)):
        name = type(operator.raw_operator).__name__
        raise TypeError(
            f"{name}'s ONNX graph takes a float or double tensor; got "
            f"{type(input_type).__name__}."
        )
    return input_type


def _skl2onnx_dtype(operator, container):
    """The graph's float dtype, from the input's type, once the opset is checked."""
    from skl2onnx.common.data_types import FloatTensorType

    if container.target_opset < MIN_OPSET:
        name = type(operator.raw_operator).__name__
        raise RuntimeError(
            f"{name}'s ONNX graph needs opset {MIN_OPSET} or newer; got "
            f"target_opset={container.target_opset}."
        )
    is_float = isinstance(operator.inputs[0].type, FloatTensorType)
    return np.float32 if is_float else np.float64


def _skl2onnx_regressor_shapes(operator):
    """skl2onnx shape calculator of a regressor: ``(N, n_outputs)``, X's type."""

    input_type = _skl2onnx_input_type(operator)
    N = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = type(input_type)([N, operator.raw_operator.n_outputs_])


def _skl2onnx_regressor_convert(scope, operator, container):
    """skl2onnx converter of a regressor: the network, its output kept 2-D."""

    # skl2onnx's regressors all give (N, n_outputs), which later steps expect.
    _write_regression(
        _Skl2OnnxGraph(scope, container),
        on_host(operator.raw_operator),
        operator.inputs[0].full_name,
        _skl2onnx_dtype(operator, container),
        operator.outputs[0].full_name,
        flatten=False,
    )


def register_skl2onnx():
    """Register the converters of ANNClassifier and ANNRegressor with ``skl2onnx``.

    Call it once, before ``skl2onnx.to_onnx``, to convert an ``ANNClassifier``, an
    ``ANNRegressor`` or a pipeline that ends in one. The converters write the
    graphs of :func:`to_onnx`. The classifier's accepts skl2onnx's options for
    classifiers: by default skl2onnx turns the probabilities into a list of
    ``{label: probability}`` maps, ``options={"zipmap": False}`` keeps the ``(N,
    n_classes)`` tensor, and ``"nocl": True`` labels classes by their index. The
    regressor's single output, ``variable``, has shape ``(N, n_outputs)`` as
    skl2onnx's own regressors give it, also for one output. Calling it again does
    nothing new.

    Raises
    ------
    ImportError
        If ``skl2onnx`` is missing.

    See Also
    --------
    to_onnx : Convert an ANNClassifier or ANNRegressor alone, without skl2onnx.

    Notes
    -----
    skl2onnx labels classes with ``int64`` numbers or strings, so integer and
    boolean labels come out as ``int64`` and float labels must be whole numbers.
    ONNX's ``ZipMap`` takes ``float32`` probabilities only: convert with a
    ``float32`` sample, or pass ``zipmap=False`` for a ``float64`` graph.

    Examples
    --------
    >>> import numpy as np
    >>> import skl2onnx
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skann import ANNClassifier
    >>> from skann.onnx import register_skl2onnx
    >>> register_skl2onnx()
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    >>> y = np.array([0, 1, 1, 0])
    >>> clf = ANNClassifier(8, lr=1.0, epochs=500, random_state=0)
    >>> pipe = make_pipeline(StandardScaler(), clf)
    >>> model = skl2onnx.to_onnx(pipe.fit(X, y), X, options={"zipmap": False})
    >>> [output.name for output in model.graph.output]
    ['label', 'probabilities']
    """
    skl2onnx = _import("skl2onnx")
    skl2onnx.update_registered_converter(
        ANNClassifier,
        "SkannANNClassifier",
        _skl2onnx_shapes,
        _skl2onnx_convert,
        options={"zipmap": [True, False, "columns"], "nocl": [False, True]},
    )
    skl2onnx.update_registered_converter(
        ANNRegressor,
        "SkannANNRegressor",
        _skl2onnx_regressor_shapes,
        _skl2onnx_regressor_convert,
    )
