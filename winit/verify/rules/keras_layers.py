"""``keras.layers``' layers and their default initializers (Keras 3, any backend), cited by file
and line of keras 3 (the constructor's ``*_initializer=`` default). Keras reads a kernel's fans
from its shape (the last axis out, the one before in, times the kernel window); the rules state
them from the configuration: Dense and Conv* ``glorot_uniform`` over (in × window, filters ×
window), a transposed conv over (filters × window, in × window) as its kernel is (…, filters,
in), a depthwise kernel over (in × window, multiplier × window); recurrent kernels orthogonal;
LSTM's bias ones on the forget gate (``unit_forget_bias``) and zeros elsewhere; Embedding
U[−0.05, 0.05]; norms gamma ones, beta zeros, moving mean zeros, moving variance ones. A layer is
built on an input ``in_features`` wide (8 along each spatial or time axis)."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from winit.verify.adapters import framework
from winit.verify.rules.base import (
    Children,
    Framework,
    LayerRule,
    Rows,
    Rule,
    Rules,
    Spec,
    sources,
)

_src = sources("keras/src/layers")


#: Dense, Conv*, Conv*Transpose: (file, line of kernel_initializer with bias_initializer on the
#: next, transposed)
KERNELS = {
    "Dense": ("core/dense.py", 89, False),
    **{f"Conv{d}D": (f"convolutional/conv{d}d.py", line, False)
       for d, line in ((1, 106), (2, 109), (3, 106))},
    **{f"Conv{d}DTranspose": (f"convolutional/conv{d}d_transpose.py", line, True)
       for d, line in ((1, 112), (2, 120), (3, 124))},
}  # fmt: skip
#: SimpleRNN, LSTM, GRU: (file, line of kernel_initializer; recurrent and bias follow)
RECURRENT = {"SimpleRNN": ("rnn/simple_rnn.py", 301), "LSTM": ("rnn/lstm.py", 454),
             "GRU": ("rnn/gru.py", 471)}  # fmt: skip
FORGET = _src("rnn/lstm.py", 457, "unit_forget_bias=True")
EMBEDDING = _src("core/embedding.py", 91, 'embeddings_initializer="uniform"')
DEPTHWISE = _src("convolutional/depthwise_conv2d.py", 111, 'depthwise_initializer="glorot_uniform"')
DEPTHWISE_BIAS = _src("convolutional/depthwise_conv2d.py", 112, 'bias_initializer="zeros"')
SEPARABLE = "convolutional/separable_conv2d.py"
#: the norms: (file, line of beta_initializer="zeros"; gamma_initializer="ones" follows)
NORMS = {
    "BatchNormalization": ("normalization/batch_normalization.py", 167),
    "LayerNormalization": ("normalization/layer_normalization.py", 111),
    "GroupNormalization": ("normalization/group_normalization.py", 74),
}


def _window(layer: Any) -> int:
    return math.prod(getattr(layer, "kernel_size", ()))


def _into(layer: Any) -> int:
    """The input width the layer was built on (its input spec's one fixed axis)."""
    (into,) = layer.input_spec.axes.values()
    return int(into)


def _kernel(path: str, line: int, transposed: bool) -> LayerRule:
    """glorot_uniform kernel with the fans Keras reads from its shape (a grouped conv's kernel
    holds the in channels of one group); bias zeros."""
    kernel = _src(path, line, 'kernel_initializer="glorot_uniform"')
    bias = _src(path, line + 1, 'bias_initializer="zeros"')

    def rule(layer: Any) -> Rules:
        window, into = _window(layer), _into(layer) // getattr(layer, "groups", 1)
        units = getattr(layer, "units", None) or layer.filters
        fans = (units * window, into * window) if transposed else (into * window, units * window)
        return {
            "kernel": (Rule("glorot_uniform", kernel, fans=fans),),
            "bias": (Rule("zeros", bias),),
        }

    return rule


def _recurrent(path: str, line: int) -> LayerRule:
    kernel = _src(path, line, 'kernel_initializer="glorot_uniform"')
    recurrent = _src(path, line + 1, 'recurrent_initializer="orthogonal"')
    bias = _src(path, line + 2, 'bias_initializer="zeros"')

    def rule(layer: Any) -> Rules:
        units, cell = layer.units, f"{layer.cell.name}/"
        gates = layer.cell.kernel.shape[-1] // units
        zeros = Rule("zeros", bias)
        biases: tuple[Rule, ...] = (zeros,)
        if getattr(layer, "unit_forget_bias", False):
            biases = (Rule("ones", FORGET, rows=Rows(units, 2 * units)),
                      Rule("zeros", bias, rows=Rows(units, 2 * units, rest=True)))  # fmt: skip
        return {
            # the width it was built on: a recurrent layer's input spec does not keep it
            cell + "kernel": (
                Rule(
                    "glorot_uniform", kernel, fans=(int(layer.cell.kernel.shape[0]), gates * units)
                ),
            ),
            cell + "recurrent_kernel": (Rule("orthogonal", recurrent, layout="keras"),),
            cell + "bias": biases,
        }

    return rule


EINSUM = _src("core/einsum_dense.py", 133, 'kernel_initializer="glorot_uniform"')
EINSUM_BIAS = _src("core/einsum_dense.py", 134, 'bias_initializer="zeros"')


def _einsum(layer: Any) -> Rules:
    """glorot_uniform over the einsum's axes: fan_in the kernel axes the input shares, fan_out
    the ones the output has (``"btd,dnh->btnh"``: d in, n·h out)."""
    inputs, output = layer.equation.split("->")
    into, kernel = inputs.split(",")
    size = dict(zip(kernel, layer.kernel.shape, strict=True))
    fan_in = math.prod(size[a] for a in kernel if a in into and a not in output)
    fan_out = math.prod(size[a] for a in kernel if a in output)
    return {"kernel": (Rule("glorot_uniform", EINSUM, fans=(fan_in, fan_out)),),
            "bias": (Rule("zeros", EINSUM_BIAS),)}  # fmt: skip


def _embedding(layer: Any) -> Rules:
    """ "uniform" is keras.initializers.RandomUniform(minval=-0.05, maxval=0.05)."""
    return {"embeddings": (Rule("uniform", EMBEDDING, {"a": -0.05, "b": 0.05}),)}


def _depthwise(layer: Any) -> Rules:
    window, into = _window(layer), _into(layer)
    fans = (into * window, layer.depth_multiplier * window)
    return {
        "kernel": (Rule("glorot_uniform", DEPTHWISE, fans=fans),),
        "bias": (Rule("zeros", DEPTHWISE_BIAS),),
    }


def _separable(layer: Any) -> Rules:
    window, into, dm = _window(layer), _into(layer), layer.depth_multiplier
    return {
        "depthwise_kernel": (Rule("glorot_uniform", _src(SEPARABLE, 110, 'depthwise_initializer="glorot_uniform"'),
                                  fans=(into * window, dm * window)),),
        "pointwise_kernel": (Rule("glorot_uniform", _src(SEPARABLE, 111, 'pointwise_initializer="glorot_uniform"'),
                                  fans=(into * dm, layer.filters)),),
        "bias": (Rule("zeros", _src(SEPARABLE, 112, 'bias_initializer="zeros"')),),
    }  # fmt: skip


def _norm(path: str, line: int) -> LayerRule:
    beta = _src(path, line, 'beta_initializer="zeros"')
    gamma = _src(path, line + 1, 'gamma_initializer="ones"')

    def rule(layer: Any) -> Rules:
        return {
            "beta": (Rule("zeros", beta),), "gamma": (Rule("ones", gamma),),
            "moving_mean": (Rule("zeros", _src(path, line + 2, 'moving_mean_initializer="zeros"')),),
            "moving_variance": (Rule("ones", _src(path, line + 3, 'moving_variance_initializer="ones"')),),
        }  # fmt: skip

    return rule


LAYERS: Mapping[str, LayerRule | Children] = {
    **{name: _kernel(*where) for name, where in KERNELS.items()},
    **{name: _recurrent(*where) for name, where in RECURRENT.items()},
    "Embedding": _embedding,
    "DepthwiseConv2D": _depthwise,
    "SeparableConv2D": _separable,
    **{name: _norm(*where) for name, where in NORMS.items()},
    "EinsumDense": _einsum,
    # query, key, value and attention_output: EinsumDense layers given MHA's initializers,
    # whose constructor defaults are EinsumDense's (multi_head_attention.py:126-127)
    "MultiHeadAttention": Children(),
}
#: layers built on a sequence: one time axis before the features
SEQUENCES = (*RECURRENT, "MultiHeadAttention")
#: layers built on a query and a value
PAIRS = ("MultiHeadAttention",)


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
        axes = len(getattr(layer, "kernel_size", ())) + (spec.layer in SEQUENCES)
        if hasattr(layer, "equation"):  # EinsumDense: its equation's input rank
            axes = len(layer.equation.split(",")[0]) - 2
        shape = (None, *([8] * axes), in_features)
        layer.build(*[shape] * (2 if spec.layer in PAIRS else 1))
    finally:
        random.setstate(saved[0])
        np.random.set_state(saved[1])  # noqa: NPY002
    own = f"{layer.name}/"
    arrays = {w.path.removeprefix(own): keras.ops.convert_to_numpy(w.value) for w in layer.weights}
    return layer, arrays


def _children(layer: Any) -> list[tuple[str, Any]]:
    return [(sub.name, sub) for sub in layer._layers]


FRAMEWORK = Framework(
    module="keras.layers", convention="keras", layers=LAYERS, build=_build,
    children=_children, separator="/",
)  # fmt: skip
