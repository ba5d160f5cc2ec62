"""ANNRegressor: real-valued targets on top of :mod:`skann._base`."""

import contextlib
from numbers import Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import RegressorMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import _check_sample_weight, check_array, column_or_1d

from ._arrays import Home, host
from ._base import BaseANN, _partial_fit_available
from ._core.losses import LOSSES, REGRESSION_LOSSES, loss_of
from ._core.namespaces import all_finite
from ._core.stopping import DivergenceError, diverged
from ._docstrings import shared_docs
from ._predict import values
from ._statistics import (
    power_of_two_above,
    target_factors,
    target_moments,
    target_statistics,
)
from .plugins import RegressionLoss

#: A column of X or y counts as unscaled, in the advice of an error or a warning,
#: when its root mean square exceeds this: three times a standardised column's.
UNSCALED_RMS = 3.0
#: Standardised targets this many standard deviations from their mean have
#: extreme values that can still dominate the squared error.
EXTREME_Z = 10.0


def _as_2d(y, warn=True):
    """``y`` as a float64 array of shape ``(n_samples, n_outputs)``.

    A column ``y`` gives a ``DataConversionWarning`` if ``warn``.
    """
    if sp.issparse(y):
        y = y.toarray()
    y = np.asarray(host(y))
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=warn)
    return y.reshape(len(y), -1).astype(np.float64)


def _target_stats(Y, sample_weight):
    """Each column's weighted mean and standard deviation, without overflow.

    A column whose weighted rows are all equal gets the standard deviation 1, as
    StandardScaler gives a constant feature, so that it standardises to zeros.
    """
    mean, std = target_moments(Y, sample_weight)
    return mean, np.where(std > 0, std, 1.0)


def _standardise(Y, mean, scale):
    """``(Y - mean) / scale``, computed without overflow where it is finite."""
    # Dividing each term by a power of two is exact; past the larger of |mean|
    # and scale, it keeps Y - mean from overflowing where the result is finite.
    unit = power_of_two_above(np.maximum(np.abs(mean), scale))
    with np.errstate(over="ignore"):
        return (Y / unit - mean / unit) / (scale / unit)


def _stats_words(mean, scale):
    """``mean`` and ``scale`` (scalars, or one entry per output) in words."""
    if np.ndim(mean) and len(mean) == 1:
        mean, scale = mean[0], scale[0]
    if np.ndim(mean):
        means = ", ".join(f"{m:.4g}" for m in mean)
        scales = ", ".join(f"{s:.4g}" for s in scale)
        return f"means [{means}], standard deviations [{scales}]"
    return f"mean {mean:.4g}, standard deviation {scale:.4g}"


def _column(k, Y):
    """How the messages name output ``k`` of ``Y``."""
    return "y" if Y.shape[1] == 1 else f"column {k} of y"


def _feature_advice(X):
    """'the features ...' with the column of X of largest root mean square, where
    it exceeds ``UNSCALED_RMS``; else None."""
    home = Home.of(X)
    if home.xp is not np:
        xp = home.xp
        X = xp.astype(X, home.widest_float)
        rms = host(xp.sqrt(xp.mean(X * X, axis=0)))
    else:
        X = X.astype(np.float64)
        with np.errstate(over="ignore"):
            squares = X.multiply(X) if sp.issparse(X) else np.square(X)
            rms = np.sqrt(np.asarray(squares.mean(axis=0)).ravel())
    j = int(np.argmax(rms)) if rms.size else 0
    if not rms.size or rms[j] <= UNSCALED_RMS:
        return None
    return (
        f"the features, whose root mean square reaches {rms[j]:.3g} in column {j} "
        "of X (for example with StandardScaler)"
    )


