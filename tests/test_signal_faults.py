"""winit.signal on constructed faults that pass any per-tensor check: a norm computing
x̂·(1 + weight) at weight 1, a deep plain MLP at N(0, 1); and the plumbing (same seed, same
verdict; batch norm in both modes; bad input)."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")  # reason: the signal checks measure torch models

import torch
from torch import Tensor, nn

from winit.signal import measure

torch.set_num_threads(1)  # tiny tensors: threads on a shared machine cost 100x, give nothing

WIDTH, DEPTH = 64, 8
#: The stack's first layer is a norm, so its input is given as a shape.
FEATURES = (64, WIDTH)


class OnePlusRMSNorm(nn.Module):  # type: ignore[misc,unused-ignore]
    """An RMS norm whose forward computes x̂·(1 + weight): with its weight at ones (what an
    init line for a norm gain says) its gain is 2."""

    def __init__(self, width: int, *, one_plus: bool) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(width))
        self.one_plus = one_plus

    def forward(self, x: Tensor) -> Tensor:
        normed = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6)
        return normed * (1.0 + self.weight if self.one_plus else self.weight)


class Block(nn.Module):  # type: ignore[misc,unused-ignore]
    """A pre-norm residual MLP block x + W₂ relu(W₁ norm(x)), projections He-initialised and
    the output one scaled by 1/√(2·DEPTH)."""

    def __init__(self, *, one_plus: bool) -> None:
        super().__init__()
        self.norm = OnePlusRMSNorm(WIDTH, one_plus=one_plus)
        self.up, self.down = nn.Linear(WIDTH, WIDTH), nn.Linear(WIDTH, WIDTH)
        for layer, scale in ((self.up, 1.0), (self.down, (2 * DEPTH) ** -0.5)):
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            layer.weight.data.mul_(scale)
            nn.init.zeros_(layer.bias)

    def forward(self, x: Tensor) -> Tensor:
        branch: Tensor = self.down(torch.relu(self.up(self.norm(x))))
        return x + branch


def _stack(*, one_plus: bool) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(*[Block(one_plus=one_plus) for _ in range(DEPTH)])


def _unnormed_stack() -> nn.Module:
    """The stack without its norms and with He-scale output projections: each block triples
    the stream's variance (exponential, not √depth, growth)."""
    model = _stack(one_plus=False)
    for block in model.children():
        assert isinstance(block, Block)
        block.norm = nn.Identity()  # type: ignore[assignment,unused-ignore]
        nn.init.kaiming_normal_(block.down.weight, nonlinearity="relu")
    return model


def _mlp(init: str) -> nn.Module:
    """A plain ReLU MLP of DEPTH square layers, weights He or N(0, 1), biases zero."""
    torch.manual_seed(0)
    layers: list[nn.Module] = []
    for _ in range(DEPTH):
        linear = nn.Linear(WIDTH, WIDTH)
        if init == "he":
            nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
        else:
            nn.init.normal_(linear.weight)
        nn.init.zeros_(linear.bias)
        layers += [linear, nn.ReLU()]
    return nn.Sequential(*layers)


def test_a_pre_norm_stack_with_true_gain_norms_passes() -> None:
    result = measure(_stack(one_plus=False), FEATURES, bounded_stream=True)
    assert result, repr(result)


def test_a_one_plus_weight_norm_at_gain_2_fails_and_names_every_norm_layer() -> None:
    result = measure(_stack(one_plus=True), FEATURES)
    failed = {f.subject for f in result.failures}
    assert failed == {f"{i}.norm" for i in range(DEPTH)}, repr(result)


def test_an_exponentially_growing_residual_stream_is_not_named_sqrt_depth_and_fails() -> None:
    result = measure(_unnormed_stack(), FEATURES)
    streams = [f for f in result.findings if f.subject == "blocks: stream"]
    assert streams and not any(f.passed for f in streams), repr(result)


def test_a_he_initialised_plain_relu_mlp_passes() -> None:
    result = measure(_mlp("he"))
    assert result, repr(result)


def test_a_deep_plain_mlp_at_unit_normal_init_fails_the_forward_growth_check() -> None:
    result = measure(_mlp("normal"))
    failed = {(f.subject, f.check.name) for f in result.failures}
    assert ("layers", "forward ln-RMS slope") in failed, repr(result)


def test_the_dead_relu_fraction_is_reported_for_every_relu_layer() -> None:
    result = measure(_mlp("he"), seeds=range(4))
    relus = [layer for layer in result.layers if layer.type == "ReLU"]
    assert len(relus) == DEPTH
    assert all(layer.dead is not None and 0.0 <= layer.dead <= 1.0 for layer in relus)


def test_the_same_seeds_give_the_same_result() -> None:
    first, second = (measure(_mlp("normal"), seeds=range(6)).as_dict() for _ in range(2))
    assert first == second


def test_a_batch_norm_model_is_measured_in_train_and_eval_mode_and_says_so() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(WIDTH, WIDTH), nn.BatchNorm1d(WIDTH), nn.ReLU())
    result = measure(model, seeds=range(4))
    assert result.modes == ("train", "eval")
    assert any("train and eval" in note for note in result.notes)


def test_a_model_without_a_makeable_input_is_refused_with_what_is_accepted() -> None:
    with pytest.raises(ValueError, match="give make_input as a shape or a callable"):
        measure(nn.Sequential(nn.Conv2d(3, 4, 3)))


def test_fewer_than_three_seeds_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 3"):
        measure(_mlp("he"), seeds=range(2))


def test_an_overflowing_activation_fails_the_non_finite_check_and_names_the_layer() -> None:
    model = _mlp("he")
    second = list(model.children())[2]
    assert isinstance(second, nn.Linear)
    nn.init.constant_(second.weight, 1e38)  # float32 overflows to inf in the second Linear
    result = measure(model, seeds=range(4))
    verdicts = [f.verdict for f in result.failures if f.subject == "all modules"]
    assert verdicts and verdicts[0].startswith("FAIL: non-finite in 2 (forward)"), repr(result)


def test_a_model_too_shallow_for_a_depth_check_says_only_finiteness_was_checked() -> None:
    result = measure(nn.Sequential(nn.Linear(WIDTH, WIDTH)), seeds=range(4))
    assert [f.subject for f in result.findings] == ["all modules"]
    assert any("only finiteness checked" in note for note in result.notes)
