"""Power, minimum detectable effect and sample size of each test, and the variance intervals
they are computed from.

For a test of level ``alpha``: its power against a named error, the smallest error it detects
with :data:`~winit.stats.check.POWER` (``*_detectable``) and the draws it needs to detect a
given error (``*_sample_size``). The check constructors in :mod:`winit.stats.checks` report
these; :class:`winit.claims.Plan` sizes a claim's samples with them.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from winit.stats.check import POWER
from winit.stats.special import (
    binom_cdf,
    chi2_cdf,
    chi2_ppf,
    chi2_sf,
    ks_critical,
    norm_cdf,
    norm_ppf,
)

#: The kurtosis E[x⁴]/E[x²]² of normal data: a variance check on data declared normal uses the
#: exact chi-square interval.
NORMAL_KURTOSIS = 3.0


def z_power(shift: float, alpha: float) -> float:
    """Power of a two-sided level-``alpha`` z-test when the statistic's mean is ``shift``
    standard errors away from the tested value."""
    z = norm_ppf(1.0 - alpha / 2.0)
    return norm_cdf(-z - shift) + 1.0 - norm_cdf(z - shift)


def z_detectable(alpha: float, power: float = POWER) -> float:
    """The shift, in standard errors, a two-sided level-``alpha`` z-test detects with
    ``power`` (to within the far tail's negligible share): z_(1−α/2) + z_power."""
    return norm_ppf(1.0 - alpha / 2.0) + norm_ppf(power)


def z_sample_size(shift: float, sd: float, alpha: float, power: float = POWER) -> int:
    """Draws of standard deviation ``sd`` a two-sided z-test of their mean at level ``alpha``
    needs to detect a mean ``shift`` with ``power``."""
    return math.ceil((z_detectable(alpha, power) * sd / shift) ** 2)


def detectable(
    power_of: Callable[[float], float], lo: float, hi: float, power: float = POWER
) -> float | None:
    """The smallest effect e in [lo, hi] with ``power_of(e) ≥ power`` (power non-decreasing in
    e), by bisection; ``None`` when even ``hi`` falls short."""
    if power_of(hi) < power:
        return None
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if power_of(mid) >= power else (mid, hi)
        if hi - lo <= 1e-6 * abs(hi):
            break
    return hi


def bonferroni(alpha: float, checks: int) -> float:
    """Per-check level so that ``checks`` checks together false-alarm with probability ≤ alpha."""
    if checks < 1:
        raise ValueError(f"checks must be >= 1, got {checks}")
    return alpha / checks


def sample_size(power_of: Callable[[int], float], power: float, limit: int) -> int | None:
    """Smallest n ≤ ``limit`` with ``power_of(n) ≥ power`` (power non-decreasing in n), by
    doubling then bisection; ``None`` if even ``limit`` falls short."""
    hi = 1
    while power_of(hi) < power:
        if hi >= limit:
            return None
        hi = min(2 * hi, limit)
    lo = hi // 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if power_of(mid) >= power:
            hi = mid
        else:
            lo = mid
    return hi


def sum_kurtosis(terms: int, kurtosis_w: float, kurtosis_x: float) -> float:
    """Kurtosis of z = Σ wᵢxᵢ over ``terms`` independent symmetric products of independent w
    and x of kurtoses ``kurtosis_w`` and ``kurtosis_x``: 3 + (κ_w κ_x − 3)/terms.

    >>> sum_kurtosis(4, 3.0, 1.0)
    3.0
    """
    return 3.0 + (kurtosis_w * kurtosis_x - 3.0) / terms


def chi2_ratio_bounds(df: int, alpha: float) -> tuple[float, float]:
    """Two-sided bounds on s²/σ² for ``df`` degrees of freedom of normal data (exact χ²)."""
    return chi2_ppf(alpha / 2.0, df) / df, chi2_ppf(1.0 - alpha / 2.0, df) / df


def chi2_ratio_power(df: int, alpha: float, ratio: float) -> float:
    """P(reject) of :func:`chi2_ratio_bounds` when the true variance is ``ratio`` × the expected."""
    lo, hi = chi2_ratio_bounds(df, alpha)
    return chi2_cdf(lo * df / ratio, df) + chi2_sf(hi * df / ratio, df)


def normal_ratio_bounds(n: int, alpha: float, kurtosis: float) -> tuple[float, float]:
    """Asymptotic bounds on s²/σ² for i.i.d. data of known kurtosis κ: 1 ± z·√((κ−1)/n)."""
    half = norm_ppf(1.0 - alpha / 2.0) * math.sqrt((kurtosis - 1.0) / n)
    return 1.0 - half, 1.0 + half


def normal_ratio_power(n: int, alpha: float, kurtosis: float, ratio: float) -> float:
    """Power of :func:`normal_ratio_bounds` against a true variance ``ratio`` × the expected."""
    lo, hi = normal_ratio_bounds(n, alpha, kurtosis)
    sd = ratio * math.sqrt((kurtosis - 1.0) / n)
    return norm_cdf((lo - ratio) / sd) + 1.0 - norm_cdf((hi - ratio) / sd)


def variance_sample_size(ratio: float, alpha: float, power: float, kurtosis: float = 3.0) -> int:
    """Smallest n whose variance interval at level ``alpha`` rejects a variance ``ratio`` × and
    1/``ratio`` × the true one, each with probability ≥ ``power`` (exact χ² with n degrees of
    freedom for κ = 3; 282 for a 2× error at α = 1e-6, power 0.999)."""

    n = sample_size(lambda k: variance_power(k, alpha, kurtosis, ratio), power, 1 << 40)
    assert n is not None  # power → 1 as n grows, for any ratio != 1
    return n


def variance_power(n: int, alpha: float, kurtosis: float, ratio: float) -> float:
    """Power of the variance interval of ``n`` draws (exact χ² for κ = 3, asymptotic
    otherwise) against a variance ``ratio`` × and 1/``ratio`` × the true one (the smaller)."""
    if kurtosis == 3.0:
        return min(chi2_ratio_power(n, alpha, r) for r in (ratio, 1.0 / ratio))
    return min(normal_ratio_power(n, alpha, kurtosis, r) for r in (ratio, 1.0 / ratio))


def variance_detectable(n: int, alpha: float, kurtosis: float = 3.0) -> float | None:
    """The smallest variance ratio r > 1 the interval of ``n`` draws detects with power
    :data:`POWER` both ways (r × and 1/r ×)."""
    return detectable(lambda r: variance_power(n, alpha, kurtosis, r), 1.0, 1e6)


def ks_power(delta: float, n: int, alpha: float) -> float:
    """A lower bound on the power of the one-sample KS test at level ``alpha`` with ``n`` draws
    when the true CDF is ``delta`` away (sup norm) from the tested one: the statistic exceeds
    δ − |F_n − F_true|, and P(sup |F_n − F_true| > ε) ≤ 2·exp(−2nε²) (Dvoretzky–Kiefer–Wolfowitz
    with Massart's constant)."""
    margin = delta - ks_critical(n, alpha)
    if margin <= 0.0:
        return 0.0
    return max(0.0, 1.0 - 2.0 * math.exp(-2.0 * n * margin * margin))


def ks_detectable(n: int, alpha: float, power: float = POWER) -> float:
    """The sup-norm CDF distance at which :func:`ks_power`'s lower bound reaches ``power``:
    the critical value plus √(ln(2/(1 − power))/(2n))."""
    return ks_critical(n, alpha) + math.sqrt(math.log(2.0 / (1.0 - power)) / (2.0 * n))


def ks_sample_size(alpha: float, power: float, distance: float) -> int:
    """The smallest power of two whose KS test at ``alpha`` has at least ``power`` (the DKW
    lower bound, :func:`ks_power`) against a law ``distance`` away."""
    n = 64
    while ks_power(distance, n, alpha) < power:
        n *= 2
    return n


def binomial_exceeds_critical(trials: int, p: float, alpha: float) -> int:
    """The fewest successes of ``trials`` with P(Bin(trials, p) ≥ k) ≤ ``alpha``: the one-sided
    exact binomial test of a success probability above ``p`` passes from there."""
    k = trials + 1
    while k > 0 and 1.0 - binom_cdf(k - 2, trials, p) <= alpha:
        k -= 1
    return k


def binomial_exceeds_power(trials: int, p: float, alpha: float, true_p: float) -> float:
    """P(Bin(trials, ``true_p``) reaches :func:`binomial_exceeds_critical`)."""
    return 1.0 - binom_cdf(binomial_exceeds_critical(trials, p, alpha) - 1, trials, true_p)


def binomial_exceeds_sample_size(
    p: float, alpha: float, power: float, against: float, limit: int
) -> int | None:
    """The fewest trials (≤ ``limit``) whose :func:`binomial_exceeds_power` against a true
    success probability ``against`` reaches ``power``; ``None`` if ``limit`` falls short."""
    return sample_size(lambda n: binomial_exceeds_power(n, p, alpha, against), power, limit)
