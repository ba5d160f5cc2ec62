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

Adding an optimizer is one subclass of :class:`Optimizer` and one entry in
``OPTIMIZERS``: the estimator's ``solver`` then takes its name, and
``estimator_params`` says which of the estimator's parameters it takes.
"""

import numpy as np

from .hyperparameters import Hyperparameters
from .namespaces import namespace
from .registry import Names


class Optimizer(Hyperparameters):
    """Base class of first-order optimizers: subclass it to write your own.

    An instance is passed as an estimator's ``solver`` in place of a name, as in
    ``ANNClassifier(solver=RMSprop(rho=0.9))``. It is a template: each fit
    builds a fresh optimizer of its class and hyperparameters with
    :meth:`fresh`, and the template itself never changes. The estimator's
    ``lr`` (with its ``lr_schedule``) is the learning rate; the optimizer's own
    hyperparameters are keyword arguments of ``__init__`` with defaults, each
    stored under its own name, as an estimator's, so that the estimator is cloned,
    pickled and searched over with the optimizer in it (``solver__rho`` in a
    grid). ``__init__`` may also start the optimizer's state (``self.s =
    None``).

    A subclass defines :meth:`update`, and, if it keeps a state across steps
    (velocities, moments), :meth:`get_state`, :meth:`set_state` and
    :meth:`rescale`, with which ``partial_fit`` and ``warm_start`` resume it.

    Attributes
    ----------
    lr : float
        The learning rate of the next step, set by the engine (the schedule
        changes it between epochs).
    xp : namespace
        The namespace of the parameters (NumPy, or that of PyTorch's tensors
        under ``array_api_dispatch``), in which the optimizer keeps its state.
    estimator_params : tuple of str
        Class attribute: the names of the estimator's parameters the optimizer
        takes as hyperparameters when chosen by its name in ``OPTIMIZERS``
        (``('momentum', 'nesterov')`` for 'momentum'); empty for one passed as an
        object, whose hyperparameters are its own.

    See Also
    --------
    skann.plugins.Activation : The protocol of an activation.

    Notes
    -----
    ``update(params, grads)`` takes the network's flat vectors of parameters and
    of their gradients (every ``W`` and ``b``, one vector each) and applies one
    step to ``params`` in place (``params -= ...``), with ``xp`` and the Array API
    standard's functions. ``get_state()`` returns a dict of the state's arrays
    and numbers; ``set_state(state)`` restores a copy of it (``self.copied(a)``
    copies an array, or None); ``rescale(factors)`` divides each state made of
    gradients by ``factors`` (laid out as ``params``), and each made of squared
    gradients by ``factors**2``: the network's parameters were multiplied by
    ``factors`` when new inputs changed the features' statistics.

    Examples
    --------
    >>> import numpy as np
    >>> from skann.plugins import Optimizer
    >>> class SignDescent(Optimizer):
    ...     def update(self, params, grads):
    ...         params -= self.lr * self.xp.sign(grads)
    >>> params = np.array([1.0, 1.0])
    >>> SignDescent().fresh(0.5).update(params, np.array([3.0, -0.1]))
    >>> params
    array([0.5, 1.5])
    """

    estimator_params = ()
    lr = None
    xp = np
    _not_hyperparameters = ("lr", "xp")

    def fresh(self, lr, xp=None, **params):
        """A new optimizer of this one's class and hyperparameters, without state.

        Parameters
        ----------
        lr : float
            Learning rate.
        xp : namespace, default=None
            Namespace of the parameters; None means NumPy.
        **params
            Hyperparameters that replace this one's.

        Returns
        -------
        optimizer : Optimizer
        """
        optimizer = type(self)(**{**self.get_params(), **params})
        optimizer.lr, optimizer.xp = lr, namespace(xp)
        return optimizer

    def update(self, params, grads):
        """Apply one step to every parameter, in place."""
        raise NotImplementedError(f"{type(self).__name__} defines no update")

    def get_state(self):
        """Return the state needed to resume, as a dict of arrays and numbers.

        The arrays are the optimizer's own, which the next update changes. Here
        none: an optimizer without state.
        """
        return {}

    def set_state(self, state):
        """Restore a state returned by :meth:`get_state`, copying its arrays."""

    def rescale(self, factors):
        """Take the state of the same run on parameters ``factors * params``.

        ``factors`` is laid out as the parameters. Their gradients are then the
        old ones divided by ``factors``, and every state made of gradients is
        divided alike: the state this optimizer would hold had it seen them so
        all along. Here there is none.
        """

    def copied(self, a):
        """A copy of the state array ``a``, or None for None."""
        if a is None:
            return None
        # NumPy before 2.0 has no copy argument to asarray.
        return a.copy() if self.xp is np else self.xp.asarray(a, copy=True)


class GradientDescent(Optimizer):
    """Plain gradient descent, the seed's rule: ``W -= lr * dW``.

    Parameters
    ----------
    lr : float, default=None
        Learning rate; None until :meth:`fresh` sets it.
    xp : namespace, default=None
        Namespace of the parameters, in which the optimizer keeps its state; None
        means NumPy.
    """

    name = "gd"

    def __init__(self, lr=None, *, xp=None):
        self.lr = lr
        self.xp = namespace(xp)

    def update(self, params, grads):
        """Apply one step to every parameter, in place."""
        params -= self.lr * grads


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
    estimator_params = ("momentum", "nesterov")

    def __init__(self, lr=None, momentum=0.9, nesterov=False, *, xp=None):
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
        self.velocity = self.copied(state.get("velocity"))

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
    estimator_params = ("beta_1", "beta_2", "epsilon")

    def __init__(self, lr=None, beta_1=0.9, beta_2=0.999, epsilon=1e-8, *, xp=None):
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
        self.m = self.copied(state.get("m"))
        self.s = self.copied(state.get("s"))

    def rescale(self, factors):
        """The moments are of the gradient and of its square."""
        if self.m is not None:
            self.m /= factors
            self.s /= factors**2


#: First-order optimizers by their public option string ('lbfgs' is in lbfgs.py).
OPTIMIZERS = {cls.name: cls for cls in (GradientDescent, Momentum, Adam)}

#: The names ``solver=`` takes, as they are when read.
SOLVER_NAMES = Names(OPTIMIZERS, extra=("lbfgs",))


def optimizer_template(solver, params):
    """The template optimizer of ``solver``, an ``Optimizer`` or a name.

    A name's class takes the values its ``estimator_params`` name in ``params``,
    a mapping of the estimator's parameters.
    """
    if isinstance(solver, Optimizer):
        return solver
    cls = OPTIMIZERS[solver]
    return cls(**{name: params[name] for name in cls.estimator_params})


def solver_key(solver):
    """What tells ``solver`` (a name or an ``Optimizer``) apart, a string: the
    saved state of an optimizer resumes only in one of the same key."""
    return solver if isinstance(solver, str) else solver.key()
