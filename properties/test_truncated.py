"""TRUNCATED-CORRECTION: the 0.8796 constant of Keras' and JAX's variance scaling."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from properties.data import seeds
from properties.sampling import add_density, draw_many
from properties.sources import KERAS_JAX
from winit.claims import Claim, Evidence, Plan
from winit.fans import MODES, fan_by_mode, fans
from winit.initializers import TRUNCATED_STD, truncated_normal, variance_scaling
from winit.stats import exact_check, ks_check, variance_check
from winit.verify.distributions import TruncatedNormal

#: Where Keras and JAX cut the parent normal, in its own standard deviations.
B = 2.0
PANEL = "truncated_normal(0, 1): draws and laws"

TRUNCATED_CORRECTION = Claim(
    id="TRUNCATED-CORRECTION",
    group="Beyond the article",
    title=f"A ±{B:g}σ truncated normal has std {TRUNCATED_STD:.4f}σ; dividing by it restores the "
    "requested std",
    source=KERAS_JAX,
    quote="# constant is stddev of standard normal truncated to (-2, 2): "
    "stddev = math.sqrt(scale) / .87962566103423978",
    statement=f"{TRUNCATED_STD!r} is the std of N(0,1) truncated to [−{B:g}, {B:g}] (closed "
    "form, to 1e-15); truncated_normal(mean, std) and variance_scaling(..., 'truncated_normal') "
    f"draw within mean ± {B:g}·std/{TRUNCATED_STD:.4f} with variance exactly std², in the "
    "truncated-normal shape.",
    domain="seed; mean in [−10, 10]; std in [1e-3, 1e3]; scale, mode and a 2-D shape for "
    "variance_scaling; plus truncated_normal(0, 1) at seed 0 for the picture",
    expected="holds",
    lead="The draws' histogram follows the cut-off bell exactly, with nothing beyond the cut; "
    "the untruncated normal of the same std has visibly fatter tails.",
    statistics="An exact range bound; an asymptotic variance interval with the truncated "
    "normal's kurtosis, power against the missing correction (variance "
    f"1/{TRUNCATED_STD:.4f}² too small); a Kolmogorov–Smirnov test against the truncated-normal "
    "CDF, power (DKW bound) against an untruncated normal of the same std.",
    main_plot=PANEL,
)
VARIANCE = TRUNCATED_CORRECTION.plan("variance", per_example=1, instances=2)
SHAPE = TRUNCATED_CORRECTION.plan("KS shape", per_example=1, instances=2)
PICTURE_VARIANCE = TRUNCATED_CORRECTION.plan("variance, picture", runs=1)
PICTURE_SHAPE = TRUNCATED_CORRECTION.plan("KS shape, picture", runs=1)

#: The law of truncated_normal(0, 1): the parent N(0, 1/0.8796²) cut at ±B parent stds.
LAW = TruncatedNormal(0.0, 1.0 / TRUNCATED_STD, -B / TRUNCATED_STD, B / TRUNCATED_STD)
MISSING = 1.0 / TRUNCATED_STD**2  # variance ratio when the correction is left out
_GRID = np.linspace(-3.0, 3.0, 60001)
#: KS distance from an untruncated normal of the same std (the law without truncation).
UNTRUNCATED_DISTANCE = float(np.max(np.abs(LAW.cdf(_GRID) - TruncatedNormal(0.0, 1.0).cdf(_GRID))))


def draws(plan: Plan) -> int:
    """Draws per sample: the KS power needs far more than the variance power at its error."""
    return plan.ks_draws(UNTRUNCATED_DISTANCE)


@pytest.mark.claim(TRUNCATED_CORRECTION)
def test_constant_is_the_truncated_std(evidence: Evidence) -> None:
    """Keras: "constant is stddev of standard normal truncated to (-2, 2)"."""
    std = math.sqrt(TruncatedNormal(0.0, 1.0, -B, B).var)
    evidence.check(exact_check(f"std of N(0,1) on [-{B:g}, {B:g}] (closed form)", std,
                               TRUNCATED_STD, 1e-15))  # fmt: skip
    evidence.number("truncated kurtosis", LAW.kurtosis)


def check_sample(
    evidence: Evidence, label: str, x: np.ndarray, mean: float, std: float,
    plans: tuple[Plan, Plan] = (VARIANCE, SHAPE),
) -> None:  # fmt: skip
    """Range (exact), variance (power vs the missing correction) and KS shape of the draws."""
    variance, shape = plans
    u = (x - mean) / std
    over = max(0.0, float(np.max(np.abs(u))) - LAW.high)
    evidence.check(exact_check(f"{label}: no draw beyond {B:g}·std/{TRUNCATED_STD:.4f}", over,
                               0.0, 1e-12))  # fmt: skip
    evidence.test(
        variance, variance_check, f"{label}: Var/std^2", u, 1.0, kurtosis=LAW.kurtosis,
        against=MISSING,
    )  # fmt: skip
    evidence.test(
        shape, ks_check, f"{label}: KS vs truncated normal", u, LAW.cdf,
        against=("an untruncated normal, same std (DKW bound)", UNTRUNCATED_DISTANCE),
    )  # fmt: skip


@pytest.mark.claim(TRUNCATED_CORRECTION)
def test_draws_against_the_truncated_density(evidence: Evidence) -> None:
    """Report figure: N draws of truncated_normal(0, 1) (seed 0, checked like every example)
    against the law's density, N(0, 1) cut at ±2 and stretched by 1/0.8796 (support ±2/0.8796),
    and against the untruncated N(0, 1) the KS check tells it from."""
    n = draws(PICTURE_SHAPE)
    u = truncated_normal(0.0, 1.0)((n,), np.random.default_rng(0), np.float64)
    check_sample(evidence, "truncated_normal(0, 1), seed 0", u, 0.0, 1.0,
                 (PICTURE_VARIANCE, PICTURE_SHAPE))  # fmt: skip
    group, xlabel = PANEL, "w / requested std"
    add_density(evidence, f"{n} draws", u, np.linspace(-3.0, 3.0, 61), group=group, xlabel=xlabel)
    grid = np.linspace(-3.0, 3.0, 601)
    normal = np.exp(-grid * grid / 2.0) / math.sqrt(2.0 * math.pi)
    law = np.gradient(LAW.cdf(grid), grid)  # the law's density, from its CDF
    evidence.add_series("the law (cut at ±2, std corrected)", grid, law, xlabel=xlabel,
                        ylabel="density", group=group)  # fmt: skip
    evidence.add_series("N(0, 1), untruncated", grid, normal, xlabel=xlabel, ylabel="density",
                        group=group)  # fmt: skip


@pytest.mark.claim(TRUNCATED_CORRECTION)
@given(seed=seeds, mean=st.floats(-10, 10), std=st.floats(1e-3, 1e3))
def test_truncated_normal_has_the_requested_std(
    evidence: Evidence, seed: int, mean: float, std: float
) -> None:
    """JAX: "stddev = jnp.sqrt(scale) / jnp.array(.87962566103423978, dtype)" — the result has
    the requested std."""
    x = truncated_normal(mean, std)((draws(SHAPE),), np.random.default_rng(seed), np.float64)
    check_sample(evidence, "truncated_normal(mean, std)", x, mean, std)


@pytest.mark.claim(TRUNCATED_CORRECTION)
@given(
    seed=seeds,
    scale=st.floats(0.01, 10.0),
    mode=st.sampled_from(MODES),
    n_in=st.integers(8, 300),
    n_out=st.integers(8, 300),
)
def test_variance_scaling_truncated(
    evidence: Evidence, seed: int, scale: float, mode: str, n_in: int, n_out: int
) -> None:
    """Keras VarianceScaling: "truncated_normal ... stddev = sqrt(scale / n) / .8796..." — the
    draws have variance scale/n."""
    fan = fan_by_mode(*fans((n_out, n_in)), mode)
    init = variance_scaling(scale, mode, "truncated_normal")  # type: ignore[arg-type]
    x = draw_many(init, (n_out, n_in), np.random.default_rng(seed), draws(SHAPE))
    check_sample(evidence, "variance_scaling(truncated_normal)", x, 0.0, math.sqrt(scale / fan))
