"""``winit.audit`` on small plain-torch models: correct ones pass, and each fault is caught by the
one check made for it (every other check passes). The builders are importable, so the CLI tests
audit them by ``tests.test_audit_checks:NAME()``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="winit audit reads torch models: pip install torch")

from torch.nn.init import trunc_normal_ as aliased_trunc_normal  # noqa: E402

from winit.audit import AuditResult, audit  # noqa: E402

nn = torch.nn


class Block(nn.Module):  # type: ignore[misc,name-defined,unused-ignore]
    """A linear layer with a named init (N(0, 0.02²) weight, zero bias) and a layer norm; the init
    in ``reset_parameters``, so the loaded path repeats it."""

    def __init__(self, width: int = 256) -> None:
        super().__init__()
        self.proj = nn.Linear(width, width)
        self.norm = nn.LayerNorm(width)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.normal_(self.proj.weight, std=0.02)
        nn.init.zeros_(self.proj.bias)


def correct() -> Any:
    return nn.Sequential(Block(), Block(), nn.Embedding(300, 64, padding_idx=0))


def doubled() -> Any:
    """The named N(0, 0.02²), then every weight scaled by 2 outside any init call."""
    m = Block()
    with torch.no_grad():
        m.proj.weight.mul_(2.0)
    return m


def outlier() -> Any:
    """One weight at −100σ among a million: mean, variance and KS cannot see it."""
    m = Block(1000)
    with torch.no_grad():
        m.proj.weight[17, 3] = -100 * 0.02
    return m


def deep_unit_normal() -> Any:
    """Eight ReLU layers of 64 at N(0, 1), as their init calls say: every tensor follows its
    named law, and the signal grows by √(64/2) per layer (the article's N(0, 1) claim)."""
    layers: list[Any] = []
    for _ in range(8):
        linear = nn.Linear(64, 64)
        nn.init.normal_(linear.weight)
        nn.init.zeros_(linear.bias)
        layers += [linear, nn.ReLU()]
    return nn.Sequential(*layers)


def nan() -> Any:
    m = Block()
    with torch.no_grad():
        m.proj.weight[1, 2] = float("nan")
    return m


def all_nan() -> Any:
    """Every weight set to NaN outside any init call: no finite value is left to sample."""
    m = Block()
    with torch.no_grad():
        m.proj.weight[:] = float("nan")
    return m


def garbage() -> Any:
    """A value no law here draws (1e-35): what uninitialised memory looks like."""
    m = Block()
    with torch.no_grad():
        m.proj.weight[4, 5] = 1e-35
    return m


class Unseeded(nn.Module):  # type: ignore[misc,name-defined,unused-ignore]
    """A parameter drawn from a generator outside torch's seed: each build differs."""

    def __init__(self) -> None:
        super().__init__()
        rng = np.random.default_rng()
        self.scale = nn.Parameter(torch.from_numpy(rng.normal(0.0, 0.02, 512).astype(np.float32)))


class CustomInit(nn.Module):  # type: ignore[misc,name-defined,unused-ignore]
    """A custom init in ``__init__`` that no ``reset_parameters`` repeats: the loaded path (a
    checkpoint missing these keys) gets torch's default instead."""

    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(256, 256)
        nn.init.normal_(self.proj.weight, std=0.02)


def failing(result: AuditResult) -> set[str]:
    """The names of the failing checks."""
    return {row.check.name for _, row in result.failures}


def test_a_correct_model_passes_on_both_paths() -> None:
    result = audit(correct, seed=0)
    assert result, str(result)
    assert {p for p, _ in result.paths} == {"built", "loaded"}


def test_the_padding_row_is_its_own_zero_group_inside_the_random_embedding() -> None:
    result = audit(correct, seed=0, paths=["built"])
    laws = {g.law for g in result.groups if g.tensors == ("2.weight",)}
    assert laws == {"N(0, 1²)", "every element = 0"}


def test_a_law_scaled_after_its_init_call_fails_the_variance_check_named_as_such() -> None:
    result = audit(doubled, seed=0, paths=["built"])
    rows = {r.check.name: r for g in result.groups for r in g.rows}
    assert not rows["variance ratio"].passed
    assert rows["variance ratio"].check.measured == pytest.approx(4.0, rel=0.1)


def test_one_value_at_minus_100_sigma_fails_only_the_extremes_check() -> None:
    result = audit(outlier, seed=0, paths=["built"], sample=4096)
    assert failing(result) == {"largest |value| (σ units)"}


def test_a_nan_fails_only_the_non_finite_check() -> None:
    assert failing(audit(nan, seed=0, paths=["built"])) == {"non-finite values (count)"}


def test_a_tensor_of_nans_under_a_law_fails_its_non_finite_count_with_no_statistic_to_run() -> None:
    result = audit(all_nan, seed=0, paths=["built"])
    assert failing(result) == {"non-finite values (count)"}
    (weight,) = [g for g in result.groups if g.pattern == "proj.weight"]
    assert all(row.check.alpha == 0.0 for row in weight.rows)  # exact counts, no statistic


def test_a_value_below_1e_minus_30_fails_only_the_uninitialised_memory_check() -> None:
    result = audit(garbage, seed=0, paths=["built"])
    assert len(failing(result)) == 1
    assert next(iter(failing(result))).startswith("uninitialised-memory look")


def test_a_tensor_outside_the_seed_fails_only_the_same_seed_rebuild_check() -> None:
    result = audit(Unseeded, seed=0, paths=["built"])
    assert failing(result) == {"tensors differing between two builds under one seed (count)"}
    assert result.groups[0].named.source == "none"


def test_a_custom_init_lost_on_the_loaded_path_fails_only_the_across_paths_check() -> None:
    result = audit(CustomInit, seed=0)
    assert all(g.passed for g in result.groups)
    assert [r.check.name for _, r in result.failures] == ["proj.weight: same law on every path"]


def test_an_expectation_beats_the_recorded_call_and_both_laws_are_reported() -> None:
    result = audit(Block, seed=0, paths=["built"], expect={"proj.weight": "normal(std=0.04)"})
    group = next(g for g in result.groups if g.pattern == "proj.weight")
    assert group.named.source == "expectation"
    assert not group.passed
    assert any("normal_(mean=0, std=0.02)" in n and "normal(std=0.04)" in n for n in group.notes)


def test_an_expectation_the_values_follow_passes() -> None:
    assert audit(Block, seed=0, paths=["built"], expect=["*proj.weight=normal(std=0.01*2)"])


def test_a_tensor_no_call_wrote_falls_back_to_its_layers_default_rule() -> None:
    linear = nn.Linear(128, 64)  # an instance: built outside the audit, nothing recorded
    result = audit(linear, seed=0, paths=["built"])
    assert result
    assert {g.named.source for g in result.groups} == {"default rule"}


def test_the_same_seed_gives_the_same_result() -> None:
    first, second = audit(correct, seed=3), audit(correct, seed=3)
    assert first.as_dict() == second.as_dict()


def test_a_vacuous_truncation_is_named_as_the_absolute_versus_sigma_bounds_confusion() -> None:
    def build() -> Any:
        m = nn.Linear(256, 256)
        nn.init.trunc_normal_(m.weight, std=0.02)  # a, b = -2, 2: absolute, 100σ out
        return m

    result = audit(build, seed=0, paths=["built"])
    weight = next(g for g in result.groups if g.pattern == "weight")
    assert weight.passed
    assert any("absolute" in n and "σ units" in n for n in weight.notes)


def test_an_expectation_that_matches_no_tensor_is_a_usage_error() -> None:
    with pytest.raises(ValueError, match="matches no tensor"):
        audit(Block, paths=["built"], expect={"*.c_proj.weight": "zeros"})


def test_a_module_instance_is_audited_on_the_built_path_only() -> None:
    result = audit(Block(), seed=0)
    assert [p for p, _ in result.paths] == ["built"]


def test_a_call_through_an_alias_of_an_init_function_is_recorded_by_its_real_name() -> None:
    def build() -> Any:
        m = nn.Linear(64, 64)
        aliased_trunc_normal(m.weight, std=0.02, a=-0.04, b=0.04)
        return m

    result = audit(build, seed=0, paths=["built"])
    weight = next(g for g in result.groups if g.pattern == "weight")
    assert weight.named.text.startswith("torch.nn.init.trunc_normal_(")
    assert result


def test_a_tensor_method_writing_through_data_is_recorded() -> None:
    def build() -> Any:
        m = nn.Linear(64, 64)
        m.weight.data.normal_(mean=0.0, std=0.02)
        return m

    result = audit(build, seed=0, paths=["built"])
    weight = next(g for g in result.groups if g.pattern == "weight")
    assert (weight.named.text, weight.law) == ("Tensor.normal_(mean=0, std=0.02)", "N(0, 0.02²)")


def test_every_init_function_is_restored_after_a_builder_raises() -> None:
    originals = (nn.init.normal_, torch.Tensor.normal_, nn.modules.activation.xavier_uniform_)

    def build() -> Any:
        nn.Linear(4, 4)
        raise RuntimeError("broken builder")

    with pytest.raises(ValueError, match="broken builder"):
        audit(build, paths=["built"])
    assert (
        nn.init.normal_,
        torch.Tensor.normal_,
        nn.modules.activation.xavier_uniform_,
    ) == originals


class ZeroGamma(nn.Module):  # type: ignore[misc,name-defined,unused-ignore]
    """A residual block whose last norm's gain is deliberately zero (the block starts as the
    identity), and torch's packed q/k/v attention."""

    def __init__(self) -> None:
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(64, 4, dim_feedforward=128)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.zeros_(self.layer.norm2.weight)


def test_a_deliberate_zero_gain_and_packed_attention_pass_on_the_built_path() -> None:
    result = audit(ZeroGamma, seed=0, paths=["built"])
    assert result, str(result)
    laws = {g.pattern: g.law for g in result.groups}
    assert laws["layer.norm2.weight"] == "every element = 0"
    assert laws["layer.self_attn.in_proj_bias"] == "every element = 0"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_finding_torchs_multihead_attention_has_no_reset_parameters_so_the_loaded_path_leaves_it_unset(
    seed: int,
) -> None:
    """MultiheadAttention initialises in ``_reset_parameters`` (private): materialised from the
    meta device, its packed in-projection keeps whatever memory ``to_empty`` gave, and its
    out_proj gets Linear's U(±1/√E) bias instead of zero."""
    result = audit(ZeroGamma, seed=seed)
    places = {where for where, _ in result.failures}
    assert {
        "loaded layer.self_attn.in_proj_weight",
        "loaded layer.self_attn.in_proj_bias",
    } <= places
    assert not any(p.startswith("built") for p in places)
    across = [r.diagnosis for r in result.across if not r.passed]
    assert any("out_proj.bias" in d and "every element = 0" in d for d in across), across


def test_a_zero_dimensional_tensor_is_checked_against_its_constant() -> None:
    class Scaled(nn.Module):  # type: ignore[misc,name-defined,unused-ignore]
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("scale", torch.empty(()))
            nn.init.constant_(self.scale, 8.0)

    result = audit(Scaled, paths=["built"])
    assert [g.law for g in result.groups] == ["every element = 8"]
    assert result
