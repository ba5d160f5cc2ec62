"""LossCurveDisplay: the loss of each epoch of a fitted network, drawn with matplotlib.

matplotlib is an optional dependency (the ``plot`` extra), so it is imported only when
something is drawn.
"""

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted


def _pyplot():
    """Return ``matplotlib.pyplot``, or raise an ImportError saying how to get it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "LossCurveDisplay needs matplotlib, which is not installed. Install it "
            "with: pip install 'skann[plot]'"
        ) from exc
    return plt


class LossCurveDisplay:
    """Loss curve of a fitted network: its training loss at each epoch.

    Build it with :meth:`from_estimator`, which takes the curves from a fitted
    estimator and draws them. The constructor only stores the curves; call
    :meth:`plot` to draw them.

    When the estimator has a ``validation_loss_curve_`` that is not ``None``, that
    curve is drawn too, dashed, on the same axes.

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,)
        Training loss of each epoch.
    validation_loss_curve : array-like of shape (n_epochs,), default=None
        Loss on held-out validation data at each epoch, if any.
    estimator_name : str, default=None
        Name used in the legend. ``None`` leaves the curves unnamed.

    Attributes
    ----------
    line_ : matplotlib.lines.Line2D
        The training loss curve.
    validation_line_ : matplotlib.lines.Line2D or None
        The validation loss curve, or ``None`` when there is none.
    ax_ : matplotlib.axes.Axes
        Axes holding the curves.
    figure_ : matplotlib.figure.Figure
        Figure holding ``ax_``.

    See Also
    --------
    ANNClassifier : The estimator whose ``loss_curve_`` is drawn.
    sklearn.model_selection.LearningCurveDisplay : Scores against the number of
        training samples, rather than against epochs.

    Notes
    -----
    Epoch ``i`` on the horizontal axis is ``loss_curve_[i]``, the loss computed
    before that epoch's update, so the first point is the loss of the initial
    weights. The same numbering is used by ``verbose`` output.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skann import ANNClassifier, LossCurveDisplay
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    >>> y = np.array([0, 0, 0, 1])
    >>> clf = ANNClassifier(epochs=2000, lr=0.5, random_state=42).fit(X, y)
    >>> display = LossCurveDisplay.from_estimator(clf)
    >>> len(display.line_.get_ydata()) == clf.n_iter_
    True
    >>> display.ax_.get_xlabel()
    'epoch'
    """

    def __init__(self, *, loss_curve, validation_loss_curve=None, estimator_name=None):
        self.loss_curve = loss_curve
        self.validation_loss_curve = validation_loss_curve
        self.estimator_name = estimator_name

    def plot(self, ax=None, *, name=None, **kwargs):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, default=None
            Axes to draw on. ``None`` creates a new figure and axes.
        name : str, default=None
            Name used in the legend; overrides ``estimator_name``.
        **kwargs : dict
            Passed to :meth:`matplotlib.axes.Axes.plot` for the training curve.

        Returns
        -------
        display : LossCurveDisplay
            This display, with ``ax_``, ``figure_``, ``line_`` and
            ``validation_line_`` set.
        """
        plt = _pyplot()
        if ax is None:
            _, ax = plt.subplots()
        name = self.estimator_name if name is None else name
        has_validation = self.validation_loss_curve is not None

        train_label = "training" if has_validation else None
        if name is not None:
            train_label = f"{name} ({train_label})" if has_validation else name
        loss = np.asarray(self.loss_curve, dtype=float)
        (self.line_,) = ax.plot(
            np.arange(loss.shape[0]), loss, **{"label": train_label, **kwargs}
        )

        self.validation_line_ = None
        if has_validation:
            val_loss = np.asarray(self.validation_loss_curve, dtype=float)
            val_label = "validation" if name is None else f"{name} (validation)"
            # Same colour as the training curve, so that several estimators drawn on
            # one axes remain paired; the dash tells the two curves apart.
            (self.validation_line_,) = ax.plot(
                np.arange(val_loss.shape[0]),
                val_loss,
                linestyle="--",
                color=self.line_.get_color(),
                label=val_label,
            )

        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        # matplotlib names unlabelled lines "_child0" and the like.
        if not self.line_.get_label().startswith("_"):
            ax.legend()
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, name=None, **kwargs):
        """Draw the loss curve of a fitted estimator.

        Parameters
        ----------
        estimator : estimator instance
            A fitted :class:`ANNClassifier`, or any fitted estimator with a
            ``loss_curve_`` attribute; a :class:`~sklearn.pipeline.Pipeline` stands
            for its final step.
        ax : matplotlib.axes.Axes, default=None
            Axes to draw on. ``None`` creates a new figure and axes.
        name : str, default=None
            Name used in the legend. ``None`` leaves the curves unnamed.
        **kwargs : dict
            Passed to :meth:`matplotlib.axes.Axes.plot` for the training curve.

        Returns
        -------
        display : LossCurveDisplay
            The display, already drawn.

        Raises
        ------
        ImportError
            If matplotlib is not installed.
        sklearn.exceptions.NotFittedError
            If ``estimator`` is not fitted.
        """
        _pyplot()
        check_is_fitted(estimator)
        if isinstance(estimator, Pipeline):
            estimator = estimator[-1]
        if not hasattr(estimator, "loss_curve_"):
            raise AttributeError(
                f"{type(estimator).__name__} has no loss_curve_ attribute, so it has "
                "no loss curve to draw."
            )
        display = cls(
            loss_curve=estimator.loss_curve_,
            validation_loss_curve=getattr(estimator, "validation_loss_curve_", None),
            estimator_name=name,
        )
        return display.plot(ax=ax, **kwargs)
