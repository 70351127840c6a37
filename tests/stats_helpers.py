"""Plumbing of the statistics tests: how a simulated rejection rate is compared with the rate a
check states, at a stated false-alarm rate of the test itself."""

from __future__ import annotations

import pytest
from scipy import stats as sp

#: The false-alarm rate of each simulation test below: the probability that a correct check's
#: simulated rejection count falls outside the accepted range (two-sided, split equally).
TEST_ALPHA = 1e-6
#: A simulation of thousands of checks takes seconds, not milliseconds: it runs with the
#: integration tests (``nox -s integration``, which CI runs), not in the gate run by hand.
MONTE_CARLO = pytest.mark.integration


def rate_band(rate: float, reps: int) -> tuple[int, int]:
    """Rejection counts out of ``reps`` a true rejection probability ``rate`` produces with
    probability ≥ 1 − TEST_ALPHA (exact binomial quantiles)."""
    low = int(sp.binom.ppf(TEST_ALPHA / 2.0, reps, rate))
    high = int(sp.binom.isf(TEST_ALPHA / 2.0, reps, rate))
    return low, high


def at_most(rate: float, reps: int) -> int:
    """The most rejections out of ``reps`` a rejection probability ≤ ``rate`` produces with
    probability ≥ 1 − TEST_ALPHA (a conservative check's false-alarm rate)."""
    return int(sp.binom.isf(TEST_ALPHA, reps, rate))


def at_least(rate: float, reps: int) -> int:
    """The fewest rejections out of ``reps`` a rejection probability ≥ ``rate`` produces with
    probability ≥ 1 − TEST_ALPHA (a power lower bound)."""
    return int(sp.binom.ppf(TEST_ALPHA, reps, rate))
