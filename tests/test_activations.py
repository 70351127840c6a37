"""Activations: values, derivatives against finite differences, stability, lookup."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import winit
from winit.activations import SELU_ALPHA, SELU_LAMBDA

Z = np.linspace(-6, 6, 241) + 1e-3  # avoid the kinks at exactly 0


@pytest.mark.parametrize("name", sorted(winit.ACTIVATIONS))
def test_derivative_matches_central_difference(name: str) -> None:
    act = winit.get_activation(name)
    h = 1e-6
    numeric = (act(Z + h) - act(Z - h)) / (2 * h)
    np.testing.assert_allclose(act.df(Z), numeric, rtol=1e-6, atol=1e-8)


def test_activations_and_derivatives_take_their_reference_values() -> None:
    z = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(winit.relu(z), [0.0, 0.0, 3.0])
    np.testing.assert_array_equal(winit.relu.df(z), [0.0, 0.0, 1.0])
    np.testing.assert_allclose(winit.leaky_relu(z), [-0.02, 0.0, 3.0])
    np.testing.assert_allclose(winit.sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-15)
    np.testing.assert_allclose(
        winit.selu(z), [SELU_LAMBDA * SELU_ALPHA * np.expm1(-2.0), 0, SELU_LAMBDA * 3]
    )
    np.testing.assert_array_equal(winit.linear(z), z)
    assert winit.sigmoid(np.zeros(3)).tolist() == [0.5, 0.5, 0.5]  # exactly, for ZERO-SIGMOID
    assert winit.tanh(np.zeros(2)).tolist() == [0.0, 0.0]


def test_sigmoid_is_stable_for_large_inputs() -> None:
    z = np.array([-1e4, -800.0, 800.0, 1e4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = winit.sigmoid(z)
        d = winit.sigmoid.df(z)
    np.testing.assert_array_equal(s, [0.0, 0.0, 1.0, 1.0])
    np.testing.assert_array_equal(d, [0.0, 0.0, 0.0, 0.0])


@pytest.mark.parametrize("name", sorted(winit.ACTIVATIONS))
def test_activations_and_derivatives_preserve_the_dtype(name: str) -> None:
    act = winit.get_activation(name)
    z = np.linspace(-2, 2, 5, dtype=np.float32)
    assert act(z).dtype == np.float32
    assert act.df(z).dtype == np.float32


def test_an_activation_is_looked_up_by_name_or_object() -> None:
    assert winit.get_activation("tanh") is winit.tanh
    assert winit.get_activation(winit.relu) is winit.relu
    with pytest.raises(ValueError, match="unknown activation 'gelu'; accepted: relu, tanh"):
        winit.get_activation("gelu")
