"""Fuzzing fit: random bad inputs and parameters either train or raise a clear error.

Every case either fits, and then ``predict_proba`` on the training data gives finite
probabilities (rows summing to one, but for multilabel targets), or raises a
ValueError or TypeError (scikit-learn's ``InvalidParameterError`` is a ValueError).
No NumPy RuntimeWarning may escape. The cases are drawn from a seeded generator, and
the test stops drawing after a few seconds.
"""

import time
import traceback
import warnings

import numpy as np
import pytest

from skann import ANNClassifier

N_CASES = 1500
TIME_BUDGET_S = 4.0

#: Values for each parameter, in range and out of it.
PARAMS = {
    "hidden_size": [1, 3, (2, 2), (), 0, (0,), "a", (3, -1), [2], 2.5],
    "activation": ["relu", "tanh", "logistic", "identity", "softmax", "bogus"],
    "lr": [0.1, 1e3, 1e10, 1e300, -1.0, 0.0, 1e-300, np.nan, np.inf, "x"],
    "epochs": [1, 3, 0, -1, 2.5, None],
    "init_scale": [0.1, "auto", "data", 1e3, 1e200, 0.0, -1.0, np.nan],
    "solver": ["gd", "momentum", "adam", "lbfgs", "sgd"],
    "batch_size": [None, 1, 2, 0, 1000, -3],
    "shuffle": [True, False, "yes"],
    "momentum": [0.0, 0.9, 1.0, 1.5, -0.1],
    "nesterov": [True, False, 1],
    "beta_1": [0.0, 0.99, 1.0],
    "beta_2": [0.0, 0.999, 1.0],
    "epsilon": [1e-8, 1e-300, 0.0, 1e300],
    "lr_schedule": ["constant", "invscaling", "adaptive", "cosine"],
    "power_t": [0.5, 0.0, 50.0, -1.0],
    "alpha": [0.0, 1e-3, 1e10, 1e300, -1.0, np.inf],
    "tol": [None, 0.0, 1e-4, 1e300, -1.0],
    "n_iter_no_change": [1, 10, 0],
    "early_stopping": [True, False],
    "validation_fraction": [0.1, 0.5, 0.99, 0.0, 1.0],
    "class_weight": [
        None,
        "balanced",
        {0: 2.0},
        {0: -1.0},
        {0: 1e300, 1: 1e300},
        {0: 0.0, 1: 1.0},
        "auto",
    ],
    "warm_start": [True, False],
    "random_state": [0, 1, None, -1, "seed"],
}

X_KINDS = [
    "nan",
    "inf",
    "tiny",
    "float32",
    "float32-overflow",
    "huge",
    "max",
    "int",
    "bool",
    "object-str",
    "str",
    "1d",
    "3d",
    "complex",
    "object-none",
    "datetime",
    "list",
    "constant",
]
Y_KINDS = [
    "one-class",
    "strings",
    "wrong-length",
    "nan",
    "continuous",
    "multilabel",
    "column",
    "empty",
    "negative-labels",
]
WEIGHT_KINDS = [
    "ones",
    "negative",
    "huge",
    "max",
    "subnormal",
    "zeros",
    "nan",
    "inf",
    "wrong-length",
    "scalar",
    "some-zero",
    "float32-edge",
]


def pick(rng, values):
    return values[rng.randint(len(values))]


def make_X(rng):
    n = pick(rng, [0, 1, 2, 3, 5, 8, 20, 40, 40, 40, 40])
    n_features = pick(rng, [0, 1, 3, 3, 3])
    X = rng.randn(n, n_features)
    kind = "normal" if rng.rand() < 0.5 else pick(rng, X_KINDS)
    some = rng.rand(n, n_features) < 0.3
    if kind == "nan":
        X[some] = np.nan
    elif kind == "inf":
        X[some] = pick(rng, [np.inf, -np.inf])
    elif kind == "tiny":
        X = X * 1e-310
    elif kind == "float32":
        X = X.astype(np.float32)
    elif kind == "huge":
        X = X * 1e300
    elif kind == "max":
        X[some] = 1.7e308
    elif kind == "float32-overflow":
        with np.errstate(over="ignore"):
            X = (X * 3e38).astype(np.float32)
    elif kind == "int":
        X = (X * 10).astype(int)
    elif kind == "bool":
        X = X > 0
    elif kind == "object-str":
        X = X.astype(object)
        X[some] = "a"
    elif kind == "str":
        X = X.astype(str)
    elif kind == "1d":
        X = X.ravel()
    elif kind == "3d":
        X = X[:, :, np.newaxis]
    elif kind == "complex":
        X = X + 1j
    elif kind == "object-none":
        X = X.astype(object)
        X[some] = None
    elif kind == "datetime":
        X = (X * 100).astype("datetime64[s]")
    elif kind == "list":
        X = X.tolist()
    elif kind == "constant":
        X = np.ones_like(X)
    return X, n, kind


