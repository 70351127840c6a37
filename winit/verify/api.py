"""``winit.verify(fn, law=...)``: draw from an initializer on a few shapes and check the draws
against the law it documents. The run's false-alarm budget (default 1e-6) is split evenly
(Bonferroni) over all statistical checks of all shapes; each shape gets enough draws, pooled
over calls with derived seeds, that every named error is rejected with the target power."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from winit import stats
from winit._validate import Shape, shape_of
from winit.fans import LAYOUTS as LAYOUT_NAMES
from winit.stats import POWER, RUN_ALPHA
from winit.verify.adapters import CONVENTIONS, choose, make_caller
from winit.verify.checks import Powers, shape_checks, statistical_checks
from winit.verify.distributions import Orthogonal, Target
from winit.verify.laws import Param, canonical, get_law, resolve, target
from winit.verify.layouts import LAYOUTS, Axes, layout_axes
from winit.verify.plan import Plan, alternatives, plan

#: default shapes as (out, in, kernel): non-square, fan ratios 2, 4 and 2
DEFAULT_DIMS: tuple[tuple[int, int, tuple[int, ...]], ...] = (
    (256, 128, ()), (128, 512, ()), (64, 32, (3, 3)),
)  # fmt: skip
#: orthogonal laws also get small square shapes, where the sign and determinant conventions of
#: a non-Haar construction show most (a 2x2 QR without the sign fix is one of 2 matrices' signs)
SMALL_SQUARE = ((2, 2, ()), (5, 5, ()), (16, 16, ()))


def default_shapes(axes: Axes, orthogonal: bool = False) -> tuple[Shape, ...]:
    """The default shapes placed in a named layout's axes (explicit axes need ``shapes``)."""
    if axes.batch_axis or len(axes.in_axis) != 1 or len(axes.out_axis) != 1:
        raise ValueError("explicit --in-axis/--out-axis/--batch-axis need --shapes")
    dims = DEFAULT_DIMS + (SMALL_SQUARE if orthogonal else ())
    return tuple(axes.place(out, inp, k) for out, inp, k in dims)


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
    plan: Plan
    fans: tuple[int, int] | None

    def describe(self) -> str:
        dims = "x".join(map(str, self.shape))
        fan = f" fan_in={self.fans[0]} fan_out={self.fans[1]}" if self.fans else ""
        unit = "diagonal signs" if isinstance(self.target, Orthogonal) else "draws"
        p = self.plan
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
        rows = "; ".join(
            f"{'x'.join(map(str, r.shape))} {r.diagnosis or f'{r.check.name} {r.check.measured:.4g} not in [{r.check.low:.4g}, {r.check.high:.4g}]'}"
            for r in self.failures
        )
        return f"<verify {self.name} vs {self.law}: FAILED {len(self.failures)} of {len(self.rows)}: {rows}>"

    def __str__(self) -> str:
        """The readable table (header, one row per check and shape, powers, verdict)."""
        from winit.verify.table import render  # table imports this module

        return render(self)

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
    layout: str | None = None,
    in_axis: Sequence[int] | None = None,
    out_axis: Sequence[int] | None = None,
    batch_axis: Sequence[int] = (),
    convention: str = "auto",
    renames: Mapping[str, str] | None = None,
    alpha: float = RUN_ALPHA,
    power: float = POWER,
    name: str | None = None,
    **params: object,
) -> Result:
    """Check that ``fn`` draws from ``law`` (a name or alias in :data:`winit.verify.LAWS`) with
    ``params``.

    Args:
      fn: the initializer, in any convention of :data:`winit.verify.adapters.CONVENTIONS`.
      law: the documented law, e.g. ``"glorot_normal"``.
      shapes: weight shapes to draw (default: three non-square ones in the layout, plus small
        square ones for orthogonal laws).
      seed: the run's seed; every call's seed derives from it.
      layout: ``torch``, ``keras`` or ``mlx`` (default: the convention's own).
      in_axis, out_axis, batch_axis: explicit axes instead of ``layout`` (as JAX's
        ``variance_scaling``); passed to ``fn`` too if it takes them.
      convention: ``auto`` (detected) or a name in ``CONVENTIONS``.
      renames: winit parameter name → ``fn``'s name for it, beyond the built-in synonyms.
      alpha: the whole run's false-alarm budget (Bonferroni over all statistical checks).
      power: the power every statistical check must reach against each named error.
      name: the initializer's name in the result.
      **params: the law's parameters (see ``winit verify --list-laws``).

    Returns:
      A :class:`Result`: falsy when a check fails, ``str()`` its table. Bad arguments (unknown
      law or parameter, bad shape, an initializer that raises or returns no array) raise a
      one-line ``ValueError``; a failing check does not raise.
    """
    law = canonical(law)
    lw = get_law(law)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    if not (0.0 < alpha < 1.0 and 0.0 < power < 1.0):
        raise ValueError(f"alpha and power must lie in (0, 1), got {alpha}, {power}")
    resolved = resolve(law, params)
    conv, reason = choose(fn, lw.params, convention)
    explicit = layout_axes(layout, in_axis, out_axis, batch_axis)
    axes = explicit or LAYOUTS[CONVENTIONS[conv].layout]
    extra: dict[str, object] = {}
    if axes.name.split(" ")[0] in LAYOUT_NAMES:
        extra["layout"] = axes.name.split(" ")[0]
    if in_axis is not None and out_axis is not None:
        extra.update(in_axis=_axis_arg(in_axis), out_axis=_axis_arg(out_axis))
        if batch_axis:
            extra["batch_axis"] = _axis_arg(batch_axis)
    orthogonal = lw.family == "orthogonal"
    dims = [
        shape_of(s, min_ndim=2 if lw.needs_fans else 1)
        for s in shapes or default_shapes(axes, orthogonal)
    ]
    caller = make_caller(
        fn, lw.params, {k: resolved[k] for k in params}, lw.family, extra=extra,
        convention=conv, reason=reason, renames=renames,
    )  # fmt: skip
    targets = [target(law, resolved, d, axes) for d in dims]
    n_checks = sum(statistical_checks(t) for t in targets)
    each = stats.bonferroni(alpha, n_checks) if n_checks else 0.0
    infos, rows = [], []
    for i, (d, t) in enumerate(zip(dims, targets, strict=True)):
        fan = axes.fans(d) if len(d) >= 2 else None
        alts = alternatives(law, resolved, t, *(fan or (1, 1)))
        p = plan(t, alts, d, each, power)
        draws = [caller.draw(d, _seed(seed, i, j)) for j in range(p.calls)]
        again = caller.draw(d, _seed(seed, i, 0))
        infos.append(ShapeInfo(d, t, p, fan))
        rows += [Row(d, c, pw, dx) for c, pw, dx in shape_checks(t, d, draws, again, alts, each)]
    return Result(
        name or str(getattr(fn, "__qualname__", fn)), law, resolved, axes.describe(), seed,
        caller.describe(), alpha, each, tuple(infos), tuple(rows),
    )  # fmt: skip


def _axis_arg(axes: Sequence[int]) -> int | tuple[int, ...]:
    """One axis as an int (as JAX's defaults are), several as a tuple."""
    return axes[0] if len(axes) == 1 else tuple(axes)
