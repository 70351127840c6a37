"""winit.signal on real Keras 3 models (jax backend), built from Keras' own layers at small
configs: correct models pass, each constructed fault — a norm computing x̂·(1 + weight) at
weight 1, a deep Dense stack at N(0, 1), a residual stack without its 1/√(2L) output scale
under a declared bounded stream — is caught by the signal checks only (the per-tensor audit of
the same model passes), a keras.applications model is measured at its own init, and the
plumbing holds (modes, same seed same verdict, bad input, the CLI)."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
# reason: keras is not in the default gate's venv (nox -s audit-frameworks installs it)
keras = pytest.importorskip("keras", reason="the signal of a Keras model: pip install keras jax")

from tests.test_audit_keras import MOBILENET, text_net  # noqa: E402
from winit.audit import audit  # noqa: E402
from winit.audit.cli import main  # noqa: E402
from winit.audit.model import load_spec  # noqa: E402
from winit.signal import Signal, keras_signal, measure, widths  # noqa: E402

ops = keras.ops

WIDTH, DEPTH = 64, 8
#: The stack's first layer is a norm, so its input is given as a shape.
FEATURES = (64, WIDTH)
#: this module's builders as the CLI names them (they are public for it)
MODULE = "tests.test_signal_keras"


class OnePlusRMSNorm(keras.layers.Layer):  # type: ignore[misc,name-defined,unused-ignore]
    """An RMS norm whose call computes x̂·(1 + weight) when ``one_plus``: with its weight at
    ones (what its initializer says) its gain is 2."""

    def __init__(self, *, one_plus: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.one_plus = one_plus

    def build(self, shape: tuple[int, ...]) -> None:
        self.weight = self.add_weight(shape=(shape[-1],), initializer="ones", name="weight")

    def call(self, x: Any) -> Any:
        normed = x * ops.rsqrt(ops.mean(ops.square(x), axis=-1, keepdims=True) + 1e-6)
        return normed * (1.0 + self.weight if self.one_plus else self.weight)


class Block(keras.layers.Layer):  # type: ignore[misc,name-defined,unused-ignore]
    """A pre-norm residual MLP block x + W₂ relu(W₁ norm(x)): W₁ He, W₂ He scaled by
    1/√(2·DEPTH) when ``scaled`` (variance 2/fan_in/(2·DEPTH)), both truncated normals."""

    def __init__(self, *, one_plus: bool, scaled: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        scale = 2.0 / (2 * DEPTH) if scaled else 2.0
        down = keras.initializers.VarianceScaling(scale, "fan_in", "truncated_normal")
        self.norm = OnePlusRMSNorm(one_plus=one_plus, name="norm")
        self.up = keras.layers.Dense(WIDTH, "relu", kernel_initializer="he_normal", name="up")
        self.down = keras.layers.Dense(WIDTH, kernel_initializer=down, name="down")

    def call(self, x: Any) -> Any:
        return x + self.down(self.up(self.norm(x)))


def stack(*, one_plus: bool = False, scaled: bool = True, depth: int = DEPTH) -> Any:
    """``depth`` residual blocks ``block0`` … on WIDTH features."""
    blocks = [Block(one_plus=one_plus, scaled=scaled, name=f"block{i}") for i in range(depth)]
    return keras.Sequential([keras.Input((WIDTH,)), *blocks])


def mlp(init: str = "he_normal") -> Any:
    """A plain ReLU MLP of DEPTH square Dense layers, kernels ``init`` (``"normal"``: N(0, 1))."""
    kernel = keras.initializers.RandomNormal(stddev=1.0) if init == "normal" else init
    dense = [keras.layers.Dense(WIDTH, "relu", kernel_initializer=kernel, name=f"dense{i}")
             for i in range(DEPTH)]  # fmt: skip
    return keras.Sequential([keras.Input((WIDTH,)), *dense])


def batch_normed() -> Any:
    return keras.Sequential([
        keras.Input((WIDTH,)), keras.layers.Dense(WIDTH), keras.layers.BatchNormalization(),
        keras.layers.ReLU(),
    ])  # fmt: skip


#: each constructed fault's builder and how it is measured (an instance: it is kept, each seed
#: draws the input and the output gradient)
FAULTS: dict[str, tuple[Callable[[], Any], dict[str, Any]]] = {
    "one-plus norm": (lambda: stack(one_plus=True), {"make_input": FEATURES}),
    "unit normal stack": (lambda: mlp("normal"), {}),
    "unscaled bounded stream": (
        lambda: stack(scaled=False),
        {"make_input": FEATURES, "bounded_stream": True},
    ),
}


def failed(result: Signal) -> set[tuple[str, str]]:
    return {(f.subject, f.check.name) for f in result.failures}


def verdicts(result: Signal, subject: str) -> list[str]:
    return [f.verdict for f in result.findings if f.subject == subject]


def assert_powered_pass(result: Signal) -> None:
    """Every check passes with the power it states."""
    assert result, repr(result)
    assert not any("underpowered" in f.verdict for f in result.findings), repr(result)


def test_a_pre_norm_residual_stack_with_its_depth_scale_passes_as_a_bounded_stream() -> None:
    assert_powered_pass(measure(stack(), FEATURES, bounded_stream=True))


def test_a_he_initialised_plain_relu_mlp_passes() -> None:
    assert_powered_pass(measure(mlp))


@pytest.mark.parametrize("fault", FAULTS)
def test_each_constructed_fault_passes_the_per_tensor_audit(fault: str) -> None:
    builder, _ = FAULTS[fault]
    result = audit(builder, paths=["built"])
    assert result, str(result)


@pytest.mark.parametrize("fault", FAULTS)
def test_each_constructed_fault_fails_the_signal_checks(fault: str) -> None:
    builder, options = FAULTS[fault]
    assert not measure(builder(), **options)


def test_a_one_plus_weight_norm_at_gain_2_fails_and_names_every_norm_layer() -> None:
    result = measure(stack(one_plus=True), FEATURES)
    assert {s for s, _ in failed(result)} == {f"block{i}/norm" for i in range(DEPTH)}, repr(result)


def test_a_deep_dense_stack_at_unit_normal_init_fails_the_forward_growth_check() -> None:
    result = measure(lambda: mlp("normal"))
    assert ("layers", "forward ln-RMS slope") in failed(result), repr(result)


def test_a_missing_depth_scale_fails_only_the_bounded_stream_check() -> None:
    result = measure(stack(scaled=False), FEATURES, bounded_stream=True)
    assert failed(result) == {("blocks: stream", "forward ln growth")}, repr(result)


def test_a_missing_depth_scale_is_named_sqrt_depth_growth_when_the_stream_is_not_bounded() -> None:
    result = measure(stack(scaled=False), FEATURES)
    assert result, repr(result)
    assert any(
        "√depth growth of a residual stream" in v for v in verdicts(result, "blocks: stream")
    )


def test_the_blocks_are_the_repeated_custom_layer_in_call_order() -> None:
    result = measure(stack(), FEATURES, seeds=range(3))
    streams = [layer.name for layer in result.layers if layer.kind == "block"]
    assert streams == [f"block{i} (stream)" for i in range(DEPTH)]


def test_a_stack_of_one_custom_block_passes_and_says_its_depth_was_not_fitted() -> None:
    result = measure(stack(depth=1), FEATURES)
    assert_powered_pass(result)
    assert "eval: blocks block0: the depth slopes need 3 or more, not checked" in result.notes


def test_a_keras_sequential_wrapping_the_mlp_is_no_block_its_layers_are_a_chain() -> None:
    result = measure(keras.Sequential([keras.Input((WIDTH,)), mlp()]))
    assert_powered_pass(result)
    assert f"eval: {DEPTH} layers in sequence, no residual stream found" in result.notes


def test_the_dead_relu_fraction_is_reported_for_every_relu_layer() -> None:
    result = measure(mlp, seeds=range(3))
    relus = [layer for layer in result.layers if layer.kind == "layer"]
    assert len(relus) == DEPTH
    assert all(layer.dead is not None and 0.0 <= layer.dead <= 1.0 for layer in relus)


def test_the_same_seeds_give_the_same_result() -> None:
    first, second = (measure(lambda: mlp("normal"), seeds=range(4)).as_dict() for _ in range(2))
    assert first == second


def test_a_batch_norm_model_is_measured_in_train_and_eval_mode_and_says_so() -> None:
    result = measure(batch_normed(), seeds=range(3))
    assert result.modes == ("train", "eval")
    assert any("train and eval" in note for note in result.notes)


def test_a_train_mode_pass_leaves_a_model_instances_moving_statistics_as_they_were() -> None:
    model = batch_normed()
    before = [np.array(v.value) for v in model.non_trainable_variables]
    measure(model, seeds=range(3))
    assert all(np.array_equal(a, np.array(v.value))
               for a, v in zip(before, model.non_trainable_variables, strict=True))  # fmt: skip


def test_token_ids_are_made_for_a_model_with_an_integer_input_and_an_embedding() -> None:
    tokens = keras.Input((12,), dtype="int32")
    model = keras.Model(tokens, keras.layers.Dense(8)(keras.layers.Embedding(50, 16)(tokens)))
    result = measure(model, seeds=range(3))
    assert result.input.startswith("token ids uniform over 50"), result.input


def two_inputs() -> Any:
    """A model of two inputs: no input is made for it."""
    a, b = keras.Input((WIDTH,)), keras.Input((WIDTH,))
    return keras.Model([a, b], keras.layers.Dense(WIDTH)(keras.layers.Add()([a, b])))


def test_a_model_without_a_makeable_input_is_refused_with_what_is_accepted() -> None:
    with pytest.raises(ValueError, match="give make_input as a shape or a callable of a numpy"):
        measure(two_inputs())


def test_a_model_not_built_is_refused_in_one_line() -> None:
    with pytest.raises(ValueError, match="measured once built") as raised:
        measure(keras.Sequential([keras.layers.Dense(4)]), FEATURES)
    assert "\n" not in str(raised.value)


class Looped(keras.layers.Layer):  # type: ignore[misc,name-defined,unused-ignore]
    """A Dense layer applied three times inside ``keras.ops.fori_loop`` (a ``lax`` loop)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(WIDTH)

    def call(self, x: Any) -> Any:
        return ops.fori_loop(0, 3, lambda _, carry: self.dense(carry), x)


