"""Where a weight shape keeps its input and output dimensions: the named layouts the frameworks
use, or explicit axes as ``jax.nn.initializers.variance_scaling(in_axis, out_axis, batch_axis)``
takes them. Fans are winit's own (:func:`winit.fans.fans`): the shape is read as a torch-layout
``(out, in, *receptive)`` shape whose dims are the products of the out, in and remaining axes
(batch axes are left out of the receptive field, as in JAX)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from winit._validate import Shape
from winit.fans import fans


@dataclass(frozen=True)
class Axes:
    """The input, output and batch axes of a weight shape (negative = from the end)."""

    in_axis: tuple[int, ...]
    out_axis: tuple[int, ...]
    batch_axis: tuple[int, ...] = ()
    name: str = "explicit axes"

    def describe(self) -> str:
        if self.name != "explicit axes":
            return self.name
        batch = f", batch_axis={self.batch_axis}" if self.batch_axis else ""
        return f"in_axis={self.in_axis}, out_axis={self.out_axis}{batch}"

    def _resolve(self, shape: Shape) -> tuple[list[int], list[int], list[int]]:
        n = len(shape)
        groups = []
        for what, axes in (
            ("in", self.in_axis),
            ("out", self.out_axis),
            ("batch", self.batch_axis),
        ):
            if any(not -n <= a < n for a in axes):
                raise ValueError(f"{what} axis {axes} is out of range for shape {shape}")
            groups.append([a % n for a in axes])
        flat = [a for g in groups for a in g]
        if len(set(flat)) != len(flat):
            raise ValueError(f"the in, out and batch axes {flat} of shape {shape} overlap")
        return groups[0], groups[1], groups[2]

    def torch_shape(self, shape: Shape) -> Shape:
        """``(prod(out dims), prod(in dims), *the other dims but batch)``."""
        ins, outs, batch = self._resolve(shape)
        rest = [d for i, d in enumerate(shape) if i not in {*ins, *outs, *batch}]
        return (
            math.prod(shape[i] for i in outs),
            math.prod(shape[i] for i in ins),
            *rest,
        )

    def fans(self, shape: Shape) -> tuple[int, int]:
        """``(fan_in, fan_out)`` of ``shape`` read with these axes."""
        return fans(self.torch_shape(shape), "torch")

    def matrix_shape(self, shape: Shape) -> tuple[int, int]:
        """``(rows, cols)`` of :meth:`matrix` for ``shape``, without a draw."""
        _, outs, _ = self._resolve(shape)
        rows = math.prod(shape[i] for i in outs)
        return rows, math.prod(shape) // rows

    def matrix(self, draw: NDArray[np.floating], shape: Shape) -> NDArray[np.float64]:
        """``draw`` as the matrix an orthogonal initializer makes: the output axes as rows, all
        other axes flattened (in order) as columns."""
        _, outs, _ = self._resolve(shape)
        moved = np.moveaxis(draw.astype(np.float64), outs, list(range(len(outs))))
        return moved.reshape(self.matrix_shape(shape))

    def place(self, out: int, inp: int, kernel: Sequence[int]) -> Shape:
        """A shape with ``out`` and ``inp`` at this layout's axes and ``kernel`` elsewhere (named
        layouts with one in and one out axis and no batch axis only)."""
        dims: list[int | None] = [None] * (2 + len(kernel))
        n = len(dims)
        dims[self.out_axis[0] % n] = out
        dims[self.in_axis[0] % n] = inp
        it = iter(kernel)
        return tuple(next(it) if d is None else d for d in dims)


#: the layouts frameworks use: torch (out, in, *k), keras/jax/haiku (*k, in, out), mlx (out, *k, in)
LAYOUTS: Mapping[str, Axes] = {
    "torch": Axes((1,), (0,), name="torch (out, in, *kernel)"),
    "keras": Axes((-2,), (-1,), name="keras (*kernel, in, out)"),
    "mlx": Axes((-1,), (0,), name="mlx (out, *kernel, in)"),
}


def layout_axes(
    layout: str | None,
    in_axis: Sequence[int] | None = None,
    out_axis: Sequence[int] | None = None,
    batch_axis: Sequence[int] = (),
) -> Axes | None:
    """The :class:`Axes` of a named layout, or explicit ones (both ``in_axis`` and ``out_axis``);
    ``None`` if neither is given (the convention's own layout applies)."""
    if in_axis is not None or out_axis is not None or batch_axis:
        if in_axis is None or out_axis is None:
            raise ValueError("explicit axes need both --in-axis and --out-axis")
        if layout is not None:
            raise ValueError("give either --layout or explicit --in-axis/--out-axis, not both")
        return Axes(tuple(in_axis), tuple(out_axis), tuple(batch_axis))
    if layout is None:
        return None
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; accepted: {', '.join(LAYOUTS)}")
    return LAYOUTS[layout]
