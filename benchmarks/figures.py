"""The benchmark's results: one :class:`Figure` per measurement, the terminal table, and the
``bench.json`` document (schema 2, described in ``benchmarks/README.md``)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.timing import Samples
from winit.atomic import write_atomic

SCHEMA = 2


@dataclass(frozen=True)
class Figure:
    """One measured figure: a median time, and its ratio to a baseline timed in the same run."""

    group: str
    name: str
    shape: tuple[int, ...] | None
    dtype: str | None
    median_s: float
    iqr_s: float
    baseline: str | None = None
    baseline_s: float | None = None
    ratio: float | None = None
    ratio_iqr: float | None = None
    goal: float | None = None
    extra_bytes: int | None = None
    extra_fraction: float | None = None
    memory_goal: float | None = None
    note: str = ""
    #: an absolute goal: median_s must be <= it (None: none)
    seconds_goal: float | None = None

    @property
    def met(self) -> bool | None:
        """Whether the ratio and the memory are within their goals (those that have one);
        None when neither has a goal."""
        checks = []
        if self.goal is not None and self.ratio is not None:
            checks.append(self.ratio <= self.goal)
        if self.memory_goal is not None and self.extra_fraction is not None:
            checks.append(self.extra_fraction <= self.memory_goal)
        if self.seconds_goal is not None:
            checks.append(self.median_s <= self.seconds_goal)
        return all(checks) if checks else None

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["shape"] = list(self.shape) if self.shape else None
        d["met"] = self.met
        return d


def compared(
    group: str,
    name: str,
    samples: Samples,
    baseline: str,
    base: Samples,
    *,
    shape: tuple[int, ...] | None = None,
    dtype: str | None = None,
    goal: float | None = None,
    note: str = "",
) -> Figure:
    """A figure whose ratio is ``samples`` over ``base``, both from the same interleaved run."""
    return Figure(
        group,
        name,
        shape,
        dtype,
        samples.median,
        samples.iqr,
        baseline,
        base.median,
        samples.ratio_to(base),
        samples.ratio_iqr(base),
        goal,
        note=note,
    )


def _seconds(s: float | None) -> str:
    if s is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


def _shape(shape: tuple[int, ...] | None) -> str:
    if not shape:
        return "-"
    if len(shape) > 4:
        return f"{shape[0]}x...x{shape[-1]} ({len(shape)} dims)"
    return "x".join(map(str, shape))


def _goal(f: Figure) -> str:
    goals = ([] if f.goal is None else [f"<={f.goal:g}"]) + (
        [] if f.seconds_goal is None else [f"<={_seconds(f.seconds_goal)}"]
    )
    return ", ".join(goals) or "-"


def table(figures: list[Figure]) -> str:
    """The figures as a fixed-width text table, one row each."""
    head = ("group", "name", "shape", "dtype", "median", "±iqr", "baseline", "ratio", "goal", "mem", "met")  # fmt: skip
    rows = [head]
    for f in figures:
        rows.append(
            (
                f.group,
                f.name,
                _shape(f.shape),
                f.dtype or "-",
                _seconds(f.median_s),
                _seconds(f.iqr_s),
                f"{f.baseline} {_seconds(f.baseline_s)}" if f.baseline else "-",
                "-" if f.ratio is None else f"{f.ratio:.2f}±{f.ratio_iqr or 0:.2f}",
                _goal(f),
                "-" if f.extra_fraction is None else f"{f.extra_fraction:.0%}",
                {True: "yes", False: "NO", None: "-"}[f.met],
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


def write(
    path: Path,
    figures: list[Figure],
    machine: dict[str, Any],
    versions: dict[str, Any],
    skipped: list[dict[str, str]],
    initializers: list[dict[str, Any]],
) -> None:
    """Write ``bench.json`` atomically (a temporary file, then a rename); ``initializers`` (the
    goals table, one row per initializer, shape and dtype) comes first."""
    doc = {
        "initializers": initializers,
        "schema": SCHEMA,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine,
        "versions": versions,
        "skipped": skipped,
        "figures": [f.as_dict() for f in figures],
    }
    write_atomic(path, json.dumps(doc, indent=1) + "\n")