def test_a_layer_called_inside_a_jax_loop_is_refused_in_one_line() -> None:
    model = keras.Sequential([keras.Input((WIDTH,)), Looped()])
    with pytest.raises(ValueError, match="runs inside a JAX loop") as raised:
        measure(model, seeds=range(3))
    assert "\n" not in str(raised.value)


def test_a_keras_model_on_another_backend_is_refused_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(keras.backend, "backend", lambda: "tensorflow")
    with pytest.raises(ValueError, match="measured on the jax backend") as raised:
        measure(mlp)
    assert "\n" not in str(raised.value)


def test_an_input_made_by_a_callable_of_a_numpy_generator_is_used() -> None:
    result = measure(mlp, lambda g: g.standard_normal((8, WIDTH)).astype("float32"), seeds=range(3))
    assert result.input == "made by the given callable"


def test_a_layer_norm_after_keras_default_embedding_init_does_not_reach_rms_1() -> None:
    # a finding: LayerNormalization's epsilon 1e-3 exceeds the variance of its input, the
    # attention output over embeddings drawn U(±0.05) (Embedding's default), so it scales the
    # input down rather than to RMS 1
    result = measure(text_net)
    # by type: Keras numbers a layer's default name by the layers built before it in the process
    norms = {la.name for la in result.layers if la.type == "LayerNormalization"}
    (norm,) = [f for f in result.failures if f.subject in norms]
    assert np.exp(norm.check.measured) < 0.5, repr(result)


