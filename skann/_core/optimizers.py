"""Optimizers: each updates a list of parameters in place from their gradients.

An optimizer holds only its own state (its learning rate, velocities, moments). It
never prints and never decides when training stops; ``training.py`` does that.
"""


class GradientDescent:
    """Plain gradient descent, the seed's rule: ``p -= lr * grad``.

    Parameters
    ----------
    lr : float
        Learning rate.
    """

    name = "gd"

    def __init__(self, lr):
        self.lr = lr

    def update(self, params, grads):
        """Apply one step to every parameter, in place."""
        for p, g in zip(params, grads):
            p -= self.lr * g


#: Optimizers by their public option string.
OPTIMIZERS = {cls.name: cls for cls in (GradientDescent,)}
