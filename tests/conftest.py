import numpy as np
import pytest

from skann._core import interrupts


@pytest.fixture
def rng():
    """A fresh, seeded random generator for each test."""
    return np.random.RandomState(0)


@pytest.fixture(autouse=True)
def forget_earlier_interrupts():
    """No test inherits, or leaves behind, a Ctrl-C the process remembers."""
    interrupts.reset()
    yield
    interrupts.reset()
