"""The checks of one group of tensors that share a law: pooled, standardised values against the
standardised law (mean, variance, shape, each at the group's share of the run's alpha, with its
power against every named error), the largest value against the law's own tail for that many
draws, and the exact checks (a constant's value, an orthogonal matrix's Gram matrix, finite
values, no value that looks like uninitialised memory).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from winit import stats
from winit.audit.adapter import (
    TRUNCATED_STD,
    Alternative,
    Constant,
    ElementLaw,
    Orthogonal,
    Row,
    TruncatedNormal,
    Uniform,
    diagnose,
    power,
)
from winit.stats import Check

Floats = NDArray[np.float64]
#: a tensor's values in its own float dtype
Values = NDArray[np.floating[Any]]
#: a group's checks pool tensors of several shapes: verify's row, with no single shape
POOLED: tuple[int, ...] = ()
#: the std error the default sample is sized to catch: 10 % either way (variance ratio 1.1²)
STD_ERROR = 1.1
#: the outlier the extremes check names: one value this many σ from the mean
OUTLIER = 100.0
#: |x| above this, or nonzero below TINY, is read as uninitialised memory: a law of this project
#: puts probability below 1e-20 per value there unless it is a constant of that size
HUGE, TINY = 1e6, 1e-30
#: values the whole-tensor counts read at once (their temporaries' size)
BLOCK = 1 << 22
#: statistical checks each element-law group spends alpha on: mean, variance, shape, extremes
STATISTICAL = 4


def exact(name: str, measured: float, expected: float, tol: float = 0.0) -> Row:
    return Row(shape=POOLED, check=stats.exact_check(name, measured, expected, tol))


def standardised(law: ElementLaw) -> ElementLaw:
    """``law`` shifted and scaled to mean 0, variance 1."""
    m, s = law.mean, law.var**0.5
    if isinstance(law, Uniform):
        return Uniform((law.low - m) / s, (law.high - m) / s)
    return TruncatedNormal((law.loc - m) / s, law.scale / s, (law.low - m) / s, (law.high - m) / s)


def _mirror(law: ElementLaw) -> ElementLaw:
    if isinstance(law, Uniform):
        return Uniform(-law.high, -law.low)
    return TruncatedNormal(-law.loc, law.scale, -law.high, -law.low)


def tail(law: ElementLaw, t: float) -> float:
    """P(|x| > t) under ``law`` (each side from its own lower CDF, accurate far out)."""
    at = np.array([-t])
    return float(law.cdf(at)[0] + _mirror(law).cdf(at)[0])


def extreme_limit(law: ElementLaw, n: int, alpha: float) -> float:
    """The t with P(max of n draws' |x| > t) = alpha under ``law`` (bisection)."""
    per_draw = -math.expm1(math.log1p(-alpha) / n)
    lo, hi = 0.0, 2.0 * OUTLIER
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if tail(law, mid) > per_draw else (lo, mid)
    return hi


def _rounding(law: ElementLaw, eps: float) -> float:
    """Rounding slack of stored values near a bounded law's bounds, in σ units."""
    low, high = law.support
    if not (math.isfinite(low) and math.isfinite(high)):
        return 0.0
    return 4 * eps * max(abs(low), abs(high))


def extreme_check(largest: float, n: int, law: ElementLaw, alpha: float, eps: float) -> Check:
    """The largest standardised |value| of ``n`` against ``law``'s tail for n draws."""
    limit = extreme_limit(law, n, alpha) + _rounding(law, eps)
    return Check(
        "largest |value| (σ units)", "law of the maximum of n draws", largest, limit, 0.0, limit,
        alpha, power=1.0 if limit < OUTLIER else 0.0, against=f"one value at {OUTLIER:g}σ", n=n,
    )  # fmt: skip


def _powered(kind: str, check: Check, alts: Sequence[Alternative], law: ElementLaw) -> Row:
    mine = [a for a in alts if a.check == kind]
    n = check.n or 0
    powers = tuple((a.name, power(a, law, n, check.alpha)) for a in mine)
    if not powers:
        return Row(shape=POOLED, check=check)
    weakest = min(powers, key=lambda p: p[1])
    check = dataclasses.replace(check, power=weakest[1], against=weakest[0])
    return Row(
        shape=POOLED, check=check, powers=powers, diagnosis=diagnose(kind, check, list(alts))
    )


def std_alternatives(alts: Sequence[Alternative], sd: float, truncated: bool) -> list[Alternative]:
    """verify's named errors in standardised units, with the 10 % std error added, and for a
    std-corrected ±2σ truncation the correction applied with no cut (bounds read as absolute)."""
    out = [dataclasses.replace(a, effect=a.effect / sd) if a.check == "mean" else a for a in alts]
    if truncated:
        out.append(Alternative(
            "variance", "std-corrected but never cut (±2 read as absolute bounds)",
            TRUNCATED_STD**-2, "trunc_normal_(std=σ/0.8796) with its default a=-2, b=2",
        ))  # fmt: skip
    out += [
        Alternative("variance", f"std {STD_ERROR - 1:.0%} too large", STD_ERROR**2),
        Alternative("variance", f"std {STD_ERROR - 1:.0%} too small", STD_ERROR**-2),
    ]
    return out


def element_rows(
    z: Floats, largest: float, n_all: int, law: ElementLaw, alts: Sequence[Alternative],
    alpha: float, eps: float,
) -> list[Row]:  # fmt: skip
    """The statistical checks of a group's pooled standardised sample ``z`` against the
    standardised ``law``; ``largest`` is max |z| over all ``n_all`` values, not only the sample."""
    rows = [
        _powered("mean", stats.mean_check("mean (standardised)", z, 0.0, 1.0, alpha), alts, law),
        _powered("variance", stats.variance_check(
            "variance ratio", z, 1.0, alpha, mean=0.0, kurtosis=law.kurtosis, against=STD_ERROR**2,
        ), alts, law),
        _powered("shape", stats.ks_check("shape (KS distance)", z, law.cdf, alpha), alts, law),
    ]  # fmt: skip
    rows.append(Row(shape=POOLED, check=extreme_check(largest, n_all, law, alpha, eps)))
    return rows


def count_near(p: Values, value: float, eps: float) -> int:
    """Values of ``p`` equal to the constant ``value`` as stored (to the dtype's rounding)."""
    if p.size > BLOCK:
        return sum(count_near(p[i : i + BLOCK], value, eps) for i in range(0, p.size, BLOCK))
    return int(np.count_nonzero(np.abs(p - value) <= eps * abs(value)))


def constant_row(near: int, n: int, law: Constant) -> Row:
    """The fraction of the ``n`` values equal to the constant (``near`` of them:
    :func:`count_near`)."""
    return exact(f"every element = {law.value:g} (fraction)", near / n if n else 1.0, 1.0)


def orthogonal_row(name: str, matrix: Values, law: Orthogonal, eps: float) -> Row:
    """WᵀW (or WWᵀ) = gain²·I to 2·(rows + cols) ulps, as verify's orthogonality check."""
    m = matrix.astype(np.float64) / law.gain
    gram = m.T @ m if law.rows >= law.cols else m @ m.T
    worst = float(np.max(np.abs(gram - np.eye(gram.shape[0]))))
    return exact(
        f"{name}: orthogonality max|WᵀW/g²-I|", worst, 0.0, 2 * (law.rows + law.cols) * eps
    )


def _extent(p: Values) -> tuple[float, float]:
    """The smallest and largest value (NaN where one is NaN; two passes, no copy)."""
    return (float(np.min(p)), float(np.max(p))) if p.size else (0.0, 0.0)


def count_odd(p: Values) -> int:
    """Values that look like uninitialised memory: finite with |x| > HUGE, or 0 < |x| < TINY
    (read in blocks, so the temporaries stay small beside a large tensor)."""
    if p.size > BLOCK:
        return sum(count_odd(p[i : i + BLOCK]) for i in range(0, p.size, BLOCK))
    mag = np.abs(p)
    odd = int(np.count_nonzero(mag < TINY)) - int(np.count_nonzero(mag == 0))
    lo, hi = _extent(p)
    if not max(-lo, hi) <= HUGE:  # some value is large or not a number: count them
        odd += int(np.count_nonzero(mag > HUGE)) - int(np.count_nonzero(np.isinf(mag)))
    return odd


def count_nonfinite(p: Values) -> int:
    lo, hi = _extent(p)
    if math.isfinite(lo) and math.isfinite(hi):
        return 0
    return p.size - int(np.count_nonzero(np.isfinite(p)))


def hygiene_rows(nonfinite: int, odd: int, constant: float | None) -> list[Row]:
    """Exact checks on every value: ``nonfinite`` values (:func:`count_nonfinite`) and ``odd``
    ones that look like uninitialised memory (:func:`count_odd`), the latter skipped for a
    constant law whose own value lies there."""
    rows = [exact("non-finite values (count)", float(nonfinite), 0.0)]
    if constant is None or TINY <= abs(constant) <= HUGE or constant == 0.0:
        rows.append(exact(f"uninitialised-memory look: |x|>{HUGE:g} or 0<|x|<{TINY:g} (count)",
                          float(odd), 0.0))  # fmt: skip
    return rows
