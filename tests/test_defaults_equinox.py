"""``winit defaults`` on Equinox's real layers: every parameter against the law its source
states, with fans from the layer's configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from winit.verify.conformance import LAYERS
from winit.verify.defaults import layer_defaults, layer_rules

MODULE = "equinox"
SPECS = [spec for specs in LAYERS.values() for spec in specs if spec.startswith(MODULE)]
# reason: equinox is not in the default gate's venv (nox -s frameworks installs it)
eqx = pytest.importorskip("equinox", reason="pip install equinox")


@pytest.mark.parametrize("spec", SPECS)
def test_every_parameter_follows_its_default_law(spec: str) -> None:
    reports = layer_defaults(spec)
    assert reports and all(r.checked and r.passed for r in reports), [
        (r.name, r.verdict, r.reason) for r in reports if r.verdict != "pass"
    ]


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
    for spec in SPECS:
        for name, rules in layer_rules(spec).rules.items():
            for rule in rules:
                line = (root / rule.source.path).read_text().splitlines()[rule.source.line - 1]
                assert rule.source.quote in line, (spec, name, str(rule.source))
