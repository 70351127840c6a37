"""winit.signal.widths, the mup coordinate check at step 0: a He-initialised MLP's layers are
flat in width; at N(0, 1) weights every hidden layer's RMS grows as √width and fails."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")  # reason: the signal checks measure torch models

import torch
from torch import nn

from winit.signal import widths

torch.set_num_threads(1)  # tiny tensors: threads on a shared machine cost 100x, give nothing

SIZES, FEATURES = (32, 64, 128, 256), 16


def _mlp(width: int, *, unit_normal: bool) -> nn.Module:
    """A 3-layer ReLU MLP of hidden ``width``: He-initialised, or every weight N(0, 1)."""
    layers = [nn.Linear(FEATURES, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU()]
    for layer in layers:
        if isinstance(layer, nn.Linear):
            nn.init.normal_(
                layer.weight, std=1.0 if unit_normal else (2.0 / layer.in_features) ** 0.5
            )
            nn.init.zeros_(layer.bias)
    return nn.Sequential(*layers)


def test_a_he_initialised_mlp_is_flat_in_width() -> None:
    result = widths(lambda w: _mlp(w, unit_normal=False), SIZES)
    assert result, repr(result)


def test_unit_normal_weights_fail_the_width_check_at_the_layer_fed_by_the_width() -> None:
    result = widths(lambda w: _mlp(w, unit_normal=True), SIZES)
    assert {f.subject for f in result.failures} == {"2", "3"}, repr(result)


def test_a_pass_with_too_few_seeds_says_it_is_underpowered() -> None:
    result = widths(lambda w: _mlp(w, unit_normal=False), SIZES, seeds=range(4))
    assert all("underpowered" in f.verdict for f in result.findings), repr(result)
