"""From scikit-learn's MLPClassifier and MLPRegressor to skann.

skann takes most parameter names from the MLPs. Five differ (``RENAMED``, in
``_mlp_names.py``), two values need translating (``solver='sgd'``,
``batch_size='auto'``), and two MLP settings have no counterpart (``max_fun`` of
L-BFGS, a network without hidden layers). Each skann parameter is computed from
the MLP parameters it depends on by one :class:`_Rule`; the public functions
apply the rules to a whole estimator (:func:`from_mlp`), to a ``set_params`` dict
(:func:`mlp_params`) or to a search's grid (:func:`mlp_param_grid`).
"""

import itertools
from collections import namedtuple
from numbers import Integral

from sklearn.base import clone
from sklearn.neural_network import MLPClassifier, MLPRegressor

from ._mlp_names import ABSENT

#: MLP's parameter names that skann shares, with the same meaning and values.
SHARED = (
    "activation",
    "alpha",
    "power_t",
    "shuffle",
    "random_state",
    "tol",
    "verbose",
    "warm_start",
    "momentum",
    "early_stopping",
    "beta_1",
    "beta_2",
    "epsilon",
    "n_iter_no_change",
)

#: The step names that make_pipeline gives the MLPs, and then skann's estimators.
_PIPELINE_NAMES = {"mlpclassifier": "annclassifier", "mlpregressor": "annregressor"}

_DEFAULTS = MLPClassifier().get_params()

#: ``target`` (a skann parameter) is ``compute(context)``, ``context`` being every
#: MLP parameter; it depends on the MLP parameters ``sources`` only.
#: ``compute=None`` copies the value of the one source. A rule without a target
#: only checks that skann has an equivalent.
_Rule = namedtuple("_Rule", "target sources compute")


def _hidden_size(context):
    sizes = context["hidden_layer_sizes"]
    if isinstance(sizes, Integral):
        return int(sizes)
    sizes = tuple(int(s) if isinstance(s, Integral) else s for s in sizes)
    if not sizes:
        raise ValueError(
            f"hidden_layer_sizes={context['hidden_layer_sizes']!r} has no skann "
            "equivalent: a skann network has at least one hidden layer. Without "
            "one, the MLP is a linear model: LogisticRegression (for "
            "MLPClassifier) or Ridge (for MLPRegressor) fits it."
        )
    return sizes


def _solver(context):
    if context["solver"] != "sgd":
        return context["solver"]
    return "gd" if context["momentum"] == 0 else "momentum"


def _lr_schedule(context):
    # MLP schedules the learning rate of 'sgd' only; its Adam ignores the schedule
    # (and stops on a plateau), where skann's would apply it.
    return context["learning_rate"] if context["solver"] == "sgd" else "constant"


def _batch_size(context):
    # 'auto' is min(200, n_samples); skann takes min(batch_size, n_samples) rows.
    return 200 if context["batch_size"] == "auto" else context["batch_size"]


def _validation_fraction(context):
    # MLP accepts 0 where early stopping is off and the fraction unused; skann's
    # fraction is in (0, 1) always, so the unused value becomes MLP's default.
    if context["validation_fraction"] == 0 and not context["early_stopping"]:
        return _DEFAULTS["validation_fraction"]
    return context["validation_fraction"]


def _check_max_fun(context):
    if context["solver"] == "lbfgs" and context["max_fun"] != _DEFAULTS["max_fun"]:
        raise ValueError(
            f"max_fun={context['max_fun']!r} has no skann equivalent: "
            f"{ABSENT['max_fun']}."
        )


_RULES = (
    _Rule("hidden_size", ("hidden_layer_sizes",), _hidden_size),
    _Rule("lr", ("learning_rate_init",), None),
    _Rule("epochs", ("max_iter",), None),
    _Rule("nesterov", ("nesterovs_momentum",), None),
    _Rule("solver", ("solver", "momentum"), _solver),
    _Rule("lr_schedule", ("learning_rate", "solver"), _lr_schedule),
    _Rule("batch_size", ("batch_size",), _batch_size),
    _Rule(
        "validation_fraction",
        ("validation_fraction", "early_stopping"),
        _validation_fraction,
    ),
    *(_Rule(name, (name,), None) for name in SHARED),
    _Rule(None, ("max_fun", "solver"), _check_max_fun),
    # MLPRegressor's 'squared_error' and 'poisson' are ANNRegressor's.
    _Rule("loss", ("loss",), None),
)

