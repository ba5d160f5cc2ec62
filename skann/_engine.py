"""The engine of ``skann._core``, assembled from an estimator's parameters and run.

:func:`run` is the one entry point of every solver: it builds the optimizer (or
L-BFGS), the plan of the epochs, the stopping rule and the reporting from the
estimator's parameters, trains, and checks the trained network.
:func:`warn_about_training` then says what went wrong, if anything did.
"""

import warnings
from dataclasses import dataclass, field

from sklearn.exceptions import ConvergenceWarning

from ._core.diagnosis import final_pass, problems
from ._core.lbfgs import train_lbfgs
from ._core.namespaces import all_finite, take_rows
from ._core.objective import total_weight
from ._core.optimizers import OPTIMIZERS
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


def run(
    est,
    network,
    loss,
    data,
    *,
    validation,
    reporter,
    rng,
    previous,
    incremental,
    rescale=None,
):
    """Train ``network`` as ``est``'s parameters say; return what came of it.

    Parameters
    ----------
    est : BaseANN
        The estimator being fitted (its parameters); it receives
        ``_weight_seen_``, the total weight of the rows trained on since the fit
        that started the model, which ``alpha='auto'`` divides by.
    network : Network
        The network to train, in place.
    loss : Loss
    data, validation : Dataset, Dataset or None
        The training rows, and those held out by early stopping.
    reporter : EpochReporter
        Reports each epoch to scikit-learn's callbacks.
    rng : numpy.random.RandomState
        Source of the shuffles.
    previous : BaseANN or None
        The fitted estimator this call continues, if any.
    incremental : bool
        Whether this is a call of ``partial_fit``: one epoch that resumes the
        optimizer and the loss curve, with no plateau rule, and after it only
        the check that the outputs on its rows are finite.
    rescale : array or None, default=None
        Factors, laid out as the network's parameters, by which they were
        rescaled since ``previous``'s optimizer state was saved (new statistics
        of the inputs); the resumed state is rescaled alike.

    Returns
    -------
    result : TrainingResult
    optimizer : Optimizer or None
        The optimizer with its final state; None for 'lbfgs'.
    diagnosis : Diagnosis
        What the check of the trained network found wrong, and what to try.
    """
    printer = _progress_printer(est)
    seen = _weight_seen(data, previous, network.xp)
    penalty = _penalty(est, data, network.xp, seen, network.input_stats is None)
    optimizer = None
    if est.solver == "lbfgs":
        result = train_lbfgs(
            network,
            loss,
            data,
            est.epochs,
            penalty=penalty,
            tol=est.tol,
            on_epoch=_epoch_hook(printer, reporter),
        )
    else:
        optimizer = _optimizer(est, previous if incremental else None, network.xp)
        if rescale is not None:
            optimizer.rescale(rescale)  # no state to rescale unless one resumed
        plan = Plan(
            1 if incremental else est.epochs,
            batch_size=_batch_size(est),
            equal_batches=est.batch_size == "auto",
            rng=rng if est.shuffle else None,
            penalty=penalty,
            schedule=SCHEDULES[est.lr_schedule](est.lr, est.power_t),
            plateau=None if incremental else _plateau(est),
            validation=validation,
            on_epoch=reporter.epoch_end if reporter.active else None,
            report=printer,
            t=previous.t_ if previous is not None else 0,
            baseline_words=est._baseline_words,
        )
        result = train(network, loss, optimizer, data, plan)
        _check_optimizer_state(est, optimizer, result, network.xp)
    diagnosis = _diagnose(est, network, loss, data, result, penalty, incremental)
    est._weight_seen_ = seen
    return result, optimizer, diagnosis


def _weight_seen(data, previous, xp):
    """The total sample weight of the rows of ``data`` and of every row that
    ``previous``, the fitted model this call continues (or None), trained on."""
    before = 0.0 if previous is None else vars(previous).get("_weight_seen_", 0.0)
    return before + float(total_weight(data.X, data.sample_weight, xp))


def _penalty(est, data, xp, seen=None, raw_inputs=True):
    """The L2 penalty of ``est.alpha`` on the training ``data``.

    ``alpha='auto'`` is ``AUTO_ALPHA`` divided by ``seen``, the total weight of
    every row trained on since the fit that started the model (by default, of
    ``data``'s rows), so that a stream fed to ``partial_fit`` a row at a time
    is penalised as the data seen so far. On ``raw_inputs`` (a first layer
    that does not standardise them) each feature's share of the first layer's
    penalty is its mean square (capped at 1): see ``_core/penalty.py``.
    A number is scikit-learn's MLPs' penalty.
    """
    if est.alpha != "auto":
        return L2Penalty(float(est.alpha))
    if seen is None:
        seen = float(total_weight(data.X, data.sample_weight, xp))
    # On standardised inputs every feature's share is already 1.
    shares = input_weights(data.X, data.sample_weight, xp) if raw_inputs else None
    return L2Penalty(AUTO_ALPHA, total=seen, input_weights=shares, named=est.alpha)


