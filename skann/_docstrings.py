"""The documentation both estimators share, each entry written once.

The class docstrings of ``ANNClassifier`` and ``ANNRegressor`` are templates that
:func:`shared_docs` fills when the class is defined. There, a line holding only
``${parameters}``, ``${attributes}`` or ``${after_fit}`` stands for the entries or
the paragraph of the same name below, and any other ``${name}`` for a word the
estimator gives, or for an option list read from the registries that the
parameters' constraints read too. A line holding only a placeholder takes its
text, indented as the line, or is dropped where the text is empty. The Parameters
section is then ordered as ``__init__``'s signature, so that an estimator's own
entries (``class_weight``, ``loss``...) are written in its own docstring, in any
place of that section. The defaults are written in the signatures, which
scikit-learn reads; ``tests/test_docstrings.py`` checks each documented default
against them.
"""

import inspect
import re

from ._core.activations import ACTIVATIONS
from ._core.losses import REGRESSION_LOSSES
from ._core.optimizers import SOLVER_NAMES
from ._core.schedules import SCHEDULES


def _options(names):
    """``{'a', 'b'}``, numpydoc's type of a parameter that takes one of ``names``."""
    return "{" + ", ".join(repr(name) for name in names) + "}"


#: The option lists of the docs, from the registries, so that a new entry in one
#: is documented at once.
OPTIONS = {
    "activations": _options(ACTIVATIONS),
    "solvers": _options(SOLVER_NAMES),
    "schedules": _options(SCHEDULES),
    "losses": _options(REGRESSION_LOSSES),
}

