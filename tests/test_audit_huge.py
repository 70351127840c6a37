"""The ``by-module`` path of ``winit audit`` (a model larger than memory): built on the meta
device, then one unit at a time materialised, initialised by the library's own per-module init,
read and freed. Checked on small models: the laws it reads are the loaded path's, and no more
than one unit's tensors are ever off the meta device."""

from __future__ import annotations

from typing import Any

import pytest

torch = pytest.importorskip("torch", reason="winit audit reads torch models: pip install torch")
pytest.importorskip("transformers", reason="real transformers models: pip install transformers")

from winit.audit import audit  # noqa: E402
from winit.audit import model as audit_model  # noqa: E402
from winit.audit.model import by_module, load_spec  # noqa: E402

LLAMA = "transformers:LlamaForCausalLM(LlamaConfig(hidden_size=64, num_hidden_layers=3, num_attention_heads=2, num_key_value_heads=1, intermediate_size=128, vocab_size=500))"


def deep_mlp() -> Any:
    return torch.nn.Sequential(*(torch.nn.Linear(32, 32) for _ in range(4)))


def test_a_transformers_model_read_module_by_module_passes_with_the_loaded_paths_laws() -> None:
    result = audit(LLAMA, seed=0, paths=["loaded", "by-module"])
    assert result, str(result)
    by_path = {p: {g.pattern: g.law for g in result.groups if g.path == p} for p in ("loaded", "by-module")}  # fmt: skip
    assert by_path["by-module"] == by_path["loaded"]


def test_a_plain_torch_model_read_module_by_module_passes_with_reset_parameters() -> None:
    result = audit(deep_mlp, seed=0, paths=["by-module"])
    assert result, str(result)
    assert {g.named.source for g in result.groups} == {"call"}


def test_no_more_than_one_unit_is_off_the_meta_device_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(audit_model, "UNIT_BYTES", 64 * 64 * 4)  # one projection per unit
    built: list[Any] = []

    def builder() -> Any:
        built.append(load_spec(LLAMA)())
        return built[-1]

    _, names, units = by_module(builder, 0, [])
    seen = 0
    for regions, _ in units:
        model = built[-1]
        live = {n for n, t in [*model.named_parameters(), *model.named_buffers()] if not t.is_meta}
        assert live == {r.name for r in regions}
        seen += len(live)
    assert seen == len(names)
