"""Every check constructor of winit.stats.checks: its interval against scipy or an exact
enumeration, and its alpha and power by seeded simulation where no closed form gives them.

A simulation test accepts the rejection count a correct check produces with probability
≥ 1 − TEST_ALPHA (tests/stats_helpers.py), so each states its own false-alarm rate; seeded, it
gives the same verdict on every run.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sp

from tests.stats_helpers import MONTE_CARLO, at_least, at_most, rate_band
from winit import stats
from winit.stats import NORMAL_KURTOSIS


def rejections(checks: list[stats.Check]) -> int:
    return sum(not c.passed for c in checks)


def outside(check: stats.Check, measured: np.ndarray) -> int:
    """How many of ``measured`` fall outside ``check``'s interval (for checks whose interval
    does not depend on the data: one constructor call, the statistics vectorised)."""
    return int(np.sum((measured < check.low) | (measured > check.high)))


def test_a_variance_check_without_a_kurtosis_is_refused() -> None:
    x = np.random.default_rng(0).uniform(-1.0, 1.0, 1000)
    with pytest.raises(ValueError, match="variance check 'Var': give the data's kurtosis"):
        stats.variance_check("Var", x, 1.0 / 3.0, 1e-6)


def test_variance_check_on_normal_data_is_the_exact_chi_square_interval() -> None:
    x = np.random.default_rng(1).standard_normal(282)
    c = stats.variance_check("v", x, 1.0, 1e-6, kurtosis=NORMAL_KURTOSIS)
    assert (c.low, c.high) == pytest.approx(
        (sp.chi2.ppf(5e-7, 282) / 282, sp.chi2.isf(5e-7, 282) / 282), rel=1e-9
    )
    assert c.measured == pytest.approx(np.mean(x**2)) and c.n == 282
    free = stats.variance_check("v", x, 1.0, 1e-6, kurtosis=NORMAL_KURTOSIS, mean=None)
    assert free.measured == pytest.approx(np.var(x, ddof=1))
    assert free.low == pytest.approx(sp.chi2.ppf(5e-7, 281) / 281, rel=1e-9)


def test_variance_check_alpha_and_power_on_normal_data_by_simulation() -> None:
    """At α = 0.01 and n = 282 the chi-square interval rejects a correct variance at rate α and
    a variance 1.3x off at its stated power."""
    x = np.random.default_rng(1).standard_normal((20_000, 282))
    check = stats.variance_check("v", x[0], 1.0, 0.01, kurtosis=3.0)
    low, high = rate_band(0.01, 20_000)
    assert low <= outside(check, np.mean(x**2, axis=1)) <= high
    low, high = rate_band(stats.chi2_ratio_power(282, 0.01, 1.3), 20_000)
    assert low <= outside(check, 1.3 * np.mean(x**2, axis=1)) <= high


@MONTE_CARLO
def test_variance_check_alpha_and_power_on_uniform_data_by_simulation() -> None:
    """The asymptotic interval with the uniform's kurtosis 1.8 holds its α = 0.01 at n = 2000,
    and its power against 1.1x is the stated one (normal approximation; n large)."""
    x = np.random.default_rng(2).uniform(-math.sqrt(3.0), math.sqrt(3.0), (10_000, 2000))
    check = stats.variance_check("v", x[0], 1.0, 0.01, kurtosis=1.8)
    assert check.test == "asymptotic variance interval (kurtosis 1.8)"
    low, high = rate_band(0.01, 10_000)
    assert low <= outside(check, np.mean(x**2, axis=1)) <= high
    low, high = rate_band(stats.normal_ratio_power(2000, 0.01, 1.8, 1.1), 10_000)
    assert low <= outside(check, 1.1 * np.mean(x**2, axis=1)) <= high


def test_mean_check_is_the_z_interval_with_its_power() -> None:
    x = np.random.default_rng(3).standard_normal(10_000)
    c = stats.mean_check("m", x, 0.0, 1.0, 1e-6, against=0.1)
    half = sp.norm.isf(5e-7) / 100.0
    assert (c.low, c.high) == pytest.approx((-half, half), rel=1e-12)
    z = sp.norm.isf(5e-7)
    assert c.power == pytest.approx(sp.norm.cdf(-z - 10.0) + sp.norm.sf(z - 10.0), rel=1e-9)
    assert c.mde == pytest.approx((z + sp.norm.ppf(0.999)) / 100.0, rel=1e-9)
    assert stats.mean_check("m", x, 0.0, 1.0, 1e-6).power is None


def test_mean_check_alpha_and_power_by_simulation() -> None:
    x = np.random.default_rng(4).standard_normal((20_000, 100))
    check = stats.mean_check("m", x[0], 0.0, 1.0, 0.01, against=0.3)
    low, high = rate_band(0.01, 20_000)
    assert low <= outside(check, np.mean(x, axis=1)) <= high
    assert check.power is not None
    low, high = rate_band(check.power, 20_000)
    assert low <= outside(check, np.mean(x + 0.3, axis=1)) <= high


def test_ks_check_is_scipys_statistic_against_the_kolmogorov_critical_value() -> None:
    x = np.random.default_rng(5).standard_normal(2000)
    c = stats.ks_check("ks", x, sp.norm.cdf, 1e-3, against=("a shift", 0.1))
    assert c.measured == pytest.approx(sp.kstest(x, "norm").statistic, rel=1e-12)
    assert c.high == pytest.approx(sp.kstwo.isf(1e-3, 2000), rel=0.01)
    assert c.power == stats.ks_power(0.1, 2000, 1e-3) and c.against == "a shift"


def ks_statistics(x: np.ndarray) -> np.ndarray:
    """sup |F_n − Φ| of each row of ``x``."""
    f = sp.norm.cdf(np.sort(x, axis=1))
    n = x.shape[1]
    i = np.arange(1, n + 1)
    out: np.ndarray = np.maximum(np.max(i / n - f, axis=1), np.max(f - (i - 1) / n, axis=1))
    return out


@MONTE_CARLO
def test_ks_check_alpha_and_power_by_simulation() -> None:
    """Its false-alarm rate is at most α (Stephens' form is conservative); against a law 0.1
    away in sup norm (a mean shift of 0.25) it rejects at least at the DKW lower bound."""
    x = np.random.default_rng(6).standard_normal((4000, 1000))
    distance = float(sp.norm.cdf(0.125) - sp.norm.cdf(-0.125))
    check = stats.ks_check("ks", x[0], sp.norm.cdf, 0.05, against=("shift", distance))
    assert ks_statistics(x[:1])[0] == pytest.approx(check.measured, rel=1e-12)
    assert outside(check, ks_statistics(x)) <= at_most(0.05, 4000)
    assert check.power is not None and check.power > 0.9
    assert outside(check, ks_statistics(x + 0.25)) >= at_least(check.power, 4000)


def test_slope_check_is_the_weighted_least_squares_z_interval() -> None:
    x = np.log(np.array([10.0, 100.0, 1000.0]))
    c = stats.slope_check("s", x, 1.0 * x + 0.3, [1e-4] * 3, 1.0, 1e-6, against=0.5)
    assert c.passed and c.measured == pytest.approx(1.0)
    fit = np.polyfit(x, 1.0 * x + 0.3, 1, w=[100.0] * 3, cov="unscaled")
    se = math.sqrt(fit[1][0, 0])
    assert c.high - 1.0 == pytest.approx(sp.norm.isf(5e-7) * se, rel=1e-9)
    assert c.power is not None and c.power > 0.999
    assert not stats.slope_check("s", x, 0.5 * x, [1e-4] * 3, 1.0, 1e-6, against=0.5).passed


@pytest.mark.parametrize(("trials", "p"), [(50, 0.5), (1024, 0.01), (300, 0.97)])
def test_binomial_check_region_and_power_by_exact_enumeration(trials: int, p: float) -> None:
    c = stats.binomial_check("b", 0, trials, p, 1e-3, against=min(1.0, p + 0.2))
    lo, hi = round(c.low * trials), round(c.high * trials)
    assert sp.binom.cdf(lo - 1, trials, p) <= 5e-4 < sp.binom.cdf(lo, trials, p)
    assert sp.binom.sf(hi, trials, p) <= 5e-4 < sp.binom.sf(hi - 1, trials, p)
    q = min(1.0, p + 0.2)
    exact = sp.binom.cdf(lo - 1, trials, q) + sp.binom.sf(hi, trials, q)
    assert c.power == pytest.approx(exact, rel=1e-9, abs=1e-12)


def test_binomial_exceeds_check_by_exact_enumeration() -> None:
    c = stats.binomial_exceeds_check("w", 17, 20, 0.5, 1e-3, against=0.95)
    k = round(c.low * 20)
    assert sp.binom.sf(k - 1, 20, 0.5) <= 1e-3 < sp.binom.sf(k - 2, 20, 0.5)
    assert c.power == pytest.approx(sp.binom.sf(k - 1, 20, 0.95), rel=1e-9)
    assert c.passed == (k <= 17) and c.measured == 17 / 20


def test_spread_check_is_the_normal_interval_with_its_power() -> None:
    c = stats.spread_check("s", 0.1, 0.0, 0.05, 1e-6, alternative=0.5, against="x")
    z = sp.norm.isf(5e-7)
    assert (c.low, c.high) == pytest.approx((-z * 0.05, z * 0.05), rel=1e-12)
    assert c.power == pytest.approx(sp.norm.cdf(-z - 10.0) + sp.norm.sf(z - 10.0), rel=1e-9)
    with pytest.raises(ValueError, match="sd must be > 0"):
        stats.spread_check("s", 0.1, 0.0, 0.0, 1e-6, alternative=0.5, against="x")


def test_median_band_check_orders_cover_the_median_with_probability_one_minus_alpha() -> None:
    """The order statistics [X_(k), X_(R−k+1)] of the test string miss the median with
    probability 2·P(Bin(R, ½) ≤ k − 1) ≤ α, and k is the largest such (exact enumeration)."""
    x = np.random.default_rng(7).standard_normal(200)
    c = stats.median_band_check("m", x, (-0.1, 0.1), 0.0, 1e-3, alternative=(1.0, 0.2),
                                against="x")  # fmt: skip
    k = int(c.test.split("X_(")[1].split(")")[0])
    assert 2 * sp.binom.cdf(k - 1, 200, 0.5) <= 1e-3 < 2 * sp.binom.cdf(k, 200, 0.5)
    assert c.power == pytest.approx(sp.binom.cdf(k - 1, 200, sp.norm.cdf(-(1.0 - 0.1) / 0.2)))
    with pytest.raises(ValueError, match="cannot reach alpha"):
        stats.median_band_check("m", x[:5], (-0.1, 0.1), 0.0, 1e-3, alternative=(1.0, 0.2),
                                against="x")  # fmt: skip


@MONTE_CARLO
def test_median_band_check_alpha_and_power_by_simulation() -> None:
    """A law whose median sits on the band's edge fails at most at rate α; the normal
    alternative fails at its stated power."""
    x = np.random.default_rng(8).standard_normal((1000, 60))
    band = (0.0, 1.0)
    edge = [stats.median_band_check("m", r, band, 0.5, 0.05, alternative=(2.0, 1.0), against="x")
            for r in x]  # fmt: skip
    assert rejections(edge) <= at_most(0.05, 1000)
    far = [stats.median_band_check("m", r + 1.5, band, 0.5, 0.05, alternative=(1.5, 1.0),
                                   against="x") for r in x]  # fmt: skip
    assert far[0].power is not None
    low, high = rate_band(far[0].power, 1000)
    assert low <= rejections(far) <= high


def test_uniform_maximum_check_interval_has_exactly_alpha_below_it() -> None:
    """P(max|w| < c·limit) = c^N: the lower end is alpha^(1/N), and a simulation of N = 50
    uniforms at α = 0.05 rejects at rate 0.05."""
    c = stats.uniform_maximum_check("u", [0.5, -1.0], 1.0, 0.05)
    assert c.low**2 == pytest.approx(0.05) and c.measured == 1.0 and c.passed
    w = np.random.default_rng(9).uniform(-1.0, 1.0, (20_000, 50))
    low, high = rate_band(0.05, 20_000)
    check = stats.uniform_maximum_check("u", w[0], 1.0, 0.05)
    assert low <= outside(check, np.max(np.abs(w), axis=1)) <= high
    assert stats.uniform_maximum_check("u", w[0], 1.0, 1e-6).power == 1.0  # 1e-6^(1/50) > 0.71


def test_talagrand_check_interval_and_power_follow_the_concentration_bound() -> None:
    c = stats.talagrand_check("t", 1.0, 1.0, 0.01, 1e-6, alternative=1.5, against="x", mde_of="m")
    half = math.sqrt(16.0 * math.log(4.0 / 1e-6)) * 0.01
    assert (c.low, c.high) == pytest.approx((1.0 - half, 1.0 + half))
    expected = 1.0 - 4.0 * math.exp(-(((0.5 - half) / 0.01) ** 2) / 16.0)
    assert c.power == pytest.approx(expected)


def test_talagrand_check_alpha_by_simulation() -> None:
    """|x|/√n of n uniform entries is convex and (1/√n)-Lipschitz with entries bounded by 1, so
    scale 1/√n: its false-alarm rate stays below α = 0.05 (the bound is conservative)."""
    n = 400
    x = np.random.default_rng(10).uniform(-1.0, 1.0, (4000, n))
    f = np.linalg.norm(x, axis=1) / math.sqrt(n)
    median = math.sqrt(1.0 / 3.0)
    check = stats.talagrand_check("t", float(f[0]), median, 1.0 / math.sqrt(n), 0.05,
                                  alternative=1.0, against="x", mde_of="m")  # fmt: skip
    assert outside(check, f) <= at_most(0.05, 4000)


def test_exact_check_passes_within_its_tolerance_only() -> None:
    assert stats.exact_check("e", 1.0 + 1e-13, 1.0, 1e-12).passed
    off = stats.exact_check("e", 1.0 + 1e-11, 1.0, 1e-12)
    assert not off.passed and off.alpha == 0.0 and (off.low, off.high) == (1.0 - 1e-12, 1.0 + 1e-12)


def test_a_checks_sizing_is_given_by_keyword() -> None:
    with pytest.raises(TypeError):
        stats.Check("c", "exact", 1.0, 1.0, 0.0, 2.0, 0.0, 0.999)  # type: ignore[call-arg]
    c = stats.Check("c", "t", 1.0, 1.0, 0.0, 2.0, 1e-6, power=0.999, against="2x", n=10)
    assert c.as_dict() == {
        "name": "c", "test": "t", "measured": 1.0, "expected": 1.0, "low": 0.0, "high": 2.0,
        "alpha": 1e-6, "power": 0.999, "against": "2x", "mde": None, "mde_of": "", "n": 10,
        "passed": True,
    }  # fmt: skip


def test_uniform_maximum_check_rejects_every_limit_too_small_by_sqrt_2() -> None:
    """Its power of 1 against a limit 1/√2 too small: the largest draw of U[±1/√2] is below
    1/√2 < alpha^(1/N) whenever the power says 1."""
    w = np.random.default_rng(14).uniform(-math.sqrt(0.5), math.sqrt(0.5), (1000, 200))
    check = stats.uniform_maximum_check("u", w[0], 1.0, 1e-6)
    assert check.power == 1.0
    assert outside(check, np.max(np.abs(w), axis=1)) == 1000


def test_talagrand_check_power_by_simulation() -> None:
    """The statistic of the alpha test, shifted to a median ``alternative`` where the bound
    promises power > 0.9, is rejected at least that often."""
    n = 400
    x = np.random.default_rng(15).uniform(-1.0, 1.0, (4000, n))
    median, scale = math.sqrt(1.0 / 3.0), 1.0 / math.sqrt(n)
    half = math.sqrt(16.0 * math.log(4.0 / 0.05)) * scale
    alternative = median + half + 8.0 * scale
    check = stats.talagrand_check("t", median, median, scale, 0.05, alternative=alternative,
                                  against="x", mde_of="m")  # fmt: skip
    assert check.power is not None and check.power > 0.9
    f = np.linalg.norm(x, axis=1) / math.sqrt(n) + (alternative - median)
    assert outside(check, f) >= at_least(check.power, 4000)