PARAMETERS = """\
hidden_size : int or tuple of int, default=100
    Units of the hidden layer, or of each hidden layer in turn.
activation : ${activations} or Activation, default='relu'
    Activation of the hidden layers. 'gelu' is ``z * Phi(z)`` in its tanh
    form, ``z / 2 * (1 + tanh(sqrt(2 / pi) * (z + 0.044715 * z**3)))``. An
    instance of a subclass of :class:`skann.plugins.Activation` is an
    activation of your own (see :ref:`plugins`): the estimator clones, pickles
    and searches over it (``activation__<name>`` for its hyperparameters), and
    training never changes it. :func:`skann.onnx.to_onnx` exports it only if
    its ``onnx_op`` names an ONNX operator.
lr : float, default=0.003
    Learning rate (the initial one, under a schedule). Not used by 'lbfgs'.
epochs : int, default=400
    Largest number of passes over the training data; for 'lbfgs', of
    iterations.
init_scale : float, 'auto' or 'data', default='auto'
    Standard deviation of the initial weights, ``W = randn(n_out, n_in) *
    init_scale``. 'auto' uses He's ``sqrt(2 / n_in)`` for the weights into ReLU
    and GELU layers and Glorot's ``sqrt(2 / (n_in + n_out))`` for the others.
    'data', for ``standardize=False``, is 'auto' with the first layer's scale
    divided by the root mean square of the training inputs' entries where it exceeds
    1, so that features in large units (raw pixels, areas) start the hidden
    units where scaled features would; on standardised, scaled or sparse
    inputs it is 'auto'.
random_state : int, RandomState instance or None, default=None
    Seeds the initial weights, the shuffles and the validation split.
    ${seed_note}
verbose : int, default=0
    If positive, print ``Epoch i: Cost = ...`` ten times during training.
solver : ${solvers} or Optimizer, default='adam'
    'gd' is plain gradient descent (the textbook's); 'momentum' is heavy-ball
    momentum, or Nesterov's with ``nesterov=True``; 'adam' is Adam; 'lbfgs' is
    SciPy's L-BFGS-B on the whole training set. An instance of a subclass of
    :class:`skann.plugins.Optimizer` is an optimizer of your own: a template
    from which each fit builds a fresh optimizer of its class and
    hyperparameters, at the learning rate ``lr`` under ``lr_schedule``. Its
    hyperparameters are its own (``solver__<name>`` in a grid): ``momentum``,
    ``nesterov``, ``beta_1``, ``beta_2`` and ``epsilon`` do not apply to it.
    ``partial_fit`` and ``warm_start`` resume its state while the solver keeps
    the same class and hyperparameters.
batch_size : int, 'auto' or None, default='auto'
    Rows per gradient step (all of them when there are fewer), the last batch
    of an epoch taking what remains, as in scikit-learn's MLPs. 'auto' splits
    the rows into ``ceil(n_samples / 128)`` batches of equal size (within a
    row), so that no step is taken on a small remainder. None uses all rows at
    once (full batch), as the textbook does.
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
lr_schedule : ${schedules}, default='drop_once'
    'invscaling' sets ``lr / (t + 1) ** power_t`` after each epoch, ``t`` being
    the samples seen; 'adaptive' divides the learning rate by 5 each time the
    monitored loss stops improving (see ``tol``), and stops once it is at or
    below 1e-6; 'drop_once' divides it by 5 the first time and stops the second
    time, where 'constant' stops the first time. With ``tol=None`` there is no
    plateau, and 'drop_once' keeps the rate. Not used by 'lbfgs'.
power_t : float, default=0.5
    Exponent of the 'invscaling' schedule.
alpha : float or 'auto', default='auto'
    Strength of the L2 penalty on the weights (not the biases). A float is
    scikit-learn's MLPs' penalty: ``alpha / 2 * sum(W**2) / n`` is added to the
    loss, ``n`` being the batch's total sample weight, so that its share is
    the same on every data set. 'auto' is the penalty of all the data seen:
    ``3.5 / 2 * sum(W**2) / n`` with ``n`` the total sample weight of the rows
    trained on since the model started (the training set's, for a new
    ``fit``; of every call so far, with ``partial_fit`` and ``warm_start``,
    a row passed twice counting twice), so that it weighs less as the data
    grow, also when they arrive a row at a time, and with each
    first-layer weight of feature ``j`` counted in proportion to that
    feature's mean square where it is below 1 (TF-IDF weights, proportions),
    so that features of small values are not kept from the model. See the
    user guide's "L2 penalty" and "Streams".
dropout : float or tuple of float, default=0.0
    Inverted dropout on the hidden layers' activations: in each training
    step, each hidden unit's output is set to 0 with this probability and the
    others are divided by ``1 - dropout``. A float in [0, 1) for every hidden
    layer, or a tuple with one rate per hidden layer; 0 drops nothing.
    Prediction, validation scores, ``loss_curve_`` and the checks after
    training use the whole network, and ONNX export writes it as it is. The
    masks are drawn from ``random_state``. Not with 'lbfgs', whose line
    search needs one loss at the same parameters.
tol : float, default=1e-3
    None runs every epoch. A float stops training once the monitored loss (the
    training loss, or the validation loss with ``early_stopping``) has not
    improved by at least ``tol`` for more than ``n_iter_no_change`` epochs in a
    row; running out of epochs first gives a ``ConvergenceWarning``. Either
    way the model keeps the last epoch's weights, unless that epoch's loss is
    above the lowest by more than ``tol``: then those of the epoch of lowest
    loss. For 'lbfgs' it is the gradient tolerance.
n_iter_no_change : int or np.inf, default=10
    Training stops (or, under the 'adaptive' and 'drop_once' schedules, lowers
    the learning rate) at the ``n_iter_no_change + 1``-th epoch in a row without
    improvement, as in ${mlp}; ``np.inf`` never stops on a plateau.
    ``fit`` counts afresh each call, ``partial_fit`` not at all.
early_stopping : bool, default=False
    Whether to hold out a ${split} ``validation_fraction`` of the training
    data, monitor its loss, stop when it stops improving (by ``tol``, or at all
    when ``tol`` is None) and end with the weights of this call's best epoch.
    Ignored by 'lbfgs', which trains on every row; ``partial_fit`` refuses it.
validation_fraction : float, default=0.1
    Share of the training data held out by ``early_stopping``, in (0, 1).
warm_start : bool, default=False
    Whether ``fit`` continues from the fitted weights (and extends
    ``loss_curve_``) instead of starting anew.
standardize : bool, default=True
    Whether the network learns on standardised features, ``(X - x_mean_) /
    x_scale_``, as if a StandardScaler came before it, so that features in any
    units (counts in the thousands, money, raw pixels) train as scaled ones
    do. The scaling is folded into the first layer: ``X`` is neither copied
    nor densified (a sparse ``X`` stays sparse, its centring lives in the
    biases), and ``coefs_``, ``intercepts_``, prediction and ONNX export take
    ``X`` in its own units. The statistics are those of the rows trained on,
    weighted by the rows' weights: a new ``fit`` computes them, and a
    continued fit (``warm_start``) or a ``partial_fit`` call merges its rows
    into them, as StandardScaler's ``partial_fit`` does, without changing
    the model's predictions. False trains on ``X`` as it is, as MLPClassifier
    and MLPRegressor do.
"""

