"""TRUNCATED-CORRECTION: the 0.8796 constant of Keras' and JAX's variance scaling."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import ndtr

from properties.budget import POWER, check_alpha
from properties.sampling import add_density, draw_many, ks_sample_size
from properties.spread import ks_power_lower_bound
from winit.evidence import Evidence
from winit.initializers import TRUNCATED_STD, truncated_normal, variance_scaling
from winit.stats import exact_check, ks_check, variance_check

# N(0, 1) truncated to [−b, b]: Z = P(|g| ≤ b), m2 = 1 − 2bφ(b)/Z, m4 = 3 − 2(b³+3b)φ(b)/Z.
B = 2.0
_Z = float(2.0 * ndtr(B) - 1.0)
_PHI = math.exp(-B * B / 2.0) / math.sqrt(2.0 * math.pi)
M2 = 1.0 - 2.0 * B * _PHI / _Z
KURTOSIS = (3.0 - 2.0 * (B**3 + 3.0 * B) * _PHI / _Z) / M2**2  # 2.366
ALPHA = check_alpha(2)  # variance and KS per example
MISSING = 1.0 / TRUNCATED_STD**2  # variance ratio when the correction is left out: 1.29


def standard_truncated_cdf(u: np.ndarray) -> np.ndarray:
    """CDF of the std-1 (corrected) truncated normal: support ±b/0.8796."""
    p = np.asarray((ndtr(u * TRUNCATED_STD) - ndtr(-B)) / _Z, dtype=np.float64)
    out: np.ndarray = np.clip(p, 0.0, 1.0)
    return out


_GRID = np.linspace(-3.0, 3.0, 60001)
#: KS distance from an untruncated normal of the same std (the law without truncation).
UNTRUNCATED_DISTANCE = float(np.max(np.abs(standard_truncated_cdf(_GRID) - ndtr(_GRID))))
#: Draws per example: the KS power needs 131072; the variance power against 1.29x needs ~2000.
N = ks_sample_size(ALPHA, POWER, UNTRUNCATED_DISTANCE)


@pytest.mark.claim("TRUNCATED-CORRECTION")
def test_constant_is_the_truncated_std(evidence: Evidence) -> None:
    """Keras: "constant is stddev of standard normal truncated to (-2, 2)"."""
    evidence.check(
        exact_check("std of N(0,1) on [-2, 2] (closed form)", math.sqrt(M2), TRUNCATED_STD, 1e-15)
    )
    evidence.number("truncated kurtosis", KURTOSIS)
    evidence.number("draws per example", N)


def check_sample(evidence: Evidence, label: str, x: np.ndarray, mean: float, std: float) -> None:
    """Range (exact), variance (power vs the missing correction) and KS shape of the draws."""
    u = (x - mean) / std
    over = max(0.0, float(np.max(np.abs(u))) - B / TRUNCATED_STD)
    evidence.check(exact_check(f"{label}: no draw beyond 2·std/0.8796", over, 0.0, 1e-12))
    evidence.check(variance_check(
        f"{label}: Var/std^2", u, 1.0, ALPHA, kurtosis=KURTOSIS, against=MISSING
    ))  # fmt: skip
    ks = ks_check(f"{label}: KS vs truncated normal", u, standard_truncated_cdf, ALPHA)
    power = ks_power_lower_bound(u.size, ALPHA, UNTRUNCATED_DISTANCE)
    evidence.check(replace(ks, power=power, against="an untruncated normal, same std (DKW bound)"))


@pytest.mark.claim("TRUNCATED-CORRECTION")
def test_draws_against_the_truncated_density(evidence: Evidence) -> None:
    """Report figure: N draws of truncated_normal(0, 1) (seed 0, checked like every example)
    against the law's density, N(0, 1) cut at ±2 and stretched by 1/0.8796 (support ±2.27),
    and against the untruncated N(0, 1) the KS check tells it from."""
    u = truncated_normal(0.0, 1.0)((N,), np.random.default_rng(0), np.float64)
    check_sample(evidence, "truncated_normal(0, 1), seed 0", u, 0.0, 1.0)
    group, xlabel = "truncated_normal(0, 1): draws and laws", "w / requested std"
    add_density(evidence, f"{N} draws", u, np.linspace(-3.0, 3.0, 61), group=group, xlabel=xlabel)
    grid = np.linspace(-3.0, 3.0, 601)
    normal = np.exp(-grid * grid / 2.0) / math.sqrt(2.0 * math.pi)
    stretched = np.exp(-((grid * TRUNCATED_STD) ** 2) / 2.0) / math.sqrt(2.0 * math.pi)
    law = np.where(np.abs(grid) <= B / TRUNCATED_STD, stretched * TRUNCATED_STD / _Z, 0.0)
    evidence.add_series("the law (cut at ±2, std corrected)", grid, law, xlabel=xlabel,
                        ylabel="density", group=group)  # fmt: skip
    evidence.add_series("N(0, 1), untruncated", grid, normal, xlabel=xlabel, ylabel="density",
                        group=group)  # fmt: skip


@pytest.mark.claim("TRUNCATED-CORRECTION")
@given(seed=st.integers(0, 2**32 - 1), mean=st.floats(-10, 10), std=st.floats(1e-3, 1e3))
def test_truncated_normal_has_the_requested_std(
    evidence: Evidence, seed: int, mean: float, std: float
) -> None:
    """JAX: "stddev = jnp.sqrt(scale) / jnp.array(.87962566103423978, dtype)" — the result has
    the requested std."""
    x = truncated_normal(mean, std)((N,), np.random.default_rng(seed), np.float64)
    check_sample(evidence, "truncated_normal(mean, std)", x, mean, std)


@pytest.mark.claim("TRUNCATED-CORRECTION")
@given(
    seed=st.integers(0, 2**32 - 1),
    scale=st.floats(0.01, 10.0),
    mode=st.sampled_from(["fan_in", "fan_out", "fan_avg"]),
    n_in=st.integers(8, 300),
    n_out=st.integers(8, 300),
)
def test_variance_scaling_truncated(
    evidence: Evidence, seed: int, scale: float, mode: str, n_in: int, n_out: int
) -> None:
    """Keras VarianceScaling: "truncated_normal ... stddev = sqrt(scale / n) / .8796..." — the
    draws have variance scale/n."""
    fan = {"fan_in": n_in, "fan_out": n_out, "fan_avg": (n_in + n_out) / 2.0}[mode]
    init = variance_scaling(scale, mode, "truncated_normal")  # type: ignore[arg-type]
    x = draw_many(init, (n_out, n_in), np.random.default_rng(seed), N)
    check_sample(evidence, "variance_scaling(truncated_normal)", x, 0.0, math.sqrt(scale / fan))
