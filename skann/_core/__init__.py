"""The from-scratch engine: NumPy only, knows nothing of estimators."""
