"""The band check behind every signal check, by simulation: its false-alarm rate at the band's
edge (the worst case for a true value inside the band) is at most its alpha, and its reported
power is its rejection rate at the named alternative."""

from __future__ import annotations

import numpy as np

from tests.stats_helpers import MONTE_CARLO
from winit.signal import SLOPE_BAND, band_check
from winit.signal.bands import band_power
from winit.stats import binomial_check, binomial_exceeds_critical

ALPHA, SEEDS, RUNS = 0.05, 8, 1000
#: the simulation's own false-alarm budget for concluding the rate exceeds ALPHA
SIMULATION_ALPHA = 1e-6


def _false_alarms(true_value: float, sd: float) -> int:
    rng = np.random.default_rng(20261206)
    draws = rng.normal(true_value, sd, size=(RUNS, SEEDS))
    return sum(not band_check("x", row, 0.0, SLOPE_BAND, ALPHA).passed for row in draws)


@MONTE_CARLO
def test_a_true_value_at_the_band_edge_fails_at_most_alpha_of_the_time() -> None:
    limit = binomial_exceeds_critical(RUNS, ALPHA, SIMULATION_ALPHA)
    assert _false_alarms(SLOPE_BAND.half_width, 0.1) < limit


@MONTE_CARLO
def test_the_reported_power_matches_the_simulated_rejection_rate_at_the_alternative() -> None:
    sd = 0.1
    rejected = _false_alarms(SLOPE_BAND.alternative, sd)
    power = band_power(SLOPE_BAND.alternative, SLOPE_BAND.half_width, sd, SEEDS, ALPHA)
    check = binomial_check("power", rejected, RUNS, power, SIMULATION_ALPHA, against=0.5)
    assert check.passed, check
