"""Measure a torch model's signal at init over several seeds and check it (see
:mod:`winit.signal`)."""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeAlias

import numpy as np
import torch
from numpy.typing import NDArray
from torch import nn

from winit.signal.bands import BOUNDED_BAND, NORM_BAND, SLOPE_BAND, Band, band_check
from winit.signal.inputs import MakeInput, call, resolve
from winit.signal.record import Pass, blocks_of, is_norm, record_pass
from winit.signal.result import Finding, Layer, Signal
from winit.stats import POWER, RUN_ALPHA, bonferroni, exact_check

#: The default seeds: enough that the seed spread's upper confidence bound is within a few
#: times the estimate at the run's alpha.
SEEDS = tuple(range(32))
#: A block is on a residual stream when the regression coefficient of its output on its input
#: is at least this (≈ 1 for x + f(x), ≈ 0 through a random layer): a heuristic threshold.
RESIDUAL_COUPLING = 0.5

#: a torch module, or a builder of one
Model: TypeAlias = Any


@dataclass(frozen=True)
class Plan:
    """A band check to make once the number of checks (the Bonferroni divisor) is known."""

    subject: str
    mode: str
    name: str
    per_seed: NDArray[np.float64]
    expected: float
    band: Band
    named_pass: str = ""
    #: what the ratio e^statistic is per (" per block" for a slope)
    per: str = " per block"
    #: the direction a named growth takes: +1 up the blocks (forward), −1 toward the input
    growing: float = 1.0
    #: the named growth is only named when this plan's check passes (the branches keep their
    #: RMS: the stream's growth is additive, √depth, not exponential)
    named_if: Plan | None = None


def _modes(model: nn.Module) -> tuple[str, ...]:
    """Train and eval where they differ (a batch norm), else eval alone."""
    differs = any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())
    return ("train", "eval") if differs else ("eval",)


def record_seeds(model: Model, make: MakeInput, seeds: Sequence[int], mode: str) -> list[Pass]:
    """One recorded pass per seed; a builder is rebuilt under each seed, an instance is copied
    (train mode updates batch-norm statistics) and kept."""
    out = []
    for seed in seeds:
        torch.manual_seed(seed)
        if isinstance(model, nn.Module):
            net = copy.deepcopy(model) if mode == "train" else model
        else:
            net = model()
        net.train(mode == "train")
        gen = torch.Generator().manual_seed(seed)
        value = make(gen)

        def grad(y: torch.Tensor, gen: torch.Generator = gen) -> torch.Tensor:
            return torch.randn(y.shape, generator=gen, dtype=y.dtype)

        out.append(record_pass(net, partial(call, net, value), grad))
    return out


def _log(values: list[float]) -> NDArray[np.float64]:
    return np.log(np.maximum(np.asarray(values, dtype=np.float64), 1e-300))


def geometric_mean(values: list[float]) -> float | None:
    """The geometric mean of RMS values; ``None`` for none."""
    return float(np.exp(np.mean(_log(values)))) if values else None


def _slopes(passes: list[Pass], field: str, names: list[str]) -> NDArray[np.float64] | None:
    """Per seed, the least-squares slope of ln RMS against block index; ``None`` with fewer
    than 3 blocks measured or a non-finite RMS (the non-finite check fails on it)."""
    rows = [[getattr(p, field).get(n) for n in names] for p in passes]
    if any(v is None or not math.isfinite(v) for row in rows for v in row) or len(names) < 3:
        return None
    index = np.arange(len(names), dtype=np.float64)
    return np.array([np.polyfit(index, _log(row), 1)[0] for row in rows])


