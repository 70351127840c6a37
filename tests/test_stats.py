"""winit.stats (numpy + math only) against scipy, and the sample-size arithmetic of CLAIMS.md."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sp

from winit import stats


@pytest.mark.parametrize("p", [1e-12, 1e-6, 0.025, 0.5, 0.975, 1 - 1e-9])
def test_norm_ppf(p: float) -> None:
    assert stats.norm_ppf(p) == pytest.approx(sp.norm.ppf(p), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("df", [1, 5, 100, 282, 5000, 200_000])
@pytest.mark.parametrize("p", [5e-10, 1e-3, 0.5, 1 - 1e-3, 1 - 5e-10])
def test_chi2_ppf(df: int, p: float) -> None:
    assert stats.chi2_ppf(p, df) == pytest.approx(sp.chi2.ppf(p, df), rel=1e-9)


@pytest.mark.parametrize("n", [200, 1000, 5000])
@pytest.mark.parametrize("alpha", [0.05, 1e-3, 1e-6])
def test_ks_critical_close_to_exact(n: int, alpha: float) -> None:
    """Stephens' asymptotic form is within 1 % of the exact Kolmogorov quantile for n >= 200
    (at n = 20 and alpha = 1e-6 it is 2 % off, conservative: winit's KS checks use n >= 1000)."""
    assert stats.ks_critical(n, alpha) == pytest.approx(sp.kstwo.isf(alpha, n), rel=0.01)


def test_ks_statistic_matches_scipy() -> None:
    x = np.random.default_rng(0).standard_normal(500)
    ours = stats.ks_statistic(x, lambda v: sp.norm.cdf(v))
    assert ours == pytest.approx(sp.kstest(x, "norm").statistic, rel=1e-12)


def test_sample_sizes_of_the_claim_catalogue() -> None:
    """CLAIMS.md: 282 draws separate σ² from 2σ² (both ways) at α = 1e-6 with power 0.999."""
    assert stats.variance_sample_size(2.0, 1e-6, 0.999) == 282
    n13 = stats.variance_sample_size(1.3, 1e-6, 0.999)
    assert 1800 <= n13 <= 1900  # CLAIMS.md quotes 1,891 for a 1.3x error
    assert (
        stats.variance_sample_size(2.0, 1e-6, 0.999, kurtosis=1.8) < 282
    )  # uniform: lighter tails


def test_variance_check_power_and_false_alarm_by_simulation() -> None:
    """At α = 0.01 and n = 282 the interval's rejection rates match their stated values."""
    rng = np.random.default_rng(1)
    reps = 4000
    x = rng.standard_normal((reps, 282))
    rejected = sum(not stats.variance_check("v", row, 1.0, 0.01).passed for row in x)
    assert rejected / reps == pytest.approx(0.01, abs=0.006)
    power = stats.chi2_ratio_power(282, 0.01, 1.3)
    hits = sum(not stats.variance_check("v", row * np.sqrt(1.3), 1.0, 0.01).passed for row in x)
    assert hits / reps == pytest.approx(power, abs=0.03)


def test_slope_check_recovers_slope() -> None:
    x = np.log(np.array([10.0, 100.0, 1000.0]))
    c = stats.slope_check("s", x, 1.0 * x + 0.3, [1e-4] * 3, 1.0, 1e-6, against=0.5)
    assert c.passed and c.measured == pytest.approx(1.0)
    assert c.power is not None and c.power > 0.999
    assert not stats.slope_check("s", x, 0.5 * x, [1e-4] * 3, 1.0, 1e-6, against=0.5).passed


def test_bonferroni_and_errors() -> None:
    assert stats.bonferroni(1e-6, 10) == pytest.approx(1e-7)
    with pytest.raises(ValueError, match="checks must be >= 1"):
        stats.bonferroni(0.1, 0)
    with pytest.raises(ValueError, match=r"p must be in \(0, 1\)"):
        stats.norm_ppf(1.0)
