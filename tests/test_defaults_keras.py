"""``winit defaults`` on Keras 3's real layers (the installed backend): every weight against
its constructor's default initializer, with the fans Keras reads from the kernel's shape."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.defaults_checks import assert_citations_hold, assert_every_parameter_passes
from winit.verify.adapters import CONVENTIONS
from winit.verify.conformance import LAYERS
from winit.verify.defaults import layer_defaults

# reason: keras is not in the default gate's venv (nox -s frameworks installs it)
keras = pytest.importorskip("keras", reason=f"pip install '{CONVENTIONS['keras'].package}'")


@pytest.mark.parametrize("spec", LAYERS["keras"])
def test_every_weight_follows_its_default_initializer(spec: str) -> None:
    assert_every_parameter_passes(spec, 32)


@pytest.mark.parametrize(
    ("spec", "fans"),
    [
        # a grouped kernel holds one group's in channels
        ("keras.layers:Conv2D(16, 3, groups=2)", {"kernel": (144, 144)}),
        # a transposed kernel is (…, filters, in): Keras' fan_in counts the filters
        ("keras.layers:Conv2DTranspose(16, 3)", {"kernel": (144, 288)}),
        ("keras.layers:DepthwiseConv2D(3, depth_multiplier=2)", {"kernel": (288, 18)}),
        ("keras.layers:SeparableConv2D(16, 3)",
         {"depthwise_kernel": (288, 9), "pointwise_kernel": (32, 16)}),
        ("keras.layers:LSTM(16)", {"lstm_cell/kernel": (32, 64)}),
        # fans over the einsum's axes (btd,dnh->btnh: d in, n·h out), not the kernel's shape
        ("keras.layers:MultiHeadAttention(2, 8)",
         {"query/kernel": (32, 16), "attention_output/kernel": (16, 32)}),
    ],
)  # fmt: skip
def test_fans_come_from_the_layer_configuration(
    spec: str, fans: dict[str, tuple[int, int]]
) -> None:
    got = {r.name: r.fans for r in layer_defaults(spec, in_features=32)}
    assert {k: got[k] for k in fans} == fans


def test_lstm_forget_gate_bias_is_ones_and_the_other_gates_zeros() -> None:
    laws = {r.name: r.documented for r in layer_defaults("keras.layers:LSTM(16)", in_features=8)}
    assert laws["lstm_cell/bias[16:32]"] == "ones"
    assert laws["lstm_cell/bias[rows ∉ 16:32]"] == "zeros"


def test_without_unit_forget_bias_the_whole_bias_is_zeros() -> None:
    names = {
        r.name
        for r in layer_defaults("keras.layers:LSTM(16, unit_forget_bias=False)", in_features=8)
    }
    assert "lstm_cell/bias" in names and "lstm_cell/bias[16:32]" not in names


def test_every_cited_line_states_the_initializer_it_is_cited_for() -> None:
    root = Path(keras.__file__).parent.parent
    assert_citations_hold(LAYERS["keras"], root, 32)
