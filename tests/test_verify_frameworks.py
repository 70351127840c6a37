"""``winit verify`` calls each framework's own initializers directly, no adapter: one test per
calling convention and parameter mapping against the real framework.

``nox -s verify-frameworks`` installs torch, jax + flax, dm-haiku, keras (each installed backend),
tensorflow-cpu, mlx and tinygrad (and clang for tinygrad's kernels); ``nox -s verify-chainer``
runs the Chainer cases in Chainer's own venv (numpy < 2). In the default ``tests`` session the
frameworks are absent and these tests skip, each saying which package it needs.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from winit.verify.cli import main

SQRT2 = "1.4142135623730951"
#: (id, module the case needs, argv after ``winit verify``, exit status, text the output must
#: contain: what was passed under which name, what was dropped, the diagnosis of a failure)
CASES: list[tuple[str, str, list[str], int, list[str]]] = [
    # torch: in place, torch.manual_seed; winit's value -> torch's val
    ("torch constant_ value->val", "torch", ["torch.nn.init:constant_", "--law", "constant", "--param", "value=0.5"], 0, ["passed val=0.5"]),
    ("torch xavier alias", "torch", ["torch.nn.init:xavier_normal_", "--law", "xavier_normal", "--param", "gain=2"], 0, ["passed gain=2.0"]),
    ("torch kaiming_uniform fan_out", "torch", ["torch.nn.init:kaiming_uniform_", "--law", "kaiming_uniform", "--param", "mode=fan_out"], 0, ["mode='fan_out'"]),
    # jax / flax: init(key, shape, dtype) and factories returning one
    ("jax glorot_normal (the issue's command)", "jax", ["jax.nn.initializers:glorot_normal", "--law", "glorot_normal", "--param", "distribution=truncated_normal", "--layout", "keras"], 0, ["jax convention", "not passed", "distribution"]),
    ("jax glorot_normal is truncated", "jax", ["jax.nn.initializers:glorot_normal", "--law", "glorot_normal"], 1, ["shape (KS distance)", "a ±2σ-truncated normal"]),
    ("jax zeros (an init itself)", "jax", ["jax.nn.initializers:zeros", "--law", "zeros"], 0, ["jax convention"]),
    ("jax normal std->stddev", "jax", ["jax.nn.initializers:normal", "--law", "normal", "--param", "std=0.3"], 0, ["passed stddev=0.3"]),
    ("jax truncated_normal uncorrected", "jax", ["jax.nn.initializers:truncated_normal", "--law", "truncated_normal", "--param", "std=0.5", "--param", "truncation=uncorrected"], 0, ["passed stddev=0.5"]),
    ("jax truncated_normal is uncorrected", "jax", ["jax.nn.initializers:truncated_normal", "--law", "truncated_normal", "--param", "std=0.5"], 1, ["= truncated without std correction"]),
    ("jax uniform --rename b=scale", "jax", ["jax.nn.initializers:uniform", "--law", "uniform", "--param", "b=0.3", "--rename", "b=scale"], 0, ["passed scale=0.3"]),
    ("jax variance_scaling fan_geo_avg", "jax", ["jax.nn.initializers:variance_scaling", "--law", "variance_scaling", "--param", "scale=2", "--param", "mode=fan_geo_avg", "--param", "distribution=uniform"], 0, ["scale=2.0", "mode='fan_geo_avg'", "distribution='uniform'"]),
    ("jax variance_scaling explicit axes", "jax", ["jax.nn.initializers:variance_scaling", "--law", "variance_scaling", "--param", "scale=1", "--param", "mode=fan_in", "--param", "distribution=normal", "--in-axis", "0", "--out-axis", "1", "--shapes", "64x32x3,128x16"], 0, ["in_axis=0", "out_axis=1", "fan_in=192"]),
    ("jax orthogonal gain->scale", "jax", ["jax.nn.initializers:orthogonal", "--law", "orthogonal", "--param", "gain=0.5"], 0, ["passed scale=0.5", "haar: fraction of det > 0"]),
    ("flax lecun_normal", "flax", ["flax.linen.initializers:lecun_normal", "--law", "lecun_normal", "--param", "distribution=truncated_normal"], 0, ["jax convention"]),
    # tf.keras (Keras 3 classes) and tf.compat.v1 / tf.* initializers
    ("tf.keras GlorotUniform", "tensorflow", ["tensorflow.keras.initializers:GlorotUniform", "--law", "glorot_uniform"], 0, ["keras convention"]),
    ("tf.compat.v1 glorot_normal", "tensorflow", ["tensorflow.compat.v1:glorot_normal_initializer", "--law", "glorot_normal", "--param", "distribution=truncated_normal"], 0, ["tensorflow convention"]),
    ("tf.compat.v1 truncated_normal uncorrected", "tensorflow", ["tensorflow.compat.v1:truncated_normal_initializer", "--law", "truncated_normal", "--param", "std=0.5", "--param", "truncation=uncorrected"], 0, ["passed stddev=0.5"]),
    ("tf.compat.v1 variance_scaling normal", "tensorflow", ["tensorflow.compat.v1:variance_scaling_initializer", "--law", "variance_scaling", "--param", "scale=2", "--param", "distribution=normal"], 0, ["distribution='untruncated_normal'"]),
    ("tf random_normal_initializer", "tensorflow", ["tensorflow:random_normal_initializer", "--law", "normal", "--param", "std=0.05"], 0, ["passed stddev=0.05"]),
    ("tf.compat.v1 orthogonal", "tensorflow", ["tensorflow.compat.v1:orthogonal_initializer", "--law", "orthogonal", "--param", "gain=2"], 0, ["passed gain=2.0"]),
    # haiku: inside hk.transform
    ("haiku VarianceScaling", "haiku", ["haiku.initializers:VarianceScaling", "--law", "variance_scaling", "--param", "scale=2"], 0, ["haiku convention", "passed scale=2.0"]),
    ("haiku TruncatedNormal uncorrected", "haiku", ["haiku.initializers:TruncatedNormal", "--law", "truncated_normal", "--param", "std=0.3", "--param", "truncation=uncorrected"], 0, ["passed stddev=0.3"]),
    ("haiku Constant value->constant", "haiku", ["haiku.initializers:Constant", "--law", "constant", "--param", "value=0.5"], 0, ["passed constant=0.5"]),
    ("haiku Orthogonal gain->scale", "haiku", ["haiku.initializers:Orthogonal", "--law", "orthogonal", "--param", "gain=0.5"], 0, ["passed scale=0.5"]),
    # mlx: factories returning init(array) -> array; its own layout (out, *k, in)
    ("mlx glorot_normal", "mlx", ["mlx.nn.init:glorot_normal", "--law", "glorot_normal"], 0, ["mlx convention", "layout mlx"]),
    ("mlx he_normal gain to the init", "mlx", ["mlx.nn.init:he_normal", "--law", "he_normal", "--param", f"gain={SQRT2}"], 0, [f"passed gain={float(SQRT2)!r}"]),
    ("mlx he_normal's default gain is 1", "mlx", ["mlx.nn.init:he_normal", "--law", "he_normal"], 1, ["= gain missing"]),
    ("mlx he_uniform fan_out", "mlx", ["mlx.nn.init:he_uniform", "--law", "he_uniform", "--param", "gain=1.5", "--param", "mode=fan_out"], 0, ["gain=1.5", "mode='fan_out'"]),
    ("mlx uniform a,b->low,high", "mlx", ["mlx.nn.init:uniform", "--law", "uniform", "--param", "a=-0.2", "--param", "b=0.4"], 0, ["passed low=-0.2, high=0.4"]),
    ("mlx constant", "mlx", ["mlx.nn.init:constant", "--law", "constant", "--param", "value=0.25"], 0, ["passed value=0.25"]),
    ("mlx orthogonal", "mlx", ["mlx.nn.init:orthogonal", "--law", "orthogonal", "--shapes", "64x32,16x16,2x2"], 0, ["haar: fraction of det > 0"]),
    # tinygrad: Tensor.method(*shape), Tensor.manual_seed
    ("tinygrad glorot_uniform", "tinygrad", ["tinygrad:Tensor.glorot_uniform", "--law", "glorot_uniform", "--shapes", "256x128,128x512"], 0, ["tinygrad convention"]),
    ("tinygrad kaiming_uniform a", "tinygrad", ["tinygrad:Tensor.kaiming_uniform", "--law", "he_uniform", "--param", "nonlinearity=leaky_relu", "--param", "a=0.01"], 0, ["passed a=0.01"]),
    ("tinygrad uniform low/high", "tinygrad", ["tinygrad:Tensor.uniform", "--law", "uniform", "--param", "a=-1", "--param", "b=2"], 0, ["passed low=-1.0, high=2.0"]),
    ("tinygrad normal mean/std", "tinygrad", ["tinygrad:Tensor.normal", "--law", "normal", "--param", "mean=0.1", "--param", "std=0.3"], 0, ["passed mean=0.1, std=0.3"]),
    # chainer: instances filling a numpy array in place, numpy's global state (restored)
    ("chainer GlorotNormal", "chainer", ["chainer.initializers:GlorotNormal", "--law", "glorot_normal"], 0, ["chainer convention"]),
    ("chainer Normal std->scale", "chainer", ["chainer.initializers:Normal", "--law", "normal", "--param", "std=0.05"], 0, ["passed scale=0.05"]),
    ("chainer HeNormal mode->fan_option", "chainer", ["chainer.initializers:HeNormal", "--law", "he_normal", "--param", "mode=fan_out"], 0, ["passed fan_option='fan_out'"]),
    ("chainer Orthogonal gain->scale", "chainer", ["chainer.initializers:Orthogonal", "--law", "orthogonal", "--param", "gain=1.1"], 0, ["passed scale=1.1"]),
    ("chainer Constant value->fill_value", "chainer", ["chainer.initializers:Constant", "--law", "constant", "--param", "value=0.5"], 0, ["passed fill_value=0.5"]),
]  # fmt: skip


def _need(module: str) -> None:
    """Skip unless ``module`` (and, for tinygrad, a C compiler) is here."""
    if importlib.util.find_spec(module) is None:
        # reason: the framework is not installed in this venv (nox -s verify-frameworks or
        # verify-chainer installs it); the default tests session runs without frameworks
        pytest.skip(f"{module} is not installed here (nox -s verify-frameworks)")  # reason: above
    if module == "tinygrad" and shutil.which("clang") is None:
        # reason: tinygrad's CPU device compiles its kernels with clang at run time
        pytest.skip("tinygrad needs clang on PATH for its CPU kernels")  # reason: above


@pytest.mark.parametrize(
    ("module", "argv", "status", "expect"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_framework_initializer_verified_directly(
    module: str, argv: list[str], status: int, expect: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    _need(module)
    got = main(argv)
    out, err = capsys.readouterr()
    assert got == status, out + err
    for text in expect:
        assert text in out, f"{text!r} not in the output:\n{out}"


def test_torch_global_rng_state_is_restored() -> None:
    _need("torch")
    import torch

    torch.manual_seed(123)
    before = torch.random.get_rng_state().clone()
    assert main(["torch.nn.init:normal_", "--law", "normal", "--shapes", "8x8"]) == 0
    assert torch.equal(torch.random.get_rng_state(), before)


def test_chainer_numpy_global_state_is_restored() -> None:
    _need("chainer")
    np.random.seed(5)
    assert main(["chainer.initializers:Normal", "--law", "normal", "--param", "std=0.05"]) == 0
    after = np.random.random()
    np.random.seed(5)
    assert after == np.random.random()  # the state went on from seed 5 as if chainer never ran


# ---------------------------------------------------------------- Keras 3 on each backend

BACKENDS = {"jax": "jax", "torch": "torch", "tensorflow": "tensorflow", "numpy": "numpy"}
#: run in a fresh interpreter (KERAS_BACKEND is read once, at import): the issue's command on a
#: class, an instance rebuilt with each seed, and VarianceScaling(distribution="normal"), which
#: Keras spells "untruncated_normal"
KERAS_RUNS = """
import json, sys
from winit.verify.api import verify
from winit.verify.cli import main
import keras
statuses = [
    main(["keras.initializers:GlorotNormal", "--law", "glorot_normal",
          "--param", "distribution=truncated_normal", "--layout", "keras"]),
    main(["myinit:INSTANCE", "--law", "normal", "--param", "mean=0.1", "--param", "std=0.3"]),
    main(["keras.initializers:VarianceScaling", "--law", "variance_scaling", "--param", "scale=2",
          "--param", "distribution=normal", "--param", "mode=fan_avg"]),
]
r = verify(keras.initializers.GlorotNormal, "glorot_normal", distribution="truncated_normal")
failing = sorted({row.check.name for row in r.failures})
print("RESULT" + json.dumps({"statuses": statuses, "backend": keras.backend.backend(),
                             "failing": failing}))
