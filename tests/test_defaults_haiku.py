"""``winit defaults`` on Haiku's real layers: every parameter against the law its source
states, with fans from the layer's configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.defaults_checks import assert_citations_hold, assert_every_parameter_passes
from winit.verify.conformance import LAYERS
from winit.verify.defaults import layer_defaults

MODULE = "haiku"
SPECS = [spec for specs in LAYERS.values() for spec in specs if spec.startswith(MODULE)]
# reason: dm-haiku is not in the default gate's venv (nox -s frameworks installs it)
hk = pytest.importorskip("haiku", reason="pip install dm-haiku")


@pytest.mark.parametrize("spec", SPECS)
def test_every_parameter_follows_its_default_law(spec: str) -> None:
    assert_every_parameter_passes(spec, 32)


def test_lstm_weight_fan_in_counts_input_and_hidden() -> None:
    (rule,) = [
        r.rule for r in layer_defaults("haiku:LSTM(16)", in_features=32) if r.name == "linear/w"
    ]
    assert rule is not None and rule.fans == (48, 64) and rule.params["truncation"] == "uncorrected"


def test_every_cited_line_states_the_law_it_is_cited_for() -> None:
    root = Path(hk.__file__).parent.parent
    assert_citations_hold(SPECS, root, 32)
