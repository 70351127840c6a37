"""What a property test measured for its claim: the report reads this, it never re-measures.

A test gets an :class:`Evidence` for its claim (the ``evidence`` fixture of the winit pytest
plugin) and records checks, numbers and plot series on it. All values are plain JSON types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np
from numpy.typing import ArrayLike

from winit.stats import Check

Scale = Literal["linear", "logx", "logy", "loglog"]
SCALES: tuple[str, ...] = get_args(Scale)


def _plain(values: ArrayLike) -> list[Any]:
    out: list[Any] = np.asarray(values, dtype=np.float64).tolist()
    return out


@dataclass
class Evidence:
    """Checks, numbers, series and a possible refutation of the source's wording for one claim.

    Recording the same name again replaces the earlier value, so a property that runs for many
    hypothesis examples keeps the last (with the derandomized profile: deterministic) one.
    """

    claim_id: str
    checks: dict[str, Check] = field(default_factory=dict)
    numbers: dict[str, float] = field(default_factory=dict)
    series: dict[str, dict[str, Any]] = field(default_factory=dict)
    findings: dict[str, str] = field(default_factory=dict)
    refutation: str | None = None
    counterexample: str | None = None

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """Hypothesis prints fixtures in falsifying examples: show the claim, not the records."""
        printer.text(f"Evidence({self.claim_id!r})")

    def check(self, c: Check) -> Check:
        """Record a check and assert it passed (the assertion message states the interval)."""
        self.checks[c.name] = c
        assert c.passed, (
            f"{self.claim_id}: {c.name}: measured {c.measured:.6g} outside "
            f"[{c.low:.6g}, {c.high:.6g}] ({c.test}, alpha={c.alpha:g})"
        )
        return c

    def number(self, name: str, value: float) -> None:
        """Record one measured number."""
        self.numbers[name] = float(value)

    def finding(self, name: str, text: str) -> None:
        """Record a measured fact of the machine that ran, in words (e.g. which widths stayed
        bitwise identical on its BLAS): shown on the card, never part of a pass criterion."""
        self.findings[name] = text

    def add_series(
        self,
        name: str,
        x: ArrayLike,
        y: ArrayLike,
        *,
        xlabel: str,
        ylabel: str,
        low: ArrayLike | None = None,
        high: ArrayLike | None = None,
        group: str | None = None,
        scale: Scale | None = None,
    ) -> None:
        """Record a curve for the report: y against x, optional interval band, and a ``group``
        (figure panel) it belongs to; curves of one group are drawn together. ``scale`` fixes the
        panel's axes (``linear``, ``logx``, ``logy``, ``loglog``); without it the report takes
        log axes where the data are positive and span more than two decades."""
        entry: dict[str, Any] = {
            "x": _plain(x), "y": _plain(y), "xlabel": xlabel, "ylabel": ylabel,
            "group": group or name,
        }  # fmt: skip
        if low is not None:
            entry["low"] = _plain(low)
        if high is not None:
            entry["high"] = _plain(high)
        shapes = {k: np.shape(v) for k, v in entry.items() if isinstance(v, list)}
        if len(set(shapes.values())) > 1 or len(shapes["x"]) != 1:
            raise ValueError(
                f"series {name!r}: x, y, low, high must be 1-D of equal length, got {shapes}"
            )
        if scale is not None:
            if scale not in SCALES:
                raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
            entry["scale"] = scale
        self.series[name] = entry

    def refutes_as_stated(self, reason: str, counterexample: str) -> None:
        """Record that the source's wording is false, with the measured counterexample."""
        self.refutation = reason
        self.counterexample = counterexample

    def as_dict(self) -> dict[str, Any]:
        return {
            "claim": self.claim_id,
            "checks": [c.as_dict() for c in self.checks.values()],
            "numbers": dict(self.numbers),
            "series": dict(self.series),
            "findings": dict(self.findings),
            "refutation": self.refutation,
            "counterexample": self.counterexample,
        }
