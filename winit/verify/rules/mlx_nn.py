"""``mlx.nn``'s layers and their default initialization, cited by file and line of the installed
mlx: Linear: weight and bias U(−k, k), k = 1/√input_dims."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from winit.verify.adapters import framework
from winit.verify.rules.base import Framework, LayerRule, Rules, Source, Spec, uniform_k

LINEAR = Source("mlx/nn/layers/linear.py", 39, r"\mathcal{U}(-{k}, {k})")


def _linear(layer: Any) -> Rules:
    fan_out, fan_in = layer.weight.shape
    law = uniform_k(1.0 / fan_in, LINEAR, (fan_in, fan_out))
    return {"weight": (law,), "bias": (law,)}


LAYERS: Mapping[str, LayerRule] = {"Linear": _linear}


def _build(
    cls: Any, spec: Spec, seed: int, in_features: int
) -> tuple[Any, dict[str, NDArray[Any]]]:
    """Built after ``mx.random.seed(seed)``."""
    mx = framework("mlx.core", "mlx")
    mx.random.seed(seed)
    layer = cls(*spec.args, **spec.kwargs)
    return layer, {k: np.array(v) for k, v in layer.parameters().items()}


FRAMEWORK = Framework(module="mlx.nn", convention="mlx", layers=LAYERS, build=_build)
