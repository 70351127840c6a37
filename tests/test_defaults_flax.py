"""``winit defaults`` on Flax's real modules, linen and nnx: every parameter and batch
statistic against the field default its source states, with fans of the flattened kernel."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.defaults_checks import assert_citations_hold, assert_every_parameter_passes
from winit.verify.adapters import CONVENTIONS
from winit.verify.conformance import LAYERS
from winit.verify.defaults import layer_defaults

# reason: flax is not in the default gate's venv (nox -s frameworks installs it)
flax = pytest.importorskip("flax", reason=f"pip install flax '{CONVENTIONS['jax'].package}'")

FLAX = [spec for spec in LAYERS["jax"] if spec.startswith("flax.")]


@pytest.mark.parametrize("spec", FLAX)
def test_every_parameter_follows_its_default_initializer(spec: str) -> None:
    assert_every_parameter_passes(spec, 32)


@pytest.mark.parametrize(
    ("spec", "fans"),
    [
        # feature groups divide the in channels of the kernel's fan_in
        ("flax.linen:Conv(16, (3, 3), feature_group_count=2)", {"kernel": (144, 144)}),
        # attention's kernels are flattened to (in, heads·head_dim) and (heads·head_dim, out)
        ("flax.linen:MultiHeadDotProductAttention(num_heads=2, qkv_features=16)",
         {"query/kernel": (32, 16), "out/kernel": (16, 32)}),
        # Embed's variance scaling reads fan_in on the features axis (out_axis=0)
        ("flax.nnx:Embed(1000, 32)", {"embedding": (32, 1000)}),
    ],
)  # fmt: skip
def test_fans_come_from_the_module_configuration(
    spec: str, fans: dict[str, tuple[int, int]]
) -> None:
    got = {r.name: r.fans for r in layer_defaults(spec, in_features=32)}
    assert {k: got[k] for k in fans} == fans


def test_recurrent_kernels_are_checked_as_orthogonal_and_input_kernels_as_lecun() -> None:
    laws = {
        r.name: r.rule.law
        for r in layer_defaults("flax.linen:LSTMCell(8)", in_features=8)
        if r.rule
    }
    assert laws["hf/kernel"] == "orthogonal" and laws["if/kernel"] == "lecun_normal"


def test_batch_statistics_are_checked_beside_the_parameters() -> None:
    names = {r.name for r in layer_defaults("flax.linen:BatchNorm()", in_features=8)}
    assert names == {"scale", "bias", "batch_stats/mean", "batch_stats/var"}


def test_every_cited_line_states_the_initializer_it_is_cited_for() -> None:
    root = Path(flax.__file__).parent.parent
    assert_citations_hold(FLAX, root, 32)
