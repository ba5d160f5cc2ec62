"""What a new user meets first: the help, the licence, the extras, public names."""

import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline

import skann
import skann.exceptions
from skann import ANNClassifier, ANNRegressor

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = (ROOT / "pyproject.toml").read_text()
#: reST that a terminal would show as it is: literals, roles, directives.
REST = re.compile(r"``|:[a-z]+:`|^\s*\.\. ", re.MULTILINE)


def test_help_is_plain_text():
    result = subprocess.run(
        [sys.executable, "-m", "skann", "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert "the textbook AND gate" in result.stdout
    assert "--plot FILE" in result.stdout
    assert not REST.search(result.stdout), result.stdout


def test_divergence_error_is_importable_where_users_look():
    from skann.exceptions import DivergenceError

    assert "DivergenceError" in skann.exceptions.__all__
    assert issubclass(DivergenceError, ValueError)
    X = np.random.RandomState(0).randn(20, 3)
    reg = ANNRegressor(
        hidden_size=4, solver="gd", lr=1e3, epochs=50, batch_size=None, tol=None
    )
    with pytest.raises(DivergenceError) as info:
        reg.fit(X, X[:, 0] * 100)
    # A traceback names the error by the module it is imported from.
    assert type(info.value).__module__ == "skann.exceptions"


def test_licence_is_the_one_pyproject_names():
    assert re.search(r'^license = "BSD-3-Clause"$', PYPROJECT, re.MULTILINE)
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("BSD 3-Clause License")
    assert "skann developers" in text
    assert "Neither the name of the copyright holder" in text


def test_readme_says_what_each_extra_is_for():
    readme = (ROOT / "README.md").read_text()
    extras_table = PYPROJECT.split("[project.optional-dependencies]")[1]
    extras = re.findall(r"^(\w+) = \[", extras_table.split("\n[")[0], re.MULTILINE)
    assert {"test", "docs", "lint"} <= set(extras)
    for extra in extras:
        assert re.search(rf"^\| `{extra}` \|", readme, re.MULTILINE), extra


def test_api_page_lists_every_public_name():
    api = (ROOT / "docs" / "api.rst").read_text()
    listed = set(re.findall(r"^   ([\w.]+)$", api, re.MULTILINE))
    listed |= set(re.findall(r"^\.\. data:: ([\w.]+)$", api, re.MULTILINE))
    public = {name for name in skann.__all__ if name != "__version__"}
    public |= {f"exceptions.{name}" for name in skann.exceptions.__all__}
    assert public <= listed


@pytest.mark.parametrize("estimator_class", [ANNClassifier, ANNRegressor])
def test_onnx_export_from_an_array_of_a_model_fitted_on_a_dataframe(estimator_class):
    pytest.importorskip("onnx")
    pd = pytest.importorskip("pandas")
    from skann.onnx import to_onnx

    X = np.random.RandomState(0).randn(40, 3)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    y = (X[:, 0] > 0).astype(int)
    est = estimator_class(hidden_size=4, epochs=5, tol=None).fit(frame, y)
    plain = estimator_class(hidden_size=4, epochs=5, tol=None).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        to_onnx(est, X[:1])
        to_onnx(est, frame[:1])
        to_onnx(plain, frame[:1])
    # Columns named otherwise than in fit are still refused.
    with pytest.raises(ValueError, match="feature names should match"):
        to_onnx(est, frame.rename(columns={"a": "z"})[:1])


def test_skops_trusts_what_the_persistence_page_says():
    sio = pytest.importorskip("skops.io")
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(np.random.RandomState(0).randn(30, 2), columns=["a", "b"])
    X.iloc[0, 0] = np.nan
    y = np.arange(30) % 2
    pipe = make_pipeline(SimpleImputer(), ANNClassifier(hidden_size=3, epochs=5))
    pipe.fit(X, y)
    page = (ROOT / "docs" / "integrations" / "persistence.rst").read_text()
    untrusted = sio.get_untrusted_types(data=sio.dumps(pipe))
    assert untrusted == ["numpy.dtype", "skann._classifier.ANNClassifier"]
    assert str(untrusted) in page
    loaded = sio.loads(sio.dumps(pipe), trusted=untrusted)
    assert np.array_equal(loaded.predict_proba(X), pipe.predict_proba(X))
