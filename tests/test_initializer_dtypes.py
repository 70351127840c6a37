"""Initializers in the requested dtype: float32/float16 results made from the generator's
float32 stream (the module's promise: no float64 intermediate), constants and identity as
value·1 and gain·I bit for bit in each dtype (signed zeros included).

Every factory is called inside the test body, so the test exercises the call it names (an
initializer built at import time is not attributed to any test by a mutation tool).
All checks are exact recomputations from the same seed (to a few float32 ulp where the std is
folded into the Box–Muller radius); nothing here is statistical.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

import winit
from tests.draws import standard_float32
from winit.rng import Normal

SHAPE = (40, 30)  # torch layout: fan_in 30
SEED = 11
LOW_PRECISION = [np.float32, np.float16]


def _affine32(x: np.ndarray, scale: float, shift: float) -> np.ndarray:
    """``x·scale + shift`` in float32 arithmetic, as a float32 result is made."""
    return x * np.float32(scale) + np.float32(shift)


@pytest.mark.parametrize(
    ("value", "dtype"), [(-0.75, np.float16), (0.25, np.float32), (1e-300, np.float64)]
)
def test_constant_is_made_in_the_requested_dtype(value: float, dtype: type) -> None:
    w = winit.constant(value)((2, 3), 0, dtype)
    assert w.dtype == dtype
    assert np.all(w == dtype(value))


def _uniform32(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.random(shape, dtype=np.float32)


@pytest.mark.parametrize("dtype", LOW_PRECISION)
@pytest.mark.parametrize(
    ("law", "draw", "scale", "shift"),
    [
        (lambda: winit.normal(0.5, 2.0), standard_float32, 2.0, 0.5),
        (lambda: winit.uniform(-1.0, 3.0), _uniform32, 4.0, -1.0),
    ],
    ids=["normal", "uniform"],
)
def test_low_precision_laws_use_the_float32_stream(
    law: Callable[[], winit.Initializer],
    draw: Callable[[np.random.Generator, tuple[int, ...]], np.ndarray],
    scale: float,
    shift: float,
    dtype: type,
) -> None:
    """float32 and float16 results are the generator's float32 draws (Box–Muller for the
    normal), scaled and shifted in float32 (float16 then rounded once); float64 draws would be a
    different stream. std 2 keeps the normal's folded scale exact: √(−2·4·ln v) = 2·√(−2 ln v)."""
    w = law()(SHAPE, SEED, dtype)
    base = draw(np.random.default_rng(SEED), SHAPE)
    assert w.dtype == dtype
    np.testing.assert_array_equal(w, _affine32(base, scale, shift).astype(dtype))


@pytest.mark.parametrize(
    ("law", "scale", "shift"),
    [
        (lambda: winit.truncated_normal(0.1, 0.5), 0.5 / winit.TRUNCATED_STD, 0.1),
        (lambda: winit.variance_scaling(2.0, "fan_in", "truncated_normal"),
         math.sqrt(2.0 / 30) / winit.TRUNCATED_STD, 0.0),
    ],
    ids=["truncated_normal", "variance_scaling"],
)  # fmt: skip
def test_truncated_float32_draws_and_redraws_use_the_float32_stream(
    law: Callable[[], winit.Initializer], scale: float, shift: float
) -> None:
    """The truncated normal is rejection sampling on the float32 stream: a first draw within ±2
    is kept as drawn, and the ones outside are replaced by later draws of the same stream: a
    chunk of the scratch's length at a time, as many per round as are still outside."""
    w = law()(SHAPE, SEED, np.float32)
    rng = np.random.default_rng(SEED)
    first = standard_float32(rng, SHAPE)
    normal, rounds = Normal(rng, np.dtype(np.float32), first.size), []
    for chunk in np.split(
        first.ravel(), range(normal.scratch.size, first.size, normal.scratch.size)
    ):
        outside = np.abs(chunk) > 2.0
        while outside.any():
            rounds.append(np.empty(np.count_nonzero(outside), np.float32))
            normal.fill(rounds[-1])
            outside = np.abs(rounds[-1]) > 2.0
    later = np.concatenate(rounds)
    kept = np.abs(first) <= 2.0
    assert w.dtype == np.float32
    assert np.count_nonzero(~kept) > 0  # about 4.6 % of 1200, so the redraw path is checked
    np.testing.assert_array_equal(w[kept], _affine32(first[kept], scale, shift))
    redrawn = _affine32(later[np.abs(later) <= 2.0], scale, shift)
    assert np.all(np.isin(w[~kept], redrawn))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("gain", [1.0, 2.5, 0.0, -1.0, -0.5, -0.0])
@pytest.mark.parametrize("shape", [(3, 5), (3, 3)])
def test_identity_is_gain_times_eye_bit_for_bit(
    gain: float, dtype: type, shape: tuple[int, int]
) -> None:
    """identity(gain=g) equals g·I in the requested dtype, signed zeros included: the zeros
    off the diagonal are +0 for a positive gain and -0 (= g·0) for a negative one."""
    w = winit.identity(shape, None, dtype, gain=gain)
    expected: np.ndarray = (gain * np.eye(*shape)).astype(dtype)
    assert w.dtype == dtype
    np.testing.assert_array_equal(w, expected)
    np.testing.assert_array_equal(np.signbit(w), np.signbit(expected))


def test_float32_draws_without_float64_intermediate() -> None:
    """float32 output is drawn in float32: it is the float32 Box–Muller stream times the std
    (folded into the radius: a few ulp from scaling after), not numpy's float64 stream."""
    w = winit.glorot_normal((64, 32), 9)
    std = math.sqrt(2 / 96)
    base = standard_float32(np.random.default_rng(9), (64, 32))
    np.testing.assert_allclose(w, base * np.float32(std), rtol=4 * float(np.finfo(np.float32).eps))
    float64_stream = np.random.default_rng(9).standard_normal((64, 32)) * std
    assert np.max(np.abs(w - float64_stream)) > std
