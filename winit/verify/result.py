"""The outcome of :func:`winit.verify` (one :class:`Row` per check and shape) and its terminal
rendering: a header saying what was called and expected, then one row per check and shape."""

from __future__ import annotations

import math
from dataclasses import dataclass

from winit import stats
from winit._validate import Shape
from winit.verify.checks import Powers
from winit.verify.distributions import Orthogonal, Target
from winit.verify.laws import Param
from winit.verify.sampling import Sampling


@dataclass(frozen=True)
class Row:
    """One check of one shape, with its power against each named error it must catch."""

    shape: Shape
    check: stats.Check
    powers: Powers = ()
    diagnosis: str = ""

    @property
    def passed(self) -> bool:
        return self.check.passed

    @property
    def failure(self) -> str:
        """One line for a failing row: its shape, then its diagnosis or its measurement and
        interval."""
        c = self.check
        text = self.diagnosis or f"{c.name} {c.measured:.4g} outside [{c.low:.4g}, {c.high:.4g}]"
        return f"{'x'.join(map(str, self.shape))}: {text}"

    def as_dict(self) -> dict[str, object]:
        return {
            "shape": list(self.shape), **self.check.as_dict(), "powers": dict(self.powers),
            "diagnosis": self.diagnosis,
        }  # fmt: skip


@dataclass(frozen=True)
class ShapeInfo:
    """What was expected and drawn for one shape."""

    shape: Shape
    target: Target
    sampling: Sampling
    fans: tuple[int, int] | None

    def describe(self) -> str:
        dims = "x".join(map(str, self.shape))
        fan = f" fan_in={self.fans[0]} fan_out={self.fans[1]}" if self.fans else ""
        unit = "diagonal signs" if isinstance(self.target, Orthogonal) else "draws"
        p = self.sampling
        drawn = f"{p.calls} call{'s' if p.calls > 1 else ''} = {p.units} {unit}"
        if p.needed:
            drawn += f" ({p.needed} calls needed for power vs {p.driver})"
        if p.unreachable:
            drawn += f"; power < target vs {', '.join(p.unreachable)} even at the cap"
        return f"{dims}:{fan} -> {self.target.describe()}; {drawn}"


@dataclass(frozen=True)
class Result:
    """The outcome of :func:`verify`: ``rows`` (one per check and shape) and ``passed``."""

    name: str
    law: str
    params: dict[str, Param]
    layout: str
    seed: int
    calling: str
    alpha: float
    check_alpha: float
    shapes: tuple[ShapeInfo, ...]
    rows: tuple[Row, ...]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.rows)

    def __bool__(self) -> bool:
        """False when a check failed: ``assert winit.verify(fn, law=...)`` fails on it."""
        return self.passed

    def __repr__(self) -> str:
        """One line, the failing rows first (pytest shows this for a failing ``assert``; its
        first 240 characters by default, more with ``-v``)."""
        if self.passed:
            return f"<verify {self.name} vs {self.law}: PASSED {len(self.rows)} checks>"
        rows = "; ".join(r.failure for r in self.failures)
        return f"<verify {self.name} vs {self.law}: FAILED {len(self.failures)} of {len(self.rows)}: {rows}>"

    def __str__(self) -> str:
        """The readable table (header, one row per check and shape, powers, verdict)."""
        return render(self)

    @property
    def failures(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if not r.passed)

    @property
    def reason(self) -> str:
        """One line for a failing result: its first failing row, and how many more failed."""
        if self.passed:
            return ""
        more = len(self.failures) - 1
        return self.failures[0].failure + (f" (+{more} more)" if more else "")

    def as_dict(self) -> dict[str, object]:
        return {
            "initializer": self.name, "law": self.law, "params": self.params,
            "layout": self.layout, "seed": self.seed, "calling": self.calling,
            "alpha": self.alpha, "check_alpha": self.check_alpha, "passed": self.passed,
            "shapes": [s.describe() for s in self.shapes],
            "rows": [r.as_dict() for r in self.rows],
        }  # fmt: skip


COLUMNS = ("shape", "check", "measured", "expected", "interval", "power (weakest vs)", "verdict")


def _num(x: float) -> str:
    return f"{x:.6g}" if math.isfinite(x) else str(x)


def _cells(row: Row) -> tuple[str, ...]:
    c = row.check
    pw = "-" if c.power is None else f"{c.power:.6f} vs {c.against}"
    return (
        "x".join(map(str, row.shape)), c.name, _num(c.measured), _num(c.expected),
        f"[{_num(c.low)}, {_num(c.high)}]", pw, "pass" if row.passed else "FAIL",
    )  # fmt: skip


def render(result: Result) -> str:
    """Header lines, then an aligned table, then the verdict line."""
    params = ", ".join(f"{k}={v}" for k, v in result.params.items() if v is not None)
    head = [
        f"initializer: {result.name}",
        f"law: {result.law}({params}), layout {result.layout}, seed {result.seed}",
        f"calling: {result.calling}",
        f"alpha: {result.alpha:g} per run, Bonferroni -> {result.check_alpha:.3g} per statistical check"
        if result.check_alpha
        else "alpha: 0, exact law: no statistical checks",
        *(f"  {s.describe()}" for s in result.shapes),
    ]
    cells = [COLUMNS, *(_cells(r) for r in result.rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    lines = [
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    weakest: dict[tuple[str, str], float] = {}
    for r in result.rows:
        for error, p in r.powers:
            key = (r.check.name.split(" (diag[")[0], error)
            weakest[key] = min(p, weakest.get(key, 1.0))
    powers = [f"  {name} vs {error}: {p:.6f}" for (name, error), p in weakest.items()]
    if powers:
        powers.insert(0, "power against each named error (weakest shape):")
    diagnoses = [
        f"  {'x'.join(map(str, r.shape))}: {r.diagnosis}" for r in result.failures if r.diagnosis
    ]
    if diagnoses:
        diagnoses.insert(0, "nearest named error of each failing check:")
    n_fail = len(result.failures)
    verdict = "PASSED" if result.passed else f"FAILED ({n_fail} of {len(result.rows)} checks)"
    return "\n".join([*head, "", *lines, "", *powers, *diagnoses, verdict])
