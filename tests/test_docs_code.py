"""Every piece of code the docs show with ``:pyobject:`` runs when skann trains.

The user guide includes functions and classes straight from the source; this test
finds each one and checks that a representative set of fits and predictions calls
it (for a class, each method it defines), so the docs never show code that
training does not run.
"""

import importlib
import inspect
import re
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import make_classification

from skann import TEXTBOOK, ANNClassifier, ANNRegressor

DOCS = Path(__file__).resolve().parents[1] / "docs"
INCLUDE = re.compile(
    r"\.\. literalinclude:: (?P<path>[^\n]*?skann/[^\n]+\.py)\n"
    r"(?:[ \t]+:[^\n]*\n)*?[ \t]+:pyobject: (?P<name>\S+)"
)


def shown_objects():
    """``(module, qualified name)`` of every object the docs include."""
    found = set()
    for page in sorted(DOCS.rglob("*.rst")):
        for match in INCLUDE.finditer(page.read_text()):
            path = match["path"][match["path"].index("skann/") :]
            module = path.removesuffix(".py").replace("/", ".")
            found.add((module, match["name"]))
    return sorted(found)


def code_objects(module, name):
    """The code of the function, or of each method the class defines."""
    obj = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    if inspect.isclass(obj):
        return {
            f"{name}.{key}": inspect.unwrap(value).__code__
            for key, value in vars(obj).items()
            if inspect.isfunction(value)
        }
    return {name: inspect.unwrap(obj).__code__}


def representative_fits():
    """Each solver; binary, multiclass and multilabel; batches, schedules, L2...;
    and a regressor, fitted and streamed.

    Each run starts from the textbook's settings, which the user guide follows.
    """
    X, y = make_classification(120, 6, n_informative=4, n_classes=3, random_state=0)
    binary = (y > 0).astype(int)
    multilabel = np.column_stack([y == 0, y == 1]).astype(int)
    runs = [
        (dict(epochs=30), binary),
        (dict(epochs=5, solver="momentum", batch_size=32, lr=0.05), y),
        (dict(epochs=5, solver="momentum", nesterov=True, lr=0.05), y),
        (
            dict(
                epochs=5,
                solver="adam",
                batch_size=32,
                lr=0.01,
                alpha="auto",
                init_scale="data",
            ),
            multilabel,
        ),
        (dict(epochs=10, solver="lbfgs", alpha=0.01), y),
        (dict(epochs=5, lr_schedule="invscaling", activation="tanh"), y),
        (dict(epochs=30, lr_schedule="adaptive", tol=1.0, activation="logistic"), y),
        (dict(epochs=30, lr_schedule="drop_once", tol=1.0, n_iter_no_change=2), y),
        (dict(epochs=20, early_stopping=True, tol=0.0, n_iter_no_change=2), y),
        (dict(epochs=5, activation="identity", alpha=0.5, batch_size=50), binary),
        (dict(epochs=5, solver="adam", batch_size=32, lr=0.01, dropout=0.3), y),
    ]
    for params, target in runs:
        settings = {**TEXTBOOK, "hidden_size": 8, **params}
        clf = ANNClassifier(**settings, random_state=0).fit(X, target)
        clf.predict(X)
        clf.predict_proba(X)
    reg = ANNRegressor(8, solver="adam", lr=0.01, epochs=5, random_state=0)
    reg.fit(X, 100 * y + 1000).predict(X)
    reg.partial_fit(X[:10], 100 * y[:10] + 1000)  # merges the features' statistics
    for loss, target in (("poisson", y), ("quantile", 100 * y + 1000)):
        reg = ANNRegressor(8, loss=loss, quantile=0.9, epochs=5, random_state=0)
        reg.fit(X, target).predict(X)


@pytest.fixture(scope="module")
def executed():
    """The code objects called during the representative fits."""
    seen = set()

    def profile(frame, event, arg):
        if event == "call":
            seen.add(frame.f_code)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sys.setprofile(profile)
        try:
            representative_fits()
        finally:
            sys.setprofile(None)
    return seen


def test_the_docs_show_code():
    objects = shown_objects()
    assert len(objects) > 20
    assert ("skann._core.layers", "Dense.forward") in objects
    assert ("skann._core.optimizers", "GradientDescent.update") in objects


@pytest.mark.parametrize(("module", "name"), shown_objects())
def test_training_runs_what_the_docs_show(executed, module, name):
    missing = [
        label for label, code in code_objects(module, name).items()
        if code not in executed
    ]  # fmt: skip
    assert not missing, f"{module}: the docs show {missing}, which training never ran"
