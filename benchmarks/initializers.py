"""Figures 1 and 2: each winit initializer against the bare draw it cannot avoid (time and peak
extra memory), and against its ``torch.nn.init`` counterpart, on the same shapes and dtypes."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

import winit
from benchmarks.figures import Figure, compared
from benchmarks.timing import Clock, Samples, interleave, peak_extra_bytes

SHAPES: tuple[tuple[int, ...], ...] = ((1024, 1024), (4096, 4096), (512, 256, 3, 3))
QUICK_SHAPES = ((1024, 1024), (512, 256, 3, 3))
DTYPES = ("float32", "float64")
RATIO_GOAL = 1.15
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
class Case:
    """A winit initializer, what bounds it, and the ``torch.nn.init`` function that does the same
    (its name and its keyword arguments for a shape)."""

    name: str
    init: winit.Initializer
    limit: str
    torch_name: str
    torch_kwargs: Callable[[tuple[int, ...]], dict[str, Any]] = field(default=lambda s: {})
    exempt: str = ""  # why the ratio and memory goals do not apply
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
TRUNCATION = "rejection sampling: one more pass to find the draws outside ±2σ and redraws of those ~4.6 %"  # fmt: skip
CASES = (
    Case("constant(0.5)", winit.constant(0.5), "fill", "constant_", lambda s: {"val": 0.5}),
    Case("zeros", winit.zeros, "fill", "zeros_", not_large="same code path as constant(0.5)"),
    Case("ones", winit.ones, "fill", "ones_", not_large="same code path as constant(0.5)"),
    Case("normal(0.1, 0.02)", winit.normal(0.1, 0.02), "normal", "normal_", lambda s: {"mean": 0.1, "std": 0.02}),
    Case("uniform(-0.05, 0.05)", winit.uniform(-0.05, 0.05), "uniform", "uniform_", lambda s: {"a": -0.05, "b": 0.05}),
    Case("truncated_normal(0, 0.02)", winit.truncated_normal(0.0, 0.02), "normal", "trunc_normal_", lambda s: _truncated_std(0.02), TRUNCATION,
         torch_not_large="torch.nn.init.trunc_normal_ (inverse CDF) takes 1-4 s per call at 4096²"),
    Case("variance_scaling()", winit.variance_scaling(), "normal", "trunc_normal_", lambda s: _truncated_std(winit.fans(s)[0] ** -0.5), TRUNCATION,
         not_large="same code path as truncated_normal"),
    Case("glorot_normal", winit.glorot_normal, "normal", "xavier_normal_"),
    Case("glorot_uniform", winit.glorot_uniform, "uniform", "xavier_uniform_"),
    Case("he_normal", winit.he_normal, "normal", "kaiming_normal_", lambda s: {"nonlinearity": "relu"}, not_large=SAME_PATH.format("glorot_normal")),
    Case("he_uniform", winit.he_uniform, "uniform", "kaiming_uniform_", lambda s: {"nonlinearity": "relu"}, not_large=SAME_PATH.format("glorot_uniform")),
    Case("lecun_normal", winit.lecun_normal, "normal", "kaiming_normal_", lambda s: {"nonlinearity": "linear"}, not_large=SAME_PATH.format("glorot_normal")),
    Case("lecun_uniform", winit.lecun_uniform, "uniform", "kaiming_uniform_", lambda s: {"nonlinearity": "linear"}, not_large=SAME_PATH.format("glorot_uniform")),
    Case("orthogonal", winit.orthogonal(), "normal", "orthogonal_", exempt="a QR decomposition (LAPACK), O(rows·cols·min(rows, cols)) flops on top of the draw",
         rounds=(3, 3), not_large="a QR of 4096x4096 takes seconds per call"),
    Case("identity", winit.identity, "eye", "eye_"),
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
    if torch is not None and not (case.torch_not_large and math.prod(shape) > LARGE):
        fn, kwargs = getattr(torch.nn.init, case.torch_name), case.torch_kwargs(shape)
        calls["torch"] = lambda: fn(torch.from_numpy(np.empty(shape, dtype)), **kwargs)
    return calls


def _figures(
    case: Case, shape: tuple[int, ...], dtype: str, samples: dict[str, Samples]
) -> list[Figure]:
    extra, nbytes = peak_extra_bytes(lambda: case.init(shape, np.random.default_rng(0), dtype))
    vs_limit = compared(
        "init-vs-rng",
        case.name,
        samples["winit"],
        LIMITS[case.limit][0],
        samples["limit"],
        shape=shape,
        dtype=dtype,
        goal=None if case.exempt else RATIO_GOAL,
        note=case.exempt,
    )
    figures = [
        replace(
            vs_limit,
            extra_bytes=extra,
            extra_fraction=extra / nbytes,
            memory_goal=None if case.exempt else MEMORY_GOAL,
        )
    ]
    if "torch" in samples:
        figures.append(
            compared(
                "init-vs-torch",
                case.name,
                samples["winit"],
                f"torch.nn.init.{case.torch_name}",
                samples["torch"],
                shape=shape,
                dtype=dtype,
            )
        )
    return figures


def run(
    torch: Any, clock: Clock, shapes: tuple[tuple[int, ...], ...] = SHAPES
) -> tuple[list[Figure], list[dict[str, str]]]:
    """Figures 1 and 2 for every shape and dtype, and the (case, shape) pairs left out and why."""
    figures: list[Figure] = []
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
                    figures += _figures(c, shape, dtype, samples[c.name])
    return figures, skipped
