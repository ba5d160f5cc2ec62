"""skann: the textbook neural network as scikit-learn estimators."""

from ._classifier import ANNClassifier
from ._display import LossCurveDisplay
from ._mlp import from_mlp, mlp_param_grid, mlp_params
from ._regressor import ANNRegressor
from ._textbook import TEXTBOOK
from ._version import __version__

__all__ = [
    "ANNClassifier",
    "ANNRegressor",
    "LossCurveDisplay",
    "TEXTBOOK",
    "__version__",
    "from_mlp",
    "mlp_param_grid",
    "mlp_params",
]
