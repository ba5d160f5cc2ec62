"""The engine of ``skann._core``, assembled from an estimator's settings and run.

:func:`run` is the one entry point of every solver: it builds the optimizer (or
L-BFGS), the plan of the epochs, the stopping rule and the reporting from a
:class:`Settings`, trains, and checks the trained network.
:func:`warn_about_training` then says what went wrong, if anything did.

The engine reads nothing else of an estimator: :class:`Settings` holds the
estimator's public parameters and what its targets add (the words for the
constant that the loss is compared with, the advice on its data), and
:class:`Resumed` the state of the fitted model a call continues, as plain values.
The estimator turns what :func:`run` returns into its fitted attributes.
"""

import warnings
from dataclasses import dataclass, field, fields
from numbers import Real

from sklearn.exceptions import ConvergenceWarning

from ._core.diagnosis import final_pass, problems
from ._core.lbfgs import train_lbfgs
from ._core.namespaces import all_finite, take_rows
from ._core.objective import total_weight
from ._core.optimizers import optimizer_template, solver_key
from ._core.penalty import L2Penalty, input_weights
from ._core.plan import Dataset, Plan
from ._core.schedules import SCHEDULES
from ._core.stopping import Plateau, diverged
from ._core.training import train

#: ``alpha='auto'``: the penalty of the whole training set, ``AUTO_ALPHA / 2 *
#: sum(W**2)`` against the summed loss of its rows (``benchmarks/README.md``).
AUTO_ALPHA = 3.5
#: ``batch_size='auto'``: at most this many rows a batch, in batches of equal size.
AUTO_BATCH_SIZE = 128


@dataclass(frozen=True)
class Settings:
    """What the engine reads of an estimator, for one call of ``fit`` or
    ``partial_fit``.

    The first fields are the estimator's parameters of the same names, as
    documented on ANNClassifier and ANNRegressor; :meth:`of` reads them. The others
    are what the estimator's targets add, and the call's kind.

    Attributes
    ----------
    baseline_words : str
        What the constant prediction that the diagnosis compares the loss with
        predicts ("the class frequencies", "the mean target"), in its warnings.
    scaling_advice : callable
        ``scaling_advice(data)``, for the training ``Dataset``: the advice about
        the scale of the features or targets, a str, or None for none.
    flat_advice : callable
        ``flat_advice(data)``: the list of what to try (str) when the model's
        outputs do not vary where the targets do.
    incremental : bool
        Whether this is a call of ``partial_fit``: one epoch that resumes the
        optimizer and the loss curve, with no plateau rule, and after it only
        the check that the outputs on its rows are finite.
    """

    solver: object
    lr: float
    epochs: int
    batch_size: object
    shuffle: bool
    momentum: float
    nesterov: bool
    beta_1: float
    beta_2: float
    epsilon: float
    lr_schedule: str
    power_t: float
    alpha: object
    tol: object
    n_iter_no_change: object
    early_stopping: bool
    init_scale: object
    verbose: object
    baseline_words: str
    scaling_advice: object
    flat_advice: object
    incremental: bool = False

    @classmethod
    def of(cls, params, **specific):
        """The settings of the estimator parameters ``params`` (a mapping of
        each name to its value, as ``get_params`` gives; other keys are
        ignored), with the fields ``specific`` to its targets and the call."""
        names = {f.name for f in fields(cls)} - specific.keys()
        return cls(**{name: params[name] for name in names & params.keys()}, **specific)

    def get_params(self, deep=False):
        """The estimator parameters these settings hold, by name, as the
        estimator's ``get_params`` gives them (``deep`` is ignored)."""
        return {f.name: getattr(self, f.name) for f in fields(self)[:_PARAMETERS]}


#: How many of the first fields of Settings are estimator parameters.
_PARAMETERS = [f.name for f in fields(Settings)].index("baseline_words")


