"""What the pieces a user may plug in share: hyperparameters read from ``__init__``.

An activation, loss or optimizer is an object whose ``__init__`` takes its
hyperparameters as keyword arguments, each with a default, and stores each under
its own name, as a scikit-learn estimator does. :class:`Hyperparameters` reads them
back from the signature, so that such an object can be rebuilt (scikit-learn's
``clone``, an optimizer's fresh start), searched over (``solver__rho`` in a grid)
and named (its ``repr``).
"""

import inspect


class Hyperparameters:
    """``get_params``, ``set_params`` and ``repr`` from the ``__init__`` signature."""

    #: Arguments of ``__init__`` that are not hyperparameters.
    _not_hyperparameters = ()

    @classmethod
    def _param_names(cls):
        init = cls.__init__
        if init is object.__init__:
            return []
        skipped = {"self", *cls._not_hyperparameters}
        return sorted(
            p.name
            for p in inspect.signature(init).parameters.values()
            if p.name not in skipped and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        )

    def get_params(self, deep=True):
        """Return the hyperparameters as a dict, by name.

        Parameters
        ----------
        deep : bool, default=True
            Unused: hyperparameters are not nested (scikit-learn's signature).

        Returns
        -------
        params : dict
        """
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        """Set hyperparameters by name; return the object itself."""
        names = self._param_names()
        for name, value in params.items():
            if name not in names:
                raise ValueError(
                    f"Invalid parameter {name!r} for {self!r}; valid ones: {names}."
                )
            setattr(self, name, value)
        return self

    def key(self):
        """What tells this object's kind and hyperparameters apart: a string."""
        cls = type(self)
        return f"{cls.__module__}.{cls.__qualname__}({self._arguments()})"

    def _arguments(self):
        return ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())

    def __repr__(self):
        return f"{type(self).__name__}({self._arguments()})"
