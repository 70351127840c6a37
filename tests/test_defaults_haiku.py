"""``winit defaults`` on Haiku's real layers: every parameter against the law its source
states, with fans from the layer's configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from winit.verify.conformance import LAYERS
from winit.verify.defaults import layer_defaults, layer_rules

MODULE = "haiku"
SPECS = [spec for specs in LAYERS.values() for spec in specs if spec.startswith(MODULE)]
# reason: dm-haiku is not in the default gate's venv (nox -s frameworks installs it)
hk = pytest.importorskip("haiku", reason="pip install dm-haiku")


@pytest.mark.parametrize("spec", SPECS)
def test_every_parameter_follows_its_default_law(spec: str) -> None:
    reports = layer_defaults(spec, in_features=32)
    assert reports and all(r.checked and r.passed for r in reports), [
        (r.name, r.verdict, r.reason) for r in reports if r.verdict != "pass"
    ]


def test_lstm_weight_fan_in_counts_input_and_hidden() -> None:
    (rule,) = [
        r.rule for r in layer_defaults("haiku:LSTM(16)", in_features=32) if r.name == "linear/w"
    ]
    assert rule is not None and rule.fans == (48, 64) and rule.params["truncation"] == "uncorrected"


def test_every_cited_line_states_the_law_it_is_cited_for() -> None:
    root = Path(hk.__file__).parent.parent
    for spec in SPECS:
        for name, rules in layer_rules(spec, in_features=32).rules.items():
            for rule in rules:
                line = (root / rule.source.path).read_text().splitlines()[rule.source.line - 1]
                assert rule.source.quote in line, (spec, name, str(rule.source))