#: Every MLP parameter name that a rule reads.
MLP_NAMES = frozenset(name for rule in _RULES for name in rule.sources)


def _translate(setting, mlp):
    """skann's parameters for the MLP parameters ``setting`` of a copy of ``mlp``.

    Returns each skann parameter that depends on a name in ``setting``, computed
    from ``mlp``'s parameters overridden by ``setting``: applied to
    ``from_mlp(mlp)``, they give ``from_mlp(clone(mlp).set_params(**setting))``.
    """
    changed = clone(mlp).set_params(**setting)
    # MLP's own errors for values that MLP would refuse.
    changed._validate_params()
    context = changed.get_params(deep=False)
    skann_params = {}
    for target, sources, compute in _RULES:
        if not setting.keys() & set(sources):
            continue
        value = context[sources[0]] if compute is None else compute(context)
        if target is not None:
            skann_params[target] = value
    return skann_params


# Keys of set_params and of search grids: "step__name" --------------------------------

#: MLP names that no other scikit-learn estimator takes: a step given one is an MLP.
_MLP_ONLY = frozenset(
    {"hidden_layer_sizes", "learning_rate_init", "nesterovs_momentum", "max_fun"}
)

#: MLP names whose value alone gives that of a skann parameter, by that parameter.
_COPIED = {
    rule.sources[0]: rule.target
    for rule in _RULES
    if rule.compute is None
    and sum(rule.sources[0] in other.sources for other in _RULES) == 1
}


def _split(key):
    prefix, _, name = key.rpartition("__")
    return prefix, name


def _join(prefix, name):
    head, sep, last = prefix.rpartition("__")
    prefix = head + sep + _PIPELINE_NAMES.get(last, last)
    return f"{prefix}__{name}" if prefix else name


def _mlp_prefixes(keys, step):
    """The prefixes of ``keys`` that address an MLP."""
    if step is not None:
        return {step}
    prefixes = {""}
    for key in keys:
        prefix, name = _split(key)
        if name in _MLP_ONLY or prefix.rpartition("__")[2] in _PIPELINE_NAMES:
            prefixes.add(prefix)
    return prefixes


def _components(names):
    """``names`` in groups, each closed under the rules that read them together."""
    groups = [{name} for name in names]
    for rule in _RULES:
        linked = [group for group in groups if group & set(rule.sources)]
        if len(linked) > 1:
            groups = [g for g in groups if g not in linked] + [set().union(*linked)]
    return sorted(
        (sorted(g, key=names.index) for g in groups), key=lambda g: names.index(g[0])
    )


def _alternatives(grid, mlp):
    """The translation of ``grid`` (MLP names to value lists): a list of grids.

    Combinations that translate alike appear once. Where a single skann parameter
    varies the result is one grid, otherwise one per combination.
    """
    names = list(grid)
    drawn = [name for name in names if hasattr(grid[name], "rvs")]
    if drawn:
        if names != drawn[:1] or drawn[0] not in _COPIED:
            raise TypeError(
                f"A distribution for {drawn[0]!r} cannot be translated: its skann "
                "value is not the MLP value drawn. Give a list of values instead."
            )
        return [{_COPIED[drawn[0]]: grid[drawn[0]]}]
    translated = []
    for values in itertools.product(*grid.values()):
        skann_params = _translate(dict(zip(names, values)), mlp)
        if skann_params not in translated:
            translated.append(skann_params)
    first = translated[0]
    varying = [k for k in first if any(t[k] != first[k] for t in translated)]
    if all(t.keys() == first.keys() for t in translated) and len(varying) <= 1:
        return [
            {
                k: [t[k] for t in translated] if k in varying else [v]
                for k, v in first.items()
            }
        ]
    return [{k: [v] for k, v in t.items()} for t in translated]


def _grid_values(key, values):
    if hasattr(values, "rvs"):
        return values
    if isinstance(values, str) or not hasattr(values, "__iter__"):
        raise TypeError(
            f"The grid of {key!r} must be a list of values (or a distribution), "
            f"not {values!r}; wrap a single value in a list."
        )
    values = list(values)
    if not values:
        raise ValueError(f"The grid of {key!r} is empty; give it at least one value.")
    return values


