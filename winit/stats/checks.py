"""The check constructors: each measures a statistic, sets its level-``alpha`` interval and
reports its power against a named error and its minimum detectable effect (a
:class:`~winit.stats.check.Check`).

``tests/test_stats_checks.py`` checks each against scipy or an exact enumeration, and its alpha
and power by simulation where no closed form exists.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from winit.stats.check import Check
from winit.stats.sizing import (
    NORMAL_KURTOSIS,
    binomial_exceeds_critical,
    chi2_ratio_bounds,
    detectable,
    ks_detectable,
    ks_power,
    normal_ratio_bounds,
    variance_detectable,
    variance_power,
    z_detectable,
    z_power,
)
from winit.stats.special import binom_cdf, ks_critical, ks_statistic, norm_cdf, norm_ppf


def variance_check(
    name: str,
    sample: ArrayLike,
    expected_var: float,
    alpha: float,
    *,
    kurtosis: float | None = None,
    mean: float | None = 0.0,
    against: float = 2.0,
) -> Check:
    """Is the variance of ``sample`` ``expected_var``? With ``mean`` known the n squared
    deviations give n degrees of freedom, otherwise n − 1. Data declared normal
    (``kurtosis=NORMAL_KURTOSIS``) use the exact χ² interval; other laws the asymptotic one with
    their known fourth moment, which the interval's alpha depends on: without a ``kurtosis`` the
    check is refused. Reported as the ratio measured/expected; power against a variance
    ``against`` × off (and 1/``against``).

    Raises:
        ValueError: ``kurtosis`` is not given.
    """
    if kurtosis is None:
        raise ValueError(
            f"variance check {name!r}: give the data's kurtosis (NORMAL_KURTOSIS = 3.0 for data "
            "declared normal, else its E[x^4]/E[x^2]^2); the interval's alpha depends on it"
        )
    x = np.asarray(sample, dtype=np.float64).ravel()
    n = x.size
    centre = float(np.mean(x)) if mean is None else mean
    df = n - 1 if mean is None else n
    ratio = float(np.sum((x - centre) ** 2) / df) / expected_var
    if kurtosis == NORMAL_KURTOSIS:
        lo, hi = chi2_ratio_bounds(df, alpha)
        test = "chi-square interval for a variance"
    else:
        lo, hi = normal_ratio_bounds(n, alpha, kurtosis)
        test = f"asymptotic variance interval (kurtosis {kurtosis:g})"
    return Check(
        name=name,
        test=test,
        measured=ratio,
        expected=1.0,
        low=lo,
        high=hi,
        alpha=alpha,
        power=variance_power(df, alpha, kurtosis, against),
        against=f"variance {against:g}x off",
        mde=variance_detectable(df, alpha, kurtosis),
        mde_of="variance ratio",
        n=n,
    )


def mean_check(
    name: str,
    sample: ArrayLike,
    expected_mean: float,
    std: float,
    alpha: float,
    *,
    against: float | None = None,
) -> Check:
    """z-test of the mean of i.i.d. draws with known std; power against a shift ``against``."""
    x = np.asarray(sample, dtype=np.float64).ravel()
    se = std / math.sqrt(x.size)
    half = norm_ppf(1.0 - alpha / 2.0) * se
    return Check(
        name=name,
        test="z-test for a mean",
        measured=float(np.mean(x)),
        expected=expected_mean,
        low=expected_mean - half,
        high=expected_mean + half,
        alpha=alpha,
        power=None if against is None or se <= 0 else z_power(against / se, alpha),
        against="" if against is None else f"mean shifted by {against:g}",
        mde=z_detectable(alpha) * se,
        mde_of="mean shift",
        n=x.size,
    )


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
    return Check(
        name=name,
        test="Kolmogorov-Smirnov",
        measured=ks_statistic(x, cdf),
        expected=0.0,
        low=0.0,
        high=ks_critical(x.size, alpha),
        alpha=alpha,
        power=None if against is None else ks_power(against[1], x.size, alpha),
        against="" if against is None else against[0],
        mde=ks_detectable(x.size, alpha),
        mde_of="KS distance",
        n=x.size,
    )


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
        name=name,
        test="weighted least-squares slope (z-interval)",
        measured=slope,
        expected=expected,
        low=expected - half,
        high=expected + half,
        alpha=alpha,
        power=z_power(against / se, alpha),
        against=f"slope off by {against:g}",
        mde=z_detectable(alpha) * se,
        mde_of="slope error",
        n=xs.size,
    )


def _first(pred: Callable[[int], bool], top: int) -> int:
    """Smallest k in [0, ``top``] with ``pred(k)`` (monotone), by bisection."""
    a, b = 0, top
    while a < b:
        mid = (a + b) // 2
        if pred(mid):
            b = mid
        else:
            a = mid + 1
    return a


def binomial_check(
    name: str, successes: int, trials: int, p: float, alpha: float, *, against: float
) -> Check:
    """Exact two-sided binomial test that ``successes`` of ``trials`` has success probability
    ``p``, reported as a fraction; power against a true success probability ``against``."""
    # accepted region lo <= successes <= hi: each tail outside it has probability <= alpha/2
    lo = _first(lambda k: binom_cdf(k, trials, p) > alpha / 2.0, trials)
    hi = _first(lambda k: 1.0 - binom_cdf(k, trials, p) <= alpha / 2.0, trials)

    def pw(q: float) -> float:
        return binom_cdf(lo - 1, trials, q) + 1.0 - binom_cdf(hi, trials, q)

    up = detectable(lambda e: pw(min(1.0, p + e)), 0.0, 1.0 - p) if p < 1.0 else None
    down = detectable(lambda e: pw(max(0.0, p - e)), 0.0, p) if p > 0.0 else None
    shifts = [e for e in (up, down) if e is not None]
    return Check(
        name=name,
        test="exact binomial test",
        measured=successes / trials,
        expected=p,
        low=lo / trials,
        high=hi / trials,
        alpha=alpha,
        power=pw(against),
        against=f"success probability {against:g}",
        mde=max(shifts) if shifts else None,
        mde_of="success-probability shift",
        n=trials,
    )


def binomial_exceeds_check(
    name: str, successes: int, trials: int, p: float, alpha: float, *, against: float
) -> Check:
    """One-sided exact binomial test that the success probability exceeds ``p``: passes when
    ``successes`` reaches the smallest k with P(Bin(trials, p) ≥ k) ≤ ``alpha``. Reported as a
    fraction; power is P(Bin(trials, against) ≥ k)."""
    k = binomial_exceeds_critical(trials, p, alpha)

    def pw(q: float) -> float:
        return 1.0 - binom_cdf(k - 1, trials, q)

    return Check(
        name=name,
        test="one-sided exact binomial test",
        measured=successes / trials,
        expected=p,
        low=k / trials,
        high=1.0,
        alpha=alpha,
        power=pw(against),
        against=f"success probability {against:g}",
        mde=detectable(lambda e: pw(min(1.0, p + e)), 0.0, 1.0 - p),
        mde_of="success-probability gain",
        n=trials,
    )


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
        name=name,
        test="normal interval from the derived finite-size spread",
        measured=measured,
        expected=expected,
        low=expected - half,
        high=expected + half,
        alpha=alpha,
        power=z_power((alternative - expected) / sd, alpha),
        against=against,
        mde=z_detectable(alpha) * sd,
        mde_of=mde_of,
    )


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
    m, sd = alternative

    def pw(beyond: float) -> float:
        """P(fail) for a normal law whose mean is ``beyond`` sd past the band edge: fewer than
        k of its R draws land on the band's side."""
        return binom_cdf(k - 1, r, norm_cdf(-beyond))

    edge = hi_band if m > hi_band else lo_band
    return Check(
        name=name,
        test=f"order-statistic interval of the median ([X_({k}), X_({r - k + 1})] of {r})",
        measured=median,
        expected=expected,
        low=lo_band - (float(x[r - k]) - median),
        high=hi_band + (median - float(x[k - 1])),
        alpha=alpha,
        power=pw(abs(m - edge) / sd),
        against=against,
        mde=detectable(pw, 0.0, 100.0),
        mde_of="median beyond the band (alternative sd)",
        n=r,
    )


