"""skann's version, apart from the package's ``__init__`` so that the estimators
can read it without importing the package that imports them."""

__version__ = "0.1.0"
