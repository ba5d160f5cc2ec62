"""The engine in other namespaces of the Array API standard follows its NumPy run.

Each fit drives the engine as the estimators do (``Network.initialize``, then
``train`` or ``train_lbfgs``, then ``final_pass``), once on NumPy arrays and once in
another namespace from the same seeds: in float64 the loss curves agree to 1e-9,
in float32 to float32's precision, and every array the engine returns lives in the
input's namespace and on its device.
"""

import warnings

import numpy as np
import pytest
from array_spaces import Space, assert_lives_in, tolerance

from skann._core import diagnosis, network
from skann._core.activations import ACTIVATIONS, OUTPUT_ACTIVATIONS
from skann._core.diagnosis import final_pass
from skann._core.lbfgs import train_lbfgs
from skann._core.losses import LOSSES
from skann._core.namespaces import Placement, namespace
from skann._core.network import Network, input_rms
from skann._core.optimizers import OPTIMIZERS, GradientDescent
from skann._core.penalty import L2Penalty, input_weights
from skann._core.plan import Dataset, Plan
from skann._core.schedules import SCHEDULES
from skann._core.stopping import Plateau
from skann._core.training import train

# scikit-learn vendors array-api-compat from 1.7 on; the tests need its wrappers.
array_api_compat = pytest.importorskip("sklearn.externals.array_api_compat")


def _numpy(x):
    """``x`` as a NumPy array, copied to the host where it lives elsewhere."""
    return x if isinstance(x, np.ndarray) else np.from_dlpack(x, device="cpu")


def _data(kind, n=64):
    rng = np.random.RandomState(0)
    X = rng.randn(n, 4)
    if kind == "multiclass":
        Y = np.eye(3)[(X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 0.5)]
    elif kind == "binary":
        Y = (X[:, :1] - X[:, 1:2] > 0).astype(float)
    else:  # two regression targets
        Y = np.column_stack([X[:, 0] - 2 * X[:, 1], np.tanh(X[:, 2])])
    w = rng.uniform(0.2, 3.0, n)
    w[:16] = 0.0  # the first minibatch of an unshuffled epoch takes no step
    return X, Y, w


LOSS_OF = {
    "multiclass": "categorical_cross_entropy",
    "binary": "binary_cross_entropy",
    "regression": "squared_error",
}

#: Settings of each engine run; every run not named otherwise is full batch,
#: unweighted, unshuffled, without penalty, schedule or validation.
CASES = {
    "gd": dict(kind="multiclass", solver="gd", lr=0.5, epochs=40),
    "momentum-minibatches-invscaling": dict(
        kind="multiclass",
        solver="momentum",
        options={"momentum": 0.9, "nesterov": True},
        lr=0.1,
        epochs=12,
        batch_size=16,
        schedule="invscaling",
    ),
    "adam-shuffled-l2": dict(
        kind="multiclass",
        solver="adam",
        lr=0.02,
        epochs=12,
        batch_size=16,
        shuffle=True,
        alpha=0.05,
    ),
    "lbfgs-l2": dict(kind="multiclass", solver="lbfgs", epochs=15, alpha=0.01),
    "early-stopping": dict(
        kind="binary",
        activation="logistic",
        solver="adam",
        lr=0.1,
        epochs=60,
        batch_size=20,
        shuffle=True,
        validation=True,
    ),
    "sample-weights": dict(
        kind="multiclass",
        activation="tanh",
        solver="gd",
        lr=0.3,
        epochs=12,
        batch_size=16,
        weighted=True,
        alpha=0.01,
    ),
    "regression-validated-weighted": dict(
        kind="regression",
        activation="tanh",
        solver="momentum",
        lr=0.05,
        epochs=12,
        batch_size=16,
        weighted=True,
        validation=True,
    ),
    "lbfgs-regression": dict(kind="regression", solver="lbfgs", epochs=15),
}
# alpha='auto': the training set's penalty, weighed by the inputs' squares.
CASES["adam-whole-set-penalty"] = {
    **CASES["adam-shuffled-l2"], "weighted": True, "alpha": 0.5, "whole_set": True,
}  # fmt: skip


