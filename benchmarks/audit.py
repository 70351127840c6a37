"""The audit rows: ``winit audit`` on both paths (build included) of a resnet50-size model and of
GPT-2 124M, transformers' own classes at their default sizes, against one plain build of the same
model timed in the same rounds. The goals are the issue's absolute seconds on this 2-core machine,
held against the run's clock (CPU time with one thread); the wall time is in the note."""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from typing import Any

from benchmarks.figures import Figure
from benchmarks.timing import Samples

#: (name, spec, goal in seconds)
MODELS = (
    (
        "resnet50-size: 25.6M parameters, 161 tensors",
        "transformers:ResNetForImageClassification(ResNetConfig(num_labels=1000))",
        10.0,
    ),
    ("GPT-2 124M", "transformers:GPT2Model(GPT2Config())", 20.0),
)
#: rounds per model, each one build and one audit
ROUNDS = 2


def _row(name: str, spec: str, goal: float, clock: Callable[[], float]) -> Figure:
    from winit.audit import audit
    from winit.audit.model import load_spec

    builder = load_spec(spec)
    builds, audits, walls, verdicts = [], [], [], set()
    for _ in range(ROUNDS):
        start = clock()
        builder()
        builds.append(clock() - start)
        start, wall = clock(), time.perf_counter()
        result = audit(spec, seed=0)
        audits.append(clock() - start)
        walls.append(time.perf_counter() - wall)
        verdicts.add("passed" if result else f"FAILED: {result!r}"[:200])
    s, base, wall_s = Samples(audits), Samples(builds), Samples(walls)
    return Figure(
        "audit", name, None, "float32", s.median, s.iqr, "one build", base.median,
        s.ratio_to(base), s.ratio_iqr(base), seconds_goal=goal,
        note=f"{spec}; both paths; wall median {wall_s.median:.3g} s; audit {', '.join(sorted(verdicts))}",
    )  # fmt: skip


def run(torch: Any, clock: Callable[[], float]) -> tuple[list[Figure], list[dict[str, str]]]:
    """The audit rows, and what was not measured (torch or transformers missing)."""
    missing = [m for m in ("torch", "transformers") if importlib.util.find_spec(m) is None]
    if torch is None or missing:
        reason = f"{' and '.join(missing or ['torch'])} not installed"
        return [], [{"group": "audit", "name": name, "reason": reason} for name, _, _ in MODELS]
    return [_row(name, spec, goal, clock) for name, spec, goal in MODELS], []
