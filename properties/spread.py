"""Checks whose tolerance is a derived finite-size spread, and Kolmogorov–Smirnov power.

A finite network scatters around its infinite-width prediction; the literature claims here state
that spread (derived in each test's comments), and :func:`spread_check` turns it into a normal
interval at the check's alpha, with the power against a named alternative value.
"""

from __future__ import annotations

import math

from winit.stats import Check, ks_critical, norm_cdf, norm_ppf


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
