"""winit.signal on real Flax models built from Flax's own layers, nnx (Linear, LayerNorm, RMSNorm,
MultiHeadAttention, Conv, BatchNorm, RNN) and linen (Dense, LayerNorm, Conv, BatchNorm): correct
models pass; each constructed fault — a norm computing x̂·(1 + scale) at scale 1, a Dense stack
at N(0, 1), residual blocks without their 1/√(2L) output scale under a declared bounded stream —
fails the signal checks while the per-tensor audit of the same model passes; and the plumbing
(modes, seeds, transforms, bad input, the CLI)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest

# reason: flax is not in the default gate's venv (nox -s audit-frameworks installs it)
pytest.importorskip("flax", reason="the signal of a Flax model needs flax: pip install flax")

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from winit.__main__ import main
from winit.audit import audit
from winit.signal import Signal, measure, widths

init = jax.nn.initializers
RELU = jax.nn.relu
WIDTH, DEPTH, HEADS = 64, 8, 4
#: the stack's first layer is a norm, so its input is given: (batch, sequence, features)
TOKENS = (4, 16, WIDTH)
#: the conv net's input: (batch, height, width, channels)
IMAGES, CONVS, CHANNELS = (8, 12, 12, 3), 6, 48
#: what a plumbing test needs: the checks take at least 3 seeds
FEW = range(4)


def he(scale: float = 1.0) -> Any:
    """He's normal init (truncated, as ``jax.nn.initializers.he_normal``), variance × ``scale``."""
    return init.variance_scaling(2.0 * scale, "fan_in", "truncated_normal")


class OnePlusRMSNorm(nnx.Module):
    """An RMS norm whose forward computes x̂·(1 + scale) (``one_plus``) or x̂·scale: with its
    scale at ones (what its init line says) the first has gain 2."""

    def __init__(self, width: int, *, one_plus: bool, scale_init: Any = init.ones, rngs: Any):
        self.scale = nnx.Param(scale_init(rngs.params(), (width,)))
        self.one_plus = one_plus

    def __call__(self, x: Any) -> Any:
        normed = x * jax.lax.rsqrt(jnp.mean(x * x, axis=-1, keepdims=True) + 1e-6)
        return normed * (1.0 + self.scale[...] if self.one_plus else self.scale[...])


class Block(nnx.Module):
    """A pre-norm transformer block of Flax's layers, x + attention(norm(x)) then
    x + W₂ relu(W₁ norm(x)): He projections, the residual outputs (attention's ``out``, W₂)
    scaled by 1/√(2·DEPTH) unless ``unscaled``; nnx.LayerNorm and nnx.RMSNorm, or the
    x̂·(1 + scale) norm."""

    def __init__(self, *, one_plus: bool | None, unscaled: bool, rngs: Any) -> None:
        scale = 1.0 if unscaled else 1.0 / (2 * DEPTH)

        def norm(flax_norm: type[nnx.LayerNorm | nnx.RMSNorm]) -> nnx.Module:
            if one_plus is None:
                return flax_norm(WIDTH, rngs=rngs)
            return OnePlusRMSNorm(WIDTH, one_plus=one_plus, rngs=rngs)

        self.norm1, self.norm2 = norm(nnx.LayerNorm), norm(nnx.RMSNorm)
        self.attention = nnx.MultiHeadAttention(
            num_heads=HEADS, in_features=WIDTH, decode=False,
            kernel_init=init.lecun_normal(), out_kernel_init=he(scale / 2), rngs=rngs,
        )  # fmt: skip
        self.up = nnx.Linear(WIDTH, WIDTH, kernel_init=he(), rngs=rngs)
        self.down = nnx.Linear(WIDTH, WIDTH, kernel_init=he(scale), rngs=rngs)

    def __call__(self, x: Any) -> Any:
        x = x + self.attention(self.norm1(x))
        return x + self.down(nnx.relu(self.up(self.norm2(x))))


class Stack(nnx.Module):
    def __init__(
        self, rngs: Any, *, one_plus: bool | None = None, unscaled: bool = False, depth: int = DEPTH
    ) -> None:
        self.blocks = nnx.List(
            [Block(one_plus=one_plus, unscaled=unscaled, rngs=rngs) for _ in range(depth)]
        )

    def __call__(self, x: Any) -> Any:
        for block in self.blocks:
            x = block(x)
        return x


def stack(rngs: Any) -> Stack:
    return Stack(rngs)


