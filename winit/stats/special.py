"""Special functions: the normal, chi-square, Kolmogorov and binomial laws, and ln Γ on arrays.

numpy and ``math`` alone (no scipy at run time); ``tests/test_stats_special.py`` checks each
against scipy.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache, lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray


def norm_cdf(x: float) -> float:
    """Standard normal CDF."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


_ERFC = np.frompyfunc(math.erfc, 1, 1)


def norm_cdf_array(x: ArrayLike) -> NDArray[np.float64]:
    """:func:`norm_cdf` elementwise (``math.erfc`` is exact in both tails, which 1 − erf is not)."""
    out: NDArray[np.float64] = 0.5 * np.asarray(
        _ERFC(-np.asarray(x, dtype=np.float64) / math.sqrt(2.0)), dtype=np.float64
    )
    return out


def norm_pdf(z: float) -> float:
    """Standard normal density, 0 at ±∞."""
    return 0.0 if math.isinf(z) else math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def norm_ppf(p: float) -> float:
    """Standard normal quantile, by bisection on ``erfc`` in the lower half (exact to double
    rounding; the upper half by symmetry, since 1 − p is exact there)."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be in (0, 1), got {p}")
    if p > 0.5:
        return -norm_ppf(1.0 - p)
    lo, hi = -40.0, 0.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if norm_cdf(mid) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-15 * max(1.0, abs(lo)):
            break
    return 0.5 * (lo + hi)


def _gammainc(a: float, x: float) -> tuple[float, float]:
    """Regularised incomplete gamma (P(a, x), Q(a, x)), each computed directly where it is the
    small one (series below a+1, Lentz's continued fraction for Q above), so tails keep precision."""
    if x <= 0.0:
        return 0.0, 1.0
    log_pre = a * math.log(x) - x - math.lgamma(a)
    if x < a + 1.0:
        term = total = 1.0 / a
        k = a
        while abs(term) > abs(total) * 1e-17:
            k += 1.0
            term *= x / k
            total += term
        p = min(1.0, total * math.exp(log_pre))
        return p, 1.0 - p
    tiny = 1e-300
    b = x + 1.0 - a
    c, d = 1.0 / tiny, 1.0 / b
    h = d
    for i in range(1, 1_000_000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = b + an / c
        c = c if abs(c) > tiny else tiny
        delta = c * d
        h *= delta
        if abs(delta - 1.0) < 1e-16:
            break
    q = min(1.0, math.exp(log_pre) * h)
    return 1.0 - q, q


def chi2_cdf(x: float, df: float) -> float:
    """P(χ²_df ≤ x)."""
    return _gammainc(df / 2.0, x / 2.0)[0]


def chi2_sf(x: float, df: float) -> float:
    """P(χ²_df > x), accurate far into the upper tail."""
    return _gammainc(df / 2.0, x / 2.0)[1]


@lru_cache(maxsize=4096)
def chi2_ppf(p: float, df: float) -> float:
    """χ²_df quantile by bisection (on the CDF below the median, on the survival function above),
    bracketed around the Wilson–Hilferty approximation."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be in (0, 1), got {p}")
    upper = p > 0.5

    def below(x: float) -> bool:  # is x below the quantile?
        return chi2_sf(x, df) > 1.0 - p if upper else chi2_cdf(x, df) < p

    z = norm_ppf(p)
    k = 2.0 / (9.0 * df)
    guess = df * max(1e-6, 1.0 - k + z * math.sqrt(k)) ** 3
    lo, hi = guess / 4.0, guess * 4.0 + 10.0
    while not below(lo):
        lo /= 4.0
    while below(hi):
        hi *= 4.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if below(mid):
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-13 * hi:
            break
    return 0.5 * (lo + hi)


def kolmogorov_sf(lam: float) -> float:
    """P(K > λ) for the Kolmogorov distribution: 2 Σ (−1)^(k−1) exp(−2k²λ²)."""
    if lam < 0.2:  # the series converges slowly there; 1 - P(K > 0.2) < 1e-20
        return 1.0
    total = 0.0
    for k in range(1, 101):
        term = math.exp(-2.0 * k * k * lam * lam)
        total += term if k % 2 else -term
        if term < 1e-18:
            break
    return min(1.0, max(0.0, 2.0 * total))


def ks_pvalue(d: float, n: int) -> float:
    """Asymptotic p-value of a one-sample KS statistic with Stephens' (1970) small-n correction."""
    root = math.sqrt(n)
    return kolmogorov_sf((root + 0.12 + 0.11 / root) * d)


def ks_critical(n: int, alpha: float) -> float:
    """The KS statistic above which a sample of ``n`` is rejected at level ``alpha``."""
    lo, hi = 0.0, 1.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if ks_pvalue(mid, n) > alpha:
            lo = mid
        else:
            hi = mid
    return hi


def ks_statistic(
    sample: ArrayLike, cdf: Callable[[NDArray[np.float64]], NDArray[np.float64]]
) -> float:
    """sup |F_n − F| of a sample against a vectorised CDF."""
    x = np.sort(np.asarray(sample, dtype=np.float64).ravel())
    n = x.size
    f = cdf(x)
    i = np.arange(1, n + 1, dtype=np.float64)
    return float(max(np.max(i / n - f), np.max(f - (i - 1) / n)))


def binom_cdf(k: int, n: int, p: float) -> float:
    """P(Bin(n, p) ≤ k): the largest of the terms 0..k in log space (ln Γ), the others as its
    running products of the ratios of neighbouring terms, which are ≤ 1 on both sides of it
    (relative error about k·eps; term by term in ln Γ was most of the time of a binomial check)."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    if p <= 0.0 or p >= 1.0:
        return 1.0 if p <= 0.0 else 0.0
    top = min(k, math.floor((n + 1) * p))  # the mode, or k below it
    log_top = (
        math.lgamma(n + 1) - math.lgamma(top + 1) - math.lgamma(n - top + 1)
        + top * math.log(p) + (n - top) * math.log1p(-p)
    )  # fmt: skip
    odds = p / (1.0 - p)
    i = np.arange(top, 0, -1, dtype=np.float64)
    below = np.cumprod(i / ((n - i + 1.0) * odds))  # term(i − 1)/term(top), i = top, …, 1
    j = np.arange(top + 1, k + 1, dtype=np.float64)
    above = np.cumprod((n - j + 1.0) * odds / j)  # term(j)/term(top), j = top + 1, …, k
    return min(1.0, math.exp(log_top) * (1.0 + float(np.sum(below)) + float(np.sum(above))))


#: Stirling's series for ln Γ(x), x ≥ _STIRLING_FROM: the terms B_2k/(2k(2k−1)·x^(2k−1)).
_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188)
_STIRLING_FROM = 10.0


def lgamma_array(x: ArrayLike) -> NDArray[np.float64]:
    """ln Γ(x) for positive x, vectorized (``math.lgamma`` one element at a time would dominate
    the time of a check): Stirling's series from x ≥ 10 (error < 1e-15), below that shifted up
    with ln Γ(x) = ln Γ(x + 1) − ln x."""
    x = np.asarray(x, dtype=np.float64)
    shift = np.maximum(0.0, np.ceil(_STIRLING_FROM - x))
    y = x + shift
    product = np.ones_like(x)  # Π_{i < shift} (x + i) ≤ 11^11: no overflow
    for i in range(int(_STIRLING_FROM) + 1):
        product *= np.where(i < shift, x + i, 1.0)
    correction = np.log(product)
    inv, inv2 = 1.0 / y, 1.0 / (y * y)
    series = np.zeros_like(y)
    for term in reversed(_STIRLING):
        series = series * inv2 + term
    out: NDArray[np.float64] = (
        (y - 0.5) * np.log(y) - y + 0.5 * math.log(2.0 * math.pi) + series * inv - correction
    )
    return out


@cache
def log_binomial_half(n: int) -> NDArray[np.float64]:
    """ln P(Bin(n, ½) = k) for k = 0, …, n."""
    k = np.arange(n + 1, dtype=np.float64)
    return (
        lgamma_array(np.full(n + 1, n + 1.0))
        - lgamma_array(k + 1.0)
        - lgamma_array(n - k + 1.0)
        - n * math.log(2)
    )


def logsumexp(a: NDArray[np.float64], axis: int) -> NDArray[np.float64]:
    """ln Σ exp(a) along ``axis``, shifted by the maximum; +inf terms stay +inf."""
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(over="ignore"):  # a moment that does not exist is +inf: it stays inf
        out: NDArray[np.float64] = np.squeeze(m, axis) + np.log(np.sum(np.exp(a - m), axis=axis))
    return out