def _fit(case, space=None, np_dtype=np.float64):
    """Train as the estimators do; ``space=None`` trains on NumPy arrays."""
    c = {"activation": "relu", "batch_size": None, "alpha": 0.0, **CASES[case]}
    X, Y, w = _data(c["kind"])
    if space is None:
        xp, device, dtype = None, None, np_dtype

        def move(a):
            return a.astype(np_dtype)
    else:
        xp, device, dtype, move = space.xp, space.device, space.dtype, space.asarray
    loss = LOSSES[LOSS_OF[c["kind"]]]
    net = Network.initialize(
        (4, 6, 5, Y.shape[1]),
        c["activation"],
        loss.output_activation,
        0.5,
        np.random.RandomState(42),
        Placement(xp, device, dtype),
    )
    weights = move(w) if c.get("weighted") else None
    data = Dataset(
        move(X[:48]), move(Y[:48]), None if weights is None else weights[:48]
    )
    penalty = L2Penalty(c["alpha"])
    if c.get("whole_set"):
        total = float((xp or np).sum(data.sample_weight))
        X_small = data.X * 0.3
        weights = input_weights(X_small, data.sample_weight, xp)
        penalty = L2Penalty(c["alpha"], total, weights)
    if c["solver"] == "lbfgs":
        result = train_lbfgs(net, loss, data, c["epochs"], penalty=penalty, tol=0.0)
        return net, loss, data, result
    validation = None
    if c.get("validation"):
        validation = Dataset(
            move(X[48:]), move(Y[48:]), None if weights is None else weights[48:]
        )
    plan = Plan(
        c["epochs"],
        batch_size=c["batch_size"],
        rng=np.random.RandomState(7) if c.get("shuffle") else None,
        penalty=penalty,
        schedule=SCHEDULES[c.get("schedule", "constant")](c["lr"]),
        plateau=Plateau(0.0, 4, keep_best=True) if validation is not None else None,
        validation=validation,
    )
    optimizer = OPTIMIZERS[c["solver"]](c["lr"], **c.get("options", {}), xp=xp)
    return net, loss, data, train(net, loss, optimizer, data, plan)


@pytest.mark.parametrize("case", sorted(CASES))
def test_training_follows_the_numpy_run(space, case):
    net, loss, data, result = _fit(case, space)
    ref_net, _, ref_data, ref = _fit(case, None, space.np_dtype)
    tol = tolerance(space)
    assert result.n_iter == ref.n_iter and result.t == ref.t
    assert len(result.loss_curve) == len(ref.loss_curve)
    assert all(isinstance(v, float) for v in result.loss_curve)
    np.testing.assert_allclose(result.loss_curve, ref.loss_curve, rtol=tol)
    if ref.validation_loss_curve is not None:
        assert result.best_epoch == ref.best_epoch
        np.testing.assert_allclose(
            result.validation_loss_curve, ref.validation_loss_curve, rtol=tol
        )
        np.testing.assert_allclose(
            result.validation_scores, ref.validation_scores, rtol=tol
        )
    params = _numpy(net.params)
    np.testing.assert_allclose(params, ref_net.params, rtol=tol, atol=tol)
    for array in (net.params, *net.coefs, *net.intercepts, net.forward(data.X)):
        assert_lives_in(array, space, space.dtype)
    final, ref_final = final_pass(net, loss, data), final_pass(ref_net, loss, ref_data)
    assert final.finite and final.n_rows == ref_final.n_rows
    np.testing.assert_allclose(final.data_loss, ref_final.data_loss, rtol=tol)


@pytest.mark.parametrize("case", ["adam-shuffled-l2", "early-stopping", "lbfgs-l2"])
def test_training_never_counts_on_views(space, case, monkeypatch):
    # The standard promises nothing of views: where slicing the flat vector copies,
    # training must still follow the NumPy run.
    if space.xp.__name__.endswith("numpy"):
        pytest.skip("NumPy's views are NumPy's")
    views = network._views

    def copies(flat, shapes, xp):
        blocks = views(flat, shapes, xp)
        return blocks if xp is np else [xp.asarray(b, copy=True) for b in blocks]

    monkeypatch.setattr(network, "_views", copies)
    result = _fit(case, space)[3]
    ref = _fit(case, None, space.np_dtype)[3]
    tol = tolerance(space)
    np.testing.assert_allclose(result.loss_curve, ref.loss_curve, rtol=tol)


