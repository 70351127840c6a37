"""``flax.linen``'s modules and their default initializers, cited by file and line of the
installed flax (the field's default): kernels ``lecun_normal`` (JAX's variance scaling: fan_in,
truncated normal, std-corrected) with the fans of the flattened (inputs, features) matrix — a
Conv's in channels per group × window, attention's q/k/v (in, heads × head dim) and output
(heads × head dim, out); recurrent kernels orthogonal; biases zeros; Embed N(0, 1/features);
norms scale ones, bias zeros, running mean zeros, running variance ones. A module is
initialised on an input ``in_features`` wide (8 along each spatial or time axis)."""

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

_src = sources("flax/linen")


KERNEL = _src("linear.py", 49, "default_kernel_init = initializers.lecun_normal()")
LECUN = {"distribution": "truncated_normal"}
#: each module's bias_init (and scale_init on the next line for the norms)
BIAS = {
    "Dense": _src("linear.py", 248, "bias_init: Initializer = initializers.zeros_init()"),
    "Conv": _src("linear.py", 522, "bias_init: Initializer = initializers.zeros_init()"),
    "ConvTranspose": _src("linear.py", 949, "bias_init: Initializer = initializers.zeros_init()"),
    "MultiHeadDotProductAttention": _src("attention.py", 391, "bias_init: Initializer = initializers.zeros_init()"),
}  # fmt: skip
EMBED = _src("linear.py", 1105, "default_embed_init = initializers.variance_scaling(")
NORMS = {
    "LayerNorm": _src("normalization.py", 491, "bias_init: Initializer = initializers.zeros"),
    "GroupNorm": _src("normalization.py", 718, "bias_init: Initializer = initializers.zeros"),
    "BatchNorm": _src("normalization.py", 316, "bias_init: Initializer = initializers.zeros"),
}
RMS_SCALE = _src("normalization.py", 592, "scale_init: Initializer = initializers.ones")
#: BatchNorm's running statistics: self.variable('batch_stats', 'mean', lambda s: jnp.zeros(...))
#: and 'var' with jnp.ones
RUNNING = {"mean": ("zeros", 361, "jnp.zeros("), "var": ("ones", 370, "jnp.ones(")}
#: LSTMCell, GRUCell: the line of recurrent_kernel_init (bias_init follows), their gates
CELLS = {"LSTMCell": (128, "ifgo"), "GRUCell": (275, "rzn")}


def _dense(layer: Initialised) -> Rules:
    fans = (layer.in_features, layer.module.features)
    return {
        "kernel": (Rule("lecun_normal", KERNEL, LECUN, fans),),
        "bias": (Rule("zeros", BIAS["Dense"]),),
    }


def _window(module: Any) -> int:
    size = module.kernel_size
    return size if isinstance(size, int) else math.prod(size)


