"""``winit defaults`` on MLX's real layers: every parameter and running statistic against the
law its docstring (or constructor) states."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.defaults_checks import assert_citations_hold, assert_every_parameter_passes
from winit.verify.adapters import CONVENTIONS
from winit.verify.conformance import LAYERS
from winit.verify.defaults import layer_defaults

# reason: mlx is not in the default gate's venv (nox -s frameworks installs it)
mlx = pytest.importorskip("mlx.nn", reason=f"pip install '{CONVENTIONS['mlx'].package}'")


@pytest.mark.parametrize("spec", LAYERS["mlx"])
def test_every_parameter_follows_its_default_law(spec: str) -> None:
    assert_every_parameter_passes(spec)


def test_conv_fans_count_the_in_channels_of_one_group() -> None:
    (fans,) = [
        r.fans for r in layer_defaults("mlx.nn:Conv2d(16, 32, 3, groups=4)") if r.name == "weight"
    ]
    assert fans == (36, 288)


def test_attention_is_verified_through_its_linear_children() -> None:
    names = {r.name: r.documented for r in layer_defaults("mlx.nn:MultiHeadAttention(32, 4)")}
    assert set(names) == {f"{p}_proj.weight" for p in ("query", "key", "value", "out")}


def test_every_cited_line_states_the_law_it_is_cited_for() -> None:
    root = Path(mlx.__file__).parent.parent.parent
    assert_citations_hold(LAYERS["mlx"], root)
