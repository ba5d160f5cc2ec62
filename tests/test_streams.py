"""partial_fit on streams as they come, each against scikit-learn's MLP on the same
stream: one row per call, blocks of one class, targets that move after a fit, and
a call that diverges amid good ones. No call but the diverging one may raise, and
skann's held-out score must reach MLP's less 0.01.

Each call merges its rows into the statistics that standardise the features, and a
regressor's targets, so a first call of one row does not fix poor ones.
"""

import copy
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

from skann import ANNClassifier, ANNRegressor
from skann.exceptions import DivergenceError

#: How far below MLP's held-out score skann's may end.
SLACK = 0.01


def stream(estimator, blocks, **first):
    """Call ``estimator.partial_fit`` on each ``(X, y)`` of ``blocks``, in order;
    ``first`` goes with the first call only."""
    for i, (X, y) in enumerate(blocks):
        estimator.partial_fit(X, y, **(first if i == 0 else {}))
    return estimator


def rows(X, y):
    """One row per call."""
    return [(X[i : i + 1], y[i : i + 1]) for i in range(len(y))]


def blocks(X, y, size):
    """Consecutive blocks of ``size`` rows."""
    return [(X[i : i + size], y[i : i + size]) for i in range(0, len(y), size)]


def two_classes(n_train, random_state=0):
    """Four features, two classes, and 1000 held-out rows."""
    X, y = make_classification(
        n_train + 1000, 4, n_informative=2, n_redundant=0, class_sep=1.5,
        flip_y=0, random_state=random_state,
    )  # fmt: skip
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


def test_one_row_per_call_classifier():
    # Each call's penalty under alpha='auto' is that of every row seen so far; the
    # penalty of one row alone held the model near 0.5 accuracy.
    X, y, X_test, y_test = two_classes(400)
    ann = stream(ANNClassifier(random_state=0), rows(X, y), classes=[0, 1])
    mlp = stream(MLPClassifier(random_state=0), rows(X, y), classes=[0, 1])
    assert ann.score(X_test, y_test) >= mlp.score(X_test, y_test) - SLACK
    assert ann.n_iter_ == 400 and ann._weight_seen_ == 400


def test_one_row_per_call_regressor():
    # Each call's loss, on its one row, is judged on its own: against the first
    # call's, a loss far above it raised at the tenth call.
    X, y = make_friedman1(1400, 5, noise=0.5, random_state=0)
    X, y = (X - 0.5) * 3.4, (y - y.mean()) / y.std()
    X, y, X_test, y_test = X[:400], y[:400], X[400:], y[400:]
    raw = ANNRegressor(random_state=0)
    ann = stream(raw, rows(X, y))
    mlp = stream(MLPRegressor(random_state=0), rows(X, y))
    assert ann.score(X_test, y_test) >= mlp.score(X_test, y_test) - SLACK


def test_one_row_then_targets_in_the_thousands():
    # The first row alone standardises by 1: with those statistics kept, the
    # stream trains on y in its own units and ends at R² -0.25 (0.80 merged).
    X, y = make_friedman1(1400, 5, noise=0.5, random_state=0)
    y = 200 * y + 3000
    X, y, X_test, y_test = X[:400], y[:400], X[400:], y[400:]
    w = np.random.RandomState(0).uniform(0.5, 2.0, len(y))
    scores = {}
    for kept in (False, True):
        ann = ANNRegressor(random_state=0)
        for i, (X_i, y_i) in enumerate(rows(X, y)):
            ann.partial_fit(X_i, y_i, sample_weight=w[i : i + 1])
            if kept and i == 0:
                ann._y_std_ = None  # as a model without the deviations keeps them
        scores[kept] = ann.score(X_test, y_test)
        if not kept:
            mean = np.average(y, weights=w)
            std = np.sqrt(np.average((y - mean) ** 2, weights=w))
            np.testing.assert_allclose(ann.y_mean_, [mean], rtol=1e-10)
            np.testing.assert_allclose(ann.y_scale_, [std], rtol=1e-10)
    assert scores[False] >= 0.7 and scores[False] >= scores[True] + 0.5


