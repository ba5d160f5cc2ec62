"""ANNClassifier where it stands in for MLPClassifier: each behaviour beside MLP's.

Most tests run both estimators the same way and compare. A huge ``tol`` makes every
epoch after the first one without improvement, so the epoch at which a plateau
stops training depends on the counting rule alone, not on the weights.
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neural_network import MLPClassifier
from textbook_settings import textbook_classifier

NEVER_IMPROVES = 1e9


@pytest.fixture
def data(rng):
    X = rng.randn(80, 4)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    return X, y


def pair(**common):
    """An ANNClassifier and an MLPClassifier, both full-batch gradient descent."""
    ann = textbook_classifier(5, lr=0.1, random_state=0, **common)
    mlp = MLPClassifier(
        5,
        solver="sgd",
        momentum=0.0,
        learning_rate_init=0.1,
        batch_size="auto",  # every row of the 80, at once
        random_state=0,
        **{"max_iter" if k == "epochs" else k: v for k, v in common.items()},
    )
    return ann, mlp


def quiet_fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


def test_partial_fit_refuses_early_stopping_like_mlp(data):
    X, y = data
    ann, mlp = pair(early_stopping=True)
    for clf in (ann, mlp):
        with pytest.raises(
            ValueError, match="partial_fit does not support early_stopping=True"
        ):
            clf.partial_fit(X, y, classes=[0, 1])
    # Unlike MLP, which keeps the weights it drew before raising.
    assert not hasattr(ann, "coefs_")


def test_partial_fit_is_hidden_for_lbfgs_like_mlp(data):
    X, y = data
    for solver, mlp_solver in [("lbfgs", "lbfgs"), ("adam", "adam")]:
        ann = textbook_classifier(solver=solver)
        mlp = MLPClassifier(solver=mlp_solver)
        assert hasattr(ann, "partial_fit") == hasattr(mlp, "partial_fit")
        assert hasattr(OneVsRestClassifier(ann), "partial_fit") == hasattr(
            OneVsRestClassifier(mlp), "partial_fit"
        )
    assert not hasattr(textbook_classifier(solver="lbfgs"), "partial_fit")
    with pytest.raises(AttributeError) as info:
        textbook_classifier(solver="lbfgs").partial_fit(X, y, classes=[0, 1])
    # The reason travels as the cause, shown in the traceback.
    assert "solver='lbfgs', which needs the whole data set" in str(info.value.__cause__)
    clf = textbook_classifier(solver="lbfgs").set_params(solver="adam")
    assert clf.partial_fit(X, y, classes=[0, 1]).n_iter_ == 1


def test_n_iter_no_change_inf_never_stops_like_mlp(data):
    X, y = data
    ann, mlp = pair(epochs=30, tol=NEVER_IMPROVES, n_iter_no_change=np.inf)
    for clf in (ann, mlp):
        with pytest.warns(ConvergenceWarning):
            clf.fit(X, y)
    assert ann.n_iter_ == mlp.n_iter_ == 30


@pytest.mark.parametrize("n_iter_no_change", [1, 4])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_plateau_comes_after_n_iter_no_change_plus_one_like_mlp(
    data, n_iter_no_change, early_stopping
):
    X, y = data
    ann, mlp = pair(
        epochs=100,
        tol=NEVER_IMPROVES,
        n_iter_no_change=n_iter_no_change,
        early_stopping=early_stopping,
        validation_fraction=0.25,
    )
    ann.fit(X, y), mlp.fit(X, y)
    # The first epoch improves on nothing; n + 1 more without improvement stop.
    assert ann.n_iter_ == mlp.n_iter_ == n_iter_no_change + 2


@pytest.mark.parametrize("n_iter_no_change", [1, 3])
def test_adaptive_schedule_counts_plateaus_like_mlp(data, n_iter_no_change):
    X, y = data
    ann, mlp = pair(epochs=200, tol=NEVER_IMPROVES, n_iter_no_change=n_iter_no_change)
    mlp.set_params(learning_rate="adaptive")
    ann.set_params(lr_schedule="adaptive")
    ann.fit(X, y), mlp.fit(X, y)
    # 0.1 is divided by 5 eight times before it is at or below 1e-6.
    assert (
        ann.n_iter_ == mlp.n_iter_ == n_iter_no_change + 2 + 8 * (n_iter_no_change + 1)
    )
    assert ann._optimizer_state_["lr"] == pytest.approx(mlp._optimizer.learning_rate)


def test_partial_fit_refuses_other_classes_later_like_mlp(data):
    X, y = data
    for clf in pair():
        clf.partial_fit(X, y, classes=[0, 1])
        clf.partial_fit(X, y, classes=[1, 0, 1])  # the same classes
        before = [W.copy() for W in clf.coefs_]
        with pytest.raises(ValueError, match="is not the same as on last call"):
            clf.partial_fit(X, y, classes=[0, 1, 2])
        for W, W_before in zip(clf.coefs_, before):
            np.testing.assert_array_equal(W, W_before)
    ann = textbook_classifier(epochs=2).fit(X, y)
    with pytest.raises(ValueError, match="is not the same as on last call"):
        ann.partial_fit(X, y, classes=[0, 1, 2])


def test_fitted_attributes_over_warm_starts_beside_mlp(data):
    X, y = data
    n = 2
    ann, mlp = pair(
        epochs=100,
        tol=NEVER_IMPROVES,
        n_iter_no_change=n,
        warm_start=True,
        early_stopping=True,
        validation_fraction=0.25,
    )
    for _ in range(2):
        ann.fit(X, y), mlp.fit(X, y)
    # Matched: best_loss_ is None under early stopping, and the validation scores
    # run over both calls, as loss_curve_ does.
    assert ann.best_loss_ is None and mlp.best_loss_ is None
    assert len(ann.validation_scores_) == len(ann.loss_curve_)
    assert len(mlp.validation_scores_) == len(mlp.loss_curve_)
    assert len(ann.validation_loss_curve_) == len(ann.loss_curve_)
    # Kept on purpose: each fit counts its plateau afresh (MLP carries the count
    # over and stops the second fit after one epoch), and n_iter_ counts both
    # calls, so that it stays len(loss_curve_).
    assert len(ann.loss_curve_) == ann.n_iter_ == 2 * (n + 2)
    assert len(mlp.loss_curve_) == n + 3 and mlp.n_iter_ == 1
    # Kept on purpose: best_validation_score_ scores the epoch the last fit kept.
    last = ann.validation_loss_curve_[n + 2 :]
    assert (
        ann.best_validation_score_
        == ann.validation_scores_[n + 2 + int(np.argmin(last))]
    )
    # Without early stopping, best_loss_ is the lowest training loss in both.
    for clf in pair(epochs=5):
        quiet_fit(clf, X, y)
        assert clf.best_loss_ == min(clf.loss_curve_)


def test_lbfgs_ignores_early_stopping_like_mlp(data):
    X, y = data
    plain = textbook_classifier(5, solver="lbfgs", epochs=20, random_state=0).fit(X, y)
    held = textbook_classifier(
        5, solver="lbfgs", epochs=20, early_stopping=True, random_state=0
    ).fit(X, y)
    for W_plain, W_held in zip(plain.coefs_, held.coefs_):
        np.testing.assert_array_equal(W_plain, W_held)
    assert held.validation_scores_ is None and held.best_validation_score_ is None