def _depth_plans(
    passes: list[Pass], blocks: list[str], mode: str, bounded: bool, notes: list[str]
) -> list[Plan]:
    """Growth through depth: of the branches on a residual stream (the stream's own √depth
    growth named), of the layers' outputs otherwise; a declared bounded stream's total growth."""
    coupling = [np.mean([p.coupling.get(b, 0.0) for p in passes]) for b in blocks]
    residual = bool(blocks) and all(c >= RESIDUAL_COUPLING for c in coupling)
    plans: list[Plan] = []
    if residual:
        notes.append(
            f"{mode}: {len(blocks)} blocks on a residual stream ({blocks[0]} … {blocks[-1]}); "
            f"branch = block output − input; residual by the output-on-input coefficient ≥ "
            f"{RESIDUAL_COUPLING} (a heuristic)"
        )
        branches = _slopes(passes, "branch", blocks)
        if branches is None:
            return plans
        branch = Plan("blocks: branch", mode, "forward ln-RMS slope", branches, 0.0, SLOPE_BAND)
        plans.append(branch)
        grads = _slopes(passes, "grad_out", blocks)
        if grads is not None:
            plans.append(
                Plan("blocks: stream", mode, "backward ln-RMS slope", grads, 0.0, SLOPE_BAND,
                      named_pass="" if bounded else "√depth growth of a residual stream's "
                      "gradient toward the input: named, not failed", growing=-1.0, named_if=branch)
            )  # fmt: skip
        streams = _slopes(passes, "stream_out", blocks)
        if bounded:
            growth = np.array(
                [math.log(p.stream_out[blocks[-1]] / p.stream_in[blocks[0]]) for p in passes]
            )
            plans.append(
                Plan(
                    "blocks: stream",
                    mode,
                    "forward ln growth",
                    growth,
                    0.0,
                    BOUNDED_BAND,
                    per=" over the depth",
                )
            )
        elif streams is not None:
            plans.append(
                Plan("blocks: stream", mode, "forward ln-RMS slope", streams, 0.0, SLOPE_BAND,
                      named_pass="√depth growth of a residual stream (its branches keep their "
                      "RMS): named, not failed; declare bounded_stream=True to fail it", named_if=branch)
            )  # fmt: skip
    elif blocks:
        notes.append(f"{mode}: {len(blocks)} layers in sequence, no residual stream found")
        for field, name in (("stream_out", "forward"), ("grad_out", "backward")):
            slopes = _slopes(passes, field, blocks)
            if slopes is not None:
                plans.append(Plan("layers", mode, f"{name} ln-RMS slope", slopes, 0.0, SLOPE_BAND))
    return plans


