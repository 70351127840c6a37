"""fans() and gain() against hand-computed values and PyTorch's/Keras' conventions."""

from __future__ import annotations

import math

import pytest

from winit import fans, gain
from winit.fans import fan_by_mode


@pytest.mark.parametrize(
    ("shape", "layout", "expected"),
    [
        ((30, 20), "torch", (20, 30)),
        ((64, 32, 3, 3), "torch", (32 * 9, 64 * 9)),
        ((8, 4, 5), "torch", (20, 40)),
        ((20, 30), "keras", (20, 30)),
        ((3, 3, 32, 64), "keras", (32 * 9, 64 * 9)),
        ((2, 3, 4, 5, 6), "keras", (5 * 24, 6 * 24)),
    ],
)
def test_fans_of_dense_and_conv_shapes_follow_the_layout(
    shape: tuple[int, ...], layout: str, expected: tuple[int, int]
) -> None:
    assert fans(shape, layout) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("shape", [(), (5,), 7, (3, 0), (3, -1), (2.5, 3), "ab", None, (True, 3)])
def test_fans_rejects_bad_shapes(shape: object) -> None:
    with pytest.raises(ValueError, match="shape"):
        fans(shape)  # type: ignore[arg-type]


def test_fans_rejects_unknown_layout() -> None:
    with pytest.raises(ValueError, match=r"^unknown layout .*; accepted: torch, keras$"):
        fans((3, 4), "jax")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "param", "expected"),
    [
        ("linear", None, 1.0),
        ("conv2d", None, 1.0),
        ("sigmoid", None, 1.0),
        ("tanh", None, 5 / 3),
        ("relu", None, math.sqrt(2)),
        ("leaky_relu", None, math.sqrt(2 / (1 + 0.01**2))),
        ("leaky_relu", 0.2, math.sqrt(2 / 1.04)),
        ("leaky_relu", math.sqrt(5), math.sqrt(1 / 3)),
        ("selu", None, 0.75),
    ],
)
def test_gain_takes_torchs_calculate_gain_values(
    name: str, param: float | None, expected: float
) -> None:
    assert gain(name, param) == pytest.approx(expected, rel=1e-15)


def test_gain_rejects_unknown_nonlinearity() -> None:
    with pytest.raises(ValueError, match="unknown nonlinearity 'gelu'; accepted: linear"):
        gain("gelu")


def test_gain_rejects_non_finite_slope() -> None:
    with pytest.raises(ValueError, match=r"^param \(negative slope\) must be finite, got nan$"):
        gain("leaky_relu", float("nan"))


@pytest.mark.parametrize(
    ("mode", "fan"), [("fan_in", 2.0), ("fan_out", 8.0), ("fan_avg", 5.0), ("fan_geo_avg", 4.0)]
)
def test_fan_by_mode_is_the_one_table_of_modes(mode: str, fan: float) -> None:
    assert fan_by_mode(2, 8, mode) == fan


def test_fan_by_mode_names_the_accepted_modes() -> None:
    with pytest.raises(ValueError, match=r"^unknown mode .fan_sum.; accepted: .*fan_geo_avg"):
        fan_by_mode(2, 8, "fan_sum")
