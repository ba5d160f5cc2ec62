"""scikit-learn's estimator checks, with no expected failures.

Both estimators declare sparse input, so the checks also fit and predict on every
sparse format scikit-learn tries.
"""

import pytest
from sklearn.utils import estimator_checks
from sklearn.utils.estimator_checks import (
    _enforce_estimator_tags_y,
    check_param_validation,
    parametrize_with_checks,
)

from skann import TEXTBOOK, ANNClassifier, ANNRegressor


def fast_classifier():
    # Enough training for the checks' accuracy thresholds, in a fraction of a second.
    return ANNClassifier(**TEXTBOOK).set_params(hidden_size=8, lr=0.5, epochs=300)


def fast_regressor():
    # L-BFGS reaches the checks' R² threshold in a few dozen iterations.
    return ANNRegressor(**TEXTBOOK).set_params(
        hidden_size=8, solver="lbfgs", epochs=200
    )


def incremental_regressor():
    # A solver with partial_fit, so that the checks of partial_fit run too; Adam
    # copes with the checks' unscaled data where plain gradient descent diverges.
    return ANNRegressor(**TEXTBOOK).set_params(
        hidden_size=8, solver="adam", lr=0.05, epochs=200
    )


def listed(parametrize):
    """``parametrize`` with its values in a list, as pytest asks.

    scikit-learn 1.6's ``parametrize_with_checks`` passes a generator, which pytest
    deprecates.
    """
    name, values = parametrize.args
    return pytest.mark.parametrize(name, list(values), **parametrize.kwargs)


# Some checks train on unscaled X (around 100) with random labels, which kills
# every ReLU unit: fit rightly warns there.
@pytest.mark.filterwarnings(
    "ignore:Training went wrong:sklearn.exceptions.ConvergenceWarning"
)
@listed(
    parametrize_with_checks(
        [
            fast_classifier(),
            fast_regressor(),
            incremental_regressor(),
            incremental_regressor().set_params(loss="quantile", quantile=0.5),
        ]
    )
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def with_positive_targets(make_regression, estimator):
    """``make_regression`` whose targets are made positive as ``estimator``'s tags
    ask, by the function every other check uses for that."""

    def positive(*args, **kwargs):
        X, y = make_regression(*args, **kwargs)
        return X, _enforce_estimator_tags_y(estimator, y)

    return positive


# The Poisson loss declares positive_only, and every check gives it positive
# targets but check_regressor_multioutput, which fits make_regression's targets
# as they are, negative ones among them, which the loss rightly refuses. That
# check runs here on the same targets made positive, as the tag asks.
@pytest.mark.filterwarnings(
    "ignore:Training went wrong:sklearn.exceptions.ConvergenceWarning"
)
@listed(parametrize_with_checks([fast_regressor().set_params(loss="poisson")]))
def test_the_poisson_regressor_passes_the_checks(estimator, check, monkeypatch):
    if getattr(check, "func", check).__name__ == "check_regressor_multioutput":
        monkeypatch.setattr(
            estimator_checks,
            "make_regression",
            with_positive_targets(estimator_checks.make_regression, estimator),
        )
    check(estimator)


def test_param_validation():
    check_param_validation("ANNClassifier", fast_classifier())


def test_param_validation_of_the_regressor():
    check_param_validation("ANNRegressor", fast_regressor())


# At the defaults the checks' small data sets may end before a plateau (a
# ConvergenceWarning says so); every check must pass all the same.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@listed(parametrize_with_checks([ANNClassifier(), ANNRegressor()]))
def test_the_defaults_pass_every_check(estimator, check):
    check(estimator)
