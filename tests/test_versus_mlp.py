"""Cross-validated accuracy against MLPClassifier at its defaults, in the same run."""

import warnings

import pytest
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_val_score
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skann import ANNClassifier

# Modestly tuned settings, one line per data set (all with random_state=0); every
# setting they rely on is given.
SETTINGS = {
    "breast_cancer": dict(
        hidden_size=64,
        solver="gd",
        lr=0.1,
        alpha=0.01,
        epochs=500,
        init_scale="auto",
        batch_size=None,
        tol=None,
    ),
    "digits": dict(
        hidden_size=64,
        solver="adam",
        lr=0.01,
        alpha=1e-3,
        batch_size=32,
        epochs=50,
        init_scale="auto",
        tol=None,
    ),
    "wine": dict(
        hidden_size=16,
        solver="lbfgs",
        alpha=0.1,
        epochs=200,
        init_scale="auto",
        tol=None,
    ),
    "iris": dict(
        hidden_size=100,
        solver="adam",
        lr=0.003,
        alpha=0.1,
        batch_size=32,
        epochs=100,
        init_scale="auto",
        tol=None,
    ),
}
LOADERS = {
    "breast_cancer": load_breast_cancer,
    "digits": load_digits,
    "wine": load_wine,
    "iris": load_iris,
}


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_cross_val_accuracy_at_least_mlp_defaults(name):
    X, y = LOADERS[name](return_X_y=True)
    ours = make_pipeline(
        StandardScaler(), ANNClassifier(random_state=0, **SETTINGS[name])
    )
    theirs = make_pipeline(StandardScaler(), MLPClassifier(random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ann = cross_val_score(ours, X, y, cv=5).mean()
        mlp = cross_val_score(theirs, X, y, cv=5).mean()
    # Shown with pytest -s: the two scores side by side.
    print(f"{name}: ANNClassifier {ann:.4f}, MLPClassifier {mlp:.4f}")  # noqa: T201
    assert ann >= mlp


def test_defaults_beat_mlp_defaults_on_raw_features():
    # Wine's features span four orders of magnitude: at the defaults the first
    # layer starts scaled to them (init_scale='data'), not MLPClassifier's.
    X, y = load_wine(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ann = cross_val_score(ANNClassifier(random_state=0), X, y, cv=5).mean()
        mlp = cross_val_score(MLPClassifier(random_state=0), X, y, cv=5).mean()
    print(f"raw wine: ANNClassifier {ann:.4f}, MLPClassifier {mlp:.4f}")  # noqa: T201
    assert ann > mlp
