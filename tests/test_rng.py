"""The block-wise normal and uniform generators (winit.rng): float32 normals are Box–Muller on
numpy's float32 uniforms, float64 normals and all uniforms are numpy's own streams; the laws
pass ``winit.verify`` in both dtypes, across block boundaries; the float32 tail reaches its
stated maximum and carries the normal's tail mass below it; nothing array-sized is allocated
beside the result.

Statistics: ``winit.verify`` spends its default run budget (alpha 1e-6, power 0.999 against its
named errors); the tail check states its alpha and its power, both computed. Every draw comes
from a fixed seed, so the suite cannot flake.
"""

from __future__ import annotations

import functools
import math
import tracemalloc
from collections.abc import Callable
from typing import Any, cast

import numpy as np
import pytest

import winit
from tests.draws import standard_float32
from winit import stats
from winit.rng import BLOCK, BOX_MULLER_MAX_ABS, FLOAT32_UNIFORM_BITS, Normal, box_muller_tail_mass
from winit.verify import verify

SEED = 5
#: Lengths around the block structure: one value (a lone pair's first half), odd and even
#: blocks, and two blocks plus an odd tail.
LENGTHS = [1, 2, 7, BLOCK - 1, BLOCK, 2 * BLOCK + 5]
EPS32 = float(np.finfo(np.float32).eps)
#: float32 rounding of a Box–Muller value against float64 arithmetic from the same uniforms:
#: the angle 2πu carries two roundings (≤ 2π·eps32 absolute), the radius' log, product and sqrt
#: three relative ones, sin/cos numpy's documented ≤ 4 ulp; times the largest radius.
BOX_MULLER_TOL = BOX_MULLER_MAX_ABS * (2 * math.pi + 8) * EPS32


def _reference(seed: int, n: int, *, pairs: str = "halves") -> np.ndarray:
    """Box–Muller in float64 from the generator's float32 uniforms, block by block as
    documented: a block's first half of uniforms are radii, its second half angles (first half
    of the output r·sin θ, second r·cos θ); an odd block ends with one extra pair's r·sin θ.
    ``pairs="interleaved"`` pairs neighbours instead (a different, wrong stream)."""
    gen = np.random.default_rng(seed)
    out = []
    for start in range(0, n, BLOCK):
        m = min(BLOCK, n - start)
        h = m // 2
        u = gen.random(2 * h, dtype=np.float32).astype(np.float64)
        radius_u, angle_u = (u[:h], u[h:]) if pairs == "halves" else (u[0::2], u[1::2])
        r = np.sqrt(-2.0 * np.log(1.0 - radius_u))
        theta = 2.0 * math.pi * angle_u
        out += [r * np.sin(theta), r * np.cos(theta)]
        if m % 2:
            last = gen.random(2, dtype=np.float32).astype(np.float64)
            out.append(np.sqrt(-2.0 * np.log(1.0 - last[:1])) * np.sin(2.0 * math.pi * last[1:]))
    return np.concatenate(out)


@pytest.mark.parametrize("n", LENGTHS)
def test_standard_float32_is_box_muller_of_the_float32_uniforms(n: int) -> None:
    np.testing.assert_allclose(
        standard_float32(np.random.default_rng(SEED), (n,)),
        _reference(SEED, n),
        rtol=0,
        atol=BOX_MULLER_TOL,
    )


@pytest.mark.parametrize("n", LENGTHS)
def test_float32_normal_is_box_muller_of_the_float32_uniforms(n: int) -> None:
    w = winit.normal()(n, SEED)
    assert w.dtype == np.float32
    np.testing.assert_allclose(w, _reference(SEED, n), rtol=0, atol=BOX_MULLER_TOL)


def test_the_reference_tells_a_wrong_pairing() -> None:
    """The comparison above can fail: pairing neighbouring uniforms gives O(1) differences."""
    w = winit.normal()(BLOCK, SEED)
    assert np.max(np.abs(w - _reference(SEED, BLOCK, pairs="interleaved"))) > 1.0


