"""Fan-in/fan-out of weight shapes and PyTorch's table of recommended gains."""

from __future__ import annotations

import math
from typing import Literal

from winit._validate import ShapeLike, choice, finite, shape_of

Layout = Literal["torch", "keras"]
LAYOUTS = ("torch", "keras")
Mode = Literal["fan_in", "fan_out", "fan_avg", "fan_geo_avg"]
MODES: tuple[str, ...] = ("fan_in", "fan_out", "fan_avg", "fan_geo_avg")
NONLINEARITIES = (
    "linear", "conv1d", "conv2d", "conv3d",
    "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "sigmoid", "tanh", "relu", "leaky_relu", "selu",
)  # fmt: skip


def fans(shape: ShapeLike, layout: Layout = "torch") -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a dense or convolution weight shape.

    ``layout="torch"`` reads ``(out, in, *kernel)`` as ``torch.nn.init._calculate_fan_in_and_fan_out``
    does; ``layout="keras"`` reads ``(*kernel, in, out)`` as Keras' and JAX's ``compute_fans`` do.
    Both multiply the channel counts by the receptive field (the product of the kernel dims).
    Unlike Keras, 0-d and 1-d shapes are an error: they have no fan-in/fan-out to speak of.
    """
    choice("layout", layout, LAYOUTS)
    dims = shape_of(shape, min_ndim=2)
    if layout == "torch":
        receptive = math.prod(dims[2:])
        return dims[1] * receptive, dims[0] * receptive
    receptive = math.prod(dims[:-2])
    return dims[-2] * receptive, dims[-1] * receptive


def fan_by_mode(fan_in: float, fan_out: float, mode: str) -> float:
    """The fan a variance-scaling ``mode`` divides by: ``fan_in``, ``fan_out``, ``fan_avg``
    (their mean) or ``fan_geo_avg`` (their geometric mean), as Keras' and JAX's
    ``variance_scaling`` and PyTorch's ``mode`` define them."""
    choice("mode", mode, MODES)
    return {
        "fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0,
        "fan_geo_avg": math.sqrt(fan_in * fan_out),
    }[mode]  # fmt: skip


def gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for ``nonlinearity``, exactly ``torch.nn.init.calculate_gain``'s table.

    linear and conv* 1, sigmoid 1, tanh 5/3, relu √2, leaky_relu √(2/(1+slope²)) with the
    slope ``param`` (default 0.01, as PyTorch), selu 3/4.
    """
    choice("nonlinearity", nonlinearity, NONLINEARITIES)
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else finite("param (negative slope)", param)
        return math.sqrt(2.0 / (1.0 + slope**2))
    if nonlinearity == "selu":
        return 0.75
    return 1.0
