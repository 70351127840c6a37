"""NORMAL-VARIANCE-GROWS and XAVIER-VARIANCE: the variance of a pre-activation z = Σ wᵢ xᵢ
under N(0, 1) weights (grows like the fan-in n) and under Xavier/Glorot weights (stays near 1)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from properties.data import NIELSEN, NIELSEN_INPUTS, NIELSEN_ONES, nielsen_z, seeds
from properties.sources import ARTICLE
from winit.claims import Claim, Evidence
from winit.initializers import Initializer, glorot_normal, glorot_uniform, normal, variance_scaling
from winit.stats import (
    NORMAL_KURTOSIS,
    chi2_ratio_bounds,
    mean_check,
    normal_ratio_bounds,
    slope_check,
    sum_kurtosis,
    variance_check,
)

#: The variance error every variance check here detects with the planned power (10 %).
VARIANCE_ERROR = 1.1
#: The slope error the width sweeps detect.
SLOPE_ERROR = 0.5
#: Largest fan drawn by the hypothesis tests; fan-ins of the slope sweep.
MAX_FAN = 512
WIDTHS = 2 ** np.arange(1, 12)
SLOPE_PANEL = "Var(z) against fan-in"
INPUT_DOMAIN = "inputs i.i.d. normal, Rademacher or uniform with E[x²] in [0.25, 4]"

NORMAL_VARIANCE_GROWS = Claim(
    id="NORMAL-VARIANCE-GROWS",
    group="N(0, 1) init",
    title="N(0, 1) weights: Var(z) grows like n",
    source=ARTICLE,
    quote="Each weight is chosen randomly from a normal distribution with a mean of 0 and a "
    "variance of 1. ... With the variance of [z being n] ...",
    statement="With N(0,1) weights, b = 0 and all inputs 1, z = Σ wᵢ ~ N(0, n) exactly in law; "
    "with i.i.d. inputs of E[x²] = s², Var(z) = n·s²; across square layers of widths "
    f"{WIDTHS[0]}–{WIDTHS[-1]}, log Var(z) against log n has slope 1.",
    domain=f"n in 1–{MAX_FAN} (all-ones inputs: 1–2048), {INPUT_DOMAIN}, seed; slope: n = "
    f"{WIDTHS[0]}, {WIDTHS[1]}, …, {WIDTHS[-1]}.",
    expected="holds",
    lead="On log-log axes the measured Var(z) climbs along the line Var(z) = n: every doubling "
    "of the fan-in doubles the variance of a neuron's weighted sum.",
    statistics="Exact chi-square interval for Var(z) (known mean) when z is normal, else the "
    "asymptotic interval with z's kurtosis 3 + (κ_w κ_x − 3)/n; a z-test of the mean; a "
    "weighted least-squares slope of ln s² on ln n with Var(ln s²) = (κ − 1)/draws.",
    main_plot=SLOPE_PANEL,
)
XAVIER_VARIANCE = Claim(
    id="XAVIER-VARIANCE",
    group="Xavier init",
    title="Xavier keeps Var(z) near 1",
    source=ARTICLE,
    quote="To overcome the shortcomings of these methods, in 2010, Xavier introduced the Xavier "
    "initialization technique for initializing weights.",
    statement="Glorot init (Var(w) = 2/(n_in + n_out), normal or uniform) gives Var(z) = "
    "2·n_in/(n_in + n_out)·E[x²]: exactly E[x²] for square layers, always < 2·E[x²], and "
    "log Var(z) does not grow with the width of square layers (slope 0); the fan_in form "
    "Var(w) = 1/n_in (what Caffe and many tutorials call Xavier) gives Var(z) = E[x²]; in "
    f"{NIELSEN} with Var(w) = 1/{NIELSEN_INPUTS}, Var(z) = {NIELSEN_ONES}/{NIELSEN_INPUTS} + 1.",
    domain=f"n_in, n_out in 1–{MAX_FAN}, {INPUT_DOMAIN}, seed; slope: square layers "
    f"{WIDTHS[0]}–{WIDTHS[-1]}; {NIELSEN}.",
    expected="holds",
    lead="On the same axes as N(0, 1), Xavier's Var(z) stays flat at 1 however wide the layer: "
    "the weights shrink exactly as fast as the number of terms grows.",
    statistics=NORMAL_VARIANCE_GROWS.statistics,
    main_plot=SLOPE_PANEL,
)
GROWS_VARIANCE = NORMAL_VARIANCE_GROWS.plan("Var(z), drawn layer", per_example=1)
ONES_VARIANCE = NORMAL_VARIANCE_GROWS.plan("Var(z), all-ones inputs", per_example=1)
ONES_MEAN = NORMAL_VARIANCE_GROWS.plan("mean of z, all-ones inputs", per_example=1)
GROWS_SLOPE = NORMAL_VARIANCE_GROWS.plan("slope", runs=1)
XAVIER_DRAWN = XAVIER_VARIANCE.plan("Var(z), drawn layer", per_example=1, instances=3)
XAVIER_SLOPE = XAVIER_VARIANCE.plan("slope", runs=1)
XAVIER_NIELSEN = XAVIER_VARIANCE.plan("Nielsen", runs=1)

Array = np.ndarray
Sampler = Callable[[np.random.Generator, tuple[int, int]], Array]

#: Unit-variance input laws and their kurtosis E[x⁴].
INPUTS: dict[str, tuple[Sampler, float]] = {
    "normal": (lambda g, shape: g.standard_normal(shape), 3.0),
    "rademacher": (lambda g, shape: 2.0 * g.integers(0, 2, shape) - 1.0, 1.0),
    "uniform": (lambda g, shape: g.uniform(-math.sqrt(3.0), math.sqrt(3.0), shape), 1.8),
}


def sample_z(
    init: Initializer, n_in: int, n_out: int, draws: int, inputs: str, scale: float,
    gen: np.random.Generator,
) -> Array:  # fmt: skip
    """``draws`` independent pre-activations: rows of fresh (n_out, n_in) weight matrices from
    ``init``, each row against its own input vector of i.i.d. draws with E[x²] = scale²."""
    w = np.empty((draws, n_in))
    for start in range(0, draws, n_out):  # one fresh matrix per n_out rows
        block = w[start : start + n_out]
        block[...] = init((n_out, n_in), gen, np.float64)[: block.shape[0]]
    x = INPUTS[inputs][0](gen, (draws, n_in))  # every row's inputs, drawn at once
    z: Array = scale * np.einsum("ij,ij->i", w, x)
    return z


#: name → (initializer, Var(z)/E[x²] as a function of (n_in, n_out), kurtosis of w).
FORMS: dict[str, tuple[Initializer, Callable[[int, int], float], float]] = {
    "N(0, 1)": (normal(0.0, 1.0), lambda i, o: float(i), 3.0),
    "Glorot normal": (glorot_normal, lambda i, o: 2.0 * i / (i + o), 3.0),
    "Glorot uniform": (glorot_uniform, lambda i, o: 2.0 * i / (i + o), 1.8),
    "fan_in normal (Caffe 'Xavier')": (variance_scaling(1.0, "fan_in", "normal"),
                                       lambda i, o: 1.0, 3.0),
}  # fmt: skip
FORM_PARAMS = [
    pytest.param(name, marks=pytest.mark.claim(
        NORMAL_VARIANCE_GROWS if name == "N(0, 1)" else XAVIER_VARIANCE), id=name)
    for name in FORMS
]  # fmt: skip


@pytest.mark.parametrize("form", FORM_PARAMS)
@given(n_in=st.integers(1, MAX_FAN), n_out=st.integers(1, MAX_FAN),
       inputs=st.sampled_from(sorted(INPUTS)), scale=st.floats(0.5, 2.0), seed=seeds)  # fmt: skip
def test_preactivation_variance(
    form: str, n_in: int, n_out: int, inputs: str, scale: float, seed: int, evidence: Evidence
) -> None:
    """Article: "Each weight is chosen randomly from a normal distribution with a mean of 0 and a
    variance of 1" gives Var(z) = n·E[x²]; Xavier "keeps it near 1": Var(z) = 2·n_in/(n_in +
    n_out)·E[x²] (< 2·E[x²]); the fan_in form gives E[x²]."""
    init, factor, kurtosis_w = FORMS[form]
    plan = GROWS_VARIANCE if form == "N(0, 1)" else XAVIER_DRAWN
    kurtosis = sum_kurtosis(n_in, kurtosis_w, INPUTS[inputs][1])
    draws = plan.variance_draws(VARIANCE_ERROR, kurtosis=kurtosis)
    z = sample_z(init, n_in, n_out, draws, inputs, scale, np.random.default_rng(seed))
    evidence.test(plan, variance_check, f"Var(z) of {form}", z, factor(n_in, n_out) * scale**2,
                  kurtosis=kurtosis, against=VARIANCE_ERROR)  # fmt: skip


@pytest.mark.claim(NORMAL_VARIANCE_GROWS)
@given(n=st.integers(1, 2048), seed=seeds)
def test_all_ones_inputs_give_exactly_normal_n(n: int, seed: int, evidence: Evidence) -> None:
    """Article: "Let's consider the following example where all the inputs [are 1]": z = Σ wᵢ with
    N(0,1) weights is exactly N(0, n)."""
    draws = ONES_VARIANCE.variance_draws(VARIANCE_ERROR, kurtosis=NORMAL_KURTOSIS)
    z = normal(0.0, 1.0)((draws, n), np.random.default_rng(seed), np.float64) @ np.ones(n)
    evidence.test(ONES_VARIANCE, variance_check, "Var(z), all-ones inputs", z, float(n),
                  kurtosis=NORMAL_KURTOSIS, against=VARIANCE_ERROR)  # fmt: skip
    evidence.test(ONES_MEAN, mean_check, "mean of z, all-ones inputs", z, 0.0, math.sqrt(n),
                  against=0.1 * math.sqrt(n))  # fmt: skip


@pytest.mark.parametrize(
    ("form", "slope"),
    [pytest.param("N(0, 1)", 1.0, marks=pytest.mark.claim(NORMAL_VARIANCE_GROWS), id="normal"),
     pytest.param("Glorot normal", 0.0, marks=pytest.mark.claim(XAVIER_VARIANCE), id="xavier")],
)  # fmt: skip
def test_variance_against_width_slope(form: str, slope: float, evidence: Evidence) -> None:
    """Report figure: Var(z) against the fan-in of square layers, unit-variance normal inputs;
    the log-log slope is 1 for N(0, 1) and 0 for Xavier (a weighted least-squares slope test)."""
    init, factor, kurtosis_w = FORMS[form]
    plan = GROWS_SLOPE if slope else XAVIER_SLOPE
    # every point alone detects it
    draws = plan.variance_draws(VARIANCE_ERROR, kurtosis=NORMAL_KURTOSIS)
    gen = np.random.default_rng([2010, int(slope)])  # independent draws for the two forms
    kurtosis = [sum_kurtosis(int(n), kurtosis_w, NORMAL_KURTOSIS) for n in WIDTHS]
    var = np.array([np.mean(sample_z(init, int(n), int(n), draws, "normal", 1.0, gen) ** 2)
                    for n in WIDTHS])  # fmt: skip
    bounds = np.array([plan.at_alpha(normal_ratio_bounds, draws, kurtosis=k) for k in kurtosis])
    theory = [factor(int(n), int(n)) for n in WIDTHS]
    labels = {"xlabel": "fan-in n (inputs)", "ylabel": "Var(z), unit-variance inputs",
              "group": SLOPE_PANEL, "scale": "loglog"}  # fmt: skip
    evidence.add_series(f"{form} measured", WIDTHS, var, low=var / bounds[:, 1],
                        high=var / bounds[:, 0], **labels)  # type: ignore[arg-type]  # fmt: skip
    evidence.add_series(f"{form} theory", WIDTHS, theory, **labels)  # type: ignore[arg-type]
    other = "Glorot normal" if slope else "N(0, 1)"  # the other law's line, on the same axes
    evidence.add_series(f"{other} theory (the other init)", WIDTHS,
                        [FORMS[other][1](int(n), int(n)) for n in WIDTHS], **labels)  # type: ignore[arg-type]  # fmt: skip
    check = evidence.test(
        plan, slope_check, f"slope of ln Var(z) on ln n, {form}", np.log(WIDTHS), np.log(var),
        (np.asarray(kurtosis) - 1.0) / draws, slope, against=SLOPE_ERROR,
    )  # fmt: skip
    evidence.number(f"log-log slope, {form}", check.measured)


@pytest.mark.claim(XAVIER_VARIANCE)
def test_nielsen_example_with_xavier(evidence: Evidence) -> None:
    """Nielsen's example with Var(w) = 1/n_in: Var(z) = ones/n_in + 1 (the bias)."""
    variance = NIELSEN_ONES / NIELSEN_INPUTS + 1.0
    draws = XAVIER_NIELSEN.variance_draws(VARIANCE_ERROR, kurtosis=NORMAL_KURTOSIS)
    z = nielsen_z(FORMS["fan_in normal (Caffe 'Xavier')"][0], draws, np.random.default_rng(1000))
    evidence.test(XAVIER_NIELSEN, variance_check, f"Var(z), {NIELSEN}, Var(w) = 1/n_in", z,
                  variance, kurtosis=NORMAL_KURTOSIS, against=VARIANCE_ERROR)  # fmt: skip
    evidence.number("std(z), Nielsen's example, Var(w) = 1/n_in", float(np.sqrt(np.mean(z**2))))
    lo, hi = XAVIER_NIELSEN.at_alpha(chi2_ratio_bounds, draws)
    evidence.number("Nielsen Xavier std(z) interval low", math.sqrt(variance * lo))
    evidence.number("Nielsen Xavier std(z) interval high", math.sqrt(variance * hi))
