"""GPT2-LAYER-RMS can fail: a GPT-2 whose residual projections miss their 1/√(2L) (drawn at the
base std, as a port that forgets GPT-2's scheme would) fails the claim's checks of the two c_proj
at the claim's own alpha, and only those."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("torch")  # reason: the claim measures a torch model
pytest.importorskip("transformers")  # reason: GPT-2 comes from it

import torch

from properties.models import test_gpt2_layer_rms as claim
from properties.test_normal_variance import VARIANCE_ERROR
from winit.stats import NORMAL_KURTOSIS, variance_check


def test_a_gpt2_without_its_depth_scaling_fails_only_the_residual_projections(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built = claim.build

    def unscaled(init: str, seed: int) -> Any:
        model: Any = built(init, seed)
        with torch.no_grad():
            for block in model.h:
                for projection in (block.attn.c_proj, block.mlp.c_proj):
                    projection.weight.normal_(0.0, claim.CONFIG.initializer_range)
        return model

    monkeypatch.setattr(claim, "build", unscaled)
    passes = [claim.forward(claim.OWN, seed) for seed in range(2)]
    passed = {
        p: claim.PLAN.at_alpha(variance_check, p, claim.standardised(passes, claim.OWN, p), 1.0,
                               kurtosis=NORMAL_KURTOSIS, against=VARIANCE_ERROR).passed
        for p in claim.PROJECTIONS
    }  # fmt: skip
    assert passed == {"attn.c_attn": True, "attn.c_proj": False, "mlp.c_fc": True,
                      "mlp.c_proj": False}  # fmt: skip
