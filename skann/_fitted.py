"""The fitted state of an estimator: its attributes, their consistency, and the
model that predicts with them (``_predict.py`` runs it).

``fit`` builds the whole state on a scratch copy of the estimator and swaps it in
with one assignment of ``__dict__`` (:func:`commit`), so a prediction running in
another thread reads either the model before the fit or the one after it, never a
mixture, and a fit that raises leaves the estimator as it was.

A prediction reads the state once, through :func:`fitted_model`: a
:class:`FittedModel` made when the state last changed, whose consistency was
checked then and whose network predicts with the fitted arrays themselves.
"""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._arrays import Home, converted, host
from ._core.activations import ACTIVATION_NAMES, Activation
from ._core.namespaces import all_finite
from ._core.network import Network
from ._core.optimizers import solver_key
from ._engine import Resumed

#: Attributes of scikit-learn's callback machinery, set on the estimator during
#: fit and torn down by scikit-learn after it; a commit keeps their live values.
_CALLBACK_STATE = ("_callback_fit_ctx", "_skl_callbacks_to_teardown")

#: Where a fitted estimator keeps its FittedModel.
MODEL_KEY = "_fitted_model"

#: Fitted attributes a model is made from: replacing one makes a new model.
_SOURCES = (
    "coefs_",
    "intercepts_",
    "activation",
    "out_activation_",
    "n_outputs_",
    "n_features_in_",
    "feature_names_in_",
    "classes_",
    "_label_type",
    "n_layers_",
)


def scratch_copy(estimator):
    """A new estimator of the same class sharing ``estimator``'s attributes.

    ``fit`` sets its attributes on this copy; its arrays are never changed in
    place (the optimizer copies the state it resumes from), so sharing them
    costs nothing.
    """
    return _frozen(type(estimator), dict(vars(estimator)))


def commit(estimator, scratch):
    """Give ``estimator`` the state of ``scratch`` in one step.

    A fit commits what it learnt: ``scratch`` holds the parameters as the fit
    began, and those set on ``estimator`` meanwhile (``set_params`` in another
    thread) stay set, as scikit-learn's MLPs keep them. Attributes that appeared
    on ``estimator`` during the fit (scikit-learn's callback context) are kept,
    with their live values.
    """
    state = dict(vars(scratch))
    live = vars(estimator)
    for key in estimator.get_params(deep=False):
        if key in live:
            state[key] = live[key]
    for key in _CALLBACK_STATE:
        if key in live:
            state[key] = live[key]
        else:
            state.pop(key, None)
    state[MODEL_KEY] = FittedModel(_frozen(type(estimator), dict(state)))
    estimator.__dict__ = state


def _frozen(cls, state):
    """An estimator of class ``cls`` whose attributes are the dict ``state``."""
    frozen = object.__new__(cls)
    frozen.__dict__ = state
    return frozen


def with_arrays(estimator, convert):
    """A copy of the fitted ``estimator`` whose numeric arrays are ``convert(a)``.

    Its model is made again from the converted arrays, and checked; ``estimator``
    is left as it is.
    """
    state = {k: v for k, v in vars(estimator).items() if k != MODEL_KEY}
    copy = _frozen(type(estimator), converted(state, convert))
    if "coefs_" in state:
        fitted_model(copy)
    return copy


def fitted_home(state):
    """Where the fitted arrays of the estimator ``state`` live; NumPy if unfitted."""
    coefs = state.get("coefs_")
    if isinstance(coefs, list) and coefs:
        return Home.of(coefs[0])
    return Home()


def all_on_host(state):
    """Whether the fitted arrays and labels of the estimator ``state`` are NumPy's."""
    return fitted_home(state).xp is np and Home.of(state.get("classes_")).xp is np


def on_host(estimator):
    """``estimator``, or a copy of it with NumPy arrays if fitted elsewhere.

    For what takes NumPy arrays only: ONNX's constants, say.
    """
    if all_on_host(vars(estimator)):
        return estimator
    return with_arrays(estimator, host)


def fitted_model(estimator):
    """The :class:`FittedModel` of ``estimator``'s current state.

    Raises ``NotFittedError`` before the first fit ends, and a ValueError naming
    the attribute at fault for an inconsistent state (a model loaded from a file
    or edited by hand); the check runs once per change of the state.
    """
    state = vars(estimator)
    model = state.get(MODEL_KEY)
    if model is not None and model.made_from(state):
        return model
    check_is_fitted(estimator)
    model = FittedModel(_frozen(type(estimator), dict(state)))
    state[MODEL_KEY] = model
    return model