@dataclass(frozen=True)
class Resumed:
    """What a call continues of a fitted model: its state, as plain values.

    A new model's is ``Resumed()``.

    Attributes
    ----------
    optimizer_state : dict
        The saved state of the optimizer (``{}`` for none): its ``solver``, its
        ``lr`` and the arrays of ``Optimizer.get_state``. Only ``partial_fit``
        resumes it.
    t : int
        The training rows stepped over so far (the model's ``t_``), which the
        learning-rate schedule counts from.
    weight_seen : float
        The total sample weight of the rows trained on since the fit that
        started the model, which ``alpha='auto'`` divides by.
    rescale : array or None
        Factors, laid out as the network's parameters, by which they were
        rescaled since ``optimizer_state`` was saved (new statistics of the
        inputs); the resumed state is rescaled alike.
    """

    optimizer_state: dict = field(default_factory=dict)
    t: int = 0
    weight_seen: float = 0.0
    rescale: object = None


def run(settings, network, loss, data, *, validation, reporter, rng, resumed=None):
    """Train ``network`` as ``settings`` say; return what came of it.

    Parameters
    ----------
    settings : Settings
    network : Network
        The network to train, in place.
    loss : Loss
    data, validation : Dataset, Dataset or None
        The training rows, and those held out by early stopping.
    reporter : EpochReporter
        Reports each epoch to scikit-learn's callbacks.
    rng : numpy.random.RandomState
        Source of the shuffles.
    resumed : Resumed or None, default=None
        The state of the fitted model this call continues; None for a new one.

    Returns
    -------
    result : TrainingResult
    optimizer : Optimizer or None
        The optimizer with its final state; None for 'lbfgs'.
    diagnosis : Diagnosis
        What the check of the trained network found wrong, and what to try.
    weight_seen : float
        The total weight of the rows trained on since the fit that started the
        model, this call's included.
    """
    resumed = Resumed() if resumed is None else resumed
    incremental = settings.incremental
    printer = _progress_printer(settings)
    seen = resumed.weight_seen + float(
        total_weight(data.X, data.sample_weight, network.xp)
    )
    penalty = _penalty(
        settings.alpha, data, network.xp, seen, network.input_stats is None
    )
    optimizer = None
    if settings.solver == "lbfgs":
        result = train_lbfgs(
            network,
            loss,
            data,
            settings.epochs,
            penalty=penalty,
            tol=settings.tol,
            on_epoch=_epoch_hook(printer, reporter),
        )
    else:
        saved = resumed.optimizer_state if incremental else {}
        optimizer = _optimizer(settings, saved, network.xp)
        if resumed.rescale is not None:
            optimizer.rescale(resumed.rescale)  # no state to rescale unless one resumed
        plan = Plan(
            1 if incremental else settings.epochs,
            batch_size=_batch_size(settings),
            equal_batches=settings.batch_size == "auto",
            rng=rng if settings.shuffle else None,
            penalty=penalty,
            schedule=SCHEDULES[settings.lr_schedule](settings.lr, settings.power_t),
            plateau=None if incremental else _plateau(settings),
            validation=validation,
            on_epoch=reporter.epoch_end if reporter.active else None,
            report=printer,
            t=resumed.t,
            baseline_words=settings.baseline_words,
        )
        result = train(network, loss, optimizer, data, plan)
        _check_optimizer_state(settings, optimizer, result, network.xp)
    diagnosis = _diagnose(settings, network, loss, data, result, penalty)
    return result, optimizer, diagnosis, seen


def _penalty(alpha, data, xp, seen=None, raw_inputs=True):
    """The L2 penalty of ``alpha``, the estimators' parameter, on the training
    ``data``.

    ``alpha='auto'`` is ``AUTO_ALPHA`` divided by ``seen``, the total weight of
    every row trained on since the fit that started the model (by default, of
    ``data``'s rows), so that a stream fed to ``partial_fit`` a row at a time
    is penalised as the data seen so far. On ``raw_inputs`` (a first layer
    that does not standardise them) each feature's share of the first layer's
    penalty is its mean square (capped at 1): see ``_core/penalty.py``.
    A number is scikit-learn's MLPs' penalty.
    """
    if alpha != "auto":
        return L2Penalty(float(alpha))
    if seen is None:
        seen = float(total_weight(data.X, data.sample_weight, xp))
    # On standardised inputs every feature's share is already 1.
    shares = input_weights(data.X, data.sample_weight, xp) if raw_inputs else None
    return L2Penalty(AUTO_ALPHA, total=seen, input_weights=shares, named=alpha)


