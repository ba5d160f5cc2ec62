"""When training stops: divergence, no further improvement, and Ctrl-C.

``DivergenceMonitor`` raises once training has clearly blown up. ``Plateau`` watches
the monitored loss (the training loss, or the validation loss with early stopping),
remembers the best parameters seen, and says when the loss has stopped improving.
``deferred_interrupt``, from ``interrupts.py``, lets a keyboard interrupt end training
between epochs.
"""

import math

import numpy as np

from .interrupts import deferred_interrupt as deferred_interrupt

#: Training has diverged once the loss stays above its first value and this many
#: times the loss of predicting the mean target (the class frequencies) ...
DIVERGENCE_FACTOR = 10.0
#: ... for this many epochs in a row (one overshoot on unscaled data recovers).
DIVERGENCE_PATIENCE = 10


class DivergenceError(ValueError):
    """Raised when the loss or the weights stop being finite, or the loss blows up.

    Attributes
    ----------
    epoch : int
        Epoch (L-BFGS iteration) at which training diverged.
    what : str
        What went wrong, in words.
    lr : float or None
        Learning rate; None for L-BFGS.
    alpha : float
        L2 penalty.
    """


#: The remedy of a divergence about the data, where the caller names none.
SCALE_FEATURES = "scale the features (for example with StandardScaler)"


def diverged(epoch, what, lr, alpha=0.0, note="", scaling=SCALE_FEATURES):
    """Return the :class:`DivergenceError` to raise at ``epoch``.

    ``lr`` is None for L-BFGS, which has no learning rate to blame. A positive
    ``alpha`` is named too: the penalty's step is ``lr * alpha`` times the weights.
    ``note``, a sentence or empty, comes before the remedies; ``scaling`` is the
    remedy about the data's scale, None for none.
    """
    if lr is None:
        remedies = [scaling, "lower init_scale or raise alpha"]
        remedies = ", ".join(r for r in remedies if r)
        message = (
            f"L-BFGS diverged after {epoch} iterations: {what}. {note}"
            f"{remedies[0].upper()}{remedies[1:]}."
        )
    else:
        culprit = f"The learning rate lr={lr!r} is likely too high; lower it"
        if alpha:
            culprit = (
                f"The learning rate lr={lr!r} or the penalty alpha={alpha!r} is "
                "likely too high; lower them"
            )
        or_scaling = f", or {scaling}" if scaling else ""
        message = (
            f"Training diverged at epoch {epoch}: {what}. {note}{culprit}{or_scaling}."
        )
    error = DivergenceError(message)
    error.epoch, error.what, error.lr, error.alpha = epoch, what, lr, alpha
    return error


class DivergenceMonitor:
    """Watches the loss of each epoch of one run and raises once it has diverged.

    A run is judged on its own epochs alone, never against the losses of an
    earlier run: a call of ``partial_fit``, one epoch on new rows, raises only
    where its own loss stops being finite.

    Parameters
    ----------
    baseline : float
        Loss of predicting the mean target on the training data.
    alpha : float, default=0.0
        L2 penalty, named in the error with the learning rate.
    baseline_words : str, default="the class frequencies"
        What the baseline predicts, in the estimator's words, for the error.
    """

    def __init__(self, baseline, alpha=0.0, baseline_words="the class frequencies"):
        self.alpha = alpha
        self.baseline_words = baseline_words
        self.limit = DIVERGENCE_FACTOR * baseline
        self.epochs_above = 0
        self.started = False
        self.previous, self.falling = math.inf, 0

    def check(self, epoch, value, lr):
        """Raise :class:`DivergenceError` if ``value`` shows divergence."""
        if not math.isfinite(value):
            raise diverged(epoch, f"the loss became {value}", lr, self.alpha)
        if not self.started:
            self.limit = max(self.limit, value)
            self.started = True
            self.previous = value
            return
        self.epochs_above = self.epochs_above + 1 if value > self.limit else 0
        self.falling = self.falling + 1 if value < self.previous else 0
        self.previous = value
        # A loss that fell in each of those epochs but the first is recovering
        # from an overshoot (the first step on unscaled data, say), however slowly.
        if self.epochs_above >= DIVERGENCE_PATIENCE > self.falling + 1:
            raise diverged(
                epoch,
                f"the loss stayed above {self.limit:.4g} (its start, and "
                f"{DIVERGENCE_FACTOR:g} times the loss of predicting "
                f"{self.baseline_words}) for {DIVERGENCE_PATIENCE} epochs",
                lr,
                self.alpha,
            )


class Plateau:
    """Counts epochs without improvement and keeps the best parameters.

    Parameters
    ----------
    tol : float
        An epoch improves when its loss is at most the best so far minus ``tol``;
        one above that counts toward a plateau, as in MLPClassifier.
    n_iter_no_change : int or float
        A plateau is more than this many epochs in a row without improvement,
        counted as scikit-learn's MLPClassifier counts them; ``np.inf`` never
        makes one.
    keep_best : bool
        Whether to save the parameters of the best epoch.
    """

    def __init__(self, tol, n_iter_no_change, keep_best=False):
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.keep_best = keep_best
        self.best_loss = np.inf
        self.best_epoch = None
        self.best_state = None
        self.count = 0

    def update(self, epoch, value, network):
        """Record the loss of ``epoch``; return True on a plateau.

        The first epoch that does not improve makes the count 1, so the plateau
        comes with the ``n_iter_no_change + 1``-th such epoch in a row.
        """
        self.count = self.count + 1 if value > self.best_loss - self.tol else 0
        if value < self.best_loss:
            self.best_loss = value
            self.best_epoch = epoch
            if self.keep_best:
                self.best_state = network.get_state()
        return self.count > self.n_iter_no_change

    def ends_worse(self, last):
        """Whether a run whose last loss is ``last`` ended above its lowest by
        more than ``tol``."""
        return last > self.best_loss + self.tol

    def restart(self):
        """Start counting again, after the learning rate was lowered."""
        self.count = 0