class FittedModel:
    """A checked snapshot of a fitted estimator, and predictions with it.

    Parameters
    ----------
    estimator : BaseANN
        A fitted estimator that nothing changes any more (a snapshot).

    Attributes
    ----------
    estimator : BaseANN
        The snapshot: read its fitted attributes from here, not from the live
        estimator, which a fit in another thread may replace meanwhile.
    network : Network
        Predicts with the snapshot's ``coefs_`` and ``intercepts_`` as they are
        (see ``_predict.py``).
    home : Home
        Where the fitted arrays live, and the inputs must.
    """

    def __init__(self, estimator):
        check_fitted_state(estimator)
        self.estimator = estimator
        state = vars(estimator)
        self._sources = [state.get(key) for key in _SOURCES]
        self._arrays = [*estimator.coefs_, *estimator.intercepts_]
        self.home = Home.of(estimator.coefs_[0])
        self.network = Network.frozen(
            estimator.coefs_,
            estimator.intercepts_,
            estimator.activation,
            estimator.out_activation_,
            xp=self.home.xp,
        )

    def __reduce__(self):
        # The network holds its namespace, a module: made again from the snapshot.
        return FittedModel, (self.estimator,)

    def made_from(self, state):
        """Whether ``state`` still holds the very attributes this model was made of."""
        if any(state.get(k) is not v for k, v in zip(_SOURCES, self._sources)):
            return False
        arrays = [*state["coefs_"], *state["intercepts_"]]
        return len(arrays) == len(self._arrays) and all(
            a is b for a, b in zip(arrays, self._arrays)
        )


def check_fitted_state(estimator):
    """Raise a ValueError naming a fitted attribute that contradicts the others.

    A model loaded from a file, or edited by hand, could otherwise fail deep in
    the forward pass, or return outputs of the wrong shape.
    """
    name = type(estimator).__name__

    def refuse(attribute, problem):
        raise ValueError(
            f"This fitted {name} is inconsistent: {attribute} {problem}. "
            "Fit it again, or load a model saved as fit left it."
        )

    coefs, intercepts = estimator.coefs_, estimator.intercepts_
    if not isinstance(coefs, list) or not coefs:
        refuse("coefs_", f"must be a non-empty list of arrays, not {coefs!r:.60}")
    if not isinstance(intercepts, list) or len(intercepts) != len(coefs):
        refuse("intercepts_", f"must be a list of {len(coefs)} arrays, as coefs_")
    for i, (W, b) in enumerate(zip(coefs, intercepts)):
        _check_layer(i, W, b, coefs, refuse)
    _check_sizes(estimator, coefs, refuse)
    estimator._check_fitted_targets(refuse)
    activation = estimator.activation
    if not isinstance(activation, Activation) and activation not in ACTIVATION_NAMES:
        refuse(
            "activation",
            f"is {activation!r}, neither one of {sorted(ACTIVATION_NAMES)} nor an "
            "instance of skann.plugins.Activation",
        )


def _check_layer(i, W, b, coefs, refuse):
    """Refuse layer ``i`` unless its arrays fit its neighbours, finite, where
    ``coefs_[0]`` lives."""
    home = Home.of(coefs[0])
    if not _is_array(W) or Home.of(W) != home or W.ndim != 2:
        refuse(f"coefs_[{i}]", f"must be a 2-D {home.words('array')}")
    if W.dtype != coefs[0].dtype or W.dtype not in home.float_dtypes():
        refuse(
            f"coefs_[{i}]",
            f"has dtype {W.dtype}; every layer must have coefs_[0]'s dtype, "
            "float32 or float64",
        )
    if i and W.shape[0] != coefs[i - 1].shape[1]:
        refuse(
            f"coefs_[{i}]",
            f"has shape {tuple(W.shape)}, but coefs_[{i - 1}] has shape "
            f"{tuple(coefs[i - 1].shape)}: layer {i} must take "
            f"{coefs[i - 1].shape[1]} inputs",
        )
    shape = tuple(b.shape) if _is_array(b) else np.shape(b)
    if not _is_array(b) or Home.of(b) != home or shape != (W.shape[1],):
        refuse(
            f"intercepts_[{i}]",
            f"has shape {shape}, but coefs_[{i}] has {W.shape[1]} "
            f"outputs: it must be a {home.words('array')} of shape ({W.shape[1]},)",
        )
    if b.dtype != W.dtype:
        refuse(f"intercepts_[{i}]", f"has dtype {b.dtype}, not {W.dtype}")
    if not (all_finite(W, home.xp) and all_finite(b, home.xp)):
        refuse(f"coefs_[{i}] or intercepts_[{i}]", "holds non-finite values")


