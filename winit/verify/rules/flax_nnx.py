"""``flax.nnx``'s modules and their default initializers, cited by file and line of the
installed flax: as linen's (:mod:`winit.verify.rules.flax_linen`), with the input width from the
module's own ``in_features``: kernels ``lecun_normal`` over the flattened (inputs, features)
matrix, biases zeros, Embed N(0, 1/features), norms scale ones, bias zeros, running mean zeros,
running variance ones. Built with ``rngs=nnx.Rngs(seed)``."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from winit.verify.adapters import framework
from winit.verify.rules.base import Framework, LayerRule, Rule, Rules, Spec, sources

_src = sources("flax/nnx/nn")


KERNEL = _src("linear.py", 48, "default_kernel_init = initializers.lecun_normal()")
BIAS = _src("linear.py", 49, "default_bias_init = initializers.zeros_init()")
LECUN = {"distribution": "truncated_normal"}
EMBED = _src("linear.py", 1212, "default_embed_init = initializers.variance_scaling(")
ATTENTION_BIAS = _src("attention.py", 437, "bias_init: Initializer = initializers.zeros_init(),")
#: each norm's bias_init line (scale_init on the next)
NORMS = {"LayerNorm": 509, "BatchNorm": 301, "GroupNorm": 813}
RMS_SCALE = _src("normalization.py", 653, "scale_init: Initializer = initializers.ones,")
RUNNING = {"mean": ("zeros", 312), "var": ("ones", 313)}


def _linear(layer: Any) -> Rules:
    fans = (layer.in_features, layer.out_features)
    return {"kernel": (Rule("lecun_normal", KERNEL, LECUN, fans),), "bias": (Rule("zeros", BIAS),)}


def _conv(layer: Any) -> Rules:
    window = math.prod(layer.kernel_size)
    groups = getattr(layer, "feature_group_count", 1)
    fans = (layer.in_features // groups * window, layer.out_features * window)
    return {"kernel": (Rule("lecun_normal", KERNEL, LECUN, fans),), "bias": (Rule("zeros", BIAS),)}


def _embed(layer: Any) -> Rules:
    """variance_scaling(1.0, 'fan_in', 'normal', out_axis=0): fan_in is the features axis."""
    law = Rule("variance_scaling", EMBED, {"scale": 1.0, "mode": "fan_in", "distribution": "normal"},
               (layer.features, layer.num_embeddings))  # fmt: skip
    return {"embedding": (law,)}


def _norm(line: int) -> LayerRule:
    bias = _src("normalization.py", line, "bias_init: Initializer = initializers.zeros_init(),")
    scale = _src(
        "normalization.py", line + 1, "scale_init: Initializer = initializers.ones_init(),"
    )

    def rule(layer: Any) -> Rules:
        return {
            "scale": (Rule("ones", scale),), "bias": (Rule("zeros", bias),),
            **{name: (Rule(law, _src("normalization.py", at, f"self.{name} = nnx.BatchStat")),)
               for name, (law, at) in RUNNING.items()},
        }  # fmt: skip

    return rule


def _rms(layer: Any) -> Rules:
    return {"scale": (Rule("ones", RMS_SCALE),)}


def _attention(layer: Any) -> Rules:
    into, qkv, out = layer.in_features, layer.qkv_features, layer.out_features
    bias = (Rule("zeros", ATTENTION_BIAS),)
    rules: dict[str, tuple[Rule, ...]] = {
        f"{p}/kernel": (Rule("lecun_normal", KERNEL, LECUN, (into, qkv)),)
        for p in ("query", "key", "value")
    }
    rules |= {f"{p}/bias": bias for p in ("query", "key", "value", "out")}
    rules["out/kernel"] = (Rule("lecun_normal", KERNEL, LECUN, (qkv, out)),)
    return rules


LAYERS: Mapping[str, LayerRule] = {
    "Linear": _linear,
    "Conv": _conv,
    "ConvTranspose": _conv,
    "Embed": _embed,
    **{name: _norm(line) for name, line in NORMS.items()},
    "RMSNorm": _rms,
    "MultiHeadAttention": _attention,
}


def _build(
    cls: Any, spec: Spec, seed: int, in_features: int
) -> tuple[Any, dict[str, NDArray[Any]]]:
    """``cls(*args, rngs=nnx.Rngs(seed))``; its parameters and batch statistics by path."""
    nnx = framework("flax.nnx", "jax")
    layer = cls(*spec.args, **spec.kwargs, rngs=nnx.Rngs(seed))
    state = nnx.state(layer, nnx.Any(nnx.Param, nnx.BatchStat))
    arrays = {"/".join(map(str, path)): np.asarray(v.get_value()) for path, v in state.flat_state()}
    return layer, arrays


FRAMEWORK = Framework(module="flax.nnx", convention="jax", layers=LAYERS, build=_build)
