"""ANNClassifier: the scikit-learn face of the NumPy core in ``skann._core``."""

import contextlib
from numbers import Integral, Real

import numpy as np
from sklearn import get_config
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils import gen_batches
from sklearn.utils._param_validation import Interval, InvalidParameterError, StrOptions
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    check_random_state,
    column_or_1d,
    validate_data,
)

from ._core.activations import ACTIVATIONS
from ._core.network import Network
from ._core.optimizers import GradientDescent
from ._core.training import train


@contextlib.contextmanager
def _unchanged_on_error(estimator):
    """Put back every attribute of ``estimator`` if the block raises."""
    saved = dict(estimator.__dict__)
    try:
        yield
    except BaseException:
        estimator.__dict__.clear()
        estimator.__dict__.update(saved)
        raise


def _hidden_sizes(hidden_size):
    """Return ``hidden_size`` as a tuple, raising for a tuple with a bad entry."""
    if isinstance(hidden_size, Integral):
        return (int(hidden_size),)
    sizes = tuple(hidden_size)
    if not sizes or not all(
        isinstance(s, Integral) and not isinstance(s, bool) and s >= 1 for s in sizes
    ):
        raise InvalidParameterError(
            "The 'hidden_size' parameter of ANNClassifier must be an int in the range "
            "[1, inf) or a non-empty tuple of such ints. "
            f"Got {hidden_size!r} instead."
        )
    return tuple(int(s) for s in sizes)


