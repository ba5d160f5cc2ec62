"""Base classes of the activations, losses and optimizers you write yourself.

``activation=``, ``solver=`` and ``ANNRegressor(loss=)`` take an instance of a
subclass of :class:`Activation`, :class:`Optimizer` or :class:`RegressionLoss` as
well as a name; skann's own are such subclasses. Each class's docstring is its
protocol; the user guide's page *Your own activation, loss and optimizer* has a
complete, tested example of each.
"""

from ._core.activations import Activation
from ._core.losses import Loss, RegressionLoss
from ._core.optimizers import Optimizer

__all__ = ["Activation", "Loss", "Optimizer", "RegressionLoss"]

# Public here: scikit-learn's messages for a parameter of the wrong type, and the
# API reference, name them by their module.
for _cls in (Activation, Loss, Optimizer, RegressionLoss):
    _cls.__module__ = __name__
del _cls
