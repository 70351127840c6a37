"""Turning a seed into a ``numpy.random.Generator``, and the normal draws made from it: the only
source of randomness in winit.

Normal draws are made a block of :data:`BLOCK` values at a time, into the caller's array, so
each block is drawn, scaled and shifted while it is in the cache and nothing array-sized is
allocated beside the output. float64 keeps numpy's own generator (``standard_normal``, the
ziggurat: a seed gives the same numbers as one ``standard_normal`` call of the whole size).
float32 (and float16, drawn as float32) uses Box–Muller on numpy's float32 uniforms, which numpy
vectorises (``log``, ``sqrt``, ``sin``, ``cos``): about 3× faster than numpy's float32 ziggurat.
Its tail stops at :data:`BOX_MULLER_MAX_ABS`: numpy's float32 uniforms are multiples of
2^-:data:`FLOAT32_UNIFORM_BITS`, so the radius √(−2 ln v), v = 1 − u ∈ [2⁻²⁴, 1], is bounded
(:func:`box_muller_tail_mass` is the normal's probability beyond it).
"""

from __future__ import annotations

import math
from typing import cast

import numpy as np
from numpy.typing import NDArray

RngLike = np.random.Generator | int | np.integer
Floats = NDArray[np.floating]

#: Values drawn per block. Box–Muller pairs the first half of a block's uniforms (radii) with
#: the second half (angles), so this length is part of what a float32 seed gives. 65536 float32
#: values are 256 KiB: the block and its 128 KiB scratch stay in a core's L2 cache.
BLOCK = 65536
#: numpy's float32 uniforms (``Generator.random(dtype=np.float32)``) are k·2⁻²⁴, k < 2²⁴.
FLOAT32_UNIFORM_BITS = 24
#: The largest |z| float32 Box–Muller can give: the radius at the smallest v = 2⁻²⁴.
BOX_MULLER_MAX_ABS = math.sqrt(-2.0 * math.log(2.0**-FLOAT32_UNIFORM_BITS))
_TWO_PI = np.float32(2.0 * math.pi)
_FLOAT64 = np.dtype(np.float64)
#: the normal float32 range, as Python floats (compared with a Python float, no cast)
_F32_TINY, _F32_MAX = float(np.finfo(np.float32).tiny), float(np.finfo(np.float32).max)


def box_muller_tail_mass() -> float:
    """P(|Z| > :data:`BOX_MULLER_MAX_ABS`) for Z ~ N(0, 1): the mass float32 draws never reach."""
    return math.erfc(BOX_MULLER_MAX_ABS / math.sqrt(2.0))


def as_generator(rng: RngLike) -> np.random.Generator:
    """Return ``rng`` if it is a Generator, else ``numpy.random.default_rng(rng)`` for an int seed.

    There is deliberately no ``None`` (fresh OS entropy): every random thing in winit reproduces.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise ValueError(
        f"rng must be a numpy.random.Generator or a non-negative int seed, got {rng!r}"
    )


class Normal:
    """N(0, std²) draws of one dtype (float32 or float64) from ``gen``, written into vectors of at
    most :data:`BLOCK` values; ``scratch`` is its one buffer (half a block), free between calls.

    Args:
      gen: the generator every draw advances.
      dtype: float32 (Box–Muller) or float64 (numpy's ziggurat).
      size: the most values one call will fill (sizes the scratch buffer).
    """

    def __init__(self, gen: np.random.Generator, dtype: np.dtype[np.floating], size: int) -> None:
        self.gen = gen
        self.dtype = dtype
        self._ziggurat = dtype == _FLOAT64  # decided once (dtype to dtype: no conversion)
        self.scratch: Floats = np.empty(max(1, (min(size, BLOCK) + 1) // 2), dtype)

    def fill(self, out: Floats, std: float = 1.0) -> None:
        """Fill the contiguous vector ``out`` (``self.dtype``, at most :data:`BLOCK` values) with
        N(0, std²) draws, ``std`` >= 0."""
        if self._ziggurat:
            self.gen.standard_normal(out=cast("NDArray[np.float64]", out))
            if std != 1.0:
                np.multiply(out, std, out=out)
            return
        pairs = out.size // 2
        if pairs:
            self._box_muller(out[: 2 * pairs], std)
        if out.size % 2:
            last: Floats = np.empty(2, np.float32)
            self._box_muller(last, std)
            out[-1] = last[0]

    def _box_muller(self, out: Floats, std: float) -> None:
        """``out`` (even length 2h): uniforms u, then radii √(−2 std² ln(1 − u)) over the first h
        and angles 2πu over the last h, giving r·sin θ (first h) and r·cos θ (last h)."""
        h = out.size // 2
        self.gen.random(dtype=np.float32, out=out)
        r, theta, sin = out[:h], out[h:], self.scratch[:h]
        np.subtract(np.float32(1.0), r, out=r)  # exact: 1 - k·2⁻²⁴ ∈ [2⁻²⁴, 1]
        np.log(r, out=r)
        # std² folded into the radius when -2·std² is a normal float32; else scaled after.
        folded = _F32_TINY < 2.0 * std * std < _F32_MAX
        np.multiply(r, np.float32(-2.0 * std * std if folded else -2.0), out=r)
        np.sqrt(r, out=r)
        if not folded:
            np.multiply(r, np.float32(std), out=r)
        np.multiply(theta, _TWO_PI, out=theta)
        np.sin(theta, out=sin)
        np.cos(theta, out=theta)
        np.multiply(theta, r, out=theta)
        np.multiply(sin, r, out=r)
