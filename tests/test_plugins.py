"""An activation, a loss and an optimizer of one's own, passed as objects or added
to the registries: the user guide's three examples, their derivatives and rules,
and estimators holding them cloned, pickled, searched, streamed and run under
``array_api_dispatch``.
"""

import importlib
import pickle
import re
import sys
from pathlib import Path

import numpy as np
import pytest
import sklearn
from array_spaces import SPACES, assert_lives_in, tolerance
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError
from test_array_api import to_host

from skann import ANNClassifier, ANNRegressor
from skann._core.activations import ACTIVATIONS
from skann._core.losses import LOSSES
from skann._core.network import Network
from skann._core.optimizers import OPTIMIZERS
from skann._memory import too_large
from skann.plugins import Activation, Optimizer, RegressionLoss

DOCS = Path(__file__).resolve().parents[1] / "docs" / "user_guide"
EXAMPLES = DOCS / "plugins"
sys.path.insert(0, str(EXAMPLES))
silu, huber, rmsprop = (
    importlib.import_module(n) for n in ("silu", "huber", "rmsprop")
)
SiLU, Huber, RMSprop = silu.SiLU, huber.Huber, rmsprop.RMSprop

#: Quick settings of a network that the three plug-ins each change.
FAST = dict(hidden_size=6, epochs=20, lr=0.01, random_state=0, tol=None)


def _classification():
    return make_classification(80, 5, n_informative=3, random_state=0)


def _regression():
    X, y = make_regression(80, 5, noise=1.0, random_state=0)
    return X, y


#: Each plug-in in an estimator of the quick settings, and its data.
CASES = {
    "silu": lambda: (ANNClassifier(activation=SiLU(), **FAST), *_classification()),
    "huber": lambda: (ANNRegressor(loss=Huber(delta=0.5), **FAST), *_regression()),
    "rmsprop": lambda: (
        ANNClassifier(solver=RMSprop(rho=0.8), **FAST),
        *_classification(),
    ),
}
PARAM = {"silu": "activation", "huber": "loss", "rmsprop": "solver"}


def _weights(est):
    return [to_host(a) for a in (*est.coefs_, *est.intercepts_)]


def _assert_same_weights(a, b, atol=0.0):
    for u, v in zip(_weights(a), _weights(b), strict=True):
        np.testing.assert_allclose(u, v, rtol=0, atol=atol)


# The examples as the user guide shows them ---------------------------------------


def test_each_example_fits_and_predicts_well():
    assert silu.clf.predict(silu.X).shape == silu.y.shape
    assert silu.accuracy > 0.8  # two classes of equal size: 0.5 by chance
    assert rmsprop.clf.score(rmsprop.X, rmsprop.y) > 0.95  # ten classes
    assert rmsprop.clf.predict(rmsprop.X[:3]).shape == (3,)


def test_huber_example_resists_its_outliers_better_than_the_squared_error():
    X, y = huber.X, huber.y
    inliers = np.ones(len(y), dtype=bool)
    inliers[::20] = False  # the rows the example moved by 1000
    settings = huber.reg.get_params(deep=False) | {"loss": "squared_error"}
    squared = ANNRegressor(**settings).fit(X, y)
    error = {
        name: np.abs(est.predict(X[inliers]) - y[inliers]).mean()
        for name, est in (("huber", huber.reg), ("squared", squared))
    }
    assert error["huber"] < 0.5 * error["squared"]


def test_examples_are_short_and_the_page_includes_each():
    page = (DOCS / "plugins.rst").read_text()
    included = re.findall(r"\.\. literalinclude:: plugins/(\w+\.py)", page)
    assert sorted(included) == ["huber.py", "rmsprop.py", "silu.py"]
    for name in included:
        assert len((EXAMPLES / name).read_text().splitlines()) < 30
    toctree = (DOCS / "index.rst").read_text()
    assert "\n   plugins\n" in toctree.split(".. toctree::")[1]


# Their derivatives and rules ------------------------------------------------------


def test_silu_derivative_matches_central_finite_differences():
    Z = np.linspace(-30, 30, 241).reshape(-1, 1) + np.array([[0.0, 0.013]])
    act, h = SiLU(), 1e-6
    A = act.forward(Z.copy(), np)
    np.testing.assert_allclose(A, Z / (1 + np.exp(-Z)), rtol=1e-12, atol=1e-12)
    dA = np.random.RandomState(0).randn(*Z.shape)
    numeric = dA * (act.forward(Z + h, np) - act.forward(Z - h, np)) / (2 * h)
    np.testing.assert_allclose(act.derivative(Z, A, dA.copy(), np), numeric, atol=1e-8)