def one_block_stack(rngs: Any) -> Stack:
    return Stack(rngs, depth=1)


def one_plus_stack(rngs: Any) -> Stack:
    return Stack(rngs, one_plus=True)


def true_gain_stack(rngs: Any) -> Stack:
    return Stack(rngs, one_plus=False)


def unscaled_stack(rngs: Any) -> Stack:
    return Stack(rngs, unscaled=True)


def mlp(rngs: Any, std: float | None) -> nnx.Sequential:
    """A ReLU MLP of DEPTH square nnx.Linear layers: He, or N(0, std²)."""
    kernel = he() if std is None else init.normal(std)
    layers: list[Any] = []
    for _ in range(DEPTH):
        layers += [nnx.Linear(WIDTH, WIDTH, kernel_init=kernel, rngs=rngs), nnx.relu]
    return nnx.Sequential(*layers)


class ConvNet(nnx.Module):
    """CONVS He-initialised 3x3 convolutions, each followed by nnx.BatchNorm and a ReLU."""

    def __init__(self, rngs: Any) -> None:
        self.convs = nnx.List([nnx.Conv(c, CHANNELS, (3, 3), kernel_init=he(), rngs=rngs)
                               for c in (3, *[CHANNELS] * (CONVS - 1))])  # fmt: skip
        self.norms = nnx.List([nnx.BatchNorm(CHANNELS, rngs=rngs) for _ in range(CONVS)])

    def __call__(self, x: Any) -> Any:
        for conv, norm in zip(self.convs, self.norms, strict=True):
            x = nnx.relu(norm(conv(x)))
        return x


def he_mlp(rngs: Any) -> nnx.Sequential:
    return mlp(rngs, None)


def unit_normal_mlp(rngs: Any) -> nnx.Sequential:
    return mlp(rngs, 1.0)


@functools.cache
def signal_of(builder: Any, shape: tuple[int, ...] | None = None, bounded: bool = False) -> Signal:
    """The signal at the default seeds, measured once per test session (a Signal is frozen)."""
    return measure(builder, shape, bounded_stream=bounded)


def underpowered(result: Signal) -> list[str]:
    return [f.verdict for f in result.findings if "underpowered" in f.verdict]


def assert_passes(result: Signal) -> None:
    """A pass that means something: every check passed with its stated power."""
    assert result, repr(result)
    assert not underpowered(result), underpowered(result)


def audited(builder: Any) -> bool:
    """Whether the per-tensor audit of the model passes (every tensor follows its named law)."""
    result = audit(builder, paths=["built"])
    return bool(result)


def failed(result: Signal) -> set[tuple[str, str]]:
    return {(f.subject, f.check.name) for f in result.failures}


# ---------------------------------------------------------------- correct models


def test_a_pre_norm_transformer_stack_with_its_depth_scale_passes_as_a_bounded_stream() -> None:
    assert_passes(signal_of(stack, TOKENS, bounded=True))


def test_the_stack_is_measured_block_by_block_on_its_residual_stream() -> None:
    result = signal_of(stack, TOKENS, bounded=True)
    blocks = [la.name for la in result.layers if la.kind == "block"]
    assert blocks == [f"blocks/{i} (stream)" for i in range(DEPTH)]
    assert any("residual stream" in note for note in result.notes), result.notes


def test_a_stack_of_one_block_passes_and_says_its_depth_was_not_fitted() -> None:
    """Its block's layers run side by side (attention's projections): no chain to fit."""
    result = signal_of(one_block_stack, TOKENS)
    assert_passes(result)
    assert "eval: blocks blocks/0: the depth slopes need 3 or more, not checked" in result.notes


def test_every_layer_of_the_stack_is_named_by_its_path_and_a_relu_call_by_its_caller() -> None:
    result = signal_of(stack, TOKENS, bounded=True)
    layers = {la.name for la in result.layers if la.kind == "layer"}
    parts = {"norm1", "norm2", "up", "relu", "down",
             *(f"attention/{p}" for p in ("query", "key", "value", "out"))}  # fmt: skip
    assert layers == {f"blocks/{i}/{p}" for i in range(DEPTH) for p in parts}


def test_a_he_initialised_relu_mlp_of_flax_layers_passes() -> None:
    assert_passes(signal_of(he_mlp))