def _conv(bias: Source) -> LayerRule:
    def rule(layer: Initialised) -> Rules:
        m, window = layer.module, _window(layer.module)
        groups = getattr(m, "feature_group_count", 1)
        fans = (layer.in_features // groups * window, m.features * window)
        return {
            "kernel": (Rule("lecun_normal", KERNEL, LECUN, fans),),
            "bias": (Rule("zeros", bias),),
        }

    return rule


def _embed(layer: Initialised) -> Rules:
    """variance_scaling(1.0, 'fan_in', 'normal', out_axis=0): fan_in is the features axis."""
    m = layer.module
    law = Rule("variance_scaling", EMBED, {"scale": 1.0, "mode": "fan_in", "distribution": "normal"},
               (m.features, m.num_embeddings))  # fmt: skip
    return {"embedding": (law,)}


def _norm(source: Source) -> LayerRule:
    scale = Source(source.path, source.line + 1, "scale_init: Initializer = initializers.ones")

    def rule(layer: Initialised) -> Rules:
        return {
            "scale": (Rule("ones", scale),), "bias": (Rule("zeros", source),),
            **{f"batch_stats/{name}": (Rule(law, _src("normalization.py", line, quote)),)
               for name, (law, line, quote) in RUNNING.items()},
        }  # fmt: skip

    return rule


def _rms(layer: Initialised) -> Rules:
    return {"scale": (Rule("ones", RMS_SCALE),)}


def _attention(layer: Initialised) -> Rules:
    m = layer.module
    qkv = m.qkv_features or layer.in_features
    out = m.out_features or layer.in_features
    bias = (Rule("zeros", BIAS["MultiHeadDotProductAttention"]),)
    rules: dict[str, tuple[Rule, ...]] = {
        f"{p}/kernel": (Rule("lecun_normal", KERNEL, LECUN, (layer.in_features, qkv)),)
        for p in ("query", "key", "value")
    }
    rules |= {f"{p}/bias": bias for p in ("query", "key", "value", "out")}
    rules["out/kernel"] = (Rule("lecun_normal", KERNEL, LECUN, (qkv, out)),)
    return rules


def _cell(line: int, gates: str) -> LayerRule:
    """Input kernels ``i*`` lecun_normal, hidden kernels ``h*`` orthogonal, biases zeros."""
    recurrent = _src(
        "recurrent.py", line, "recurrent_kernel_init: Initializer = initializers.orthogonal()"
    )
    bias = _src("recurrent.py", line + 1, "bias_init: Initializer = initializers.zeros_init()")

    def rule(layer: Initialised) -> Rules:
        f = layer.module.features
        rules: dict[str, tuple[Rule, ...]] = {}
        for g in gates:
            rules[f"i{g}/kernel"] = (Rule("lecun_normal", KERNEL, LECUN, (layer.in_features, f)),)
            rules[f"h{g}/kernel"] = (Rule("orthogonal", recurrent, layout="keras"),)
            rules[f"i{g}/bias"] = rules[f"h{g}/bias"] = (Rule("zeros", bias),)
        return rules

    return rule


LAYERS: Mapping[str, LayerRule] = {
    "Dense": _dense,
    "Conv": _conv(BIAS["Conv"]),
    "ConvTranspose": _conv(BIAS["ConvTranspose"]),
    "Embed": _embed,
    **{name: _norm(source) for name, source in NORMS.items()},
    "RMSNorm": _rms,
    "MultiHeadDotProductAttention": _attention,
    **{name: _cell(*where) for name, where in CELLS.items()},
}


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, NDArray[Any]]:
    out: dict[str, NDArray[Any]] = {}
    for k, v in tree.items():
        if isinstance(v, Mapping):
            out |= _flatten(v, f"{prefix}{k}/")
        else:
            out[prefix + k] = np.asarray(v)
    return out


def _build(
    cls: Any, spec: Spec, seed: int, in_features: int
) -> tuple[Any, dict[str, NDArray[Any]]]:
    """``module.init(PRNGKey(seed), inputs)``: an input ``in_features`` wide (a carry too for
    a cell, token ids for Embed, a sequence for attention); params by path, other collections
    (batch_stats) prefixed with their name."""
    jax = framework("jax", "jax")
    jnp, key = jax.numpy, jax.random.PRNGKey(seed)
    module = cls(*spec.args, **spec.kwargs)
    x = jnp.ones((2, *[8] * len(np.atleast_1d(getattr(module, "kernel_size", ()))), in_features))
    kwargs: dict[str, Any] = {}
    if spec.layer in CELLS:
        args: tuple[Any, ...] = (module.initialize_carry(key, x.shape), x)
    elif spec.layer == "Embed":
        args = (jnp.ones((2, 3), dtype=jnp.int32),)
    elif spec.layer == "MultiHeadDotProductAttention":
        args = (jnp.ones((2, 5, in_features)),)
    else:
        args = (x,)
    if spec.layer == "BatchNorm" and module.use_running_average is None:
        kwargs["use_running_average"] = False
    variables = module.init(key, *args, **kwargs)
    arrays = _flatten(variables.get("params", {}))
    arrays |= {k: v for name, tree in variables.items() if name != "params"
               for k, v in _flatten(tree, f"{name}/").items()}  # fmt: skip
    return Initialised(module, in_features), arrays


FRAMEWORK = Framework(module="flax.linen", convention="jax", layers=LAYERS, build=_build)
