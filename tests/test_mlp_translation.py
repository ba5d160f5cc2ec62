"""skann.from_mlp, mlp_params and mlp_param_grid: MLP's settings in skann's words.

The translated estimator is checked by training: started from MLP's initial weights
it takes MLP's steps. The translated grids are checked candidate by candidate
against the translation of each MLP candidate.
"""

import warnings

import numpy as np
import pytest
from scipy.stats import loguniform
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, ParameterGrid
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skann import (
    ANNClassifier,
    ANNRegressor,
    from_mlp,
    mlp_param_grid,
    mlp_params,
)
from skann._mlp import MLP_NAMES
from skann._mlp_names import RENAMED

MLPS = [MLPClassifier, MLPRegressor]


def quietly(fit, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fit(*args, **kwargs)


# Every parameter --------------------------------------------------------------------


@pytest.mark.parametrize("mlp_class", MLPS)
def test_every_mlp_parameter_is_read(mlp_class):
    # A parameter added to MLP by a later scikit-learn fails here until translated.
    assert set(mlp_class().get_params()) <= MLP_NAMES


@pytest.mark.parametrize("mlp_class", MLPS)
def test_every_mlp_default_translates_alone(mlp_class):
    mlp = mlp_class()
    for name, value in mlp.get_params().items():
        translated = mlp_params({name: value}, mlp=mlp)
        assert RENAMED.get(name, name) in translated or name in ("max_fun", "loss")


@pytest.mark.parametrize("mlp_class", MLPS)
def test_from_mlp_sets_every_parameter_so_skanns_defaults_do_not_matter(mlp_class):
    ann = from_mlp(mlp_class())
    assert isinstance(
        ann, ANNClassifier if mlp_class is MLPClassifier else ANNRegressor
    )
    fresh = type(ann)()
    assert set(ann.get_params()) == set(fresh.get_params())
    translated = mlp_params(mlp_class().get_params(), mlp=mlp_class())
    # quantile weighs only loss='quantile', which no MLP has.
    set_by_from_mlp = {"init_scale", "class_weight", "normalize_y", "standardize"}
    set_by_from_mlp.add("dropout")  # MLPs have none
    set_by_from_mlp.add("quantile")
    if mlp_class is MLPRegressor:
        # Translated from scikit-learn 1.7 on, set by from_mlp before it.
        set_by_from_mlp.add("loss")
    assert set(translated) | set_by_from_mlp >= set(ann.get_params())
    if mlp_class is MLPRegressor:
        assert ann.normalize_y is False


def test_from_mlp_of_mlps_defaults():
    ann = from_mlp(MLPClassifier())
    expected = dict(
        hidden_size=(100,),
        activation="relu",
        solver="adam",
        lr=0.001,
        lr_schedule="constant",
        epochs=200,
        batch_size=200,
        alpha=1e-4,
        tol=1e-4,
        n_iter_no_change=10,
        nesterov=True,
        momentum=0.9,
        init_scale="auto",
        class_weight=None,
    )
    assert {k: ann.get_params()[k] for k in expected} == expected


@pytest.mark.parametrize(
    "solver, momentum, schedule, expected",
    [
        ("sgd", 0.0, "adaptive", ("gd", "adaptive")),
        ("sgd", 0.5, "invscaling", ("momentum", "invscaling")),
        ("adam", 0.0, "adaptive", ("adam", "constant")),
        ("lbfgs", 0.9, "invscaling", ("lbfgs", "constant")),
    ],
)
def test_solver_and_schedule(solver, momentum, schedule, expected):
    mlp = MLPClassifier(solver=solver, momentum=momentum, learning_rate=schedule)
    ann = from_mlp(mlp)
    assert (ann.solver, ann.lr_schedule) == expected


def test_values_skann_spells_otherwise():
    ann = from_mlp(
        MLPRegressor(hidden_layer_sizes=np.array([8, 3]), validation_fraction=0.0)
    )
    assert ann.hidden_size == (8, 3)
    assert 0 < ann.validation_fraction < 1  # unused, as MLP's 0 was
    assert from_mlp(MLPRegressor(hidden_layer_sizes=7)).hidden_size == 7
    assert from_mlp(MLPRegressor(batch_size=16)).batch_size == 16


def test_what_skann_lacks_is_refused():
    with pytest.raises(ValueError, match="max_fun=100 has no skann equivalent.*epochs"):
        from_mlp(MLPClassifier(solver="lbfgs", max_fun=100))
    # Only L-BFGS uses max_fun.
    assert from_mlp(MLPClassifier(solver="adam", max_fun=100)).solver == "adam"
    with pytest.raises(TypeError, match="MLPClassifier or an MLPRegressor"):
        from_mlp(LogisticRegression())
    with pytest.raises(TypeError, match="mlp must be"):
        mlp_params({"alpha": 1.0}, mlp=ANNClassifier())
    # MLP's own message for a value MLP refuses.
    with pytest.raises(InvalidParameterError, match="'solver' parameter of MLPClass"):
        mlp_params({"solver": "gd"})
    with pytest.raises(ValueError, match="Invalid parameter 'loss'.*MLPClassifier"):
        mlp_params({"loss": "squared_error"})


@pytest.mark.parametrize("sizes", [(), []])
@pytest.mark.parametrize("mlp_class", MLPS)
def test_an_mlp_without_hidden_layers_is_refused_with_the_reason(mlp_class, sizes):
    # MLP trains it, a linear model; skann's network needs a hidden layer.
    match = r"hidden_layer_sizes=(\(\)|\[\]) has no skann equivalent.*at least one"
    with pytest.raises(ValueError, match=match):
        from_mlp(mlp_class(hidden_layer_sizes=sizes))
    with pytest.raises(ValueError, match=match):
        mlp_params({"hidden_layer_sizes": sizes})
    with pytest.raises(ValueError, match=match):
        mlp_param_grid({"hidden_layer_sizes": [(5,), sizes]})


def test_from_mlp_copies_rather_than_shares():
    state = np.random.RandomState(0)
    ann = from_mlp(MLPClassifier(random_state=state))
    assert isinstance(ann.random_state, np.random.RandomState)
    assert ann.random_state is not state


# Grids --------------------------------------------------------------------------------


def candidates(grid):
    return {tuple(sorted(params.items())) for params in ParameterGrid(grid)}


GRIDS = [
    {
        "solver": ["sgd", "adam", "lbfgs"],
        "momentum": [0.0, 0.5],
        "nesterovs_momentum": [True, False],
        "learning_rate": ["constant", "adaptive"],
    },
    {"solver": ["sgd", "adam"], "learning_rate_init": [0.01, 0.1]},
    {"learning_rate": ["constant", "invscaling"], "power_t": [0.5, 0.25]},
    {"momentum": [0.0, 0.9]},
    {"validation_fraction": [0.0, 0.2], "early_stopping": [False, True]},
    {"batch_size": ["auto", 32], "hidden_layer_sizes": [5, (5, 3), [7]]},
    [{"max_iter": [10, 20], "alpha": [0.1]}, {"solver": ["lbfgs"], "max_fun": [15000]}],
]
BASES = [
    MLPClassifier(),
    MLPClassifier(solver="sgd", momentum=0.0, learning_rate="invscaling"),
    MLPRegressor(solver="sgd", nesterovs_momentum=False),
]


@pytest.mark.parametrize("grid", GRIDS)
@pytest.mark.parametrize("base", BASES, ids=["mlp", "sgd-invscaling", "regressor"])
def test_grid_candidates_are_the_mlp_candidates_translated(grid, base):
    ann = from_mlp(base)
    expected = {
        tuple(sorted(from_mlp(clone(base).set_params(**c)).get_params().items()))
        for c in ParameterGrid(grid)
    }
    translated = mlp_param_grid(grid, mlp=base)
    got = {
        tuple(sorted(clone(ann).set_params(**dict(c)).get_params().items()))
        for c in candidates(translated)
    }
    assert got == expected
    # One candidate per distinct skann model.
    assert len(list(ParameterGrid(translated))) == len(got)


def test_a_single_varying_parameter_stays_one_grid():
    grid = {"solver": ["sgd", "adam"], "learning_rate_init": [0.01, 0.1]}
    assert mlp_param_grid(grid) == [
        {"solver": ["momentum", "adam"], "lr_schedule": ["constant"], "lr": [0.01, 0.1]}
    ]


def test_set_params_dict_translates_as_a_one_candidate_grid():
    mlp = MLPClassifier(solver="sgd", momentum=0.0)
    params = {"solver": "sgd", "momentum": 0.9, "learning_rate": "adaptive"}
    expected = from_mlp(clone(mlp).set_params(**params)).get_params()
    assert from_mlp(mlp).set_params(**mlp_params(params, mlp=mlp)).get_params() == (
        expected
    )
    assert mlp_params(params, mlp=mlp) == {
        "solver": "momentum",
        "lr_schedule": "adaptive",
        "momentum": 0.9,
    }


def test_prefixed_keys():
    grid = {
        "mlpclassifier__hidden_layer_sizes": [(5,)],
        "mlpclassifier__max_iter": [50],
        "standardscaler__with_mean": [True, False],
        "pipeline__mlpregressor__learning_rate_init": [0.1],
        "estimator__hidden_layer_sizes": [(3,)],
        "estimator__alpha": [1.0],
        # No name only an MLP takes: some other step's parameters.
        "logisticregression__max_iter": [100],
        "ridge__solver": ["sag"],
    }
    assert mlp_param_grid(grid) == [
        {
            "standardscaler__with_mean": [True, False],
            "logisticregression__max_iter": [100],
            "ridge__solver": ["sag"],
            "annclassifier__hidden_size": [(5,)],
            "annclassifier__epochs": [50],
            "pipeline__annregressor__lr": [0.1],
            "estimator__hidden_size": [(3,)],
            "estimator__alpha": [1.0],
        }
    ]
    assert mlp_param_grid({"clf__max_iter": [5], "max_iter": [7]}, step="clf") == [
        {"clf__epochs": [5], "max_iter": [7]}
    ]
    assert mlp_params({"clf__max_iter": 5}, step="") == {"clf__max_iter": 5}


def test_distributions_where_the_value_carries_over():
    lr = loguniform(1e-4, 1e-1)
    [grid] = mlp_param_grid({"clf__learning_rate_init": lr, "clf__max_fun": [15000]})
    assert grid["clf__lr"] is lr
    with pytest.raises(TypeError, match="distribution for 'momentum'"):
        mlp_param_grid({"momentum": loguniform(0.1, 0.9)})
    with pytest.raises(TypeError, match="distribution for 'hidden_layer_sizes'"):
        mlp_param_grid({"hidden_layer_sizes": loguniform(1, 9)})
    with pytest.raises(TypeError, match="'solver' must be a list"):
        mlp_param_grid({"solver": "adam"})
    with pytest.raises(ValueError, match="'solver' is empty"):
        mlp_param_grid({"solver": []})


def test_translated_search_runs_on_translated_pipeline():
    X, y = make_classification(60, 4, random_state=0)
    mlp = MLPClassifier(max_iter=20, random_state=0)
    grid = {
        "mlpclassifier__hidden_layer_sizes": [(3,), (4,)],
        "mlpclassifier__solver": ["sgd", "adam"],
    }
    pipe = make_pipeline(StandardScaler(), from_mlp(mlp))
    search = quietly(GridSearchCV(pipe, mlp_param_grid(grid, mlp=mlp), cv=2).fit, X, y)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_params_["annclassifier__solver"] in ("momentum", "adam")


# MLP's names on skann's estimators ---------------------------------------------------


@pytest.mark.parametrize("estimator_class", [ANNClassifier, ANNRegressor])
@pytest.mark.parametrize("name", sorted(RENAMED))
def test_mlp_names_are_refused_naming_skanns(estimator_class, name):
    value = MLPClassifier().get_params()[name]
    with pytest.raises(
        ValueError, match=f"no parameter '{name}': use '{RENAMED[name]}'"
    ):
        estimator_class().set_params(**{name: value})
    with pytest.raises(
        TypeError, match=f"no parameter '{name}': use '{RENAMED[name]}'"
    ):
        estimator_class(**{name: value})
    pipe = make_pipeline(estimator_class())
    step = type(pipe[-1]).__name__.lower()
    with pytest.raises(ValueError, match=f"use '{RENAMED[name]}'"):
        pipe.set_params(**{f"{step}__{name}": value})


def test_learning_rate_points_to_both_lr_parameters():
    with pytest.raises(ValueError, match="'lr_schedule' for MLP's schedule, and 'lr'"):
        ANNClassifier().set_params(learning_rate=0.01)


@pytest.mark.parametrize("name, value", [("max_fun", 15000), ("loss", "log_loss")])
def test_mlp_names_without_equivalent_say_so(name, value):
    with pytest.raises(ValueError, match=f"no parameter '{name}': .*(epochs|cross-)"):
        ANNClassifier().set_params(**{name: value})


@pytest.mark.skipif(
    "loss" not in MLPRegressor().get_params(), reason="scikit-learn 1.7 and newer"
)
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_mlp_regressors_losses_are_annregressors(loss):
    ann = from_mlp(MLPRegressor(loss=loss))
    assert ann.loss == loss and ann.normalize_y is False
    assert mlp_params({"loss": loss}, mlp=MLPRegressor()) == {"loss": loss}
    grid = {"mlpregressor__loss": ["squared_error", "poisson"]}
    grid = mlp_param_grid(grid, mlp=MLPRegressor())
    assert grid == [{"annregressor__loss": ["squared_error", "poisson"]}]


def test_other_unknown_names_keep_the_usual_errors():
    with pytest.raises(ValueError, match="Invalid parameter 'foo'.*Valid parameters"):
        ANNClassifier().set_params(foo=1)
    with pytest.raises(TypeError, match="unexpected keyword argument 'foo'"):
        ANNClassifier(foo=1)
    clf = ANNClassifier(3)
    with pytest.raises(ValueError, match="no parameter 'max_iter': use 'epochs'"):
        clf.set_params(hidden_size=5, max_iter=5)
    assert clf.hidden_size == 3  # nothing set before the refusal


def test_search_over_mlp_names_says_which_to_use():
    X, y = make_classification(40, 5, random_state=0)
    search = GridSearchCV(ANNClassifier(epochs=5), {"max_iter": [5]}, cv=2)
    with pytest.raises(ValueError, match="use 'epochs'"):
        search.fit(X, y)