def test_the_dead_unit_fraction_is_reported_for_every_relu_of_a_sequential_by_its_path() -> None:
    relus = {la.name: la.dead for la in signal_of(he_mlp).layers if la.type == "relu"}
    assert set(relus) == {f"layers/{2 * i + 1}" for i in range(DEPTH)}
    assert all(dead is not None and 0.0 <= dead <= 1.0 for dead in relus.values())


# ---------------------------------------------------------------- constructed faults


def test_a_one_plus_scale_norm_at_gain_2_fails_naming_every_norm_layer() -> None:
    result = signal_of(one_plus_stack, TOKENS)
    names = {f"blocks/{i}/{n}" for i in range(DEPTH) for n in ("norm1", "norm2")}
    assert {subject for subject, _ in failed(result)} == names, repr(result)


def test_the_one_plus_scale_norms_pass_the_per_tensor_audit() -> None:
    assert audited(one_plus_stack)


def test_the_same_norm_computing_its_true_gain_passes() -> None:
    assert_passes(signal_of(true_gain_stack, TOKENS))


def test_a_residual_stack_without_its_depth_scale_fails_the_declared_bounded_stream() -> None:
    result = signal_of(unscaled_stack, TOKENS, bounded=True)
    assert failed(result) == {("blocks: stream", "forward ln growth")}, repr(result)


def test_without_a_declared_bounded_stream_its_sqrt_depth_growth_is_named_not_failed() -> None:
    result = signal_of(unscaled_stack, TOKENS)
    named = [
        f.verdict for f in result.findings if "√depth growth of a residual stream (" in f.verdict
    ]
    assert result and named, repr(result)


def test_the_stacks_with_and_without_the_depth_scale_pass_the_per_tensor_audit() -> None:
    assert audited(stack) and audited(unscaled_stack)


def test_a_deep_dense_stack_at_unit_normal_init_fails_the_forward_depth_check() -> None:
    result = signal_of(unit_normal_mlp)
    assert ("layers", "forward ln-RMS slope") in failed(result), repr(result)


def test_the_dense_stack_at_unit_normal_init_passes_the_per_tensor_audit() -> None:
    assert audited(unit_normal_mlp)


# ---------------------------------------------------------------- batch norm, plumbing


def test_a_conv_net_with_batch_norm_is_measured_in_train_and_eval_mode_and_says_so() -> None:
    result = signal_of(ConvNet, IMAGES)
    assert result.modes == ("train", "eval")
    assert any("train and eval" in note for note in result.notes)


def test_a_conv_net_with_batch_norm_passes_with_its_norms_checked_in_train_mode() -> None:
    result = signal_of(ConvNet, IMAGES)
    checked = {(f.subject, f.mode) for f in result.findings if f.subject.startswith("norms/")}
    assert checked == {(f"norms/{i}", "train") for i in range(CONVS)}
    assert_passes(result)


def test_a_model_instance_keeps_its_mode_and_running_statistics() -> None:
    model = ConvNet(nnx.Rngs(0))
    model.eval()  # type: ignore[no-untyped-call,unused-ignore]
    before = jax.tree.map(np.asarray, nnx.state(model))
    measure(model, IMAGES, seeds=FEW)
    after = jax.tree.map(np.asarray, nnx.state(model))
    assert jax.tree.all(jax.tree.map(np.array_equal, before, after))
    assert all(norm.use_running_average for norm in model.norms)
    assert type(model.convs[0]) is nnx.Conv


def test_the_same_seeds_give_the_same_result() -> None:
    first, second = (measure(unit_normal_mlp, seeds=FEW).as_dict() for _ in range(2))
    assert first == second


def test_other_seeds_give_another_result() -> None:
    first, second = (measure(he_mlp, seeds=s).as_dict() for s in (FEW, range(4, 8)))
    assert first["layers"] != second["layers"]


class Recurrent(nnx.Module):
    """A Linear, then nnx.RNN: its LSTM cell runs inside ``nnx.scan``."""

    def __init__(self, rngs: Any) -> None:
        self.linear = nnx.Linear(WIDTH, WIDTH, rngs=rngs)
        self.rnn = nnx.RNN(nnx.LSTMCell(WIDTH, WIDTH, rngs=rngs), rngs=rngs)

    def __call__(self, x: Any) -> Any:
        return self.rnn(self.linear(x))


