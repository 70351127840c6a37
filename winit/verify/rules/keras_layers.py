"""``keras.layers``' layers and their default initializers (Keras 3, any backend), cited by file
and line of the installed keras: Dense and Conv*: kernel ``glorot_uniform`` with the fans of the
built kernel (in features or channels × kernel, units or filters × kernel), bias zeros. A layer
is built on an input ``in_features`` wide (8 along each spatial axis)."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from winit.verify.adapters import framework
from winit.verify.rules.base import Framework, LayerRule, Rule, Rules, Source, Spec

DENSE_KERNEL = Source("keras/src/layers/core/dense.py", 89, 'kernel_initializer="glorot_uniform"')
DENSE_BIAS = Source("keras/src/layers/core/dense.py", 90, 'bias_initializer="zeros"')
#: Conv1D/2D/3D: their constructors' kernel_initializer and bias_initializer lines
CONV = {1: 106, 2: 109, 3: 106}


def _kernel(source: Source, bias: Source) -> LayerRule:
    """glorot_uniform over (in features × kernel, units × kernel); bias zeros."""

    def rule(layer: Any) -> Rules:
        kernel = math.prod(getattr(layer, "kernel_size", ()))
        (into,) = layer.input_spec.axes.values()  # the input axis it was built on
        units = getattr(layer, "units", None) or layer.filters
        fans = (into * kernel, units * kernel)
        return {
            "kernel": (Rule("glorot_uniform", source, fans=fans),),
            "bias": (Rule("zeros", bias),),
        }

    return rule


LAYERS: Mapping[str, LayerRule] = {
    "Dense": _kernel(DENSE_KERNEL, DENSE_BIAS),
    **{
        f"Conv{d}D": _kernel(
            Source(
                f"keras/src/layers/convolutional/conv{d}d.py",
                line,
                'kernel_initializer="glorot_uniform"',
            ),
            Source(
                f"keras/src/layers/convolutional/conv{d}d.py", line + 1, 'bias_initializer="zeros"'
            ),
        )
        for d, line in CONV.items()
    },
}


def _build(
    cls: Any, spec: Spec, seed: int, in_features: int
) -> tuple[Any, dict[str, NDArray[Any]]]:
    """Built on an input ``in_features`` wide under ``keras.utils.set_random_seed(seed)``; Keras
    seeds Python's and numpy's global generators too, which are put back afterwards."""
    keras = framework("keras", "keras")
    saved = random.getstate(), np.random.get_state()  # noqa: NPY002
    try:
        keras.utils.set_random_seed(seed)
        layer = cls(*spec.args, **spec.kwargs)
        kernel_size = getattr(layer, "kernel_size", ())
        layer.build((None, *([8] * len(kernel_size)), in_features))
    finally:
        random.setstate(saved[0])
        np.random.set_state(saved[1])  # noqa: NPY002
    arrays = {w.path.split("/")[-1]: keras.ops.convert_to_numpy(w.value) for w in layer.weights}
    return layer, arrays


FRAMEWORK = Framework(module="keras.layers", convention="keras", layers=LAYERS, build=_build)
