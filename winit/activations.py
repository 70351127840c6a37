"""Activation functions with their exact derivatives, looked up by name or passed as objects."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from winit._validate import choice

Array = NDArray[np.floating]

#: Klambauer et al. 2017, eq. 14: the SELU constants (λ, α) that make (0, 1) a fixed point.
SELU_LAMBDA = 1.0507009873554805
SELU_ALPHA = 1.6732632423543772
LEAKY_SLOPE = 0.01


@dataclass(frozen=True)
class Activation:
    """An elementwise nonlinearity ``f`` and its derivative ``df`` (both functions of z)."""

    name: str
    f: Callable[[Array], Array]
    df: Callable[[Array], Array]

    def __call__(self, z: Array) -> Array:
        return self.f(z)


def _sigmoid(z: Array) -> Array:
    """1/(1+e^-z) from e^-|z|, so no overflow for any z; σ(0) is exactly 0.5."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


def _dsigmoid(z: Array) -> Array:
    s = _sigmoid(z)
    return s * (1.0 - s)


def _relu(z: Array) -> Array:
    return np.maximum(z, 0.0)


def _drelu(z: Array) -> Array:
    return (z > 0).astype(z.dtype)  # 0 at z = 0, as PyTorch and JAX


def _leaky(z: Array) -> Array:
    return np.where(z > 0, z, LEAKY_SLOPE * z)


def _dleaky(z: Array) -> Array:
    return np.where(z > 0, 1.0, LEAKY_SLOPE).astype(z.dtype)


def _selu(z: Array) -> Array:
    return SELU_LAMBDA * np.where(z > 0, z, SELU_ALPHA * np.expm1(np.minimum(z, 0.0)))


def _dselu(z: Array) -> Array:
    return SELU_LAMBDA * np.where(z > 0, 1.0, SELU_ALPHA * np.exp(np.minimum(z, 0.0)))


def _dtanh(z: Array) -> Array:
    t = np.tanh(z)
    return 1.0 - t * t


def _linear(z: Array) -> Array:
    return z


def _dlinear(z: Array) -> Array:
    return np.ones_like(z)


relu = Activation("relu", _relu, _drelu)
tanh = Activation("tanh", np.tanh, _dtanh)
sigmoid = Activation("sigmoid", _sigmoid, _dsigmoid)
linear = Activation("linear", _linear, _dlinear)
leaky_relu = Activation("leaky_relu", _leaky, _dleaky)
selu = Activation("selu", _selu, _dselu)

ACTIVATIONS: dict[str, Activation] = {
    a.name: a for a in (relu, tanh, sigmoid, linear, leaky_relu, selu)
}


def get_activation(activation: str | Activation) -> Activation:
    """The activation called ``activation``, or the object itself; unknown names are a ValueError."""
    if isinstance(activation, Activation):
        return activation
    return ACTIVATIONS[choice("activation", activation, tuple(ACTIVATIONS))]
