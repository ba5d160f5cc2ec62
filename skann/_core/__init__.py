"""The from-scratch engine, in NumPy or another Array API namespace; no estimators."""
