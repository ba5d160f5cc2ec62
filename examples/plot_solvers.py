"""
Comparing solvers on one data set
=================================

The textbook trains with plain full-batch gradient descent (``solver="gd"``).
``ANNClassifier`` also offers minibatches, heavy-ball and Nesterov momentum, Adam and
L-BFGS. This example trains the same network on the digits data with each of them
and draws their training loss per epoch (per iteration for L-BFGS).
"""

# %%
# Data and a common network
# -------------------------
import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from skann import ANNClassifier

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
common = dict(
    hidden_size=32,
    epochs=60,
    init_scale="auto",
    alpha=0.0,
    tol=None,
    random_state=0,
)

# %%
# One model per solver
# --------------------
# The learning rates are typical for each solver on standardised data.
solvers = {
    "gd, full batch (the textbook)": dict(solver="gd", lr=0.5, batch_size=None),
    "gd, batches of 64": dict(solver="gd", lr=0.1, batch_size=64),
    "momentum, batches of 64": dict(solver="momentum", lr=0.02, batch_size=64),
    "Nesterov, batches of 64": dict(
        solver="momentum", nesterov=True, lr=0.02, batch_size=64
    ),
    "adam, batches of 64": dict(solver="adam", lr=0.003, batch_size=64),
    "lbfgs": dict(solver="lbfgs"),
}
models = {name: ANNClassifier(**common, **p).fit(X, y) for name, p in solvers.items()}

# %%
# Loss curves
# -----------
fig, ax = plt.subplots(figsize=(7, 4.5))
for name, clf in models.items():
    ax.plot(clf.loss_curve_, label=f"{name} ({clf.score(X, y):.3f})")
ax.set(
    xlabel="epoch (iteration for lbfgs)",
    ylabel="training loss",
    yscale="log",
    title="Digits, 32 hidden ReLU units (training accuracy in brackets)",
)
ax.legend(fontsize="small")
plt.show()

# %%
# Minibatch solvers take many steps per epoch, so they get ahead of full-batch
# gradient descent epoch for epoch; L-BFGS uses curvature and the whole data set
# at every iteration.
