"""``torch.nn``'s layers and the law each of their parameters and buffers starts from, as the
docstrings state them (the code where the docs say nothing), cited by file and line of
torch 2.13.0.

Linear, Bilinear, Conv and ConvTranspose, the RNNs and their cells: U(−√k, √k) with k from the
configuration (in features, in or out channels per group × kernel, hidden size); Embedding and
EmbeddingBag: N(0, 1), the ``padding_idx`` row zero; the norms: weight ones, bias zeros, running
mean zeros, running variance ones, ``num_batches_tracked`` zero; PReLU: its ``init``;
MultiheadAttention: xavier_uniform projections, zero biases, xavier_normal ``bias_k``/``bias_v``;
the transformer layers by their children, nn.Transformer re-drawing every matrix with
xavier_uniform. A lazy layer is called once (in eval mode, so its running statistics are its
initial ones) on an input ``in_features`` wide and checked as the layer it becomes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from numpy.typing import NDArray

from winit.fans import fans as shape_fans
from winit.verify.adapters import framework
from winit.verify.rules.base import (
    Children,
    Framework,
    LayerRule,
    Rows,
    Rule,
    Rules,
    Source,
    Spec,
    sources,
    uniform_k,
)

_src = sources("torch/nn/modules")


_U = r"\mathcal{U}(-\sqrt{k}, \sqrt{k})"
LINEAR = _src("linear.py", 75, _U)
LINEAR_BIAS = _src("linear.py", 79, _U)
BILINEAR = _src("linear.py", 183, _U)
BILINEAR_BIAS = _src("linear.py", 187, _U)
#: the sentence "weight ... U(-√k, √k) where k = groups / (C_in·∏kernel)" of each conv's docs
CONV = {
    "Conv1d": 309, "Conv2d": 485, "Conv3d": 658,
    "ConvTranspose1d": 912, "ConvTranspose2d": 1099, "ConvTranspose3d": 1301,
}  # fmt: skip
#: "All the weights and biases are initialized from U(-√k, √k) where k = 1/hidden_size"
RNN = {"RNN": 595, "LSTM": 959, "GRU": 1295, "RNNCell": 1583, "LSTMCell": 1703, "GRUCell": 1817}
GATES = {"RNN": 1, "LSTM": 4, "GRU": 3, "RNNCell": 1, "LSTMCell": 4, "GRUCell": 3}
EMBEDDING = _src("sparse.py", 39, r"\mathcal{N}(0, 1)")
EMBEDDING_PAD = _src("sparse.py", 27, "will default to all zeros")
EMBEDDING_BAG = _src("sparse.py", 317, r"\mathcal{N}(0, 1)")
EMBEDDING_BAG_PAD = _src("sparse.py", 310, "will default to all")
#: "affine parameters initialized to ones (for weights) and zeros (for biases)"
LAYER_NORM = _src("normalization.py", 144, "initialized to ones (for weights)")
GROUP_NORM = _src("normalization.py", 265, "initialized to ones (for weights)")
RMS_NORM = _src("normalization.py", 373, "initialized to ones (for weights)")
#: "By default, the elements of γ are set to 1 and the elements of β are set to 0"
BATCH_NORM = {
    "BatchNorm1d": _src("batchnorm.py", 320, "are set to 1 and the elements of"),
    "BatchNorm2d": _src("batchnorm.py", 434, "the elements of :math:`\\gamma` are set"),
    "BatchNorm3d": _src("batchnorm.py", 548, "the elements of :math:`\\gamma` are set"),
}
#: "affine parameters, initialized the same way as done for batch normalization"
INSTANCE_NORM = {
    f"InstanceNorm{d}d": _src("instancenorm.py", line, "initialized the same way as done for batch")
    for d, line in ((1, 184), (2, 304), (3, 424))
}
#: running statistics: the docs say nothing; reset_running_stats
RUNNING_MEAN = _src("batchnorm.py", 95, "self.running_mean.zero_()")
RUNNING_VAR = _src("batchnorm.py", 96, "self.running_var.fill_(1)")
BATCHES = _src("batchnorm.py", 97, "self.num_batches_tracked.zero_()")
PRELU = _src("activation.py", 1606, "init (float): the initial value of :math:`a`. Default: 0.25")
#: MultiheadAttention's docs say nothing: _reset_parameters
MHA_PACKED = _src("activation.py", 1234, "xavier_uniform_(self.in_proj_weight)")
MHA_Q = _src("activation.py", 1236, "xavier_uniform_(self.q_proj_weight)")
MHA_K = _src("activation.py", 1237, "xavier_uniform_(self.k_proj_weight)")
MHA_V = _src("activation.py", 1238, "xavier_uniform_(self.v_proj_weight)")
MHA_IN_BIAS = _src("activation.py", 1241, "constant_(self.in_proj_bias, 0.0)")
MHA_OUT_BIAS = _src("activation.py", 1242, "constant_(self.out_proj.bias, 0.0)")
MHA_BIAS_K = _src("activation.py", 1244, "xavier_normal_(self.bias_k)")
MHA_BIAS_V = _src("activation.py", 1246, "xavier_normal_(self.bias_v)")
#: nn.Transformer._reset_parameters: "if p.dim() > 1: xavier_uniform_(p)"
TRANSFORMER = _src("transformer.py", 315, "xavier_uniform_(p)")


def _linear(layer: Any) -> Rules:
    k, fans = 1.0 / layer.in_features, (layer.in_features, layer.out_features)
    return {"weight": (uniform_k(k, LINEAR, fans),), "bias": (uniform_k(k, LINEAR_BIAS, fans),)}


def _bilinear(layer: Any) -> Rules:
    k, fans = 1.0 / layer.in1_features, (layer.in1_features, layer.out_features)
    return {
        "weight": (uniform_k(k, BILINEAR, fans),),
        "bias": (uniform_k(k, BILINEAR_BIAS, fans),),
    }


def _conv(line: int) -> LayerRule:
    """k = groups / (C_in·∏kernel); a transposed conv counts its out channels instead."""
    source = _src("conv.py", line, _U)

    def rule(layer: Any) -> Rules:
        kernel = math.prod(layer.kernel_size)
        into, other = layer.in_channels, layer.out_channels
        if layer.transposed:
            into, other = other, into
        fans = (into // layer.groups * kernel, other * kernel)
        law = uniform_k(1.0 / fans[0], source, fans)
        return {"weight": (law,), "bias": (law,)}

    return rule


def _embedding(normal: Source, padding: Source) -> LayerRule:
    """N(0, 1); with ``padding_idx`` its row is zeros and the others N(0, 1)."""

    def rule(layer: Any) -> Rules:
        pad = layer.padding_idx
        if pad is None:
            return {"weight": (Rule("normal", normal),)}
        return {
            "weight": (
                Rule("normal", normal, rows=Rows(pad, rest=True)),
                Rule("zeros", padding, rows=Rows(pad)),
            )
        }

    return rule


def _rnn(line: int, gates: int) -> LayerRule:
    """Every layer and direction: weight_ih, weight_hh, bias_ih, bias_hh, weight_hr (with
    ``proj_size``), all with k = 1/hidden_size."""
    source = _src("rnn.py", line, _U)

    def rule(layer: Any) -> Rules:
        hidden, proj = layer.hidden_size, layer.proj_size
        out, rows, k = proj or hidden, gates * hidden, 1.0 / hidden
        dirs = 2 if layer.bidirectional else 1
        rules: dict[str, tuple[Rule, ...]] = {}
        for n in range(layer.num_layers):
            into = layer.input_size if n == 0 else out * dirs
            ih, hh = uniform_k(k, source, (into, rows)), uniform_k(k, source, (out, rows))
            for s in ("", "_reverse")[:dirs]:
                rules |= {f"weight_ih_l{n}{s}": (ih,), f"weight_hh_l{n}{s}": (hh,),
                          f"bias_ih_l{n}{s}": (ih,), f"bias_hh_l{n}{s}": (hh,),
                          f"weight_hr_l{n}{s}": (uniform_k(k, source, (hidden, proj)),)}  # fmt: skip
        return rules

    return rule


def _cell(line: int, gates: int) -> LayerRule:
    source = _src("rnn.py", line, _U)

    def rule(layer: Any) -> Rules:
        rows, k = gates * layer.hidden_size, 1.0 / layer.hidden_size
        ih = uniform_k(k, source, (layer.input_size, rows))
        hh = uniform_k(k, source, (layer.hidden_size, rows))
        return {"weight_ih": (ih,), "weight_hh": (hh,), "bias_ih": (ih,), "bias_hh": (hh,)}

    return rule


def _affine(source: Source) -> LayerRule:
    """Weight ones, bias zeros (LayerNorm, GroupNorm, RMSNorm)."""

    def rule(layer: Any) -> Rules:
        return {"weight": (Rule("ones", source),), "bias": (Rule("zeros", source),)}

    return rule


def _norm(source: Source) -> LayerRule:
    """BatchNorm and InstanceNorm: the affine pair and the running statistics."""

    def rule(layer: Any) -> Rules:
        return {
            "weight": (Rule("ones", source),), "bias": (Rule("zeros", source),),
            "running_mean": (Rule("zeros", RUNNING_MEAN),),
            "running_var": (Rule("ones", RUNNING_VAR),),
            "num_batches_tracked": (Rule("zeros", BATCHES),),
        }  # fmt: skip

    return rule


def _prelu(layer: Any) -> Rules:
    return {"weight": (Rule("constant", PRELU, {"value": float(layer.init)}),)}


def _attention(layer: Any) -> Rules:
    """The packed (3E, E) q/k/v projection, or one per input when kdim/vdim differ from E."""
    e = layer.embed_dim
    out = _linear(layer.out_proj)["weight"]
    rules: dict[str, tuple[Rule, ...]] = {
        "in_proj_weight": (Rule("glorot_uniform", MHA_PACKED, fans=(e, 3 * e)),),
        "q_proj_weight": (Rule("glorot_uniform", MHA_Q, fans=(e, e)),),
        "k_proj_weight": (Rule("glorot_uniform", MHA_K, fans=(layer.kdim, e)),),
        "v_proj_weight": (Rule("glorot_uniform", MHA_V, fans=(layer.vdim, e)),),
        "in_proj_bias": (Rule("zeros", MHA_IN_BIAS),),
        "out_proj.weight": out,
        "out_proj.bias": (Rule("zeros", MHA_OUT_BIAS),),
        # (1, 1, E): torch's fans of a 3-d tensor are E and E
        "bias_k": (Rule("glorot_normal", MHA_BIAS_K, fans=(e, e)),),
        "bias_v": (Rule("glorot_normal", MHA_BIAS_V, fans=(e, e)),),
    }
    return rules


def _transformer_matrix(shape: tuple[int, ...]) -> Rule:
    return Rule("glorot_uniform", TRANSFORMER, fans=shape_fans(shape, "torch"))


LAYERS: Mapping[str, LayerRule | Children] = {
    "Linear": _linear,
    "Bilinear": _bilinear,
    **{name: _conv(line) for name, line in CONV.items()},
    "Embedding": _embedding(EMBEDDING, EMBEDDING_PAD),
    "EmbeddingBag": _embedding(EMBEDDING_BAG, EMBEDDING_BAG_PAD),
    **{name: _rnn(RNN[name], GATES[name]) for name in ("RNN", "LSTM", "GRU")},
    **{name: _cell(RNN[name], GATES[name]) for name in ("RNNCell", "LSTMCell", "GRUCell")},
    "LayerNorm": _affine(LAYER_NORM),
    "GroupNorm": _affine(GROUP_NORM),
    "RMSNorm": _affine(RMS_NORM),
    **{name: _norm(source) for name, source in BATCH_NORM.items()},
    **{name: _norm(source) for name, source in INSTANCE_NORM.items()},
    "PReLU": _prelu,
    "MultiheadAttention": _attention,
    "TransformerEncoderLayer": Children(),
    "TransformerDecoderLayer": Children(),
    "TransformerEncoder": Children(),
    "TransformerDecoder": Children(),
    "Transformer": Children(matrices=_transformer_matrix),
}
#: the lazy layers, by the rank of the input their first call gets (batch, in_features, 8, ...)
LAZY: Mapping[str, int] = {
    "LazyLinear": 2,
    **{f"LazyConv{d}d": d + 2 for d in (1, 2, 3)},
    **{f"LazyConvTranspose{d}d": d + 2 for d in (1, 2, 3)},
    "LazyBatchNorm1d": 2, "LazyBatchNorm2d": 4, "LazyBatchNorm3d": 5,
    "LazyInstanceNorm1d": 3, "LazyInstanceNorm2d": 4, "LazyInstanceNorm3d": 5,
}  # fmt: skip


def _build(
    cls: Any, spec: Spec, seed: int, in_features: int
) -> tuple[Any, dict[str, NDArray[Any]]]:
    """The layer as its users build it under ``torch.manual_seed(seed)`` (the global generator
    restored afterwards), a lazy one called once in eval mode; its parameters and buffers."""
    torch = framework("torch", "torch")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        layer = cls(*spec.args, **spec.kwargs)
        if spec.layer in LAZY:
            x = torch.zeros(2, in_features, *[8] * (LAZY[spec.layer] - 2))
            layer.eval()(x)
    tensors = [*layer.named_parameters(), *layer.named_buffers()]
    return layer, {k: v.detach().numpy() for k, v in tensors}


def _children(layer: Any) -> list[tuple[str, Any]]:
    return list(layer.named_children())


FRAMEWORK = Framework(
    module="torch.nn", convention="torch", layers=LAYERS, build=_build,
    children=_children, aliases=tuple(LAZY),
)  # fmt: skip