def _optimizer(est, previous, xp):
    """The optimizer of ``est.solver``, its state in ``xp``; it resumes
    ``previous``'s state if given."""
    # Python floats: a NumPy float64 would make float32 updates run in float64.
    kwargs = {
        "gd": {},
        "momentum": {"momentum": float(est.momentum), "nesterov": est.nesterov},
        "adam": {
            "beta_1": float(est.beta_1),
            "beta_2": float(est.beta_2),
            "epsilon": float(est.epsilon),
        },
    }[est.solver]
    optimizer = OPTIMIZERS[est.solver](float(est.lr), **kwargs, xp=xp)
    saved = previous._optimizer_state_ if previous is not None else {}
    if saved.get("solver") == est.solver:
        optimizer.lr = saved["lr"]
        optimizer.set_state(saved)
    return optimizer


def _check_optimizer_state(est, optimizer, result, xp):
    """Raise the ``DivergenceError`` of training where the optimizer's velocity
    or moments stopped being finite (Adam's squared gradients overflow first):
    resumed, they would hold the weights still or send them to infinity."""
    arrays = [a for a in optimizer.get_state().values() if hasattr(a, "shape")]
    if not all(all_finite(a, xp) for a in arrays):
        what = "the optimizer's velocity or moments stopped being finite"
        raise diverged(result.n_iter, what, optimizer.lr, est.alpha)


def _batch_size(est):
    """Rows per step of a first-order solver; None for the whole data."""
    return AUTO_BATCH_SIZE if est.batch_size == "auto" else est.batch_size


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


def _plateau(est):
    """The stopping rule of ``est.tol``, or None; it saves the lowest epoch's
    weights, for a run that ends inside one of the jumps of Adam's loss."""
    tol = est.tol
    if tol is None and (est.early_stopping or est.lr_schedule == "adaptive"):
        tol = 0.0
    if tol is None:
        return None
    return Plateau(tol, est.n_iter_no_change, keep_best=True)


def _progress_printer(est):
    if not est.verbose:
        return None
    every = max(1, est.epochs // 10)

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


def _diagnose(est, network, loss, data, result, penalty, incremental):
    """Check the trained network on its training data; return what went wrong.

    Raises the ``DivergenceError`` of training where the network's outputs or
    loss there are not finite: the last update broke it, though its weights
    are finite. A call of ``partial_fit`` (``incremental``) stops there: it
    sees one chunk of the data, whose loss and activations say little about
    the model; ``fit`` sees all of it.
    """
    if incremental:
        # Each update but the last met the loss of the batch after it; the last
        # meets as many rows here, at the cost of one batch's forward pass.
        data = _first_rows(data, _batch_size(est) or data.X.shape[0], network.xp)
    final = final_pass(network, loss, data, penalty)
    if not final.finite:
        raise diverged(
            result.n_iter,
            "at the final weights the outputs or the loss on the training data "
            "are not finite",
            None if est.solver == "lbfgs" else est.lr,
            est.alpha,
        )
    if incremental:
        return Diagnosis()
    baseline = loss.baseline(data.Y, data.sample_weight, network.xp)
    found = problems(final, result.loss_curve, baseline, est._baseline_words)
    if not found:
        return Diagnosis()
    # Features in large units can be behind every problem; a model that learnt
    # nothing needs other settings than one whose steps are too long.
    advice = [est._scaling_advice(data)]
    if final.flat is not None:
        advice += est._flat_advice(data)
    if final.flat is None or len(found) > 1 or len(advice) == 1:
        advice += _step_advice(est)
    return Diagnosis(found, [a for a in advice if a])


def warn_about_training(est, result, diagnosis, incremental):
    """Warn of an interrupted or unfinished fit, and of what :func:`run` found."""
    _warn_about_stopping(est, result, incremental)
    _warn_about_problems(est, diagnosis, result)


def _warn_about_stopping(est, result, incremental):
    if result.interrupted:
        unit = "iterations" if est.solver == "lbfgs" else "epochs"
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
    elif not incremental and not result.stopped and est.tol is not None:
        warnings.warn(
            f"Maximum epochs ({est.epochs}) reached and the optimization "
            "hasn't converged yet; raise epochs or tol.",
            ConvergenceWarning,
            stacklevel=5,
        )


def _warn_about_problems(est, diagnosis, result):
    """Warn about what :func:`_diagnose` found, and L-BFGS's abnormal stops."""
    lbfgs = est.solver == "lbfgs"
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
        advice = advice or _step_advice(est)
    if not found:
        return
    tried = ", ".join(advice[:-1]) + ", or " * (len(advice) > 1) + advice[-1]
    warnings.warn(
        head + "; ".join(found) + f". Try {tried}.", ConvergenceWarning, stacklevel=5
    )


def _step_advice(est):
    """What makes training take smaller steps, from better-scaled weights."""
    advice = [
        f"a larger alpha than {est.alpha!r}"
        if est.solver == "lbfgs"
        else f"a smaller learning rate than lr={est.lr!r}"
    ]
    # Only weights drawn far larger than He's can be the culprit.
    if not isinstance(est.init_scale, str) and est.init_scale > 1:
        advice.append(f"init_scale='auto' instead of {est.init_scale!r}")
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
