"""
Regression on the diabetes data
===============================

``ANNRegressor`` trains skann's network with one identity output per target and the
squared error. This example predicts disease progression one year on from ten
baseline measurements (scikit-learn's ``load_diabetes``), beside scikit-learn's
``MLPRegressor`` at its defaults and a ridge regression, and compares their
cross-validated R² and their predictions on held-out patients.
"""

# %%
# Data and three models
# ---------------------
# Every model sees standardised features. The networks also train on a
# standardised target: a target in the hundreds would make the first gradient
# steps huge. ANNRegressor standardises it itself (``normalize_y=True``, its
# default) and predicts in the target's units; MLPRegressor needs a
# ``TransformedTargetRegressor``. With 442 patients a small network and a strong
# L2 penalty (``alpha``) keep the networks from fitting the noise.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import KFold, cross_val_predict, cross_val_score
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skann import ANNRegressor

X, y = load_diabetes(return_X_y=True)


def scaled(regressor):
    """Standardise the features, and the target the regressor learns."""
    return TransformedTargetRegressor(
        make_pipeline(StandardScaler(), regressor), transformer=StandardScaler()
    )


models = {
    "ANNRegressor (L-BFGS, 8 hidden)": make_pipeline(
        StandardScaler(),
        ANNRegressor(
            8, solver="lbfgs", epochs=200, alpha=10.0, init_scale="auto", random_state=0
        ),
    ),
    "MLPRegressor (defaults)": scaled(MLPRegressor(max_iter=500, random_state=0)),
    "RidgeCV": make_pipeline(StandardScaler(), RidgeCV(np.logspace(-3, 3, 13))),
}

# %%
# Cross-validated R²
# ------------------
cv = KFold(5, shuffle=True, random_state=0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    scores = {name: cross_val_score(m, X, y, cv=cv) for name, m in models.items()}
    predictions = {
        name: cross_val_predict(m, X, y, cv=cv) for name, m in models.items()
    }
for name, r2 in scores.items():
    print(f"{name}: R² {r2.mean():.3f} ± {r2.std():.3f}")

# %%
# Predictions against the truth
# -----------------------------
# Each point is a patient, predicted by the model fitted on the other folds.
fig, axes = plt.subplots(1, 3, figsize=(11, 3.8), sharex=True, sharey=True)
for ax, (name, y_pred) in zip(axes, predictions.items()):
    ax.scatter(y, y_pred, s=8, alpha=0.6)
    ax.plot([y.min(), y.max()], [y.min(), y.max()], color="grey", linewidth=1)
    ax.set(title=f"{name}\nR² {scores[name].mean():.3f}", xlabel="measured")
axes[0].set_ylabel("predicted")
fig.tight_layout()
plt.show()

# %%
# The small penalised network matches the linear model here: on ten features and
# a few hundred patients, the relation is close to linear. MLPRegressor's 100
# hidden units with almost no penalty fit the training folds more closely and
# the held-out ones less well.
