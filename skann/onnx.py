"""Export a fitted :class:`~skann.ANNClassifier` to ONNX.

The graph is written from the fitted weights with the ``onnx`` package's helper API:
one ``MatMul`` and ``Add`` per layer, the hidden activation between them, and the
output activation (``Sigmoid`` or ``Softmax``) last. It has one input, ``X``, and two
outputs: ``label``, what :meth:`~skann.ANNClassifier.predict` returns, and
``probabilities``, what :meth:`~skann.ANNClassifier.predict_proba` returns.

:func:`register_skl2onnx` teaches ``skl2onnx`` the same graph, so that a pipeline
ending in an ``ANNClassifier`` converts with ``skl2onnx.to_onnx``.

``onnx``, ``onnxruntime`` to run the graphs and ``skl2onnx`` come with the optional
extra ``onnx``: ``pip install 'skann[onnx]'``. They are imported only when needed.
"""

import importlib

import numpy as np

from ._classifier import ANNClassifier

__all__ = ["register_skl2onnx", "to_onnx"]

#: Opset of the graphs :func:`to_onnx` writes unless told otherwise.
DEFAULT_OPSET = 17
#: Oldest opset whose operators mean what the graph needs (``Softmax`` over one axis).
MIN_OPSET = 13

#: ONNX operator of each hidden activation; identity needs none.
_HIDDEN_OPS = {"relu": "Relu", "tanh": "Tanh", "logistic": "Sigmoid", "identity": None}

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

    if estimator.activation not in _HIDDEN_OPS:
        raise ValueError(
            f"No ONNX operator is known for activation={estimator.activation!r}; "
            f"export supports {sorted(_HIDDEN_OPS)}."
        )
    op = _HIDDEN_OPS[estimator.activation]
    *hidden, (W_out, b_out) = zip(estimator.coefs_, estimator.intercepts_)
    A = X
    for layer, (W, b) in enumerate(hidden):
        Z = _affine(graph, A, W, b, dtype, layer)
        A = Z if op is None else graph.node(op, [Z], f"a_{layer}")
    Z = _affine(graph, A, W_out, b_out, dtype, len(hidden))

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
    """Convert a fitted classifier to an ONNX model.

    Parameters
    ----------
    estimator : ANNClassifier
        A fitted classifier: binary, multiclass or multilabel, any number of hidden
        layers, any hidden activation.
    X_sample : array-like of shape (n_samples, n_features)
        A few rows of input. Its dtype, ``float32`` or ``float64``, is the type of
        the graph's input and of all its arithmetic. The estimator predicts on its
        first row once, so a sample that the estimator rejects is rejected here.
    target_opset : int, default=17
        ONNX opset of the graph, 13 or newer.

    Returns
    -------
    model : onnx.ModelProto
        A checked model with input ``X`` of shape ``(N, n_features)`` and two
        outputs. ``label`` holds the class labels from ``classes_`` (strings too),
        shape ``(N,)``, or, for multilabel targets, a 0/1 ``int64`` indicator
        matrix of shape ``(N, n_labels)``. ``probabilities`` has the layout of
        ``predict_proba``: ``(N, 2)`` as ``[1 - p, p]`` for binary targets,
        ``(N, n_classes)`` for multiclass and ``(N, n_labels)`` for multilabel.

    Raises
    ------
    ImportError
        If the ``onnx`` package is missing.
    TypeError
        If ``X_sample`` is not floating point or ``estimator`` is not an
        ``ANNClassifier``.
    ValueError
        If ``target_opset`` is out of range or ``X_sample`` has the wrong number
        of features.
    sklearn.exceptions.NotFittedError
        If ``estimator`` is not fitted.

    See Also
    --------
    register_skl2onnx : Convert pipelines ending in an ANNClassifier with skl2onnx.

    Notes
    -----
    The binary label is ``classes_[1]`` where the probability of the second class
    is at least 0.5, as in ``predict``; the multiclass label is the first class of
    largest probability. A ``float32`` graph of a network fit on ``float64`` data
    agrees with ``predict_proba`` to about ``1e-6``; a ``float64`` graph, to
    rounding. The estimator raises when
    activations overflow on unscaled input; the graph returns ``nan`` instead.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime as ort
    >>> from skann import ANNClassifier
    >>> from skann.onnx import to_onnx
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    >>> y = np.array(["no", "no", "no", "yes"])
    >>> clf = ANNClassifier(random_state=42).fit(X, y)
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

    if not isinstance(estimator, ANNClassifier):
        raise TypeError(
            f"to_onnx converts an ANNClassifier; got {type(estimator).__name__}."
        )
    sample = X_sample[:1]
    # The estimator's own checks: fitted, and the right number of features.
    estimator.predict_proba(sample)
    dtype = np.asarray(sample).dtype
    if dtype not in (np.float32, np.float64):
        raise TypeError(
            "X_sample sets the input type of the ONNX graph and must be float32 or "
            f"float64; got {dtype}. Cast it first, e.g. X.astype(np.float32)."
        )
    if not MIN_OPSET <= target_opset <= onnx.defs.onnx_opset_version():
        raise ValueError(
            f"target_opset must be between {MIN_OPSET} and "
            f"{onnx.defs.onnx_opset_version()}; got {target_opset}."
        )

    elem_type = helper.np_dtype_to_tensor_dtype(dtype)
    classes = _class_constant(estimator.classes_)
    graph = _HelperGraph(reserved=["X", "label", "probabilities"])
    _write_network(graph, estimator, "X", dtype, "label", "probabilities", classes)

    kind = _label_kind(estimator)
    if kind == "multilabel":
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
    onnx_graph = helper.make_graph(
        graph.nodes,
        "ANNClassifier",
        [
            helper.make_tensor_value_info(
                "X", elem_type, [None, estimator.n_features_in_]
            )
        ],
        [
            label_info,
            helper.make_tensor_value_info(
                "probabilities", elem_type, [None, n_columns]
            ),
        ],
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
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
    )

    estimator = operator.raw_operator
    input_type = operator.inputs[0].type
    if not isinstance(input_type, (FloatTensorType, DoubleTensorType)):
        raise TypeError(
            "ANNClassifier's ONNX graph takes a float or double tensor; got "
            f"{type(input_type).__name__}."
        )
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
    from skl2onnx.common.data_types import FloatTensorType

    estimator = operator.raw_operator
    if container.target_opset < MIN_OPSET:
        raise RuntimeError(
            f"ANNClassifier's ONNX graph needs opset {MIN_OPSET} or newer; got "
            f"target_opset={container.target_opset}."
        )
    is_float = isinstance(operator.inputs[0].type, FloatTensorType)
    _write_network(
        _Skl2OnnxGraph(scope, container),
        estimator,
        operator.inputs[0].full_name,
        np.float32 if is_float else np.float64,
        operator.outputs[0].full_name,
        operator.outputs[1].full_name,
        _skl2onnx_classes(scope, estimator),
    )


def register_skl2onnx():
    """Register ANNClassifier's converter with ``skl2onnx``.

    Call it once, before ``skl2onnx.to_onnx``, to convert an ``ANNClassifier`` or
    a pipeline that ends in one. The converter writes the graph of
    :func:`to_onnx`, and accepts skl2onnx's options for classifiers: by default
    skl2onnx turns the probabilities into a list of ``{label: probability}``
    maps, ``options={"zipmap": False}`` keeps the ``(N, n_classes)`` tensor, and
    ``"nocl": True`` labels classes by their index. Calling it again does
    nothing new.

    Raises
    ------
    ImportError
        If ``skl2onnx`` is missing.

    See Also
    --------
    to_onnx : Convert an ANNClassifier alone, without skl2onnx.

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
