"""The option strings of a registry, read from it whenever asked.

A constraint or a message that copied a registry's keys when the module was
imported would miss an entry added later; :class:`Names` reads the registry each
time, so that adding an entry is enough.
"""

from collections.abc import Set


class Names(Set):
    """The keys of ``registry`` (those whose value ``keep`` accepts), then ``extra``.

    Parameters
    ----------
    registry : dict
    keep : callable, default=None
        Keeps the key of each value for which it returns True; None keeps all.
    extra : tuple of str, default=()
        Names served by no entry of the registry (``'lbfgs'``).
    """

    def __init__(self, registry, keep=None, extra=()):
        self.registry, self.keep, self.extra = registry, keep, tuple(extra)

    @classmethod
    def _from_iterable(cls, names):
        # What the set operations (``-``, ``&``) return: a plain set of names.
        return frozenset(names)

    def __iter__(self):
        keep = self.keep or (lambda value: True)
        yield from (name for name, value in self.registry.items() if keep(value))
        yield from self.extra

    def __contains__(self, name):
        return any(name == known for known in self)

    def __len__(self):
        return sum(1 for _ in self)

    def __repr__(self):
        return repr(tuple(self))
