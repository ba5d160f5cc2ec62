"""Warnings and errors that skann itself raises."""

from ._core.stopping import DivergenceError

__all__ = ["DivergenceError", "InconsistentVersionWarning"]

# Tracebacks and the API reference name the error where users import it from; the
# NumPy engine raises it without knowing of this module.
DivergenceError.__module__ = __name__


class InconsistentVersionWarning(UserWarning):
    """Warning for a model loaded by another skann version than the one that saved it.

    skann's counterpart of :class:`sklearn.exceptions.InconsistentVersionWarning`,
    which scikit-learn only raises for its own estimators.

    Parameters
    ----------
    estimator_name : str
        Name of the estimator's class.
    current_skann_version : str
        The skann version loading the model.
    original_skann_version : str or None
        The skann version that saved it; None for a file from before skann recorded
        its version.

    Examples
    --------
    >>> import pickle, warnings
    >>> from skann import ANNClassifier
    >>> from skann.exceptions import InconsistentVersionWarning
    >>> state = ANNClassifier().__getstate__()
    >>> state["_skann_version"] = "0.0.1"
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     ANNClassifier.__new__(ANNClassifier).__setstate__(state)
    >>> caught[0].category is InconsistentVersionWarning
    True
    >>> caught[0].message.original_skann_version
    '0.0.1'
    """

    def __init__(
        self, *, estimator_name, current_skann_version, original_skann_version
    ):
        self.estimator_name = estimator_name
        self.current_skann_version = current_skann_version
        self.original_skann_version = original_skann_version

    def __str__(self):
        original = (
            "a skann version that did not record itself"
            if self.original_skann_version is None
            else f"skann {self.original_skann_version}"
        )
        return (
            f"Loading a {self.estimator_name} saved by {original} with skann "
            f"{self.current_skann_version}. Its fitted attributes may mean something "
            "else in this version, so it may fail or predict wrongly: load it with "
            "the version that saved it, or fit it again."
        )