class Rematerialised(nnx.Module):
    """Two Linears run inside ``nnx.remat`` in the model's own call."""

    def __init__(self, rngs: Any) -> None:
        self.first = nnx.Linear(WIDTH, WIDTH, rngs=rngs)
        self.second = nnx.Linear(WIDTH, WIDTH, rngs=rngs)

    def __call__(self, x: Any) -> Any:
        return nnx.remat(lambda m, x: m.second(m.first(x)))(self, x)


def test_an_rnn_whose_cell_runs_inside_a_scan_is_recorded_as_one_layer() -> None:
    result = measure(Recurrent, (4, 5, WIDTH), seeds=FEW)
    assert [la.name for la in result.layers if la.kind == "layer"] == ["linear", "rnn"]
    assert all(la.forward and la.backward for la in result.layers if la.kind == "layer")


def test_layers_run_inside_a_transform_in_the_models_own_call_are_refused_in_one_line() -> None:
    with pytest.raises(ValueError, match="inside a JAX transform"):
        measure(Rematerialised, seeds=FEW)


class Raising(nnx.Module):
    """A model whose call fails after a ReLU."""

    def __init__(self, rngs: Any) -> None:
        self.linear = nnx.Linear(WIDTH, WIDTH, rngs=rngs)

    def __call__(self, x: Any) -> Any:
        nnx.relu(self.linear(x))
        raise RuntimeError("the model's own error")


def test_relu_and_the_module_classes_are_restored_after_a_model_that_raises() -> None:
    model = Raising(nnx.Rngs(0))
    with pytest.raises(RuntimeError, match="the model's own error"):
        measure(model, seeds=FEW)
    assert nnx.relu is RELU and jax.nn.relu is RELU
    assert type(model.linear) is nnx.Linear


def test_a_model_without_a_makeable_input_is_refused_with_what_is_accepted() -> None:
    with pytest.raises(ValueError, match="give make_input as a shape or a callable of a numpy"):
        measure(ConvNet)


def test_an_input_made_by_a_callable_of_a_generator_is_used() -> None:
    result = measure(ConvNet, lambda g: g.standard_normal(IMAGES).astype(np.float32), seeds=FEW)
    assert result.input == "made by the given callable"


# ---------------------------------------------------------------- linen


class LinenRMSNorm(nn.Module):
    """The x̂·(1 + scale) norm (``one_plus``) or x̂·scale, in linen, its scale at ones."""

    one_plus: bool

    @nn.compact
    def __call__(self, x: Any) -> Any:
        scale = self.param("scale", init.ones, (x.shape[-1],))
        normed = x * jax.lax.rsqrt(jnp.mean(x * x, axis=-1, keepdims=True) + 1e-6)
        return normed * (1.0 + scale if self.one_plus else scale)


class LinenBlock(nn.Module):
    """A pre-norm residual MLP block x + W₂ relu(W₁ norm(x)) of linen layers: He projections,
    W₂ scaled by 1/√(2·DEPTH) unless ``unscaled``; nn.LayerNorm or the x̂·(1 + scale) norm;
    with ``attention``, x + attention(norm(x)) first (its four projections siblings of one
    class, out scaled as W₂)."""

    one_plus: bool | None = None
    unscaled: bool = False
    attention: bool = False

    @nn.compact
    def __call__(self, x: Any) -> Any:
        scale = 1.0 if self.unscaled else 1 / (2 * DEPTH)
        if self.attention:
            h = nn.LayerNorm()(x)
            x = x + nn.MultiHeadDotProductAttention(
                num_heads=HEADS, kernel_init=init.lecun_normal(), out_kernel_init=he(scale / 2)
            )(h, h)
        norm = nn.LayerNorm() if self.one_plus is None else LinenRMSNorm(self.one_plus)
        h = nn.relu(nn.Dense(WIDTH, kernel_init=he())(norm(x)))
        return x + nn.Dense(WIDTH, kernel_init=he(scale))(h)


class LinenStack(nn.Module):
    one_plus: bool | None = None
    unscaled: bool = False
    attention: bool = False
    depth: int = DEPTH

    @nn.compact
    def __call__(self, x: Any) -> Any:
        for _ in range(self.depth):
            x = LinenBlock(self.one_plus, self.unscaled, self.attention)(x)
        return x


class LinenMlp(nn.Module):
    """DEPTH nn.Dense layers at N(0, 1), each followed by ReLU."""

    @nn.compact
    def __call__(self, x: Any) -> Any:
        for _ in range(DEPTH):
            x = nn.relu(nn.Dense(WIDTH, kernel_init=init.normal(1.0))(x))
        return x


