"""Sphinx configuration for skann's documentation.

Build with ``sphinx-build -W -b html docs docs/_build/html``; the build runs every
example in ``examples/``.
"""

import inspect
import os
import sys
import types
from pathlib import Path

# The examples multiply small matrices, for which BLAS threads cost more time than
# they save, and far more when other work keeps the cores busy. BLAS reads these
# when NumPy is first imported, which is below.
for _variable in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

DOCS = Path(__file__).resolve().parent
# Document the package in this checkout even when another version is installed;
# gallery_order.py sits beside this file.
sys.path[:0] = [str(DOCS.parent), str(DOCS)]

import skann  # noqa: E402

project = "skann"
author = "skann developers"
copyright = "skann developers"
version = release = skann.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    # A copy of MathJax, from the docs extra, served from _static: equations
    # render on a machine with no network, where a CDN's MathJax would not load.
    "sphinx-mathjax-offline",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "README.md", "auto_examples/*.ipynb", "**.py.md5"]
root_doc = "index"
default_role = "literal"

# -- API reference ---------------------------------------------------------------

autosummary_generate = True
# scikit-learn's own methods (get_params, score, ...) are listed by the class
# template but not documented here: their docstrings refer to labels of
# scikit-learn's documentation that only resolve online.
autodoc_default_options = {"members": True}
# Defaults as the source writes them: xp=np, not the repr of the numpy module.
autodoc_preserve_defaults = True
# The class template lists the methods itself; numpydoc listing them again would
# make a second, unresolved table.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = True
# Only the names below become links; "of", "shape", "default" and the like stay text.
numpydoc_xref_ignore = "all"
# numpydoc's own aliases point some types at labels and glossary terms of Python's
# and NumPy's documentation, which warn when the inventories cannot be fetched, and
# others at "python:"-prefixed names, which offline show their prefix. These point
# at plain object names instead: linked online, plain text offline.
_BUILTINS = ["None", "True", "False", "list", "tuple", "str", "dict", "float", "int"]
numpydoc_xref_aliases = {
    **{name: f":obj:`{name}`" for name in _BUILTINS},
    "string": ":class:`str`",
    "callable": ":func:`callable`",
    "ANNClassifier": "skann.ANNClassifier",
    "ANNRegressor": "skann.ANNRegressor",
    "MLPClassifier": "sklearn.neural_network.MLPClassifier",
    "MLPRegressor": "sklearn.neural_network.MLPRegressor",
    "LossCurveDisplay": "skann.LossCurveDisplay",
    "Pipeline": "sklearn.pipeline.Pipeline",
    "bool": ":class:`bool`",
    "boolean": ":class:`bool`",
    "array-like": ":obj:`array-like <numpy.typing.ArrayLike>`",
    "array_like": ":obj:`array_like <numpy.typing.ArrayLike>`",
    "iterable": ":class:`iterable <collections.abc.Iterable>`",
    "sequence": ":class:`sequence <collections.abc.Sequence>`",
    "generator": ":class:`generator <collections.abc.Generator>`",
    "scalar": ":class:`scalar <numpy.generic>`",
    "RandomState": "numpy.random.RandomState",
    "Axes": "matplotlib.axes.Axes",
}

# -- Cross-references to NumPy and scikit-learn -----------------------------------

# Each project lists its online inventory first and, after it, an empty local one.
# Offline the online inventory cannot be fetched; the empty one then stands in, so
# the build neither fails nor warns and the references render as plain text.
_OFFLINE_INVENTORY = "_intersphinx/empty.inv"
intersphinx_mapping = {
    "python": ("https://docs.python.org/3", (None, _OFFLINE_INVENTORY)),
    "numpy": ("https://numpy.org/doc/stable", (None, _OFFLINE_INVENTORY)),
    "sklearn": ("https://scikit-learn.org/stable", (None, _OFFLINE_INVENTORY)),
    "matplotlib": ("https://matplotlib.org/stable", (None, _OFFLINE_INVENTORY)),
}
intersphinx_timeout = 10

# -- Gallery ---------------------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",
    "within_subsection_order": "gallery_order.ExampleOrder",
    "doc_module": ("skann",),
    # Lands under generated/, which is not tracked, like the API pages.
    "backreferences_dir": "generated/backreferences",
    "reference_url": {},
    "download_all_examples": False,
    "remove_config_comments": True,
    "min_reported_time": 1,
    # Show what the scripts print, not the value of their last expression: run
    # alone, with python examples/plot_x.py, they show no such value either.
    "capture_repr": (),
}

# -- HTML ------------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"skann {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_sidebars = {"getting_started": [], "api": []}
html_static_path = []
html_show_sourcelink = False


# -- Docstring clean-up -----------------------------------------------------------


def _skip_members(app, what, name, obj, skip, options):
    # scikit-learn generates set_fit_request and its siblings for each estimator,
    # for its metadata routing; their docstrings point into scikit-learn's
    # documentation, where they are described.
    if name.startswith("set_") and name.endswith("_request"):
        return True
    # An optimizer's default namespace, xp = np, is documented under Attributes;
    # as a member it would print the module's path on the build machine.
    if isinstance(obj, types.ModuleType):
        return True
    return None


def _constructor_signature(app, what, name, obj, options, signature, annotation):
    # The estimators define __new__(cls, *args, **kwargs), to name skann's
    # parameter for an MLP parameter's name, and autodoc shows __new__'s
    # signature before __init__'s; Python's own inspect reads __init__'s.
    if what == "class" and isinstance(obj, type) and "__init__" in vars(obj):
        return str(inspect.signature(obj)), annotation
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_members)
    app.connect("autodoc-process-signature", _constructor_signature)
