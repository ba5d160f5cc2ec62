"""The textbook's training settings, to pass by name to either estimator."""

from types import MappingProxyType

#: The settings of the textbook's run: 4 hidden units, weights drawn as
#: ``randn * 0.1``, and 10000 epochs of full-batch gradient descent at ``lr=0.1``,
#: with no penalty and no stop, on the inputs as they are. They are not the
#: defaults (chosen on real data, see the estimators' docstrings);
#: ``ANNClassifier(**TEXTBOOK, random_state=42)`` on the AND gate reproduces the
#: textbook's run, cost for cost up to rounding.
#: A read-only mapping: ``{**TEXTBOOK, "epochs": 100}`` changes one of them.
TEXTBOOK = MappingProxyType(
    {
        "hidden_size": 4,
        "lr": 0.1,
        "epochs": 10000,
        "solver": "gd",
        "batch_size": None,
        "init_scale": 0.1,
        "alpha": 0.0,
        "tol": None,
        "standardize": False,
    }
)
