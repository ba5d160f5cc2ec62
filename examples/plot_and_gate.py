"""
===========================
The textbook's AND gate run
===========================

The textbook trains its network on the AND truth table: two inputs, four hidden ReLU
units, one sigmoid output, 10000 epochs of full-batch gradient descent at a learning
rate of 0.1, weights drawn after ``np.random.seed(42)``. :class:`~skann.ANNClassifier`
with these settings and ``random_state=42`` is that network, and it replays that run:
the same printed costs, the same predictions, the same cost curve.
"""

# %%
# The data
# --------
#
# The four rows of the AND truth table. The textbook keeps one sample per column
# (its ``X`` has shape ``(2, 4)``); scikit-learn keeps one per row, so ``X`` here is
# the transpose of the textbook's, and ``y`` is a plain vector of labels.
import matplotlib.pyplot as plt
import numpy as np

from skann import TEXTBOOK, ANNClassifier, LossCurveDisplay

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
y = np.array([0, 0, 0, 1])

# %%
# Training
# --------
#
# The textbook's settings are not the classifier's defaults (those were chosen on
# real data); ``skann.TEXTBOOK`` holds them: ``hidden_size=4, lr=0.1, epochs=10000,
# solver='gd', batch_size=None, init_scale=0.1, alpha=0.0, tol=None,
# standardize=False``.
# ``verbose=1`` prints the cost every 1000 epochs, as the textbook's ``fit`` does.
print(dict(TEXTBOOK))
clf = ANNClassifier(**TEXTBOOK, random_state=42, verbose=1)
clf.fit(X, y)

# %%
# Predictions
# -----------
#
# The textbook prints its predictions as a row, ``[[0 0 0 1]]``.
print("Predictions:", clf.predict(X)[np.newaxis, :])

# %%
# The probabilities behind them approach 0 and 1 without reaching them: the sigmoid
# never does.
for row, p in zip(X, clf.predict_proba(X)[:, 1]):
    print(f"x = {row}: P(y = 1) = {p:.4f}")

# %%
# The cost curve
# --------------
#
# :class:`~skann.LossCurveDisplay` draws ``loss_curve_``, the cost of each epoch.
# The small initial weights put every probability near 0.5, so the cost starts at
# :math:`\ln 2 \approx 0.693`; a log scale shows its slow approach to zero once the
# four rows are classified right.
display = LossCurveDisplay.from_estimator(clf)
display.ax_.set_yscale("log")
display.ax_.set_title("AND gate: binary cross-entropy per epoch")
plt.show()

# %%
# The learned parameters
# ----------------------
#
# ``coefs_[0]`` holds the hidden layer's weights with one row per input, the
# transpose of the textbook's ``W1``; ``intercepts_[0]`` is its ``b1``.
print("W1 (textbook layout):\n", np.round(clf.coefs_[0].T, 3))
print("b1:", np.round(clf.intercepts_[0], 3))
print("W2:", np.round(clf.coefs_[1].T, 3))
print("b2:", np.round(clf.intercepts_[1], 3))
