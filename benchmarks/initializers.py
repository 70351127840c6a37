"""Figures 1 and 2: each winit initializer against the bare draw it cannot avoid (time and peak
extra memory), and against its ``torch.nn.init`` counterpart, on the same shapes and dtypes;
and :class:`Row`, the two ratios side by side with their spreads, the memory, and the goals
of each (issue 12) beside them, with what bounds a missed one."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

import winit
from benchmarks.figures import Figure, compared
from benchmarks.timing import Clock, Samples, interleave, peak_extra_bytes

SHAPES: tuple[tuple[int, ...], ...] = ((1024, 1024), (4096, 4096), (512, 256, 3, 3))
QUICK_SHAPES = ((1024, 1024), (512, 256, 3, 3))
DTYPES = ("float32", "float64")
MEMORY_GOAL = 0.05
#: Seconds of interleaved rounds per (shape, dtype); a 4096² round takes longer than this alone,
#: so it gets the fewest rounds (3).
BUDGET_S = 3.0

Draw = Callable[[tuple[int, ...], str, np.random.Generator], np.ndarray]

#: The cheapest way to produce an array of the same law family: what an initializer is
#: bounded by. Constants and the identity are bounded by a fill, not by the RNG.
LIMITS: dict[str, tuple[str, Draw]] = {
    "normal": ("rng.standard_normal", lambda s, dt, g: g.standard_normal(s, dtype=np.dtype(dt))),
    "uniform": ("rng.random", lambda s, dt, g: g.random(s, dtype=np.dtype(dt))),
    "fill": ("np.full", lambda s, dt, g: np.full(s, 0.5, dtype=dt)),
    "eye": ("np.eye", lambda s, dt, g: np.eye(s[0], s[1], dtype=np.dtype(dt))),
}


def _truncated_std(std: float) -> dict[str, float]:
    """``torch.nn.init.trunc_normal_`` arguments for winit's truncated normal of result std ``std``
    (torch cuts at absolute bounds and does not correct the std)."""
    s = std / winit.TRUNCATED_STD
    return {"mean": 0.0, "std": s, "a": -2 * s, "b": 2 * s}


@dataclass(frozen=True)
class Goals:
    """Upper bounds (None: no goal) on winit/torch, winit/bare-draw and extra memory / output."""

    ratio_torch: float | None = None
    ratio_rng: float | None = None
    extra_memory: float | None = MEMORY_GOAL


#: The normal family (normal, glorot/he/lecun normal, truncated): at least as fast as torch.
NORMAL = Goals(ratio_torch=1.0)
#: The uniform family: as fast as torch and within 10 % of the bare ``rng.random``.
UNIFORM = Goals(ratio_torch=1.0, ratio_rng=1.1)
#: Constants and the identity: within 15 % of the bare fill.
FILL = Goals(ratio_rng=1.15)
#: orthogonal: a QR's own workspace, at most twice the output.
ORTHOGONAL = Goals(extra_memory=2.0)


@dataclass(frozen=True)
class Case:
    """A winit initializer, what bounds it, and the ``torch.nn.init`` function that does the same
    (its name and its keyword arguments for a shape)."""

    name: str
    init: winit.Initializer
    limit: str
    torch_name: str
    torch_kwargs: Callable[[tuple[int, ...]], dict[str, Any]] = field(default=lambda s: {})
    goals: Goals = NORMAL
    bound: str = ""  # what bounds its time and memory (the reason beside a missed goal)
    rounds: tuple[int, int] = (3, 15)  # (fewest, most) rounds of interleaved timing
    not_large: str = ""  # why it is not timed at the largest shape (4096²)
    torch_not_large: str = ""  # why torch's counterpart is not timed at the largest shape

    def skipped_at(self, shape: tuple[int, ...]) -> str:
        """Why this case is not timed at ``shape`` ("" if it is)."""
        if self.limit == "eye" and len(shape) != 2:
            return "identity is defined for 2-D shapes only"
        return self.not_large if math.prod(shape) > LARGE else ""


#: Shapes with more elements than this are "large": there, the initializers that share a code
#: path with another are not timed again, to keep the whole run within its time budget.
LARGE = 1024 * 2304
SAME_PATH = "same code path as {} (variance_scaling) with another scale; timed at the other shapes"
TRUNCATION = "rejection: a pass over each chunk for |x| > 2 and redraws of those ~4.6 %, on top of the normal draw"  # fmt: skip
BOX_MULLER = "float32: numpy's float32 uniforms (rng.random) then log, sqrt, sin, cos per pair in cache; float64: numpy's ziggurat"  # fmt: skip
AFFINE = "rng.random, then one multiply and one add per value while the block is in cache"
FILLED = "np.full / np.eye: writing the output"
QR = "orthonormalising: block Gram–Schmidt in BLAS matrix products and a LAPACK QR per 64-row block, temporaries of a block"
CASES = (
    Case("constant(0.5)", winit.constant(0.5), "fill", "constant_", lambda s: {"val": 0.5}, FILL, FILLED),
    Case("zeros", winit.zeros, "fill", "zeros_", goals=FILL, bound=FILLED, not_large="same code path as constant(0.5)"),
    Case("ones", winit.ones, "fill", "ones_", goals=FILL, bound=FILLED, not_large="same code path as constant(0.5)"),
    Case("normal(0.1, 0.02)", winit.normal(0.1, 0.02), "normal", "normal_", lambda s: {"mean": 0.1, "std": 0.02}, bound=BOX_MULLER),
    Case("uniform(-0.05, 0.05)", winit.uniform(-0.05, 0.05), "uniform", "uniform_", lambda s: {"a": -0.05, "b": 0.05}, UNIFORM, AFFINE),
    Case("truncated_normal(0, 0.02)", winit.truncated_normal(0.0, 0.02), "normal", "trunc_normal_", lambda s: _truncated_std(0.02), bound=TRUNCATION,
         torch_not_large="torch.nn.init.trunc_normal_ (inverse CDF) takes 1-4 s per call at 4096²"),
    Case("variance_scaling()", winit.variance_scaling(), "normal", "trunc_normal_", lambda s: _truncated_std(winit.fans(s)[0] ** -0.5), bound=TRUNCATION,
         not_large="same code path as truncated_normal"),
    Case("glorot_normal", winit.glorot_normal, "normal", "xavier_normal_", bound=BOX_MULLER),
    Case("glorot_uniform", winit.glorot_uniform, "uniform", "xavier_uniform_", goals=UNIFORM, bound=AFFINE),
    Case("he_normal", winit.he_normal, "normal", "kaiming_normal_", lambda s: {"nonlinearity": "relu"}, bound=BOX_MULLER, not_large=SAME_PATH.format("glorot_normal")),
    Case("he_uniform", winit.he_uniform, "uniform", "kaiming_uniform_", lambda s: {"nonlinearity": "relu"}, UNIFORM, AFFINE, not_large=SAME_PATH.format("glorot_uniform")),
    Case("lecun_normal", winit.lecun_normal, "normal", "kaiming_normal_", lambda s: {"nonlinearity": "linear"}, bound=BOX_MULLER, not_large=SAME_PATH.format("glorot_normal")),
    Case("lecun_uniform", winit.lecun_uniform, "uniform", "kaiming_uniform_", lambda s: {"nonlinearity": "linear"}, UNIFORM, AFFINE, not_large=SAME_PATH.format("glorot_uniform")),
    Case("orthogonal", winit.orthogonal(), "normal", "orthogonal_", goals=ORTHOGONAL, bound=QR,
         rounds=(3, 3), not_large="orthonormalising 4096x4096 takes seconds per call"),
    Case("identity", winit.identity, "eye", "eye_", goals=FILL, bound=FILLED),
)  # fmt: skip


def _calls(
    case: Case, shape: tuple[int, ...], dtype: str, torch: Any
) -> dict[str, Callable[[], object]]:
    """The calls timed together for one case: its limit, winit, and torch if installed.

    torch initializes a buffer allocated by numpy (``np.empty``), so both sides pay the same
    allocation: a large ``torch.empty`` made the next numpy allocation page-fault ~2x longer.
    """
    limit, gen = LIMITS[case.limit][1], np.random.default_rng(0)
    calls: dict[str, Callable[[], object]] = {
        "limit": lambda: limit(shape, dtype, gen),
        "winit": lambda: case.init(shape, gen, dtype),
    }
    if case.limit == "normal" and dtype == "float32" and case.goals.ratio_torch is not None:
        # what float32 Box–Muller cannot avoid: the uniforms it transforms (the reason's floor)
        calls["uniforms"] = lambda: gen.random(shape, dtype=np.float32)
    if torch is not None and not (case.torch_not_large and math.prod(shape) > LARGE):
        fn, kwargs = getattr(torch.nn.init, case.torch_name), case.torch_kwargs(shape)
        calls["torch"] = lambda: fn(torch.from_numpy(np.empty(shape, dtype)), **kwargs)
    return calls


def _figures(
    case: Case, shape: tuple[int, ...], dtype: str, samples: dict[str, Samples]
) -> tuple[list[Figure], Row]:
    """The case's figures (vs the bare draw, vs torch) and its row of the goals table."""
    extra, nbytes = peak_extra_bytes(lambda: case.init(shape, np.random.default_rng(0), dtype))
    goals = case.goals
    vs_limit = compared(
        "init-vs-rng",
        case.name,
        samples["winit"],
        LIMITS[case.limit][0],
        samples["limit"],
        shape=shape,
        dtype=dtype,
        goal=goals.ratio_rng,
        note=case.bound,
    )
    vs_limit = replace(
        vs_limit, extra_bytes=extra, extra_fraction=extra / nbytes, memory_goal=goals.extra_memory
    )
    figures = [vs_limit]
    vs_torch = None
    if "torch" in samples:
        vs_torch = compared(
            "init-vs-torch",
            case.name,
            samples["winit"],
            f"torch.nn.init.{case.torch_name}",
            samples["torch"],
            shape=shape,
            dtype=dtype,
            goal=goals.ratio_torch,
            note=case.bound,
        )
        figures.append(vs_torch)
    return figures, Row.of(case, vs_limit, vs_torch, samples)