@pytest.mark.parametrize("n", LENGTHS)
def test_float64_normal_is_numpys_own_stream(n: int) -> None:
    """float64 keeps numpy's ziggurat: the same numbers as one ``standard_normal`` call of the
    whole size, scaled and shifted in float64."""
    w = winit.normal(0.5, 0.3)(n, SEED, np.float64)
    expected = np.random.default_rng(SEED).standard_normal(n) * 0.3 + 0.5
    np.testing.assert_array_equal(w, expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", LENGTHS)
def test_uniform_is_numpys_own_stream(n: int, dtype: type) -> None:
    w = winit.uniform(-1.0, 3.0)(n, SEED, dtype)
    base = np.random.default_rng(SEED).random(n, dtype=dtype)
    np.testing.assert_array_equal(w, base * dtype(4.0) + dtype(-1.0))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize(
    "init",
    [winit.normal(0.1, 0.02), winit.truncated_normal(0.0, 0.5), winit.uniform(-1.0, 1.0),
     winit.glorot_normal, winit.he_uniform],
    ids=["normal", "truncated_normal", "uniform", "glorot_normal", "he_uniform"],
)  # fmt: skip
def test_seed_reproduces_across_blocks(init: winit.Initializer, dtype: type) -> None:
    shape = (2 * BLOCK // 64 + 1, 64)
    a, b = init(shape, SEED, dtype), init(shape, SEED, dtype)
    assert a.dtype == dtype
    assert a.shape == shape
    np.testing.assert_array_equal(a, b)
    assert np.mean(a == init(shape, SEED + 1, dtype)) < 0.01


def test_float16_is_the_float32_result_rounded_once() -> None:
    shape = (BLOCK + 9,)
    for init in (winit.normal(0.1, 0.02), winit.truncated_normal(0.0, 0.5)):
        w16, w32 = init(shape, SEED, np.float16), init(shape, SEED, np.float32)
        np.testing.assert_array_equal(w16, w32.astype(np.float16))


#: (initializer, law, params) in both dtypes, on a shape of more than two blocks (odd length:
#: the lone last pair too) and the conv shape verify uses by default.
LAW_CASES: list[tuple[str, Callable[..., Any], str, dict[str, Any]]] = [
    ("normal", winit.normal(0.1, 0.3), "normal", {"mean": 0.1, "std": 0.3}),
    ("glorot_normal", winit.glorot_normal, "glorot_normal", {}),
    ("he_normal", winit.he_normal, "he_normal", {}),
    ("lecun_normal", winit.lecun_normal, "lecun_normal", {}),
    ("truncated_normal", winit.truncated_normal(0.1, 0.5), "truncated_normal", {"mean": 0.1, "std": 0.5}),
    ("uniform", winit.uniform(-0.2, 0.4), "uniform", {"a": -0.2, "b": 0.4}),
]  # fmt: skip


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("fn", "law", "params"), [c[1:] for c in LAW_CASES], ids=[c[0] for c in LAW_CASES])  # fmt: skip
def test_block_generators_pass_winit_verify(
    fn: Callable[..., Any], law: str, params: dict[str, Any], dtype: type
) -> None:
    init = functools.partial(fn, dtype=dtype)
    result = verify(init, law, shapes=[(2 * BLOCK // 256 + 1, 257), (16, 8, 3, 3)], convention="numpy", name=f"{law} {dtype.__name__}", **params)  # fmt: skip
    assert result.passed, "; ".join(f"{r.shape} {r.check.name}={r.check.measured:.6g}" for r in result.failures)  # fmt: skip


def test_tail_bound_is_computed_from_the_uniforms() -> None:
    """The largest |z| is the radius at the smallest 1 − u = 2⁻²⁴; the mass beyond it is the
    normal's two-sided tail there (computed two ways)."""
    assert math.sqrt(2 * FLOAT32_UNIFORM_BITS * math.log(2)) == BOX_MULLER_MAX_ABS
    assert box_muller_tail_mass() == pytest.approx(2 * (1 - stats.norm_cdf(BOX_MULLER_MAX_ABS)), rel=1e-6)  # fmt: skip


class _Extreme:
    """A stand-in generator giving the largest float32 uniform, 1 − 2⁻²⁴, to the first half of
    a block (radii: every radius is the largest) and 0 to the second (angles)."""

    def random(self, *, dtype: type, out: np.ndarray) -> np.ndarray:
        h = out.size // 2
        out[:h] = 1 - 2.0**-FLOAT32_UNIFORM_BITS
        out[h:] = 0
        return out


def test_float32_reaches_its_largest_value_and_no_further() -> None:
    normal = Normal(cast(np.random.Generator, _Extreme()), np.dtype(np.float32), 4)
    out = np.empty(4, np.float32)
    normal.fill(out)
    np.testing.assert_allclose(out, [0, 0, BOX_MULLER_MAX_ABS, BOX_MULLER_MAX_ABS], rtol=EPS32)
    draws = winit.normal()(1 << 22, SEED)
    assert np.max(np.abs(draws)) <= np.float32(BOX_MULLER_MAX_ABS)


#: |z| beyond this in 2²⁰ float32 draws: P = 4.7e-4, about 488 expected.
TAIL_Z = 3.5
TAIL_ALPHA = 1e-6


def test_float32_tail_mass_is_the_normal_one() -> None:
    """Exact two-sided binomial test of the count beyond ±3.5 at alpha 1e-6, with its power
    against a tail half as heavy (a generator that loses the tail's last bits)."""
    n = 1 << 20
    draws = winit.normal()(n, SEED)
    p = math.erfc(TAIL_Z / math.sqrt(2.0))
    beyond = int(np.count_nonzero(np.abs(draws) > TAIL_Z))
    check = stats.binomial_check(f"P(|z| > {TAIL_Z:g})", beyond, n, p, TAIL_ALPHA, against=p / 2)
    assert check.power is not None
    assert check.power > 0.999
    assert check.passed, check


#: initializers whose extra memory (beyond the result) must stay within a bound: 5 % of it,
#: orthogonal 2x (its block QRs and projections).
MEMORY_CASES = {
    "normal": winit.normal(0.1, 0.02),
    "truncated_normal": winit.truncated_normal(0.0, 0.02),
    "uniform": winit.uniform(-0.05, 0.05),
    "glorot_normal": winit.glorot_normal,
    "he_uniform": winit.he_uniform,
    "variance_scaling": winit.variance_scaling(),
    "orthogonal": winit.orthogonal(),
}
MEMORY_LIMIT = {"orthogonal": 2.0}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(MEMORY_CASES))
def test_extra_memory_is_within_its_bound(name: str, dtype: type) -> None:
    """Traced peak beyond the result (numpy reports its buffers to tracemalloc; LAPACK's own
    workspace is not counted), on the bench's conv shape: the blocks' scratch, never an
    array-sized temporary."""
    shape = (512, 256, 3, 3)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        w = MEMORY_CASES[name](shape, SEED, dtype)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (peak - before - w.nbytes) / w.nbytes <= MEMORY_LIMIT.get(name, 0.05)


@pytest.mark.parametrize("std", [0.0, 1e-25, 1e25])
def test_float32_std_outside_the_folded_range_scales_after(std: float) -> None:
    """When −2·std² is no normal float32 (std² under- or overflows), the std multiplies the
    radius instead of being folded into it: the same draws, scaled, still finite."""
    w = winit.normal(0.0, std)(BLOCK + 3, SEED)
    base = winit.normal()(BLOCK + 3, SEED)
    assert np.all(np.isfinite(w))
    np.testing.assert_allclose(w, base * np.float32(std), rtol=4 * EPS32, atol=0)
