"""The engine's contract: a Settings and a Resumed state in, plain values out.

The engine runs without an estimator: it reads what :class:`Settings` and
:class:`Resumed` hold, and returns what the estimator turns into its fitted
attributes.
"""

import ast
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from skann import ANNClassifier
from skann._core.losses import LOSSES
from skann._core.network import Network
from skann._core.plan import Dataset
from skann._engine import Resumed, Settings, run

ENGINE = Path(__file__).resolve().parents[1] / "skann" / "_engine.py"
NO_CALLBACKS = SimpleNamespace(active=False)


def settings(estimator, **specific):
    """The engine's settings of ``estimator``, with made-up target words."""
    defaults = dict(
        baseline_words="the made-up constant",
        scaling_advice=lambda data: "made-up scaling",
        flat_advice=lambda data: ["made-up flat"],
    )
    return Settings.of(estimator.get_params(), **{**defaults, **specific})


@pytest.fixture
def unscaled():
    """One feature from 15 to 25, a label it separates, and uneven weights."""
    rng = np.random.RandomState(0)
    x = rng.uniform(15, 25, 200)
    w = rng.uniform(0.5, 1.5, 200)
    return Dataset(x[:, np.newaxis], (x > 20).astype(float)[:, np.newaxis], w)


def network(seed=1):
    return Network.initialize(
        (1, 4, 1), "logistic", "logistic", 0.1, np.random.RandomState(seed)
    )


def train(estimator, data, resumed=None, incremental=False, net=None, **specific):
    net = network() if net is None else net
    *out, seen = run(
        settings(estimator, incremental=incremental, **specific),
        net,
        LOSSES["binary_cross_entropy"],
        data,
        validation=None,
        reporter=NO_CALLBACKS,
        rng=np.random.RandomState(0),
        resumed=resumed,
    )
    return net, (*out, seen)


def test_the_diagnosis_speaks_the_settings_words_and_advice(unscaled):
    est = ANNClassifier(4, lr=1.0, epochs=50, solver="gd", batch_size=None)
    est.set_params(alpha=0.0, tol=None, standardize=False)
    _, (_, _, diagnosis, _) = train(est, unscaled)
    assert any(
        "the loss of predicting the made-up constant" in f for f in diagnosis.found
    )
    assert diagnosis.advice[:2] == ["made-up scaling", "made-up flat"]
    _, (_, _, diagnosis, _) = train(est, unscaled, scaling_advice=lambda data: None)
    assert diagnosis.advice[0] == "made-up flat"


def test_the_weight_seen_is_returned_counting_on_from_the_resumed(unscaled):
    est = ANNClassifier(4, epochs=2, solver="gd", tol=None)
    _, (*_, seen) = train(est, unscaled)
    assert seen == pytest.approx(unscaled.sample_weight.sum())
    _, (*_, seen) = train(est, unscaled, Resumed(weight_seen=7.5))
    assert seen == pytest.approx(unscaled.sample_weight.sum() + 7.5)


@pytest.mark.parametrize("solver", ["momentum", "adam"])
def test_a_resumed_state_continues_as_one_run_would(unscaled, solver):
    # A number for alpha: 'auto' would divide by the weight seen, twice as
    # large in the second call as in the second epoch of one run.
    est = ANNClassifier(4, solver=solver, lr=0.2, epochs=2, tol=None, shuffle=False)
    est.set_params(lr_schedule="invscaling", alpha=1e-4)
    whole, (_, end, _, _) = train(est, unscaled)
    first, (result, optimizer, _, seen) = train(est, unscaled, incremental=True)
    state = {"solver": solver, "lr": optimizer.lr, **optimizer.get_state()}
    second, (_, last, _, _) = train(
        est, unscaled, Resumed(state, result.t, seen), incremental=True, net=first
    )
    np.testing.assert_allclose(second.params, whole.params, rtol=1e-12)
    assert last.lr == pytest.approx(end.lr, rel=1e-12)
    # Without the state, the second epoch's steps differ; without t, the
    # learning rate the schedule sets after it.
    first, _ = train(est, unscaled, incremental=True)
    steps = whole.params - first.params
    again, _ = train(est, unscaled, Resumed({}, result.t), incremental=True, net=first)
    assert np.abs(again.params - whole.params).max() > 0.01 * np.abs(steps).max()
    first, _ = train(est, unscaled, incremental=True)
    _, (_, late, _, _) = train(
        est, unscaled, Resumed(state, 0), incremental=True, net=first
    )
    assert late.lr > 1.2 * end.lr


def test_the_settings_hold_the_estimators_training_parameters():
    est = ANNClassifier(7, solver="momentum", lr=0.3, momentum=0.8, alpha="auto")
    given = settings(est)
    held = given.get_params()
    assert held == {k: v for k, v in est.get_params().items() if k in held}
    assert {"solver", "lr", "momentum", "alpha", "epochs", "tol"} <= held.keys()
    assert "baseline_words" not in held and "incremental" not in held
    assert given.baseline_words == "the made-up constant"


def test_the_engine_reads_no_private_attribute():
    private = [
        node.attr
        for node in ast.walk(ast.parse(ENGINE.read_text()))
        if isinstance(node, ast.Attribute)
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
    ]
    assert private == []
