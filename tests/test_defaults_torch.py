"""``winit defaults`` on torch.nn's real layers: every parameter and buffer against the law the
docs (or, where they say nothing, the code) state, with fans from the layer's configuration."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from tests.defaults_checks import assert_citations_hold, assert_every_parameter_passes
from winit.verify.adapters import CONVENTIONS
from winit.verify.conformance import LAYERS
from winit.verify.defaults import layer_defaults, layer_rules
from winit.verify.rules import torch_nn

# reason: torch is not in the default gate's venv (nox -s frameworks installs it)
torch = pytest.importorskip("torch", reason=f"pip install '{CONVENTIONS['torch'].package}'")


def _verdicts(spec: str) -> dict[str, str]:
    return {r.name: r.verdict for r in layer_defaults(spec)}


@pytest.mark.parametrize("spec", LAYERS["torch"])
def test_every_parameter_and_buffer_follows_its_documented_law(spec: str) -> None:
    assert_every_parameter_passes(spec)


@pytest.mark.parametrize(
    ("spec", "built"),
    [
        ("torch.nn:LSTM(12, 16, num_layers=2, bidirectional=True, proj_size=8)",
         lambda: torch.nn.LSTM(12, 16, num_layers=2, bidirectional=True, proj_size=8)),
        ("torch.nn:BatchNorm1d(32)", lambda: torch.nn.BatchNorm1d(32)),
        ("torch.nn:Transformer(32, 4, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=64)",
         lambda: torch.nn.Transformer(32, 4, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=64)),
    ],
)  # fmt: skip
def test_every_parameter_and_buffer_is_reported(spec: str, built: Any) -> None:
    module = built()
    names = {k for k, _ in [*module.named_parameters(), *module.named_buffers()]}
    layer = layer_rules(spec)
    assert set(layer.arrays) == set(layer.rules) == names


@pytest.mark.parametrize(
    ("spec", "fans"),
    [
        # groups divide the in channels; a transposed conv's fan_in counts its out channels
        ("torch.nn:Conv2d(32, 64, 3, groups=4)", {"weight": (72, 576)}),
        ("torch.nn:ConvTranspose3d(8, 4, 3, groups=2)", {"weight": (54, 216)}),
        ("torch.nn:Conv1d(16, 32, 5, dilation=2)", {"weight": (80, 160)}),
        # layer 1 reads both directions' projected outputs; the projection maps hidden to proj
        ("torch.nn:LSTM(12, 16, num_layers=2, bidirectional=True, proj_size=8)",
         {"weight_ih_l0": (12, 64), "weight_ih_l1_reverse": (16, 64), "weight_hh_l1": (8, 64),
          "weight_hr_l0": (16, 8)}),
        ("torch.nn:GRUCell(12, 16)", {"weight_ih": (12, 48), "weight_hh": (16, 48)}),
        ("torch.nn:MultiheadAttention(32, 4, kdim=16, vdim=24, add_bias_kv=True)",
         {"k_proj_weight": (16, 32), "v_proj_weight": (24, 32), "bias_k": (32, 32)}),
        ("torch.nn:MultiheadAttention(256, 8)", {"in_proj_weight": (256, 768)}),
    ],
)  # fmt: skip
def test_fans_come_from_the_layer_configuration(
    spec: str, fans: dict[str, tuple[int, int]]
) -> None:
    got = {r.name: r.fans for r in layer_defaults(spec)}
    assert {k: got[k] for k in fans} == fans


def test_the_rnn_bound_is_one_over_root_hidden_size_whatever_the_input() -> None:
    (rule,) = [r.rule for r in layer_defaults("torch.nn:RNNCell(100, 16)") if r.name == "weight_ih"]
    assert rule is not None and rule.params == {"a": -0.25, "b": 0.25}


def test_the_padding_row_is_checked_exactly_apart_from_the_random_rows() -> None:
    reports = {r.name: r for r in layer_defaults("torch.nn:Embedding(50, 16, padding_idx=-1)")}
    assert set(reports) == {"weight[49]", "weight[rows ∉ 49]"}
    assert reports["weight[49]"].documented == "zeros"
    assert reports["weight[rows ∉ 49]"].documented == "normal"


def test_a_padding_row_left_nearly_zero_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def almost(self: Any) -> None:
        with torch.no_grad():
            self.weight[self.padding_idx].fill_(1e-30)

    monkeypatch.setattr(torch.nn.Embedding, "_fill_padding_idx_with_zero", almost)
    assert _verdicts("torch.nn:Embedding(50, 16, padding_idx=2)") == {
        "weight[rows ∉ 2]": "pass", "weight[2]": "FAIL",
    }  # fmt: skip


def test_a_running_variance_not_one_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    reset = torch.nn.BatchNorm2d.reset_running_stats

    def off(self: Any) -> None:
        reset(self)
        self.running_var.fill_(0.9)  # what one training-mode call on zeros leaves

    monkeypatch.setattr(torch.nn.BatchNorm2d, "reset_running_stats", off)
    verdicts = _verdicts("torch.nn:BatchNorm2d(8)")
    assert verdicts.pop("running_var") == "FAIL" and set(verdicts.values()) == {"pass"}


def test_a_lazy_layer_is_checked_as_the_layer_it_becomes_with_its_initial_statistics() -> None:
    reports = {r.name: r for r in layer_defaults("torch.nn:LazyBatchNorm1d()", in_features=24)}
    assert reports["running_var"].shape == (24,) and reports["running_var"].passed
    assert reports["num_batches_tracked"].passed


def test_transformer_redraws_every_matrix_with_xavier_uniform_and_keeps_linear_biases() -> None:
    spec = "torch.nn:Transformer(32, 4, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=64)"
    laws = {r.name: r.rule.law for r in layer_defaults(spec) if r.rule}
    assert laws["encoder.layers.0.linear1.weight"] == "glorot_uniform"
    assert laws["decoder.layers.0.self_attn.out_proj.weight"] == "glorot_uniform"
    assert laws["encoder.layers.0.linear1.bias"] == "uniform"
    assert laws["decoder.norm.weight"] == "ones"


def test_a_parameter_without_a_rule_is_unchecked_and_the_rest_are_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    init = torch.nn.LayerNorm.__init__

    def with_extra(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        self.temperature = torch.nn.Parameter(torch.ones(1))  # a parameter a new version adds

    monkeypatch.setattr(torch.nn.LayerNorm, "__init__", with_extra)
    reports = {r.name: r for r in layer_defaults("torch.nn:LayerNorm(8)")}
    assert reports["temperature"].verdict == "unchecked"
    assert reports["temperature"].passed  # listed, not a failure
    assert reports["weight"].verdict == reports["bias"].verdict == "pass"


def test_a_layer_whose_parameters_no_rule_covers_is_an_error_not_a_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(torch_nn.LAYERS, "PReLU", lambda layer: {})
    with pytest.raises(ValueError, match=r"no rule covers any parameter of .*PReLU\(\): weight$"):
        layer_defaults("torch.nn:PReLU()")


def test_an_unknown_layer_names_the_known_ones_and_the_closest() -> None:
    with pytest.raises(ValueError, match=r"knows no rule for torch\.nn\.LSTMcell") as info:
        layer_defaults("torch.nn:LSTMcell(4, 8)")
    message = str(info.value)
    assert "LSTMCell, GRUCell" in message and message.endswith("did you mean 'LSTMCell'?")
    assert "\n" not in message


def test_a_layer_without_parameters_or_buffers_is_an_error_not_a_pass() -> None:
    with pytest.raises(ValueError, match="has no parameters or buffers to check"):
        layer_defaults("torch.nn:InstanceNorm1d(8)")


def test_every_cited_line_states_the_law_it_is_cited_for() -> None:
    assert_citations_hold(LAYERS["torch"], Path(torch.__file__).parent.parent)


def test_the_uniform_bound_of_linear_is_the_documented_root_k() -> None:
    (rule,) = [r.rule for r in layer_defaults("torch.nn:Linear(64, 8)") if r.name == "weight"]
    assert rule is not None and rule.element() == (
        "uniform",
        {"a": -1 / math.sqrt(64), "b": 1 / math.sqrt(64)},
    )
