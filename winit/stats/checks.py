"""The check constructors of moments and shapes (variance, mean, slope, a derived spread, KS,
Talagrand concentration): each measures a statistic, sets its level-``alpha`` interval and
reports its power against a named error and its minimum detectable effect (a
:class:`~winit.stats.check.Check`). Checks from exact finite-sample laws are in
:mod:`winit.stats.exact`.

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
from winit.stats.special import ks_critical, ks_statistic, norm_ppf


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


def z_interval_check(
    name: str,
    test: str,
    measured: float,
    expected: float,
    se: float,
    alpha: float,
    *,
    shift: float | None,
    against: str,
    mde_of: str,
    n: int | None = None,
) -> Check:
    """A normal interval ``expected ± z(1 − alpha/2)·se`` for a statistic of standard error
    ``se``; power against a statistic centred ``shift`` standard errors away (``None``: not
    computed), and the detectable shift in the statistic's units."""
    half = norm_ppf(1.0 - alpha / 2.0) * se
    return Check(
        name=name,
        test=test,
        measured=measured,
        expected=expected,
        low=expected - half,
        high=expected + half,
        alpha=alpha,
        power=None if shift is None else z_power(shift, alpha),
        against=against,
        mde=z_detectable(alpha) * se,
        mde_of=mde_of,
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
    return z_interval_check(
        name,
        "z-test for a mean",
        float(np.mean(x)),
        expected_mean,
        se,
        alpha,
        shift=None if against is None or se <= 0 else against / se,
        against="" if against is None else f"mean shifted by {against:g}",
        mde_of="mean shift",
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
    return z_interval_check(
        name,
        "weighted least-squares slope (z-interval)",
        slope,
        expected,
        se,
        alpha,
        shift=against / se,
        against=f"slope off by {against:g}",
        mde_of="slope error",
        n=xs.size,
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
    return z_interval_check(
        name,
        "normal interval from the derived finite-size spread",
        measured,
        expected,
        sd,
        alpha,
        shift=(alternative - expected) / sd,
        against=against,
        mde_of=mde_of,
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
