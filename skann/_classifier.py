"""ANNClassifier: labels, classes and probabilities on top of :mod:`skann._base`."""

from numbers import Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import (
    check_classification_targets,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import column_or_1d

from ._arrays import Home, host
from ._base import BaseANN, _partial_fit_available
from ._docstrings import shared_docs
from ._predict import labels, log_probabilities, probabilities


def _check_class_weight_dict(class_weight):
    """Raise unless every weight in the ``class_weight`` dict is finite and >= 0."""
    for label, weight in class_weight.items():
        if (
            isinstance(weight, bool)
            or not isinstance(weight, Real)
            or not np.isfinite(weight)
            or weight < 0
        ):
            raise ValueError(
                "class_weight must map each class to a finite, non-negative number; "
                f"got {weight!r} for class {label!r}."
            )


def _check_zero_one(Y):
    """Refuse a multilabel indicator coded with other values than 0 and 1.

    scikit-learn calls any 2-D target of two integer values a multilabel indicator,
    but its metrics and ``predict`` read 1 as present and 0 as absent. Another
    coding, -1/1 say, would be trained as a cross-entropy against -1, which has no
    minimum, and predicted back as 0/1, which ``score`` compares to -1.
    """
    if not ((Y == 0) | (Y == 1)).all():
        raise ValueError(
            "A multilabel indicator y must hold 1 where a label is present and 0 "
            f"where it is absent; this one holds the values {np.unique(Y).tolist()}. "
            "Recode it first, for example with (y > 0).astype(int) for a -1/1 "
            "coding."
        )


def _check_class_order(classes, label_type, refuse):
    """Refuse ``classes_`` other than fit sets them: each label once, sorted.

    Output unit ``i`` stands for ``classes_[i]``, and ``partial_fit`` finds a
    label's unit by a binary search of ``classes_``: reordered labels would relabel
    every prediction, and repeated or unsorted ones would train the wrong units.
    """
    if label_type == "multilabel":
        if not np.array_equal(classes, np.arange(len(classes))):
            refuse(
                "classes_",
                f"must be arange({len(classes)}) for multilabel targets, not "
                f"{classes!r:.80}",
            )
        return
    try:
        expected = np.unique(classes)
    except TypeError:
        expected = None  # labels of types that do not compare
    if expected is None or not np.array_equal(classes, expected):
        refuse(
            "classes_",
            f"must hold each label once, in sorted order (np.unique(classes_)), "
            f"not {classes!r:.80}",
        )


#: A model that predicts one class for every row is advised to weigh the classes
#: where the largest holds more than this share of the rows.
UNEVEN_CLASSES = 0.6


@shared_docs(
    mlp="MLPClassifier",
    split="stratified",
    score="accuracy (weighted by sample, as MLPClassifier's)",
    score_name="accuracy",
    baseline="the class frequencies",
    seed_note=(
        "With the textbook's settings (:data:`skann.TEXTBOOK`), ``random_state=42``\n"
        "reproduces the textbook's run, which seeds NumPy's global generator with\n"
        "42."
    ),
    loss_units="",
)
class ANNClassifier(ClassifierMixin, BaseANN):
    """Neural-network classifier: the textbook "ANN from scratch", scikit-learn style.

    A fully connected network trained on the cross-entropy. Its defaults were
    chosen by measurement, against MLPClassifier at its own, on raw and scaled,
    small and large, dense and sparse data sets (``benchmarks/README.md`` in the
    source tree): standardised features (``standardize=True``, so that features
    in any units need no scaler), one hidden layer of 100 ReLU units from He's
    initial weights, Adam at ``lr=0.003`` on shuffled minibatches of one size of
    at most 128 rows, the L2 penalty ``alpha='auto'`` (which weighs less as the
    data grow), and at most 400 epochs. The first time the training loss has not
    improved by ``tol=1e-3`` for 10 epochs, the learning rate drops to a fifth
    (``lr_schedule='drop_once'``); the second time, training ends.

    The textbook's network is one argument away: ``ANNClassifier(**TEXTBOOK)``
    (:data:`skann.TEXTBOOK`) trains one hidden layer of 4 ReLU units from weights
    drawn as ``randn * 0.1`` and zero biases, with 10000 epochs of full-batch
    gradient descent at ``lr=0.1``, no penalty and no stop. Momentum, L-BFGS,
    schedules, early stopping and class weights are opt-in.

    Binary targets get one logistic output unit; multiclass targets get one softmax
    unit per class with the categorical cross-entropy; multilabel indicator targets
    (0 for absent, 1 for present; dense or sparse) get one logistic unit per label.

    Parameters
    ----------
    ${parameters}
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, multiplied into ``sample_weight``: a dict maps
        labels to weights; 'balanced' weighs each class by ``n_samples /
        (n_classes * count)``. Not for multilabel targets.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels; ``arange(n_labels)`` for multilabel targets.
    ${attributes}
    n_outputs_ : int
        Number of output units: 1 for binary targets, else one per class or
        label.
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

    Where ANNClassifier differs from MLPClassifier on purpose (besides the
    parameters' names and defaults): ``n_iter_`` counts every continued call; a
    warm-started ``fit`` starts its plateau count, its best validation score and
    its kept weights afresh (MLPClassifier carries them over, so it can stop after
    one epoch or go back to an earlier call's weights); ``partial_fit`` never
    watches for a plateau; ``partial_fit`` takes ``classes`` before
    ``sample_weight``, as SGDClassifier does, and needs no ``classes`` for
    multilabel targets; early stopping watches the validation loss, not the
    accuracy; 'lbfgs' also fills ``loss_curve_``, ``best_loss_`` and ``t_``. The
    user guide's comparison page lists every difference.

    ``X`` may be a SciPy sparse matrix, in training and prediction alike: the first
    layer multiplies it as it is, never densified.

    A ``fit`` that raises leaves the estimator exactly as it was. Training that
    diverges raises a ``ValueError`` naming the learning rate: in ``fit`` also when
    the final weights give non-finite outputs on the training data, in
    ``partial_fit`` when the loss stays high across calls.

    ${after_fit}

    Errors name the parameter or input at fault: a negative ``class_weight``, sample
    weights whose sum would overflow training's dtype, a ``validation_fraction``
    too small or too large for the stratified split of ``early_stopping``, date or
    duration columns in ``X``, a multilabel indicator coded with other values than
    0 and 1 (such as -1 and 1: scikit-learn's metrics read 1 as present and 0 as
    absent), or a ``hidden_size`` whose training would exceed the memory
    available: its weights and gradients, the solver's state (Adam's moments,
    L-BFGS's history) and a batch's activations, counted before any of it is
    allocated, and refused naming ``hidden_size`` and the solver.

    A pickled (or joblib or skops) model records the skann version that saved it;
    loading it under another version warns with
    :class:`~skann.exceptions.InconsistentVersionWarning`. Fitted attributes that
    contradict one another (layer shapes, ``n_features_in_``, ``n_outputs_``,
    ``out_activation_``, ``classes_`` other than its labels sorted, each once) are
    refused with a ``ValueError`` at load, at the next prediction, and before
    training continues.

    Examples
    --------
    At the defaults, on the raw features of a bundled data set:

    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.model_selection import train_test_split
    >>> from skann import ANNClassifier, TEXTBOOK
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    >>> clf = ANNClassifier(random_state=0).fit(X_train, y_train)
    >>> clf.score(X_test, y_test) > 0.9
    True

    The textbook's run on the AND gate, with its settings given explicitly:

    >>> import numpy as np
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    >>> y = np.array([0, 0, 0, 1])
    >>> clf = ANNClassifier(**TEXTBOOK, random_state=42)
    >>> clf.fit(X, y).predict(X)
    array([0, 0, 0, 1])
    >>> round(clf.loss_curve_[0], 6)
    0.693068
    """

    _parameter_constraints = {
        **BaseANN._parameter_constraints,
        "class_weight": [None, dict, StrOptions({"balanced"})],
    }

    def __init__(
        self,
        hidden_size=100,
        *,
        activation="relu",
        lr=0.003,
        epochs=400,
        init_scale="auto",
        random_state=None,
        verbose=0,
        solver="adam",
        batch_size="auto",
        shuffle=True,
        momentum=0.9,
        nesterov=False,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        lr_schedule="drop_once",
        power_t=0.5,
        alpha="auto",
        dropout=0.0,
        tol=1e-3,
        n_iter_no_change=10,
        early_stopping=False,
        validation_fraction=0.1,
        class_weight=None,
        warm_start=False,
        standardize=True,
    ):
        # BaseANN stores the parameters both estimators share, each unchanged;
        # their defaults are in this signature, where scikit-learn reads them.
        given = locals()
        super().__init__(
            **{name: given[name] for name in BaseANN._parameter_constraints}
        )
        self.class_weight = class_weight

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network on ``X`` and ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : {array-like, sparse matrix} of shape (n_samples,) or \
(n_samples, n_labels)
            Class labels, or an indicator matrix of 0 and 1 for multilabel
            targets, dense or sparse.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; the loss is their weighted mean. Their sum must
            be positive and well within the range of X's float dtype.

        Returns
        -------
        self : ANNClassifier
            The fitted estimator.
        """
        self._fit(X, y, sample_weight, incremental=False)
        return self

    @available_if(_partial_fit_available)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Run one epoch over ``X`` and ``y``, continuing from the current weights.

        Not available with ``solver='lbfgs'``; not supported with
        ``early_stopping=True``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data of this call.
        y : {array-like, sparse matrix} of shape (n_samples,) or \
(n_samples, n_labels)
            Class labels, or an indicator matrix of 0 and 1 for multilabel
            targets, dense or sparse.
        classes : array-like of shape (n_classes,), default=None
            Every class of the whole data set. Required on the first call (unless
            the targets are multilabel); later calls may omit it, and must
            otherwise pass the same classes.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights.

        Returns
        -------
        self : ANNClassifier
            The updated estimator.
        """
        # early_stopping=True is refused first, by _partial_fit.
        if self.class_weight == "balanced" and not self.early_stopping:
            raise ValueError(
                "class_weight='balanced' cannot be used with partial_fit: one "
                "call does not see the class frequencies of the whole data. "
                "Pass a dict of class weights instead."
            )
        self._partial_fit(X, y, sample_weight, classes=classes)
        return self

    # Targets ----------------------------------------------------------------------

    def _validate_input(self, X, y, reset):
        """Validated ``X``, and ``y`` made dense.

        scikit-learn takes a sparse ``y`` for an indicator matrix; the network's
        targets are a dense matrix of its shape anyway, so a dense copy takes the
        dense indicator's path, checks included.
        """
        X, y = super()._validate_input(X, y, reset)
        return X, y.toarray() if sp.issparse(y) else y

    def _encode_targets(self, y, dtype, continuing, incremental, classes):
        """Return ``Y`` for the network and each row's class index (None if
        multilabel); a new fit first sets the label attributes.

        The labels are encoded on the host, as NumPy arrays; ``classes_`` lives
        where ``y`` does, as LogisticRegression keeps it.
        """
        y_home, y, classes = Home.of(y), host(y), host(classes)
        check_classification_targets(y)
        if not continuing:
            encoded = self._encode_new_targets(y, dtype, classes, incremental)
            self.classes_ = y_home.put(self.classes_)
            return encoded
        if incremental and classes is not None:
            self._check_same_classes(classes)
        return self._encode_known_targets(y, dtype, exact=not incremental)

    def _encode_new_targets(self, y, dtype, classes=None, incremental=False):
        """Set the label attributes from ``y`` (or ``classes``); return ``Y``."""
        target_type = type_of_target(y)
        if incremental and classes is None and target_type != "multilabel-indicator":
            raise ValueError(
                "classes must be passed on the first call to partial_fit: "
                "later calls may not see every class."
            )
        if target_type == "multilabel-indicator":
            self.classes_ = np.arange(y.shape[1])
            self._label_type = "multilabel"
        elif target_type in ("binary", "multiclass"):
            y = column_or_1d(y, warn=True)
            self.classes_ = np.unique(y if classes is None else classes)
            if len(self.classes_) < 2:
                raise ValueError(
                    "The number of classes has to be greater than one; got "
                    f"{len(self.classes_)} class."
                )
            self._label_type = "binary" if len(self.classes_) == 2 else "multiclass"
        else:
            raise ValueError(
                f"ANNClassifier does not support {target_type!r} targets; expected "
                "binary, multiclass or multilabel-indicator targets."
            )
        self.n_outputs_ = 1 if self._label_type == "binary" else len(self.classes_)
        return self._encode_known_targets(y, dtype, exact=False)

    def _check_same_classes(self, classes):
        """Refuse a later ``classes`` that differs from the fitted ``classes_``."""
        if not np.array_equal(host(self.classes_), unique_labels(classes)):
            raise ValueError(
                f"`classes={classes!r}` is not the same as on last call to "
                f"partial_fit, was: {self.classes_!r}"
            )

    def _encode_known_targets(self, y, dtype, exact):
        """Return ``Y`` and the class index of each row for the fitted classes.

        With ``exact``, ``y`` must hold exactly the fitted classes (``warm_start``);
        otherwise a subset is enough (``partial_fit``).
        """
        classes = host(self.classes_)
        if self._label_type == "multilabel":
            if type_of_target(y) != "multilabel-indicator" or y.shape[1] != len(
                classes
            ):
                raise ValueError(
                    f"y must be a multilabel indicator matrix with "
                    f"{len(classes)} columns, as in the first fit."
                )
            _check_zero_one(y)
            return np.asarray(y, dtype=dtype), None
        y = column_or_1d(y, warn=True)
        present = np.unique(y)
        unknown = np.setdiff1d(present, classes)
        if len(unknown) or (exact and len(present) != len(classes)):
            raise ValueError(
                f"y holds the classes {present.tolist()}, but the model was fitted "
                f"on {classes.tolist()}. "
                + (
                    "warm_start needs the same classes as the previous fit."
                    if exact
                    else "Pass every class through `classes` on the first call."
                )
            )
        y_index = np.searchsorted(classes, y)
        if self._label_type == "binary":
            return y_index.astype(dtype)[:, np.newaxis], y_index
        Y = np.zeros((len(y), len(classes)), dtype=dtype)
        Y[np.arange(len(y)), y_index] = 1
        return Y, y_index

    def _target_weights(self, y):
        """``("class_weight", weights)`` for the rows of ``y``, or None."""
        if self.class_weight is None:
            return None
        if self._label_type == "multilabel":
            raise ValueError("class_weight is not supported for multilabel y.")
        if isinstance(self.class_weight, dict):
            _check_class_weight_dict(self.class_weight)
        return "class_weight", compute_sample_weight(
            self.class_weight, column_or_1d(host(y))
        )

    def _check_weighted_targets(self, strata, sample_weight, what):
        """Refuse weights that leave fewer than two classes to learn."""
        if strata is None:
            return
        n_present = len(np.unique(strata[host(sample_weight) > 0]))
        if n_present < 2 and len(np.unique(strata)) > 1:
            raise ValueError(
                f"The number of classes with a positive {what} has to be "
                f"greater than one; got {n_present} class."
            )

    #: What the loss of :meth:`_diagnose` compares against predicts.
    _baseline_words = "the class frequencies"

    def _flat_advice(self, data):
        """Weighing the classes up where one class holds most of the rows."""
        advice = super()._flat_advice(data)
        if self.class_weight is None and self._label_type != "multilabel":
            Y = np.asarray(host(data.Y))
            counts = Y.sum(axis=0) if Y.shape[1] > 1 else [Y.sum(), len(Y) - Y.sum()]
            if max(counts) > UNEVEN_CLASSES * len(Y):
                advice.insert(0, "class_weight='balanced'")
        return advice

    def _loss_name(self):
        """The loss of the fitted label type: one softmax, or independent sigmoids."""
        if self._label_type == "multiclass":
            return "categorical_cross_entropy"
        return "binary_cross_entropy"

    def _check_fitted_targets(self, refuse):
        """Refuse label attributes that contradict each other or the network."""
        classes = self.classes_
        if Home.of(classes).xp is np and not isinstance(classes, np.ndarray):
            refuse("classes_", "must be a 1-D array")
        classes = host(classes)
        if classes.ndim != 1:
            refuse("classes_", "must be a 1-D array")
        label_type = getattr(self, "_label_type", None)
        _check_class_order(classes, label_type, refuse)
        if label_type == "binary":
            if len(classes) != 2:
                refuse("classes_", f"holds {len(classes)} classes, not 2 (binary)")
            outputs, out_activation = 1, "logistic"
        elif label_type == "multiclass":
            if len(classes) < 3:
                refuse("classes_", f"holds {len(classes)} classes, not 3 or more")
            outputs, out_activation = len(classes), "softmax"
        elif label_type == "multilabel":
            outputs, out_activation = len(classes), "logistic"
        else:
            refuse("_label_type", f"is {label_type!r}")
        if self.n_outputs_ != outputs:
            refuse(
                "n_outputs_",
                f"is {self.n_outputs_!r}, but {label_type} targets with "
                f"{len(classes)} classes in classes_ need {outputs}",
            )
        if self.out_activation_ != out_activation:
            refuse(
                "out_activation_",
                f"is {self.out_activation_!r}, but {label_type} targets need "
                f"{out_activation!r}",
            )

    # Prediction -------------------------------------------------------------------

    def predict_proba(self, X):
        """Probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes) or (n_samples, n_labels)
            Class probabilities, in the order of ``classes_``. For multilabel
            targets, the probability of each label being present.
        """
        return probabilities(self, X)

    def predict_log_proba(self, X):
        """Logarithm of the probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes) or (n_samples, n_labels)
            Natural logarithm of :meth:`predict_proba`; ``-inf`` where a
            probability is exactly zero.
        """
        return log_probabilities(self, X)

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Predicted labels; for multilabel targets, a 0/1 indicator matrix.
        """
        return labels(self, X)
