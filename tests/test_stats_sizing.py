"""winit.stats.sizing: each power against scipy's closed form, each minimum detectable effect
and sample size as the smallest that reaches the power, and the sample sizes of CLAIMS.md."""

from __future__ import annotations

import math

import pytest
from scipy import stats as sp

from winit import stats
from winit.stats import POWER


@pytest.mark.parametrize("shift", [0.0, 1.0, 6.0, -4.0])
def test_z_power_is_the_two_sided_normal_rejection_probability(shift: float) -> None:
    z = sp.norm.isf(1e-6 / 2)
    exact = sp.norm.cdf(-z - shift) + sp.norm.sf(z - shift)
    assert stats.z_power(shift, 1e-6) == pytest.approx(exact, rel=1e-9)


def test_z_detectable_shift_is_detected_with_the_power() -> None:
    assert stats.z_power(stats.z_detectable(1e-6), 1e-6) == pytest.approx(POWER, abs=1e-9)


def test_z_sample_size_is_the_fewest_draws_that_detect_the_shift() -> None:
    n = stats.z_sample_size(0.1, 1.0, 1e-6)
    assert stats.z_power(0.1 * math.sqrt(n), 1e-6) >= POWER
    assert stats.z_power(0.1 * math.sqrt(n - 1), 1e-6) < POWER


def test_detectable_and_sample_size_bisect_a_monotone_power() -> None:
    assert stats.detectable(lambda e: e, 0.0, 1.0, power=0.5) == pytest.approx(0.5, rel=1e-5)
    assert stats.detectable(lambda e: e, 0.0, 0.4, power=0.5) is None
    assert stats.sample_size(lambda n: n / 1000, 0.5, 10_000) == 500
    assert stats.sample_size(lambda n: n / 1000, 0.5, 100) is None


def test_bonferroni_splits_alpha_and_refuses_no_checks() -> None:
    assert stats.bonferroni(1e-6, 10) == pytest.approx(1e-7)
    with pytest.raises(ValueError, match="checks must be >= 1"):
        stats.bonferroni(0.1, 0)


@pytest.mark.parametrize("df", [10, 282, 5000])
def test_chi2_ratio_bounds_and_power_match_scipy(df: int) -> None:
    lo, hi = stats.chi2_ratio_bounds(df, 1e-6)
    assert lo == pytest.approx(sp.chi2.ppf(5e-7, df) / df, rel=1e-9)
    assert hi == pytest.approx(sp.chi2.isf(5e-7, df) / df, rel=1e-9)
    exact = sp.chi2.cdf(lo * df / 2.0, df) + sp.chi2.sf(hi * df / 2.0, df)
    assert stats.chi2_ratio_power(df, 1e-6, 2.0) == pytest.approx(exact, rel=1e-9)


def test_normal_ratio_bounds_and_power_are_the_asymptotic_normal_interval() -> None:
    n, kurtosis = 5000, 1.8
    sd = math.sqrt((kurtosis - 1.0) / n)
    lo, hi = stats.normal_ratio_bounds(n, 1e-6, kurtosis)
    assert (lo, hi) == pytest.approx((1 - sp.norm.isf(5e-7) * sd, 1 + sp.norm.isf(5e-7) * sd))
    exact = sp.norm.cdf(lo, 1.3, 1.3 * sd) + sp.norm.sf(hi, 1.3, 1.3 * sd)
    assert stats.normal_ratio_power(n, 1e-6, kurtosis, 1.3) == pytest.approx(exact, rel=1e-9)


def test_variance_power_is_the_weaker_of_the_two_directions() -> None:
    both = [stats.chi2_ratio_power(282, 1e-6, r) for r in (2.0, 0.5)]
    assert stats.variance_power(282, 1e-6, 3.0, 2.0) == min(both)


def test_variance_detectable_ratio_is_detected_with_the_power() -> None:
    r = stats.variance_detectable(282, 1e-6)
    assert r is not None
    assert stats.variance_power(282, 1e-6, 3.0, r) == pytest.approx(POWER, abs=1e-5)


def test_sample_sizes_of_the_claim_catalogue() -> None:
    """CLAIMS.md: 282 draws separate σ² from 2σ² (both ways) at α = 1e-6 with power 0.999, the
    fewest that do."""
    assert stats.variance_sample_size(2.0, 1e-6, POWER) == 282
    assert stats.variance_power(281, 1e-6, 3.0, 2.0) < POWER
    assert 1800 <= stats.variance_sample_size(1.3, 1e-6, POWER) <= 1900  # CLAIMS.md: 1,891
    assert stats.variance_sample_size(2.0, 1e-6, POWER, kurtosis=1.8) < 282  # lighter tails


def test_sum_kurtosis_of_two_uniform_products_is_the_triangular_laws() -> None:
    """w ~ U (κ 1.8) times a random sign (κ 1), two terms: z is triangular."""
    triangular = 3.0 + float(sp.triang(0.5).stats(moments="k"))
    assert stats.sum_kurtosis(2, 1.8, 1.0) == pytest.approx(triangular, rel=1e-12)


@pytest.mark.parametrize("n", [1000, 20_000])
def test_ks_power_is_the_dkw_bound_beyond_the_critical_value(n: int) -> None:
    margin = 0.05 - stats.ks_critical(n, 1e-6)
    expected = max(0.0, 1 - 2 * math.exp(-2 * n * margin**2)) if margin > 0 else 0.0
    assert stats.ks_power(0.05, n, 1e-6) == pytest.approx(expected, abs=1e-15)
    assert stats.ks_power(stats.ks_detectable(n, 1e-6), n, 1e-6) == pytest.approx(POWER)


def test_ks_sample_size_is_the_first_power_of_two_with_the_power() -> None:
    n = stats.ks_sample_size(1e-6, POWER, 0.05)
    assert n & (n - 1) == 0 and stats.ks_power(0.05, n, 1e-6) >= POWER
    assert stats.ks_power(0.05, n // 2, 1e-6) < POWER


@pytest.mark.parametrize(("trials", "p"), [(20, 0.5), (200, 0.5), (50, 0.9)])
def test_binomial_exceeds_critical_is_the_exact_upper_quantile(trials: int, p: float) -> None:
    k = stats.binomial_exceeds_critical(trials, p, 1e-3)
    assert sp.binom.sf(k - 1, trials, p) <= 1e-3  # P(X >= k)
    assert k == 0 or sp.binom.sf(k - 2, trials, p) > 1e-3  # P(X >= k - 1)
    exact = sp.binom.sf(k - 1, trials, 0.95)
    assert stats.binomial_exceeds_power(trials, p, 1e-3, 0.95) == pytest.approx(exact, rel=1e-9)


def test_binomial_exceeds_sample_size_is_the_fewest_trials_with_the_power() -> None:
    n = stats.binomial_exceeds_sample_size(0.5, 1e-6, POWER, 0.95, 1000)
    assert n is not None
    assert stats.binomial_exceeds_power(n, 0.5, 1e-6, 0.95) >= POWER
    assert stats.binomial_exceeds_power(n - 1, 0.5, 1e-6, 0.95) < POWER
