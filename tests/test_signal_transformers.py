"""winit.signal on real transformers models: GPT-2 and BERT at their own init pass; a GPT-2
without its 1/√(2L) residual scaling is named √depth growth, and fails when the stream is
declared bounded."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

pytest.importorskip("torch")  # reason: the signal checks measure torch models
pytest.importorskip("transformers")  # reason: the real models come from it

import torch
import transformers
from torch import nn

from winit.signal import Signal, measure

torch.set_num_threads(1)  # tiny tensors: threads on a shared machine cost 100x, give nothing


def _gpt2(layers: int, *, scaled: bool = True) -> nn.Module:
    """A small GPT-2 at its own init (seed 0); ``scaled=False`` re-draws every residual
    projection at the base std, undoing GPT-2's 1/√(2L)."""
    config = transformers.GPT2Config(
        n_layer=layers, n_embd=64, n_head=2, vocab_size=128, n_positions=32,
        bos_token_id=0, eos_token_id=0,
    )  # fmt: skip
    torch.manual_seed(0)
    model = transformers.GPT2Model(config)
    if not scaled:
        for name, param in model.named_parameters():
            if name.endswith("c_proj.weight"):
                torch.nn.init.normal_(param, std=config.initializer_range)
    return model


def _bert() -> nn.Module:
    config = transformers.BertConfig(
        num_hidden_layers=4, hidden_size=64, num_attention_heads=2, intermediate_size=128,
        vocab_size=128, max_position_embeddings=32,
    )  # fmt: skip
    torch.manual_seed(0)
    return transformers.BertModel(config)


def _llama(layers: int) -> nn.Module:
    config = transformers.LlamaConfig(
        num_hidden_layers=layers, hidden_size=64, num_attention_heads=2, num_key_value_heads=2,
        intermediate_size=128, vocab_size=128, max_position_embeddings=32,
    )  # fmt: skip
    torch.manual_seed(0)
    return transformers.LlamaModel(config)


def _verdicts(result: Signal, subject: str) -> list[str]:
    return [f.verdict for f in result.findings if f.subject == subject]


def test_a_small_gpt2_at_its_own_init_passes_every_signal_check() -> None:
    result = measure(_gpt2(4))
    assert result, repr(result)


@pytest.mark.parametrize("build", [_gpt2, _llama], ids=["gpt2", "llama"])
def test_a_one_layer_model_at_its_own_init_passes_its_block_being_no_chain_of_layers(
    build: Callable[[int], nn.Module],
) -> None:
    """Its one block's layers run side by side (attention's projections, a residual scaling):
    measured as a stack of one block, its depth is not fitted, and the notes say so."""
    result = measure(build(1))
    assert result, repr(result)
    assert any("the depth slopes need 3 or more, not checked" in n for n in result.notes)


def test_a_small_bert_at_its_own_init_passes_every_signal_check() -> None:
    result = measure(_bert())
    assert result, repr(result)


def test_gpt2_with_its_depth_scaling_passes_as_a_declared_bounded_stream() -> None:
    result = measure(_gpt2(8), bounded_stream=True)
    assert result, repr(result)


def test_a_missing_depth_scaling_fails_only_the_bounded_stream_check() -> None:
    result = measure(_gpt2(8, scaled=False), bounded_stream=True)
    failed = [(f.subject, f.check.name) for f in result.failures]
    assert failed == [("blocks: stream", "forward ln growth")], repr(result)


def test_a_missing_depth_scaling_is_named_sqrt_depth_growth_when_the_stream_is_not_bounded() -> (
    None
):
    result = measure(_gpt2(8, scaled=False))
    assert result, repr(result)
    assert any(
        "√depth growth of a residual stream" in v for v in _verdicts(result, "blocks: stream")
    )


def test_the_json_is_strict_and_says_it_is_a_signal_result() -> None:
    data = measure(_gpt2(2)).as_dict()
    assert json.loads(json.dumps(data, allow_nan=False))["kind"] == "signal"


def test_the_statistical_checks_share_the_run_alpha_by_bonferroni() -> None:
    result = measure(_gpt2(2))
    levels = [f.check.alpha for f in result.findings if f.check.alpha > 0.0]
    assert sum(levels) == pytest.approx(result.alpha)


def test_each_gpt2_block_is_shown_as_its_stream_and_its_branch() -> None:
    result = measure(_gpt2(2), seeds=range(4))
    kinds = {(layer.name, layer.kind) for layer in result.layers}
    for block in ("h.0", "h.1"):
        assert {(f"{block} (stream)", "block"), (f"{block} (branch)", "branch")} <= kinds