def test_the_cases_exercise_what_they_name():
    assert _fit("early-stopping")[3].stopped  # a plateau, and the best epoch kept
    assert _fit("sample-weights")[2].sample_weight[:16].sum() == 0
    lbfgs = _fit("lbfgs-l2")[3]
    assert lbfgs.n_iter == CASES["lbfgs-l2"]["epochs"] and lbfgs.abnormal is None


def test_the_numpy_namespace_of_array_api_compat_is_numpy_itself():
    space = Space(array_api_compat.numpy, "cpu", np.float64, np.float64)
    for case in ("adam-shuffled-l2", "lbfgs-l2"):
        net, _, _, result = _fit(case, space)
        ref_net, _, _, ref = _fit(case)
        assert net.xp is np and type(net.params) is np.ndarray
        assert result.loss_curve == ref.loss_curve
        np.testing.assert_array_equal(net.params, ref_net.params)


def test_scikit_learns_namespace_of_numpy_arrays_is_numpy_itself():
    from sklearn.utils._array_api import get_namespace

    assert namespace(get_namespace(np.ones(3))[0]) is np
    assert namespace(None) is np


def test_initial_weights_are_numpys_draws_moved(space):
    net = Network.initialize(
        (3, 5, 2), "relu", "softmax", 0.1, np.random.RandomState(42),
        Placement(space.xp, space.device, space.dtype),
    )  # fmt: skip
    ref = Network.initialize(
        (3, 5, 2), "relu", "softmax", 0.1, np.random.RandomState(42),
        Placement(dtype=space.np_dtype),
    )  # fmt: skip
    np.testing.assert_array_equal(_numpy(net.params), ref.params)
    assert_lives_in(net.params, space, space.dtype)


def test_an_init_scale_that_overflows_float32_is_refused_by_name(space):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(
            ValueError, match=r"init_scale=1e\+200 .* float32, 3.4e\+38"
        ):
            Network.initialize(
                (3, 4, 1), "relu", "logistic", 1e200, np.random.RandomState(0),
                Placement(space.xp, space.device, space.xp.float32),
            )  # fmt: skip


def test_an_optimizer_of_another_namespace_is_refused_by_name(space):
    if space.xp.__name__.endswith("numpy"):
        pytest.skip("NumPy's namespace is NumPy")
    net = Network.initialize(
        (3, 4, 1), "relu", "logistic", 0.1, np.random.RandomState(0),
        Placement(space.xp, space.device, space.dtype),
    )  # fmt: skip
    data = Dataset(space.asarray(np.ones((5, 3))), space.asarray(np.ones((5, 1))))
    loss = LOSSES["binary_cross_entropy"]
    with pytest.raises(ValueError, match="namespace"):
        train(net, loss, GradientDescent(0.1), data, Plan(1))


def test_the_final_pass_samples_and_chunks_as_with_numpy(space, monkeypatch):
    monkeypatch.setattr(diagnosis, "CHECKED_ROWS", 30)
    monkeypatch.setattr(diagnosis, "CHUNK_BYTES", 7 * (6 + 5 + 3) * 8)  # 7 rows
    net, loss, data, _ = _fit("adam-shuffled-l2", space)
    ref_net, _, ref_data, _ = _fit("adam-shuffled-l2", None, space.np_dtype)
    final = final_pass(net, loss, data, L2Penalty(0.05))
    ref = final_pass(ref_net, loss, ref_data, L2Penalty(0.05))
    assert final.n_rows == ref.n_rows == 30
    tol = tolerance(space)
    np.testing.assert_allclose(final.loss, ref.loss, rtol=tol)
    assert [type(units) for units in final.alive] == [np.ndarray, np.ndarray]
    for units, ref_units in zip(final.alive, ref.alive):
        np.testing.assert_array_equal(units, ref_units)


