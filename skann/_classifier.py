"""ANNClassifier: the scikit-learn face of the NumPy core in ``skann._core``."""

import contextlib
import math
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn import get_config
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import gen_batches
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
)
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import (
    check_classification_targets,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    check_random_state,
    column_or_1d,
    validate_data,
)

from ._callbacks import CallbackSupportMixin, EpochReporter
from ._core.activations import ACTIVATIONS
from ._core.diagnosis import final_pass, problems
from ._core.lbfgs import train_lbfgs
from ._core.losses import LOSSES
from ._core.network import CHUNK_BYTES, Network
from ._core.optimizers import OPTIMIZERS
from ._core.schedules import SCHEDULES
from ._core.stopping import Plateau, diverged
from ._core.training import Dataset, Plan, train
from ._threads import blas_threads
from .exceptions import InconsistentVersionWarning

#: Attributes of scikit-learn's callback machinery, torn down after fit by
#: scikit-learn itself, so they must survive a failed fit.
_CALLBACK_STATE = ("_callback_fit_ctx", "_skl_callbacks_to_teardown")


@contextlib.contextmanager
def _unchanged_on_error(estimator):
    """Put back every attribute of ``estimator`` if the block raises."""
    saved = dict(estimator.__dict__)
    try:
        yield
    except BaseException:
        live = {k: v for k, v in vars(estimator).items() if k in _CALLBACK_STATE}
        estimator.__dict__.clear()
        estimator.__dict__.update(saved)
        estimator.__dict__.update(live)
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


