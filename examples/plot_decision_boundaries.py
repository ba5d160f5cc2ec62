"""
==================================
Decision boundaries: XOR and moons
==================================

Neither XOR nor the two interleaved half-moons can be split by a straight line, so
a linear classifier fails on both. The hidden layer is what lets the network bend
its boundary. This example fits :class:`~skann.ANNClassifier` with hidden layers of
1, 2 and 16 ReLU units to both data sets and draws the boundaries with
:class:`~sklearn.inspection.DecisionBoundaryDisplay`.
"""

# %%
# Two data sets
# -------------
#
# XOR: points drawn uniformly in the square, labelled 1 where exactly one
# coordinate is positive. Moons: scikit-learn's two noisy half-circles.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_moons
from sklearn.inspection import DecisionBoundaryDisplay
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skann import TEXTBOOK, ANNClassifier

rng = np.random.RandomState(0)
X_xor = rng.uniform(-1, 1, size=(200, 2))
y_xor = np.logical_xor(X_xor[:, 0] > 0, X_xor[:, 1] > 0).astype(int)
X_moons, y_moons = make_moons(n_samples=200, noise=0.2, random_state=0)
datasets = {"XOR": (X_xor, y_xor), "moons": (X_moons, y_moons)}

# %%
# Fitting and drawing
# -------------------
#
# Each network sits behind a :class:`~sklearn.preprocessing.StandardScaler` and runs
# 2000 epochs of full-batch gradient descent at ``lr=1.0``, from the textbook's
# settings (``skann.TEXTBOOK``). The display evaluates the fitted
# pipeline on a grid over the data and shades it by the predicted probability of
# class 1; the boundary is where that probability crosses 0.5.
hidden_sizes = [1, 2, 16]
fig, axes = plt.subplots(
    len(datasets), len(hidden_sizes), figsize=(9, 6), sharex="row", sharey="row"
)
for row, (name, (X, y)) in zip(axes, datasets.items()):
    for ax, hidden_size in zip(row, hidden_sizes):
        clf = make_pipeline(
            StandardScaler(),
            ANNClassifier(**TEXTBOOK, random_state=0).set_params(
                hidden_size=hidden_size, lr=1.0, epochs=2000
            ),
        )
        clf.fit(X, y)
        DecisionBoundaryDisplay.from_estimator(
            clf,
            X,
            response_method="predict_proba",
            cmap="RdBu",
            alpha=0.8,
            ax=ax,
            vmin=0,
            vmax=1,
            eps=0.3,
        )
        # Lighter shades of the same colours than the background's, so that the
        # points stand out on it.
        ax.scatter(
            *X.T, c=y, cmap="RdBu", vmin=-0.6, vmax=1.6, edgecolor="k", linewidth=0.5
        )
        ax.set_title(
            f"{name}, hidden_size={hidden_size}\n"
            f"training accuracy {clf.score(X, y):.2f}"
        )
fig.tight_layout()
plt.show()

# %%
# What the pictures show
# ----------------------
#
# With a single ReLU unit the output is a monotone function of one linear score, so
# the boundary is a straight line: it gets 70% of XOR right and misses both tips of
# the moons. Two units bend the score along two lines and keep it linear between
# them: enough for the four points of the XOR truth table, but not for these
# quadrants, whose label flips across the whole of both axes; here they get three
# quadrants right. Sixteen units find the square corners of XOR and the curve
# between the moons. Away from the data nothing constrains the boundary, and it
# wanders.
