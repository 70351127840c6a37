"""NORMAL-VARIANCE-GROWS and XAVIER-VARIANCE: the variance of a pre-activation z = Σ wᵢ xᵢ
under N(0, 1) weights (grows like the fan-in n) and under Xavier/Glorot weights (stays near 1)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from properties.budget import POWER
from properties.data import fixed_alpha, given_alpha, seeds
from winit.evidence import Evidence
from winit.initializers import Initializer, glorot_normal, glorot_uniform, normal, variance_scaling
from winit.stats import (
    chi2_ratio_bounds,
    mean_check,
    normal_ratio_bounds,
    slope_check,
    variance_check,
    variance_sample_size,
)  # fmt: skip

Array = np.ndarray
Sampler = Callable[[np.random.Generator, tuple[int, int]], Array]

#: Unit-variance input laws and their kurtosis E[x⁴].
INPUTS: dict[str, tuple[Sampler, float]] = {
    "normal": (lambda g, shape: g.standard_normal(shape), 3.0),
    "rademacher": (lambda g, shape: g.choice([-1.0, 1.0], shape), 1.0),
    "uniform": (lambda g, shape: g.uniform(-math.sqrt(3.0), math.sqrt(3.0), shape), 1.8),
}


def z_kurtosis(n_in: int, kurtosis_w: float, kurtosis_x: float) -> float:
    """Kurtosis of z = Σ wᵢxᵢ over n_in independent symmetric terms: 3 + (κ_w κ_x − 3)/n_in."""
    return 3.0 + (kurtosis_w * kurtosis_x - 3.0) / n_in


def sample_z(
    init: Initializer, n_in: int, n_out: int, draws: int, inputs: str, scale: float,
    gen: np.random.Generator,
) -> Array:  # fmt: skip
    """``draws`` independent pre-activations: rows of fresh (n_out, n_in) weight matrices from
    ``init``, each row against its own input vector of i.i.d. draws with E[x²] = scale²."""
    sampler = INPUTS[inputs][0]
    parts: list[Array] = []
    left = draws
    while left > 0:
        w = init((n_out, n_in), gen, np.float64)[:left]
        parts.append(np.sum(w * (scale * sampler(gen, w.shape)), axis=1))
        left -= w.shape[0]
    return np.concatenate(parts)


#: name → (initializer, Var(z)/E[x²] as a function of (n_in, n_out), kurtosis of w, claim).
FORMS: dict[str, tuple[Initializer, Callable[[int, int], float], float]] = {
    "N(0, 1)": (normal(0.0, 1.0), lambda i, o: float(i), 3.0),
    "Glorot normal": (glorot_normal, lambda i, o: 2.0 * i / (i + o), 3.0),
    "Glorot uniform": (glorot_uniform, lambda i, o: 2.0 * i / (i + o), 1.8),
    "fan_in normal (Caffe 'Xavier')": (variance_scaling(1.0, "fan_in", "normal"),
                                       lambda i, o: 1.0, 3.0),
}  # fmt: skip
FORM_PARAMS = [
    pytest.param(name, marks=pytest.mark.claim(
        "NORMAL-VARIANCE-GROWS" if name == "N(0, 1)" else "XAVIER-VARIANCE"), id=name)
    for name in FORMS
]  # fmt: skip


@pytest.mark.parametrize("form", FORM_PARAMS)
@given(n_in=st.integers(1, 512), n_out=st.integers(1, 512), inputs=st.sampled_from(sorted(INPUTS)),
       scale=st.floats(0.5, 2.0), seed=seeds)  # fmt: skip
def test_preactivation_variance(
    form: str, n_in: int, n_out: int, inputs: str, scale: float, seed: int, evidence: Evidence
) -> None:
    """Article: "Each weight is chosen randomly from a normal distribution with a mean of 0 and a
    variance of 1" gives Var(z) = n·E[x²]; Xavier "keeps it near 1": Var(z) = 2·n_in/(n_in +
    n_out)·E[x²] (< 2·E[x²]); the fan_in form gives E[x²]."""
    init, factor, kurtosis_w = FORMS[form]
    kurtosis = z_kurtosis(n_in, kurtosis_w, INPUTS[inputs][1])
    alpha = given_alpha(1)
    draws = variance_sample_size(2.0, alpha, POWER, kurtosis)
    z = sample_z(init, n_in, n_out, draws, inputs, scale, np.random.default_rng(seed))
    evidence.check(variance_check(f"Var(z) of {form}", z, factor(n_in, n_out) * scale**2, alpha,
                                  kurtosis=kurtosis))  # fmt: skip


@pytest.mark.claim("NORMAL-VARIANCE-GROWS")
@given(n=st.integers(1, 2048), seed=seeds)
def test_all_ones_inputs_give_exactly_normal_n(n: int, seed: int, evidence: Evidence) -> None:
    """Article: "Let's consider the following example where all the inputs [are 1]": z = Σ wᵢ with
    N(0,1) weights is exactly N(0, n)."""
    alpha = given_alpha(2)
    draws = variance_sample_size(2.0, alpha, POWER)
    z = normal(0.0, 1.0)((draws, n), np.random.default_rng(seed), np.float64) @ np.ones(n)
    evidence.check(variance_check("Var(z), all-ones inputs", z, float(n), alpha))
    evidence.check(mean_check("mean of z, all-ones inputs", z, 0.0, math.sqrt(n), alpha,
                              against=0.5 * math.sqrt(n)))  # fmt: skip


WIDTHS = 2 ** np.arange(1, 12)


@pytest.mark.parametrize(
    ("form", "slope"),
    [pytest.param("N(0, 1)", 1.0, marks=pytest.mark.claim("NORMAL-VARIANCE-GROWS"), id="normal"),
     pytest.param("Glorot normal", 0.0, marks=pytest.mark.claim("XAVIER-VARIANCE"), id="xavier")],
)  # fmt: skip
def test_variance_against_width_slope(form: str, slope: float, evidence: Evidence) -> None:
    """Report figure 3: Var(z) against the fan-in of square layers, unit-variance normal inputs;
    the log-log slope is 1 for N(0, 1) and 0 for Xavier (a weighted least-squares slope test)."""
    init, factor, kurtosis_w = FORMS[form]
    alpha = fixed_alpha(1)
    draws = variance_sample_size(2.0, alpha, POWER)  # every point alone detects a 2x error
    gen = np.random.default_rng([2010, int(slope)])  # independent draws for the two forms
    kurtosis = [z_kurtosis(int(n), kurtosis_w, 3.0) for n in WIDTHS]
    var = np.array([np.mean(sample_z(init, int(n), int(n), draws, "normal", 1.0, gen) ** 2)
                    for n in WIDTHS])  # fmt: skip
    bounds = np.array([normal_ratio_bounds(draws, alpha, k) for k in kurtosis])
    theory = [factor(int(n), int(n)) for n in WIDTHS]
    evidence.add_series(f"{form} measured", WIDTHS, var, low=var / bounds[:, 1],
                        high=var / bounds[:, 0], xlabel="fan-in n (inputs, log scale)",
                        ylabel="Var(z) (unit-variance inputs, log scale)",
                        group="Var(z) against fan-in")  # fmt: skip
    evidence.add_series(f"{form} theory", WIDTHS, theory, xlabel="fan-in n (inputs, log scale)",
                        ylabel="Var(z) (unit-variance inputs, log scale)",
                        group="Var(z) against fan-in")  # fmt: skip
    check = evidence.check(slope_check(
        f"slope of ln Var(z) on ln n, {form}", np.log(WIDTHS), np.log(var),
        (np.asarray(kurtosis) - 1.0) / draws, slope, alpha, against=0.5))  # fmt: skip
    evidence.number(f"log-log slope, {form}", check.measured)


@pytest.mark.parametrize(
    ("form", "variance"),
    [pytest.param("N(0, 1)", 501.0, marks=pytest.mark.claim("NORMAL-SATURATION"), id="normal"),
     pytest.param("fan_in normal (Caffe 'Xavier')", 1.5,
                  marks=pytest.mark.claim("XAVIER-VARIANCE"), id="xavier")],
)  # fmt: skip
def test_nielsen_example(form: str, variance: float, evidence: Evidence) -> None:
    """Nielsen's example: 1000 inputs, 500 of them 1, N(0, 1) bias: with N(0, 1) weights
    std(z) = √501 ≈ 22.4 and P(|z| > 1) ≈ 0.964; with Var(w) = 1/1000, std(z) = √1.5 ≈ 1.22."""
    alpha = fixed_alpha(2)
    draws = variance_sample_size(2.0, alpha, POWER)
    gen = np.random.default_rng(1000)
    x = np.repeat([1.0, 0.0], 500)
    z = FORMS[form][0]((draws, 1000), gen, np.float64) @ x + normal()((draws,), gen, np.float64)
    evidence.check(variance_check(f"Var(z), Nielsen's example, {form}", z, variance, alpha))
    evidence.number(f"std(z), Nielsen's example, {form}", float(np.sqrt(np.mean(z**2))))
    if variance > 100.0:
        p = math.erfc(1.0 / math.sqrt(2.0 * variance))  # P(|z| > 1), z ~ N(0, 501)
        xavier = math.erfc(1.0 / math.sqrt(2.0 * 1.5))
        big = np.abs(z) > 1.0
        evidence.number("P(|z| > 1), Nielsen's example, N(0, 1), measured", float(np.mean(big)))
        evidence.check(mean_check("P(|z| > 1), Nielsen's example", big, p,
                                  math.sqrt(p * (1 - p)), alpha, against=p - xavier))  # fmt: skip
    else:
        lo, hi = chi2_ratio_bounds(draws, alpha)
        evidence.number("Nielsen Xavier std(z) interval low", math.sqrt(variance * lo))
        evidence.number("Nielsen Xavier std(z) interval high", math.sqrt(variance * hi))
