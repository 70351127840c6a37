"""ATTENTION-SCALING: Vaswani et al. 2017's 1/√d_k is the article's "Var(z) grows with n",
applied to the dot product of a query and a key.

With i.i.d. components of mean 0 and variance 1, q·k = Σ qᵢkᵢ is a sum of d_k independent
unit-variance terms: Var(q·k) = d_k exactly, and its kurtosis is 3 + (κ² − 3)/d_k (κ the
kurtosis of one component: 3 + 6/d_k for normal ones), the law of z of NORMAL-VARIANCE-GROWS.
Unscaled, the scores are the scaled ones times √d_k exactly: the softmax runs at inverse
temperature √d_k. For any scores g and any t ≥ 1, softmax(t·g) has a larger largest weight and a
smaller entropy than softmax(g) (d/dt ln p_max = g_max − Σp·g ≥ 0 and dH/dt = −t·Var_p(g) ≤ 0),
and the softmax Jacobian J = diag(p) − ppᵀ has ‖J‖_F ≤ √5·(1 − p_max) (with r = 1 − p_max:
p_max²r² ≤ r², Σ_{i≠max} pᵢ²(1 − pᵢ)² ≤ r², the cross terms ≤ 2r² + r⁴), so the gradient through
the softmax vanishes as the largest weight tends to 1: the article's sigmoid saturation, in
attention.

Projected inputs: for q = W_q x and k = W_k x′ (W_q, W_k of shape (d_k, d_model), i.i.d.
N(0, σ²) entries; x, x′ independent with i.i.d. components of mean 0, variance 1 and kurtosis
κ_x), given x and x′ the components of q and k are i.i.d. normal, so Var(q·k) =
d_k·(d_model·σ_q²)·(d_model·σ_k²) with kurtosis (3 + 6/d_k)·(1 + (κ_x − 1)/d_model)².
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from properties.data import seeds
from properties.sources import VASWANI
from properties.symmetry import EPS
from properties.test_normal_variance import INPUTS, VARIANCE_ERROR
from winit.attention import attention, softmax_jacobian
from winit.claims import Claim, Evidence
from winit.initializers import Initializer, glorot_normal, normal
from winit.stats import (
    exact_check,
    normal_ratio_bounds,
    slope_check,
    sum_kurtosis,
    variance_check,
)  # fmt: skip

#: Largest d_k the hypothesis tests draw; the sweep of the figure.
MAX_DK = 1024
SWEEP = 2 ** np.arange(0, 11)
#: Keys per query and draws per point of the saturation sweep (a figure; its checks are exact).
KEYS, SATURATION_DRAWS = 16, 1000
SATURATION_SWEEP = 4 ** np.arange(0, 6)
#: The slope error the sweep detects, and the variance error the projection checks detect.
SLOPE_ERROR = 0.5
PROJECTION_ERROR = 1.5
MAX_PROJECTION = 64
PANEL = "Var(q·k) against d_k"
SATURATION_PANEL = "unscaled softmax saturates"
#: √5: ‖diag(p) − ppᵀ‖_F ≤ √5·(1 − p_max) (module docstring).
JACOBIAN_BOUND = math.sqrt(5.0)
#: Projection laws: initializer and its Var(w) for a (d_k, d_model) matrix.
PROJECTIONS: dict[str, tuple[Initializer, str]] = {
    "Xavier normal": (glorot_normal, "2/(d_k + d_model)"),
    "N(0, 1)": (normal(0.0, 1.0), "1"),
}

ATTENTION_SCALING = Claim(
    id="ATTENTION-SCALING",
    group="Attention and residual networks",
    title="Attention's 1/√d_k: Var(q·k) = d_k, and unscaled the softmax saturates",
    source=f"{VASWANI}, §3.2.1 and footnote 4",
    quote="We suspect that for large values of d_k, the dot products grow large in magnitude, "
    "pushing the softmax function into regions where it has extremely small gradients. ... "
    "assume that the components of q and k are independent random variables with mean 0 and "
    "variance 1. Then their dot product, q · k = Σ qᵢkᵢ, has mean 0 and variance d_k.",
    statement="For q, k with i.i.d. components of mean 0 and variance 1, Var(q·k) = d_k exactly "
    "(kurtosis 3 + (κ² − 3)/d_k; 3 + 6/d_k for normal components) and q·k/√d_k has variance 1 at "
    "every d_k: what grows with d_k is the scores' standard deviation, as √d_k (log-log slope "
    "½ of the std, 1 of the variance; 0 scaled). Unscaled scores are exactly √d_k times the "
    "scaled ones, so the softmax runs at inverse temperature √d_k: on every draw its largest "
    "weight is at least, and its entropy at most, the scaled softmax's, and the Jacobian of the "
    "softmax obeys ‖J‖_F ≤ √5·(1 − p_max): the gradient through it vanishes as the largest "
    "weight tends to 1. With projections q = W_q x, k = W_k x′ of independent unit-variance "
    "inputs, Var(q·k) = d_k·(d_model·σ_q²)·(d_model·σ_k²): Xavier normal (σ² = 2/(d_k + "
    "d_model)) gives d_k·(2·d_model/(d_k + d_model))², d_k when d_model = d_k; N(0, 1) gives "
    "d_k·d_model², which the 1/√d_k does not undo.",
    domain=f"d_k in 2–{MAX_DK} (at d_k = 1 a Rademacher q·k is ±1: no spread), components "
    "normal, Rademacher or uniform, seed; projections: "
    f"d_k, d_model in 4–{MAX_PROJECTION}, inputs of the three laws; sweep d_k = "
    f"{SWEEP[0]}, {SWEEP[1]}, …, {SWEEP[-1]} (normal components); saturation: {KEYS} keys, "
    f"d_k = {', '.join(map(str, SATURATION_SWEEP))}, {SATURATION_DRAWS} queries each.",
    expected="holds",
    lead="On log-log axes the unscaled Var(q·k) climbs along the line d_k, exactly as a "
    "neuron's Var(z) climbs with its fan-in under N(0, 1) weights; divided by √d_k it stays "
    "flat at 1.",
    statistics="Variance intervals (asymptotic, with the dot product's known kurtosis) for the "
    "unscaled and scaled scores and for projected ones; a weighted least-squares slope of "
    "ln Var on ln d_k with Var(ln s²) = (κ − 1)/draws. The softmax inequalities and the "
    "√d_k factor are exact on every draw, within their rounding bounds.",
    main_plot=PANEL,
)
UNSCALED = ATTENTION_SCALING.plan("Var(q·k), unscaled", per_example=1)
SCALED = ATTENTION_SCALING.plan("Var(q·k/√d_k), scaled", per_example=1)
PROJECTED = ATTENTION_SCALING.plan("Var(q·k), projected inputs", per_example=1, instances=2)
SLOPE = ATTENTION_SCALING.plan("slope of ln Var(q·k) on ln d_k", runs=2)


def dot_kurtosis(d_k: int, law: str) -> float:
    """Kurtosis of q·k for i.i.d. components of ``law``: that of a sum of d_k products of
    kurtosis κ²."""
    kappa = INPUTS[law][1]
    return sum_kurtosis(d_k, kappa, kappa)


def scores(q: np.ndarray, k: np.ndarray, scaled: bool) -> np.ndarray:
    """The core's attention scores of each query row against its own key row (one key each)."""
    values = np.zeros((q.shape[0], 1, 1))
    return attention(q[:, None, :], k[:, None, :], values, scaled=scaled).scores.ravel()


