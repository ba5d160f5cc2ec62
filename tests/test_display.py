import sys

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from textbook_settings import textbook_classifier

from skann import LossCurveDisplay

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

X_AND = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
Y_AND = np.array([0, 0, 0, 1])


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def fitted():
    return textbook_classifier(epochs=50, lr=0.5, random_state=0).fit(X_AND, Y_AND)


def test_line_data_is_the_loss_curve(fitted):
    display = LossCurveDisplay.from_estimator(fitted)

    assert isinstance(display, LossCurveDisplay)
    np.testing.assert_array_equal(display.line_.get_ydata(), fitted.loss_curve_)
    np.testing.assert_array_equal(display.line_.get_xdata(), np.arange(50))
    assert display.validation_line_ is None
    assert display.ax_.get_lines() == [display.line_]
    assert display.figure_ is display.ax_.figure
    assert display.ax_.get_xlabel() == "epoch"
    assert display.ax_.get_ylabel() == "loss"
    # Without a name or a validation curve there is nothing for a legend to tell.
    assert display.ax_.get_legend() is None


def test_given_axes_are_used(fitted):
    fig, (left, right) = plt.subplots(1, 2)

    display = LossCurveDisplay.from_estimator(fitted, ax=right)

    assert display.ax_ is right
    assert display.figure_ is fig
    assert right.get_lines() == [display.line_]
    assert left.get_lines() == []
    assert len(plt.get_fignums()) == 1


def test_several_estimators_share_one_axes(fitted):
    other = textbook_classifier(epochs=30, lr=0.1, random_state=1).fit(X_AND, Y_AND)
    _, ax = plt.subplots()

    first = LossCurveDisplay.from_estimator(fitted, ax=ax, name="lr=0.5")
    second = LossCurveDisplay.from_estimator(other, ax=ax, name="lr=0.1", color="k")

    assert ax.get_lines() == [first.line_, second.line_]
    np.testing.assert_array_equal(second.line_.get_ydata(), other.loss_curve_)
    assert second.line_.get_color() == "k"
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend == ["lr=0.5", "lr=0.1"]


def test_plot_returns_the_display_and_redraws_on_new_axes(fitted):
    display = LossCurveDisplay(loss_curve=fitted.loss_curve_, estimator_name="net")
    _, ax = plt.subplots()

    assert display.plot(ax=ax) is display
    assert display.ax_ is ax
    assert display.line_.get_label() == "net"
    assert display.plot(name="renamed").line_.get_label() == "renamed"
    assert display.ax_ is not ax


def test_validation_curve_is_drawn_when_present(fitted):
    validation = [0.9 * v for v in fitted.loss_curve_]
    fitted.validation_loss_curve_ = validation

    display = LossCurveDisplay.from_estimator(fitted, name="net")

    np.testing.assert_array_equal(display.validation_line_.get_ydata(), validation)
    assert display.validation_line_.get_linestyle() == "--"
    assert display.validation_line_.get_color() == display.line_.get_color()
    legend = [text.get_text() for text in display.ax_.get_legend().get_texts()]
    assert legend == ["net (training)", "net (validation)"]


def test_validation_curve_none_is_skipped(fitted):
    fitted.validation_loss_curve_ = None

    display = LossCurveDisplay.from_estimator(fitted)

    assert display.validation_line_ is None
    assert display.ax_.get_lines() == [display.line_]


def test_pipeline_draws_its_final_step():
    pipe = make_pipeline(
        StandardScaler(), textbook_classifier(epochs=20, random_state=0)
    )
    pipe.fit(X_AND, Y_AND)

    display = LossCurveDisplay.from_estimator(pipe)

    np.testing.assert_array_equal(display.line_.get_ydata(), pipe[-1].loss_curve_)


@pytest.mark.parametrize(
    "estimator",
    [
        textbook_classifier(),
        make_pipeline(StandardScaler(), textbook_classifier()),
    ],
)
def test_unfitted_estimator_raises(estimator):
    with pytest.raises(NotFittedError):
        LossCurveDisplay.from_estimator(estimator)
    assert plt.get_fignums() == []


def test_estimator_without_loss_curve_raises():
    from sklearn.dummy import DummyClassifier

    # Not LogisticRegression: scikit-learn 1.6 passes L-BFGS an option that newer
    # SciPy deprecates, and the warning would fail the test.
    clf = DummyClassifier().fit(X_AND, Y_AND)
    with pytest.raises(AttributeError, match="DummyClassifier has no loss_curve_"):
        LossCurveDisplay.from_estimator(clf)


def test_missing_matplotlib_names_the_extra(fitted, monkeypatch):
    # A None entry in sys.modules makes the import statement raise ImportError.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)

    with pytest.raises(ImportError, match=r"pip install 'skann\[plot\]'"):
        LossCurveDisplay.from_estimator(fitted)
    with pytest.raises(ImportError, match=r"pip install 'skann\[plot\]'"):
        LossCurveDisplay(loss_curve=fitted.loss_curve_).plot()
