import os
import sys

# scikit-learn's array API dispatch needs SciPy's own support, which SciPy reads
# once, when it is first imported: set it before anything imports SciPy, so that
# the array API tests and scikit-learn's array API checks run instead of skipping.
# NumPy and SciPy's sparse matrices behave the same with it.
if "scipy" not in sys.modules:
    os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np
import pytest
from array_spaces import SPACES

from skann._core import interrupts


@pytest.fixture
def rng():
    """A fresh, seeded random generator for each test."""
    return np.random.RandomState(0)


@pytest.fixture(params=sorted(SPACES))
def space(request):
    """Each namespace, device and dtype of ``array_spaces.SPACES`` in turn."""
    return SPACES[request.param]()


@pytest.fixture(autouse=True)
def forget_earlier_interrupts():
    """No test inherits, or leaves behind, a Ctrl-C the process remembers."""
    interrupts.reset()
    yield
    interrupts.reset()
