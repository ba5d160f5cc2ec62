"""The estimators' docstrings against their signatures and constraints.

The entries both estimators share are written once (``skann/_docstrings.py``) and
the defaults in each ``__init__``; these tests keep the two in step.
"""

import ast
import inspect
import re

import numpy as np
import pandas as pd
import pytest
from sklearn.utils._param_validation import StrOptions

from skann import TEXTBOOK, ANNClassifier, ANNRegressor
from skann._docstrings import shared_docs

ESTIMATORS = [ANNClassifier, ANNRegressor]


def section(doc, title):
    """``{name: type line}`` of each entry of section ``title``, in order, and the
    names in the order written (repeats included)."""
    lines = doc.splitlines()
    start = lines.index(title) + 2
    names, types = [], {}
    for line in lines[start:]:
        if line and not line[0].isspace():
            if set(lines[lines.index(line) + 1]) == {"-"}:
                break  # the next section's title
            name, _, kind = line.partition(" : ")
            names.append(name)
            types[name] = kind
    return names, types


def signature(cls):
    return {
        name: p.default
        for name, p in inspect.signature(cls.__init__).parameters.items()
        if name != "self"
    }


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_each_parameter_is_documented_once_in_the_signatures_order(cls):
    names, _ = section(cls.__doc__, "Parameters")
    assert names == list(signature(cls))


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_each_documented_default_is_the_signatures(cls):
    _, types = section(cls.__doc__, "Parameters")
    for name, default in signature(cls).items():
        written = re.search(r"default=(.+)$", types[name])
        assert written, f"{name} has no default= in {types[name]!r}"
        value = ast.literal_eval(written[1])
        assert (type(value), value) == (type(default), default), name


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_each_constraint_is_documented_with_its_options(cls):
    """Every constrained parameter is documented, and the option strings its type
    line names are those its constraints accept."""
    _, types = section(cls.__doc__, "Parameters")
    assert set(cls._parameter_constraints) <= set(types)
    for name, constraints in cls._parameter_constraints.items():
        accepted = set()
        for constraint in constraints:
            if isinstance(constraint, StrOptions):
                accepted |= constraint.options
        kind = types[name].rsplit(", default=", 1)[0]
        assert set(re.findall(r"'(\w+)'", kind)) == accepted, name


# Five epochs train nothing worth keeping: fit rightly warns.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("cls", ESTIMATORS)
def test_each_attribute_is_documented_once_and_set_by_fit(cls):
    names, _ = section(cls.__doc__, "Attributes")
    assert len(names) == len(set(names))
    X = pd.DataFrame(np.random.default_rng(0).normal(size=(40, 3)), columns=list("abc"))
    y = (X["a"] > 0).astype(int) if cls is ANNClassifier else X["a"].to_numpy()
    settings = {**TEXTBOOK, "epochs": 5, "early_stopping": True}
    fitted = cls(**settings).fit(X, y)
    assert [name for name in names if not hasattr(fitted, name)] == []


@pytest.mark.parametrize(
    "cls, mlp, split, baseline",
    [
        (ANNClassifier, "MLPClassifier", "stratified", "the class frequencies"),
        (ANNRegressor, "MLPRegressor", "random", "the mean target"),
    ],
)
def test_the_estimators_words_fill_the_shared_text(cls, mlp, split, baseline):
    doc = cls.__doc__
    assert "${" not in doc
    assert f"as in {mlp}; ``np.inf`` never stops" in doc
    assert f"hold out a {split} ``validation_fraction``" in doc
    assert f"predicting {baseline}\nwhile no longer falling" in doc


def filled(doc, names=(), **words):
    """``doc`` filled as the docstring of a class whose parameters are ``names``."""
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    init = lambda self, **params: None  # noqa: E731
    init.__signature__ = inspect.Signature(
        [inspect.Parameter(name, kind) for name in ("self", *names)]
    )
    cls = type("Template", (), {"__doc__": doc, "__init__": init})
    return shared_docs(**words)(cls).__doc__


def test_a_parameter_documented_twice_or_not_at_all_is_refused():
    one = "hidden_size : int\n    One.\n"
    lr = "lr : float, default=1.0\n    Again.\n"
    doc = "Doc.\n\nParameters\n----------\n{}\nAttributes\n----------\n"
    text = filled(doc.format(lr + one), ["hidden_size", "lr"])
    assert text.index("hidden_size : int") < text.index("lr : float")
    with pytest.raises(ValueError, match="lr twice"):
        filled(doc.format(lr + one + lr), ["hidden_size", "lr"])
    with pytest.raises(ValueError, match="but its parameters are"):
        filled(doc.format(one), ["hidden_size", "lr"])


def test_a_placeholder_without_its_text_is_refused():
    doc = "As in ${mlp}.\n\nParameters\n----------\n\nAttributes\n----------\n"
    assert filled(doc, mlp="MLPClassifier").startswith("As in MLPClassifier.")
    with pytest.raises(ValueError, match=re.escape("${mlp}")):
        filled(doc)
    with pytest.raises(ValueError, match="alone on its line"):
        filled(doc, mlp="one\ntwo")