@shared_docs(
    mlp="MLPRegressor",
    split="random",
    score="R² (weighted by sample, averaged over outputs)",
    score_name="R²",
    baseline="the mean target",
    seed_note="",
    loss_units=(
        "It is the loss of the targets the network trains on: with\n"
        "``normalize_y=True``, the standardised ones, so a loss of 0.5 per output\n"
        "is that of predicting the mean, and the squared error in ``y``'s units is\n"
        "the loss times ``y_scale_ ** 2`` (the pinball loss, times ``y_scale_``).\n"
        "``best_loss_``, ``loss_`` and ``validation_loss_curve_`` are in the same\n"
        "units. A continued fit or ``partial_fit`` call merges its rows into\n"
        "``y_mean_`` and ``y_scale_``: each call's losses are in the units of the\n"
        "statistics at that call."
    ),
)
class ANNRegressor(RegressorMixin, BaseANN):
    """Neural-network regressor: the network of ANNClassifier with a linear output.

    A fully connected network trained on the squared error, on half the Poisson
    deviance of counts (``loss='poisson'``), or on the pinball loss of a
    quantile (``loss='quantile'``). Its hidden layers,
    solvers, options and defaults are those of :class:`ANNClassifier`, the
    defaults measured against MLPRegressor as well: standardised features
    (``standardize=True``) and targets (``normalize_y=True``), one hidden layer of
    100 ReLU units from He's initial weights, Adam at ``lr=0.003`` on shuffled
    minibatches of one size of at most 128 rows, the L2 penalty ``alpha='auto'``
    (which weighs less as the data grow), and at most 400 epochs. The first time
    the training loss has not improved by ``tol=1e-3`` for 10 epochs, the learning
    rate drops to a fifth (``lr_schedule='drop_once'``); the second time,
    training ends.
    Momentum, L-BFGS, schedules, early stopping, ``warm_start`` and
    ``partial_fit`` on request; ``ANNRegressor(**TEXTBOOK)``
    (:data:`skann.TEXTBOOK`) trains with the textbook's settings. The output
    layer has one unit per target: the identity, or ``exp`` for 'poisson'.

    By default the network trains on standardised targets, ``(y - y_mean_) /
    y_scale_``, so that targets of any scale train as well as targets near 1, and
    predicts in ``y``'s units; ``normalize_y=False`` trains on ``y`` as it is, as
    MLPRegressor does.

    Parameters
    ----------
    ${parameters}
    normalize_y : bool, default=True
        Whether the network trains on each target minus its mean, divided by its
        standard deviation (both weighted by ``sample_weight``; a constant target
        is divided by 1), as GaussianProcessRegressor's ``normalize_y`` does.
        After training, the output layer is scaled back, so ``coefs_`` and
        ``intercepts_`` predict ``y`` itself. A new ``fit``, or the first
        ``partial_fit``, sets ``y_mean_`` and ``y_scale_``; a continued fit and
        later ``partial_fit`` calls merge their rows into them, as
        StandardScaler's ``partial_fit`` does, without changing the predictions.
        False trains on ``y`` as it is,
        as MLPRegressor does: targets far from 1 then need a learning rate
        scaled to them. Ignored with ``loss='poisson'``, whose output
        ``exp(z)`` cannot be shifted by ``y_mean_``: it trains on the counts as
        they are, as MLPRegressor does.
    loss : ${losses} or RegressionLoss, default='squared_error'
        The loss, a weighted mean over samples, summed over outputs.
        'squared_error': half the squared error, with an identity output.
        'poisson': half the Poisson deviance, ``y log(y / p) - y + p``, with the
        output ``p = exp(z)`` (a log link), MLPRegressor's ``loss='poisson'``;
        ``y`` must be non-negative with a positive sum in each column.
        'quantile': the pinball loss of ``quantile``, with an identity output:
        the network predicts that conditional quantile of ``y``. An instance
        of a subclass of :class:`skann.plugins.RegressionLoss` is a loss of
        your own (see :ref:`plugins`), paired with its ``output_activation``
        ('identity', or 'exp' for positive predictions); ``loss__<name>``
        searches over its hyperparameters. The score is R² for every loss, as
        MLPRegressor's.
    quantile : float in (0, 1), default=0.5
        The quantile that ``loss='quantile'`` predicts (0.5, the median);
        ignored by the other losses.

    Attributes
    ----------
    ${attributes}
    y_mean_ : ndarray of shape (`n_outputs_`,)
        Mean of each target on the training data (every row seen, over
        continued calls), subtracted before training; zeros with
        ``normalize_y=False``.
    y_scale_ : ndarray of shape (`n_outputs_`,)
        Standard deviation of each target on the training data (every row seen,
        over continued calls; 1 for a target constant so far), which training
        divides by; ones with ``normalize_y=False``.
    n_outputs_ : int
        Number of output units, one per target.
    out_activation_ : {'identity', 'exp'}
        Output activation: 'exp' for ``loss='poisson'``.

    See Also
    --------
    ANNClassifier : The same network for classification.
    sklearn.neural_network.MLPRegressor : scikit-learn's multi-layer perceptron.

    Notes
    -----
    For a layer with input ``A_prev`` the forward pass is ``Z = A_prev @ W + b``,
    ``A = f(Z)``; the output layer's ``f`` is the identity. With predictions ``P``,
    targets ``Y`` and sample weights ``w``, the loss is

    ``L = sum_i w_i * 0.5 * sum_k (Y_ik - P_ik) ** 2 / sum_i w_i``,

    the weighted mean over samples of half the squared error summed over outputs,
    and its gradient with respect to the output is ``dZ = (P - Y) * w / sum(w)``.
    With ``normalize_y=True``, ``Y`` holds the standardised targets and ``P``
    the network's outputs before they are scaled back. With
    ``normalize_y=False`` and one target this is MLPRegressor's loss, ``0.5 *
    mean((y - y_hat) ** 2)``, and gradient descent from MLPRegressor's initial
    weights, with ``shuffle=False``, follows MLPRegressor step for step, to
    rounding.
    With ``n_outputs`` targets MLPRegressor reports the mean over outputs, ``L /
    n_outputs``, while stepping along the gradient of ``L``; ANNRegressor reports
    ``L`` itself, the loss its gradient belongs to, so the two take the same steps
    and their ``loss_curve_`` differ by the factor ``n_outputs``.

    With ``loss='poisson'`` the output is ``P = exp(Z)`` and the loss
    ``sum_i w_i * sum_k (Y_ik log(Y_ik / P_ik) - Y_ik + P_ik) / sum_i w_i``,
    half the Poisson deviance (0 for a perfect prediction), MLPRegressor's with
    ``loss='poisson'``; its gradient with respect to ``Z`` is ``(P - Y) * w /
    sum(w)`` again, so that with ``normalize_y=False`` and equal settings the two
    take the same steps. With ``loss='quantile'`` and ``q = quantile`` the loss
    is ``sum_i w_i * sum_k max(q R_ik, (q - 1) R_ik) / sum_i w_i`` with ``R = Y -
    P`` (``sklearn.metrics.mean_pinball_loss``), and ``dZ = (1[P > Y] - q) * w /
    sum(w)``. For ``a > 0`` the pinball loss of ``a y + b`` against ``a p + b``
    is ``a`` times that of ``y`` against ``p``: a network trained on
    standardised targets predicts the same quantile, scaled back, and its loss
    curve is in units of ``y_scale_``.

    A 1-D ``y``, or a column vector, gives 1-D predictions, as in MLPRegressor;
    several targets give ``(n_samples, n_outputs)``. ``X`` may be a SciPy sparse
    matrix: the first layer multiplies it as it is.

    Where ANNRegressor differs from MLPRegressor on purpose (besides the
    parameters' names and defaults) is as for ANNClassifier: ``n_iter_`` counts
    every continued call; a warm-started ``fit`` starts its plateau count, its
    best validation score and its kept weights afresh; ``partial_fit`` never
    watches for a plateau; early stopping watches the validation loss, not R²;
    'lbfgs' also fills ``loss_curve_``, ``best_loss_`` and ``t_``. The user
    guide's comparison page lists every difference.

    A ``fit`` that raises leaves the estimator exactly as it was. Training that
    diverges raises a ``ValueError`` naming the learning rate and the targets'
    mean and standard deviation, with what to do about the targets where they
    may be the cause, and about the features only where their scale is large:
    in ``fit`` also when the final weights give non-finite outputs on the
    training data, in ``partial_fit`` when the loss stays high across calls.
    Targets beyond the range of ``X``'s float dtype are refused, and so is an
    ``early_stopping`` validation set of fewer than 2 rows, on which R² is not
    defined (MLPRegressor refuses it too). Saved models record the skann version
    and are checked for consistency on loading, as ANNClassifier's are.

    ${after_fit}

    Examples
    --------
    >>> import numpy as np
    >>> from skann import ANNRegressor
    >>> X = np.linspace(-1, 1, 200).reshape(-1, 1)
    >>> y = 2 * X.ravel() + 1
    >>> reg = ANNRegressor(hidden_size=8, solver="lbfgs", epochs=200, random_state=0)
    >>> reg.fit(X, y).predict([[0.0], [0.5]]).round(1)
    array([1., 2.])
    """

    _parameter_constraints = {
        **BaseANN._parameter_constraints,
        "normalize_y": ["boolean"],
        "loss": [StrOptions(REGRESSION_LOSSES), RegressionLoss],
        "quantile": [Interval(Real, 0, 1, closed="neither")],
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
        warm_start=False,
        standardize=True,
        normalize_y=True,
        loss="squared_error",
        quantile=0.5,
    ):
        # BaseANN stores the parameters both estimators share, each unchanged;
        # their defaults are in this signature, where scikit-learn reads them.
        given = locals()
        super().__init__(
            **{name: given[name] for name in BaseANN._parameter_constraints}
        )
        self.normalize_y = normalize_y
        self.loss = loss
        self.quantile = quantile

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        # A loss of counts (Poisson's) asks for non-negative targets. The tags are
        # read before the parameters are validated: an unknown loss has none.
        loss = self.loss
        if not isinstance(loss, RegressionLoss):
            loss = LOSSES.get(loss) if isinstance(loss, str) else None
        tags.target_tags.positive_only = getattr(loss, "positive_only", False)
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network on ``X`` and ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; the loss is their weighted mean. Their sum must
            be positive and well within the range of X's float dtype.

        Returns
        -------
        self : ANNRegressor
            The fitted estimator.
        """
        self._fit(X, y, sample_weight, incremental=False)
        return self

    @available_if(_partial_fit_available)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Run one epoch over ``X`` and ``y``, continuing from the current weights.

        Not available with ``solver='lbfgs'``; not supported with
        ``early_stopping=True``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data of this call.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values; as many outputs on every call.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights.

        Returns
        -------
        self : ANNRegressor
            The updated estimator.
        """
        self._partial_fit(X, y, sample_weight)
        return self

    def _encode_targets(self, y, dtype, continuing, incremental, classes):
        """Return ``Y`` of shape ``(n_samples, n_outputs)`` in float64, and no
        strata: the validation split of regression is not stratified.

        :meth:`_training_targets` standardises ``Y`` and casts it to ``dtype``.
        """
        Y = _as_2d(y)
        loss = loss_of(self._loss_name())
        loss.check_targets(Y)
        output = loss.output_activation
        if continuing and self.out_activation_ != output:
            raise ValueError(
                f"loss={self.loss!r} needs the output activation {output!r}, but "
                f"the model was fitted with {self.out_activation_!r}; set "
                "warm_start=False to start anew."
            )
        if continuing and Y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {Y.shape[1]} outputs, but the model was fitted on "
                f"{self.n_outputs_}; set warm_start=False to start anew."
            )
        largest = float(np.max(np.abs(Y), initial=0.0))
        if largest > float(np.finfo(dtype).max):
            raise ValueError(
                f"y holds values too large for X's dtype {np.dtype(dtype).name}: "
                f"they reach {largest:.3g}, beyond its largest value "
                f"{np.finfo(dtype).max:.3g}, and the predictions are in X's dtype. "
                "Pass X as float64, or scale the targets (for example with "
                "TransformedTargetRegressor and StandardScaler)."
            )
        self.n_outputs_ = Y.shape[1]
        return Y, None

    def _training_targets(self, Y, dtype, sample_weight, continuing, home):
        """``(Y - y_mean_) / y_scale_`` in ``dtype``; sets the two first.

        A new fit computes them; a continued one merges its rows into them (see
        ``_statistics.py``), where the model was fitted on standardised targets.
        They are computed on the host and kept in ``home``, in its widest float.
        """
        if continuing:
            # Merged whatever normalize_y says now, as the features' statistics
            # are; kept where the model trained on targets as they are.
            stats = None
            if getattr(self, "_y_std_", None) is not None:
                stats = target_statistics(Y, host(sample_weight), self)
        elif self._standardises_y():
            stats = target_statistics(Y, host(sample_weight), None)
        else:
            stats = np.zeros(Y.shape[1]), None
        if stats is not None:
            mean, std = stats
            scale = np.ones_like(mean) if std is None else np.where(std > 0, std, 1.0)
            widest = home.widest_float
            self.y_mean_, self.y_scale_ = (home.put(a, widest) for a in (mean, scale))
            self._y_std_ = None if std is None else home.put(std, widest)
        mean, scale = host(self.y_mean_), host(self.y_scale_)
        with np.errstate(over="ignore"):
            Z = _standardise(Y, mean, scale).astype(dtype)
        if not np.isfinite(Z).all():
            # The weighted targets seen standardise to at most sqrt(n_samples):
            # only rows of zero weight, which count in neither statistic, get here.
            wider = ", or pass X as float64" if np.dtype(dtype) != np.float64 else ""
            raise ValueError(
                f"y holds values too large for X's dtype {np.dtype(dtype).name} "
                "once standardised with the mean and standard deviation of the "
                f"weighted targets seen ({_stats_words(mean, scale)}), in rows of "
                f"zero weight, which count in neither. Drop those rows{wider}."
            )
        return Z

    def _standardises_y(self):
        """Whether the network trains on standardised targets.

        ``normalize_y`` applies to the identity output alone: ``exp(z)`` of the
        Poisson loss cannot predict ``y_scale_ * exp(z) + y_mean_``.
        """
        output = loss_of(self._loss_name()).output_activation
        return self.normalize_y and output == "identity"

    def _continued_weights(self, previous):
        """The weights of ``previous``, its output layer put in the units of the
        targets standardised by this call's ``y_mean_`` and ``y_scale_``.

        ``coefs_`` and ``intercepts_`` predict ``y`` itself: the network predicts
        the same ``y`` after the statistics merged this call's rows.
        """
        coefs, intercepts = previous.coefs_, previous.intercepts_
        W, b = coefs[-1], intercepts[-1]
        home = Home.of(W)
        W = home.put(W / self.y_scale_, W.dtype)
        b = home.put((b - self.y_mean_) / self.y_scale_, b.dtype)
        return [*coefs[:-1], W], [*intercepts[:-1], b]

    def _target_factors(self, network, previous):
        """The factors that rescale the optimizer's state once this call's rows
        changed ``y_scale_`` (see ``_statistics.py``), or None."""
        ratio = host(previous.y_scale_) / host(self.y_scale_)
        if (ratio == 1).all():
            return None
        return target_factors(network, ratio)

    def _fitted_weights(self, coefs, intercepts, xp):
        """The network's weights, its output layer scaled to predict ``y`` itself.

        The network predicts ``(y - y_mean_) / y_scale_``: the output layer's
        weights times ``y_scale_``, and its biases times ``y_scale_`` plus
        ``y_mean_``, predict ``y``.
        """
        W, b = coefs[-1], intercepts[-1]
        home = Home.of(W)
        with np.errstate(over="ignore", invalid="ignore"):
            W = home.put(W * self.y_scale_, W.dtype)
            b = home.put(b * self.y_scale_ + self.y_mean_, b.dtype)
        if not (all_finite(W, xp) and all_finite(b, xp)):
            remedy = "Pass X as float64, or scale" if W.dtype != xp.float64 else "Scale"
            name = home.numpy_dtype(W.dtype).name
            raise ValueError(
                f"The output layer, scaled back to y's units "
                f"({_stats_words(host(self.y_mean_), host(self.y_scale_))}), "
                f"overflows X's dtype {name}. {remedy} the targets (for example "
                "with TransformedTargetRegressor and StandardScaler)."
            )
        return [*coefs[:-1], W], [*intercepts[:-1], b]

    @contextlib.contextmanager
    def _divergence_explained(self, X, y, sample_weight):
        """Name the scale of the targets, and of the features if it may be the
        cause, in the ``DivergenceError`` of a fit on ``X`` and ``y``."""
        try:
            yield
        except DivergenceError as error:
            X = check_array(
                X, accept_sparse="csr", dtype=Home.of_input(X).float_dtypes()
            )
            if sample_weight is not None:
                sample_weight = host(
                    _check_sample_weight(sample_weight, X, dtype=float)
                )
            mean, scale = host(self.y_mean_), host(self.y_scale_)
            Z = _standardise(_as_2d(y, warn=False), mean, scale)
            scaling = None if self.x_mean_ is not None else _feature_advice(X)
            error.args = diverged(
                error.epoch,
                error.what,
                error.lr,
                error.alpha,
                note=self._target_note(Z, sample_weight),
                scaling=scaling and f"scale {scaling}",
            ).args
            raise

    def _target_note(self, Z, sample_weight):
        """A sentence naming the targets and their scale, with a remedy if needed.

        ``Z`` holds the targets the network trained on.
        """
        if self._standardises_y():
            mean, scale = host(self.y_mean_), host(self.y_scale_)
            k = int(np.argmax(scale))
            stats = _stats_words(mean[k], scale[k])
            note = f"The network trained on {_column(k, Z)} standardised ({stats})"
        else:
            mean, scale = _target_stats(Z, sample_weight)
            k = int(np.argmax(np.hypot(mean, scale)))
            stats = _stats_words(mean[k], scale[k])
            why = "normalize_y=False" if not self.normalize_y else "loss='poisson'"
            note = (
                f"The network trained on {_column(k, Z)} as it is ({stats}), not "
                f"standardised ({why})"
            )
        extreme = self._target_problem(Z, sample_weight)
        if extreme is None:
            return f"{note}. "
        if self._standardises_y():
            return (
                f"{note}, and its values reach {extreme:.3g} standard deviations "
                "from the mean: compress them, for example with "
                "TransformedTargetRegressor and a QuantileTransformer. "
            )
        return (
            f"{note}: set normalize_y=True, or scale y, for example with "
            "TransformedTargetRegressor and StandardScaler. "
        )

    def _target_problem(self, Z, sample_weight):
        """How far targets ``Z``, as trained on, reach if that may break training.

        Standardised targets may through extreme values (returned in standard
        deviations); targets not standardised, through their scale (returned as
        their largest root mean square). None if neither applies.
        """
        if self._standardises_y():
            extreme = float(np.max(np.abs(Z), initial=0.0))
            return extreme if extreme > EXTREME_Z else None
        if self.loss == "poisson":
            # Counts train as they are: neither remedy below applies.
            return None
        mean, scale = _target_stats(Z, sample_weight)
        rms = float(np.hypot(mean, scale).max())
        return rms if rms > UNSCALED_RMS else None

    def _scaling_advice(self, data):
        """Scaling the features or the targets, where their scale may be the cause."""
        advice = []
        features = None if self.x_mean_ is not None else _feature_advice(data.X)
        if features:
            advice.append(f"standardize=True or scaling {features}")
        Z = np.asarray(host(data.Y), dtype=np.float64)
        extreme = self._target_problem(Z, host(data.sample_weight))
        if extreme is not None and self._standardises_y():
            advice.append(
                f"compressing y, whose values reach {extreme:.3g} standard "
                "deviations from its mean (for example with "
                "TransformedTargetRegressor and a QuantileTransformer)"
            )
        elif extreme is not None:
            advice.append(
                "setting normalize_y=True or scaling y (for example with "
                "TransformedTargetRegressor and StandardScaler)"
            )
        return ", ".join(advice) or None

    @property
    def _baseline_words(self):
        """What the constant the diagnosis compares the loss against predicts."""
        if self.loss == "quantile":
            return f"the targets' {self.quantile:g} quantile"
        return "the mean target"

    #: R² is undefined on fewer held-out rows, as in MLPRegressor.
    _min_validation_rows = 2

    def _loss_name(self):
        """The key of ``LOSSES`` (the name, with its parameter for 'quantile'),
        or the loss object passed as ``loss``."""
        if self.loss == "quantile":
            return "quantile", self.quantile
        return self.loss

    def _check_fitted_targets(self, refuse):
        """Refuse an output activation of no regression loss, and bad y_mean_ or
        y_scale_."""
        own = [self.loss] if isinstance(self.loss, RegressionLoss) else []
        losses = [*REGRESSION_LOSSES, *own]
        outputs = sorted({loss_of(loss).output_activation for loss in losses})
        if self.out_activation_ not in outputs:
            refuse(
                "out_activation_",
                f"is {self.out_activation_!r}, but regression needs one of {outputs}",
            )
        home = Home.of(self.coefs_[0])
        widest = home.widest_float
        for name in ("y_mean_", "y_scale_"):
            value = getattr(self, name, None)
            if not (
                (isinstance(value, np.ndarray) or home.xp is not np)
                and Home.of(value) == home
                and value.dtype == widest
                and tuple(value.shape) == (self.n_outputs_,)
                and all_finite(value, home.xp)
            ):
                refuse(
                    name,
                    f"must be a finite {home.numpy_dtype(widest).name} "
                    f"{home.words('array')} of shape ({self.n_outputs_},), "
                    f"one entry per output, not {value!r:.60}",
                )
        if not bool(home.xp.all(self.y_scale_ > 0)):
            refuse("y_scale_", "must be positive")

    def predict(self, X):
        """Predict the targets of ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predicted values; 1-D when the model has one output.
        """
        return values(self, X)