@pytest.mark.claim(ATTENTION_SCALING)
@given(d_k=st.integers(2, MAX_DK), law=st.sampled_from(sorted(INPUTS)), seed=seeds)
def test_dot_product_variance_is_d_k_and_one_when_scaled(
    d_k: int, law: str, seed: int, evidence: Evidence
) -> None:
    """Vaswani et al.: "their dot product, q · k = Σ qᵢkᵢ, has mean 0 and variance d_k"; the
    scores divided by √d_k have variance 1."""
    kurtosis = dot_kurtosis(d_k, law)
    draws = UNSCALED.variance_draws(VARIANCE_ERROR, kurtosis=kurtosis)
    gen = np.random.default_rng(seed)
    q, k = (INPUTS[law][0](gen, (draws, d_k)) for _ in range(2))
    for plan, scaled, variance in ((UNSCALED, False, float(d_k)), (SCALED, True, 1.0)):
        evidence.test(plan, variance_check, plan.name, scores(q, k, scaled), variance,
                      kurtosis=kurtosis, against=VARIANCE_ERROR)  # fmt: skip


def projected(init: Initializer, d_k: int, d_model: int, draws: int, law: str,
              gen: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """``draws`` independent (q, k) = (W_q x, W_k x′): fresh matrices from ``init`` and fresh
    inputs of ``law`` for every draw."""
    w_q = np.stack([init((d_k, d_model), gen, np.float64) for _ in range(draws)])
    w_k = np.stack([init((d_k, d_model), gen, np.float64) for _ in range(draws)])
    x, x_other = (INPUTS[law][0](gen, (draws, d_model)) for _ in range(2))
    return np.einsum("nij,nj->ni", w_q, x), np.einsum("nij,nj->ni", w_k, x_other)


def projected_variance(form: str, d_k: int, d_model: int) -> float:
    """d_k·(d_model·σ_q²)·(d_model·σ_k²) for the named projection law."""
    var_w = 2.0 / (d_k + d_model) if form == "Xavier normal" else 1.0
    return d_k * (d_model * var_w) ** 2


@pytest.mark.parametrize(
    "form", [pytest.param(f, marks=pytest.mark.claim(ATTENTION_SCALING)) for f in PROJECTIONS]
)
@given(d_k=st.integers(4, MAX_PROJECTION), d_model=st.integers(4, MAX_PROJECTION),
       law=st.sampled_from(sorted(INPUTS)), seed=seeds)  # fmt: skip
def test_projected_dot_product_variance(
    form: str, d_k: int, d_model: int, law: str, seed: int, evidence: Evidence
) -> None:
    """What Var(q·k) is when q and k are Xavier- or N(0, 1)-initialised projections of
    independent unit-variance inputs: d_k·(d_model·σ_q²)·(d_model·σ_k²)."""
    kurtosis = (3.0 + 6.0 / d_k) * (1.0 + (INPUTS[law][1] - 1.0) / d_model) ** 2
    draws = PROJECTED.variance_draws(PROJECTION_ERROR, kurtosis=kurtosis)
    q, k = projected(PROJECTIONS[form][0], d_k, d_model, draws, law, np.random.default_rng(seed))
    evidence.test(
        PROJECTED, variance_check, f"Var(q·k), {form} projections", scores(q, k, scaled=False),
        projected_variance(form, d_k, d_model), kurtosis=kurtosis, against=PROJECTION_ERROR)  # fmt: skip


@pytest.mark.claim(ATTENTION_SCALING)
def test_variance_against_d_k_slope(evidence: Evidence) -> None:
    """Report figure: Var(q·k) against d_k, unscaled and scaled, normal components, on the axes
    of NORMAL-VARIANCE-GROWS; log-log slope 1 unscaled and 0 scaled."""
    gen = np.random.default_rng(2017)
    labels = {"xlabel": "d_k (components of q and k)", "ylabel": "Var of the attention score",
              "group": PANEL, "scale": "loglog"}  # fmt: skip
    kurtosis = np.array([dot_kurtosis(int(d), "normal") for d in SWEEP])
    # every point alone detects the variance error
    draws = np.array([SLOPE.variance_draws(VARIANCE_ERROR, kurtosis=float(k)) for k in kurtosis])
    bounds = np.array([SLOPE.at_alpha(normal_ratio_bounds, int(n), kurtosis=float(k))
                       for n, k in zip(draws, kurtosis, strict=True)])  # fmt: skip
    measured: dict[bool, np.ndarray] = {False: np.empty(SWEEP.size), True: np.empty(SWEEP.size)}
    for i, (d, n) in enumerate(zip(SWEEP, draws, strict=True)):
        q, k = gen.standard_normal((int(n), int(d))), gen.standard_normal((int(n), int(d)))
        for scaled in (False, True):
            measured[scaled][i] = np.mean(scores(q, k, scaled) ** 2)
    for scaled, name, theory in ((False, "q·k", SWEEP), (True, "q·k/√d_k", np.ones(SWEEP.size))):
        var = measured[scaled]
        evidence.add_series(f"{name} measured", SWEEP, var, low=var / bounds[:, 1],
                            high=var / bounds[:, 0], **labels)  # type: ignore[arg-type]  # fmt: skip
        evidence.add_series(f"{name} theory: {'d_k' if not scaled else '1'}", SWEEP, theory,
                            **labels)  # type: ignore[arg-type]  # fmt: skip
        check = evidence.test(
            SLOPE, slope_check, f"slope of ln Var({name}) on ln d_k", np.log(SWEEP), np.log(var),
            (kurtosis - 1.0) / draws, 0.0 if scaled else 1.0, against=SLOPE_ERROR)  # fmt: skip
        evidence.number(f"log-log slope, {name}", check.measured)


def entropy(p: np.ndarray) -> np.ndarray:
    """Shannon entropy (nats) of each row of weights, 0·ln 0 = 0."""
    out: np.ndarray = -np.sum(p * np.log(np.where(p > 0.0, p, 1.0)), axis=-1)
    return out


@pytest.mark.claim(ATTENTION_SCALING)
def test_unscaled_softmax_saturates(evidence: Evidence) -> None:
    """Vaswani et al.: "pushing the softmax function into regions where it has extremely small
    gradients". On every draw: unscaled scores are √d_k times the scaled ones (within 4 ε
    relative: the scale's rounding, the product's and this check's); the unscaled largest
    weight is at least, and the entropy at most, the scaled one's, and ‖J‖_F ≤ √5·(1 − p_max),
    each within the softmax's rounding ((n + 4)·ε relative per weight, doubled; n keys).
    Report figure: mean largest weight, entropy and ‖J‖_F against d_k."""
    gen = np.random.default_rng(3)
    tol = 2.0 * (KEYS + 4) * EPS
    worst = {"factor": 0.0, "p_max": 0.0, "entropy": 0.0, "jacobian": 0.0}
    means: dict[str, list[float]] = {}
    for d in SATURATION_SWEEP:
        q = gen.standard_normal((SATURATION_DRAWS, 1, int(d)))
        k = gen.standard_normal((SATURATION_DRAWS, KEYS, int(d)))
        v = np.zeros((SATURATION_DRAWS, KEYS, 1))
        fw = {s: attention(q, k, v, scaled=s) for s in (False, True)}
        factor = np.abs(fw[False].scores - math.sqrt(d) * fw[True].scores)
        worst["factor"] = max(worst["factor"], float(np.max(factor / (np.abs(fw[False].scores)
                                                                      + EPS * EPS))))  # fmt: skip
        p = {s: fw[s].weights[:, 0, :] for s in fw}
        p_max = {s: p[s].max(axis=-1) for s in p}
        h = {s: entropy(p[s]) for s in p}
        jac = {s: np.linalg.norm(softmax_jacobian(p[s]), axis=(-2, -1)) for s in p}
        worst["p_max"] = max(worst["p_max"], float(np.max(p_max[True] - p_max[False])))
        worst["entropy"] = max(worst["entropy"],
                               float(np.max((h[False] - h[True]) / (1.0 + h[True]))))  # fmt: skip
        worst["jacobian"] = max(worst["jacobian"], float(np.max(
            jac[False] - JACOBIAN_BOUND * (1.0 - p_max[False]))))  # fmt: skip
        for s in (False, True):
            for what, values in (("largest weight", p_max[s]), ("entropy (nats)", h[s]),
                                 ("‖J‖_F", jac[s])):  # fmt: skip
                means.setdefault(f"{what}, {'scaled' if s else 'unscaled'}", []).append(
                    float(np.mean(values))
                )
    evidence.check(exact_check("largest |q·k − √d_k·(q·k/√d_k)| / |q·k|", worst["factor"],
                               0.0, 4.0 * EPS))  # fmt: skip
    for name, key in (("largest excess of p_max(scaled) over p_max(unscaled)", "p_max"),
                      ("largest excess of H(unscaled) over H(scaled), relative to 1 + H",
                       "entropy"),
                      ("largest excess of ‖J‖_F over √5·(1 − p_max), unscaled", "jacobian")):  # fmt: skip
        evidence.check(exact_check(name, worst[key], 0.0, tol))
    for name, values in means.items():  # one panel per statistic: their ranges differ
        what = name.split(", ")[0]
        evidence.add_series(name, SATURATION_SWEEP, values, xlabel="d_k",
                            ylabel=f"{what}, mean over {SATURATION_DRAWS} queries",
                            group=f"{SATURATION_PANEL}: {what} ({KEYS} keys)", scale="logx")  # fmt: skip
    evidence.number(f"ln {KEYS} (entropy of uniform weights)", math.log(KEYS))
