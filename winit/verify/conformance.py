"""The conformance table: every initializer the frameworks document, verified directly against the
law its docs state, and the default initialization of their dense, conv and attention layers.

``python -m winit.verify.conformance [--only FRAMEWORK ...] --json reports/frameworks.json``
(``nox -s frameworks``). A framework that is not installed gets one row saying so. A FAIL is rerun
on seeds 1 and 2 and its row says on which seeds it failed.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from winit.atomic import write_atomic
from winit.verify.adapters import framework, load
from winit.verify.api import verify
from winit.verify.defaults import layer_defaults

#: rerun seeds for a FAIL
SEEDS = (0, 1, 2)
SQUARE2D = [(256, 128), (128, 512), (16, 16)]


@dataclass(frozen=True)
class Entry:
    """One documented initializer: where it is, the law its docs state (with parameters), and
    verify options (shapes for frameworks that only take 2-d shapes)."""

    spec: str
    law: str
    params: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)


#: framework → (distribution package for the version, entries). Defaults as each framework's
#: docs state them (JAX, Keras, Haiku and TF v1 truncate their *_normal variance-scaling presets).
CATALOGUE: dict[str, tuple[str, list[Entry]]] = {
    "torch": ("torch", [
        Entry("torch.nn.init:uniform_", "uniform"),
        Entry("torch.nn.init:normal_", "normal"),
        Entry("torch.nn.init:trunc_normal_", "truncated_normal", {"a": -2.0, "b": 2.0}),
        Entry("torch.nn.init:constant_", "constant", {"value": 0.5}),
        Entry("torch.nn.init:ones_", "ones"),
        Entry("torch.nn.init:zeros_", "zeros"),
        Entry("torch.nn.init:xavier_uniform_", "glorot_uniform"),
        Entry("torch.nn.init:xavier_normal_", "glorot_normal"),
        Entry("torch.nn.init:kaiming_uniform_", "he_uniform"),
        Entry("torch.nn.init:kaiming_normal_", "he_normal"),
        Entry("torch.nn.init:orthogonal_", "orthogonal"),
    ]),
    "jax": ("jax", [
        Entry("jax.nn.initializers:glorot_normal", "glorot_normal", {"distribution": "truncated_normal"}),
        Entry("jax.nn.initializers:glorot_uniform", "glorot_uniform"),
        Entry("jax.nn.initializers:he_normal", "he_normal", {"distribution": "truncated_normal"}),
        Entry("jax.nn.initializers:he_uniform", "he_uniform"),
        Entry("jax.nn.initializers:lecun_normal", "lecun_normal", {"distribution": "truncated_normal"}),
        Entry("jax.nn.initializers:lecun_uniform", "lecun_uniform"),
        Entry("jax.nn.initializers:normal", "normal", {"std": 0.01}),
        Entry("jax.nn.initializers:uniform", "uniform", {"b": 0.01}, {"renames": {"b": "scale"}}),
        Entry("jax.nn.initializers:truncated_normal", "truncated_normal", {"std": 0.01, "truncation": "uncorrected"}),
        Entry("jax.nn.initializers:constant", "constant", {"value": 0.5}),
        Entry("jax.nn.initializers:zeros", "zeros"),
        Entry("jax.nn.initializers:ones", "ones"),
        Entry("jax.nn.initializers:orthogonal", "orthogonal"),
        Entry("jax.nn.initializers:variance_scaling", "variance_scaling", {"scale": 2.0, "mode": "fan_geo_avg", "distribution": "normal"}),
    ]),
    "keras": ("keras", [
        Entry("keras.initializers:GlorotNormal", "glorot_normal", {"distribution": "truncated_normal"}),
        Entry("keras.initializers:GlorotUniform", "glorot_uniform"),
        Entry("keras.initializers:HeNormal", "he_normal", {"distribution": "truncated_normal"}),
        Entry("keras.initializers:HeUniform", "he_uniform"),
        Entry("keras.initializers:LecunNormal", "lecun_normal", {"distribution": "truncated_normal"}),
        Entry("keras.initializers:LecunUniform", "lecun_uniform"),
        Entry("keras.initializers:RandomNormal", "normal", {"std": 0.05}),
        Entry("keras.initializers:RandomUniform", "uniform", {"a": -0.05, "b": 0.05}),
        Entry("keras.initializers:TruncatedNormal", "truncated_normal", {"std": 0.05, "truncation": "uncorrected"}),
        Entry("keras.initializers:Zeros", "zeros"),
        Entry("keras.initializers:Ones", "ones"),
        Entry("keras.initializers:Constant", "constant", {"value": 0.5}),
        Entry("keras.initializers:Orthogonal", "orthogonal"),
        Entry("keras.initializers:VarianceScaling", "variance_scaling"),
    ]),
    "haiku": ("dm-haiku", [
        Entry("haiku.initializers:VarianceScaling", "variance_scaling"),
        Entry("haiku.initializers:TruncatedNormal", "truncated_normal", {"truncation": "uncorrected"}),
        Entry("haiku.initializers:RandomNormal", "normal"),
        Entry("haiku.initializers:RandomUniform", "uniform"),
        Entry("haiku.initializers:Constant", "constant", {"value": 0.5}),
        Entry("haiku.initializers:Orthogonal", "orthogonal"),
    ]),
    "tensorflow": ("tensorflow-cpu", [
        Entry("tensorflow.compat.v1:glorot_normal_initializer", "glorot_normal", {"distribution": "truncated_normal"}),
        Entry("tensorflow.compat.v1:glorot_uniform_initializer", "glorot_uniform"),
        Entry("tensorflow.compat.v1:truncated_normal_initializer", "truncated_normal", {"truncation": "uncorrected"}),
        Entry("tensorflow.compat.v1:random_normal_initializer", "normal"),
        Entry("tensorflow.compat.v1:random_uniform_initializer", "uniform"),
        Entry("tensorflow.compat.v1:variance_scaling_initializer", "variance_scaling"),
        Entry("tensorflow.compat.v1:orthogonal_initializer", "orthogonal"),
        Entry("tensorflow.compat.v1:zeros_initializer", "zeros"),
        Entry("tensorflow.compat.v1:ones_initializer", "ones"),
        Entry("tensorflow:random_normal_initializer", "normal", {"std": 0.05}),
    ]),
    "mlx": ("mlx", [
        Entry("mlx.nn.init:normal", "normal"),
        Entry("mlx.nn.init:uniform", "uniform"),
        Entry("mlx.nn.init:constant", "constant", {"value": 0.5}),
        Entry("mlx.nn.init:glorot_normal", "glorot_normal"),
        Entry("mlx.nn.init:glorot_uniform", "glorot_uniform"),
        Entry("mlx.nn.init:he_normal", "he_normal", {"gain": 1.0}),
        Entry("mlx.nn.init:he_uniform", "he_uniform", {"gain": 1.0}),
        Entry("mlx.nn.init:orthogonal", "orthogonal", {}, {"shapes": SQUARE2D}),
    ]),
    "tinygrad": ("tinygrad", [
        Entry("tinygrad:Tensor.glorot_uniform", "glorot_uniform", {}, {"shapes": SQUARE2D}),
        Entry("tinygrad:Tensor.glorot_uniform", "glorot_uniform", {}, {"shapes": [(64, 32, 3, 3)]}),
        Entry("tinygrad:Tensor.kaiming_uniform", "he_uniform", {"nonlinearity": "leaky_relu", "a": 0.01}),
        Entry("tinygrad:Tensor.kaiming_normal", "he_normal", {"nonlinearity": "leaky_relu", "a": 0.01}),
        Entry("tinygrad:Tensor.uniform", "uniform"),
        Entry("tinygrad:Tensor.normal", "normal"),
        Entry("tinygrad:Tensor.randn", "normal"),
    ]),
    "chainer": ("chainer", [
        Entry("chainer.initializers:GlorotNormal", "glorot_normal"),
        Entry("chainer.initializers:GlorotUniform", "glorot_uniform"),
        Entry("chainer.initializers:HeNormal", "he_normal"),
        Entry("chainer.initializers:HeUniform", "he_uniform"),
        Entry("chainer.initializers:LeCunNormal", "lecun_normal"),
        Entry("chainer.initializers:LeCunUniform", "lecun_uniform"),
        Entry("chainer.initializers:Normal", "normal", {"std": 0.05}),
        Entry("chainer.initializers:Uniform", "uniform", {"a": -0.05, "b": 0.05}),
        Entry("chainer.initializers:Orthogonal", "orthogonal", {"gain": 1.1}),
        Entry("chainer.initializers:Zero", "zeros"),
        Entry("chainer.initializers:One", "ones"),
        Entry("chainer.initializers:Constant", "constant", {"value": 0.5}),
    ]),
}  # fmt: skip
#: each framework's layers, by their default initialization (``winit defaults``)
LAYERS: dict[str, list[str]] = {
    "torch": [
        "torch.nn:Linear(128, 256)", "torch.nn:Bilinear(16, 24, 32)",
        "torch.nn:Conv1d(16, 32, 5, dilation=2)", "torch.nn:Conv2d(32, 64, 3, groups=4)",
        "torch.nn:Conv2d(8, 16, 3, padding=1, padding_mode='circular')",
        "torch.nn:Conv3d(4, 8, 3)", "torch.nn:ConvTranspose1d(16, 32, 4)",
        "torch.nn:ConvTranspose2d(32, 64, 3)", "torch.nn:ConvTranspose3d(8, 4, 3, groups=2)",
        "torch.nn:Embedding(100, 16, padding_idx=3)", "torch.nn:EmbeddingBag(100, 16, padding_idx=0)",
        "torch.nn:RNN(12, 16, num_layers=2, nonlinearity='relu')",
        "torch.nn:LSTM(12, 16, num_layers=2, bidirectional=True, proj_size=8)",
        "torch.nn:GRU(12, 16, bidirectional=True)", "torch.nn:RNNCell(12, 16)",
        "torch.nn:LSTMCell(12, 16)", "torch.nn:GRUCell(12, 16)",
        "torch.nn:LayerNorm(32)", "torch.nn:RMSNorm(32)", "torch.nn:GroupNorm(4, 32)",
        "torch.nn:BatchNorm1d(32)", "torch.nn:BatchNorm2d(32)", "torch.nn:BatchNorm3d(32)",
        "torch.nn:InstanceNorm2d(32, affine=True, track_running_stats=True)",
        "torch.nn:PReLU(8)", "torch.nn:MultiheadAttention(256, 8)",
        "torch.nn:MultiheadAttention(32, 4, kdim=16, vdim=24, add_bias_kv=True)",
        "torch.nn:LazyLinear(64)", "torch.nn:LazyConv2d(16, 3)", "torch.nn:LazyBatchNorm2d()",
        "torch.nn:TransformerEncoderLayer(32, 4, dim_feedforward=64)",
        "torch.nn:TransformerDecoderLayer(32, 4, dim_feedforward=64)",
        "torch.nn:Transformer(32, 4, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=64)",
    ],
    "keras": [
        "keras.layers:Dense(256)", "keras.layers:Conv2D(64, 3)", "keras.layers:Conv1D(32, 5)",
        "keras.layers:Conv2D(16, 3, groups=2)",
        "keras.layers:Conv2DTranspose(16, 3)", "keras.layers:DepthwiseConv2D(3, depth_multiplier=2)",
        "keras.layers:SeparableConv2D(32, 3)", "keras.layers:Embedding(1000, 32)",
        "keras.layers:SimpleRNN(32)", "keras.layers:LSTM(32)", "keras.layers:GRU(32)",
        "keras.layers:BatchNormalization()", "keras.layers:LayerNormalization()",
        "keras.layers:GroupNormalization(8)", "keras.layers:MultiHeadAttention(2, 8)",
        "keras.layers:EinsumDense('btd,dnh->btnh', output_shape=(None, 4, 16), bias_axes='nh')",
    ],
    "jax": [
        "flax.linen:Dense(256)", "flax.linen:Conv(16, (3, 3), feature_group_count=2)",
        "flax.linen:ConvTranspose(16, (3, 3))", "flax.linen:Embed(1000, 32)",
        "flax.linen:LayerNorm()", "flax.linen:RMSNorm()", "flax.linen:GroupNorm(num_groups=8)",
        "flax.linen:BatchNorm()", "flax.linen:MultiHeadDotProductAttention(num_heads=2, qkv_features=16)",
        "flax.linen:LSTMCell(16)", "flax.linen:GRUCell(16)",
        "flax.nnx:Linear(32, 64)", "flax.nnx:Conv(32, 16, (3, 3), feature_group_count=2)",
        "flax.nnx:ConvTranspose(32, 16, (3,))", "flax.nnx:Embed(1000, 32)", "flax.nnx:LayerNorm(32)",
        "flax.nnx:RMSNorm(32)", "flax.nnx:GroupNorm(32, num_groups=8)", "flax.nnx:BatchNorm(32)",
        "flax.nnx:MultiHeadAttention(num_heads=2, in_features=32, qkv_features=16, decode=False)",
        "equinox.nn:Linear(128, 256)", "equinox.nn:Conv2d(16, 32, 3, groups=4)",
        "equinox.nn:ConvTranspose2d(16, 8, 3)", "equinox.nn:Embedding(1000, 32)",
        "equinox.nn:LayerNorm(32)", "equinox.nn:GroupNorm(8, 32)", "equinox.nn:RMSNorm(32)",
        "equinox.nn:MultiheadAttention(4, 32)", "equinox.nn:LSTMCell(12, 16)",
        "equinox.nn:GRUCell(12, 16)",
    ],
    "haiku": [
        "haiku:Linear(256)", "haiku:Conv2D(16, 3, feature_group_count=2)",
        "haiku:Conv2DTranspose(16, 3)", "haiku:Embed(1000, 32)", "haiku:LSTM(16)",
        "haiku:LayerNorm(-1, True, True)",
    ],
    "mlx": [
        "mlx.nn:Linear(128, 256)", "mlx.nn:Conv1d(16, 32, 5)", "mlx.nn:Conv2d(16, 32, 3, groups=4)",
        "mlx.nn:Conv3d(4, 8, 3)", "mlx.nn:Embedding(1000, 32)", "mlx.nn:RNN(12, 16)",
        "mlx.nn:GRU(12, 16)", "mlx.nn:LSTM(12, 16)", "mlx.nn:LayerNorm(32)", "mlx.nn:RMSNorm(32)",
        "mlx.nn:GroupNorm(8, 32)", "mlx.nn:BatchNorm(32)", "mlx.nn:InstanceNorm(32, affine=True)",
        "mlx.nn:MultiHeadAttention(32, 4, bias=True)", "mlx.nn:TransformerEncoderLayer(32, 4, mlp_dims=64)",
    ],
}  # fmt: skip
MODULES = {"haiku": "haiku", "tensorflow": "tensorflow"}


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _keras_backend() -> str:
    keras = framework("keras", "keras")
    return f" (backend {keras.backend.backend()})"


def _seeds_failing(entry: Entry, fn: Any) -> list[int]:
    return [s for s in SEEDS if not verify(fn, entry.law, seed=s, **entry.options, **entry.params)]


def rows_for(name: str) -> list[dict[str, object]]:
    """The table rows of one framework: its initializers, then its layers' defaults."""
    package, entries = CATALOGUE[name]
    if importlib.util.find_spec(MODULES.get(name, name)) is None:
        return [{"framework": name, "version": "not installed", "initializer": "-", "law": "-",
                 "verdict": "skipped", "reason": f"pip install {package}"}]  # fmt: skip
    label = name + (_keras_backend() if name == "keras" else "")
    version = _version(package)
    rows: list[dict[str, object]] = []
    for entry in entries:
        start = time.perf_counter()
        law = f"{entry.law}({', '.join(f'{k}={v}' for k, v in entry.params.items())})"
        try:
            fn = load(entry.spec)
            result = verify(fn, entry.law, name=entry.spec, **entry.options, **entry.params)
            verdict, reason = ("pass", "") if result else ("FAIL", result.reason)
            if not result:
                reason += f" [fails on seeds {_seeds_failing(entry, fn)} of {list(SEEDS)}]"
        except ValueError as e:
            verdict, reason = "error", str(e)
        rows.append({"framework": label, "version": version, "initializer": entry.spec,
                     "law": law, "verdict": verdict, "reason": reason,
                     "seconds": round(time.perf_counter() - start, 2)})  # fmt: skip
    for spec in LAYERS.get(name, []):
        start = time.perf_counter()
        top = spec.split(":")[0].split(".")[0]
        layer_version = _version(CATALOGUE[top][0] if top in CATALOGUE else top)
        if importlib.util.find_spec(top) is None:
            rows.append({"framework": label, "version": layer_version, "initializer": spec,
                         "law": "layer default", "verdict": "skipped",
                         "reason": f"{top} is not installed"})  # fmt: skip
            continue
        try:
            reports = layer_defaults(spec)
        except ValueError as e:
            rows.append({"framework": label, "version": layer_version, "initializer": spec,
                         "law": "layer default", "verdict": "error", "reason": str(e)})  # fmt: skip
            continue
        for r in reports:
            rows.append({"framework": label, "version": layer_version,
                         "initializer": f"{spec}.{r.name}",
                         "law": f"{r.documented} [{r.rule.source}]" if r.rule else r.documented,
                         "verdict": r.verdict, "reason": r.reason,
                         "seconds": round(time.perf_counter() - start, 2)})  # fmt: skip
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Write the table for the frameworks asked for (default all) to ``--json``; print it."""
    p = argparse.ArgumentParser(prog="python -m winit.verify.conformance")
    p.add_argument("--only", nargs="*", choices=list(CATALOGUE), default=list(CATALOGUE))
    p.add_argument("--json", required=True, metavar="PATH")
    args = p.parse_args(argv)
    start = time.perf_counter()
    rows = [row for name in args.only for row in rows_for(name)]
    seconds = round(time.perf_counter() - start, 1)
    for r in rows:
        print(f"{r['framework']:<24} {r['initializer']:<58} {r['verdict']:<7} {r['reason']}")
    failing = sum(r["verdict"] == "FAIL" for r in rows)
    print(f"{len(rows)} rows, {failing} FAIL, {seconds} s")
    payload = {"frameworks": args.only, "seconds": seconds, "rows": rows}
    write_atomic(Path(args.json), json.dumps(payload, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