@dataclass(frozen=True)
class Row:
    """One initializer at one shape and dtype: winit/torch and winit/bare-draw side by side, each
    a median of per-round ratios with its interquartile range (``spread``), the peak extra
    memory as a fraction of the output, the goals beside them, whether all measured ones are
    met, and the reason when not (what was missed, by how much, and what bounds it); ``floor``
    is that bound timed: the draw it cannot avoid (for float32 normals the uniforms Box–Muller
    transforms) as a ratio to torch's time."""

    initializer: str
    dtype: str
    shape: tuple[int, ...]
    ratio_torch: float | None
    ratio_rng: float | None
    spread: dict[str, float | None]
    extra_memory: float
    goal: dict[str, float | None]
    met: bool | None
    reason: str
    floor: dict[str, Any] | None = None

    @staticmethod
    def of(
        case: Case, vs_limit: Figure, vs_torch: Figure | None, samples: dict[str, Samples]
    ) -> Row:
        measured = {
            "ratio_torch": None if vs_torch is None else vs_torch.ratio,
            "ratio_rng": vs_limit.ratio,
            "extra_memory": vs_limit.extra_fraction,
        }
        goal = {k: getattr(case.goals, k) for k in measured}
        missed = [
            f"{k} {v:.3g} > {goal[k]:g}"
            for k, v in measured.items()
            if v is not None and goal[k] is not None and v > goal[k]
        ]
        unmeasured = [k for k, v in measured.items() if v is None and goal[k] is not None]
        judged = any(goal[k] is not None and measured[k] is not None for k in goal)
        floor = None  # what bounds it, timed in the same rounds, over torch's time
        if "torch" in samples:
            key = "uniforms" if "uniforms" in samples else "limit"
            what = "the float32 uniforms (rng.random)" if key == "uniforms" else f"the bare {vs_limit.baseline}"  # fmt: skip
            floor = {"what": what, "ratio_torch": samples[key].ratio_to(samples["torch"])}
        reason = ""
        if missed:
            reason = f"{'; '.join(missed)}: bounded by {case.bound}"
            if floor is not None:
                reason += f"; {floor['what']} alone: {floor['ratio_torch']:.2f}x torch's time"
        if unmeasured:
            reason = "; ".join(filter(None, [reason, f"{', '.join(unmeasured)} not measured here (torch not timed)"]))  # fmt: skip
        return Row(
            case.name,
            vs_limit.dtype or "",
            vs_limit.shape or (),
            measured["ratio_torch"],
            vs_limit.ratio,
            {
                "ratio_torch": None if vs_torch is None else samples["winit"].ratio_iqr(samples["torch"]),
                "ratio_rng": samples["winit"].ratio_iqr(samples["limit"]),
            },
            vs_limit.extra_fraction or 0.0,
            goal,
            (not missed) if judged else None,
            reason,
            floor,
        )  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "shape": list(self.shape)}