"""


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_keras_on_each_backend(backend: str, tmp_path: Path) -> None:
    _need("keras")
    _need(BACKENDS[backend])
    (tmp_path / "myinit.py").write_text(
        "import keras\nINSTANCE = keras.initializers.RandomNormal(mean=0.1, stddev=0.3)\n"
    )
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run(
        [sys.executable, "-c", KERAS_RUNS], cwd=tmp_path, env=env, capture_output=True,
        text=True, timeout=900, check=False,
    )  # fmt: skip
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT")), None)
    assert line is not None, proc.stdout[-3000:] + proc.stderr[-3000:]
    got = json.loads(line[len("RESULT") :])
    assert got["backend"] == backend
    if backend == "torch":
        # Keras' torch backend draws a truncated normal as the first of 4 normals inside ±2σ and
        # returns the first draw when none is (keras/src/backend/torch/random.py): a value
        # beyond the cut with probability 0.0455⁴ ≈ 4e-6 per element, which the support check
        # sees at seed 0; every statistical check passes. A finding about Keras, not winit.
        assert got["statuses"] == [1, 0, 0], proc.stdout[-3000:]
        assert got["failing"] == ["support max|x-mid|/half-width"]
    else:
        assert got["statuses"] == [0, 0, 0], proc.stdout[-3000:]
        assert got["failing"] == []


# ---------------------------------------------------------------- winit defaults: real layers

#: (spec, module it needs, {parameter: (fan_in, fan_out) or None}) — fans from the layer's
#: configuration: groups divide the in channels, a transposed conv's fan_in counts its out
#: channels, the packed q/k/v projection has fan_out 3E
LAYERS: list[tuple[str, str, dict[str, tuple[int, int] | None]]] = [
    ("torch.nn:Linear(128, 256)", "torch", {"weight": (128, 256), "bias": (128, 256)}),
    ("torch.nn:Conv2d(32, 64, 3, groups=4)", "torch", {"weight": (72, 576), "bias": (72, 576)}),
    ("torch.nn:ConvTranspose2d(32, 64, 3)", "torch", {"weight": (576, 288), "bias": (576, 288)}),
    ("torch.nn:MultiheadAttention(256, 8)", "torch", {"in_proj_weight": (256, 768), "in_proj_bias": None, "out_proj.weight": (256, 256), "out_proj.bias": None}),
    ("keras.layers:Dense(256)", "keras", {"kernel": (128, 256), "bias": None}),
    ("flax.linen:Dense(256)", "flax", {"kernel": (128, 256), "bias": None}),
    ("mlx.nn:Linear(128, 256)", "mlx", {"weight": (128, 256), "bias": (128, 256)}),
]  # fmt: skip


@pytest.mark.parametrize(("spec", "module", "fans"), LAYERS, ids=[s[0] for s in LAYERS])
def test_layer_defaults_follow_their_documented_laws(
    spec: str, module: str, fans: dict[str, tuple[int, int] | None], tmp_path: Path
) -> None:
    _need(module)
    from winit.verify.defaults import layer_defaults

    importlib.import_module(spec.split(":")[0])  # importing TF draws from numpy's global state
    np.random.seed(3)
    random.seed(3)
    reports = layer_defaults(spec)
    after = np.random.random(), random.random()
    np.random.seed(3)
    random.seed(3)
    assert after == (np.random.random(), random.random())  # global generators left as they were
    assert {r.name: r.fans for r in reports} == fans
    assert all(r.passed for r in reports), [(r.name, r.reason) for r in reports]
    out = tmp_path / "defaults.json"
    assert main_defaults([spec, "--json", str(out)]) == 0
    rows = json.loads(out.read_text())["parameters"]
    assert [r["verdict"] for r in rows] == ["pass"] * len(fans)


def main_defaults(argv: list[str]) -> int:
    from winit.__main__ import main as winit_main

    return winit_main(["defaults", *argv])


def test_layer_defaults_see_a_changed_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """If nn.Linear drew its weight with xavier_uniform_, its documented U[±1/√fan_in] fails."""
    _need("torch")
    import torch

    from winit.verify.defaults import layer_defaults

    def xavier(self: torch.nn.Linear) -> None:
        torch.nn.init.xavier_uniform_(self.weight)
        torch.nn.init.zeros_(self.bias)

    monkeypatch.setattr(torch.nn.Linear, "reset_parameters", xavier)
    verdicts = {r.name: (r.passed, r.reason) for r in layer_defaults("torch.nn:Linear(128, 256)")}
    assert not verdicts["weight"][0] and "variance ratio" in verdicts["weight"][1]
    assert not verdicts["bias"][0]