def test_silu_network_gradient_matches_central_finite_differences(rng):
    X, Y = rng.randn(10, 3), np.eye(3)[rng.randint(3, size=10)]
    loss = LOSSES["categorical_cross_entropy"]
    net = Network.initialize((3, 4, 3), SiLU(), "softmax", 0.8, rng)
    net.backward(loss.gradient(Y, net.forward(X)))
    grads, numeric, h = net.grads.copy(), np.empty_like(net.params), 1e-6
    for i in range(net.params.size):
        saved = net.params[i]
        net.params[i] = saved + h
        up = loss.loss(Y, net.forward(X))
        net.params[i] = saved - h
        numeric[i] = (up - loss.loss(Y, net.forward(X))) / (2 * h)
        net.params[i] = saved
    assert np.abs(grads - numeric).max() / np.abs(numeric).max() < 1e-6


@pytest.mark.parametrize("weighted", [False, True])
def test_huber_gradient_matches_central_finite_differences(rng, weighted):
    loss, h = Huber(delta=0.7), 1e-6
    Y = rng.randn(15, 2)
    P = Y + rng.uniform(-2, 2, Y.shape)  # both sides of delta, on both branches
    w = rng.uniform(0.2, 3.0, 15) if weighted else None
    numeric = np.empty_like(P)
    for i in np.ndindex(P.shape):
        up, down = P.copy(), P.copy()
        up[i] += h
        down[i] -= h
        numeric[i] = (loss.loss(Y, up, w) - loss.loss(Y, down, w)) / (2 * h)
    np.testing.assert_allclose(loss.gradient(Y, P, w), numeric, rtol=0, atol=1e-9)


def test_huber_is_half_the_square_inside_delta_and_linear_beyond():
    Y, P = np.zeros((3, 1)), np.array([[0.5], [-2.0], [3.0]])
    expected = [0.5 * 0.5**2, 1.0 * (2.0 - 0.5), 1.0 * (3.0 - 0.5)]
    assert Huber(delta=1.0).loss(Y, P) == pytest.approx(np.mean(expected))


def test_rmsprop_follows_its_formula_over_several_steps(rng):
    rho, eps, lr = 0.8, 1e-3, 0.05
    template = RMSprop(rho=rho, epsilon=eps)
    opt = template.fresh(lr)
    params, expected, s = rng.randn(6), None, np.zeros(6)
    expected = params.copy()
    for _ in range(4):
        g = rng.randn(6)
        opt.update(params, g)
        s = rho * s + (1 - rho) * g * g
        expected -= lr * g / (np.sqrt(s) + eps)
        np.testing.assert_allclose(params, expected, rtol=1e-13)
    np.testing.assert_allclose(opt.get_state()["s"], s, rtol=1e-13)
    assert template.s is None and template.lr is None  # the template never changes


def test_the_estimators_lr_drives_the_plug_in_optimizer():
    X, y = _classification()
    fitted = [
        ANNClassifier(
            solver=RMSprop(), **FAST | {"lr": lr, "lr_schedule": "constant"}
        ).fit(X, y)
        for lr in (0.01, 0.02)
    ]
    assert [est._optimizer_state_["lr"] for est in fitted] == [0.01, 0.02]
    assert np.abs(fitted[0].coefs_[0] - fitted[1].coefs_[0]).max() > 1e-3


# Estimators holding them ----------------------------------------------------------


@pytest.mark.parametrize("case", sorted(CASES))
def test_clone_and_refit_get_the_same_model_and_leave_the_object_unchanged(case):
    est, X, y = CASES[case]()
    plug_in = getattr(est, PARAM[case])
    before = repr(vars(plug_in))
    twin = clone(est)
    assert getattr(twin, PARAM[case]) is not plug_in
    assert repr(getattr(twin, PARAM[case])) == repr(plug_in)
    est.fit(X, y)
    first = _weights(est)
    est.fit(X, y)
    _assert_same_weights(est, twin.fit(X, y))
    for a, b in zip(first, _weights(est)):
        np.testing.assert_array_equal(a, b)
    assert repr(vars(plug_in)) == before


@pytest.mark.parametrize("case", sorted(CASES))
def test_pickled_estimators_predict_alike_and_continue(case):
    est, X, y = CASES[case]()
    est.fit(X, y)
    loaded = pickle.loads(pickle.dumps(est))
    assert type(getattr(loaded, PARAM[case])) is type(getattr(est, PARAM[case]))
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    # Both resume the same optimizer state, and so stay alike.
    _assert_same_weights(est.partial_fit(X, y), loaded.partial_fit(X, y))