def run(
    torch: Any, clock: Clock, shapes: tuple[tuple[int, ...], ...] = SHAPES
) -> tuple[list[Figure], list[Row], list[dict[str, str]]]:
    """Figures 1 and 2 and the goals table for every shape and dtype, and the (case, shape)
    pairs left out and why."""
    figures: list[Figure] = []
    rows: list[Row] = []
    skipped = [
        {"group": group, "name": c.name, "shape": "x".join(map(str, shape)), "reason": why}
        for shape in shapes
        for c in CASES
        for group, why in (
            ("init", c.skipped_at(shape)),
            ("init-vs-torch", c.torch_not_large if math.prod(shape) > LARGE else ""),
        )
        if why
    ]
    for shape in shapes:
        for dtype in DTYPES:
            for rounds in sorted({c.rounds for c in CASES}):
                cases = [c for c in CASES if c.rounds == rounds and not c.skipped_at(shape)]
                groups = {c.name: _calls(c, shape, dtype, torch) for c in cases}
                samples = interleave(groups, budget_s=BUDGET_S, rounds=rounds, clock=clock)
                for c in cases:
                    more, row = _figures(c, shape, dtype, samples[c.name])
                    figures += more
                    rows.append(row)
    return figures, rows, skipped


def table(rows: list[Row]) -> str:
    """The goals table as fixed-width text: both ratios ± their spreads, memory, goals, met."""

    def ratio(v: float | None, spread: float | None, goal: float | None) -> str:
        text = "-" if v is None else f"{v:.2f}±{spread or 0:.2f}"
        return text + ("" if goal is None else f" (<={goal:g})")

    head = (
        "initializer",
        "dtype",
        "shape",
        "winit/torch",
        "winit/rng",
        "extra mem",
        "met",
        "reason",
    )
    out = [head]
    for r in rows:
        mem_goal = r.goal["extra_memory"]
        out.append((
            r.initializer, r.dtype, "x".join(map(str, r.shape)),
            ratio(r.ratio_torch, r.spread["ratio_torch"], r.goal["ratio_torch"]),
            ratio(r.ratio_rng, r.spread["ratio_rng"], r.goal["ratio_rng"]),
            f"{r.extra_memory:.1%}" + ("" if mem_goal is None else f" (<={mem_goal:.0%})"),
            {True: "yes", False: "NO", None: "-"}[r.met], r.reason,
        ))  # fmt: skip
    widths = [max(len(r[i]) for r in out) for i in range(len(head))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in out
    )
