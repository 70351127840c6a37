"""The statistics behind every tolerance in winit, in numpy and ``math`` alone.

Each check is an interval with a stated false-alarm rate ``alpha`` (the probability that a
correct law lands outside it) and a stated power (the probability that a named error lands
outside it). Sample sizes are solved from those two numbers, never tuned by trial.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import cache, lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: The false-alarm budget of one run of a claim (all its checks together, under the thorough
#: profile) and of one ``winit verify`` call.
RUN_ALPHA = 1e-6
#: The power every statistical check is sized for, and at which its minimum detectable effect
#: is reported.
POWER = 0.999

# ---------------------------------------------------------------- distributions


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


# ---------------------------------------------------------------- checks


@dataclass(frozen=True)
class Check:
    """One statistical (or exact) check: ``measured`` must lie in ``[low, high]``.

    ``alpha`` is the false-alarm probability of the interval for a correct law; ``power`` the
    probability of rejecting the error named in ``against`` (``None`` where not computed);
    ``mde`` the smallest departure, in the units ``mde_of`` names, that the check detects with
    probability :data:`POWER` at its own alpha (its minimum detectable effect); ``n`` the sample
    size it was computed from. The check constructors below compute all of them.
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
    mde: float | None = None
    mde_of: str = ""
    n: int | None = None

    @property
    def passed(self) -> bool:
        return bool(self.low <= self.measured <= self.high)

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "passed": self.passed}


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
        test = "chi-square interval for a variance"
    else:
        lo, hi = normal_ratio_bounds(n, alpha, kurtosis)
        test = f"asymptotic variance interval (kurtosis {kurtosis:g})"
    return Check(
        name, test, ratio, 1.0, lo, hi, alpha, variance_power(df, alpha, kurtosis, against),
        f"variance {against:g}x off", variance_detectable(df, alpha, kurtosis),
        "variance ratio", n,
    )  # fmt: skip


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


def mean_check(
    name: str, sample: ArrayLike, expected_mean: float, std: float, alpha: float,
    *, against: float | None = None,
) -> Check:  # fmt: skip
    """z-test of the mean of i.i.d. draws with known std; power against a shift ``against``."""
    x = np.asarray(sample, dtype=np.float64).ravel()
    se = std / math.sqrt(x.size)
    half = norm_ppf(1.0 - alpha / 2.0) * se
    pw = None if against is None or se <= 0 else z_power(against / se, alpha)
    return Check(
        name, "z-test for a mean", float(np.mean(x)), expected_mean,
        expected_mean - half, expected_mean + half, alpha, pw,
        "" if against is None else f"mean shifted by {against:g}",
        z_detectable(alpha) * se, "mean shift", x.size,
    )  # fmt: skip


def ks_check(
    name: str,
    sample: ArrayLike,
    cdf: Callable[[NDArray[np.float64]], NDArray[np.float64]],
    alpha: float,
    *,
    against: tuple[str, float] | None = None,
) -> Check:
    """One-sample Kolmogorov–Smirnov test of the sample's shape against ``cdf``; power (a lower
    bound) against the law ``against = (name, sup-norm distance)``."""
    x = np.asarray(sample).ravel()
    d = ks_statistic(x, cdf)
    pw = None if against is None else ks_power(against[1], x.size, alpha)
    return Check(
        name, "Kolmogorov-Smirnov", d, 0.0, 0.0, ks_critical(x.size, alpha), alpha, pw,
        "" if against is None else against[0], ks_detectable(x.size, alpha), "KS distance",
        x.size,
    )  # fmt: skip


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
    return Check(
        name, "weighted least-squares slope (z-interval)", slope, expected,
        expected - half, expected + half, alpha, z_power(against / se, alpha),
        f"slope off by {against:g}", z_detectable(alpha) * se, "slope error", xs.size,
    )  # fmt: skip


