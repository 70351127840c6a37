"""``flax.linen``'s layers and their default initializers, cited by file and line of the
installed flax: Dense: kernel ``lecun_normal`` (variance scaling, truncated normal, std-corrected)
over (in features, features), bias zeros. A module is initialised on an input ``in_features``
wide."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from winit.verify.adapters import framework
from winit.verify.rules.base import Framework, LayerRule, Rule, Rules, Source, Spec

KERNEL = Source("flax/linen/linear.py", 49, "default_kernel_init = initializers.lecun_normal()")
DENSE_BIAS = Source(
    "flax/linen/linear.py", 248, "bias_init: Initializer = initializers.zeros_init()"
)


@dataclass(frozen=True)
class Initialised:
    """A linen module (configuration only) and the input width it was initialised on."""

    module: Any
    in_features: int


def _dense(layer: Initialised) -> Rules:
    fans = (layer.in_features, layer.module.features)
    return {
        "kernel": (Rule("lecun_normal", KERNEL, {"distribution": "truncated_normal"}, fans),),
        "bias": (Rule("zeros", DENSE_BIAS),),
    }


LAYERS: Mapping[str, LayerRule] = {"Dense": _dense}


def _build(
    cls: Any, spec: Spec, seed: int, in_features: int
) -> tuple[Any, dict[str, NDArray[Any]]]:
    """``module.init(PRNGKey(seed), ones((1, in_features)))``'s params."""
    jax = framework("jax", "jax")
    module = cls(*spec.args, **spec.kwargs)
    variables = module.init(jax.random.PRNGKey(seed), jax.numpy.ones((1, in_features)))
    arrays = {k: np.asarray(v) for k, v in variables["params"].items()}
    return Initialised(module, in_features), arrays


FRAMEWORK = Framework(module="flax.linen", convention="jax", layers=LAYERS, build=_build)
