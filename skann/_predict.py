"""Prediction: the forward pass of a fitted model on new rows, and what each
estimator's ``predict`` methods make of its outputs.

Every function here reads the estimator's fitted state once, through
:func:`~skann._fitted.fitted_model`: a snapshot that a fit in another thread
replaces, never changes, so a prediction answers with the model before that fit
or the one after it. The rows go through the network where the fitted arrays
live (their namespace and device), a chunk at a time.
"""

import numpy as np
from sklearn import get_config

from ._arrays import Home, check_same_home
from ._core.namespaces import all_finite, take_rows
from ._core.network import CHUNK_BYTES
from ._fitted import fitted_model
from ._validation import prediction_data


def values(estimator, X):
    """``ANNRegressor.predict``: the outputs, 1-D for a model of one output."""
    model = fitted_model(estimator)
    y_pred = outputs(model, X, "predict")
    if model.estimator.n_outputs_ != 1:
        return y_pred
    xp = model.home.xp
    return y_pred.ravel() if xp is np else xp.reshape(y_pred, (-1,))


def probabilities(estimator, X, method="predict_proba"):
    """``ANNClassifier.predict_proba``, called by ``method``."""
    return _probabilities(fitted_model(estimator), X, method)


def log_probabilities(estimator, X):
    """``ANNClassifier.predict_log_proba``; ``-inf`` where a probability is 0."""
    model = fitted_model(estimator)
    proba = _probabilities(model, X, "predict_log_proba")
    if model.home.xp is not np:
        return model.home.xp.log(proba)
    with np.errstate(divide="ignore"):
        return np.log(proba, out=proba)


def labels(estimator, X):
    """``ANNClassifier.predict``: labels of ``classes_``, or a 0/1 indicator
    matrix for multilabel targets."""
    model = fitted_model(estimator)
    P, fitted = outputs(model, X, "predict"), model.estimator
    if model.home.xp is not np or not isinstance(fitted.classes_, np.ndarray):
        return _labels_in(model.home, P, fitted)
    if fitted._label_type == "multilabel":
        return (P >= 0.5).astype(int)
    if fitted._label_type == "binary":
        # Threshold at 0.5 like the textbook: p == 0.5 predicts the second class.
        return fitted.classes_[(P[:, 0] >= 0.5).astype(int)]
    return fitted.classes_[np.argmax(P, axis=1)]


def outputs(model, X, method, n_columns=None):
    """Validate ``X`` and return the outputs of the :class:`FittedModel`
    ``model``'s network for its rows.

    ``method`` names the caller in the error for ``X`` from another namespace
    or device. With ``n_columns`` the output units fill the last columns of a
    wider array (NumPy only). The rows go through a chunk at a time, so memory
    stays bounded however many there are; a sparse ``X`` stays sparse.
    """
    home, network, config = model.home, model.network, get_config()
    owner = type(model.estimator).__name__
    check_same_home(X, home, owner, method, config["array_api_dispatch"])
    X = prediction_data(model.estimator, X, home)
    chunk = network.rows_per_chunk(min(CHUNK_BYTES, config["working_memory"] * 2**20))
    if home.xp is np:
        units, out = _numpy_outputs(model, X, chunk, n_columns)
        finite = np.isfinite(units).all()
    else:
        units = out = _outputs_in(network, home.xp, X, chunk)
        finite = all_finite(units, home.xp)
    if not finite:
        raise ValueError(
            "The network's activations overflowed for some rows of X: their "
            "values are too large. Scale the features (for example with "
            "StandardScaler) to the range seen in training."
        )
    return out


def _numpy_outputs(model, X, chunk, n_columns):
    """The output units and the array holding them, written in place."""
    network = model.network
    dtype = network.dtype
    n_outputs = model.estimator.n_outputs_
    n_columns = n_outputs if n_columns is None else n_columns
    one_chunk = X.shape[0] <= chunk
    with np.errstate(over="ignore", invalid="ignore"):
        if one_chunk and n_columns == n_outputs:
            units = network.forward(X.astype(dtype, copy=False))
            return units, units
        out = np.empty((X.shape[0], n_columns), dtype=dtype)
        units = out[:, n_columns - n_outputs :]
        for start in range(0, X.shape[0], chunk):
            rows = slice(start, start + chunk)
            # Slicing copies a sparse X: one chunk goes as it is.
            X_rows = (X if one_chunk else X[rows]).astype(dtype, copy=False)
            units[rows] = network.forward(X_rows)
    return units, out


def _outputs_in(network, xp, X, chunk):
    """The output units for the rows of ``X``, of namespace ``xp``."""
    n = X.shape[0]
    X = xp.astype(X, network.dtype, copy=False)
    if n <= chunk:
        return network.forward(X)
    parts = [
        network.forward(X[start : min(start + chunk, n), ...])
        for start in range(0, n, chunk)
    ]
    return xp.concat(parts, axis=0)


def _probabilities(model, X, method):
    """``predict_proba`` of the fitted ``model``, called by ``method``."""
    if model.estimator._label_type != "binary":
        return outputs(model, X, method)
    xp = model.home.xp
    if xp is not np:
        P = outputs(model, X, method)
        return xp.concat([1 - P, P], axis=1)
    # One output unit gives p; the columns are [1 - p, p], filled in place.
    proba = outputs(model, X, method, n_columns=2)
    np.subtract(1, proba[:, 1], out=proba[:, 0])
    return proba


def _labels_in(home, P, fitted):
    """The labels of outputs ``P`` of ``home``, as ``predict`` returns them there.

    As scikit-learn's linear classifiers: labels taken from ``classes_`` where it
    lives, then moved to ``home``, unless they are strings, which only NumPy holds.
    """
    xp = home.xp
    if fitted._label_type == "multilabel":
        return _as_int64(P >= 0.5, xp)
    if fitted._label_type == "binary":
        indices = _as_int64(P[:, 0] >= 0.5, xp)
    else:
        indices = xp.argmax(P, axis=1)
    classes = fitted.classes_
    where = Home.of(classes)
    found = take_rows(classes, where.put(indices), where.xp)
    if where.xp is np and found.dtype.kind not in "biuf":
        return found
    return home.put(found)


def _as_int64(a, xp):
    """The booleans ``a`` of namespace ``xp`` as 0 and 1 in int64."""
    # NumPy before 2.0 has no astype function.
    return a.astype(np.int64) if xp is np else xp.astype(a, xp.int64)
