"""Reporting each epoch to scikit-learn's callbacks (``sklearn.callback``).

scikit-learn 1.9 added callbacks such as ``ProgressBar`` and ``ScoringMonitor``.
``ANNClassifier`` reports its fit as one task with a subtask per epoch (per iteration
for 'lbfgs'), so a progress bar advances with the epochs, also inside
``GridSearchCV``. On older scikit-learn versions there is nothing to report to.
"""

import numpy as np

try:
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # scikit-learn < 1.9

    class CallbackSupportMixin:
        """Without ``sklearn.callback`` an estimator has no callbacks to support."""


class EpochReporter:
    """Opens the fit task for the callbacks, then reports each epoch as a subtask.

    Parameters
    ----------
    estimator : ANNClassifier or ANNRegressor
        The estimator being fitted.
    X, y, sample_weight
        The training data, passed on to the callbacks.
    max_epochs : int
        Largest number of epochs of this fit.
    network : Network
        The network being trained; epoch snapshots read its weights.
    n_iter : int
        Epochs run before this call (warm start, ``partial_fit``).
    fitted : ANNClassifier or ANNRegressor, default=None
        The copy of ``estimator`` that receives the fitted state (``estimator``
        itself if None): ``estimator`` gets it only when the fit ends, so each
        snapshot carries its attributes (labels, features, target scale).
    """

    def __init__(
        self, estimator, X, y, sample_weight, max_epochs, network, n_iter, fitted=None
    ):
        self.estimator = estimator
        self.network = network
        self.n_iter = n_iter
        self.data = {
            "X": X,
            "y": y,
            "metadata": None
            if sample_weight is None
            else {"sample_weight": sample_weight},
        }
        self.context = None
        self.fitted = estimator if fitted is None else fitted
        if hasattr(estimator, "_init_callback_context"):
            self.context = estimator._init_callback_context(max_subtasks=max_epochs)
            self.context.call_on_fit_task_begin(estimator=estimator, **self.data)

    @property
    def active(self):
        """Whether any callback listens; epochs are reported only then."""
        return self.context is not None and bool(self.context._callbacks)

    def _snapshot(self, epoch):
        """Fitted attributes of the model as it stands after ``epoch``."""
        xp = self.network.xp
        coefs, intercepts = self.fitted._fitted_weights(*self.network.raw_weights(), xp)
        return {
            **vars(self.fitted),
            "coefs_": [_copy(W, xp) for W in coefs],
            "intercepts_": [_copy(b, xp) for b in intercepts],
            "n_iter_": self.n_iter + epoch + 1,
        }

    def epoch_end(self, epoch, loss):
        """Report ``epoch`` as a finished subtask; return True if asked to stop."""
        subcontext = self.context.subcontext(task_name="epoch")
        subcontext.call_on_fit_task_begin(estimator=self.estimator, **self.data)
        return subcontext.call_on_fit_task_end(
            estimator=self.estimator,
            reconstruction_attributes=lambda: self._snapshot(epoch),
            **self.data,
        )

    def finish(self):
        """Close the fit task."""
        if self.context is not None:
            # The estimator receives its state after this: hand it over whole.
            self.context.call_on_fit_task_end(
                estimator=self.estimator,
                reconstruction_attributes=lambda: dict(vars(self.fitted)),
                **self.data,
            )


def _copy(a, xp):
    """A copy of the array ``a`` of namespace ``xp``."""
    # NumPy before 2.0 has no copy argument to asarray.
    return a.copy() if isinstance(a, np.ndarray) else xp.asarray(a, copy=True)