@pytest.fixture(scope="module")
def mobilenet_signal() -> Signal:
    """The keras.applications model of the audit's README, at its own init."""
    return measure(load_spec(MOBILENET))


def test_mobilenet_v2_fails_in_train_mode_only_on_its_depthwise_convs_batch_norms(
    mobilenet_signal: Signal,
) -> None:
    # a finding: Keras' glorot_uniform reads a depthwise kernel (3, 3, C, 1) with fan_in 9·C, so
    # the depthwise conv's output variance is ~2/(C + 1) of its input's (a ninth of that on this
    # input's 1×1 late feature maps, where padding leaves one tap): below BN's epsilon 1e-3
    train = {f.subject for f in mobilenet_signal.failures if f.mode == "train"}
    assert train and all(s.endswith("_depthwise_BN") for s in train), repr(mobilenet_signal)


def test_mobilenet_v2_in_eval_mode_at_init_fails_the_depth_check(mobilenet_signal: Signal) -> None:
    # its batch norms apply their initial moving statistics (mean 0, variance 1): no normaliser
    evaluated = {(f.subject, f.check.name) for f in mobilenet_signal.failures if f.mode == "eval"}
    assert evaluated == {("layers", "forward ln-RMS slope"), ("layers", "backward ln-RMS slope")}