class ANNClassifier(ClassifierMixin, BaseEstimator):
    """Neural-network classifier: the textbook "ANN from scratch", scikit-learn style.

    A fully connected network trained by gradient descent on the cross-entropy. With
    its defaults it is the textbook network: one hidden layer of 4 ReLU units, a
    sigmoid output, binary cross-entropy, weights drawn as ``randn * 0.1``, zero
    biases and 10000 epochs of full-batch gradient descent at ``lr=0.1``.

    Binary targets get one logistic output unit; multiclass targets get one softmax
    unit per class with the categorical cross-entropy; multilabel indicator targets
    get one logistic unit per label.

    Parameters
    ----------
    hidden_size : int or tuple of int, default=4
        Units of the hidden layer, or of each hidden layer in turn.
    activation : {'relu', 'tanh', 'logistic', 'identity'}, default='relu'
        Activation of the hidden layers.
    lr : float, default=0.1
        Learning rate of gradient descent.
    epochs : int, default=10000
        Number of passes over the training data.
    init_scale : float, default=0.1
        Standard deviation of the initial weights, ``W = randn(n_out, n_in) *
        init_scale``.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights. ``random_state=42`` reproduces the textbook's
        ``np.random.seed(42)``. Pass an int for reproducible results.
    verbose : int, default=0
        If positive, print ``Epoch i: Cost = ...`` ten times during training.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels; ``arange(n_labels)`` for multilabel targets.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.
    coefs_ : list of ndarray
        ``coefs_[i]`` of shape ``(n_in, n_out)`` holds the weights of layer ``i``.
    intercepts_ : list of ndarray
        ``intercepts_[i]`` of shape ``(n_out,)`` holds the biases of layer ``i``.
    loss_ : float
        Loss of the last epoch.
    loss_curve_ : list of float
        ``loss_curve_[i]`` is the loss of epoch ``i``, computed before its update.
    best_loss_ : float
        Smallest loss in ``loss_curve_``.
    n_iter_ : int
        Epochs run.
    t_ : int
        Training samples seen during fit, over all epochs.
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of output units.
    out_activation_ : {'logistic', 'softmax'}
        Output activation.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : scikit-learn's multi-layer perceptron.

    Notes
    -----
    For a layer with input ``A_prev`` the forward pass is ``Z = A_prev @ W + b``,
    ``A = f(Z)``. With probabilities ``P``, one-hot or binary targets ``Y`` and
    sample weights ``w``, the loss is the weighted mean cross-entropy and its
    gradient with respect to the output logits is ``dZ = (P - Y) * w / sum(w)``.
    Each layer then gives ``dW = A_prev.T @ dZ``, ``db = sum(dZ)`` and passes back
    ``dZ_prev = (dZ @ W.T) * f'(Z_prev)``; gradient descent sets ``W -= lr * dW``.

    Examples
    --------
    >>> import numpy as np
    >>> from skann import ANNClassifier
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    >>> y = np.array([0, 0, 0, 1])
    >>> clf = ANNClassifier(hidden_size=4, lr=0.1, epochs=10000, random_state=42)
    >>> clf.fit(X, y).predict(X)
    array([0, 0, 0, 1])
    """

    _parameter_constraints = {
        "hidden_size": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "init_scale": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        hidden_size=4,
        *,
        activation="relu",
        lr=0.1,
        epochs=10000,
        init_scale=0.1,
        random_state=None,
        verbose=0,
    ):
        self.hidden_size = hidden_size
        self.activation = activation
        self.lr = lr
        self.epochs = epochs
        self.init_scale = init_scale
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network on ``X`` and ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a binary indicator matrix for multilabel targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; the loss is their weighted mean.

        Returns
        -------
        self : ANNClassifier
            The fitted estimator.
        """
        with _unchanged_on_error(self):
            hidden = _hidden_sizes(self.hidden_size)
            X, y = validate_data(
                self, X, y, multi_output=True, dtype=[np.float64, np.float32]
            )
            Y = self._encode_targets(y, X.dtype)
            if sample_weight is not None:
                sample_weight = _check_sample_weight(
                    sample_weight, X, dtype=X.dtype, ensure_non_negative=True
                )
                self._check_weighted_classes(Y, sample_weight)
            network = Network.initialize(
                (X.shape[1], *hidden, Y.shape[1]),
                self.activation,
                self.out_activation_,
                self.init_scale,
                check_random_state(self.random_state),
                dtype=X.dtype,
            )
            result = train(
                network,
                X,
                Y,
                sample_weight,
                GradientDescent(self.lr),
                self.epochs,
                on_epoch=self._progress_printer(),
            )
            self.coefs_ = network.coefs
            self.intercepts_ = network.intercepts
            self.loss_curve_ = result.loss_curve
            self.loss_ = result.loss_curve[-1]
            self.best_loss_ = min(result.loss_curve)
            self.n_iter_ = result.n_iter
            self.t_ = result.t
            self.n_layers_ = len(hidden) + 2
        return self

    def _encode_targets(self, y, dtype):
        """Set ``classes_``, ``n_outputs_`` and ``out_activation_``; return ``Y``."""
        check_classification_targets(y)
        target_type = type_of_target(y)
        if target_type == "multilabel-indicator":
            Y = np.asarray(y, dtype=dtype)
            self.classes_ = np.arange(Y.shape[1])
            self._label_type = "multilabel"
        elif target_type in ("binary", "multiclass"):
            y = column_or_1d(y, warn=True)
            self.classes_, y_index = np.unique(y, return_inverse=True)
            n_classes = len(self.classes_)
            if n_classes < 2:
                raise ValueError(
                    "The number of classes has to be greater than one; got "
                    f"{n_classes} class."
                )
            if n_classes == 2:
                Y = y_index.astype(dtype)[:, np.newaxis]
                self._label_type = "binary"
            else:
                Y = np.zeros((len(y), n_classes), dtype=dtype)
                Y[np.arange(len(y)), y_index] = 1
                self._label_type = "multiclass"
        else:
            raise ValueError(
                f"ANNClassifier does not support {target_type!r} targets; expected "
                "binary, multiclass or multilabel-indicator targets."
            )
        self.n_outputs_ = Y.shape[1]
        self.out_activation_ = (
            "softmax" if self._label_type == "multiclass" else "logistic"
        )
        return Y

    def _check_weighted_classes(self, Y, sample_weight):
        if np.sum(sample_weight) <= 0:
            raise ValueError("sample_weight must have a positive sum.")
        if self._label_type == "multilabel":
            return
        weighted = Y[sample_weight > 0]
        n_present = (
            len(np.unique(weighted[:, 0]))
            if self._label_type == "binary"
            else int(np.count_nonzero(weighted.any(axis=0)))
        )
        if n_present < 2:
            raise ValueError(
                "The number of classes with a positive sample_weight has to be "
                f"greater than one; got {n_present} class."
            )

    def _progress_printer(self):
        if not self.verbose:
            return None
        every = max(1, self.epochs // 10)

        def print_progress(epoch, loss):
            if epoch % every == 0:
                print(f"Epoch {epoch}: Cost = {loss:.6f}")

        return print_progress

    def _network(self):
        return Network(
            self.coefs_, self.intercepts_, self.activation, self.out_activation_
        )

    def predict_proba(self, X):
        """Probability estimates.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes) or (n_samples, n_labels)
            Class probabilities, in the order of ``classes_``. For multilabel
            targets, the probability of each label being present.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        P = self._forward_in_chunks(X)
        if self._label_type == "binary":
            return np.hstack([1 - P, P])
        return P

    def _forward_in_chunks(self, X):
        """Output probabilities, computed a chunk of rows at a time."""
        network = self._network()
        dtype = network.dtype
        out = np.empty((X.shape[0], self.n_outputs_), dtype=dtype)
        widest = max(W.shape[1] for W in self.coefs_)
        row_bytes = 2 * widest * dtype.itemsize
        chunk = max(1, int(get_config()["working_memory"] * 2**20 // row_bytes))
        with np.errstate(over="ignore", invalid="ignore"):
            for rows in gen_batches(X.shape[0], chunk):
                out[rows] = network.forward(X[rows].astype(dtype, copy=False))
        if not np.isfinite(out).all():
            raise ValueError(
                "The network's activations overflowed for some rows of X: their "
                "values are too large. Scale the features (for example with "
                "StandardScaler) to the range seen in training."
            )
        return out

    def predict_log_proba(self, X):
        """Logarithm of the probability estimates.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes) or (n_samples, n_labels)
            Natural logarithm of :meth:`predict_proba`; ``-inf`` where a
            probability is exactly zero.
        """
        proba = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(proba, out=proba)

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Predicted labels; for multilabel targets, a 0/1 indicator matrix.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        P = self._forward_in_chunks(X)
        if self._label_type == "multilabel":
            return (P >= 0.5).astype(int)
        if self._label_type == "binary":
            # Threshold at 0.5 like the textbook: p == 0.5 predicts the second class.
            return self.classes_[(P[:, 0] >= 0.5).astype(int)]
        return self.classes_[np.argmax(P, axis=1)]
