"""``winit.verify(fn, law=...)``: draw from an initializer on a few shapes and check the draws
against the law it documents. The run's false-alarm budget (default 1e-6) is split evenly
(Bonferroni) over all statistical checks of all shapes; each shape gets enough draws, pooled
over calls with derived seeds, that every named error is rejected with the target power."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from winit import stats
from winit._validate import Shape, choice, shape_of
from winit.fans import LAYOUTS, Layout, fans
from winit.stats import POWER, RUN_ALPHA
from winit.verify.adapters import make_caller
from winit.verify.checks import Powers, shape_checks, statistical_checks
from winit.verify.distributions import Orthogonal, Target
from winit.verify.laws import Param, get_law, resolve, target
from winit.verify.plan import Plan, alternatives, plan

#: default shapes in torch layout (out, in, *kernel): non-square, fan ratios 2, 4 and 2
TORCH_SHAPES: tuple[Shape, ...] = ((256, 128), (128, 512), (64, 32, 3, 3))


def default_shapes(layout: Layout) -> tuple[Shape, ...]:
    """The default shapes read in ``layout``: the same tensors, keras order (*kernel, in, out)."""
    if layout == "torch":
        return TORCH_SHAPES
    return tuple((*s[2:], s[1], s[0]) for s in TORCH_SHAPES)


@dataclass(frozen=True)
class Row:
    """One check of one shape, with its power against each named error it must catch."""

    shape: Shape
    check: stats.Check
    powers: Powers = ()

    @property
    def passed(self) -> bool:
        return self.check.passed

    def as_dict(self) -> dict[str, object]:
        return {"shape": list(self.shape), **self.check.as_dict(), "powers": dict(self.powers)}


@dataclass(frozen=True)
class ShapeInfo:
    """What was expected and drawn for one shape."""

    shape: Shape
    target: Target
    plan: Plan
    fans: tuple[int, int] | None

    def describe(self) -> str:
        dims = "x".join(map(str, self.shape))
        fan = f" fan_in={self.fans[0]} fan_out={self.fans[1]}" if self.fans else ""
        unit = "diagonal signs" if isinstance(self.target, Orthogonal) else "draws"
        p = self.plan
        drawn = f"{p.calls} call{'s' if p.calls > 1 else ''} = {p.units} {unit}"
        if p.needed:
            drawn += f" ({p.needed} needed for power vs {p.driver})"
        if p.unreachable:
            drawn += f"; power < target vs {', '.join(p.unreachable)} even at the cap"
        return f"{dims}:{fan} -> {self.target.describe()}; {drawn}"


@dataclass(frozen=True)
class Result:
    """The outcome of :func:`verify`: ``rows`` (one per check and shape) and ``passed``."""

    name: str
    law: str
    params: dict[str, Param]
    layout: Layout
    seed: int
    calling: str
    alpha: float
    check_alpha: float
    shapes: tuple[ShapeInfo, ...]
    rows: tuple[Row, ...]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.rows)

    @property
    def failures(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if not r.passed)

    def as_dict(self) -> dict[str, object]:
        return {
            "initializer": self.name, "law": self.law, "params": self.params,
            "layout": self.layout, "seed": self.seed, "calling": self.calling,
            "alpha": self.alpha, "check_alpha": self.check_alpha, "passed": self.passed,
            "shapes": [s.describe() for s in self.shapes],
            "rows": [r.as_dict() for r in self.rows],
        }  # fmt: skip


def _seed(seed: int, shape_index: int, call: int) -> int:
    """A derived seed per (shape, call), reproducible from the run's seed."""
    return int(np.random.SeedSequence([seed, shape_index, call]).generate_state(1)[0])


def verify(
    fn: Callable[..., Any],
    law: str,
    *,
    shapes: Sequence[Sequence[int]] | None = None,
    seed: int = 0,
    layout: Layout = "torch",
    convention: str = "auto",
    alpha: float = RUN_ALPHA,
    power: float = POWER,
    name: str | None = None,
    **params: object,
) -> Result:
    """Check that ``fn`` draws from ``law`` (a name in :data:`winit.verify.LAWS`) with ``params``.

    Bad arguments (unknown law or parameter, bad shape, an initializer that raises or returns no
    array) raise a one-line ``ValueError``; a failing check does not raise: see ``.passed``.
    ``convention`` is ``auto``, ``numpy``, ``factory`` or ``torch`` (see
    :mod:`winit.verify.adapters`); ``alpha`` is the whole run's false-alarm budget and ``power``
    the power every statistical check must reach against each named error of its law.
    """
    lw = get_law(law)
    choice("layout", layout, LAYOUTS)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    if not (0.0 < alpha < 1.0 and 0.0 < power < 1.0):
        raise ValueError(f"alpha and power must lie in (0, 1), got {alpha}, {power}")
    resolved = resolve(law, params)
    dims = [
        shape_of(s, min_ndim=2 if lw.needs_fans else 1) for s in shapes or default_shapes(layout)
    ]
    caller = make_caller(fn, lw.params, {k: resolved[k] for k in params}, layout, convention)
    targets = [target(law, resolved, d, layout) for d in dims]
    n_checks = sum(statistical_checks(t) for t in targets)
    each = stats.bonferroni(alpha, n_checks) if n_checks else 0.0
    infos, rows = [], []
    for i, (d, t) in enumerate(zip(dims, targets, strict=True)):
        fan = fans(d, layout) if len(d) >= 2 else None
        alts = alternatives(law, resolved, t, *(fan or (1, 1)))
        per_call = min(t.rows, t.cols) if isinstance(t, Orthogonal) else math.prod(d)
        p = plan(t, alts, per_call, each, power)
        draws = [caller.draw(d, _seed(seed, i, j)) for j in range(p.calls)]
        again = caller.draw(d, _seed(seed, i, 0))
        infos.append(ShapeInfo(d, t, p, fan))
        rows += [Row(d, c, pw) for c, pw in shape_checks(t, d, draws, again, alts, each)]
    return Result(
        name or str(getattr(fn, "__qualname__", fn)), law, resolved, layout, seed,
        caller.describe(), alpha, each, tuple(infos), tuple(rows),
    )  # fmt: skip
