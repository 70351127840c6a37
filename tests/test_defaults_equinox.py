"""``winit defaults`` on Equinox's real layers: every parameter against the law its source
states, with fans from the layer's configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.defaults_checks import assert_citations_hold, assert_every_parameter_passes
from winit.verify.conformance import LAYERS
from winit.verify.defaults import layer_defaults

MODULE = "equinox"
SPECS = [spec for specs in LAYERS.values() for spec in specs if spec.startswith(MODULE)]
# reason: equinox is not in the default gate's venv (nox -s frameworks installs it)
eqx = pytest.importorskip("equinox", reason="pip install equinox")


@pytest.mark.parametrize("spec", SPECS)
def test_every_parameter_follows_its_default_law(spec: str) -> None:
    assert_every_parameter_passes(spec)


def test_a_transposed_conv_bound_counts_its_in_channels_per_group() -> None:
    (fans,) = [
        r.fans for r in layer_defaults("equinox.nn:ConvTranspose2d(16, 8, 3)") if r.name == "weight"
    ]
    assert fans == (144, 72)


def test_attention_is_verified_through_its_linear_children() -> None:
    names = {r.name for r in layer_defaults("equinox.nn:MultiheadAttention(4, 32)")}
    assert names == {f"{p}_proj.weight" for p in ("query", "key", "value", "output")}


def test_every_cited_line_states_the_law_it_is_cited_for() -> None:
    root = Path(eqx.__file__).parent.parent
    assert_citations_hold(SPECS, root)