@pytest.mark.parametrize("name", ["logistic", "softmax", "tanh", "relu", "identity"])
def test_activations_agree_with_numpys_and_never_overflow(space, name):
    act = {**ACTIVATIONS, **OUTPUT_ACTIVATIONS}[name]
    rng = np.random.RandomState(0)
    Z = rng.randn(20, 3) * 5
    Z[:2] = [[-1e3, 0.0, 1e3], [1e3, 1e3, -1e3]]
    Z = Z.astype(space.np_dtype)
    dA = rng.randn(20, 3).astype(space.np_dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # Copies: both may overwrite their input, and NumPy's asarray does not copy.
        Z_ref, Z_xp = Z.copy(), space.asarray(Z.copy())
        ref = act.forward(Z_ref)
        A = act.forward(Z_xp, space.xp)
        if name in ACTIVATIONS:
            ref_dZ = act.derivative(Z_ref, ref, dA.copy())
            dZ = act.derivative(Z_xp, A, space.asarray(dA.copy()), space.xp)
    assert_lives_in(A, space, space.dtype)
    eps = np.finfo(space.np_dtype).eps
    np.testing.assert_allclose(_numpy(A), ref, rtol=10 * eps, atol=1e-300)
    if name in ACTIVATIONS:
        # 1 - A**2 and A * (1 - A) lose A's last bits where A nears 1.
        np.testing.assert_allclose(_numpy(dZ), ref_dZ, rtol=10 * eps, atol=100 * eps)


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize("weighted", [False, True])
def test_losses_agree_with_numpys(space, name, weighted):
    loss = LOSSES[name]
    rng = np.random.RandomState(0)
    kind = {"squared_error": "regression", "binary_cross_entropy": "binary"}
    kind.update(poisson="regression", quantile="regression")
    X, Y, w = _data(kind.get(name, "multiclass"), n=30)
    if name == "poisson":
        Y = np.abs(Y)
    P = OUTPUT_ACTIVATIONS[loss.output_activation].forward(rng.randn(*Y.shape) * 2)
    Y, P, w = (a.astype(space.np_dtype) for a in (Y, P, w))
    w = w if weighted else None
    moved = [None if a is None else space.asarray(a) for a in (Y, P, w)]
    xp, rtol = space.xp, 10 * np.finfo(space.np_dtype).eps
    np.testing.assert_allclose(loss.loss(*moved, xp), loss.loss(Y, P, w), rtol=rtol)
    np.testing.assert_allclose(loss.score(*moved, xp), loss.score(Y, P, w), rtol=rtol)
    np.testing.assert_allclose(
        loss.baseline(moved[0], moved[2], xp), loss.baseline(Y, w), rtol=rtol
    )
    dZ = loss.gradient(*moved, xp)
    assert_lives_in(dZ, space, space.dtype)
    np.testing.assert_allclose(_numpy(dZ), loss.gradient(Y, P, w), rtol=rtol)
    stacked = xp.stack([moved[1], moved[1] * 0.5])
    np.testing.assert_allclose(
        _numpy(loss.loss(moved[0], stacked, moved[2], xp)),
        [loss.loss(Y, P, w), loss.loss(Y, P * 0.5, w)],
        rtol=rtol,
    )


def test_a_zero_weight_row_of_huge_values_adds_nothing_to_the_inputs_share(space):
    # The row's squares overflow: times its zero weight they must count for
    # nothing, as with NumPy, not make NaN.
    big = 1e200 if space.np_dtype is np.float64 else 1e30
    X = np.array([[big, 0.5], [0.1, -0.2], [0.3, 4.0]], dtype=space.np_dtype)
    w = np.array([0.0, 1.0, 3.0], dtype=space.np_dtype)
    expected = input_weights(X, w)
    got = input_weights(space.asarray(X), space.asarray(w), space.xp)
    np.testing.assert_allclose(_numpy(got), expected, rtol=tolerance(space))
    np.testing.assert_allclose(expected, [(0.01 + 0.27) / 4, 1.0], rtol=1e-6)


def test_the_inputs_root_mean_square_is_numpys(space):
    # Features in large units, whose largest magnitude is far from 1.
    X = np.random.RandomState(0).randn(30, 4) * [50.0, 3.0, 0.2, 1e3]
    X = X.astype(space.np_dtype)
    expected = float(np.sqrt(np.mean(X.astype(np.float64) ** 2)))
    assert input_rms(X) == pytest.approx(expected, rel=1e-6)
    got = input_rms(space.asarray(X), space.xp)
    assert got == pytest.approx(expected, rel=tolerance(space))