class LinenConvNet(nn.Module):
    """CONVS He-initialised convolutions, each followed by nn.BatchNorm and a ReLU."""

    @nn.compact
    def __call__(self, x: Any, train: bool = True) -> Any:
        for _ in range(CONVS):
            x = nn.Conv(CHANNELS, (3, 3), kernel_init=he())(x)
            x = nn.relu(nn.BatchNorm(use_running_average=not train)(x))
        return x


#: the linen models' init input: (rows, features)
ROWS = (64, WIDTH)


def linen_stack(key: Any) -> Any:
    return LinenStack().init(key, jnp.ones(ROWS))


def linen_attention_stack(key: Any, depth: int = DEPTH) -> Any:
    return LinenStack(attention=True, depth=depth).init(key, jnp.ones(ROWS))


def linen_one_plus_stack(key: Any) -> Any:
    return LinenStack(one_plus=True).init(key, jnp.ones(ROWS))


def linen_unscaled_stack(key: Any) -> Any:
    return LinenStack(unscaled=True).init(key, jnp.ones(ROWS))


def linen_mlp(key: Any) -> Any:
    return LinenMlp().init(key, jnp.ones(ROWS))


def linen_conv_net(key: Any, *, train: bool = True) -> Any:
    return LinenConvNet().init(key, jnp.ones(IMAGES), train=train)


def linen_tokens(key: Any) -> Any:
    return nn.Embed(100, WIDTH).init(key, jnp.ones((4, 16), dtype=jnp.int32))


def test_a_linen_stack_with_its_depth_scale_passes_as_a_bounded_stream_on_its_init_input() -> None:
    result = signal_of(linen_stack, bounded=True)
    assert_passes(result)
    assert result.input == "N(0, 1) features 64x64 shaped as the init call's"


def test_a_linen_stack_whose_blocks_hold_attention_is_measured_block_by_block() -> None:
    """Its three blocks, not attention's four projections (siblings of one class too)."""
    result = signal_of(functools.partial(linen_attention_stack, depth=3), bounded=True)
    assert_passes(result)
    blocks = [la.name for la in result.layers if la.kind == "block"]
    assert blocks == [f"LinenBlock_{i} (stream)" for i in range(3)]


def test_a_linen_stack_of_one_block_passes_and_says_its_depth_was_not_fitted() -> None:
    result = signal_of(functools.partial(linen_attention_stack, depth=1))
    assert_passes(result)
    assert "eval: blocks LinenBlock_0: the depth slopes need 3 or more, not checked" in result.notes


def test_a_linen_one_plus_scale_norm_fails_naming_every_norm_while_the_audit_passes() -> None:
    failed_ = {subject for subject, _ in failed(signal_of(linen_one_plus_stack))}
    assert failed_ == {f"LinenBlock_{i}/LinenRMSNorm_0" for i in range(DEPTH)}
    assert audited(linen_one_plus_stack)


def test_a_linen_stack_without_its_depth_scale_fails_the_bounded_stream_while_the_audit_passes() -> (
    None
):
    result = signal_of(linen_unscaled_stack, bounded=True)
    assert failed(result) == {("blocks: stream", "forward ln growth")}, repr(result)
    assert audited(linen_unscaled_stack)


def test_a_linen_dense_stack_at_unit_normal_fails_the_depth_check_while_the_audit_passes() -> None:
    assert ("layers", "forward ln-RMS slope") in failed(signal_of(linen_mlp))
    assert audited(linen_mlp)


def test_a_linen_relu_is_a_layer_named_by_its_caller_with_its_dead_fraction() -> None:
    relus = {la.name: la.dead for la in signal_of(linen_mlp).layers if la.type == "relu"}
    assert set(relus) == {"relu", *(f"relu{i}" for i in range(2, DEPTH + 1))}
    assert all(dead is not None for dead in relus.values())


def test_a_linen_batch_norm_is_measured_in_the_mode_its_init_call_took() -> None:
    train = measure(linen_conv_net, seeds=FEW)
    evaluated = measure(functools.partial(linen_conv_net, train=False), seeds=FEW)
    assert (train.modes, evaluated.modes) == (("train",), ("eval",))
    checked = {f.subject for f in train.findings if "BatchNorm" in f.subject}
    assert checked == {f"BatchNorm_{i}" for i in range(CONVS)}
    assert not any("BatchNorm" in f.subject for f in evaluated.findings)


