"""Checks whose tolerance is a derived finite-size spread, and Kolmogorov–Smirnov power.

A finite network scatters around its infinite-width prediction; the literature claims here state
that spread (derived in each test's comments), and :func:`spread_check` turns it into a normal
interval at the check's alpha, with the power against a named alternative value.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from winit.stats import Check, binom_cdf, ks_critical, norm_cdf, norm_ppf


def spread_check(
    name: str,
    measured: float,
    expected: float,
    sd: float,
    alpha: float,
    *,
    alternative: float,
    against: str,
) -> Check:
    """Is ``measured`` within ``expected ± z(1 − alpha/2)·sd``? ``sd`` is the derived spread of the
    statistic; power is P(reject) when the statistic is centred on ``alternative`` (the value the
    error named in ``against`` predicts) with the same spread."""
    if not sd > 0.0:
        raise ValueError(f"sd must be > 0, got {sd}")
    half = norm_ppf(1.0 - alpha / 2.0) * sd
    shift = alternative - expected
    power = norm_cdf((-half - shift) / sd) + 1.0 - norm_cdf((half - shift) / sd)
    return Check(
        name, "normal interval from the derived finite-size spread", measured, expected,
        expected - half, expected + half, alpha, power, against,
    )  # fmt: skip


def ks_power_lower_bound(n: int, alpha: float, distance: float) -> float:
    """A lower bound on the power of a level-``alpha`` KS test of ``n`` draws when the true CDF is
    ``distance`` (sup norm) away from the tested one: by the Dvoretzky–Kiefer–Wolfowitz
    inequality the empirical CDF strays more than ε from the true one with probability
    ≤ 2·exp(−2nε²), so with ε = distance − critical value the test rejects with at least
    1 − 2·exp(−2nε²)."""
    eps = distance - ks_critical(n, alpha)
    return 0.0 if eps <= 0.0 else max(0.0, 1.0 - 2.0 * math.exp(-2.0 * n * eps * eps))


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
    power: the check fails when at least R − k + 1 draws land beyond the band's far edge."""
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
    # P(one alternative draw lands on the band's side): it must happen at least k times to pass
    inside = norm_cdf((hi_band - m) / sd) if m > hi_band else 1.0 - norm_cdf((lo_band - m) / sd)
    power = binom_cdf(k - 1, r, inside)
    return Check(
        name, f"order-statistic interval of the median ([X_({k}), X_({r - k + 1})] of {r})",
        median, expected, low, high, alpha, power, against,
    )  # fmt: skip
