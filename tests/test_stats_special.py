"""winit.stats.special (numpy + math only) against scipy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special as spf
from scipy import stats as sp

from winit.stats import special


@pytest.mark.parametrize("p", [1e-12, 1e-6, 0.025, 0.5, 0.975, 1 - 1e-9])
def test_norm_ppf_matches_scipy(p: float) -> None:
    assert special.norm_ppf(p) == pytest.approx(sp.norm.ppf(p), rel=1e-12, abs=1e-12)


def test_norm_ppf_refuses_a_probability_outside_the_open_unit_interval() -> None:
    with pytest.raises(ValueError, match=r"p must be in \(0, 1\)"):
        special.norm_ppf(1.0)


@pytest.mark.parametrize("x", [-38.0, -8.0, -1.0, 0.0, 0.5, 8.0])
def test_norm_cdf_matches_scipy_far_into_the_lower_tail(x: float) -> None:
    assert special.norm_cdf(x) == pytest.approx(sp.norm.cdf(x), rel=1e-13)
    assert special.norm_cdf_array([x])[0] == pytest.approx(sp.norm.cdf(x), rel=1e-13)


@pytest.mark.parametrize("x", [-np.inf, -3.0, 0.0, 1.5])
def test_norm_pdf_matches_scipy(x: float) -> None:
    assert special.norm_pdf(x) == pytest.approx(sp.norm.pdf(x), rel=1e-14, abs=0.0)


@pytest.mark.parametrize("df", [1, 5, 100, 282, 5000, 200_000])
@pytest.mark.parametrize("p", [5e-10, 1e-3, 0.5, 1 - 1e-3, 1 - 5e-10])
def test_chi2_ppf_matches_scipy(df: int, p: float) -> None:
    assert special.chi2_ppf(p, df) == pytest.approx(sp.chi2.ppf(p, df), rel=1e-9)


@pytest.mark.parametrize("df", [1, 7, 282, 5000])
@pytest.mark.parametrize("q", [1e-3, 0.3, 1.0, 3.0, 10.0])
def test_chi2_cdf_and_sf_match_scipy_in_both_tails(df: int, q: float) -> None:
    x = q * df
    assert special.chi2_cdf(x, df) == pytest.approx(sp.chi2.cdf(x, df), rel=1e-10, abs=1e-300)
    assert special.chi2_sf(x, df) == pytest.approx(sp.chi2.sf(x, df), rel=1e-10, abs=1e-300)


@pytest.mark.parametrize("lam", [0.1, 0.5, 1.0, 1.36, 3.0])
def test_kolmogorov_sf_matches_scipy(lam: float) -> None:
    assert special.kolmogorov_sf(lam) == pytest.approx(sp.kstwobign.sf(lam), rel=1e-12)


@pytest.mark.parametrize("n", [200, 1000, 5000])
@pytest.mark.parametrize("alpha", [0.05, 1e-3, 1e-6])
def test_ks_critical_is_within_one_percent_of_the_exact_quantile(n: int, alpha: float) -> None:
    """Stephens' asymptotic form is within 1 % of the exact Kolmogorov quantile for n >= 200
    (at n = 20 and alpha = 1e-6 it is 2 % off, conservative: winit's KS checks use n >= 1000)."""
    assert special.ks_critical(n, alpha) == pytest.approx(sp.kstwo.isf(alpha, n), rel=0.01)
    assert special.ks_pvalue(special.ks_critical(n, alpha), n) == pytest.approx(alpha, rel=1e-6)


def test_ks_statistic_matches_scipy() -> None:
    x = np.random.default_rng(0).standard_normal(500)
    ours = special.ks_statistic(x, lambda v: sp.norm.cdf(v))
    assert ours == pytest.approx(sp.kstest(x, "norm").statistic, rel=1e-12)


@pytest.mark.parametrize("n", [1, 10, 282, 5000])
@pytest.mark.parametrize("p", [0.0, 1e-4, 0.3, 0.5, 0.99, 1.0])
def test_binom_cdf_matches_scipy_at_every_count(n: int, p: float) -> None:
    k = np.unique(np.linspace(-1, n + 1, 41).astype(int))
    ours = np.array([special.binom_cdf(int(i), n, p) for i in k])
    np.testing.assert_allclose(ours, sp.binom.cdf(k, n, p), rtol=1e-11, atol=1e-300)


def test_lgamma_array_matches_scipy_from_tiny_to_large_arguments() -> None:
    x = np.concatenate([np.geomspace(1e-3, 1e6, 500), np.arange(1.0, 30.0, 0.5)])
    np.testing.assert_allclose(special.lgamma_array(x), spf.gammaln(x), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("n", [1, 16, 1024])
def test_log_binomial_half_is_the_log_of_the_fair_binomial_law(n: int) -> None:
    k = np.arange(n + 1)
    np.testing.assert_allclose(
        special.log_binomial_half(n), sp.binom.logpmf(k, n, 0.5), rtol=1e-12, atol=1e-12
    )


def test_logsumexp_matches_scipy_and_keeps_an_infinite_term_infinite() -> None:
    a = np.random.default_rng(1).normal(0.0, 50.0, (7, 30))
    np.testing.assert_allclose(special.logsumexp(a, axis=1), spf.logsumexp(a, axis=1), rtol=1e-14)
    assert special.logsumexp(np.array([[1.0, np.inf]]), axis=1)[0] == np.inf