def uniform_maximum_check(name: str, w: ArrayLike, limit: float, alpha: float) -> Check:
    """max|w|/limit for i.i.d. U[−limit, limit]: P(max < c) = c^N exactly, so the level-alpha
    interval is [alpha^(1/N), 1] (plus 4 ulp of rounding). Power against a limit 1/√2 too small
    (variance 2x off) is 1 when that limit lies below the interval; the detectable shrink of the
    limit is 1 − alpha^(1/N)."""
    x = np.asarray(w, dtype=np.float64).ravel()
    low = alpha ** (1.0 / x.size)
    return Check(
        name=name,
        test="exact law of the maximum of N uniforms",
        measured=float(np.max(np.abs(x))) / limit,
        expected=1.0,
        low=low,
        high=1.0 + 4 * np.finfo(float).eps,
        alpha=alpha,
        power=1.0 if low > math.sqrt(0.5) else 0.0,
        against="a limit 1/sqrt(2) too small",
        mde=1.0 - low,
        mde_of="relative shrink of the limit",
        n=x.size,
    )


def talagrand_check(
    name: str,
    measured: float,
    expected: float,
    scale: float,
    alpha: float,
    *,
    alternative: float,
    against: str,
    mde_of: str,
) -> Check:
    """Talagrand's concentration of a convex 1-Lipschitz function of independent entries bounded
    by K (``scale`` = K times the function's Lipschitz constant): P(|f − median f| ≥ λ·scale) ≤
    4·exp(−λ²/16), so ``expected ± √(16·ln(4/alpha))·scale`` holds with probability ≥ 1 − alpha
    (``expected`` the median's limit). Power (the same bound) against ``alternative``."""
    half = math.sqrt(16.0 * math.log(4.0 / alpha)) * scale

    def power(shift: float) -> float:
        """P(reject) when the statistic's median is ``shift`` away from ``expected``."""
        return max(0.0, 1.0 - 4.0 * math.exp(-((max(0.0, shift - half) / scale) ** 2) / 16.0))

    return Check(
        name=name,
        test="Talagrand concentration of a convex Lipschitz function of bounded entries",
        measured=measured,
        expected=expected,
        low=expected - half,
        high=expected + half,
        alpha=alpha,
        power=power(abs(alternative - expected)),
        against=against,
        mde=detectable(power, 0.0, 100.0 * half),
        mde_of=mde_of,
    )
