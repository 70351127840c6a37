"""``winit.audit`` on real torchvision and timm models (their own classes, random init; small
models or small configs): correct models pass, and the divergences found in the current
releases fail, each on three seeds, as findings. torchvision is imported through the test-only
guard of tests/vision.py (its compiled ops do not load beside the CPU torch); without it the
module is skipped with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.vision import guarded, timm_or_skip, torchvision_or_skip

# reason (each skips the module): torchvision that does not import even through the guard, timm
# or torch not installed (nox -s models installs them)
torchvision = torchvision_or_skip()
timm = timm_or_skip()
torch = pytest.importorskip("torch")

from winit.audit import AuditResult, audit  # noqa: E402

SEEDS = (0, 1, 2)
#: torchvision models whose built path passes (their init runs in ``__init__``)
TORCHVISION = {
    "resnet18": "torchvision.models:resnet18()",
    "mobilenet_v3_small": "torchvision.models:mobilenet_v3_small()",
    "squeezenet1_0": "torchvision.models:squeezenet1_0()",
    "efficientnet_b0": "torchvision.models:efficientnet_b0()",
    "vit": "torchvision.models:VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=64, mlp_dim=128)",
}
#: timm models that pass on both paths (timm re-initialises them after ``to_empty`` by their
#: ``init_weights()``)
TIMM = ("vit_tiny_patch16_224", "resnet18", "mixer_s16_224")


def timm_model(name: str) -> object:
    return lambda: timm.create_model(name, pretrained=False)


def failing(result: AuditResult) -> set[str]:
    """Where the failing checks are: ``"PATH PATTERN"``, or ``"paths PATTERN"`` for a law that
    differs between paths."""
    places = {where for where, _ in result.failures if where != "paths"}
    across = {r.check.name.split(":")[0] for w, r in result.failures if w == "paths"}
    return places | {f"paths {p}" for p in across}


def test_the_guard_declares_the_ops_schemas_only_so_calling_one_still_fails() -> None:
    if not guarded():
        pytest.skip("compiled ops loaded: no guard needed")  # reason: built for this torch
    boxes, scores = torch.rand(3, 4), torch.rand(3)
    with pytest.raises(RuntimeError, match="Couldn't load custom C\\+\\+ ops"):
        torchvision.ops.nms(boxes, scores, 0.5)


def test_winit_never_imports_the_test_guard() -> None:
    package = Path(__file__).resolve().parents[1] / "winit"
    sources = {p: p.read_text() for p in package.rglob("*.py")}
    assert sources
    assert not [
        p for p, text in sources.items() if "tests.vision" in text or "torchvision::" in text
    ]


@pytest.mark.parametrize("spec", TORCHVISION.values(), ids=TORCHVISION.keys())
def test_a_torchvision_model_passes_as_built(spec: str) -> None:
    result = audit(spec, seed=0, paths=["built"])
    assert result, str(result)


@pytest.mark.parametrize("name", TIMM)
def test_a_timm_model_passes_on_both_paths(name: str) -> None:
    result = audit(timm_model(name), seed=0, name=name)
    assert result, str(result)


def test_timms_trunc_normal_is_recorded_with_its_absolute_bounds() -> None:
    result = audit(timm_model("vit_tiny_patch16_224"), seed=0, paths=["built"])
    qkv = next(g for g in result.groups if g.pattern == "blocks.*.attn.qkv.weight")
    assert qkv.named.text == "timm.layers.weight_init.trunc_normal_(mean=0, std=0.02, a=-2, b=2)"
    assert any("truncation vacuous" in n for n in qkv.notes)


@pytest.mark.parametrize("seed", SEEDS)
def test_finding_torchvisions_kaiming_init_is_lost_on_the_meta_device_path(seed: int) -> None:
    """torchvision initialises in the model's ``__init__`` and has no re-initialisation: a model
    built on the meta device and materialised (``to_empty``, every ``reset_parameters``, as
    FSDP does without a ``param_init_fn``) gets torch's layer defaults, not He normal (fan_out)."""
    result = audit(TORCHVISION["resnet18"], seed=seed)
    kaiming = {
        g.pattern for g in result.groups
        if g.path == "built" and "kaiming_normal_" in g.named.text
    }  # fmt: skip
    assert kaiming
    assert failing(result) == {f"paths {p}" for p in kaiming}
    loaded = {g.named.source for g in result.groups if g.path == "loaded" and g.pattern in kaiming}
    assert loaded == {"call"}  # Conv2d.reset_parameters' kaiming_uniform_(a=√5): the default


@pytest.mark.parametrize("seed", SEEDS)
def test_finding_timms_convnext_leaves_its_layer_scale_uninitialised_on_the_meta_device_path(
    seed: int,
) -> None:
    """timm's ConvNeXt has no ``init_weights``: materialised from the meta device, its layer
    scale ``gamma`` (created in ``__init__``, no init call) is left as whatever memory held."""
    result = audit(timm_model("convnext_atto"), seed=seed, name="convnext_atto")
    gamma = "stages.*.blocks.*.gamma"
    built = next(g for g in result.groups if g.path == "built" and g.pattern == gamma)
    assert (built.named.source, built.identified, built.passed) == ("none", "constant 1e-06", True)
    # what the allocator hands back decides how it shows: garbage fails the loaded group's own
    # checks, zeroed pages fail the comparison with the built path
    assert f"loaded {gamma}" in failing(result) or f"paths {gamma}" in failing(result)
    assert not any(where.startswith("built") for where in failing(result))


@pytest.mark.parametrize("seed", SEEDS)
def test_finding_timms_trunc_normal_puts_values_on_its_absolute_bounds(seed: int) -> None:
    """timm's ``trunc_normal_(std=0.02, a=-2, b=2)`` draws u in (2Φ(a)−1, 2Φ(b)−1) = [−1, 1] in
    float32, and erfinv(±1) = ±inf is clamped to the bound: a value at ±2, 100σ out, in a few
    of swin-tiny's 28M weights per build (the small-std bug torch's own trunc_normal_ had)."""
    result = audit(timm_model("swin_tiny_patch4_window7_224"), seed=seed, paths=["built"])
    rows = [(where, r.check) for where, r in result.failures]
    assert rows
    assert all(c.name == "largest |value| (σ units)" and c.measured == 100.0 for _, c in rows)