def _optimizer(est, saved, xp):
    """A fresh optimizer of ``est.solver``, ``est`` being the :class:`Settings`, its
    state in ``xp``; it resumes the ``saved`` state (see :class:`Resumed`) if it
    is of that solver."""
    # Python floats: a NumPy float64 would make float32 updates run in float64.
    params = {name: _plain(value) for name, value in est.get_params().items()}
    template = optimizer_template(est.solver, params)
    optimizer = template.fresh(float(est.lr), xp)
    if saved.get("solver") == solver_key(est.solver):
        optimizer.lr = saved["lr"]
        optimizer.set_state(saved)
    return optimizer


def _plain(value):
    """A number as a Python float; a bool, or anything else, as it is."""
    if isinstance(value, Real) and not isinstance(value, bool):
        return float(value)
    return value


def _check_optimizer_state(settings, optimizer, result, xp):
    """Raise the ``DivergenceError`` of training where the optimizer's velocity
    or moments stopped being finite (Adam's squared gradients overflow first):
    resumed, they would hold the weights still or send them to infinity."""
    arrays = [a for a in optimizer.get_state().values() if hasattr(a, "shape")]
    if not all(all_finite(a, xp) for a in arrays):
        what = "the optimizer's velocity or moments stopped being finite"
        raise diverged(result.n_iter, what, optimizer.lr, settings.alpha)


def _batch_size(settings):
    """Rows per step of a first-order solver; None for the whole data."""
    return AUTO_BATCH_SIZE if settings.batch_size == "auto" else settings.batch_size


def _first_rows(data, n, xp):
    """The Dataset of the first ``n`` rows of ``data``."""
    if data.X.shape[0] <= n:
        return data
    rows, w = slice(0, n), data.sample_weight
    return Dataset(
        take_rows(data.X, rows, xp),
        take_rows(data.Y, rows, xp),
        None if w is None else take_rows(w, rows, xp),
    )


def _plateau(settings):
    """The stopping rule of ``settings.tol``, or None; it saves the lowest epoch's
    weights, for a run that ends inside one of the jumps of Adam's loss."""
    tol = settings.tol
    if tol is None and (settings.early_stopping or settings.lr_schedule == "adaptive"):
        tol = 0.0
    if tol is None:
        return None
    return Plateau(tol, settings.n_iter_no_change, keep_best=True)


