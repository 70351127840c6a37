"""``winit.verify(fn, law=...)``: draw from an initializer on a few shapes and check the draws
against the law it documents. The run's false-alarm budget (default 1e-6) is split evenly
(Bonferroni) over all statistical checks of all shapes; each shape gets enough draws, pooled
over calls with derived seeds, that every named error is rejected with the target power."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from winit import stats
from winit._validate import Shape, shape_of
from winit.fans import LAYOUTS as LAYOUT_NAMES
from winit.stats import POWER, RUN_ALPHA
from winit.verify.adapters import choose, make_caller
from winit.verify.checks import shape_checks, statistical_checks
from winit.verify.guard import time_limit
from winit.verify.laws import resolve
from winit.verify.layouts import LAYOUTS, Axes, layout_axes
from winit.verify.result import Result, Row, ShapeInfo
from winit.verify.sampling import alternatives, sampling

__all__ = ["Result", "Row", "verify"]

#: default shapes as (out, in, kernel): non-square, fan ratios 2, 4 and 2
DEFAULT_DIMS: tuple[tuple[int, int, tuple[int, ...]], ...] = (
    (256, 128, ()), (128, 512, ()), (64, 32, (3, 3)),
)  # fmt: skip
#: orthogonal laws also get small square shapes, where the sign and determinant conventions of
#: a non-Haar construction show most (a 2x2 QR without the sign fix is one of 2 matrices' signs)
SMALL_SQUARE = ((2, 2, ()), (5, 5, ()), (16, 16, ()))
#: the most elements one call may draw, and all calls of one shape together: checked before
#: anything is allocated (a float32 draw of MAX_ELEMENTS is 64 MiB; the pooled float64 copy of
#: MAX_POOLED elements 1 GiB)
MAX_ELEMENTS = 2**24
MAX_POOLED = 2**27


def default_shapes(axes: Axes, orthogonal: bool = False) -> tuple[Shape, ...]:
    """The default shapes placed in a named layout's axes (explicit axes need ``shapes``)."""
    if axes.batch_axis or len(axes.in_axis) != 1 or len(axes.out_axis) != 1:
        raise ValueError("explicit --in-axis/--out-axis/--batch-axis need --shapes")
    dims = DEFAULT_DIMS + (SMALL_SQUARE if orthogonal else ())
    return tuple(axes.place(out, inp, k) for out, inp, k in dims)


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
    timeout: float | None = None,
    **params: object,
) -> Result:
    """Check that ``fn`` draws from ``law`` (a name or alias in :data:`winit.verify.LAWS`) with
    ``params``.

    Args:
      fn: the initializer, in any convention of :data:`winit.verify.adapters.CONVENTIONS`.
      law: the documented law, e.g. ``"glorot_normal"``.
      shapes: weight shapes to draw (default: three non-square ones in the layout, plus small
        square ones for orthogonal laws); at most ``MAX_ELEMENTS`` elements each.
      seed: the run's seed; every call's seed derives from it.
      layout: ``torch``, ``keras`` or ``mlx`` (default: the convention's own).
      in_axis, out_axis, batch_axis: explicit axes instead of ``layout`` (as JAX's
        ``variance_scaling``); passed to ``fn`` too if it takes them.
      convention: ``auto`` (detected) or a name in ``CONVENTIONS``.
      renames: winit parameter name → ``fn``'s name for it, beyond the built-in synonyms.
      alpha: the whole run's false-alarm budget (Bonferroni over all statistical checks).
      power: the power every statistical check must reach against each named error.
      name: the initializer's name in the result.
      timeout: seconds each call of ``fn`` may take (``None``: no limit; see
        :mod:`winit.verify.guard`).
      **params: the law's parameters (see ``winit verify --list-laws``).

    Returns:
      A :class:`Result`: falsy when a check fails, ``str()`` its table. Bad arguments (unknown
      law or parameter, bad or too large shape) raise a one-line ``ValueError``; code under
      check that raises, exits, hangs past ``timeout`` or returns no array raises its subclass
      :class:`~winit.verify.guard.UserCodeError`; a failing check does not raise.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    if not (0.0 < alpha < 1.0 and 0.0 < power < 1.0):
        raise ValueError(f"alpha and power must lie in (0, 1), got {alpha}, {power}")
    resolved = resolve(law, params)
    conv, reason = choose(fn, resolved.law.params, convention)
    explicit = layout_axes(layout, in_axis, out_axis, batch_axis)
    axes = explicit or LAYOUTS[conv.layout]
    extra: dict[str, object] = {}
    if axes.name.split(" ")[0] in LAYOUT_NAMES:
        extra["layout"] = axes.name.split(" ")[0]
    if in_axis is not None and out_axis is not None:
        extra.update(in_axis=_axis_arg(in_axis), out_axis=_axis_arg(out_axis))
        if batch_axis:
            extra["batch_axis"] = _axis_arg(batch_axis)
    dims = [
        _sized(shape_of(s, min_ndim=2 if resolved.law.needs_fans else 1))
        for s in shapes or default_shapes(axes, resolved.family == "orthogonal")
    ]
    targets = [resolved.target(d, axes) for d in dims]
    n_checks = sum(statistical_checks(t) for t in targets)
    each = stats.bonferroni(alpha, n_checks) if n_checks else 0.0
    plans = []
    for d, t in zip(dims, targets, strict=True):
        fan = axes.fans(d) if len(d) >= 2 else None
        alts = alternatives(resolved, t, *(fan or (1, 1)))
        s = sampling(t, alts, d, each, power)
        _pooled(d, s.calls)
        plans.append((d, t, fan, alts, s))
    with time_limit(timeout):
        caller = make_caller(fn, resolved, conv, reason, extra=extra, renames=renames)
        infos, rows = [], []
        for i, (d, t, fan, alts, s) in enumerate(plans):
            draws = [caller.draw(d, _seed(seed, i, j)) for j in range(s.calls)]
            again = caller.draw(d, _seed(seed, i, 0))
            infos.append(ShapeInfo(d, t, s, fan))
            rows += [
                Row(d, c, pw, dx) for c, pw, dx in shape_checks(t, d, draws, again, alts, each)
            ]
    return Result(
        name or str(getattr(fn, "__qualname__", fn)), resolved.name, dict(resolved.params),
        axes.describe(), seed, caller.describe(), alpha, each, tuple(infos), tuple(rows),
    )  # fmt: skip


def _sized(shape: Shape) -> Shape:
    """``shape`` if one draw of it has at most :data:`MAX_ELEMENTS` elements."""
    if math.prod(shape) > MAX_ELEMENTS:
        raise ValueError(
            f"shape {'x'.join(map(str, shape))} has {math.prod(shape)} elements; accepted: at "
            f"most {MAX_ELEMENTS} (2^24) per shape"
        )
    return shape


def _pooled(shape: Shape, calls: int) -> None:
    """Refuse a shape whose calls together would draw more than :data:`MAX_POOLED` elements."""
    total = calls * math.prod(shape)
    if total > MAX_POOLED:
        raise ValueError(
            f"shape {'x'.join(map(str, shape))} needs {calls} calls = {total} elements for its "
            f"checks' power; accepted: at most {MAX_POOLED} (2^27) per shape (use a smaller shape)"
        )


def _axis_arg(axes: Sequence[int]) -> int | tuple[int, ...]:
    """One axis as an int (as JAX's defaults are), several as a tuple."""
    return axes[0] if len(axes) == 1 else tuple(axes)