@dataclass(frozen=True)
class Run:
    """One ``winit audit`` run: its exit status, its ``--json`` record and its ``--html`` page."""

    code: int
    record: dict[str, Any]
    page: str


def run_cli(folder: Path, expr: str, *options: str) -> Run:
    out, page = folder / "audit.json", folder / "audit.html"
    argv = [f"{MODULE}:{expr}", "--paths", "built", "--json", str(out), "--html", str(page)]
    code = main([*argv, *options])
    return Run(code, json.loads(out.read_text()), page.read_text())


def test_the_cli_says_in_one_line_that_a_model_without_a_makeable_input_was_not_checked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([f"{MODULE}:two_inputs()", "--paths", "built"]) == 0
    err = capsys.readouterr().err
    assert "signal not checked" in err and err.count("\n") == 1, err


def test_the_cli_refuses_a_model_without_a_makeable_input_under_signal_on_as_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([f"{MODULE}:two_inputs()", "--paths", "built", "--signal", "on"]) == 2
    err = capsys.readouterr().err
    assert "give make_input" in err and err.count("\n") == 1, err


@pytest.fixture(scope="module")
def one_plus_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return run_cli(tmp_path_factory.mktemp("one_plus"), "stack(one_plus=True)", "--input", "64x64")


def test_the_cli_passes_a_he_mlp_and_its_json_holds_the_signal(tmp_path: Path) -> None:
    run = run_cli(tmp_path, "mlp()")
    assert run.code == 0 and run.record["signal"]["passed"], run.record["signal"]


def test_the_cli_fails_a_one_plus_norm_stack_with_exit_1_naming_the_norms(
    one_plus_run: Run,
) -> None:
    findings = one_plus_run.record["signal"]["findings"]
    failing = {f["subject"] for f in findings if not f["passed"]}
    assert one_plus_run.code == 1 and failing == {f"block{i}/norm" for i in range(DEPTH)}, failing


def test_the_cli_writes_the_page_of_a_failing_keras_model_naming_its_layer(
    one_plus_run: Run,
) -> None:
    assert "block0/norm" in one_plus_run.page


def test_the_recorders_layers_are_named_by_their_path_of_keras_names() -> None:
    assert list(keras_signal.named_layers(stack()))[:4] == [
        "block0", "block0/norm", "block0/up", "block0/down"
    ]  # fmt: skip


def widening(width: int, std: float | None = None) -> Any:
    """Two ReLU Dense layers of ``width`` units on WIDTH features (Keras' default names, which
    differ from build to build): He, or N(0, std²)."""
    kernel = "he_normal" if std is None else keras.initializers.RandomNormal(stddev=std)
    return keras.Sequential([keras.Input((WIDTH,)),
                             *[keras.layers.Dense(width, "relu", kernel_initializer=kernel)
                               for _ in range(2)]])  # fmt: skip


def test_a_he_initialised_keras_mlp_is_flat_in_width_its_default_names_aligned_by_position() -> (
    None
):
    assert_powered_pass(widths(widening, [32, 128, 512]))


def test_a_keras_mlp_at_unit_normal_init_fails_the_width_sweep_on_its_second_layer() -> None:
    result = widths(functools.partial(widening, std=1.0), [32, 128, 512])
    assert len(result.findings) == 2 and [f.passed for f in result.findings] == [True, False]