# ---------------------------------------------------------------- added for winit verify


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

    def pw(q: float) -> float:
        return binom_cdf(lo - 1, trials, q) + 1.0 - binom_cdf(hi, trials, q)

    up = detectable(lambda e: pw(min(1.0, p + e)), 0.0, 1.0 - p) if p < 1.0 else None
    down = detectable(lambda e: pw(max(0.0, p - e)), 0.0, p) if p > 0.0 else None
    shifts = [e for e in (up, down) if e is not None]
    return Check(
        name, "exact binomial test", successes / trials, p, lo / trials, hi / trials, alpha,
        pw(against), f"success probability {against:g}", max(shifts) if shifts else None,
        "success-probability shift", trials,
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

    def pw(q: float) -> float:
        return 1.0 - binom_cdf(k - 1, trials, q)

    return Check(
        name, "one-sided exact binomial test", successes / trials, p, k / trials, 1.0, alpha,
        pw(against), f"success probability {against:g}",
        detectable(lambda e: pw(min(1.0, p + e)), 0.0, 1.0 - p), "success-probability gain",
        trials,
    )  # fmt: skip


# ---------------------------------------------------------------- derived finite-size spreads


def spread_check(
    name: str,
    measured: float,
    expected: float,
    sd: float,
    alpha: float,
    *,
    alternative: float,
    against: str,
    mde_of: str = "shift of the statistic",
) -> Check:
    """Is ``measured`` within ``expected ± z(1 − alpha/2)·sd``? ``sd`` is the derived spread of the
    statistic (a finite network scatters around its infinite-width prediction); power is
    P(reject) when the statistic is centred on ``alternative`` (the value the error named in
    ``against`` predicts) with the same spread."""
    if not sd > 0.0:
        raise ValueError(f"sd must be > 0, got {sd}")
    half = norm_ppf(1.0 - alpha / 2.0) * sd
    return Check(
        name, "normal interval from the derived finite-size spread", measured, expected,
        expected - half, expected + half, alpha, z_power((alternative - expected) / sd, alpha),
        against, z_detectable(alpha) * sd, mde_of,
    )  # fmt: skip


def median_band_check(
    name: str,
    sample: ArrayLike,
    band: tuple[float, float],
    expected: float,
    alpha: float,
    *,
    alternative: tuple[float, float],
    against: str,
) -> Check:
    """Is the median of the law behind ``sample`` (i.i.d. replicates) inside ``band``?

    Distribution-free: with k the largest order with 2·P(Bin(R, ½) ≤ k − 1) ≤ ``alpha``, the
    interval [X_(k), X_(R−k+1)] covers the true median with probability ≥ 1 − alpha for every
    continuous law, so the check fails only if that interval misses the band. Reported as the
    sample median against the band widened by the median's distances to those order statistics.
    ``alternative`` = (mean, sd) of the law the named error predicts, modelled as normal for the
    power: the check fails when at least R − k + 1 draws land beyond the band's far edge. The
    minimum detectable effect is how far beyond the band's nearer edge, in that sd, such a
    law's mean must lie."""
    x = np.sort(np.asarray(sample, dtype=np.float64).ravel())
    r = x.size
    orders = [k for k in range(1, r // 2 + 1) if 2.0 * binom_cdf(k - 1, r, 0.5) <= alpha]
    if not orders:
        raise ValueError(f"{r} replicates cannot reach alpha={alpha:g}; need more replicates")
    k = orders[-1]
    lo_band, hi_band = band
    median = float(np.median(x))
    low = lo_band - (float(x[r - k]) - median)
    high = hi_band + (median - float(x[k - 1]))
    m, sd = alternative

    def pw(beyond: float) -> float:
        """P(fail) for a normal law whose mean is ``beyond`` sd past the band edge: fewer than
        k of its R draws land on the band's side."""
        return binom_cdf(k - 1, r, norm_cdf(-beyond))

    edge = hi_band if m > hi_band else lo_band
    return Check(
        name, f"order-statistic interval of the median ([X_({k}), X_({r - k + 1})] of {r})",
        median, expected, low, high, alpha, pw(abs(m - edge) / sd), against,
        detectable(pw, 0.0, 100.0), "median beyond the band (alternative sd)", r,
    )  # fmt: skip


# ---------------------------------------------------------------- ReLU second-moment laws
#
# The exact law of the second-moment ratio through a deep square ReLU network (one input).
#
# For one input, width ``n`` and i.i.d. N(0, σ²) weights, let s_l = mean of y_l² over the n
# pre-activations of layer l. Given layer l−1, y_l is an isotropic Gaussian vector, so
# y_l = √v_l·g_l with g_l ~ N(0, I_n) independent of everything before. Writing
# R_l = |relu(g_l)|²/|g_l|² (a function of the direction of g_l, so independent of G_l = |g_l|²):
#
#     s_L / s_1 = σ^{2(L−1)} · R_1 · Π_{l=2}^{L−1} (R_l·G_l) · G_L,
#
# with R_l·G_l = |relu(g_l)|² ~ χ²_K, K ~ Binomial(n, ½) positive units; R_1 ~ Beta(K/2, (n−K)/2)
# given K; G_L ~ χ²_n. All factors are independent, so the ln-ratio is a sum of independent terms
# with known moment generating functions (E[X^t] of χ² and Beta laws are Gamma-function ratios).
#
# To first order each middle term has variance 5/n (|relu(g)|² has mean n/2 and variance 5n/4),
# R_1 3/n and G_L/n 2/n: Var(ln ratio) ≈ 5(L−1)/n, and E[ln ratio] ≈ (L−1)·ln(nσ²/2) − 5(L−1)/(2n)
# (−Var/2 per term). But the law is left-skewed (a Monte Carlo at n=100, L=10 gives skewness −0.2),
# so a normal quantile at the 6σ a 1e-9 alpha needs would be off by about one σ in the lower
# tail. :func:`ln_ratio_interval` instead uses the Chernoff bound P(S ≥ a) ≤ exp(−ta)·E[e^{tS}],
# which holds for every law and costs only ~7 % of width over a normal quantile at these alphas.


_T_GRID = np.concatenate([-np.geomspace(1e-3, 1e3, 400)[::-1], np.geomspace(1e-3, 1e3, 400)])


#: Stirling's series for ln Γ(x), x ≥ _STIRLING_FROM: the terms B_2k/(2k(2k−1)·x^(2k−1)).
_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188)
_STIRLING_FROM = 10.0


def _lgamma(x: ArrayLike) -> NDArray[np.float64]:
    """ln Γ(x) for positive x, vectorized (math.lgamma one element at a time was most of the
    time of a check): Stirling's series from x ≥ 10 (error < 1e-15), below that shifted up
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
def _log_binomial_half(n: int) -> NDArray[np.float64]:
    k = np.arange(n + 1, dtype=np.float64)
    return (
        _lgamma(np.full(n + 1, n + 1.0)) - _lgamma(k + 1.0) - _lgamma(n - k + 1.0) - n * math.log(2)
    )


def _logsumexp(a: NDArray[np.float64], axis: int) -> NDArray[np.float64]:
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(over="ignore"):  # a moment that does not exist is +inf: it stays inf
        out: NDArray[np.float64] = np.squeeze(m, axis) + np.log(np.sum(np.exp(a - m), axis=axis))
    return out


@cache
def _log_mgfs(
    n: int, k_min: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """ln E[e^{tX}] on the t grid for X = ln χ²_K, ln R_1, ln χ²_n, with K ≥ k_min (the rest of
    the binomial mass is charged to alpha by the caller). Infinite where a moment does not exist."""
    t = _T_GRID[:, None]
    k = np.arange(k_min, n + 1, dtype=np.float64)[None, :]
    logp = _log_binomial_half(n)[k_min:][None, :]
    with np.errstate(invalid="ignore"):
        ok = k / 2.0 + t > 0
        a = np.where(ok, k / 2.0 + t, 1.0)
        chi_k = t * math.log(2) + _lgamma(a) - _lgamma(k / 2.0)
        chi_k = np.where(ok, chi_k, np.inf)
        beta = np.where(ok, chi_k - t * math.log(2) + math.lgamma(n / 2.0), np.inf)
        beta = beta - np.where(n / 2.0 + t > 0, _lgamma(np.maximum(n / 2.0 + t, 1e-300)), np.inf)
    m_chi = _logsumexp(chi_k + logp, axis=1)
    m_beta = _logsumexp(beta + logp, axis=1)
    tt = _T_GRID
    ok_n = n / 2.0 + tt > 0
    m_n = np.where(
        ok_n,
        tt * math.log(2) + _lgamma(np.where(ok_n, n / 2.0 + tt, 1.0)) - math.lgamma(n / 2.0),
        np.inf,
    )
    # the binomial mass below k_min is excluded: renormalise to a conditional law
    log_kept = float(_logsumexp(_log_binomial_half(n)[k_min:][None, :], axis=1)[0])
    return m_chi - log_kept, m_beta - log_kept, m_n


@cache
def _k_min(n: int, depth: int, alpha: float) -> int:
    """Smallest positive-unit count kept: the binomial mass below it, over the L−1 factors
    that have one, is at most alpha/4."""
    log_cdf = np.logaddexp.accumulate(_log_binomial_half(n))
    return max(1, int(np.searchsorted(log_cdf, math.log(alpha / (4.0 * depth)), side="right")))


def _log_mgf(n: int, depth: int, var_w: float, alpha: float) -> NDArray[np.float64]:
    """ln E[e^{t·ln(s_L/s_1)}] on the t grid, conditional on every K ≥ k_min."""
    if n < 2 or depth < 2:
        raise ValueError(f"need width n >= 2 and depth >= 2, got n={n}, depth={depth}")
    m_chi, m_beta, m_n = _log_mgfs(n, _k_min(n, depth, alpha))
    out = m_beta + (depth - 2) * m_chi + m_n + _T_GRID * (depth - 1) * math.log(var_w)
    return np.where(np.isnan(out), np.inf, out)  # inf − inf where a moment does not exist


def relu_ln_ratio_interval(n: int, depth: int, var_w: float, alpha: float) -> tuple[float, float]:
    """An interval that holds ln(s_L/s_1) with probability ≥ 1 − alpha for one input through
    ``depth`` square ReLU layers of width ``n`` with N(0, ``var_w``) weights (module docstring).

    Positive-unit counts below k_min are excluded and their mass (≤ alpha/4) charged to alpha;
    each Chernoff tail gets 3·alpha/8."""
    log_mgf = _log_mgf(n, depth, var_w, alpha)
    with np.errstate(invalid="ignore"):
        bound = (log_mgf - math.log(3.0 * alpha / 8.0)) / _T_GRID  # exp(−ta)·M(t) = 3α/8
    up = _T_GRID > 0
    high = float(np.min(bound[up]))
    low = float(np.max(np.where(np.isfinite(log_mgf[~up]), bound[~up], -np.inf)))
    return low, high


def relu_ln_ratio_power(n: int, depth: int, var_w: float, alpha: float, true_var_w: float) -> float:
    """A lower bound on P(ln(s_L/s_1) falls outside :func:`relu_ln_ratio_interval` for ``var_w``)
    when the weights really have variance ``true_var_w`` (e.g. Glorot's 1/n instead of He's
    2/n): the ratio law just shifts by (L−1)·ln(true/var_w), so one Chernoff bound on the far
    side gives P(inside) ≤ min_t exp(−t·edge)·M(t) (+ the excluded binomial mass)."""
    low, high = relu_ln_ratio_interval(n, depth, var_w, alpha)
    log_mgf = _log_mgf(n, depth, true_var_w, alpha)
    shift = (depth - 1) * math.log(true_var_w / var_w)
    # the alternative sits below (shift < 0): it is inside only if it exceeds `low`
    edge, side = (low, _T_GRID > 0) if shift < 0 else (high, _T_GRID < 0)
    inside = float(np.exp(np.min(log_mgf[side] - _T_GRID[side] * edge)))
    return max(0.0, 1.0 - min(1.0, inside) - alpha / 4.0)


def relu_chi2_interval(n: int, alpha: float) -> tuple[float, float]:
    """An interval that holds ln χ²_K, K ~ Binomial(n, ½), with probability ≥ 1 − alpha: the law
    of ln |relu-masked g|² for g ~ N(0, I_n), i.e. of one ReLU layer's factor on a squared norm
    (forward: the middle layers above; backward: |(Wᵀδ) ⊙ 1[z > 0]|² = Var(w)·|δ|²·χ²_K).
    Chernoff tails of 3·alpha/8 each; counts below k_min charged alpha/4, as above."""
    m_chi, _, _ = _log_mgfs(n, _k_min(n, 2, alpha))
    with np.errstate(invalid="ignore"):
        bound = (m_chi - math.log(3.0 * alpha / 8.0)) / _T_GRID
    up = _T_GRID > 0
    low = float(np.max(np.where(np.isfinite(m_chi[~up]), bound[~up], -np.inf)))
    return low, float(np.min(bound[up]))


def relu_chi2_power(n: int, alpha: float, shift: float) -> float:
    """A lower bound on P(ln χ²_K + ``shift`` falls outside :func:`relu_chi2_interval`): the
    power against an error that moves the factor by ``shift`` (one Chernoff bound on the far
    side, less the excluded binomial mass)."""
    low, high = relu_chi2_interval(n, alpha)
    m_chi, _, _ = _log_mgfs(n, _k_min(n, 2, alpha))
    # X + shift inside only if it is beyond the near edge: X > low − shift (shift < 0) or
    # X < high − shift (shift > 0)
    edge, side = (low - shift, _T_GRID > 0) if shift < 0 else (high - shift, _T_GRID < 0)
    inside = float(np.exp(np.min(m_chi[side] - _T_GRID[side] * edge)))
    return max(0.0, 1.0 - min(1.0, inside) - alpha / 4.0)


# ---------------------------------------------------------------- bounds of a law's extremes


def uniform_maximum_check(name: str, w: ArrayLike, limit: float, alpha: float) -> Check:
    """max|w|/limit for i.i.d. U[−limit, limit]: P(max < c) = c^N exactly, so the level-alpha
    interval is [alpha^(1/N), 1] (plus 4 ulp of rounding). Power against a limit 1/√2 too small
    (variance 2x off) is 1 when that limit lies below the interval; the detectable shrink of the
    limit is 1 − alpha^(1/N)."""
    x = np.asarray(w, dtype=np.float64).ravel()
    m = float(np.max(np.abs(x))) / limit
    low = alpha ** (1.0 / x.size)
    return Check(
        name, "exact law of the maximum of N uniforms", m, 1.0, low, 1.0 + 4 * np.finfo(float).eps,
        alpha, 1.0 if low > math.sqrt(0.5) else 0.0, "a limit 1/sqrt(2) too small",
        1.0 - low, "relative shrink of the limit", x.size,
    )  # fmt: skip


def talagrand_check(
    name: str, measured: float, expected: float, scale: float, alpha: float, *,
    alternative: float, against: str, mde_of: str,
) -> Check:  # fmt: skip
    """Talagrand's concentration of a convex 1-Lipschitz function of independent entries bounded
    by K (``scale`` = K times the function's Lipschitz constant): P(|f − median f| ≥ λ·scale) ≤
    4·exp(−λ²/16), so ``expected ± √(16·ln(4/alpha))·scale`` holds with probability ≥ 1 − alpha
    (``expected`` the median's limit). Power (the same bound) against ``alternative``."""
    half = math.sqrt(16.0 * math.log(4.0 / alpha)) * scale

    def power(shift: float) -> float:
        """P(reject) when the statistic's median is ``shift`` away from ``expected``."""
        return max(0.0, 1.0 - 4.0 * math.exp(-((max(0.0, shift - half) / scale) ** 2) / 16.0))

    return Check(
        name, "Talagrand concentration of a convex Lipschitz function of bounded entries",
        measured, expected, expected - half, expected + half, alpha,
        power(abs(alternative - expected)), against, detectable(power, 0.0, 100.0 * half),
        mde_of,
    )  # fmt: skip


# ---------------------------------------------------------------- weighted chi-square


def _weighted_chi2_log_mgf(
    weights: NDArray[np.float64], t: NDArray[np.float64]
) -> NDArray[np.float64]:
    """ln E[exp(t·S)], S = Σ c_j g_j² (g_j i.i.d. N(0, 1)), for t < 1/(2·max c)."""
    out: NDArray[np.float64] = -0.5 * np.sum(np.log1p(-2.0 * t[:, None] * weights[None, :]), axis=1)
    return out


def weighted_chi2_interval(weights: ArrayLike, alpha: float) -> tuple[float, float]:
    """An interval that holds S = Σ c_j g_j² (known c_j ≥ 0, g_j i.i.d. N(0, 1)) with
    probability ≥ 1 − alpha: Chernoff bounds of alpha/2 on each tail from the exact moment
    generating function Π (1 − 2t·c_j)^(−1/2) — e.g. a back-propagated delta's squared norm,
    |(Wᵀδ) ⊙ f'(z)|² = Var(w)·|δ|²·Σ f'(z_j)² g_j², given the layer's pre-activations."""
    c = np.asarray(weights, dtype=np.float64).ravel()
    c = c[c > 0.0]
    if c.size == 0:
        return 0.0, 0.0
    up = (1.0 - np.geomspace(1e-9, 1.0 - 1e-6, 400)) / (2.0 * float(np.max(c)))
    down = -np.geomspace(1e-6, 1e3, 400) / (2.0 * float(np.mean(c)))
    level = math.log(alpha / 2.0)
    high = float(np.min((_weighted_chi2_log_mgf(c, up) - level) / up))
    low = float(np.max((_weighted_chi2_log_mgf(c, down) - level) / down))
    return max(0.0, low), high


def weighted_chi2_power(weights: ArrayLike, alpha: float, ratio: float) -> float:
    """A lower bound on the power of :func:`weighted_chi2_interval` when the statistic is really
    ``ratio`` × S (a variance ``ratio`` × off): one Chernoff bound on the far side."""
    c = np.asarray(weights, dtype=np.float64).ravel()
    c = c[c > 0.0]
    low, high = weighted_chi2_interval(c, alpha)
    if ratio > 1.0:  # ratio·S inside only if S ≤ high/ratio
        t = -np.geomspace(1e-6, 1e3, 400) / (2.0 * float(np.mean(c)))
        edge = high / ratio
    else:  # inside only if S ≥ low/ratio
        t = (1.0 - np.geomspace(1e-9, 1.0 - 1e-6, 400)) / (2.0 * float(np.max(c)))
        edge = low / ratio
    inside = float(np.exp(np.min(_weighted_chi2_log_mgf(c, t) - t * edge)))
    return max(0.0, 1.0 - min(1.0, inside))