class LinenRematerialised(nn.Module):
    @nn.compact
    def __call__(self, x: Any) -> Any:
        return nn.remat(nn.Dense)(WIDTH)(x)


def test_a_linen_layer_run_inside_a_transform_is_refused_in_one_line() -> None:
    with pytest.raises(ValueError, match="inside a JAX transform"):
        measure(lambda key: LinenRematerialised().init(key, jnp.ones(ROWS)), seeds=FEW)


def test_linen_variables_without_their_builder_are_refused_saying_what_is_accepted() -> None:
    with pytest.raises(ValueError, match=r"give the builder of a key that returns module\.init"):
        measure(linen_mlp(jax.random.key(0)))


def test_a_linen_model_whose_input_cannot_be_made_is_refused_saying_what_is_accepted() -> None:
    with pytest.raises(ValueError, match="give make_input as a shape or a callable of a numpy"):
        measure(linen_tokens)


# ---------------------------------------------------------------- the command line


def cli(*argv: str) -> int:
    return main(["audit", *argv, "--paths", "built", "--timeout", "600"])


def test_the_cli_exits_0_for_a_correct_flax_model() -> None:
    assert cli("tests.test_signal_flax:he_mlp") == 0


def test_the_cli_exits_1_for_a_flax_fault_and_its_json_holds_the_failed_signal(
    tmp_path: Path,
) -> None:
    out = tmp_path / "audit.json"
    assert cli("tests.test_signal_flax:unit_normal_mlp", "--json", str(out)) == 1
    record = json.loads(out.read_text())
    assert all(g["passed"] for g in record["groups"])  # every tensor follows its named law
    assert record["signal"]["passed"] is False


def test_the_cli_fails_a_declared_bounded_stream_measured_on_the_given_input_shape() -> None:
    shape = "x".join(map(str, TOKENS))
    assert cli("tests.test_signal_flax:unscaled_stack", "--input", shape, "--bounded-stream") == 1


def test_the_cli_writes_the_page_of_a_failing_flax_model(tmp_path: Path) -> None:
    page = tmp_path / "audit.html"
    assert cli("tests.test_signal_flax:unit_normal_mlp", "--html", str(page)) == 1
    text = page.read_text()
    assert 'id="signal"' in text and "layers/0" in text


def test_the_cli_exits_1_for_a_linen_fault_and_0_for_the_correct_linen_model() -> None:
    assert cli("tests.test_signal_flax:linen_one_plus_stack") == 1
    assert cli("tests.test_signal_flax:linen_stack", "--bounded-stream") == 0


def test_the_signal_of_a_linen_model_without_a_makeable_input_is_said_not_checked_in_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli("tests.test_signal_flax:linen_tokens") == 0
    err = capsys.readouterr().err
    assert "signal not checked" in err and "give make_input" in err and err.count("\n") == 1, err


@pytest.mark.parametrize(
    ("expr", "status", "message"),
    [
        ("Rematerialised", 2, "inside a JAX transform"),  # a refusal: a usage error
        ("Raising", 4, "the model's own error"),  # the model's code raised
    ],
)
def test_under_signal_on_a_refused_model_exits_2_and_a_model_whose_call_raises_exits_4(
    capsys: pytest.CaptureFixture[str], expr: str, status: int, message: str
) -> None:
    assert cli(f"tests.test_signal_flax:{expr}", "--signal", "on") == status
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err


def widening(width: int, rngs: Any, std: float | None = None) -> nnx.Sequential:
    """Two ReLU nnx.Linear layers of ``width`` units on WIDTH features: He, or N(0, std²)."""
    kernel = he() if std is None else init.normal(std)
    return nnx.Sequential(nnx.Linear(WIDTH, width, kernel_init=kernel, rngs=rngs), nnx.relu,
                          nnx.Linear(width, width, kernel_init=kernel, rngs=rngs), nnx.relu)  # fmt: skip


def test_a_he_initialised_flax_mlp_is_flat_in_width() -> None:
    assert_passes(widths(widening, [32, 128, 512]))


def test_a_flax_mlp_at_unit_normal_init_grows_as_sqrt_width_and_fails_the_width_sweep() -> None:
    result = widths(functools.partial(widening, std=1.0), [32, 128, 512])
    # the first layer's fan-in is fixed, so only the second layer and its ReLU grow with the width
    assert {f.subject for f in result.failures} == {"layers/2", "layers/3"}, repr(result)
