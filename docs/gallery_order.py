"""The order of the examples in the gallery: from the textbook's run outwards."""

ORDER = [
    "plot_and_gate.py",
    "plot_decision_boundaries.py",
    "plot_grid_search.py",
    "plot_compare_classifiers.py",
    "plot_solvers.py",
    "plot_early_stopping.py",
    "plot_regression.py",
]


class ExampleOrder:
    """Sort key for sphinx-gallery: the files in ``ORDER`` first, then the rest.

    Parameters
    ----------
    src_dir : str or pathlib.Path
        The gallery's source directory (unused; sphinx-gallery passes it).
    """

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        name = str(filename)
        position = ORDER.index(name) if name in ORDER else len(ORDER)
        return position, name
