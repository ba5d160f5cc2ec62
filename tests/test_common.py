"""scikit-learn's estimator checks, with no expected failures."""

import pytest
from sklearn.utils.estimator_checks import (
    check_param_validation,
    parametrize_with_checks,
)

from skann import ANNClassifier


def fast_classifier():
    # Enough training for the checks' accuracy thresholds, in a fraction of a second.
    return ANNClassifier(hidden_size=8, lr=0.5, epochs=300)


# Some checks train on unscaled X (around 100) with random labels, which kills
# every ReLU unit: fit rightly warns there.
@pytest.mark.filterwarnings(
    "ignore:Training went wrong:sklearn.exceptions.ConvergenceWarning"
)
@parametrize_with_checks([fast_classifier()])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_param_validation():
    check_param_validation("ANNClassifier", fast_classifier())
