"""
Early stopping on a validation set
==================================

With ``early_stopping=True``, ``ANNClassifier`` holds out a stratified
``validation_fraction`` of the training data, watches its loss after every epoch,
stops once it has not improved for more than ``n_iter_no_change`` epochs, and keeps
the weights of the best epoch. This example draws the training and validation losses of
a network that is large enough to overfit a small, noisy data set, and compares
its accuracy on a test set with that of the same network trained for every epoch.
"""

# %%
# A small, noisy data set
# -----------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skann import ANNClassifier

X, y = make_classification(
    600, n_features=20, n_informative=5, flip_y=0.2, random_state=0
)
X = StandardScaler().fit_transform(X)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

# %%
# With and without early stopping
# -------------------------------
params = dict(
    hidden_size=128,
    solver="adam",
    lr=0.001,
    batch_size=32,
    epochs=300,
    alpha=0.0,
    tol=None,
    random_state=0,
)
stopped = ANNClassifier(
    **params, early_stopping=True, validation_fraction=0.2, n_iter_no_change=20
).fit(X_train, y_train)
full = ANNClassifier(**params).fit(X_train, y_train)
best = int(np.argmin(stopped.validation_loss_curve_))
print(f"stopped after {stopped.n_iter_} epochs, kept epoch {best}")
print(f"test accuracy with early stopping:    {stopped.score(X_test, y_test):.3f}")
print(
    f"test accuracy after all {full.n_iter_} epochs: {full.score(X_test, y_test):.3f}"
)

# %%
# Training and validation losses
# ------------------------------
fig, ax = plt.subplots(figsize=(7, 4.5))
ax.plot(full.loss_curve_, color="0.7", label="training loss, no early stopping")
ax.plot(stopped.loss_curve_, label="training loss")
ax.plot(stopped.validation_loss_curve_, label="validation loss")
ax.axvline(best, color="k", linestyle=":", label=f"best epoch ({best}), weights kept")
ax.set(xlabel="epoch", ylabel="loss", title="Early stopping", ylim=(0, 1))
ax.legend()
plt.show()
