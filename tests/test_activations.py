import warnings

import numpy as np
import pytest

from skann import ANNClassifier, ANNRegressor
from skann._core.activations import ACTIVATIONS, OUTPUT_ACTIVATIONS

C, K = np.sqrt(2 / np.pi), 0.044715

REFERENCE = {
    "identity": (lambda z: z, lambda z: np.ones_like(z)),
    "relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(float)),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "logistic": (
        lambda z: 1 / (1 + np.exp(-z)),
        lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2,
    ),
    # The tanh form of GELU, its derivative written out by hand.
    "gelu": (
        lambda z: 0.5 * z * (1 + np.tanh(C * (z + K * z**3))),
        lambda z: (
            0.5 * (1 + np.tanh(C * (z + K * z**3)))
            + 0.5 * z * (1 - np.tanh(C * (z + K * z**3)) ** 2) * C * (1 + 3 * K * z**2)
        ),
    ),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_forward_and_derivative_match_the_formulas(name, rng):
    Z = rng.randn(20, 5) * 3
    forward, derivative = REFERENCE[name]
    act = ACTIVATIONS[name]
    A = act.forward(Z.copy())
    np.testing.assert_allclose(A, forward(Z), rtol=1e-12)
    dA = rng.randn(20, 5)
    np.testing.assert_allclose(
        act.derivative(Z, A, dA.copy()), dA * derivative(Z), rtol=1e-10, atol=1e-14
    )


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_derivative_matches_finite_differences(name, rng):
    Z = rng.randn(10, 3)
    Z = Z[np.abs(Z) > 1e-3]  # keep clear of relu's kink
    act, h = ACTIVATIONS[name], 1e-6
    numeric = (act.forward(Z + h) - act.forward(Z - h)) / (2 * h)
    Z_kept = Z.copy()
    A = act.forward(Z)  # Z is what forward left of it, as in a layer
    np.testing.assert_allclose(Z_kept, Z if name == "gelu" else Z_kept)
    np.testing.assert_allclose(
        act.derivative(Z, A, np.ones_like(Z)), numeric, rtol=1e-6, atol=1e-9
    )


def test_softmax_rows_are_probabilities(rng):
    Z = rng.randn(30, 4)
    P = OUTPUT_ACTIVATIONS["softmax"].forward(Z.copy())
    expected = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(P, expected, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("scale", [1.0, 40.0, 300.0, 1e4])
def test_softmax_with_and_without_its_shift_agree(rng, dtype, scale):
    # Within half the exponent range the logits go to exp unshifted; beyond it, in
    # float32 from 44 and in float64 from 354, each row's maximum is subtracted.
    Z = (rng.randn(50, 6) * scale).astype(dtype)
    P = OUTPUT_ACTIVATIONS["softmax"].forward(Z.copy())
    Z64 = Z.astype(np.float64)
    shifted = np.exp(Z64 - Z64.max(axis=1, keepdims=True))
    expected = shifted / shifted.sum(axis=1, keepdims=True)
    assert P.dtype == dtype
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(P, expected, rtol=tol, atol=np.finfo(dtype).tiny)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "name", ["logistic", "softmax", "tanh", "relu", "identity", "gelu"]
)
def test_no_overflow_at_large_inputs(name, dtype):
    act = {**ACTIVATIONS, **OUTPUT_ACTIVATIONS}[name]
    Z = np.array([[-1e3, 0.0, 1e3], [1e3, 1e3, -1e3]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise", under="ignore"):
            Z_in = Z.copy()
            A = act.forward(Z_in)
            if name in ACTIVATIONS:
                act.derivative(Z_in, A, np.ones_like(A))
    assert A.dtype == dtype
    assert np.isfinite(A).all()
    if name == "logistic":
        np.testing.assert_allclose(A, [[0, 0.5, 1], [1, 1, 0]], atol=1e-30)
    if name == "softmax":
        np.testing.assert_allclose(A, [[0, 0, 1], [0.5, 0.5, 0]])


def test_exp_output_is_numpys_exp_in_and_out_of_place(rng):
    # MLPRegressor's log link: no clip, so an overflow shows as inf, which
    # training reports as a divergence.
    Z = rng.randn(5, 2) * 3
    np.testing.assert_array_equal(
        OUTPUT_ACTIVATIONS["exp"].forward(Z.copy()), np.exp(Z)
    )
    with np.errstate(over="ignore"):
        assert OUTPUT_ACTIVATIONS["exp"].forward(np.array([[1e3]]))[0, 0] == np.inf


def test_gelu_is_near_the_exact_form_and_its_derivative_reads_z(rng):
    # Z * Phi(Z) with the normal CDF written through math.erf.
    import math

    Z = np.linspace(-6, 6, 241)
    exact = Z * 0.5 * (1 + np.array([math.erf(z / math.sqrt(2)) for z in Z]))
    gelu = ACTIVATIONS["gelu"]
    A = gelu.forward(Z.copy())
    assert np.max(np.abs(A - exact)) < 1e-3
    # Not a function of A alone: on either side of GELU's minimum, near Z = -0.75,
    # the slopes differ in sign.
    Z = np.array([-0.5, -1.7])
    dZ = gelu.derivative(Z, gelu.forward(Z.copy()), np.ones(2))
    assert dZ[0] > 0 > dZ[1]


def test_he_init_is_said_by_each_activation():
    assert {n for n, act in ACTIVATIONS.items() if act.he_init} == {"relu", "gelu"}


@pytest.mark.parametrize("Estimator", [ANNClassifier, ANNRegressor])
def test_the_estimators_document_every_activation(Estimator):
    line = next(
        line for line in Estimator.__doc__.splitlines() if "activation : {" in line
    )
    listed = line[line.index("{") + 1 : line.index("}")]
    assert {name.strip(" '") for name in listed.split(",")} == set(ACTIVATIONS)