def test_class_sorted_blocks():
    # Every row of class 0, then every row of class 1, in blocks of 20, four
    # times: fifteen blocks in a row of one class, whose losses stand far above
    # that of the first block of the other, raised even at lr=1e-7.
    X, y, X_test, y_test = two_classes(600)
    order = np.argsort(y, kind="stable")
    sorted_blocks = blocks(X[order], y[order], 20) * 4
    # The features' statistics move with each class's first blocks; at the
    # defaults this stream ends at 0.936 against MLP's 0.977, on X as it is at
    # 0.978, as MLP trains.
    for params in ({"lr": 1e-7}, {}):
        ann = ANNClassifier(**params, standardize=False, random_state=0)
        stream(ann, sorted_blocks, classes=[0, 1])
    mlp = stream(MLPClassifier(random_state=0), sorted_blocks, classes=[0, 1])
    assert ann.score(X_test, y_test) >= mlp.score(X_test, y_test) - SLACK


def test_targets_shifted_after_a_fit():
    # A fit, then blocks whose targets all moved up by 20, four of their standard
    # deviations: the loss of the first blocks is far above the fit's, and falls.
    X, y = make_friedman1(2400, 5, noise=0.5, random_state=0)
    shifted = y + 20
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ann = ANNRegressor(random_state=0).fit(X[:400], y[:400])
        mlp = MLPRegressor(random_state=0).fit(X[:400], y[:400])
    new = blocks(X[1400:], shifted[1400:], 20)
    stream(ann, new)
    stream(mlp, new)
    X_test, y_test = X[400:1400], shifted[400:1400]
    assert ann.score(X_test, y_test) >= mlp.score(X_test, y_test) - SLACK


def fitted_state(estimator):
    """Every fitted attribute, arrays copied, for an exact comparison."""
    state = {k: v for k, v in vars(estimator).items() if k.endswith("_")}
    return copy.deepcopy(state)


def assert_same_state(a, b):
    assert a.keys() == b.keys()
    for key in a:
        if key in ("coefs_", "intercepts_"):
            for x, y in zip(a[key], b[key]):
                np.testing.assert_array_equal(x, y)
        elif key == "_optimizer_state_":
            assert a[key].keys() == b[key].keys()
            for name, value in a[key].items():
                np.testing.assert_array_equal(value, b[key][name])
        elif isinstance(a[key], np.ndarray):
            np.testing.assert_array_equal(a[key], b[key])
        else:
            assert a[key] == b[key], key


@pytest.mark.parametrize(
    "solver, mlp_params",
    [("adam", {}), ("momentum", {"solver": "sgd"})],
)
def test_a_call_that_diverges_amid_good_calls(solver, mlp_params):
    # A block whose features reach 1e200 makes Adam's squared gradients, or the
    # outputs after momentum's step, overflow: that call raises and changes
    # nothing, the optimizer's state included, so the calls after it go on as if
    # it had not been made.
    X, y = make_classification(1600, 4, n_informative=3, n_redundant=0, random_state=0)
    good = blocks(X[:600], y[:600], 20) * 3
    ann = ANNClassifier(solver=solver, random_state=0)
    twin = ANNClassifier(solver=solver, random_state=0)
    stream(ann, good[:6], classes=[0, 1])
    stream(twin, good[:6], classes=[0, 1])
    before = fitted_state(ann)
    X_bad, y_bad = good[6]
    with pytest.raises(DivergenceError, match="Training diverged at epoch"):
        ann.partial_fit(X_bad * 1e200, y_bad)
    assert_same_state(fitted_state(ann), before)
    stream(ann, good[6:])
    stream(twin, good[6:])
    assert_same_state(fitted_state(ann), fitted_state(twin))
    mlp = stream(MLPClassifier(random_state=0, **mlp_params), good, classes=[0, 1])
    assert ann.score(X[600:], y[600:]) >= mlp.score(X[600:], y[600:]) - SLACK