def make_y(rng, n):
    kind = pick(rng, ["binary", "multiclass"] if rng.rand() < 0.5 else Y_KINDS)
    if kind == "binary":
        return rng.randint(0, 2, n), kind
    if kind == "multiclass":
        return rng.randint(0, 4, n), kind
    if kind == "one-class":
        return np.zeros(n, dtype=int), kind
    if kind == "strings":
        return np.array(["a", "b", "c"])[rng.randint(0, 3, n)], kind
    if kind == "wrong-length":
        return rng.randint(0, 2, n + 1), kind
    if kind == "nan":
        y = rng.randint(0, 2, n).astype(float)
        y[:1] = np.nan
        return y, kind
    if kind == "continuous":
        return rng.randn(n), kind
    if kind == "multilabel":
        return rng.randint(0, 2, (n, 3)), kind
    if kind == "column":
        return rng.randint(0, 2, (n, 1)), kind
    if kind == "empty":
        return np.array([], dtype=int), kind
    return rng.randint(-2, 0, n), kind


def make_weights(rng, n):
    kind = pick(rng, ["none", "random"] if rng.rand() < 0.5 else WEIGHT_KINDS)
    weights = {
        "none": None,
        "random": rng.rand(n),
        "ones": np.ones(n),
        "negative": -np.ones(n),
        "huge": np.full(n, 1e300),
        "max": np.full(n, 1.7e308),
        "subnormal": np.full(n, 1e-320),
        "zeros": np.zeros(n),
        "nan": np.full(n, np.nan),
        "inf": np.full(n, np.inf),
        "wrong-length": np.ones(n + 2),
        "scalar": 3.0,
        "some-zero": (rng.rand(n) > 0.5).astype(float),
        "float32-edge": np.full(n, 1e36),
    }[kind]
    return weights, kind


def make_params(rng):
    params = {"epochs": pick(rng, [1, 2, 5])}
    for name, values in PARAMS.items():
        if rng.rand() < 0.15:
            params[name] = pick(rng, values)
    return params


def check_probabilities(clf, X):
    P = clf.predict_proba(X)
    assert np.isfinite(P).all(), "non-finite probabilities"
    assert ((P >= 0) & (P <= 1)).all(), "probabilities outside [0, 1]"
    if clf._label_type != "multilabel":
        np.testing.assert_allclose(P.sum(axis=1), 1, rtol=1e-4)


def run_case(rng):
    """Draw and run one case; return ``(description, outcome, traceback)``."""
    X, n, x_kind = make_X(rng)
    y, y_kind = make_y(rng, n)
    sample_weight, w_kind = make_weights(rng, n)
    params = make_params(rng)
    case = {"X": x_kind, "n": n, "y": y_kind, "w": w_kind, "params": params}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", RuntimeWarning)
        try:
            clf = ANNClassifier(**params).fit(X, y, sample_weight=sample_weight)
        except (ValueError, TypeError):
            return case, "refused", None
        except Exception:
            return case, "crashed", traceback.format_exc(limit=-3)
        try:
            check_probabilities(clf, X)
        except Exception:
            return case, "bad model", traceback.format_exc(limit=-3)
    return case, "fitted", None


@pytest.mark.parametrize("seed", [0, 1])
def test_fit_trains_or_refuses_clearly(seed):
    rng = np.random.RandomState(seed)
    outcomes, failures = {}, []
    start = time.perf_counter()
    for _ in range(N_CASES):
        if time.perf_counter() - start > TIME_BUDGET_S / 2:
            break
        case, outcome, trace = run_case(rng)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if trace is not None:
            failures.append(f"{case}\n{trace}")
    assert not failures, "\n\n".join(failures[:5])
    # The random space keeps both kinds of case, however fast the machine.
    assert outcomes.get("fitted", 0) >= 20 and outcomes.get("refused", 0) >= 20