def measure(
    model: Model,
    make_input: Sequence[int] | MakeInput | None = None,
    *,
    seeds: Sequence[int] = SEEDS,
    alpha: float = RUN_ALPHA,
    bounded_stream: bool = False,
) -> Signal:
    """The forward and backward signal through ``model`` at init, checked.

    Per leaf module and per block: the RMS of the output forward and of its gradient backward
    (an N(0, 1) output gradient), over ``seeds``. Checks, Bonferroni over all of them at a
    joint ``alpha``; the bands are judgements and each is stated on the output
    (:mod:`winit.signal.bands`):

    - every norm layer's output RMS is 1 (or exactly 0: a deliberately zero gain);
    - the ln-RMS slope per block, forward and backward, is within a band: of the branches on a
      residual stream (the stream's √depth growth is then named and passes), of the layers'
      outputs otherwise; with ``bounded_stream`` the stream's total growth is within a band;
    - no activation or gradient is non-finite (exact).

    The fraction of dead ReLU units per layer is reported, not checked.

    Args:
        model: a ``torch.nn.Module`` (kept; each seed draws an input and an output gradient)
            or a builder called under ``torch.manual_seed(seed)`` (re-initialised per seed).
        make_input: a shape (N(0, 1) features) or a callable of a ``torch.Generator``
            returning a tensor, tuple or dict; by default made from the model's config or its
            first ``nn.Linear``.
        seeds: at least 3 seeds.
        alpha: the false-alarm budget of all the checks together.
        bounded_stream: the author declares the residual stream bounded (e.g. GPT-2's
            1/√(2L) projections): a growing stream then fails.

    Raises:
        ValueError: fewer than 3 seeds, or no input given and none can be made.

    >>> import torch
    >>> torch.manual_seed(0) and None
    >>> net = torch.nn.Sequential(*[torch.nn.Linear(32, 32) for _ in range(4)])
    >>> result = measure(net, seeds=range(8))  # torch's default Linear init: variance /3 a layer
    >>> bool(result), result.failures[0].verdict
    (False, 'FAIL: RMS x0.644 per block, outside x[0.718, 1.39]')
    """
    seeds = tuple(seeds)
    if len(seeds) < 3:
        raise ValueError(
            f"seeds: need at least 3 (the spread is estimated from them), got {len(seeds)}"
        )
    sample = model if isinstance(model, nn.Module) else model()
    given = resolve(sample, make_input)
    blocks = blocks_of(sample)
    modules = dict(sample.named_modules())
    layers: list[Layer] = []
    plans: list[Plan] = []
    exact: list[Finding] = []
    notes: list[str] = []
    modes = _modes(sample)
    if len(modes) > 1:
        notes.append("batch norm: measured in train and eval mode; in eval mode it applies its "
                     "initial running statistics and is not checked as a normaliser")  # fmt: skip
    was_training = sample.training
    for mode in modes:
        passes = record_seeds(model, given.make, seeds, mode)
        for name in passes[0].forward:
            module = modules[name]
            layers.append(
                Layer(
                    name=name, kind="layer", type=type(module).__name__, mode=mode,
                    forward=geometric_mean([p.forward[name] for p in passes]),
                    backward=geometric_mean([p.backward[name] for p in passes if name in p.backward]),
                    dead=float(np.mean([p.dead[name] for p in passes])) if name in passes[0].dead else None,
                )
            )  # fmt: skip
            if not is_norm(module) or (
                mode == "eval"
                and len(modes) > 1
                and isinstance(module, nn.modules.batchnorm._BatchNorm)
            ):
                continue
            values = [p.forward[name] for p in passes]
            if all(v == 0.0 for v in values):
                check = exact_check("output RMS", 0.0, 0.0)
                exact.append(Finding(name, mode, check, "pass: deliberately zero gain", "", True))
            else:
                plans.append(
                    Plan(name, mode, "output ln RMS", _log(values), 0.0, NORM_BAND, per=" (gain)")
                )
        for name in blocks:
            if name in passes[0].stream_out:
                layers.append(
                    Layer(name=f"{name} (stream)", kind="block", type=type(modules[name]).__name__,
                          mode=mode, forward=geometric_mean([p.stream_out[name] for p in passes]),
                          backward=geometric_mean([p.grad_out[name] for p in passes if name in p.grad_out]))
                )  # fmt: skip
            if name in passes[0].branch:
                layers.append(
                    Layer(name=f"{name} (branch)", kind="branch", type=type(modules[name]).__name__,
                          mode=mode, forward=geometric_mean([p.branch[name] for p in passes]),
                          backward=None)
                )  # fmt: skip
        plans += _depth_plans(
            passes, [b for b in blocks if b in passes[0].stream_out], mode, bounded_stream, notes
        )
        bad = list({name: None for p in passes for name in p.nonfinite})
        check = exact_check("non-finite activations or gradients (modules)", float(len(bad)), 0.0)
        verdict = "pass" if not bad else f"FAIL: non-finite in {', '.join(bad[:5])}"
        exact.append(Finding("all modules", mode, check, verdict, "", not bad))
    sample.train(was_training)
    if not plans:
        notes.append("no norm layer and fewer than 3 blocks or layers: only finiteness checked")
    check_alpha = bonferroni(alpha, max(1, len(plans)))
    findings = [finding(plan, check_alpha) for plan in plans] + exact
    return Signal(
        model=type(sample).__name__, input=given.describe, modes=modes, seeds=seeds,
        alpha=alpha, check_alpha=check_alpha, bounded_stream=bounded_stream,
        layers=tuple(layers), findings=tuple(findings), notes=tuple(notes),
    )  # fmt: skip


def finding(plan: Plan, check_alpha: float) -> Finding:
    """The plan's check and verdict: a named growth (the seed mean beyond its statistical
    margin in the named direction) passes with its name, in the band or not; a failure says
    the RMS ratio e^measured and the accepted range; a pass below :data:`POWER` says so."""
    check = band_check(plan.name, plan.per_seed, plan.expected, plan.band, check_alpha)
    margin = check.high - check.expected - plan.band.half_width
    additive = plan.named_if is None or finding(plan.named_if, check_alpha).passed
    if plan.named_pass and additive and plan.growing * (check.measured - check.expected) > margin:
        verdict, passed = f"pass: {plan.named_pass}", True
    elif check.passed:
        verdict, passed = "pass", True
    else:
        accepted = f"x[{math.exp(check.low):.3g}, {math.exp(check.high):.3g}]"
        verdict = f"FAIL: RMS x{math.exp(check.measured):.3g}{plan.per}, outside {accepted}"
        passed = False
    if passed and check.power is not None and check.power < POWER:
        verdict += f" (underpowered: power {check.power:.3g} < {POWER}; use more seeds)"
    band = f"{plan.name}: ±{plan.band.half_width:.3g} ({plan.band.why}); power against {plan.band.against}"
    return Finding(plan.subject, plan.mode, check, verdict, band, passed)