def _translate_grid(grid, mlp, step):
    """Translate one dict of a search grid; return a list of dicts."""
    grid = {key: _grid_values(key, values) for key, values in grid.items()}
    prefixes = _mlp_prefixes(grid, step)
    kept, groups = {}, {}
    for key, values in grid.items():
        prefix, name = _split(key)
        if prefix not in prefixes:
            kept[key] = values
        elif name in MLP_NAMES:
            groups.setdefault(prefix, {})[name] = values
        else:
            kept[_join(prefix, name)] = values
    choices = []
    for prefix, group in groups.items():
        for names in _components(list(group)):
            alternatives = _alternatives({name: group[name] for name in names}, mlp)
            choices.append(
                [{_join(prefix, k): v for k, v in a.items()} for a in alternatives]
            )
    return [
        {**kept, **{k: v for part in parts for k, v in part.items()}}
        for parts in itertools.product(*choices)
    ]


def _base(mlp):
    if mlp is None:
        return MLPClassifier()
    if not isinstance(mlp, (MLPClassifier, MLPRegressor)):
        raise TypeError(
            "mlp must be an MLPClassifier or an MLPRegressor; got "
            f"{type(mlp).__name__}."
        )
    return mlp


# Public ------------------------------------------------------------------------------


def from_mlp(estimator):
    """Return the skann estimator that trains with an MLP's settings.

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor
        The scikit-learn estimator whose parameters to translate. Fitted or not,
        only its parameters are read, as :func:`~sklearn.base.clone` reads them.

    Returns
    -------
    ANNClassifier or ANNRegressor
        A new, unfitted estimator with every parameter set: each MLP parameter
        under its skann name and value (see :func:`mlp_params`),
        ``init_scale='auto'``, ``standardize=False`` (MLPs train on X as it
        is), ``dropout=0.0`` (MLPs have none), for a classifier
        ``class_weight=None`` and for a regressor ``normalize_y=False``, as
        MLPRegressor trains on y as it is.

    Raises
    ------
    TypeError
        If ``estimator`` is not an MLPClassifier or MLPRegressor.
    ValueError
        If it uses what skann has not: ``max_fun`` other than 15000 with
        ``solver='lbfgs'``, or no hidden layer (``hidden_layer_sizes=()``).

    See Also
    --------
    mlp_params : Translate a dict of MLP parameters, as for ``set_params``.
    mlp_param_grid : Translate the parameter grid of a search over an MLP.

    Notes
    -----
    The two estimators then take the same steps from the same initial weights:
    skann's ``'gd'`` and ``'momentum'`` are MLP's ``'sgd'`` without and with
    momentum, its Adam is MLP's, its L2 penalty, schedules and plateau stop
    count alike. They do not draw the same initial weights: MLP draws weights and
    biases from Glorot's uniform distribution, skann's ``init_scale='auto'``
    draws weights from a normal distribution (He's scale into ReLU layers,
    Glorot's elsewhere) and sets the biases to zero. Early stopping watches the
    held-out loss in skann and the held-out score in MLP.

    Examples
    --------
    >>> from sklearn.neural_network import MLPClassifier
    >>> from skann import from_mlp
    >>> clf = from_mlp(MLPClassifier(hidden_layer_sizes=(50,), solver="sgd"))
    >>> clf.hidden_size, clf.solver, clf.nesterov, clf.lr, clf.epochs, clf.batch_size
    ((50,), 'momentum', True, 0.001, 200, 200)
    """
    # skann's estimators import this module for its names.
    from ._classifier import ANNClassifier
    from ._regressor import ANNRegressor

    if not isinstance(estimator, (MLPClassifier, MLPRegressor)):
        raise TypeError(
            "from_mlp translates an MLPClassifier or an MLPRegressor; got "
            f"{type(estimator).__name__}. For a pipeline, translate its MLP step "
            "and mlp_param_grid its search grid."
        )
    mlp = clone(estimator)
    params = {
        **_translate(mlp.get_params(deep=False), mlp),
        "init_scale": "auto",
        "standardize": False,
        "dropout": 0.0,
    }
    if isinstance(mlp, MLPClassifier):
        return ANNClassifier(**params, class_weight=None)
    # MLPRegressor has a loss only from scikit-learn 1.7: the squared error before.
    params.setdefault("loss", "squared_error")
    return ANNRegressor(**params, normalize_y=False)


