"""ANNRegressor: real-valued targets on top of :mod:`skann._base`."""

import numpy as np
import scipy.sparse as sp
from sklearn.base import RegressorMixin, _fit_context
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import column_or_1d

from ._base import BaseANN, _partial_fit_available, _unchanged_on_error


class ANNRegressor(RegressorMixin, BaseANN):
    """Neural-network regressor: the network of ANNClassifier with a linear output.

    A fully connected network trained on the squared error. Its hidden layers,
    solvers, options and defaults are those of :class:`ANNClassifier`, but for a
    stronger L2 penalty, the defaults chosen by measurement against MLPRegressor
    as well: one hidden layer of 100 ReLU units, He's initial weights scaled to
    the inputs (``init_scale='data'``), Adam at ``lr=0.001`` on shuffled
    minibatches of 64 rows, an L2 penalty ``alpha=0.3``, and at most 400 epochs,
    ending once the training loss has not improved by ``tol=1e-4`` for 20
    epochs. Momentum,
    L-BFGS, schedules, early stopping, ``warm_start`` and ``partial_fit`` on
    request; ``ANNRegressor(**TEXTBOOK)`` (:data:`skann.TEXTBOOK`) trains with the
    textbook's settings. The output layer has one identity unit per target.

    Parameters
    ----------
    hidden_size : int or tuple of int, default=100
        Units of the hidden layer, or of each hidden layer in turn.
    activation : {'relu', 'tanh', 'logistic', 'identity'}, default='relu'
        Activation of the hidden layers.
    lr : float, default=0.001
        Learning rate (the initial one, under a schedule). Not used by 'lbfgs'.
    epochs : int, default=400
        Largest number of passes over the training data; for 'lbfgs', of
        iterations.
    init_scale : float, 'auto' or 'data', default='data'
        Standard deviation of the initial weights, ``W = randn(n_out, n_in) *
        init_scale``. 'auto' uses He's ``sqrt(2 / n_in)`` for the weights into ReLU
        layers and Glorot's ``sqrt(2 / (n_in + n_out))`` for the others. 'data'
        is 'auto' with the first layer's scale divided by the root mean square of
        the training inputs' entries where it exceeds 1, so that features in large
        units (raw pixels, areas) start the hidden units where scaled features
        would; it is 'auto' for scaled or sparse inputs.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the shuffles and the validation split.
    verbose : int, default=0
        If positive, print ``Epoch i: Cost = ...`` ten times during training.
    solver : {'gd', 'momentum', 'adam', 'lbfgs'}, default='adam'
        'gd' is plain gradient descent; 'momentum' is heavy-ball momentum, or
        Nesterov's with ``nesterov=True``; 'adam' is Adam; 'lbfgs' is SciPy's
        L-BFGS-B on the whole training set.
    batch_size : int, default=64
        Rows per gradient step (all of them when there are fewer); None uses all
        rows at once (full batch), as the textbook does.
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
    alpha : float, default=0.3
        Strength of the L2 penalty on the weights (not the biases):
        ``alpha / 2 * sum(W**2) / n`` is added to the loss, ``n`` being the
        batch's total sample weight.
    tol : float, default=1e-4
        None runs every epoch. A float stops training once the monitored loss (the
        training loss, or the validation loss with ``early_stopping``) has not
        improved by at least ``tol`` for more than ``n_iter_no_change`` epochs in a
        row; running out of epochs first gives a ``ConvergenceWarning``. For
        'lbfgs' it is the gradient tolerance.
    n_iter_no_change : int or np.inf, default=20
        Training stops (or, under the 'adaptive' schedule, lowers the learning
        rate) at the ``n_iter_no_change + 1``-th epoch in a row without
        improvement, as in MLPRegressor; ``np.inf`` never stops on a plateau.
        ``fit`` counts afresh each call, ``partial_fit`` not at all.
    early_stopping : bool, default=False
        Whether to hold out a random ``validation_fraction`` of the training data,
        monitor its loss, stop when it stops improving (by ``tol``, or at all when
        ``tol`` is None) and end with the weights of this call's best epoch.
        Ignored by 'lbfgs', which trains on every row; ``partial_fit`` refuses it.
    validation_fraction : float, default=0.1
        Share of the training data held out by ``early_stopping``, in (0, 1).
    warm_start : bool, default=False
        Whether ``fit`` continues from the fitted weights (and extends
        ``loss_curve_``) instead of starting anew.

    Attributes
    ----------
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
        ``early_stopping`` (see ``best_validation_score_``), as in MLPRegressor.
    validation_loss_curve_ : list of float or None
        Validation loss after each epoch, over every continued ``fit`` that used
        ``early_stopping``; None without it.
    validation_scores_ : list of float or None
        Validation R² (weighted by sample, averaged over outputs) after each
        epoch, over every continued ``fit`` that used ``early_stopping``; None
        without it.
    best_validation_score_ : float or None
        Validation R² of the epoch whose weights the last ``fit`` kept (the one
        with the lowest validation loss); None without ``early_stopping``.
    n_iter_ : int
        Epochs run (L-BFGS iterations for 'lbfgs', counting one that SciPy
        abandons), over all continued calls, so ``len(loss_curve_) == n_iter_``
        always holds; MLPRegressor counts the last call only.
    t_ : int
        Training samples seen, over all epochs (for 'lbfgs', over all loss
        evaluations).
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of output units, one per target.
    out_activation_ : {'identity'}
        Output activation.

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
    With one target this is MLPRegressor's loss, ``0.5 * mean((y - y_hat) ** 2)``,
    and gradient descent from the same weights follows MLPRegressor step for step.
    With ``n_outputs`` targets MLPRegressor reports the mean over outputs, ``L /
    n_outputs``, while stepping along the gradient of ``L``; ANNRegressor reports
    ``L`` itself, the loss its gradient belongs to, so the two take the same steps
    and their ``loss_curve_`` differ by the factor ``n_outputs``.

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
    diverges raises a ``ValueError`` naming the learning rate: in ``fit`` also when
    the final weights give non-finite outputs on the training data, in
    ``partial_fit`` when the loss stays high across calls. After ``fit`` one pass
    over the training data (at most 2000 rows of it) checks the model; a loss that
    ended, or swung in the last epochs, above the loss of predicting
    the mean target while no longer falling, a loss that rose over the fit, a
    ReLU hidden layer whose every unit is dead, or an abnormal stop
    of L-BFGS gives a ``ConvergenceWarning`` with the numbers and what to try.
    ``partial_fit``, which sees one chunk of the data a call, skips that check.
    Minibatches whose sample weights are all zero take no step. Ctrl-C during
    ``fit`` ends training after the current epoch (L-BFGS iteration) with a
    warning, keeping a usable model; a second Ctrl-C raises ``KeyboardInterrupt``.
    Saved models record the skann version and are checked for consistency on
    loading, as ANNClassifier's are.

    Examples
    --------
    >>> import numpy as np
    >>> from skann import ANNRegressor
    >>> X = np.linspace(-1, 1, 20).reshape(-1, 1)
    >>> y = 2 * X.ravel() + 1
    >>> reg = ANNRegressor(hidden_size=8, solver="lbfgs", epochs=200, random_state=0)
    >>> reg.fit(X, y).predict([[0.0], [0.5]]).round(1)
    array([1., 2.])
    """

    def __init__(
        self,
        hidden_size=100,
        *,
        activation="relu",
        lr=0.001,
        epochs=400,
        init_scale="data",
        random_state=None,
        verbose=0,
        solver="adam",
        batch_size=64,
        shuffle=True,
        momentum=0.9,
        nesterov=False,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        lr_schedule="constant",
        power_t=0.5,
        alpha=0.3,
        tol=1e-4,
        n_iter_no_change=20,
        early_stopping=False,
        validation_fraction=0.1,
        warm_start=False,
    ):
        super().__init__(
            hidden_size,
            activation=activation,
            lr=lr,
            epochs=epochs,
            init_scale=init_scale,
            random_state=random_state,
            verbose=verbose,
            solver=solver,
            batch_size=batch_size,
            shuffle=shuffle,
            momentum=momentum,
            nesterov=nesterov,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            lr_schedule=lr_schedule,
            power_t=power_t,
            alpha=alpha,
            tol=tol,
            n_iter_no_change=n_iter_no_change,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            warm_start=warm_start,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
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
        with _unchanged_on_error(self):
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
        with _unchanged_on_error(self):
            self._partial_fit(X, y, sample_weight)
        return self

    def _encode_targets(self, y, dtype, continuing, incremental, classes):
        """Return ``Y`` of shape ``(n_samples, n_outputs)`` in ``dtype``, and no
        strata: the validation split of regression is not stratified."""
        if sp.issparse(y):
            y = y.toarray()
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        Y = y.reshape(len(y), -1)
        if continuing and Y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {Y.shape[1]} outputs, but the model was fitted on "
                f"{self.n_outputs_}; set warm_start=False to start anew."
            )
        with np.errstate(over="ignore"):
            Y = Y.astype(dtype)
        if not np.isfinite(Y).all():
            raise ValueError(
                f"y holds values too large for X's dtype {np.dtype(dtype).name}. "
                "Scale the targets (for example with TransformedTargetRegressor "
                "and StandardScaler), or pass X as float64."
            )
        self.n_outputs_ = Y.shape[1]
        return Y, None

    #: What the loss of :meth:`_diagnose` compares against predicts.
    _baseline_words = "the mean target"

    def _loss_name(self):
        return "squared_error"

    def _check_fitted_targets(self, refuse):
        """Refuse an output activation other than the identity."""
        if self.out_activation_ != "identity":
            refuse(
                "out_activation_",
                f"is {self.out_activation_!r}, but regression needs 'identity'",
            )

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
        X = self._validate_for_prediction(X)
        y_pred = self._forward_in_chunks(X)
        return y_pred.ravel() if self.n_outputs_ == 1 else y_pred
