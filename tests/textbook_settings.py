"""Estimators with the settings that many tests were written for.

Until the defaults were chosen on real data they were the textbook's settings
(:data:`skann.TEXTBOOK`) with a plateau of 10 epochs; the tests of the textbook's
algorithm (gradient descent on the whole data, the seed's initial weights, no
penalty, no stop) build their estimators here and state what they change.
"""

from skann import TEXTBOOK, ANNClassifier, ANNRegressor

#: The former defaults: the textbook's settings, and MLPClassifier's plateau count
#: and constant learning rate.
FORMER_DEFAULTS = {**TEXTBOOK, "n_iter_no_change": 10, "lr_schedule": "constant"}


def textbook_classifier(hidden_size=4, **params):
    """ANNClassifier with the former defaults, but for the arguments given."""
    return ANNClassifier(**{**FORMER_DEFAULTS, "hidden_size": hidden_size, **params})


def textbook_regressor(hidden_size=4, **params):
    """ANNRegressor with the former defaults, but for the arguments given."""
    return ANNRegressor(**{**FORMER_DEFAULTS, "hidden_size": hidden_size, **params})
