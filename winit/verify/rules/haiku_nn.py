"""``haiku``'s modules and their default initializers, cited by file and line of the installed
dm-haiku: Linear, Conv*D, Conv*DTranspose: weights ``hk.initializers.TruncatedNormal`` (cut at ±2
parent σ, σ not corrected) with σ = 1/√fan_in, fan_in the in features (in channels per group ×
kernel for a conv; a transposed conv's weight (…, out, in) counts its in channels too); biases
zeros; Embed TruncatedNormal(σ = 1); LayerNorm scale ones, offset zeros; LSTM one Linear over
[x, h] (fan_in = in + hidden). A module is applied to an input ``in_features`` wide inside
``hk.transform`` and initialised with ``PRNGKey(seed)``."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from winit.verify.adapters import framework
from winit.verify.rules.base import (
    Framework,
    Initialised,
    LayerRule,
    Rule,
    Rules,
    Source,
    Spec,
    sources,
)

_src = sources("haiku/_src")


LINEAR = _src("basic.py", 147, "from truncated normal, with stddev ``1 / sqrt(fan_in)``")
LINEAR_BIAS = _src("basic.py", 149, "b_init: Optional initializer for bias. By default, zero.")
CONV = _src("conv.py", 206, "stddev = 1. / np.sqrt(fan_in_shape)")
CONV_BIAS = _src("conv.py", 113, "b_init: Optional bias initialization. By default, zeros.")
CONV_TRANSPOSE = _src("conv.py", 599, "stddev = 1. / np.sqrt(np.prod(fan_in_shape))")
CONV_TRANSPOSE_BIAS = _src("conv.py", 549, "self.b_init = b_init or jnp.zeros")
EMBED = _src("embed.py", 134, "self.w_init = w_init or hk.initializers.TruncatedNormal()")
LSTM = _src("recurrent.py", 339, "gated = hk.Linear(4 * self.hidden_size)(x_and_h)")
SCALE = _src("layer_norm.py", 123, "self.scale_init = scale_init or jnp.ones")
OFFSET = _src("layer_norm.py", 124, "self.offset_init = offset_init or jnp.zeros")


def _truncated(fan_in: int, fan_out: int, source: Source) -> Rule:
    std = 1.0 / math.sqrt(fan_in)
    return Rule(
        "truncated_normal", source, {"std": std, "truncation": "uncorrected"}, (fan_in, fan_out)
    )


def _linear(layer: Initialised) -> Rules:
    fans = (layer.in_features, layer.module.output_size)
    return {"w": (_truncated(*fans, LINEAR),), "b": (Rule("zeros", LINEAR_BIAS),)}


def _conv(weight: Source, bias: Source, grouped: bool) -> LayerRule:
    def rule(layer: Initialised) -> Rules:
        m = layer.module
        window = math.prod(m.kernel_shape)
        groups = m.feature_group_count if grouped else 1
        fans = (layer.in_features // groups * window, m.output_channels * window)
        return {"w": (_truncated(*fans, weight),), "b": (Rule("zeros", bias),)}

    return rule


def _embed(layer: Initialised) -> Rules:
    return {"embeddings": (Rule("truncated_normal", EMBED, {"truncation": "uncorrected"}),)}


def _lstm(layer: Initialised) -> Rules:
    hidden = layer.module.hidden_size
    fans = (layer.in_features + hidden, 4 * hidden)
    return {"linear/w": (_truncated(*fans, LSTM),), "linear/b": (Rule("zeros", LSTM),)}


def _layer_norm(layer: Initialised) -> Rules:
    return {"scale": (Rule("ones", SCALE),), "offset": (Rule("zeros", OFFSET),)}


LAYERS: Mapping[str, LayerRule] = {
    "Linear": _linear,
    **{f"Conv{d}D": _conv(CONV, CONV_BIAS, True) for d in (1, 2, 3)},
    **{f"Conv{d}DTranspose": _conv(CONV_TRANSPOSE, CONV_TRANSPOSE_BIAS, False) for d in (1, 2, 3)},
    "Embed": _embed,
    "LSTM": _lstm,
    "LayerNorm": _layer_norm,
}
#: the spatial rank of each conv's input
SPATIAL = {**{f"Conv{d}D": d for d in (1, 2, 3)}, **{f"Conv{d}DTranspose": d for d in (1, 2, 3)}}


def _build(
    cls: Any, spec: Spec, seed: int, in_features: int
) -> tuple[Any, dict[str, NDArray[Any]]]:
    """``hk.transform`` of the module applied to an input ``in_features`` wide (token ids for
    Embed, with its initial state for LSTM); its parameters by path inside the module."""
    hk = framework("haiku", "haiku")
    jax = framework("jax", "jax")
    jnp = jax.numpy
    made: list[Any] = []

    def forward(x: Any) -> Any:
        module = cls(*spec.args, **spec.kwargs)
        made.append(module)
        if spec.layer == "LSTM":
            return module(x, module.initial_state(x.shape[0]))
        return module(x)

    if spec.layer == "Embed":
        x = jnp.ones((2, 3), dtype=jnp.int32)
    else:
        x = jnp.ones((2, *[8] * SPATIAL.get(spec.layer, 0), in_features))
    params = hk.transform(forward).init(jax.random.PRNGKey(seed), x)
    arrays: dict[str, NDArray[Any]] = {}
    for path, leaves in params.items():
        inner = path.split("/", 1)[1] + "/" if "/" in path else ""
        arrays |= {inner + name: np.asarray(v) for name, v in leaves.items()}
    return Initialised(made[0], in_features), arrays


FRAMEWORK = Framework(module="haiku", convention="haiku", layers=LAYERS, build=_build)
