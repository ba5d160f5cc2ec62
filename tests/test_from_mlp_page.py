"""The code of the user guide's page on coming from MLPClassifier runs as shown."""

import doctest
import re
import warnings
from pathlib import Path

from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from skann import from_mlp

PAGE = Path(__file__).resolve().parents[1] / "docs" / "user_guide" / "from_mlp.rst"
BLOCK = re.compile(r"\.\. code-block:: python\n\n((?:   .*\n|\n)+)")
#: Parameters that MLPClassifier's defaults leave unused: Adam has no momentum and
#: no schedule, and nothing is held out without early stopping.
UNUSED = {"momentum", "nesterov", "power_t", "validation_fraction"}


def run_page():
    """Run the page's blocks in order, in one namespace; return it."""
    namespace = {}
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for number, match in enumerate(BLOCK.finditer(PAGE.read_text())):
        code = "\n".join(line[3:] for line in match[1].splitlines())
        if code.startswith(">>>"):
            test = doctest.DocTestParser().get_doctest(
                code, namespace, f"block {number}", str(PAGE), 0
            )
            runner.run(test, clear_globs=False)
        else:
            exec(compile(code, f"{PAGE.name}, block {number}", "exec"), namespace)
    assert runner.summarize(verbose=False).failed == 0
    return namespace


def test_page_code_runs_and_the_written_out_defaults_are_mlps(capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        namespace = run_page()
    assert "annclassifier__hidden_size" in capsys.readouterr().out
    written = namespace["clf"].get_params()
    translated = from_mlp(MLPClassifier()).get_params()
    assert {k: v for k, v in written.items() if k not in UNUSED} == {
        k: v for k, v in translated.items() if k not in UNUSED
    }
