"""``mlx.nn``'s layers and their default initialization, cited by file and line of the installed
mlx (the docstring where it states the law, the constructor's line otherwise): Linear, Conv and
the RNNs U(−k, k) with k = 1/√fan_in (in channels per group × kernel for a conv, hidden size for
the RNNs); conv biases zeros; Embedding N(0, 1/dims); norms weight ones, bias zeros, running
mean zeros, running variance ones; MultiHeadAttention and the transformer layers through their
Linear and LayerNorm children."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from winit.verify.adapters import framework
from winit.verify.rules.base import (
    Children,
    Framework,
    LayerRule,
    Rule,
    Rules,
    Spec,
    sources,
    uniform_k,
)

_src = sources("mlx/nn/layers")


LINEAR = _src("linear.py", 39, r"\mathcal{U}(-{k}, {k})")
#: Conv1d/2d/3d: the line computing the weight's bound, the bias line
CONV = {"Conv1d": (54, 61), "Conv2d": (135, 142), "Conv3d": (208, 217)}
EMBEDDING = _src("embedding.py", 26, "mx.random.normal(shape=(num_embeddings, dims), scale=scale)")
#: RNN, GRU, LSTM: the line "scale = 1.0 / math.sqrt(hidden_size)" and their parameter names
RECURRENT = {
    "RNN": (54, ("Wxh", "Whh", "bias")),
    "GRU": (132, ("Wx", "Wh", "b", "bhn")),
    "LSTM": (243, ("Wx", "Wh", "bias")),
}
#: "parameters initialized at 1 and 0 respectively" (RMSNorm: "initialized at 1")
NORMS = {"LayerNorm": 96, "GroupNorm": 179, "BatchNorm": 289, "InstanceNorm": 20, "RMSNorm": 142}
RUNNING = {"running_mean": ("zeros", 342, "mx.zeros"), "running_var": ("ones", 343, "mx.ones")}


def _linear(layer: Any) -> Rules:
    fan_out, fan_in = layer.weight.shape
    law = uniform_k(1.0 / fan_in, LINEAR, (fan_in, fan_out))
    return {"weight": (law,), "bias": (law,)}


def _conv(bound: int, bias: int) -> LayerRule:
    """weight (out, *kernel, in/groups): U(±1/√(in/groups·∏kernel)), the bound the code computes;
    the fans are read off the weight's axes, as an MLX conv keeps no ``in_channels``."""
    weight = _src("convolution.py", bound, "scale = math.sqrt")
    zeros = _src("convolution.py", bias, "self.bias = mx.zeros((out_channels,))")

    def rule(layer: Any) -> Rules:
        out, *kernel, per_group = layer.weight.shape
        fans = (per_group * math.prod(kernel), out * math.prod(kernel))
        return {
            "weight": (uniform_k(1.0 / fans[0], weight, fans),),
            "bias": (Rule("zeros", zeros),),
        }

    return rule


def _embedding(layer: Any) -> Rules:
    dims = layer.weight.shape[1]
    return {"weight": (Rule("normal", EMBEDDING, {"std": 1.0 / math.sqrt(dims)}),)}


def _recurrent(line: int, names: tuple[str, ...]) -> LayerRule:
    source = _src("recurrent.py", line, "scale = 1.0 / math.sqrt(hidden_size)")

    def rule(layer: Any) -> Rules:
        law = uniform_k(1.0 / layer.hidden_size, source)
        return dict.fromkeys(names, (law,))

    return rule


def _norm(line: int) -> LayerRule:
    source = _src("normalization.py", line, "initialized at")

    def rule(layer: Any) -> Rules:
        return {
            "weight": (Rule("ones", source),), "bias": (Rule("zeros", source),),
            **{name: (Rule(law, _src("normalization.py", at, quote)),)
               for name, (law, at, quote) in RUNNING.items()},
        }  # fmt: skip

    return rule


LAYERS: Mapping[str, LayerRule | Children] = {
    "Linear": _linear,
    **{name: _conv(*lines) for name, lines in CONV.items()},
    "Embedding": _embedding,
    **{name: _recurrent(*where) for name, where in RECURRENT.items()},
    **{name: _norm(line) for name, line in NORMS.items()},
    "MultiHeadAttention": Children(),
    "TransformerEncoderLayer": Children(),
    "TransformerDecoderLayer": Children(),
}


def _build(
    cls: Any, spec: Spec, seed: int, in_features: int
) -> tuple[Any, dict[str, NDArray[Any]]]:
    """Built after ``mx.random.seed(seed)``; its parameters (frozen running statistics too)."""
    mx = framework("mlx.core", "mlx")
    utils = framework("mlx.utils", "mlx")
    mx.random.seed(seed)
    layer = cls(*spec.args, **spec.kwargs)
    return layer, {k: np.array(v) for k, v in utils.tree_flatten(layer.parameters())}


def _children(layer: Any) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for name, child in layer.children().items():
        items = enumerate(child) if isinstance(child, list) else [(None, child)]
        out += [(name if i is None else f"{name}.{i}", c) for i, c in items]
    return out


FRAMEWORK = Framework(
    module="mlx.nn", convention="mlx", layers=LAYERS, build=_build, children=_children
)