def _progress_printer(settings):
    if not settings.verbose:
        return None
    every = max(1, settings.epochs // 10)

    def print_progress(epoch, loss):
        if epoch % every == 0:
            print(f"Epoch {epoch}: Cost = {loss:.6f}")

    return print_progress


def _epoch_hook(printer, reporter):
    """What L-BFGS calls after each iteration: the progress printer, the callbacks."""
    if not reporter.active:
        return printer

    def on_epoch(epoch, loss):
        if printer is not None:
            printer(epoch, loss)
        return reporter.epoch_end(epoch, loss)

    return on_epoch


def _diagnose(settings, network, loss, data, result, penalty):
    """Check the trained network on its training data; return what went wrong.

    Raises the ``DivergenceError`` of training where the network's outputs or
    loss there are not finite: the last update broke it, though its weights
    are finite. A call of ``partial_fit`` (``incremental``) stops there: it
    sees one chunk of the data, whose loss and activations say little about
    the model; ``fit`` sees all of it.
    """
    incremental = settings.incremental
    if incremental:
        # Each update but the last met the loss of the batch after it; the last
        # meets as many rows here, at the cost of one batch's forward pass.
        data = _first_rows(data, _batch_size(settings) or data.X.shape[0], network.xp)
    final = final_pass(network, loss, data, penalty)
    if not final.finite:
        raise diverged(
            result.n_iter,
            "at the final weights the outputs or the loss on the training data "
            "are not finite",
            None if settings.solver == "lbfgs" else settings.lr,
            settings.alpha,
        )
    if incremental:
        return Diagnosis()
    baseline = loss.baseline(data.Y, data.sample_weight, network.xp)
    found = problems(final, result.loss_curve, baseline, settings.baseline_words)
    if not found:
        return Diagnosis()
    # Features in large units can be behind every problem; a model that learnt
    # nothing needs other settings than one whose steps are too long.
    advice = [settings.scaling_advice(data)]
    if final.flat is not None:
        advice += settings.flat_advice(data)
    if final.flat is None or len(found) > 1 or len(advice) == 1:
        advice += _step_advice(settings)
    return Diagnosis(found, [a for a in advice if a])


def warn_about_training(settings, result, diagnosis):
    """Warn of an interrupted or unfinished fit, and of what :func:`run` found,
    for the estimator's ``fit`` or ``partial_fit`` that called it."""
    _warn_about_stopping(settings, result)
    _warn_about_problems(settings, diagnosis, result)


def _warn_about_stopping(settings, result):
    if result.interrupted:
        unit = "iterations" if settings.solver == "lbfgs" else "epochs"
        kept = (
            f"the {unit[:-1]} of lowest loss so far"
            if result.best_epoch is not None
            else f"the last completed {unit[:-1]}"
        )
        warnings.warn(
            f"Training was interrupted after {result.n_iter} {unit} of this "
            f"call; the model keeps the weights of {kept}. A second Ctrl-C, "
            "in this fit or a later one, stops everything with "
            "KeyboardInterrupt.",
            UserWarning,
            stacklevel=5,
        )
    elif not settings.incremental and not result.stopped and settings.tol is not None:
        warnings.warn(
            f"Maximum epochs ({settings.epochs}) reached and the optimization "
            "hasn't converged yet; raise epochs or tol.",
            ConvergenceWarning,
            stacklevel=5,
        )


def _warn_about_problems(settings, diagnosis, result):
    """Warn about what :func:`_diagnose` found, and L-BFGS's abnormal stops."""
    lbfgs = settings.solver == "lbfgs"
    unit = ("iteration" if lbfgs else "epoch") + "s" * (result.n_iter != 1)
    head = f"Training went wrong in {result.n_iter} {unit}: "
    found, advice = diagnosis.found, diagnosis.advice
    if result.abnormal is not None:
        nit, message = result.abnormal
        head = "lbfgs failed to converge: "
        found = [
            f"SciPy's L-BFGS-B stopped abnormally after {nit} completed "
            f"iterations, with the message {message!r}",
            *found,
        ]
        advice = advice or _step_advice(settings)
    if not found:
        return
    tried = ", ".join(advice[:-1]) + ", or " * (len(advice) > 1) + advice[-1]
    warnings.warn(
        head + "; ".join(found) + f". Try {tried}.", ConvergenceWarning, stacklevel=5
    )


def _step_advice(settings):
    """What makes training take smaller steps, from better-scaled weights."""
    advice = [
        f"a larger alpha than {settings.alpha!r}"
        if settings.solver == "lbfgs"
        else f"a smaller learning rate than lr={settings.lr!r}"
    ]
    # Only weights drawn far larger than He's can be the culprit.
    if not isinstance(settings.init_scale, str) and settings.init_scale > 1:
        advice.append(f"init_scale='auto' instead of {settings.init_scale!r}")
    return advice


@dataclass
class Diagnosis:
    """What the check of a trained network found wrong, and what to try.

    Attributes
    ----------
    found : list of str
        One sentence for each problem (see ``_core/diagnosis.py``).
    advice : list of str
        What to try, in the estimator's parameters, most likely first.
    """

    found: list = field(default_factory=list)
    advice: list = field(default_factory=list)
