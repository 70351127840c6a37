"""The statistics behind every tolerance in winit, in numpy and ``math`` alone.

Each check is an interval with a stated false-alarm rate ``alpha`` (the probability that a
correct law lands outside it) and a stated power (the probability that a named error lands
outside it). Sample sizes are solved from those two numbers, never tuned by trial.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray

# ---------------------------------------------------------------- distributions


def norm_cdf(x: float) -> float:
    """Standard normal CDF."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


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
    if lam <= 0.0:
        return 1.0
    if lam < 0.2:
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


# ---------------------------------------------------------------- checks


@dataclass(frozen=True)
class Check:
    """One statistical (or exact) check: ``measured`` must lie in ``[low, high]``.

    ``alpha`` is the false-alarm probability of the interval for a correct law; ``power`` the
    probability of rejecting the error named in ``against`` (``None`` where not computed).
    """

    name: str
    test: str
    measured: float
    expected: float
    low: float
    high: float
    alpha: float
    power: float | None = None
    against: str = ""

    @property
    def passed(self) -> bool:
        return bool(self.low <= self.measured <= self.high)

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "passed": self.passed}


def bonferroni(alpha: float, checks: int) -> float:
    """Per-check level so that ``checks`` checks together false-alarm with probability ≤ alpha."""
    if checks < 1:
        raise ValueError(f"checks must be >= 1, got {checks}")
    return alpha / checks


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

    def pw(n: int) -> float:
        if kurtosis == 3.0:
            return min(chi2_ratio_power(n, alpha, r) for r in (ratio, 1.0 / ratio))
        return min(normal_ratio_power(n, alpha, kurtosis, r) for r in (ratio, 1.0 / ratio))

    n = sample_size(pw, power, 1 << 40)
    assert n is not None  # power → 1 as n grows, for any ratio != 1
    return n


def variance_check(
    name: str,
    sample: ArrayLike,
    expected_var: float,
    alpha: float,
    *,
    mean: float | None = 0.0,
    kurtosis: float = 3.0,
    against: float = 2.0,
) -> Check:
    """Is the variance of ``sample`` ``expected_var``? With ``mean`` known the n squared
    deviations give n degrees of freedom, otherwise n − 1. Normal data (κ = 3) use the exact χ²
    interval; other laws the asymptotic one with their known fourth moment. Reported as the ratio
    measured/expected; power against a variance ``against`` × off (and 1/``against``)."""
    x = np.asarray(sample, dtype=np.float64).ravel()
    n = x.size
    centre = float(np.mean(x)) if mean is None else mean
    df = n - 1 if mean is None else n
    ratio = float(np.sum((x - centre) ** 2) / df) / expected_var
    if kurtosis == 3.0:
        lo, hi = chi2_ratio_bounds(df, alpha)
        pw = min(chi2_ratio_power(df, alpha, against), chi2_ratio_power(df, alpha, 1 / against))
        test = "chi-square interval for a variance"
    else:
        lo, hi = normal_ratio_bounds(n, alpha, kurtosis)
        pw = min(
            normal_ratio_power(n, alpha, kurtosis, against),
            normal_ratio_power(n, alpha, kurtosis, 1 / against),
        )
        test = f"asymptotic variance interval (kurtosis {kurtosis:g})"
    return Check(name, test, ratio, 1.0, lo, hi, alpha, pw, f"variance {against:g}x off")


def mean_check(
    name: str, sample: ArrayLike, expected_mean: float, std: float, alpha: float,
    *, against: float | None = None,
) -> Check:  # fmt: skip
    """z-test of the mean of i.i.d. draws with known std; power against a shift ``against``."""
    x = np.asarray(sample, dtype=np.float64).ravel()
    se = std / math.sqrt(x.size)
    half = norm_ppf(1.0 - alpha / 2.0) * se
    pw = None
    if against is not None and se > 0:
        pw = norm_cdf((-half - against) / se) + 1.0 - norm_cdf((half - against) / se)
    return Check(
        name, "z-test for a mean", float(np.mean(x)), expected_mean,
        expected_mean - half, expected_mean + half, alpha, pw,
        "" if against is None else f"mean shifted by {against:g}",
    )  # fmt: skip


def ks_check(
    name: str,
    sample: ArrayLike,
    cdf: Callable[[NDArray[np.float64]], NDArray[np.float64]],
    alpha: float,
) -> Check:
    """One-sample Kolmogorov–Smirnov test of the sample's shape against ``cdf``."""
    x = np.asarray(sample).ravel()
    d = ks_statistic(x, cdf)
    return Check(name, "Kolmogorov-Smirnov", d, 0.0, 0.0, ks_critical(x.size, alpha), alpha)


