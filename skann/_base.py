"""What ANNClassifier and ANNRegressor share: their parameters and the fit path.

:class:`BaseANN` holds the parameters and their constraints, and the one path of
``fit`` and ``partial_fit``: validate the input, encode the targets, start the
network, run the engine (``_engine.py``) and swap the fitted state in
(``_fitted.py``). Prediction (``_predict.py``) reads that state. A subclass
handles its targets through the hooks listed in :class:`BaseANN`'s Notes.
"""

import contextlib
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import check_random_state

from . import _version
from ._arrays import (
    DISPATCHES,
    Home,
    converted,
    home_from_words,
    home_words,
    host,
)
from ._callbacks import CallbackSupportMixin, EpochReporter
from ._core.activations import ACTIVATION_NAMES
from ._core.layers import Dropout
from ._core.losses import loss_of
from ._core.namespaces import Placement
from ._core.network import Network, input_rms
from ._core.optimizers import SOLVER_NAMES
from ._core.plan import Dataset
from ._core.scaling import unfold
from ._core.schedules import SCHEDULES
from ._engine import Settings, run, warn_about_training
from ._fitted import (
    MODEL_KEY,
    all_on_host,
    attributes,
    commit,
    fitted_home,
    fitted_model,
    resumed,
    scratch_copy,
    with_arrays,
)
from ._memory import check_network_fits, too_large
from ._mlp_names import refuse_mlp_names
from ._statistics import input_statistics
from ._validation import (
    dropout_rates,
    hidden_sizes,
    sample_weights,
    split_validation,
    training_data,
)
from .exceptions import InconsistentVersionWarning
from .plugins import Activation, Optimizer


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

    Not for direct use. A subclass sets the constructor's signature and handles
    its targets through the hooks below, and nowhere else.

    Notes
    -----
    The target hooks, in the order :meth:`_train` calls them. They run on the
    scratch copy of the estimator that a fit builds (see ``_fitted.py``), so the
    attributes a hook sets reach the estimator with the rest of the fit, or never.
    Those marked *required* have no default here.

    ``_validate_input(X, y, reset)``
        Validated ``X`` and ``y``; ANNClassifier makes a sparse ``y`` dense.
    ``_encode_targets(y, dtype, continuing, incremental, classes)``, *required*
        Returns ``(Y, strata)``: the targets as the network's outputs (a NumPy
        array of ``dtype``), and each row's class index, which the validation
        split of early stopping is stratified on (None for no strata). It
        checks ``y`` against the fitted model a fit continues; a new fit sets
        here the attributes of its targets: ``classes_``, ``_label_type`` and
        ``n_outputs_`` (ANNClassifier), ``n_outputs_`` (ANNRegressor).
    ``_loss_name()``, *required*
        The key of ``LOSSES`` for these targets, or a loss object (ANNRegressor's
        ``loss``); its output activation becomes ``out_activation_``.
    ``_target_weights(y)`` and ``_check_weighted_targets(strata, w, what)``
        Weights of the rows by their targets, ``(name, weights)`` or None
        (ANNClassifier's ``class_weight``), and the refusal of weights that leave
        the targets unlearnable.
    ``_training_targets(Y, dtype, sample_weight, continuing, home)``
        The targets the network trains on; ANNRegressor standardises them, and
        sets ``y_mean_`` and ``y_scale_`` here (a continued fit merges its rows
        into them).
    ``_continued_weights(previous)``
        The weights a continued fit starts from, in the units of those targets.
    ``_target_factors(network, previous)``
        Factors that rescale the optimizer's state once those units changed.
    ``_divergence_explained(X, y, sample_weight)``
        A context that may say more of the targets in a ``DivergenceError``.
    ``_baseline_words``, ``_scaling_advice(data)``, ``_flat_advice(data)``
        What the engine's diagnosis says of these targets, given to the engine
        in its ``Settings`` (see ``_engine.py``).
    ``_fitted_weights(coefs, intercepts, xp)``
        ``coefs_`` and ``intercepts_`` from the trained network's weights;
        ANNRegressor scales its output layer back to ``y``'s units.
    ``_check_fitted_targets(refuse)``, *required*
        Called by the check of a fitted state (``_fitted.py``), not by a fit:
        refuses target attributes that contradict each other or the network.
    ``_min_validation_rows``
        The fewest held-out rows early stopping's validation score is defined on.

    Prediction (``_predict.py``) reads the attributes these hooks set.
    """

    #: Fewest held-out rows the validation score of early stopping is defined on.
    _min_validation_rows = 1
    #: What the constant prediction the diagnosis compares the loss with predicts.
    _baseline_words = "a constant"

    _parameter_constraints = {
        "hidden_size": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "activation": [StrOptions(ACTIVATION_NAMES), Activation],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "init_scale": [
            Interval(Real, 0, None, closed="neither"),
            StrOptions({"auto", "data"}),
        ],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "solver": [StrOptions(SOLVER_NAMES), Optimizer],
        "batch_size": [
            None,
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "shuffle": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterov": ["boolean"],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "lr_schedule": [StrOptions(set(SCHEDULES))],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "dropout": [Interval(Real, 0, 1, closed="left"), tuple, list],
        "tol": [None, Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "warm_start": ["boolean"],
        "standardize": ["boolean"],
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
        dropout,
        tol,
        n_iter_no_change,
        early_stopping,
        validation_fraction,
        warm_start,
        standardize,
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
        self.dropout = dropout
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.warm_start = warm_start
        self.standardize = standardize

    def __new__(cls, *args, **kwargs):
        # Python's own TypeError for an MLP parameter name would not say what
        # skann calls it; __init__ still refuses every other unknown name.
        refuse_mlp_names(cls, kwargs, TypeError)
        return super().__new__(cls)

    def set_params(self, **params):
        """Set the parameters of this estimator.

        As :meth:`sklearn.base.BaseEstimator.set_params`; a parameter name of
        MLPClassifier or MLPRegressor is refused with a ``ValueError`` naming
        skann's.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : estimator instance
            Estimator instance.
        """
        refuse_mlp_names(self, params, ValueError)
        return super().set_params(**params)

    def __getstate__(self):
        state = {**super().__getstate__(), "_skann_version": _version.__version__}
        # The model that predicts is made again, and checked, at load.
        state.pop(MODEL_KEY, None)
        if not all_on_host(state):
            # NumPy arrays load anywhere, and skops saves no others; the load
            # moves them back where they were fitted.
            home = fitted_home(state)
            state = converted(state, host)
            if home.xp is not np:
                state["_array_home"] = home_words(home)
        return state

    def __setstate__(self, state):
        state = dict(state)
        saved_by = state.pop("_skann_version", None)
        if saved_by != _version.__version__:
            warnings.warn(
                InconsistentVersionWarning(
                    estimator_name=type(self).__name__,
                    current_skann_version=_version.__version__,
                    original_skann_version=saved_by,
                )
            )
        words = state.pop("_array_home", None)
        super().__setstate__(state)
        if words is not None:
            self._return_home(words)
        if "coefs_" in state:
            fitted_model(self)

    def _return_home(self, words):
        """Move the arrays of a model loaded as NumPy back where it was fitted."""
        try:
            home = home_from_words(words)
        except LookupError as err:
            warnings.warn(
                f"This {type(self).__name__} was fitted on {words[0]} arrays on "
                f"{words[1]}, which cannot be restored here ({err}); it keeps "
                "NumPy arrays.",
                UserWarning,
                stacklevel=3,
            )
            return
        vars(self).update(converted(dict(vars(self)), home.put))

    def __sklearn_array_api_convert__(self, converter):
        # scikit-learn's move_estimator_to: every numeric array converted, and the
        # model that predicts made again from them.
        return with_arrays(self, converter)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # The first layer multiplies a sparse X as it is, never densified.
        tags.input_tags.sparse = True
        # Every solver trains in X's namespace and on its device (L-BFGS hands
        # SciPy the parameter vector on the host).
        tags.array_api_support = DISPATCHES
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

    def _fit(self, X, y, sample_weight, incremental, classes=None):
        """Shared by fit and partial_fit: train aside, then swap the result in.

        The new state is built on a scratch copy and given to the estimator in one
        step, so a fit that raises changes nothing and a prediction in another
        thread meanwhile answers with the model before the fit.
        """
        continuing = "coefs_" in vars(self) and (incremental or self.warm_start)
        previous = fitted_model(self).estimator if continuing else None
        scratch = scratch_copy(self)
        scratch._train(X, y, sample_weight, incremental, classes, previous, self)
        commit(self, scratch)

    def _train(self, X, y, sample_weight, incremental, classes, previous, owner):
        """Set every fitted attribute of this scratch copy of ``owner``.

        ``previous`` is the fitted model this call continues, or None.
        """
        hidden = hidden_sizes(self.hidden_size, type(self).__name__)
        rates = dropout_rates(self.dropout, len(hidden), self.solver, type(self))
        continuing = previous is not None
        X, y = self._validate_input(X, y, reset=not continuing)
        home = Home.of_input(X)
        if continuing:
            previous = self._continue_in(home, previous)
            X = home.put(X, previous.coefs_[0].dtype)
        dtype = home.numpy_dtype(X.dtype)
        Y, strata = self._encode_targets(y, dtype, continuing, incremental, classes)
        loss = loss_of(self._loss_name())
        self.out_activation_ = loss.output_activation
        sample_weight = self._sample_weight(X, y, strata, sample_weight, home)
        Y = self._training_targets(Y, dtype, sample_weight, continuing, home)
        Y = home.put(Y, X.dtype)
        rng = check_random_state(self.random_state)
        layer_sizes = (X.shape[1], *hidden, Y.shape[1])
        network, rescale = self._network(
            X, sample_weight, layer_sizes, rng, previous, home
        )
        if continuing:
            # Successive calls must not reuse one sequence of shuffles.
            rng = np.random.RandomState(rng.randint(2**31 - 1) ^ previous.n_iter_)
        if any(rates):
            # The masks are drawn from the batches' generator.
            dropouts = [Dropout(r, rng, network.xp) if r else None for r in rates]
            network.add_layers(dropouts)
        reporter = EpochReporter(
            owner,
            X,
            y,
            sample_weight,
            1 if incremental else self.epochs,
            network,
            previous.n_iter_ if continuing else 0,
            fitted=self,
        )
        data, validation = self._held_out(
            Dataset(X, Y, sample_weight), strata, rng, home, incremental
        )
        settings = self._settings(incremental)
        with self._divergence_explained(X, y, sample_weight):
            result, optimizer, diagnosis, seen = run(
                settings,
                network,
                loss,
                data,
                validation=validation,
                reporter=reporter,
                rng=rng,
                resumed=resumed(previous, rescale),
            )
        weights = self._fitted_weights(*network.raw_weights(), network.xp)
        vars(self).update(attributes(weights, result, optimizer, self.solver, previous))
        self._weight_seen_ = seen
        reporter.finish()
        warn_about_training(settings, result, diagnosis)

    def _settings(self, incremental):
        """What the engine reads of this estimator (see ``_engine.Settings``)."""
        # The parameters are attributes of their names; get_params would read the
        # signature of __init__ again at each call of partial_fit.
        return Settings.of(
            vars(self),
            baseline_words=self._baseline_words,
            scaling_advice=self._scaling_advice,
            flat_advice=self._flat_advice,
            incremental=incremental,
        )

    def _held_out(self, data, strata, rng, home, incremental):
        """``data`` less the rows early stopping holds out, and those rows (or
        None)."""
        # L-BFGS has no epochs to stop between, so it trains on every row.
        if not self.early_stopping or incremental or self.solver == "lbfgs":
            return data, None
        return split_validation(
            data,
            strata,
            rng,
            self.validation_fraction,
            host(self.__dict__.get("classes_")),
            self._min_validation_rows,
            home,
        )

    def _validate_input(self, X, y, reset):
        """Validated ``X`` (dense, or CSR) and ``y``; a subclass may check more."""
        return training_data(self, X, y, reset)

    def _continue_in(self, home, previous):
        """``previous``, the fitted model a fit continues, with its arrays in ``home``.

        Everything follows X: a model fitted elsewhere is moved, and this scratch
        copy takes its moved attributes.
        """
        if Home.of(previous.coefs_[0]) == home:
            return previous
        previous = with_arrays(previous, home.put)
        vars(self).update((k, v) for k, v in vars(previous).items() if k != MODEL_KEY)
        return previous

    def _network(self, X, sample_weight, layer_sizes, rng, previous, home):
        """The network to train, and the factors its parameters were rescaled by
        since ``previous``'s optimizer state was saved (or None).

        Sets ``x_mean_``, ``x_scale_`` and ``_x_var_`` (see ``_statistics.py``).
        """
        stats, ratio = input_statistics(
            X, sample_weight, previous, self.standardize, home
        )
        self.x_mean_, self.x_scale_, self._x_var_ = stats or (None, None, None)
        scaling = None if stats is None else stats[:2]
        if previous is not None:
            network = self._continued_network(
                layer_sizes, X.dtype, previous, home, scaling
            )
        else:
            # Standardised inputs have a root mean square of at most 1.
            rms = 1.0
            if self.init_scale == "data" and stats is None:
                rms = input_rms(X, home.xp)
            network = self._new_network(
                layer_sizes, X.dtype, rng, home, rms, scaling, X.shape[0]
            )
        factors = None if previous is None else self._target_factors(network, previous)
        if ratio is not None:
            # The first layer's weights of feature j scale with its new scale.
            rows = network.block_factors(0, np.append(ratio, 1.0))
            factors = rows if factors is None else factors * rows
        return network, factors

    def _new_network(self, layer_sizes, dtype, rng, home, rms, stats, n_samples):
        """A new network drawn from ``rng``, once the memory check passed.

        ``dtype`` is of the namespace of ``home``, where the network lives; ``rms``
        is the inputs' root mean square, which ``init_scale='data'`` divides the
        first layer's weights by; ``stats`` is ``(mean, scale)`` of the inputs'
        columns, which the first layer standardises them with, or None;
        ``n_samples`` the training rows, whose activations in a full batch the
        memory check counts.
        """
        size_dtype = home.numpy_dtype(dtype)
        memory = dict(solver=self.solver, batch_size=self.batch_size)
        check_network_fits(
            layer_sizes, self.hidden_size, size_dtype, **memory, n_samples=n_samples
        )
        try:
            return Network.initialize(
                layer_sizes,
                self.activation,
                self.out_activation_,
                self.init_scale,
                rng,
                Placement(home.xp, home.device, dtype),
                input_rms=rms,
                input_stats=stats,
            )
        except MemoryError as err:  # where the memory available is not known
            what = "the memory that could be allocated"
            raise MemoryError(
                too_large(
                    layer_sizes, self.hidden_size, size_dtype, what, solver=self.solver
                )
            ) from err

    def _continued_network(self, layer_sizes, dtype, previous, home, stats):
        """A copy of ``previous``'s network to continue, its first layer on the
        standardised inputs of ``stats`` (or None)."""
        fitted = (previous.coefs_[0].shape[0], *(W.shape[1] for W in previous.coefs_))
        if fitted != layer_sizes:
            raise ValueError(
                f"The fitted network has layers {fitted}, but "
                f"hidden_size={self.hidden_size!r} asks for {layer_sizes}; "
                "set warm_start=False to start anew."
            )
        coefs, intercepts = self._continued_weights(previous)
        if stats is not None:
            mean, scale = (home.put(a, dtype) for a in stats)
            W, b = unfold(coefs[0], intercepts[0], mean, scale, home.xp)
            coefs = [home.put(W, dtype), *coefs[1:]]
            intercepts = [home.put(b, dtype), *intercepts[1:]]
        return Network(
            coefs,
            intercepts,
            self.activation,
            previous.out_activation_,
            xp=home.xp,
            input_stats=stats,
        )

    def _continued_weights(self, previous):
        """``coefs_`` and ``intercepts_`` of ``previous``, before the first layer
        goes back to standardised inputs.

        ANNRegressor puts its output layer back in standardised units.
        """
        return previous.coefs_, previous.intercepts_

    def _target_factors(self, network, previous):
        """Factors that rescale the optimizer's state for new statistics of the
        targets (see ``optimizers.py``), or None: here none.

        ANNRegressor merges its targets' statistics across calls.
        """
        return None

    def _training_targets(self, Y, dtype, sample_weight, continuing, home):
        """The targets the network trains on, a NumPy array: here ``Y`` itself.

        ``dtype`` is the NumPy dtype of X; ``sample_weight`` lives in ``home``,
        where ``X`` does. ANNRegressor standardises the targets.
        """
        return Y

    def _fitted_weights(self, coefs, intercepts, xp):
        """``coefs_`` and ``intercepts_`` from the network's weights on raw inputs
        (arrays of ``xp``): here those weights.

        ANNRegressor scales its output layer back to the targets' units.
        """
        return coefs, intercepts

    def _target_weights(self, y):
        """``(name, weights)`` that multiply each row's weight by its target, or None.

        Nothing here; ANNClassifier weighs classes.
        """
        return None

    def _check_weighted_targets(self, strata, sample_weight, what):
        """Raise if the weights leave the targets unlearnable; nothing here."""

    def _sample_weight(self, X, y, strata, sample_weight, home):
        """Validated sample weights times the targets' weights, or None for neither.

        They live in ``home``, where ``X`` does.
        """
        sample_weight, what = sample_weights(
            X, sample_weight, self._target_weights(y), home
        )
        if sample_weight is not None:
            self._check_weighted_targets(strata, sample_weight, what)
        return sample_weight

    def _divergence_explained(self, X, y, sample_weight):
        """A context that may say more in a ``DivergenceError`` of training on
        ``X`` and ``y``; here it adds nothing."""
        return contextlib.nullcontext()

    def _scaling_advice(self, data):
        """The advice about the scale of the training ``data``, or None for none.

        None where the network learnt on standardised features.
        """
        if self.x_mean_ is not None:
            return None
        return "standardize=True, which learns on standardised features"

    def _flat_advice(self, data):
        """What to try when the model's outputs do not vary where the targets do.

        A penalty too strong for the data keeps every weight near zero.
        """
        if self.alpha == "auto" or self.alpha > 0:
            return [f"a smaller alpha than {self.alpha!r}"]
        return []

    # Prediction -------------------------------------------------------------------

    def __sklearn_is_fitted__(self):
        # The state of a fit appears in one step, when the fit ends.
        return "coefs_" in vars(self)
