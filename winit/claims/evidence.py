"""What a property test measured for its claim: the report reads this, it never re-measures.

A test gets an :class:`Evidence` for its claim (the ``evidence`` fixture of the winit pytest
plugin) and records checks, numbers, findings and plot series on it. All values are plain JSON
types. A statistical check is recorded under its :class:`~winit.claims.record.Plan`, which it
may not exceed (alpha, power, executions per example or per run).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np
from numpy.typing import ArrayLike

from winit.claims.record import Claim, Plan, PlanError
from winit.stats import Check

Scale = Literal["linear", "logx", "logy", "loglog"]
SCALES: tuple[str, ...] = get_args(Scale)
#: How a curve is drawn: joined by lines, or as separate points (independent replicates, where
#: a line between neighbours would suggest an order that is not there).
Kind = Literal["line", "points"]
KINDS: tuple[str, ...] = get_args(Kind)


def _plain(values: ArrayLike) -> list[Any]:
    out: list[Any] = np.asarray(values, dtype=np.float64).tolist()
    return out


@dataclass
class Evidence:
    """Checks, numbers, series and a possible refutation of the source's wording for one claim.

    Recording the same name again replaces the earlier value, so a property that runs for many
    hypothesis examples keeps the last (with the derandomized profile: deterministic) one.
    """

    claim: Claim
    checks: dict[str, Check] = field(default_factory=dict)
    plans: dict[str, Plan] = field(default_factory=dict)
    numbers: dict[str, float] = field(default_factory=dict)
    series: dict[str, dict[str, Any]] = field(default_factory=dict)
    findings: dict[str, str] = field(default_factory=dict)
    refutation: str | None = None
    counterexample: str | None = None
    _runs: Counter[tuple[str, int]] = field(default_factory=Counter, repr=False)

    @property
    def claim_id(self) -> str:
        return self.claim.id

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """Hypothesis prints fixtures in falsifying examples: show the claim, not the records."""
        printer.text(f"Evidence({self.claim_id!r})")

    def check(self, c: Check, plan: Plan | None = None) -> Check:
        """Record a check and assert it passed (the assertion message states the interval).

        A check with alpha > 0 needs the ``plan`` it was sized under: it may not use more alpha
        or compute less power than the plan says, nor run more often per hypothesis example (or
        per run, for a fixed-seed plan) than declared; otherwise :class:`PlanError`."""
        if plan is not None:
            self._spend(c, plan)
        elif c.alpha > 0.0:
            raise PlanError(
                f"{self.claim_id}: check {c.name!r} has alpha {c.alpha:g} but no plan; declare "
                "it with CLAIM.plan(...) and pass the plan to evidence.check"
            )
        self.checks[c.name] = c
        assert c.passed, (
            f"{self.claim_id}: {c.name}: measured {c.measured:.6g} outside "
            f"[{c.low:.6g}, {c.high:.6g}] ({c.test}, alpha={c.alpha:g})"
        )
        return c

    def test(
        self, plan: Plan, constructor: Callable[..., Check], *args: Any, **kwargs: Any
    ) -> Check:
        """Build a check of :mod:`winit.stats` at the plan's alpha (:meth:`Plan.at_alpha`), record
        it under ``plan`` and assert it passed (:meth:`check`).

        >>> from winit.claims import Claim
        >>> from winit.stats import mean_check
        >>> claim = Claim(id="X", group="Beyond the article", title="t", source="s", quote="q",
        ...               statement="s", domain="d", expected="holds", lead="l")
        >>> plan = claim.plan("mean", runs=1, power=None)
        >>> Evidence(claim).test(plan, mean_check, "mean", [0.0, 0.1], 0.0, 1.0).passed
        True
        """
        return self.check(plan.at_alpha(constructor, *args, **kwargs), plan)

    def _spend(self, c: Check, plan: Plan) -> None:
        """Enforce ``plan`` on one execution of check ``c``."""
        where = f"{self.claim_id}: check {c.name!r} (plan {plan.name!r})"
        if plan.claim is not self.claim:
            raise PlanError(f"{where}: the plan belongs to claim {plan.claim.id}")
        if c.alpha > plan.alpha * (1.0 + 1e-9):
            raise PlanError(f"{where} uses alpha {c.alpha:.3g}, more than planned {plan.alpha:.3g}")
        if plan.power is not None and not (c.power is not None and c.power >= plan.power):
            raise PlanError(
                f"{where}: computed power {c.power} against {c.against or 'its error'} is below "
                f"the planned {plan.power:g}"
            )
        key = (plan.name, _example())
        self._runs[key] += 1
        limit = plan.per_example if plan.per_example is not None else plan.runs
        if self._runs[key] > (limit or 0):
            unit = "hypothesis example" if plan.per_example is not None else "run"
            raise PlanError(f"{where} ran {self._runs[key]} times in one {unit}; planned {limit}")
        self.plans[c.name] = plan

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
        kind: Kind = "line",
        cap: float | None = None,
        xinvert: bool = False,
        shade: tuple[Sequence[tuple[float, float]], str] | None = None,
        facet: str | None = None,
    ) -> None:
        """Record a curve for the report: y against x, optional interval band, and a ``group``
        (figure panel) it belongs to; curves of one group are drawn together. ``scale`` fixes the
        panel's axes (``linear``, ``logx``, ``logy``, ``loglog``); without it the report takes
        log axes where the data are positive and span more than two decades. ``kind`` is
        ``points`` for independent replicates (seeds), drawn as markers; ``cap`` a limit the
        measurement was cut at (values at it are marked "not reached"); ``xinvert`` draws x from
        right to left (a backward pass); ``shade`` = (x ranges, label) shades a zone; curves of a
        group that name a ``facet`` are drawn as small multiples on shared axes."""
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
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        entry["kind"] = kind
        if cap is not None:
            entry["cap"] = float(cap)
        if xinvert:
            entry["xinvert"] = True
        if facet is not None:
            entry["facet"] = facet
        if shade is not None:
            entry["shade"] = {"ranges": [[float(a), float(b)] for a, b in shade[0]],
                              "label": shade[1]}  # fmt: skip
        self.series[name] = entry

    def refutes_as_stated(self, reason: str, counterexample: str) -> None:
        """Record that the source's wording is false, with the measured counterexample."""
        self.refutation = reason
        self.counterexample = counterexample

    def as_dict(self) -> dict[str, Any]:
        return {
            "claim": self.claim_id,
            "checks": [
                c.as_dict() | _plan_fields(self.plans.get(name)) for name, c in self.checks.items()
            ],
            "numbers": dict(self.numbers),
            "series": dict(self.series),
            "findings": dict(self.findings),
            "refutation": self.refutation,
            "counterexample": self.counterexample,
        }


def _plan_fields(plan: Plan | None) -> dict[str, Any]:
    if plan is None:
        return {"plan": None, "per_example": None}
    return {"plan": plan.name, "per_example": plan.per_example}


def _example() -> int:
    """An id of the hypothesis example being run (0 outside one): checks are counted per
    example. Hypothesis makes a new build context for every example it runs."""
    try:
        from hypothesis.control import current_build_context
        from hypothesis.errors import InvalidArgument
    except ImportError:  # pragma: no cover - hypothesis is a test dependency
        return 0
    try:
        context = current_build_context()
    except InvalidArgument:
        return 0
    token: int | None = getattr(context, "_winit_example", None)
    if token is None:  # ids of dead contexts are reused: number the contexts instead
        token = next(_EXAMPLES)
        context._winit_example = token  # type: ignore[attr-defined]
    return token


_EXAMPLES = itertools.count(1)