def mlp_params(params, *, mlp=None, step=None):
    """Translate MLP parameters, as given to ``set_params``, to skann's.

    Parameters
    ----------
    params : dict
        Parameter names and values of an MLPClassifier or MLPRegressor, bare
        (``{'hidden_layer_sizes': (50,)}``) or under the step of a pipeline or
        meta-estimator (``{'mlpclassifier__max_iter': 500}``). Keys that are no
        MLP's come back unchanged.
    mlp : MLPClassifier or MLPRegressor, default=None
        The MLP the parameters are set on; None stands for ``MLPClassifier()``.
        Where a skann value depends on several MLP parameters (``solver='sgd'``
        is skann's ``'gd'`` or ``'momentum'`` by ``momentum``), those not in
        ``params`` are read from it.
    step : str, default=None
        The prefix of the MLP's keys (``'clf'`` for ``clf__alpha``). None takes
        the bare keys, those of a step named ``'mlpclassifier'`` or
        ``'mlpregressor'`` and those of any step given a name only an MLP takes
        (``hidden_layer_sizes``, ``learning_rate_init``, ``nesterovs_momentum``,
        ``max_fun``).

    Returns
    -------
    dict
        The skann parameters that the given ones set. ``from_mlp(mlp).set_params(
        **mlp_params(params, mlp=mlp))`` equals ``from_mlp(clone(mlp).set_params(
        **params))``. A step named ``'mlpclassifier'`` (``'mlpregressor'``) by
        :func:`~sklearn.pipeline.make_pipeline` becomes ``'annclassifier'``
        (``'annregressor'``), the name it gives skann's estimator.

    Raises
    ------
    ValueError
        For an MLP value skann has no equivalent of (see :func:`from_mlp`), and,
        with MLP's own message, for a value MLP refuses.

    See Also
    --------
    from_mlp : Translate a whole MLPClassifier or MLPRegressor.
    mlp_param_grid : Translate the parameter grid of a search.

    Examples
    --------
    >>> from skann import mlp_params
    >>> mlp_params({"mlpclassifier__hidden_layer_sizes": (64,),
    ...             "mlpclassifier__max_iter": 500})
    {'annclassifier__hidden_size': (64,), 'annclassifier__epochs': 500}
    """
    [translated] = _translate_grid(
        {key: [value] for key, value in params.items()}, _base(mlp), step
    )
    return {key: values[0] for key, values in translated.items()}


def mlp_param_grid(param_grid, *, mlp=None, step=None):
    """Translate the parameter grid of a search over an MLP to skann's.

    Parameters
    ----------
    param_grid : dict or list of dict
        A grid as :class:`~sklearn.model_selection.GridSearchCV` takes it: MLP
        parameter names (bare or under a step, as for :func:`mlp_params`) to
        lists of values. For :class:`~sklearn.model_selection.RandomizedSearchCV`
        a distribution may stand for a list where the skann value is the MLP
        value under another name (``learning_rate_init``, ``alpha``,
        ``max_iter``, ...).
    mlp : MLPClassifier or MLPRegressor, default=None
        The MLP searched over; None stands for ``MLPClassifier()``. See
        :func:`mlp_params`.
    step : str, default=None
        The prefix of the MLP's keys; see :func:`mlp_params`.

    Returns
    -------
    list of dict
        A grid for a search over ``from_mlp(mlp)``, whose candidates are the
        translations of the MLP grid's candidates. Candidates that MLP would
        train alike (such as Adam under two ``learning_rate`` schedules, which
        only ``'sgd'`` uses) appear once. Where several skann parameters depend on
        one MLP parameter the dicts split by its values.

    Raises
    ------
    TypeError
        If a value is neither a list nor, where allowed, a distribution.
    ValueError
        As :func:`mlp_params`.

    See Also
    --------
    from_mlp : Translate a whole MLPClassifier or MLPRegressor.
    mlp_params : Translate a dict of MLP parameters.

    Examples
    --------
    >>> from skann import mlp_param_grid
    >>> for grid in mlp_param_grid({"solver": ["sgd"], "momentum": [0.0, 0.9]}):
    ...     print(grid)
    {'solver': ['gd'], 'lr_schedule': ['constant'], 'momentum': [0.0]}
    {'solver': ['momentum'], 'lr_schedule': ['constant'], 'momentum': [0.9]}
    >>> mlp_param_grid({"estimator__hidden_layer_sizes": [(10,), (10, 10)],
    ...                 "estimator__max_iter": [100, 300]})
    [{'estimator__hidden_size': [(10,), (10, 10)], 'estimator__epochs': [100, 300]}]
    """
    mlp = _base(mlp)
    grids = [param_grid] if isinstance(param_grid, dict) else list(param_grid)
    return [out for grid in grids for out in _translate_grid(grid, mlp, step)]