@pytest.mark.parametrize("case", sorted(CASES))
def test_skops_round_trip_trusting_the_plug_in(case):
    sio = pytest.importorskip("skops.io")
    est, X, y = CASES[case]()
    data = sio.dumps(est.fit(X, y))
    untrusted = sio.get_untrusted_types(data=data)
    plug_in = type(getattr(est, PARAM[case]))
    assert f"{plug_in.__module__}.{plug_in.__qualname__}" in untrusted
    loaded = sio.loads(data, trusted=untrusted)
    assert repr(getattr(loaded, PARAM[case])) == repr(getattr(est, PARAM[case]))
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    _assert_same_weights(est.partial_fit(X, y), loaded.partial_fit(X, y))


def test_grid_search_over_two_activation_objects():
    X, y = _classification()

    class Softsign(Activation):
        def forward(self, Z, xp):
            return Z / (1 + xp.abs(Z))

        def derivative(self, Z, A, dA, xp):
            return dA / (1 + xp.abs(Z)) ** 2

    candidates = [SiLU(), Softsign()]
    search = GridSearchCV(ANNClassifier(**FAST), {"activation": candidates}, cv=3)
    search.fit(X, y)
    assert [repr(a) for a in search.cv_results_["param_activation"]] == [
        "SiLU()",
        "Softsign()",
    ]
    assert type(search.best_estimator_.activation) in (SiLU, Softsign)
    assert search.best_estimator_.activation not in candidates  # a clone's
    assert search.score(X, y) > 0.5


@pytest.mark.parametrize(
    "case, grid",
    [("huber", {"loss__delta": [0.3, 3.0]}), ("rmsprop", {"solver__rho": [0.5, 0.99]})],
)
def test_grid_search_over_a_plug_ins_hyperparameter(case, grid):
    est, X, y = CASES[case]()
    before = getattr(est, PARAM[case]).get_params()
    search = GridSearchCV(est, grid, cv=3).fit(X, y)
    ((name, values),) = grid.items()
    assert list(search.cv_results_[f"param_{name}"]) == values
    scores = search.cv_results_["mean_test_score"]
    assert scores[0] != scores[1]  # the hyperparameter reached the engine
    assert getattr(est, PARAM[case]).get_params() == before


class _Counted(RMSprop):
    """RMSprop that also counts its steps in its state."""

    def __init__(self, rho=0.9, epsilon=1e-8):
        super().__init__(rho, epsilon)
        self.t = 0

    def update(self, params, grads):
        super().update(params, grads)
        self.t += 1

    def get_state(self):
        return {**super().get_state(), "t": self.t}

    def set_state(self, state):
        super().set_state(state)
        self.t = state["t"]


def test_partial_fit_resumes_the_plug_in_optimizers_state():
    X, y = _classification()
    template = _Counted(rho=0.8)
    est = ANNClassifier(solver=template, **FAST | {"batch_size": 20})
    for _ in range(3):
        est.partial_fit(X, y, classes=[0, 1])
    assert est._optimizer_state_["t"] == 3 * 4
    assert template.t == 0 and template.s is None
    # A new object of other hyperparameters starts afresh.
    est.set_params(solver=_Counted(rho=0.5)).partial_fit(X, y)
    assert est._optimizer_state_["t"] == 4


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("name", ["torch-cpu-float64", "torch-cuda-float32"])
def test_plug_ins_run_under_array_api_dispatch(case, name):
    space = SPACES[name]()
    est, X, y = CASES[case]()
    reference = clone(est).fit(X, y)
    with sklearn.config_context(array_api_dispatch=True):
        Xs, ys = space.asarray(X), space.asarray(y)
        est.fit(Xs, ys)
        assert_lives_in(est.coefs_[0], space)
        _assert_same_weights(est, reference, atol=tolerance(space) * 1e3)
        assert_lives_in(est.predict(Xs), space)
        est.partial_fit(Xs, ys)
        loaded = pickle.loads(pickle.dumps(est))
        predicted = to_host(est.predict(Xs))
        np.testing.assert_array_equal(to_host(loaded.predict(Xs)), predicted)
        reference.partial_fit(X, y)
    _assert_same_weights(est, reference, atol=tolerance(space) * 1e3)


# Registries and validation --------------------------------------------------------


class _Signum(Optimizer):
    """Signum: ``v = momentum v + (1 - momentum) g``, ``W -= lr sign(v)``."""

    name = "signum"
    estimator_params = ("momentum",)

    def __init__(self, momentum=0.9):
        self.momentum, self.v = momentum, None

    def update(self, params, grads):
        v = self.xp.zeros_like(params) if self.v is None else self.v
        self.v = self.momentum * v + (1 - self.momentum) * grads
        params -= self.lr * self.xp.sign(self.v)

    def get_state(self):
        return {"v": self.v}

    def set_state(self, state):
        self.v = self.copied(state.get("v"))

    def rescale(self, factors):
        self.v = None if self.v is None else self.v / factors


