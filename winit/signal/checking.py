"""The signal checks, whatever the framework: a :class:`Subject` says what a model's layers and
blocks are and records one pass per seed and mode; :func:`check` turns the passes into
per-layer RMS and checked findings (see :mod:`winit.signal`)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from winit.signal.bands import BOUNDED_BAND, NORM_BAND, SLOPE_BAND, Band, band_check
from winit.signal.passes import Pass
from winit.signal.result import Finding, Layer, Signal
from winit.stats import POWER, RUN_ALPHA, bonferroni, exact_check

#: The default seeds: enough that the seed spread's upper confidence bound is within a few
#: times the estimate at the run's alpha.
SEEDS = tuple(range(32))
#: A block is on a residual stream when the regression coefficient of its output on its input
#: is at least this (≈ 1 for x + f(x), ≈ 0 through a random layer): a heuristic threshold.
RESIDUAL_COUPLING = 0.5


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


@dataclass(frozen=True)
class Siblings:
    """Modules of one class side by side in a model (a container's or a list's elements,
    siblings under one parent): a candidate for its blocks.

    Args:
        names: the modules' names, in order.
        composite: whether they hold modules of their own.
        own: whether their class is the model code's, not the framework's (a framework's
            container wrapping layers is not a block).
        depth: how deep they sit (a tie goes to the outermost).
    """

    names: tuple[str, ...]
    composite: bool
    own: bool
    depth: int


def framework_class(cls: type, package: str) -> bool:
    """Whether ``cls`` comes from the framework ``package`` (not the model's own code).

    >>> framework_class(dict, "builtins"), framework_class(Siblings, "torch")
    (True, False)
    """
    return cls.__module__.partition(".")[0] == package


def blocks_among(runs: Sequence[Siblings]) -> list[str]:
    """A model's blocks among its ``runs``: the longest run of composite modules — two or more,
    or one of the model's own class: a stack of one block, whose layers run side by side
    (attention's projections) and are no chain — else the longest run of two or more modules;
    on a tie the outermost, then the first; ``[]`` without one (the recorder then takes the
    layers with a weight matrix, in call order).

    >>> blocks_among([Siblings(("q", "k", "v"), False, False, 2), Siblings(("h/0",), True, True, 1)])
    ['h/0']
    >>> blocks_among([Siblings(("0", "2"), False, False, 1)]), blocks_among([])
    (['0', '2'], [])
    """

    def longest(candidates: list[Siblings]) -> list[str]:
        best = min(candidates, key=lambda r: (-len(r.names), r.depth), default=None)
        return list(best.names) if best else []

    stacked = [r for r in runs if r.composite and (len(r.names) >= 2 or r.own)]
    return longest(stacked) or longest([r for r in runs if len(r.names) >= 2])


def modes(batch_norm: bool) -> tuple[str, ...]:
    """The modes a model is measured in: train and eval where a batch norm makes them differ,
    else eval alone.

    >>> modes(True), modes(False)
    (('train', 'eval'), ('eval',))
    """
    return ("train", "eval") if batch_norm else ("eval",)


@dataclass(frozen=True)
class Subject:
    """A model as the checks see it, made by its framework's recorder.

    Args:
        model: the model's class name.
        input: the input, in words.
        modes: the modes measured (:func:`modes`).
        blocks: the block names, in call order.
        types: every layer's and block's class name, by name.
        norms: the normalisation layers, checked for output RMS 1.
        batch_norms: those of ``norms`` that apply running statistics in eval mode (checked in
            train mode only).
        record: one recorded pass for a seed and a mode (the seed draws the input, the output
            gradient and, for a builder, the initial weights).
    """

    model: str
    input: str
    modes: tuple[str, ...]
    blocks: tuple[str, ...]
    types: Mapping[str, str]
    norms: frozenset[str]
    batch_norms: frozenset[str]
    record: Callable[[int, str], Pass]


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
    if 0 < len(blocks) < 3:
        notes.append(f"{mode}: blocks {', '.join(blocks)}: the depth slopes need 3 or more, "
                     "not checked")  # fmt: skip
        return plans
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


def check(
    subject: Subject,
    *,
    seeds: Sequence[int] = SEEDS,
    alpha: float = RUN_ALPHA,
    bounded_stream: bool = False,
) -> Signal:
    """The checks of :func:`winit.signal.measure` on ``subject``'s passes, one per seed and mode.

    Raises:
        ValueError: fewer than 3 seeds.
    """
    seeds = tuple(seeds)
    if len(seeds) < 3:
        raise ValueError(
            f"seeds: need at least 3 (the spread is estimated from them), got {len(seeds)}"
        )
    modes = subject.modes
    layers: list[Layer] = []
    plans: list[Plan] = []
    exact: list[Finding] = []
    notes: list[str] = []
    if len(modes) > 1:
        notes.append("batch norm: measured in train and eval mode; in eval mode it applies its "
                     "initial running statistics and is not checked as a normaliser")  # fmt: skip
    for mode in modes:
        passes = [subject.record(seed, mode) for seed in seeds]
        for name in passes[0].forward:
            layers.append(
                Layer(
                    name=name, kind="layer", type=subject.types[name], mode=mode,
                    forward=geometric_mean([p.forward[name] for p in passes]),
                    backward=geometric_mean([p.backward[name] for p in passes if name in p.backward]),
                    dead=float(np.mean([p.dead[name] for p in passes])) if name in passes[0].dead else None,
                )
            )  # fmt: skip
            if name not in subject.norms or (
                mode == "eval" and len(modes) > 1 and name in subject.batch_norms
            ):
                continue
            values = [p.forward[name] for p in passes]
            if all(v == 0.0 for v in values):
                zero = exact_check("output RMS", 0.0, 0.0)
                exact.append(Finding(name, mode, zero, "pass: deliberately zero gain", "", True))
            else:
                plans.append(
                    Plan(name, mode, "output ln RMS", _log(values), 0.0, NORM_BAND, per=" (gain)")
                )
        for name in subject.blocks:
            if name in passes[0].stream_out:
                layers.append(
                    Layer(name=f"{name} (stream)", kind="block", type=subject.types[name],
                          mode=mode, forward=geometric_mean([p.stream_out[name] for p in passes]),
                          backward=geometric_mean([p.grad_out[name] for p in passes if name in p.grad_out]))
                )  # fmt: skip
            if name in passes[0].branch:
                layers.append(
                    Layer(name=f"{name} (branch)", kind="branch", type=subject.types[name],
                          mode=mode, forward=geometric_mean([p.branch[name] for p in passes]),
                          backward=None)
                )  # fmt: skip
        plans += _depth_plans(
            passes,
            [b for b in subject.blocks if b in passes[0].stream_out],
            mode,
            bounded_stream,
            notes,
        )
        bad = list({name: None for p in passes for name in p.nonfinite})
        finite = exact_check("non-finite activations or gradients (modules)", float(len(bad)), 0.0)
        verdict = "pass" if not bad else f"FAIL: non-finite in {', '.join(bad[:5])}"
        exact.append(Finding("all modules", mode, finite, verdict, "", not bad))
    if not plans:
        notes.append("no norm layer and fewer than 3 blocks or layers: only finiteness checked")
    check_alpha = bonferroni(alpha, max(1, len(plans)))
    findings = [finding(plan, check_alpha) for plan in plans] + exact
    return Signal(
        model=subject.model, input=subject.input, modes=modes, seeds=seeds,
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
