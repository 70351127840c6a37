"""``equinox.nn``'s layers and their default initialization, cited by file and line of the
installed equinox (its docstrings state no law; the constructor computes it): Linear, Conv,
ConvTranspose and the cells U(−lim, lim) with lim = 1/√fan_in (in features; in channels per group
× kernel, for a transposed conv too; hidden size for the cells), biases included; Embedding
N(0, 1); norms weight ones, bias zeros; MultiheadAttention through its Linear children. Built
with ``key=jax.random.PRNGKey(seed)``."""

from __future__ import annotations

import dataclasses
import inspect
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
    Source,
    Spec,
    sources,
    uniform_k,
)

_src = sources("equinox/nn")


LINEAR = _src("_linear.py", 57, "lim = 1 / math.sqrt(in_features_)")
CONV = _src("_conv.py", 170, "lim = 1 / math.sqrt(grouped_in_channels * math.prod(kernel_size))")
CONV_TRANSPOSE = _src(
    "_conv.py", 510, "lim = 1 / math.sqrt(grouped_in_channels * math.prod(kernel_size))"
)
EMBEDDING = _src("_embedding.py", 65, "self.weight = jrandom.normal(")
CELLS = {"GRUCell": 67, "LSTMCell": 165}
#: LayerNorm, GroupNorm, RMSNorm: the line "self.weight = jnp.ones(..." (bias zeros on the next)
NORMS = {"LayerNorm": 98, "GroupNorm": 231, "RMSNorm": 350}


def _linear(layer: Any) -> Rules:
    into, out = (1 if f == "scalar" else int(f) for f in (layer.in_features, layer.out_features))
    law = uniform_k(1.0 / into, LINEAR, (into, out))
    return {"weight": (law,), "bias": (law,)}


def _conv(source: Source) -> LayerRule:
    def rule(layer: Any) -> Rules:
        window = math.prod(layer.kernel_size)
        fans = (layer.in_channels // layer.groups * window, layer.out_channels * window)
        law = uniform_k(1.0 / fans[0], source, fans)
        return {"weight": (law,), "bias": (law,)}

    return rule


def _embedding(layer: Any) -> Rules:
    return {"weight": (Rule("normal", EMBEDDING),)}


def _cell(line: int) -> LayerRule:
    source = _src("_rnn.py", line, "lim = math.sqrt(1 / hidden_size)")

    def rule(layer: Any) -> Rules:
        law = (uniform_k(1.0 / layer.hidden_size, source),)
        return {"weight_ih": law, "weight_hh": law, "bias": law, "bias_n": law}

    return rule


def _norm(line: int) -> LayerRule:
    ones = _src("_normalisation.py", line, "self.weight = jnp.ones(")
    zeros = _src("_normalisation.py", line + 1, "self.bias = jnp.zeros(")

    def rule(layer: Any) -> Rules:
        return {"weight": (Rule("ones", ones),), "bias": (Rule("zeros", zeros),)}

    return rule


LAYERS: Mapping[str, LayerRule | Children] = {
    "Linear": _linear,
    **{name: _conv(CONV) for name in ("Conv", "Conv1d", "Conv2d", "Conv3d")},
    **{name: _conv(CONV_TRANSPOSE) for name in ("ConvTranspose", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d")},
    "Embedding": _embedding,
    **{name: _cell(line) for name, line in CELLS.items()},
    **{name: _norm(line) for name, line in NORMS.items()},
    "MultiheadAttention": Children(),
}  # fmt: skip


def _build(
    cls: Any, spec: Spec, seed: int, in_features: int
) -> tuple[Any, dict[str, NDArray[Any]]]:
    """``cls(*args, key=PRNGKey(seed))`` (the norms take no key); its array leaves by path."""
    jax = framework("jax", "jax")
    keyed = "key" in inspect.signature(cls).parameters
    layer = cls(*spec.args, **spec.kwargs, **({"key": jax.random.PRNGKey(seed)} if keyed else {}))
    leaves = jax.tree_util.tree_flatten_with_path(layer)[0]
    arrays = {
        jax.tree_util.keystr(path).lstrip("."): np.asarray(v)
        for path, v in leaves
        if isinstance(v, jax.Array)
    }
    return layer, arrays


def _children(layer: Any) -> list[tuple[str, Any]]:
    eqx = framework("equinox", "jax")
    fields = [(f.name, getattr(layer, f.name)) for f in dataclasses.fields(layer)]
    return [(name, value) for name, value in fields if isinstance(value, eqx.Module)]


FRAMEWORK = Framework(
    module="equinox.nn", convention="jax", layers=LAYERS, build=_build, children=_children
)
