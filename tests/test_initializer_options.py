"""Initializer options users rely on: documented defaults, the option named in each error,
``a == b`` for uniform, Keras' conv layout in the presets, and the leaky-ReLU slope ``a``.

Every factory is called inside the test body, so the test exercises the call it names (an
initializer built at import time is not attributed to any test by a mutation tool).
Exact laws are recomputed from the same generator's own draws; nothing here is statistical.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

import winit

Draw = Callable[[], np.ndarray]
SHAPE = (40, 30)  # torch layout: fan_in 30, fan_out 40


@pytest.mark.parametrize(
    ("default", "documented"),
    [
        # U[0, 1) is PyTorch's uniform_(a=0, b=1): the generator's own random() unchanged.
        (lambda: winit.uniform()(SHAPE, 3, np.float64),
         lambda: np.random.default_rng(3).random(SHAPE)),
        (lambda: winit.truncated_normal()(SHAPE, 3),
         lambda: winit.truncated_normal(0.0, 1.0)(SHAPE, 3)),
        # Keras' and JAX's VarianceScaling defaults: scale 1, fan_in, truncated normal.
        (lambda: winit.variance_scaling()(SHAPE, 3),
         lambda: winit.variance_scaling(1.0, "fan_in", "truncated_normal", "torch")(SHAPE, 3)),
        # torch.nn.init.eye_ has no gain: identity defaults to gain 1.
        (lambda: winit.identity((3, 5)), lambda: np.eye(3, 5, dtype=np.float32)),
        # PyTorch's kaiming default is leaky_relu with slope a=0, the same gain √2 as relu.
        (lambda: winit.he_normal(SHAPE, 3, nonlinearity="leaky_relu"),
         lambda: winit.he_normal(SHAPE, 3, nonlinearity="relu")),
        (lambda: winit.he_uniform(SHAPE, 3, nonlinearity="leaky_relu"),
         lambda: winit.he_uniform(SHAPE, 3, nonlinearity="relu")),
    ],
    ids=["uniform", "truncated_normal", "variance_scaling", "identity", "he_normal", "he_uniform"],
)  # fmt: skip
def test_documented_defaults(default: Draw, documented: Draw) -> None:
    np.testing.assert_array_equal(default(), documented())


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: winit.uniform(a=float("nan")), r"^a must be finite, got nan$"),
        (lambda: winit.uniform(b=float("inf")), r"^b must be finite, got inf$"),
        (lambda: winit.truncated_normal(mean=float("-inf")), r"^mean must be finite, got -inf$"),
        (lambda: winit.orthogonal(gain=float("nan")), r"^gain must be finite, got nan$"),
        (lambda: winit.orthogonal(layout="mxnet"),  # type: ignore[arg-type]
         r"^unknown layout 'mxnet'; accepted: torch, keras$"),
        (lambda: winit.identity((2, 2), gain=float("inf")), r"^gain must be finite, got inf$"),
        (lambda: winit.identity((4,)), r"^identity needs a 2-D shape \(rows, cols\), got \(4,\)$"),
        (lambda: winit.identity((2, 2, 3)), r"^identity needs a 2-D shape"),
    ],
)  # fmt: skip
def test_error_names_the_option(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_uniform_accepts_a_equal_to_b() -> None:
    """The error says ``uniform needs a <= b``: a == b is accepted and gives the constant a
    (as ``torch.nn.init.uniform_(w, a, a)``)."""
    w = winit.uniform(0.5, 0.5)((3, 4), 0)
    assert w.dtype == np.float32
    assert np.all(w == 0.5)


# (kh, kw, in, out): fan_in 4·9 = 36, fan_out 8·9 = 72 (read as torch's (out, in, *kernel): 96, 96)
KERAS_CONV = (3, 3, 4, 8)


def _preset_law(kind: str, shape: tuple[int, ...], seed: int, std: float) -> np.ndarray:
    """The generator's standard draws times ``std`` (normal), or its U[0, 1) draws mapped onto
    ±√3·std (uniform): what a fan-based preset must return for that seed."""
    rng = np.random.default_rng(seed)
    if kind == "normal":
        return rng.standard_normal(shape) * std
    bound = math.sqrt(3) * std
    return rng.random(shape) * 2 * bound - bound


@pytest.mark.parametrize(
    ("preset", "kind", "std"),
    [
        (winit.glorot_normal, "normal", math.sqrt(2 / (36 + 72))),
        (winit.glorot_uniform, "uniform", math.sqrt(2 / (36 + 72))),
        (winit.he_normal, "normal", math.sqrt(2 / 36)),
        (winit.he_uniform, "uniform", math.sqrt(2 / 36)),
    ],
)
def test_presets_read_conv_fans_in_keras_layout(
    preset: Callable[..., np.ndarray], kind: str, std: float
) -> None:
    """A Keras conv kernel (kh, kw, in, out) gets its fans from in·kh·kw and out·kh·kw."""
    w = preset(KERAS_CONV, 5, np.float64, layout="keras")
    np.testing.assert_allclose(w, _preset_law(kind, KERAS_CONV, 5, std), rtol=1e-14, atol=1e-16)


@pytest.mark.parametrize(
    ("preset", "kind"), [(winit.he_normal, "normal"), (winit.he_uniform, "uniform")]
)
@pytest.mark.parametrize("slope", [0.0, 0.2])
def test_leaky_relu_slope_sets_the_gain(
    preset: Callable[..., np.ndarray], kind: str, slope: float
) -> None:
    """gain = √(2/(1+a²)) (torch.nn.init.calculate_gain("leaky_relu", a)), std = gain/√fan_in.
    An explicit a = 0 is not replaced by calculate_gain's own default slope 0.01."""
    w = preset(SHAPE, 4, np.float64, a=slope, nonlinearity="leaky_relu")
    std = math.sqrt(2 / (1 + slope**2) / 30)
    np.testing.assert_allclose(w, _preset_law(kind, SHAPE, 4, std), rtol=1e-14, atol=1e-16)