def _is_array(a):
    """Whether ``a`` is an array of NumPy or of another namespace of the standard."""
    return isinstance(a, np.ndarray) or Home.of(a).xp is not np


def _check_sizes(estimator, coefs, refuse):
    """Refuse counts of features, layers and outputs that the layers contradict."""
    if estimator.n_features_in_ != coefs[0].shape[0]:
        refuse(
            "n_features_in_",
            f"is {estimator.n_features_in_!r}, but coefs_[0] takes "
            f"{coefs[0].shape[0]} features",
        )
    if getattr(estimator, "n_layers_", len(coefs) + 1) != len(coefs) + 1:
        refuse("n_layers_", f"is {estimator.n_layers_!r}, not len(coefs_) + 1")
    if estimator.n_outputs_ != coefs[-1].shape[1]:
        refuse(
            "n_outputs_",
            f"is {estimator.n_outputs_!r}, but the last layer coefs_[-1] has "
            f"{coefs[-1].shape[1]} outputs",
        )
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None and len(names) != estimator.n_features_in_:
        refuse(
            "feature_names_in_",
            f"holds {len(names)} names for {estimator.n_features_in_} features",
        )


def attributes(weights, result, optimizer, solver, previous):
    """The fitted attributes of a training result.

    Parameters
    ----------
    weights : tuple of (list of ndarray, list of ndarray)
        ``coefs_`` and ``intercepts_`` of the trained network.
    result : TrainingResult
    optimizer : Optimizer or None
        None for 'lbfgs'.
    solver : str or Optimizer
        The estimator's ``solver``, saved with the optimizer's state by its key.
    previous : BaseANN or None
        The fitted estimator this call continued (warm start, ``partial_fit``),
        whose curves and counts carry on.

    Returns
    -------
    attributes : dict
    """
    previous_curve = previous.loss_curve_ if previous is not None else []
    loss_curve = previous_curve + [float(v) for v in result.loss_curve]
    validated = result.validation_loss_curve is not None
    coefs, intercepts = weights
    fitted = {
        "coefs_": coefs,
        "intercepts_": intercepts,
        "loss_curve_": loss_curve,
        "loss_": loss_curve[-1] if loss_curve else None,
        # With early stopping the kept weights are not those of the lowest
        # training loss; like MLPClassifier, point to best_validation_score_.
        "best_loss_": min(loss_curve) if loss_curve and not validated else None,
        "n_iter_": (previous.n_iter_ if previous else 0) + result.n_iter,
        "t_": (previous.t_ if previous else 0) + result.t,
        "n_layers_": len(coefs) + 1,
        "_optimizer_state_": {}
        if optimizer is None
        else {
            "solver": solver_key(solver),
            "lr": optimizer.lr,
            **optimizer.get_state(),
        },
    }
    if validated:
        fitted.update(_validation_attributes(result, previous))
    else:
        # The curves span every continued fit that held data out; the best score
        # is the last fit's, and this one held none out.
        fitted["best_validation_score_"] = None
        if previous is None:
            fitted.update(validation_loss_curve_=None, validation_scores_=None)
    return fitted


def _validation_attributes(result, previous):
    """The curves of early stopping, extending those of a continued fit."""
    extend = previous is not None and previous.validation_loss_curve_ is not None
    # With a plateau keeping the best weights, score the epoch kept.
    best = result.best_epoch
    return {
        "validation_loss_curve_": (previous.validation_loss_curve_ if extend else [])
        + list(result.validation_loss_curve),
        "validation_scores_": (previous.validation_scores_ if extend else [])
        + list(result.validation_scores),
        "best_validation_score_": max(result.validation_scores)
        if best is None
        else result.validation_scores[best],
    }


def resumed(previous, rescale):
    """What a fit continues of ``previous``, the fitted model (or None), as the
    engine takes it: the state that :func:`attributes` saved, and ``rescale``
    (see :class:`~skann._engine.Resumed`)."""
    if previous is None:
        return Resumed(rescale=rescale)
    return Resumed(
        previous._optimizer_state_,
        previous.t_,
        # A model saved before the weight seen was kept counts from its next fit.
        vars(previous).get("_weight_seen_", 0.0),
        rescale,
    )
