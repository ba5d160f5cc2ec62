"""Optimizers: each owns its learning rate and applies its rule in ``update``.

``update(params, grads)`` takes the network's flat vectors (see ``network.py``), so
one vector operation applies the rule to every ``W`` and ``b`` at once; the updates
are in place, with the in-place operators of the Array API standard, in whatever
namespace the vectors live. An optimizer holds only its own state (learning rate,
velocity, moments); it never prints and never decides when training stops. Its state
can be read and restored (``get_state`` / ``set_state``), so that training can resume
where it stopped. ``set_state`` takes copies: the updates change the optimizer's
arrays in place, and a fitted model's saved state must stay as it was, whatever
becomes of the training that resumed from it.

Adding an optimizer is one subclass of :class:`GradientDescent` with its own
``update``, one entry in ``OPTIMIZERS``, and its name in the estimator's ``solver``
options.
"""

import numpy as np

from .namespaces import namespace


class GradientDescent:
    """Plain gradient descent, the seed's rule: ``W -= lr * dW``.

    Parameters
    ----------
    lr : float
        Learning rate.
    xp : namespace, default=None
        Namespace of the parameters, in which the optimizer keeps its state; None
        means NumPy.
    """

    name = "gd"

    def __init__(self, lr, *, xp=None):
        self.lr = lr
        self.xp = namespace(xp)

    def update(self, params, grads):
        """Apply one step to every parameter, in place."""
        params -= self.lr * grads

    def get_state(self):
        """Return the state needed to resume, as a dict of arrays and numbers.

        The arrays are the optimizer's own, which the next update changes.
        """
        return {}

    def set_state(self, state):
        """Restore a state returned by :meth:`get_state`, copying its arrays."""

    def rescale(self, factors):
        """Take the state of the same run on parameters ``factors * params``.

        ``factors`` is laid out as the parameters. Their gradients are then the
        old ones divided by ``factors``, and every state made of gradients is
        divided alike: the state this optimizer would hold had it seen them so
        all along. Plain gradient descent has no state.
        """

    def _copy(self, a):
        """A copy of the state array ``a``, or None for None."""
        if a is None:
            return None
        # NumPy before 2.0 has no copy argument to asarray.
        return a.copy() if self.xp is np else self.xp.asarray(a, copy=True)


class Momentum(GradientDescent):
    """Heavy-ball momentum: ``v = momentum * v - lr * dW; W += v``.

    With ``nesterov=True``, Nesterov's variant in its usual reformulation: the
    velocity is updated the same way and the step is ``momentum * v - lr * dW``.

    Parameters
    ----------
    lr : float
        Learning rate.
    momentum : float, default=0.9
        Fraction of the previous velocity kept at each step.
    nesterov : bool, default=False
        Whether to take Nesterov's step.
    xp : namespace, default=None
        Namespace of the parameters; None means NumPy.
    """

    name = "momentum"

    def __init__(self, lr, momentum=0.9, nesterov=False, *, xp=None):
        super().__init__(lr, xp=xp)
        self.momentum = momentum
        self.nesterov = nesterov
        self.velocity = None

    def update(self, params, grads):
        """Apply one step to every parameter, in place."""
        if self.velocity is None:
            self.velocity = self.xp.zeros_like(params)
        v = self.velocity
        v *= self.momentum
        v -= self.lr * grads
        if self.nesterov:
            params += self.momentum * v - self.lr * grads
        else:
            params += v

    def get_state(self):
        """Return the velocity (``None`` before the first step)."""
        return {"velocity": self.velocity}

    def set_state(self, state):
        """Restore a copy of the velocity returned by :meth:`get_state`."""
        self.velocity = self._copy(state.get("velocity"))

    def rescale(self, factors):
        """The velocity sums gradients: it is divided by ``factors``."""
        if self.velocity is not None:
            self.velocity /= factors


class Adam(GradientDescent):
    """Adam (Kingma and Ba, 2015), with bias correction folded into the step size.

    ``m = beta_1 m + (1 - beta_1) g``, ``s = beta_2 s + (1 - beta_2) g**2`` and
    ``W -= lr * sqrt(1 - beta_2**t) / (1 - beta_1**t) * m / (sqrt(s) + epsilon)``.

    Parameters
    ----------
    lr : float
        Learning rate.
    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of the first and second moment estimates.
    epsilon : float, default=1e-8
        Keeps the step finite where the second moment is zero.
    xp : namespace, default=None
        Namespace of the parameters; None means NumPy.
    """

    name = "adam"

    def __init__(self, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-8, *, xp=None):
        super().__init__(lr, xp=xp)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.m = None
        self.s = None

    def update(self, params, grads):
        """Apply one step to every parameter, in place."""
        xp = self.xp
        if self.m is None:
            self.m, self.s = xp.zeros_like(params), xp.zeros_like(params)
        self.t += 1
        m, s = self.m, self.s
        m *= self.beta_1
        m += (1 - self.beta_1) * grads
        s *= self.beta_2
        s += (1 - self.beta_2) * grads**2
        step = self.lr * (1 - self.beta_2**self.t) ** 0.5 / (1 - self.beta_1**self.t)
        params -= step * m / (xp.sqrt(s) + self.epsilon)

    def get_state(self):
        """Return the step count and both moment estimates."""
        return {"t": self.t, "m": self.m, "s": self.s}

    def set_state(self, state):
        """Restore a copy of the state returned by :meth:`get_state`."""
        self.t = state.get("t", 0)
        self.m = self._copy(state.get("m"))
        self.s = self._copy(state.get("s"))

    def rescale(self, factors):
        """The moments are of the gradient and of its square."""
        if self.m is not None:
            self.m /= factors
            self.s /= factors**2


#: First-order optimizers by their public option string ('lbfgs' is in lbfgs.py).
OPTIMIZERS = {cls.name: cls for cls in (GradientDescent, Momentum, Adam)}
