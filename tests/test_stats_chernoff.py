"""Chernoff intervals (winit.stats.chernoff) and the ReLU laws built on them
(winit.stats.relu): each interval against exact quantiles (scipy, or an exact enumeration of
the binomial mixture), its alpha and power by seeded simulation of the law itself.

Simulation tests accept what a correct interval produces with probability ≥ 1 − TEST_ALPHA
(tests/stats_helpers.py): their own false-alarm rate.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sp

from tests.stats_helpers import MONTE_CARLO, at_least, at_most
from winit import stats
from winit.stats import LogMgf


def test_a_chernoff_interval_of_the_standard_normal_is_the_sub_gaussian_bound() -> None:
    """ln M(t) = t²/2: the interval is ±√(2 ln(1/tail)), the tail bound exp(−a²/2)."""
    t = np.concatenate([-np.geomspace(1e-3, 1e3, 4000)[::-1], np.geomspace(1e-3, 1e3, 4000)])
    normal = LogMgf(t, t * t / 2.0)
    edge = math.sqrt(2.0 * math.log(1e6))
    assert normal.interval(1e-6) == pytest.approx((-edge, edge), rel=1e-5)
    assert normal.tail_bound(3.0, upper=True) == pytest.approx(math.exp(-4.5), rel=1e-4)
    assert normal.tail_bound(-3.0, upper=False) == pytest.approx(math.exp(-4.5), rel=1e-4)
    assert normal.miss_power(3.0, upper=True, excluded=0.1) == pytest.approx(
        1.0 - math.exp(-4.5) - 0.1, rel=1e-4
    )


@pytest.mark.parametrize("k", [4, 50, 1000])
def test_weighted_chi2_interval_of_equal_weights_contains_the_exact_chi2_quantiles(k: int) -> None:
    low, high = stats.weighted_chi2_interval(np.ones(k), 1e-6)
    exact_low, exact_high = sp.chi2.ppf(5e-7, k), sp.chi2.isf(5e-7, k)
    assert low <= exact_low and high >= exact_high
    assert high - low < 1.5 * (exact_high - exact_low)  # and it is not much wider


@pytest.mark.parametrize("ratio", [2.0, 0.5])
def test_weighted_chi2_power_is_a_lower_bound_on_the_exact_power(ratio: float) -> None:
    k = 500
    low, high = stats.weighted_chi2_interval(np.ones(k), 1e-6)
    exact = sp.chi2.cdf(low / ratio, k) + sp.chi2.sf(high / ratio, k)
    power = stats.weighted_chi2_power(np.ones(k), 1e-6, ratio)
    assert 0.99 < power <= exact


def test_weighted_chi2_interval_alpha_by_simulation_with_unequal_weights() -> None:
    weights = np.linspace(0.0, 1.0, 64) ** 2
    g = np.random.default_rng(11).standard_normal((20_000, 64))
    s = (g * g) @ weights
    low, high = stats.weighted_chi2_interval(weights, 0.01)
    assert int(np.sum((s < low) | (s > high))) <= at_most(0.01, 20_000)


def test_weighted_chi2_interval_of_no_positive_weight_is_the_point_zero() -> None:
    assert stats.weighted_chi2_interval(np.zeros(5), 1e-6) == (0.0, 0.0)


def test_weighted_chi2_check_reports_the_weaker_direction_of_its_power() -> None:
    weights = np.linspace(0.1, 1.0, 100)
    c = stats.weighted_chi2_check("d", 40.0, weights, 1e-6, ratio=2.0, against="2x")
    assert (c.low, c.high) == stats.weighted_chi2_interval(weights, 1e-6)
    both = [stats.weighted_chi2_power(weights, 1e-6, r) for r in (2.0, 0.5)]
    assert c.power == min(both) and c.expected == pytest.approx(np.sum(weights)) and c.n == 100


def relu_chi2_miss(n: int, low: float, high: float, shift: float = 0.0) -> float:
    """P(ln χ²_K + shift ∉ [low, high]), K ~ Bin(n, ½), by exact enumeration over K (K = 0 is
    ln 0 = −∞: outside)."""
    k = np.arange(1, n + 1)
    weight = sp.binom.pmf(k, n, 0.5)
    inside = sp.chi2.cdf(math.exp(high - shift), k) - sp.chi2.cdf(math.exp(low - shift), k)
    return float(1.0 - np.sum(weight * inside))


@pytest.mark.parametrize("n", [16, 256])
def test_relu_chi2_interval_misses_with_probability_at_most_alpha(n: int) -> None:
    low, high = stats.relu_chi2_interval(n, 1e-4)
    assert relu_chi2_miss(n, low, high) <= 1e-4


@pytest.mark.parametrize("shift", [math.log(2.0), -math.log(2.0)])
def test_relu_chi2_power_is_a_lower_bound_on_the_exact_power(shift: float) -> None:
    n = 1024
    low, high = stats.relu_chi2_interval(n, 1e-6)
    power = stats.relu_chi2_power(n, 1e-6, shift)
    assert 0.99 < power <= relu_chi2_miss(n, low, high, shift)


def test_relu_chi2_check_is_centred_and_sized_from_the_law() -> None:
    c = stats.relu_chi2_check("d", 1.0, 256, 0.5, 1e-6, shift=math.log(2.0), against="x")
    low, high = stats.relu_chi2_interval(256, 1e-6)
    assert (c.low, c.high) == (0.5 + low, 0.5 + high)
    assert c.expected == 0.5 + math.log(128.0) and c.n == 256
    assert c.power == stats.relu_chi2_power(256, 1e-6, math.log(2.0))
    assert c.mde is not None and c.mde_of == "shift of the ln ratio (either way)"


def ln_ratios(n: int, depth: int, var_w: float, reps: int, seed: int) -> np.ndarray:
    """ln(s_L/s_1) of one input through ``depth`` square ReLU layers of N(0, var_w) weights,
    for ``reps`` independent networks (the law winit.stats.relu describes)."""
    gen = np.random.default_rng(seed)
    h = np.broadcast_to(gen.standard_normal(n), (reps, n))
    first = last = np.zeros(reps)
    for layer in range(depth):
        w = gen.normal(0.0, math.sqrt(var_w), (reps, n, n))
        y = np.einsum("rij,rj->ri", w, h)
        if layer == 0:
            first = np.mean(y * y, axis=1)
        last = np.mean(y * y, axis=1)
        h = np.maximum(y, 0.0)
    out: np.ndarray = np.log(last / first)
    return out


@MONTE_CARLO
def test_relu_ln_ratio_interval_alpha_and_power_by_simulation() -> None:
    """Networks of width 64 and depth 8 with He's variance fall outside at most at rate α = 0.01;
    with Glorot's (half of it) at least at the power's lower bound."""
    n, depth, reps = 64, 8, 2000
    low, high = stats.relu_ln_ratio_interval(n, depth, 2.0 / n, 0.01)
    he = ln_ratios(n, depth, 2.0 / n, reps, 12)
    assert int(np.sum((he < low) | (he > high))) <= at_most(0.01, reps)
    power = stats.relu_ln_ratio_power(n, depth, 2.0 / n, 0.01, 1.0 / n)
    glorot = ln_ratios(n, depth, 1.0 / n, reps, 13)
    assert power > 0.9
    assert int(np.sum((glorot < low) | (glorot > high))) >= at_least(power, reps)


def test_relu_ln_ratio_check_reports_the_first_order_expectation_and_its_power() -> None:
    n = 256
    c = stats.relu_ln_ratio_check("r", 0.0, n, 5, 2.0 / n, 1e-6, true_var_w=1.0 / n,
                                  against="Glorot")  # fmt: skip
    assert (c.low, c.high) == stats.relu_ln_ratio_interval(n, 5, 2.0 / n, 1e-6)
    assert c.expected == pytest.approx(0.0, abs=1e-15) and c.n == n
    assert c.power == stats.relu_ln_ratio_power(n, 5, 2.0 / n, 1e-6, 1.0 / n)
    assert c.mde is not None and 1.0 < c.mde < 4.0


def test_relu_laws_refuse_a_width_or_depth_below_two() -> None:
    with pytest.raises(ValueError, match="need width n >= 2 and depth >= 2"):
        stats.relu_ln_ratio_interval(64, 1, 2.0 / 64, 1e-6)
