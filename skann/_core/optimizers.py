"""Optimizers: each updates a list of parameters in place from their gradients.

An optimizer holds only its own state (its learning rate, velocities, moments). It
never prints and never decides when training stops; ``training.py`` does that. Its
state can be read and restored as a dict of arrays (``get_state`` / ``set_state``), so
that training can resume where it stopped.

Training hands each optimizer gradients already multiplied by its
``gradient_scale`` and calls ``apply``; ``update`` takes plain gradients. Only plain
gradient descent uses the scale: its learning rate then reaches every gradient
through the loss's small output gradient (see ``losses.py``), and its step is one
subtraction instead of a multiplication and a subtraction over every parameter.
"""

import numpy as np

from .workspace import scalar

#: Elements per block of :func:`subtract_scaled`: a block of float64 is 256 KiB, so
#: it is still in cache when subtracted.
UPDATE_BLOCK = 32768


def subtract_scaled(p, scale, g):
    """Do ``p -= scale * g`` in place, a block of ``UPDATE_BLOCK`` elements at a time.

    ``scale * g`` as a whole would be a temporary the size of ``p``, written out to
    memory and read back; computed block by block it stays in cache, which spares two
    of the five passes over memory that the update of a large network makes.
    """
    scale = scalar(scale, p.dtype)
    if p.size <= UPDATE_BLOCK:
        p -= scale * g
        return
    if not (p.flags.c_contiguous and g.flags.c_contiguous):
        p -= scale * g  # reshaping p would copy it
        return
    p, g = p.reshape(-1), g.reshape(-1)
    block = np.empty(UPDATE_BLOCK, p.dtype)
    for start in range(0, p.size, UPDATE_BLOCK):
        part = g[start : start + UPDATE_BLOCK]
        p[start : start + UPDATE_BLOCK] -= np.multiply(
            part, scale, out=block[: part.size]
        )


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
            subtract_scaled(p, self.lr, g)

    @property
    def gradient_scale(self):
        """Factor of the gradients :meth:`apply` takes: the learning rate."""
        return self.lr

    def apply(self, param, scaled_grad):
        """Step the flat parameters from their gradient times :attr:`gradient_scale`.

        Parameters
        ----------
        param, scaled_grad : ndarray of shape (n_params,)
            Every parameter of the network, updated in place, and its gradient.
        """
        param -= scaled_grad

    def get_state(self):
        """Return the state needed to resume, as a dict of arrays and numbers."""
        return {}

    def set_state(self, state):
        """Restore a state returned by :meth:`get_state`."""


class Momentum(GradientDescent):
    """Heavy-ball momentum: ``v = momentum * v - lr * grad; p += v``.

    With ``nesterov=True``, Nesterov's variant in its usual reformulation: the
    velocity is updated the same way and the step is ``momentum * v - lr * grad``.

    Parameters
    ----------
    lr : float
        Learning rate.
    momentum : float, default=0.9
        Fraction of the previous velocity kept at each step.
    nesterov : bool, default=False
        Whether to take Nesterov's step.
    """

    name = "momentum"
    gradient_scale = 1.0

    def __init__(self, lr, momentum=0.9, nesterov=False):
        super().__init__(lr)
        self.momentum = momentum
        self.nesterov = nesterov
        self.velocities = None

    def update(self, params, grads):
        """Apply one step to every parameter, in place."""
        if self.velocities is None:
            self.velocities = [np.zeros_like(p) for p in params]
        for p, g, v in zip(params, grads, self.velocities):
            v *= self.momentum
            v -= self.lr * g
            if self.nesterov:
                p += self.momentum * v - self.lr * g
            else:
                p += v

    def apply(self, param, grad):
        """Step the flat parameter vector from its plain gradient, in place."""
        self.update([param], [grad])

    def get_state(self):
        """Return the velocities (``None`` before the first step)."""
        return {"velocities": self.velocities}

    def set_state(self, state):
        """Restore the velocities returned by :meth:`get_state`."""
        self.velocities = state.get("velocities")


class Adam(GradientDescent):
    """Adam (Kingma and Ba, 2015), with bias correction folded into the step size.

    ``m = beta_1 m + (1 - beta_1) g``, ``s = beta_2 s + (1 - beta_2) g**2`` and
    ``p -= lr * sqrt(1 - beta_2**t) / (1 - beta_1**t) * m / (sqrt(s) + epsilon)``.

    Parameters
    ----------
    lr : float
        Learning rate.
    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of the first and second moment estimates.
    epsilon : float, default=1e-8
        Keeps the step finite where the second moment is zero.
    """

    name = "adam"
    gradient_scale = 1.0

    def __init__(self, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        super().__init__(lr)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.first = None
        self.second = None

    def update(self, params, grads):
        """Apply one step to every parameter, in place."""
        if self.first is None:
            self.first = [np.zeros_like(p) for p in params]
            self.second = [np.zeros_like(p) for p in params]
        self.t += 1
        step = self.lr * np.sqrt(1 - self.beta_2**self.t) / (1 - self.beta_1**self.t)
        for p, g, m, s in zip(params, grads, self.first, self.second):
            m *= self.beta_1
            m += (1 - self.beta_1) * g
            s *= self.beta_2
            s += (1 - self.beta_2) * (g * g)
            p -= step * m / (np.sqrt(s) + self.epsilon)

    def apply(self, param, grad):
        """Step the flat parameter vector from its plain gradient, in place."""
        self.update([param], [grad])

    def get_state(self):
        """Return the step count and both moment estimates."""
        return {"t": self.t, "first": self.first, "second": self.second}

    def set_state(self, state):
        """Restore the state returned by :meth:`get_state`."""
        self.t = state.get("t", 0)
        self.first = state.get("first")
        self.second = state.get("second")


#: First-order optimizers by their public option string ('lbfgs' is in lbfgs.py).
OPTIMIZERS = {cls.name: cls for cls in (GradientDescent, Momentum, Adam)}