def test_an_optimizer_added_to_the_registry_fits_by_name_and_as_an_object(monkeypatch):
    X, y = _classification()
    monkeypatch.setitem(OPTIMIZERS, "signum", _Signum)
    by_name = ANNClassifier(solver="signum", momentum=0.5, **FAST).fit(X, y)
    as_object = ANNClassifier(solver=_Signum(momentum=0.5), **FAST).fit(X, y)
    _assert_same_weights(by_name, as_object)
    other = ANNClassifier(solver="signum", momentum=0.0, **FAST).fit(X, y)
    assert np.abs(other.coefs_[0] - by_name.coefs_[0]).max() > 1e-3
    with pytest.raises(InvalidParameterError, match="'signum'"):
        ANNClassifier(solver="nope").fit(X, y)


def test_an_activation_and_a_loss_added_to_the_registries_are_options(monkeypatch):
    monkeypatch.setitem(ACTIVATIONS, "silu", SiLU())
    monkeypatch.setitem(LOSSES, "huber", Huber())
    X, y = _classification()
    by_name = ANNClassifier(activation="silu", **FAST).fit(X, y)
    _assert_same_weights(by_name, ANNClassifier(activation=SiLU(), **FAST).fit(X, y))
    X, y = _regression()
    by_name = ANNRegressor(loss="huber", **FAST).fit(X, y)
    _assert_same_weights(by_name, ANNRegressor(loss=Huber(), **FAST).fit(X, y))


@pytest.mark.parametrize(
    "est, param, expected",
    [
        (ANNClassifier(), {"activation": 3}, "skann.plugins.Activation"),
        (ANNClassifier(), {"activation": Huber()}, "skann.plugins.Activation"),
        (ANNClassifier(), {"solver": SiLU()}, "skann.plugins.Optimizer"),
        (ANNRegressor(), {"loss": SiLU()}, "skann.plugins.RegressionLoss"),
    ],
)
def test_objects_of_the_wrong_kind_are_refused_as_scikit_learn_refuses(
    est, param, expected
):
    X, y = _classification()
    ((name, value),) = param.items()
    with pytest.raises(
        InvalidParameterError,
        match=rf"The '{name}' parameter of {type(est).__name__} must be a str among "
        rf".* or an instance of '{expected}'. Got {re.escape(repr(value))} instead.",
    ):
        est.set_params(**param).fit(X, y)


def test_the_memory_check_counts_an_optimizer_of_ones_own():
    dtype = np.dtype(np.float64)
    message = too_large((10, 5, 2), 5, dtype, 100, solver=RMSprop())
    assert "solver=RMSprop(epsilon=1e-08, rho=0.9)" in message
    assert "its state" in message


def test_plug_in_repr_and_params_come_from_init():
    assert repr(Huber(delta=2.0)) == "Huber(delta=2.0)"
    assert RMSprop(rho=0.5).get_params() == {"epsilon": 1e-8, "rho": 0.5}
    with pytest.raises(ValueError, match="Invalid parameter 'beta' for RMSprop"):
        RMSprop().set_params(beta=0.5)
    assert RMSprop().set_params(rho=0.5).key() == RMSprop(rho=0.5).key()
    assert RMSprop(rho=0.5).key() != RMSprop().key() != _Counted().key()


class Counts(RegressionLoss):
    """The Poisson log-likelihood without its constant, on counts only."""

    output_activation = "exp"
    positive_only = True

    def terms(self, Y, P, xp):
        return P - Y * xp.log(P)

    def check_targets(self, Y):
        if np.any(Y < 0):
            raise ValueError("Counts takes counts, not negative targets.")


def test_a_loss_refuses_the_targets_it_is_not_defined_on_and_tags_them():
    rng = np.random.RandomState(0)
    X = rng.randn(60, 3)
    y = rng.poisson(np.exp(X[:, 0]))
    reg = ANNRegressor(loss=Counts(), **FAST).fit(X, y)
    before = [W.copy() for W in reg.coefs_]
    with pytest.raises(ValueError, match="Counts takes counts"):
        reg.fit(X, y - 1.0)
    for W, W_before in zip(reg.coefs_, before):
        np.testing.assert_array_equal(W, W_before)
    tags = {
        loss: ANNRegressor(loss=loss).__sklearn_tags__().target_tags.positive_only
        for loss in ("squared_error", "poisson", "quantile")
    }
    assert tags == {"squared_error": False, "poisson": True, "quantile": False}
    assert reg.__sklearn_tags__().target_tags.positive_only
    assert not ANNRegressor(loss=Huber()).__sklearn_tags__().target_tags.positive_only
