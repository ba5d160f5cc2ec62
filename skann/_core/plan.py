"""What training takes and gives back: the data, the plan, the result.

:func:`~skann._core.training.train` takes a :class:`Dataset` and a :class:`Plan`,
and returns a :class:`TrainingResult`; L-BFGS (``lbfgs.py``) returns one too.
"""

from dataclasses import dataclass, field


@dataclass
class Dataset:
    """Inputs, targets (``(n_samples, n_outputs)``) and optional sample weights.

    Arrays of the namespace and on the device of the network they train or score;
    ``X`` may also be a SciPy sparse matrix when that namespace is NumPy.
    """

    X: object
    Y: object
    sample_weight: object = None


@dataclass
class Plan:
    """How to train, beyond the network, loss, optimizer and data.

    Attributes
    ----------
    epochs : int
        Largest number of epochs.
    batch_size : int or None
        Rows per step; ``None`` takes every row at once (full batch).
    equal_batches : bool
        Whether each epoch's batches are of equal size (within a row), rather than
        of ``batch_size`` rows and a smaller remainder (see ``batches.py``).
    rng : numpy.random.RandomState or None
        Draws a new order of rows each epoch; ``None`` keeps the data's order.
    penalty : L2Penalty or None
        The penalty on the weights (``penalty.py``); None for none.
    schedule : Constant, InvScaling or Adaptive, or None
        Learning-rate schedule; ``None`` keeps ``optimizer.lr``.
    plateau : Plateau or None
        Stopping rule on the validation loss if ``validation`` is given, else on
        the training loss; ``None`` runs every epoch.
    validation : Dataset or None
        Held-out data scored after each epoch. With a ``plateau`` keeping the best
        parameters, the network ends with the parameters of the best epoch.
    on_epoch : callable or None
        Called as ``on_epoch(epoch, loss)`` right after each epoch; returning True
        stops training there.
    report : callable or None
        Called as ``report(epoch, loss)`` for every epoch, in order, but possibly
        some epochs later (see ``losslog.py``); it cannot stop training.
    t : int
        Samples seen before this call; the invscaling schedule counts them too.
    baseline_words : str
        What the loss the divergence check compares against predicts, in the
        estimator's words.
    """

    epochs: int
    batch_size: int = None
    equal_batches: bool = False
    rng: object = None
    penalty: object = None
    schedule: object = None
    plateau: object = None
    validation: Dataset = None
    on_epoch: object = None
    report: object = None
    t: int = 0
    baseline_words: str = "the class frequencies"


@dataclass
class TrainingResult:
    """What a call of :func:`train` did.

    Attributes
    ----------
    loss_curve : list of float
        Training loss of each epoch, computed before its updates.
    validation_loss_curve, validation_scores : list of float or None
        Loss and score on the validation data after each epoch, if any.
    n_iter : int
        Epochs completed.
    t : int
        Training samples seen in this call, summed over epochs.
    stopped : bool
        Whether a stopping rule ended training before the last epoch.
    interrupted : bool
        Whether a keyboard interrupt ended training; the network then holds the
        parameters of the last completed epoch.
    best_epoch : int or None
        Epoch whose parameters were restored by early stopping.
    abnormal : tuple of (int, str) or None
        L-BFGS only: SciPy's iteration count and message where it stopped
        abnormally.
    """

    loss_curve: list = field(default_factory=list)
    validation_loss_curve: list = None
    validation_scores: list = None
    n_iter: int = 0
    t: int = 0
    stopped: bool = False
    interrupted: bool = False
    best_epoch: int = None
    abnormal: tuple = None
