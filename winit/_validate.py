"""Argument checks shared by the public functions: each raises a one-line ``ValueError``."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import DTypeLike

Shape = tuple[int, ...]
ShapeLike = int | Sequence[int]

FLOAT_DTYPES = ("float16", "float32", "float64")
#: The native-order float dtypes: accepted by a set lookup, without the (slow) name lookup.
_NATIVE_FLOATS = frozenset(np.dtype(name) for name in FLOAT_DTYPES)


def shape_of(shape: ShapeLike, *, min_ndim: int = 0, what: str = "shape") -> Shape:
    """Normalise ``shape`` to a tuple of positive ints, or raise a ``ValueError`` saying why."""
    dims: Iterable[object] = (shape,) if isinstance(shape, int | np.integer) else shape
    try:
        out = tuple(dims)
    except TypeError:
        raise ValueError(f"{what} must be an int or a sequence of ints, got {shape!r}") from None
    dims_ok: list[int] = []
    for d in out:
        if isinstance(d, bool) or not isinstance(d, int | np.integer) or d <= 0:
            raise ValueError(f"{what} must have positive integer dimensions, got {shape!r}")
        dims_ok.append(int(d))
    if len(out) < min_ndim:
        raise ValueError(
            f"{what} must have at least {min_ndim} dimensions for a fan-based initializer "
            f"(dense (out, in) or convolution (out, in, *kernel)), got {shape!r}"
        )
    return tuple(dims_ok)


def float_dtype(dtype: DTypeLike) -> np.dtype[np.floating]:
    """A floating numpy dtype, or a ``ValueError`` naming the accepted ones."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise ValueError(f"dtype must be one of {', '.join(FLOAT_DTYPES)}, got {dtype!r}") from None
    if dt in _NATIVE_FLOATS:
        return dt  # type: ignore[return-value]
    if dt.name not in FLOAT_DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(FLOAT_DTYPES)}, got {dt.name}")
    return dt  # type: ignore[return-value]


def finite(name: str, value: float, *, nonnegative: bool = False, positive: bool = False) -> float:
    """``value`` as a float, or a ``ValueError`` if it is not finite (or has the wrong sign)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {v}")
    if positive and v <= 0:
        raise ValueError(f"{name} must be > 0, got {v}")
    if nonnegative and v < 0:
        raise ValueError(f"{name} must be >= 0, got {v}")
    return v


def choice(name: str, value: str, accepted: Sequence[str]) -> str:
    """``value`` if it is one of ``accepted``, else a ``ValueError`` listing them."""
    if value not in accepted:
        raise ValueError(f"unknown {name} {value!r}; accepted: {', '.join(accepted)}")
    return value
