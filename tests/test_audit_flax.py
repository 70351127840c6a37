"""``winit.audit`` on real Flax models, nnx modules and linen variables, built from small
configurations: correct models pass (convolutions, norms, embeddings, attention with its
flat-drawn kernels, every JAX initializer), each constructed fault fails naming its group, and
the loaded path, which Flax does not have, is said so."""

from __future__ import annotations

from typing import Any

import pytest

# reason: flax is not in the default gate's venv (nox -s audit-frameworks installs it)
pytest.importorskip("flax", reason="winit audit reads Flax models: pip install flax")

import flax.linen as nn
import jax
import jax.numpy as jnp
from flax import nnx, serialization

from tests.test_audit_cli import _readme_block as readme_block
from winit.audit import AuditResult, audit

init = jax.nn.initializers
#: every JAX initializer with a law, on a kernel large enough for the checks
INITIALIZERS = {
    "lecun_normal": init.lecun_normal(),
    "glorot_uniform": init.glorot_uniform(),
    "he_normal": init.he_normal(),
    "fan_avg_uniform": init.variance_scaling(0.5, "fan_avg", "uniform"),
    "fan_geo_avg_normal": init.variance_scaling(2.0, "fan_geo_avg", "normal"),
    "normal": init.normal(0.05),
    "uniform": init.uniform(0.3),
    "truncated_normal": init.truncated_normal(0.02),
    "cut_asymmetric": init.truncated_normal(0.02, lower=-3.0, upper=1.0),
    "orthogonal": init.orthogonal(1.5),
    "constant": init.constant(0.5),
}


class Net(nnx.Module):
    """A small CNN-and-transformer of nnx layers."""

    def __init__(self, rngs: Any) -> None:
        self.conv = nnx.Conv(3, 16, (3, 3), rngs=rngs)
        self.bn = nnx.BatchNorm(16, rngs=rngs)
        self.embed = nnx.Embed(300, 32, rngs=rngs)
        self.attention = nnx.MultiHeadAttention(
            num_heads=4, in_features=32, decode=False, rngs=rngs
        )
        self.norm = nnx.LayerNorm(32, rngs=rngs)
        self.rms = nnx.RMSNorm(32, rngs=rngs)
        self.layers = nnx.List([nnx.Linear(32, 64, rngs=rngs), nnx.Linear(64, 32, rngs=rngs)])
        self.head = nnx.Linear(32, 10, kernel_init=init.normal(0.02), rngs=rngs)


class Initializers(nnx.Module):
    def __init__(self, rngs: Any) -> None:
        self.dense = nnx.Dict({name: nnx.Linear(128, 96, kernel_init=fn, rngs=rngs)
                               for name, fn in INITIALIZERS.items()})  # fmt: skip


class Block(nn.Module):
    """A small CNN-and-transformer of linen layers."""

    @nn.compact
    def __call__(self, image: Any, tokens: Any) -> Any:
        x = nn.Conv(16, (3, 3))(image)
        x = nn.BatchNorm(use_running_average=False)(x)
        h = nn.Embed(300, 32)(tokens)
        h = nn.MultiHeadDotProductAttention(num_heads=4)(h)
        h = nn.LayerNorm()(h)
        h = nn.Dense(64)(h)
        h = nn.Dense(10, kernel_init=nn.initializers.he_uniform(), name="head")(h)
        return x.mean() + h


def linen_block(key: Any) -> Any:
    return Block().init(key, jnp.ones((1, 8, 8, 3)), jnp.ones((1, 6), dtype=jnp.int32))


def failing(result: AuditResult) -> set[str]:
    return {where for where, _ in result.failures}


def test_an_nnx_model_passes() -> None:
    result = audit(Net)
    assert result, str(result)
    assert {g.named.source for g in result.groups} == {"call", "default rule"}


def test_the_nnx_attention_kernels_are_read_on_the_flat_shape_they_were_drawn_in() -> None:
    result = audit(Net, paths=["built"])
    (query,) = [g for g in result.groups if g.pattern == "attention/query/kernel"]
    assert query.passed and "0.176777" in query.law  # std 1/√32: fan_in the 32 input features


def test_every_jax_initializer_names_the_law_its_values_follow() -> None:
    result = audit(Initializers)
    read = {g.pattern.split("/")[1] for g in result.groups if g.named.law is not None}
    assert result, str(result)
    assert set(INITIALIZERS) <= read


def test_a_linen_model_passes() -> None:
    result = audit(linen_block)
    assert result, str(result)
    assert {g.named.source for g in result.groups} == {"call", "default rule"}


def test_a_wrong_std_initializer_fails_its_expectation_naming_the_group() -> None:
    result = audit(Net, expect={"head/kernel": "normal(std=0.002)"})
    assert failing(result) == {"built head/kernel"}, str(result)


def test_an_nnx_variable_overwritten_after_build_fails_naming_its_group() -> None:
    def overwritten(rngs: Any) -> Any:
        net = Net(rngs)
        net.head.kernel[...] = net.head.kernel[...] * 3.0
        return net

    assert failing(audit(overwritten)) == {"built head/kernel"}


def test_linen_variables_changed_after_init_fail_naming_their_group() -> None:
    def changed(key: Any) -> Any:
        variables = linen_block(key)
        params = variables["params"]
        kernel = params["head"]["kernel"]
        head = {**params["head"], "kernel": jax.random.normal(key, kernel.shape)}
        return {**variables, "params": {**params, "head": head}}

    assert failing(audit(changed)) == {"built params/head/kernel"}


def test_a_constant_initializer_at_nan_fails_the_finiteness_of_its_tensor_by_name() -> None:
    def build(rngs: Any) -> nnx.Module:
        return nnx.Linear(8, 16, kernel_init=init.constant(jnp.nan), rngs=rngs)

    result = audit(build, paths=["built"])
    assert failing(result) == {"built kernel"}, str(result)
    (kernel,) = [g for g in result.groups if g.pattern == "kernel"]
    assert "names no law (value must be finite, got nan)" in kernel.named.text


def test_an_nnx_module_instance_falls_back_to_the_nnx_rule_table() -> None:
    result = audit(nnx.Linear(256, 128, rngs=nnx.Rngs(0)))
    assert result, str(result)
    assert {g.named.source for g in result.groups} == {"default rule"}


def test_the_seed_reaches_a_builder_taking_rngs_or_a_key() -> None:
    for builder in (Net, linen_block):
        first, again, other = (audit(builder, seed=s) for s in (0, 0, 1))
        assert first.as_dict() == again.as_dict()
        assert [g.identified for g in first.groups] != [g.identified for g in other.groups]


def test_the_loaded_path_is_said_not_to_exist_and_asking_for_it_is_an_error() -> None:
    result = audit(Net)
    assert dict(result.paths)["loaded"].startswith("not taken: Flax has no loaded path")
    with pytest.raises(ValueError, match="Flax has no loaded path"):
        audit(Net, paths=["loaded"])


def test_a_flax_checkpoint_missing_a_key_cannot_be_restored() -> None:
    # why Flax has no loaded path: a missing variable is an error, never initialised otherwise
    variables = linen_block(jax.random.key(0))
    state = serialization.to_state_dict(variables)
    del state["params"]["head"]
    with pytest.raises(ValueError, match="head"):
        serialization.from_state_dict(variables, state)


def test_the_readmes_flax_example_passes() -> None:
    namespace: dict[str, object] = {}
    exec(readme_block("flax"), namespace)
    test = namespace["test_mlp_starts_from_its_declared_init"]
    assert callable(test)
    test()