def _validate_quietly(*args, **kwargs):
    """``validate_data`` without the RuntimeWarning of its finiteness check.

    scikit-learn looks for inf and NaN by summing X, which warns when X holds both
    +inf and -inf, just before it raises its own clear error.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        return validate_data(*args, **kwargs)


def _refuse_dates(X):
    """Raise a TypeError naming the datetime64 or timedelta64 columns of ``X``."""
    dtype = getattr(X, "dtype", None)
    if isinstance(dtype, np.dtype) and dtype.kind in "mM":
        raise TypeError(
            f"X has dtype {dtype}; ANNClassifier needs numeric features. Convert "
            "dates and durations to numbers first, for example to seconds since a "
            "reference time."
        )
    dtypes = getattr(X, "dtypes", None)
    columns = getattr(X, "columns", None)
    if dtypes is None or columns is None or isinstance(dtypes, np.dtype):
        return
    # pandas gives tz-aware datetimes their own dtype, whose kind is still "M".
    bad = [c for c, d in zip(columns, dtypes) if getattr(d, "kind", None) in ("m", "M")]
    if bad:
        raise TypeError(
            f"X has datetime or timedelta columns {bad}; ANNClassifier needs numeric "
            "features. Convert dates and durations to numbers first, for example "
            "to seconds since a reference time, or drop those columns."
        )


def _rows(n):
    return f"{n} row" if n == 1 else f"{n} rows"


#: The weighted loss multiplies each weight by a row's loss, at most -log(1e-9) per
#: output; this headroom under the dtype's largest value keeps those sums finite.
_WEIGHT_HEADROOM = 1e8


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


def _check_weight_sum(total, dtype, what):
    """Raise if weights summing to ``total`` would overflow training in ``dtype``."""
    finfo = np.finfo(dtype)
    low, high = float(finfo.tiny), float(finfo.max) / _WEIGHT_HEADROOM
    if not low <= total <= high:
        raise ValueError(
            f"{what} sums to {total:.4g}, outside [{low:.3g}, {high:.3g}], the range "
            f"training on {np.dtype(dtype).name} data can use without overflow. "
            "Divide the weights by a common factor: the loss is their weighted mean, "
            "so only the alpha penalty, which is divided by their sum, changes."
        )


class ANNClassifier(CallbackSupportMixin, ClassifierMixin, BaseEstimator):
    """Neural-network classifier: the textbook "ANN from scratch", scikit-learn style.

    A fully connected network trained on the cross-entropy. With its defaults it is
    the textbook network: one hidden layer of 4 ReLU units, a sigmoid output, binary
    cross-entropy, weights drawn as ``randn * 0.1``, zero biases and 10000 epochs of
    full-batch gradient descent at ``lr=0.1``. Everything else (minibatches, momentum,
    Adam, L-BFGS, schedules, L2, early stopping, class weights) is opt-in.

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
        Learning rate (the initial one, under a schedule). Not used by 'lbfgs'.
    epochs : int, default=10000
        Largest number of passes over the training data; for 'lbfgs', of
        iterations.
    init_scale : float or 'auto', default=0.1
        Standard deviation of the initial weights, ``W = randn(n_out, n_in) *
        init_scale``. 'auto' uses He's ``sqrt(2 / n_in)`` for the weights into ReLU
        layers and Glorot's ``sqrt(2 / (n_in + n_out))`` for the others.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the shuffles and the validation split.
        ``random_state=42`` reproduces the textbook, which seeds NumPy's global
        generator with 42.
    verbose : int, default=0
        If positive, print ``Epoch i: Cost = ...`` ten times during training.
    solver : {'gd', 'momentum', 'adam', 'lbfgs'}, default='gd'
        'gd' is plain gradient descent (the textbook); 'momentum' is heavy-ball
        momentum, or Nesterov's with ``nesterov=True``; 'adam' is Adam; 'lbfgs' is
        SciPy's L-BFGS-B on the whole training set.
    batch_size : int, default=None
        Rows per gradient step; None uses all rows at once (full batch).
    shuffle : bool, default=True
        Whether to visit the rows in a new random order each epoch; it only matters
        with minibatches.
    momentum : float, default=0.9
        Momentum of the 'momentum' solver, in [0, 1].
    nesterov : bool, default=False
        Whether the 'momentum' solver takes Nesterov's step.
    beta_1 : float, default=0.9
        Decay of Adam's first-moment estimate, in [0, 1).
    beta_2 : float, default=0.999
        Decay of Adam's second-moment estimate, in [0, 1).
    epsilon : float, default=1e-8
        Adam's guard against division by zero.
    lr_schedule : {'constant', 'invscaling', 'adaptive'}, default='constant'
        'invscaling' sets ``lr / (t + 1) ** power_t`` after each epoch, ``t`` being
        the samples seen; 'adaptive' divides the learning rate by 5 each time the
        monitored loss stops improving (see ``tol``), and stops once it is at or
        below 1e-6. Not used by 'lbfgs'.
    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.
    alpha : float, default=0.0
        Strength of the L2 penalty on the weights (not the biases):
        ``alpha / 2 * sum(W**2) / n`` is added to the loss, ``n`` being the
        batch's total sample weight.
    tol : float, default=None
        None runs every epoch. A float stops training once the monitored loss (the
        training loss, or the validation loss with ``early_stopping``) has not
        improved by at least ``tol`` for more than ``n_iter_no_change`` epochs in a
        row; running out of epochs first gives a ``ConvergenceWarning``. For
        'lbfgs' it is the gradient tolerance.
    n_iter_no_change : int or np.inf, default=10
        Training stops (or, under the 'adaptive' schedule, lowers the learning
        rate) at the ``n_iter_no_change + 1``-th epoch in a row without
        improvement, as in MLPClassifier; ``np.inf`` never stops on a plateau.
        ``fit`` counts afresh each call, ``partial_fit`` not at all.
    early_stopping : bool, default=False
        Whether to hold out a stratified ``validation_fraction`` of the training
        data, monitor its loss, stop when it stops improving (by ``tol``, or at all
        when ``tol`` is None) and end with the weights of this call's best epoch.
        Ignored by 'lbfgs', which trains on every row; ``partial_fit`` refuses it.
    validation_fraction : float, default=0.1
        Share of the training data held out by ``early_stopping``, in (0, 1).
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, multiplied into ``sample_weight``: a dict maps
        labels to weights; 'balanced' weighs each class by ``n_samples /
        (n_classes * count)``. Not for multilabel targets.
    warm_start : bool, default=False
        Whether ``fit`` continues from the fitted weights (and extends
        ``loss_curve_``) instead of starting anew.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels; ``arange(n_labels)`` for multilabel targets.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.
    coefs_ : list of ndarray
        ``coefs_[i]`` of shape ``(n_in, n_out)`` holds the weights of layer ``i``.
    intercepts_ : list of ndarray
        ``intercepts_[i]`` of shape ``(n_out,)`` holds the biases of layer ``i``.
    loss_ : float
        Training loss of the last epoch.
    loss_curve_ : list of float
        ``loss_curve_[i]`` is the training loss of epoch ``i``, computed before its
        updates (penalty included), over every call of ``fit`` that continued the
        model and of ``partial_fit``.
    best_loss_ : float or None
        Smallest value in ``loss_curve_``; None when the last ``fit`` used
        ``early_stopping`` (see ``best_validation_score_``), as in MLPClassifier.
    validation_loss_curve_ : list of float or None
        Validation loss after each epoch, over every continued ``fit`` that used
        ``early_stopping``; None without it.
    validation_scores_ : list of float or None
        Validation accuracy after each epoch, over every continued ``fit`` that
        used ``early_stopping``; None without it.
    best_validation_score_ : float or None
        Validation accuracy of the epoch whose weights the last ``fit`` kept (the
        one with the lowest validation loss); None without ``early_stopping``.
    n_iter_ : int
        Epochs run (L-BFGS iterations for 'lbfgs', counting one that SciPy
        abandons), over all continued calls, so ``len(loss_curve_) == n_iter_``
        always holds; MLPClassifier counts the last call only.
    t_ : int
        Training samples seen, over all epochs (for 'lbfgs', over all loss
        evaluations).
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

    A ``fit`` that raises leaves the estimator exactly as it was. Training that
    diverges raises a ``ValueError`` naming the learning rate: in ``fit`` also when
    the final weights give non-finite outputs on the training data, in
    ``partial_fit`` when the loss stays high across calls. After ``fit`` one pass
    over the training data checks the model; a loss that ended above the loss of
    predicting the class frequencies (and is no longer falling), a loss that rose
    over the fit, a ReLU hidden layer whose every unit is dead, or an abnormal stop
    of L-BFGS gives a ``ConvergenceWarning`` with the numbers and what to try.
    ``partial_fit``, which sees one chunk of the data a call, skips that check.
    Minibatches whose sample weights are all zero take no step. Ctrl-C during
    ``fit`` ends training after the current epoch (L-BFGS iteration) with a
    warning, keeping a usable model; a second Ctrl-C, in the same fit or a later
    one (say, of a grid search), raises ``KeyboardInterrupt``.

    Errors name the parameter or input at fault: a negative ``class_weight``, sample
    weights whose sum would overflow training's dtype, a ``validation_fraction``
    too small or too large for the stratified split of ``early_stopping``, date or
    duration columns in ``X``.

    A pickled (or joblib or skops) model records the skann version that saved it;
    loading it under another version warns with
    :class:`~skann.exceptions.InconsistentVersionWarning`. Fitted attributes that
    contradict one another (layer shapes, ``n_features_in_``, ``n_outputs_``,
    ``out_activation_``, ``classes_``) are refused with a ``ValueError`` at load or
    at the next prediction.

    Examples
    --------
    >>> import numpy as np
    >>> from skann import ANNClassifier
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    >>> y = np.array([0, 0, 0, 1])
    >>> clf = ANNClassifier(hidden_size=4, lr=0.1, epochs=10000, random_state=42)
    >>> clf.fit(X, y).predict(X)
    array([0, 0, 0, 1])
    >>> round(clf.loss_curve_[0], 6)
    0.693068
    """

    _parameter_constraints = {
        "hidden_size": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "init_scale": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "solver": [StrOptions({*OPTIMIZERS, "lbfgs"})],
        "batch_size": [None, Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterov": ["boolean"],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "lr_schedule": [StrOptions(set(SCHEDULES))],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "tol": [None, Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "class_weight": [None, dict, StrOptions({"balanced"})],
        "warm_start": ["boolean"],
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
        solver="gd",
        batch_size=None,
        shuffle=True,
        momentum=0.9,
        nesterov=False,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        lr_schedule="constant",
        power_t=0.5,
        alpha=0.0,
        tol=None,
        n_iter_no_change=10,
        early_stopping=False,
        validation_fraction=0.1,
        class_weight=None,
        warm_start=False,
    ):
        self.hidden_size = hidden_size
        self.activation = activation
        self.lr = lr
        self.epochs = epochs
        self.init_scale = init_scale
        self.random_state = random_state
        self.verbose = verbose
        self.solver = solver
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.momentum = momentum
        self.nesterov = nesterov
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.lr_schedule = lr_schedule
        self.power_t = power_t
        self.alpha = alpha
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.class_weight = class_weight
        self.warm_start = warm_start

    def __getstate__(self):
        # Imported here: skann's __init__ imports this module before it sets the
        # version.
        from . import __version__

        return {**super().__getstate__(), "_skann_version": __version__}

    def __setstate__(self, state):
        from . import __version__

        state = dict(state)
        saved_by = state.pop("_skann_version", None)
        if saved_by != __version__:
            warnings.warn(
                InconsistentVersionWarning(
                    estimator_name=type(self).__name__,
                    current_skann_version=__version__,
                    original_skann_version=saved_by,
                )
            )
        super().__setstate__(state)
        if "coefs_" in state:
            self._check_fitted_state()

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
            Non-negative weights; the loss is their weighted mean. Their sum must
            be positive and well within the range of X's float dtype.

        Returns
        -------
        self : ANNClassifier
            The fitted estimator.
        """
        with _unchanged_on_error(self):
            self._fit(X, y, sample_weight, incremental=False)
        return self

    def _check_solver(self):
        """Hide ``partial_fit`` from ``hasattr`` for 'lbfgs', as MLPClassifier does."""
        if self.solver == "lbfgs":
            raise AttributeError(
                "partial_fit is not available with solver='lbfgs', which needs "
                "the whole data set; use 'gd', 'momentum' or 'adam'."
            )
        return True

    @available_if(_check_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Run one epoch over ``X`` and ``y``, continuing from the current weights.

        Not available with ``solver='lbfgs'``; not supported with
        ``early_stopping=True``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data of this call.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a binary indicator matrix for multilabel targets.
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
        with _unchanged_on_error(self):
            if self.early_stopping:
                # One call is one epoch over new data: there is nothing to hold
                # out and no later epoch to stop.
                raise ValueError(
                    "partial_fit does not support early_stopping=True; set "
                    "early_stopping=False and score held-out data between calls."
                )
            if self.class_weight == "balanced":
                raise ValueError(
                    "class_weight='balanced' cannot be used with partial_fit: one "
                    "call does not see the class frequencies of the whole data. "
                    "Pass a dict of class weights instead."
                )
            self._fit(X, y, sample_weight, incremental=True, classes=classes)
        return self

    def _fit(self, X, y, sample_weight, incremental, classes=None):
        """Shared by fit and partial_fit; sets every fitted attribute."""
        hidden = _hidden_sizes(self.hidden_size)
        continuing = hasattr(self, "coefs_") and (incremental or self.warm_start)
        _refuse_dates(X)
        X, y = _validate_quietly(
            self,
            X,
            y,
            reset=not continuing,
            multi_output=True,
            dtype=[np.float64, np.float32],
        )
        check_classification_targets(y)
        if continuing and incremental and classes is not None:
            self._check_same_classes(classes)
        if continuing:
            self._check_fitted_state()
            X = X.astype(self.coefs_[0].dtype, copy=False)
            Y, y_index = self._encode_known_targets(y, X.dtype, exact=not incremental)
        else:
            Y, y_index = self._encode_new_targets(y, X.dtype, classes, incremental)
        sample_weight = self._sample_weight(X, y, y_index, sample_weight)
        rng = check_random_state(self.random_state)
        layer_sizes = (X.shape[1], *hidden, Y.shape[1])
        network = self._start_network(layer_sizes, X.dtype, rng, continuing)
        if continuing:
            # Successive calls must not reuse one sequence of shuffles.
            rng = np.random.RandomState(rng.randint(2**31 - 1) ^ self.n_iter_)
        max_epochs = 1 if incremental else self.epochs
        reporter = EpochReporter(
            self,
            X,
            y,
            sample_weight,
            max_epochs,
            network,
            self.n_iter_ if continuing else 0,
        )
        data, validation = Dataset(X, Y, sample_weight), None
        # L-BFGS has no epochs to stop between, so it trains on every row.
        if self.early_stopping and not incremental and self.solver != "lbfgs":
            data, validation = self._split_validation(data, y_index, rng)
        optimizer = None
        loss = LOSSES[self._loss_name()]
        rows = X.shape[0] if self.batch_size is None else self.batch_size
        with blas_threads(min(rows, X.shape[0]), layer_sizes):
            if self.solver == "lbfgs":
                result = train_lbfgs(
                    network,
                    loss,
                    data,
                    self.epochs,
                    alpha=self.alpha,
                    tol=self.tol,
                    on_epoch=self._epoch_hook(reporter),
                )
            else:
                optimizer = self._optimizer(resume=incremental and continuing)
                plan = Plan(
                    max_epochs,
                    batch_size=self.batch_size,
                    rng=rng if self.shuffle else None,
                    alpha=self.alpha,
                    schedule=SCHEDULES[self.lr_schedule](self.lr, self.power_t),
                    plateau=None if incremental else self._plateau(validation),
                    validation=validation,
                    on_epoch=reporter.epoch_end if reporter.active else None,
                    report=self._progress_printer(),
                    t=self.t_ if continuing else 0,
                    history=self.loss_curve_ if incremental and continuing else (),
                )
                result = train(network, loss, optimizer, data, plan)
            # One call of partial_fit sees one chunk of the data, whose loss and
            # activations say little about the model; fit sees all of it.
            found = [] if incremental else self._diagnose(network, loss, data, result)
        self._store(network, result, optimizer, continuing)
        reporter.finish()
        self._warn_about_stopping(result, incremental)
        self._warn_about_problems(found, result)

    def _start_network(self, layer_sizes, dtype, rng, continuing):
        """A copy of the fitted network to continue, or a new one drawn from rng."""
        if not continuing:
            return Network.initialize(
                layer_sizes,
                self.activation,
                self.out_activation_,
                self.init_scale,
                rng,
                dtype=dtype,
            )
        if self._layer_sizes() != layer_sizes:
            raise ValueError(
                f"The fitted network has layers {self._layer_sizes()}, but "
                f"hidden_size={self.hidden_size!r} asks for {layer_sizes}; "
                "set warm_start=False to start anew."
            )
        return Network(
            self.coefs_, self.intercepts_, self.activation, self.out_activation_
        )

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
        self.out_activation_ = LOSSES[self._loss_name()].output_activation
        return self._encode_known_targets(y, dtype, exact=False)

    def _check_same_classes(self, classes):
        """Refuse a later ``classes`` that differs from the fitted ``classes_``."""
        if not np.array_equal(self.classes_, unique_labels(classes)):
            raise ValueError(
                f"`classes={classes!r}` is not the same as on last call to "
                f"partial_fit, was: {self.classes_!r}"
            )

    def _encode_known_targets(self, y, dtype, exact):
        """Return ``Y`` and the class index of each row for the fitted classes.

        With ``exact``, ``y`` must hold exactly the fitted classes (``warm_start``);
        otherwise a subset is enough (``partial_fit``).
        """
        if self._label_type == "multilabel":
            if type_of_target(y) != "multilabel-indicator" or y.shape[1] != len(
                self.classes_
            ):
                raise ValueError(
                    f"y must be a multilabel indicator matrix with "
                    f"{len(self.classes_)} columns, as in the first fit."
                )
            return np.asarray(y, dtype=dtype), None
        y = column_or_1d(y, warn=True)
        present = np.unique(y)
        unknown = np.setdiff1d(present, self.classes_)
        if len(unknown) or (exact and len(present) != len(self.classes_)):
            raise ValueError(
                f"y holds the classes {present.tolist()}, but the model was fitted "
                f"on {self.classes_.tolist()}. "
                + (
                    "warm_start needs the same classes as the previous fit."
                    if exact
                    else "Pass every class through `classes` on the first call."
                )
            )
        y_index = np.searchsorted(self.classes_, y)
        if self._label_type == "binary":
            return y_index.astype(dtype)[:, np.newaxis], y_index
        Y = np.zeros((len(y), len(self.classes_)), dtype=dtype)
        Y[np.arange(len(y)), y_index] = 1
        return Y, y_index

    def _sample_weight(self, X, y, y_index, sample_weight):
        """Validated sample weights times class weights, or None for neither."""
        given = sample_weight is not None
        if given:
            # float64 first: weights too large for float32 X are refused below with
            # their sum, not by an overflow on the way.
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True
            )
        if self.class_weight is not None:
            if self._label_type == "multilabel":
                raise ValueError("class_weight is not supported for multilabel y.")
            if isinstance(self.class_weight, dict):
                _check_class_weight_dict(self.class_weight)
            weights = compute_sample_weight(self.class_weight, column_or_1d(y))
            with np.errstate(over="ignore"):
                sample_weight = (
                    weights if sample_weight is None else sample_weight * weights
                )
        if sample_weight is None:
            return None
        what = " times ".join(
            name
            for name, used in [
                ("sample_weight", given),
                ("class_weight", self.class_weight is not None),
            ]
            if used
        )
        with np.errstate(over="ignore"):
            total = float(np.sum(sample_weight))
        if total <= 0:
            raise ValueError(f"{what} must have a positive sum.")
        _check_weight_sum(total, X.dtype, what)
        if y_index is not None:
            n_present = len(np.unique(y_index[sample_weight > 0]))
            if n_present < 2 and len(np.unique(y_index)) > 1:
                raise ValueError(
                    f"The number of classes with a positive {what} has to be "
                    f"greater than one; got {n_present} class."
                )
        return sample_weight.astype(X.dtype, copy=False)

    def _split_validation(self, data, y_index, rng):
        """Hold out ``validation_fraction`` of ``data``, stratified by class."""
        self._check_split_sizes(data.X.shape[0], y_index)
        arrays = [data.X, data.Y]
        if data.sample_weight is not None:
            arrays.append(data.sample_weight)
        parts = train_test_split(
            *arrays,
            test_size=self.validation_fraction,
            random_state=rng,
            stratify=y_index,
        )
        train_parts, held_out = parts[0::2], parts[1::2]
        for part, name in [(train_parts, "training"), (held_out, "validation")]:
            if len(part) == 3 and not np.sum(part[2]) > 0:
                raise ValueError(
                    f"early_stopping=True drew a {name} set whose sample weights "
                    "sum to zero, so its loss is undefined. Give weight to more "
                    "rows, or set early_stopping=False."
                )
        return Dataset(*train_parts), Dataset(*held_out)

    def _loss_name(self):
        """The loss of the fitted label type: one softmax, or independent sigmoids."""
        if self._label_type == "multiclass":
            return "categorical_cross_entropy"
        return "binary_cross_entropy"

    def _check_split_sizes(self, n, y_index):
        """Raise, naming the parameters, where the validation split cannot be made."""
        # train_test_split rounds the held-out share of the rows up.
        n_validation = math.ceil(self.validation_fraction * n)
        n_train = n - n_validation
        counts = np.bincount(y_index) if y_index is not None else np.array([n])
        counts = counts[counts > 0]
        needed = len(counts)
        if min(n_validation, n_train) < needed:
            if y_index is None:
                need = "at least one row in each part"
            else:
                need = (
                    f"at least one row of each of the {needed} classes in each part "
                    "of its stratified split"
                )
            raise ValueError(
                f"early_stopping=True holds out validation_fraction="
                f"{self.validation_fraction!r} of the {n} rows: a validation set of "
                f"{_rows(n_validation)} and a training set of {_rows(n_train)}, but "
                f"it needs {need}. Change validation_fraction, give more rows, or "
                "set early_stopping=False."
            )
        if y_index is not None and counts.min() < 2:
            rare = self.classes_[np.flatnonzero(np.bincount(y_index) == 1)]
            raise ValueError(
                "early_stopping=True splits the rows by class, which needs at least "
                f"2 rows of each class; the classes {rare.tolist()} have 1. Give more "
                "rows, or set early_stopping=False."
            )

    def _optimizer(self, resume):
        # Python floats: a NumPy float64 would make float32 updates run in float64.
        kwargs = {
            "gd": {},
            "momentum": {"momentum": float(self.momentum), "nesterov": self.nesterov},
            "adam": {
                "beta_1": float(self.beta_1),
                "beta_2": float(self.beta_2),
                "epsilon": float(self.epsilon),
            },
        }[self.solver]
        optimizer = OPTIMIZERS[self.solver](float(self.lr), **kwargs)
        if resume and self._optimizer_state_.get("solver") == self.solver:
            optimizer.lr = self._optimizer_state_["lr"]
            optimizer.set_state(self._optimizer_state_)
        return optimizer

    def _plateau(self, validation):
        tol = self.tol
        if tol is None and (self.early_stopping or self.lr_schedule == "adaptive"):
            tol = 0.0
        if tol is None:
            return None
        return Plateau(tol, self.n_iter_no_change, keep_best=validation is not None)

    def _store(self, network, result, optimizer, continuing):
        """Turn a training result into fitted attributes."""
        previous = self.loss_curve_ if continuing else []
        self.coefs_ = network.coefs
        self.intercepts_ = network.intercepts
        self.loss_curve_ = previous + [float(v) for v in result.loss_curve]
        self.loss_ = self.loss_curve_[-1] if self.loss_curve_ else None
        validated = result.validation_loss_curve is not None
        # With early stopping the kept weights are not those of the lowest training
        # loss; like MLPClassifier, point to best_validation_score_ instead.
        self.best_loss_ = (
            min(self.loss_curve_) if self.loss_curve_ and not validated else None
        )
        self.n_iter_ = (self.n_iter_ if continuing else 0) + result.n_iter
        self.t_ = (self.t_ if continuing else 0) + result.t
        self.n_layers_ = len(network.coefs) + 1
        if validated:
            # Like loss_curve_, the validation curves run over every continued call.
            extend = continuing and self.validation_loss_curve_ is not None
            self.validation_loss_curve_ = (
                self.validation_loss_curve_ if extend else []
            ) + list(result.validation_loss_curve)
            self.validation_scores_ = (
                self.validation_scores_ if extend else []
            ) + list(result.validation_scores)
            # With a plateau keeping the best weights, score the epoch kept.
            best = result.best_epoch
            self.best_validation_score_ = (
                max(result.validation_scores)
                if best is None
                else result.validation_scores[best]
            )
        elif not continuing:
            self.validation_loss_curve_ = None
            self.validation_scores_ = None
            self.best_validation_score_ = None
        self._optimizer_state_ = (
            {}
            if optimizer is None
            else {"solver": self.solver, "lr": optimizer.lr, **optimizer.get_state()}
        )

    def _warn_about_stopping(self, result, incremental):
        if result.interrupted:
            unit = "iterations" if self.solver == "lbfgs" else "epochs"
            kept = (
                "the best validated epoch"
                if result.best_epoch is not None
                else f"the last completed {unit[:-1]}"
            )
            warnings.warn(
                f"Training was interrupted after {result.n_iter} {unit} of this "
                f"call; the model keeps the weights of {kept}. A second Ctrl-C, "
                "in this fit or a later one, stops everything with "
                "KeyboardInterrupt.",
                UserWarning,
                stacklevel=3,
            )
        elif not incremental and not result.stopped and self.tol is not None:
            warnings.warn(
                f"Maximum epochs ({self.epochs}) reached and the optimization "
                "hasn't converged yet; raise epochs or tol.",
                ConvergenceWarning,
                stacklevel=3,
            )

    def _diagnose(self, network, loss, data, result):
        """Check the trained network on its training data; return what went wrong.

        Raises the ``DivergenceError`` of training where the network's outputs or
        loss there are not finite: the last update broke it, though its weights
        are finite.
        """
        final = final_pass(network, loss, data, self.alpha)
        if not final.finite:
            raise diverged(
                result.n_iter,
                "at the final weights the outputs or the loss on the training data "
                "are not finite",
                None if self.solver == "lbfgs" else self.lr,
                self.alpha,
            )
        baseline = loss.baseline(data.Y, data.sample_weight)
        return problems(final, result.loss_curve, baseline)

    def _warn_about_problems(self, found, result):
        """Warn about what :meth:`_diagnose` found, and L-BFGS's abnormal stops."""
        lbfgs = self.solver == "lbfgs"
        unit = ("iteration" if lbfgs else "epoch") + "s" * (result.n_iter != 1)
        head = f"Training went wrong in {result.n_iter} {unit}: "
        if result.abnormal is not None:
            nit, message = result.abnormal
            head = "lbfgs failed to converge: "
            found = [
                f"SciPy's L-BFGS-B stopped abnormally after {nit} completed "
                f"iterations, with the message {message!r}",
                *found,
            ]
        if not found:
            return
        step = (
            f"a larger alpha than {self.alpha!r}"
            if lbfgs
            else f"a smaller learning rate than lr={self.lr!r}"
        )
        other_scale = "0.1" if self.init_scale == "auto" else "'auto'"
        warnings.warn(
            head
            + "; ".join(found)
            + f". Try scaling the features (for example with StandardScaler), {step}"
            + f", or another init_scale than {self.init_scale!r}, such as "
            + f"{other_scale}.",
            ConvergenceWarning,
            stacklevel=3,
        )

    def _check_fitted_state(self):
        """Raise a ValueError naming a fitted attribute that contradicts the others.

        A model loaded from a file, or edited by hand, could otherwise fail deep in
        the forward pass, or return probabilities that do not sum to one.
        """

        def refuse(attribute, problem):
            raise ValueError(
                f"This fitted ANNClassifier is inconsistent: {attribute} {problem}. "
                "Fit it again, or load a model saved as fit left it."
            )

        coefs, intercepts = self.coefs_, self.intercepts_
        if not isinstance(coefs, list) or not coefs:
            refuse("coefs_", f"must be a non-empty list of arrays, not {coefs!r:.60}")
        if not isinstance(intercepts, list) or len(intercepts) != len(coefs):
            refuse("intercepts_", f"must be a list of {len(coefs)} arrays, as coefs_")
        for i, (W, b) in enumerate(zip(coefs, intercepts)):
            if not isinstance(W, np.ndarray) or W.ndim != 2:
                refuse(f"coefs_[{i}]", "must be a 2-D array")
            if W.dtype != coefs[0].dtype or W.dtype not in (np.float32, np.float64):
                refuse(
                    f"coefs_[{i}]",
                    f"has dtype {W.dtype}; every layer must have coefs_[0]'s dtype, "
                    "float32 or float64",
                )
            if i and W.shape[0] != coefs[i - 1].shape[1]:
                refuse(
                    f"coefs_[{i}]",
                    f"has shape {W.shape}, but coefs_[{i - 1}] has shape "
                    f"{coefs[i - 1].shape}: layer {i} must take "
                    f"{coefs[i - 1].shape[1]} inputs",
                )
            if not isinstance(b, np.ndarray) or b.shape != (W.shape[1],):
                refuse(
                    f"intercepts_[{i}]",
                    f"has shape {np.shape(b)}, but coefs_[{i}] has {W.shape[1]} "
                    f"outputs: it must have shape ({W.shape[1]},)",
                )
            if b.dtype != W.dtype:
                refuse(f"intercepts_[{i}]", f"has dtype {b.dtype}, not {W.dtype}")
            if not (np.isfinite(W).all() and np.isfinite(b).all()):
                refuse(f"coefs_[{i}] or intercepts_[{i}]", "holds non-finite values")
        if self.n_features_in_ != coefs[0].shape[0]:
            refuse(
                "n_features_in_",
                f"is {self.n_features_in_!r}, but coefs_[0] takes "
                f"{coefs[0].shape[0]} features",
            )
        if getattr(self, "n_layers_", len(coefs) + 1) != len(coefs) + 1:
            refuse("n_layers_", f"is {self.n_layers_!r}, not len(coefs_) + 1")
        if self.n_outputs_ != coefs[-1].shape[1]:
            refuse(
                "n_outputs_",
                f"is {self.n_outputs_!r}, but the last layer coefs_[-1] has "
                f"{coefs[-1].shape[1]} outputs",
            )
        classes = self.classes_
        if not isinstance(classes, np.ndarray) or classes.ndim != 1:
            refuse("classes_", "must be a 1-D array")
        label_type = getattr(self, "_label_type", None)
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
        if self.activation not in ACTIVATIONS:
            refuse(
                "activation",
                f"is {self.activation!r}, not one of {sorted(ACTIVATIONS)}",
            )
        names = getattr(self, "feature_names_in_", None)
        if names is not None and len(names) != self.n_features_in_:
            refuse(
                "feature_names_in_",
                f"holds {len(names)} names for {self.n_features_in_} features",
            )

    def _layer_sizes(self):
        return (self.coefs_[0].shape[0], *(W.shape[1] for W in self.coefs_))

    def _epoch_hook(self, reporter):
        """What to call after each epoch: the progress printer, the callbacks."""
        printer = self._progress_printer()
        if not reporter.active:
            return printer

        def on_epoch(epoch, loss):
            if printer is not None:
                printer(epoch, loss)
            return reporter.epoch_end(epoch, loss)

        return on_epoch

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
        self._check_fitted_state()
        _refuse_dates(X)
        X = _validate_quietly(self, X, reset=False, dtype=[np.float64, np.float32])
        if self._label_type != "binary":
            return self._forward_in_chunks(X)
        # One output unit gives p; the columns are [1 - p, p], filled in place.
        proba = self._forward_in_chunks(X, n_columns=2)
        np.subtract(1, proba[:, 1], out=proba[:, 0])
        return proba

    def _forward_in_chunks(self, X, n_columns=None):
        """Output probabilities, computed a chunk of rows at a time.

        With ``n_columns`` the output units fill the last columns of a wider array.
        """
        network = self._network()
        dtype = network.dtype
        n_columns = self.n_outputs_ if n_columns is None else n_columns
        out = np.empty((X.shape[0], n_columns), dtype=dtype)
        units = out[:, n_columns - self.n_outputs_ :]
        limit = min(CHUNK_BYTES, get_config()["working_memory"] * 2**20)
        chunk = network.rows_per_chunk(limit)
        with (
            np.errstate(over="ignore", invalid="ignore"),
            blas_threads(min(chunk, X.shape[0]), self._layer_sizes()),
        ):
            for rows in gen_batches(X.shape[0], chunk):
                units[rows] = network.forward(X[rows].astype(dtype, copy=False))
        if not np.isfinite(units).all():
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
        self._check_fitted_state()
        _refuse_dates(X)
        X = _validate_quietly(self, X, reset=False, dtype=[np.float64, np.float32])
        P = self._forward_in_chunks(X)
        if self._label_type == "multilabel":
            return (P >= 0.5).astype(int)
        if self._label_type == "binary":
            # Threshold at 0.5 like the textbook: p == 0.5 predicts the second class.
            return self.classes_[(P[:, 0] >= 0.5).astype(int)]
        return self.classes_[np.argmax(P, axis=1)]
