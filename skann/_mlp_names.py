"""MLP's parameter names that skann's estimators refuse, and what skann calls them.

The estimators refuse these names in ``__init__`` and ``set_params`` with a hint;
``_mlp.py`` translates whole settings. Kept apart so that the estimators need not
import the translation, which imports them.
"""

#: MLP's parameter names that skann spells differently.
RENAMED = {
    "hidden_layer_sizes": "hidden_size",
    "learning_rate_init": "lr",
    "max_iter": "epochs",
    "learning_rate": "lr_schedule",
    "nesterovs_momentum": "nesterov",
}

#: Why skann has no parameter of these MLP names.
ABSENT = {
    "max_fun": (
        "skann's L-BFGS allows max(15000, 2 * epochs) loss evaluations, MLP's "
        "default max_fun=15000 up to 7500 epochs; bound the iterations with epochs"
    ),
    "loss": (
        "ANNClassifier trains on the cross-entropy, as MLPClassifier does; "
        "ANNRegressor takes loss"
    ),
}


def mlp_name_hint(name):
    """Say what skann calls MLP's parameter ``name``; None if skann has no hint."""
    if name == "learning_rate":
        return (
            "use 'lr_schedule' for MLP's schedule, and 'lr' for the rate itself, "
            "MLP's learning_rate_init"
        )
    if name in RENAMED:
        return f"use {RENAMED[name]!r}, skann's name for it"
    if name in ABSENT:
        return ABSENT[name]
    return None


def refuse_mlp_names(owner, names, error):
    """Raise ``error`` for the first of ``names`` that is an MLP parameter name.

    Only names ``owner`` (an estimator class or instance) does not take count.
    """
    for name in names:
        hint = mlp_name_hint(name)
        if hint is not None and name not in owner._get_param_names():
            who = owner.__name__ if isinstance(owner, type) else type(owner).__name__
            raise error(
                f"{who} has no parameter {name!r}: {hint}. skann.mlp_params "
                "translates the parameters of MLPClassifier and MLPRegressor, and "
                "skann.from_mlp a whole estimator."
            )
