"""skann: the textbook neural network as a scikit-learn classifier."""

from ._classifier import ANNClassifier
from ._display import LossCurveDisplay

__version__ = "0.1.0"

__all__ = ["ANNClassifier", "LossCurveDisplay", "__version__"]
