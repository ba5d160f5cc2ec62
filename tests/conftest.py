import numpy as np
import pytest


@pytest.fixture
def rng():
    """A fresh, seeded random generator for each test."""
    return np.random.RandomState(0)