ATTRIBUTES = """\
n_features_in_ : int
    Number of features seen during fit.
feature_names_in_ : ndarray of shape (`n_features_in_`,)
    Names of features seen during fit, when ``X`` has string column names.
coefs_ : list of ndarray
    ``coefs_[i]`` of shape ``(n_in, n_out)`` holds the weights of layer ``i``.
intercepts_ : list of ndarray
    ``intercepts_[i]`` of shape ``(n_out,)`` holds the biases of layer ``i``.
x_mean_ : ndarray of shape (`n_features_in_`,) or None
    Mean of each feature on the rows trained on, which the first layer
    subtracts (folded into ``intercepts_[0]``); None with
    ``standardize=False``.
x_scale_ : ndarray of shape (`n_features_in_`,) or None
    Standard deviation of each feature on the rows trained on (1 for a constant
    feature), which the first layer divides by (folded into ``coefs_[0]``);
    None with ``standardize=False``.
loss_ : float
    Training loss of the last epoch.
loss_curve_ : list of float
    ``loss_curve_[i]`` is the training loss of epoch ``i``, computed before its
    updates (penalty included), over every call of ``fit`` that continued the
    model and of ``partial_fit``.
    ${loss_units}
best_loss_ : float or None
    Smallest value in ``loss_curve_``; None when the last ``fit`` used
    ``early_stopping`` (see ``best_validation_score_``), as in ${mlp}.
validation_loss_curve_ : list of float or None
    Validation loss after each epoch, over every continued ``fit`` that used
    ``early_stopping``; None without it.
validation_scores_ : list of float or None
    Validation ${score}
    after each epoch, over every continued ``fit`` that used ``early_stopping``;
    None without it.
best_validation_score_ : float or None
    Validation ${score_name} of the epoch whose weights the last ``fit`` kept (the
    one with the lowest validation loss); None without ``early_stopping``.
n_iter_ : int
    Epochs run (L-BFGS iterations for 'lbfgs', counting one that SciPy
    abandons), over all continued calls, so ``len(loss_curve_) == n_iter_``
    always holds; ${mlp} counts the last call only.
t_ : int
    Training samples seen, over all epochs (for 'lbfgs', over all loss
    evaluations).
n_layers_ : int
    Number of layers, input and output included.
"""

AFTER_FIT = """\
After ``fit`` one pass over the training data (at most 2000 rows of it) checks
the model; a loss that ended, or swung in the last epochs, above the loss of
predicting ${baseline}
while no longer falling, a loss that rose over the fit, a ReLU hidden layer whose
every unit is dead, or an abnormal stop of L-BFGS gives a ``ConvergenceWarning``
with the numbers and what to try. ``partial_fit``, which sees one chunk of the
data a call, skips that check. Minibatches whose sample weights are all zero take
no step. Ctrl-C during ``fit`` ends training after the current epoch (L-BFGS
iteration) with a warning, keeping a usable model; a second Ctrl-C, in the same
fit or a later one (say, of a grid search), raises ``KeyboardInterrupt``.
"""

_BLOCKS = {"parameters": PARAMETERS, "attributes": ATTRIBUTES, "after_fit": AFTER_FIT}
_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def shared_docs(**words):
    """Class decorator: fill the class's docstring template (see the module's).

    ``words`` are the estimator's words for the placeholders of the shared text,
    such as ``mlp="MLPClassifier"``.
    """

    def fill(cls):
        if cls.__doc__ is None:  # python -OO strips docstrings
            return cls
        text = _substituted(inspect.cleandoc(cls.__doc__), _BLOCKS)
        text = _substituted(text, {**OPTIONS, **words})
        names = list(inspect.signature(cls.__init__).parameters)[1:]
        cls.__doc__ = _in_signature_order(text, names, cls.__name__)
        return cls

    return fill


def _substituted(text, values):
    """``text`` with each ``${name}`` of ``values`` replaced; others left."""
    lines = []
    for line in text.splitlines():
        alone = _PLACEHOLDER.fullmatch(line.strip())
        if alone and alone[1] in values:
            indent = line[: len(line) - len(line.lstrip())]
            lines += [
                indent + part if part else part
                for part in values[alone[1]].splitlines()
            ]
            continue
        lines.append(_PLACEHOLDER.sub(lambda m: _word(values, m), line))
    return "\n".join(lines)


def _word(values, match):
    """The text of placeholder ``match`` within a line: one line."""
    text = values.get(match[1], match[0])
    if "\n" in text:
        raise ValueError(f"{match[0]} takes several lines: put it alone on its line.")
    return text


def _in_signature_order(text, names, owner):
    """``text`` with its Parameters entries in the order of ``names``.

    Refuses a parameter documented twice or not at all, an entry of no parameter,
    and a placeholder left unfilled.
    """
    left = _PLACEHOLDER.search(text)
    if left:
        raise ValueError(f"{owner}'s docstring has no text for {left[0]}.")
    lines = text.splitlines()
    start = lines.index("Parameters") + 2
    end = lines.index("Attributes")
    while not lines[end - 1].strip():
        end -= 1
    entries = {}
    for line in lines[start:end]:
        if line and not line[0].isspace():
            name = line.split(" : ")[0]
            if name in entries:
                raise ValueError(f"{owner}'s docstring documents {name} twice.")
            entries[name] = []
        entries[name].append(line)
    if set(entries) != set(names):
        raise ValueError(
            f"{owner}'s docstring documents {sorted(entries)}, but its "
            f"parameters are {sorted(names)}."
        )
    ordered = [line for name in names for line in entries[name]]
    return "\n".join(lines[:start] + ordered + lines[end:])
