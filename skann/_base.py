"""What ANNClassifier and ANNRegressor share: everything that is not about classes.

:class:`BaseANN` holds the parameters and their constraints, the validation of the
input, the one training path of ``fit`` and ``partial_fit`` (the network, the
optimizer, the plan, the fitted attributes, the warnings), prediction a chunk of
rows at a time, and the checks of a saved model. A subclass encodes its targets,
names its loss and checks its own fitted attributes.
"""

import contextlib
import math
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn import get_config
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import gen_batches
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
)
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    check_random_state,
    validate_data,
)

from ._callbacks import CallbackSupportMixin, EpochReporter
from ._core.activations import ACTIVATIONS
from ._core.diagnosis import final_pass, problems
from ._core.lbfgs import train_lbfgs
from ._core.losses import LOSSES
from ._core.network import CHUNK_BYTES, Network, input_rms
from ._core.optimizers import OPTIMIZERS
from ._core.plan import Dataset, Plan
from ._core.schedules import SCHEDULES
from ._core.stopping import Plateau, diverged
from ._core.training import train
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


def _hidden_sizes(hidden_size, owner):
    """Return ``hidden_size`` as a tuple, raising for a tuple with a bad entry."""
    if isinstance(hidden_size, Integral):
        return (int(hidden_size),)
    sizes = tuple(hidden_size)
    if not sizes or not all(
        isinstance(s, Integral) and not isinstance(s, bool) and s >= 1 for s in sizes
    ):
        raise InvalidParameterError(
            f"The 'hidden_size' parameter of {owner} must be an int in the range "
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


def _refuse_dates(X, owner):
    """Raise a TypeError naming the datetime64 or timedelta64 columns of ``X``."""
    dtype = getattr(X, "dtype", None)
    if isinstance(dtype, np.dtype) and dtype.kind in "mM":
        raise TypeError(
            f"X has dtype {dtype}; {owner} needs numeric features. Convert "
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
            f"X has datetime or timedelta columns {bad}; {owner} needs numeric "
            "features. Convert dates and durations to numbers first, for example "
            "to seconds since a reference time, or drop those columns."
        )


def _rows(n):
    return f"{n} row" if n == 1 else f"{n} rows"


#: The weighted loss multiplies each weight by a row's loss, at most -log(1e-9) per
#: output of a cross-entropy; this headroom under the dtype's largest value keeps
#: those sums finite.
_WEIGHT_HEADROOM = 1e8


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


def _partial_fit_available(estimator):
    """Hide ``partial_fit`` from ``hasattr`` for 'lbfgs', as scikit-learn's MLPs do."""
    if estimator.solver == "lbfgs":
        raise AttributeError(
            "partial_fit is not available with solver='lbfgs', which needs "
            "the whole data set; use 'gd', 'momentum' or 'adam'."
        )
    return True


class BaseANN(CallbackSupportMixin, BaseEstimator):
    """The estimator machinery of ANNClassifier and ANNRegressor.

    Not for direct use. A subclass sets the constructor's signature and provides
    ``_encode_targets`` (targets to the network's ``Y``), ``_loss_name`` and
    ``_check_fitted_targets``; it may weigh rows by their targets through
    ``_target_weights`` and ``_check_weighted_targets``.
    """

    _parameter_constraints = {
        "hidden_size": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "init_scale": [
            Interval(Real, 0, None, closed="neither"),
            StrOptions({"auto", "data"}),
        ],
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
        "warm_start": ["boolean"],
    }

    def __init__(
        self,
        hidden_size,
        *,
        activation,
        lr,
        epochs,
        init_scale,
        random_state,
        verbose,
        solver,
        batch_size,
        shuffle,
        momentum,
        nesterov,
        beta_1,
        beta_2,
        epsilon,
        lr_schedule,
        power_t,
        alpha,
        tol,
        n_iter_no_change,
        early_stopping,
        validation_fraction,
        warm_start,
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
        # The first layer multiplies a sparse X as it is, never densified.
        tags.input_tags.sparse = True
        return tags

    # Training ---------------------------------------------------------------------

    def _partial_fit(self, X, y, sample_weight, classes=None):
        """One epoch over ``X`` and ``y``; what both estimators' partial_fit do."""
        if self.early_stopping:
            # One call is one epoch over new data: there is nothing to hold out and
            # no later epoch to stop.
            raise ValueError(
                "partial_fit does not support early_stopping=True; set "
                "early_stopping=False and score held-out data between calls."
            )
        self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _validate_input(self, X, y, reset):
        """Validated ``X`` (dense, or CSR) and ``y``."""
        _refuse_dates(X, type(self).__name__)
        # CSC and every other sparse format become CSR once: batches take rows.
        return _validate_quietly(
            self,
            X,
            y,
            reset=reset,
            accept_sparse="csr",
            multi_output=True,
            dtype=[np.float64, np.float32],
        )

    def _fit(self, X, y, sample_weight, incremental, classes=None):
        """Shared by fit and partial_fit; sets every fitted attribute."""
        hidden = _hidden_sizes(self.hidden_size, type(self).__name__)
        continuing = hasattr(self, "coefs_") and (incremental or self.warm_start)
        X, y = self._validate_input(X, y, reset=not continuing)
        if continuing:
            self._check_fitted_state()
            X = X.astype(self.coefs_[0].dtype, copy=False)
        Y, strata = self._encode_targets(y, X.dtype, continuing, incremental, classes)
        if not continuing:
            self.out_activation_ = LOSSES[self._loss_name()].output_activation
        sample_weight = self._sample_weight(X, y, strata, sample_weight)
        rng = check_random_state(self.random_state)
        layer_sizes = (X.shape[1], *hidden, Y.shape[1])
        network = self._start_network(layer_sizes, X.dtype, rng, continuing, X)
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
            data, validation = self._split_validation(data, strata, rng)
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

    def _start_network(self, layer_sizes, dtype, rng, continuing, X):
        """A copy of the fitted network to continue, or a new one drawn from rng
        (``init_scale='data'`` scales the first layer to the training inputs ``X``)."""
        if not continuing:
            return Network.initialize(
                layer_sizes,
                self.activation,
                self.out_activation_,
                self.init_scale,
                rng,
                dtype=dtype,
                input_rms=input_rms(X) if self.init_scale == "data" else 1.0,
            )
        if self._layer_sizes() != layer_sizes:
            raise ValueError(
                f"The fitted network has layers {self._layer_sizes()}, but "
                f"hidden_size={self.hidden_size!r} asks for {layer_sizes}; "
                "set warm_start=False to start anew."
            )
        return self._network()

    def _target_weights(self, y):
        """``(name, weights)`` that multiply each row's weight by its target, or None.

        Nothing here; ANNClassifier weighs classes.
        """
        return None

    def _check_weighted_targets(self, strata, sample_weight, what):
        """Raise if the weights leave the targets unlearnable; nothing here."""

    def _sample_weight(self, X, y, strata, sample_weight):
        """Validated sample weights times the targets' weights, or None for neither."""
        given = sample_weight is not None
        if given:
            # float64 first: weights too large for float32 X are refused below with
            # their sum, not by an overflow on the way.
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True
            )
        target_weights = self._target_weights(y)
        if target_weights is not None:
            with np.errstate(over="ignore"):
                sample_weight = (
                    target_weights[1]
                    if sample_weight is None
                    else sample_weight * target_weights[1]
                )
        if sample_weight is None:
            return None
        names = ["sample_weight"] if given else []
        if target_weights is not None:
            names.append(target_weights[0])
        what = " times ".join(names)
        with np.errstate(over="ignore"):
            total = float(np.sum(sample_weight))
        if total <= 0:
            raise ValueError(f"{what} must have a positive sum.")
        _check_weight_sum(total, X.dtype, what)
        self._check_weighted_targets(strata, sample_weight, what)
        return sample_weight.astype(X.dtype, copy=False)

    def _split_validation(self, data, strata, rng):
        """Hold out ``validation_fraction`` of ``data``, stratified by ``strata``.

        ``strata`` holds each row's class index, or is None (regression).
        """
        self._check_split_sizes(data.X.shape[0], strata)
        arrays = [data.X, data.Y]
        if data.sample_weight is not None:
            arrays.append(data.sample_weight)
        parts = train_test_split(
            *arrays,
            test_size=self.validation_fraction,
            random_state=rng,
            stratify=strata,
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

    def _check_split_sizes(self, n, strata):
        """Raise, naming the parameters, where the validation split cannot be made."""
        # train_test_split rounds the held-out share of the rows up.
        n_validation = math.ceil(self.validation_fraction * n)
        n_train = n - n_validation
        counts = np.bincount(strata) if strata is not None else np.array([n])
        counts = counts[counts > 0]
        needed = len(counts)
        if min(n_validation, n_train) < needed:
            if strata is None:
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
        if strata is not None and counts.min() < 2:
            rare = self.classes_[np.flatnonzero(np.bincount(strata) == 1)]
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
        return problems(final, result.loss_curve, baseline, self._baseline_words)

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
        other_scale = "0.1" if self.init_scale in ("auto", "data") else "'auto'"
        warnings.warn(
            head
            + "; ".join(found)
            + f". Try scaling the features (for example with StandardScaler), {step}"
            + f", or another init_scale than {self.init_scale!r}, such as "
            + f"{other_scale}.",
            ConvergenceWarning,
            stacklevel=3,
        )

    # Fitted state -----------------------------------------------------------------

    def _check_fitted_state(self):
        """Raise a ValueError naming a fitted attribute that contradicts the others.

        A model loaded from a file, or edited by hand, could otherwise fail deep in
        the forward pass, or return outputs of the wrong shape.
        """
        name = type(self).__name__

        def refuse(attribute, problem):
            raise ValueError(
                f"This fitted {name} is inconsistent: {attribute} {problem}. "
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
        self._check_fitted_targets(refuse)
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

    # Prediction -------------------------------------------------------------------

    def _validate_for_prediction(self, X):
        """Check the fitted state; return ``X`` validated (dense, or CSR)."""
        check_is_fitted(self)
        self._check_fitted_state()
        _refuse_dates(X, type(self).__name__)
        return _validate_quietly(
            self, X, reset=False, accept_sparse="csr", dtype=[np.float64, np.float32]
        )

    def _forward_in_chunks(self, X, n_columns=None):
        """Network outputs, computed a chunk of rows at a time.

        With ``n_columns`` the output units fill the last columns of a wider array.
        A sparse ``X`` stays sparse: each chunk's rows go to the first layer as
        they are.
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