def exact_check(name: str, measured: float, expected: float, tol: float = 0.0) -> Check:
    """An exact (or rounding-level) equality: ``|measured − expected| ≤ tol``; alpha 0."""
    return Check(name, "exact", measured, expected, expected - tol, expected + tol, 0.0)


def slope_check(
    name: str,
    x: ArrayLike,
    y: ArrayLike,
    y_var: ArrayLike,
    expected: float,
    alpha: float,
    *,
    against: float,
) -> Check:
    """Weighted least-squares slope of ``y`` on ``x`` with known per-point variances, and its
    z-interval; the check is that the interval contains ``expected``. Power is against a true
    slope that differs by ``against``."""
    xs, ys = np.asarray(x, np.float64), np.asarray(y, np.float64)
    w = 1.0 / np.asarray(y_var, np.float64)
    xm = np.sum(w * xs) / np.sum(w)
    sxx = float(np.sum(w * (xs - xm) ** 2))
    slope = float(np.sum(w * (xs - xm) * ys) / sxx)
    se = math.sqrt(1.0 / sxx)
    half = norm_ppf(1.0 - alpha / 2.0) * se
    pw = norm_cdf((-half - against) / se) + 1.0 - norm_cdf((half - against) / se)
    return Check(
        name, "weighted least-squares slope (z-interval)", slope, expected,
        expected - half, expected + half, alpha, pw, f"slope off by {against:g}",
    )  # fmt: skip


# ---------------------------------------------------------------- added for winit verify


def binom_cdf(k: int, n: int, p: float) -> float:
    """P(Bin(n, p) ≤ k), summed exactly term by term in log space."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    if p <= 0.0 or p >= 1.0:
        return 1.0 if p <= 0.0 else 0.0
    lp, lq = math.log(p), math.log1p(-p)
    lgn = math.lgamma(n + 1)
    terms = [
        lgn - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * lp + (n - i) * lq
        for i in range(k + 1)
    ]
    top = max(terms)
    return min(1.0, math.exp(top) * math.fsum(math.exp(t - top) for t in terms))


def binomial_check(
    name: str, successes: int, trials: int, p: float, alpha: float, *, against: float
) -> Check:
    """Exact two-sided binomial test that ``successes`` of ``trials`` has success probability
    ``p``, reported as a fraction; power against a true success probability ``against``."""

    def first(pred: Callable[[int], bool]) -> int:
        """Smallest k in [0, trials] with ``pred(k)`` (monotone), by bisection."""
        a, b = 0, trials
        while a < b:
            mid = (a + b) // 2
            if pred(mid):
                b = mid
            else:
                a = mid + 1
        return a

    # accepted region lo <= successes <= hi: each tail outside it has probability <= alpha/2
    lo = first(lambda k: binom_cdf(k, trials, p) > alpha / 2.0)
    hi = first(lambda k: 1.0 - binom_cdf(k, trials, p) <= alpha / 2.0)
    pw = binom_cdf(lo - 1, trials, against) + 1.0 - binom_cdf(hi, trials, against)
    return Check(
        name, "exact binomial test", successes / trials, p, lo / trials, hi / trials, alpha, pw,
        f"success probability {against:g}",
    )  # fmt: skip


def ks_power(delta: float, n: int, alpha: float) -> float:
    """A lower bound on the power of the one-sample KS test at level ``alpha`` with ``n`` draws
    when the true CDF is ``delta`` away (sup norm) from the tested one: the statistic exceeds
    δ − |F_n − F_true|, and P(sup |F_n − F_true| > ε) ≤ 2·exp(−2nε²) (Dvoretzky–Kiefer–Wolfowitz
    with Massart's constant)."""
    margin = delta - ks_critical(n, alpha)
    if margin <= 0.0:
        return 0.0
    return max(0.0, 1.0 - 2.0 * math.exp(-2.0 * n * margin * margin))


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


def binomial_exceeds_check(
    name: str, successes: int, trials: int, p: float, alpha: float, *, against: float
) -> Check:
    """One-sided exact binomial test that the success probability exceeds ``p``: passes when
    ``successes`` reaches the smallest k with P(Bin(trials, p) ≥ k) ≤ ``alpha``. Reported as a
    fraction; power is P(Bin(trials, against) ≥ k)."""
    k = trials + 1
    while k > 0 and 1.0 - binom_cdf(k - 2, trials, p) <= alpha:
        k -= 1
    return Check(
        name, "one-sided exact binomial test", successes / trials, p, k / trials, 1.0, alpha,
        1.0 - binom_cdf(k - 1, trials, against), f"success probability {against:g}",
    )  # fmt: skip
