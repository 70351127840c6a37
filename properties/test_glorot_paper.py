"""GLOROT-UNIFORM, GLOROT-LINEAR-REGIME and GLOROT-JACOBIAN: Glorot & Bengio 2010."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.typing import DTypeLike

from properties.data import seeds
from properties.quadrature import NODES, gauss
from properties.sampling import add_density, check_with_verify, draw_many
from properties.sources import GLOROT
from winit.claims import Claim, Evidence, Plan
from winit.initializers import Array, Initializer, glorot_uniform, he_uniform, uniform
from winit.mlp import MLP
from winit.rng import RngLike
from winit.stats import (
    Check,
    exact_check,
    ks_check,
    spread_check,
    talagrand_check,
    uniform_maximum_check,
    variance_check,
)  # fmt: skip
from winit.verify.checks import statistical_checks
from winit.verify.distributions import TruncatedNormal, Uniform

HIDDEN = 5  # tanh layers, as in Glorot & Bengio's Figures 6-7
OUT = 10
#: The paper's linear-regime setting: width, input std; and the hypothesis domain around it.
PAPER_WIDTH, PAPER_INPUT_STD = 1000, 0.05
#: Glorot's standard init has n·Var(w) = 1/3; normalized init has 1 (square layers).
STANDARD_GAIN2 = 1.0 / 3.0
#: The quarter-circle law's mean singular value per unit σ.
QUARTER_CIRCLE_MEAN = 8.0 / (3.0 * math.pi)
JACOBIAN_WIDTH = 256

GLOROT_UNIFORM = Claim(
    id="GLOROT-UNIFORM",
    group="Beyond the article",
    title="Glorot's normalized uniform init has variance 2/(n_in+n_out)",
    source=f"{GLOROT}, eq. 16 and eq. 1",
    quote="W ~ U[−√6/√(n_j+n_{j+1}), √6/√(n_j+n_{j+1})] (16) ... the standard initialization "
    "W_ij ~ U[−1/√n, 1/√n] (1) ... gives rise to variance with the property n·Var[W] = 1/3.",
    statement="glorot_uniform draws i.i.d. U[−a, a], a = √(6/(n_in+n_out)): all |w| ≤ a, the "
    "largest |w| approaches a, the shape is uniform and Var(w) = 2/(n_in+n_out). The older "
    "U[±1/√n_in] (PyTorch nn.Linear's default, he_uniform(a=√5, nonlinearity='leaky_relu')) has "
    f"n_in·Var(w) = {STANDARD_GAIN2:.4g}.",
    domain="seed; n_in, n_out in [4, 300]; enough matrices of that shape for the sample size; "
    "plus a fixed 128 → 256 layer for the picture",
    expected="holds",
    lead="The histogram of the draws is flat between −a and a and empty outside, unlike the "
    "bell of a normal law with the same variance.",
    statistics="Drawn layers: `winit verify`'s own checks of the glorot_uniform law (support, "
    "a z-test of the mean, an asymptotic variance interval with the uniform's kurtosis, a "
    "Kolmogorov–Smirnov test with power (DKW bound) against a normal of the same variance), plus "
    "the exact law of the maximum of N uniforms (P(max < c·a) = c^N); the picture's layer: the "
    "same checks written out.",
    main_plot="glorot_uniform: draws and laws",
)
GLOROT_LINEAR_REGIME = Claim(
    id="GLOROT-LINEAR-REGIME",
    group="Beyond the article",
    title="Standard init shrinks activations and back-propagated gradients ×1/3 per layer",
    source=f"{GLOROT}, eqs. 5–14 and §4.2.1",
    quote="we find that the variance of the back-propagated gradient ... decreases as we go "
    "backward ... normalized initialization ... maintains ... activation variances and "
    "back-propagated gradients variance as one moves up or down the network.",
    statement=f"In the linear regime ({HIDDEN} tanh layers of width n, inputs N(0, s²), "
    f"s ≤ 0.1), the activation second moment shrinks by n·Var(w) = {STANDARD_GAIN2:.4g} per "
    "layer upward and the back-propagated delta second moment by the same factor per layer "
    f"downward with U[±1/√n]: layer {HIDDEN} / layer 1 ≈ (1/3)^{HIDDEN - 1} (activations) and "
    f"layer 1 / layer {HIDDEN} ≈ (1/3)^{HIDDEN - 1} (deltas); with the normalized init both "
    "ratios stay ≈ 1 (slightly below, from the tanh curvature); the weight-gradient second "
    "moment is about the same in every layer for both. Expected values come from the "
    "infinite-width mean-field recursion (Gauss–Hermite quadrature), not from the "
    "linearization.",
    domain=f"seed; width n in [200, 400]; input std s in [0.01, 0.1]; batch 16; plus the paper's "
    f"fixed-seed width-{PAPER_WIDTH} run at s = {PAPER_INPUT_STD}",
    expected="holds",
    lead="With the standard init, the activation curve falls by a factor of three per layer "
    "going up and the gradient curve by three per layer going down; with Glorot's normalized "
    "init both stay level.",
    statistics="A normal interval for each ln-ratio with the spread derived from the one-input "
    "law: each layer multiplies the mean square by (χ²_n/n)·(1 + O(s²)), relative variance "
    "2/n, so four layers give sd √(8/n); a batch mean can only be less variable; weight "
    "gradients combine both: sd 2√(8/n) (worst-case correlation). Power against the other "
    "init's prediction.",
    main_plot="Glorot 2010 linear regime: back-propagated delta second moment",
)
GLOROT_JACOBIAN = Claim(
    id="GLOROT-JACOBIAN",
    group="Beyond the article",
    title="Mean singular value of a layer Jacobian: ≈ 0.5 standard, ≈ 0.85 normalized init",
    source=f"{GLOROT}, §4.2.2",
    quote="we observe that the average singular value of the Jacobian ... is about 0.8 with "
    "the normalized initialization ... while it is about 0.5 with the standard initialization",
    statement="For a square n×n layer with i.i.d. entries of variance σ²/n, the mean singular "
    f"value of W tends to the quarter-circle mean 8σ/(3π): "
    f"{QUARTER_CIRCLE_MEAN * math.sqrt(STANDARD_GAIN2):.3f} for U[±1/√n] (σ² = 1/3) and "
    f"{QUARTER_CIRCLE_MEAN:.3f} for Glorot's normalized init (σ = 1). In the linear regime the "
    "layer Jacobian ∂z_{l+1}/∂z_l = W·diag(tanh'(z_l)) is W; in general its singular values "
    "are at most W's (|tanh'| ≤ 1), so the paper's 0.8 sits below the quarter-circle value.",
    domain=f"seed; width n in [200, 320]; plus a fixed-seed {HIDDEN}-layer tanh net of width "
    f"{JACOBIAN_WIDTH}",
    expected="holds",
    lead="Layer by layer, the mean singular value of each Jacobian sits near the quarter-circle "
    "value of its init and never above it.",
    statistics="Talagrand concentration of the mean singular value (convex, (1/√n)-Lipschitz in "
    "entries bounded by √3σ/√n): interval 8σ/(3π) ± √(16 ln(4/α))·√3σ/n, power (same bound) "
    "against the other init (variance 3× off); the exact inequality mean s(WD) ≤ mean s(W) "
    "within 1e-12.",
    main_plot=f"Glorot §4.2.2: layer Jacobians, tanh, width {JACOBIAN_WIDTH}",
)
UNIFORM_MAX = GLOROT_UNIFORM.plan("max|w|/a", per_example=1)
UNIFORM_VERIFIED = GLOROT_UNIFORM.plan(
    "winit verify glorot_uniform", per_example=statistical_checks(Uniform(-1.0, 1.0))
)
OLD_VARIANCE = GLOROT_UNIFORM.plan("variance, U[±1/√n]", per_example=1)
PICTURE_MAX = GLOROT_UNIFORM.plan("max|w|/a, picture", runs=1)
PICTURE_VARIANCE = GLOROT_UNIFORM.plan("variance, picture", runs=1)
PICTURE_SHAPE = GLOROT_UNIFORM.plan("KS shape, picture", runs=1)
REGIME = GLOROT_LINEAR_REGIME.plan("ln ratios", per_example=6)
REGIME_PAPER = GLOROT_LINEAR_REGIME.plan("ln ratios, paper's setting", runs=6)
JACOBIAN = GLOROT_JACOBIAN.plan("mean singular value", per_example=2)

# ---------------------------------------------------------------- GLOROT-UNIFORM

UNIFORM_KURTOSIS = Uniform(-1.0, 1.0).kurtosis
#: sup |CDF of U[-1, 1] − CDF of N(0, 1/3)|: the KS distance to a normal of the same variance.
UNIT_UNIFORM = Uniform(-1.0, 1.0)
_U = np.linspace(-1.0, 1.0, 20001)
UNIFORM_VS_NORMAL = float(
    np.max(np.abs(UNIT_UNIFORM.cdf(_U) - TruncatedNormal(0.0, math.sqrt(UNIT_UNIFORM.var)).cdf(_U)))
)


def uniform_draws(plan: Plan) -> int:
    """Draws for the KS power and the variance power at 2× (the larger)."""
    return max(
        plan.ks_draws(UNIFORM_VS_NORMAL), plan.variance_draws(2.0, kurtosis=UNIFORM_KURTOSIS)
    )


def check_glorot_uniform(
    evidence: Evidence, label: str, w: np.ndarray, limit: float, plans: tuple[Plan, Plan, Plan]
) -> None:
    """Range (exact), maximum (exact law), variance and KS shape of Glorot uniform draws."""
    maximum, variance, shape = plans
    over = max(0.0, float(np.max(np.abs(w))) - limit)
    evidence.check(exact_check(f"{label}: no draw beyond a", over, 0.0))
    evidence.test(maximum, uniform_maximum_check, f"{label}: max|w|/a", w, limit)
    evidence.test(
        variance, variance_check, f"{label}: Var(w)·(n_in+n_out)/2", w, limit * limit / 3.0,
        kurtosis=UNIFORM_KURTOSIS,
    )  # fmt: skip
    evidence.test(
        shape, ks_check, f"{label}: KS of w/a vs U[-1,1]", w / limit, UNIT_UNIFORM.cdf,
        against=("a normal of the same variance (DKW bound)", UNIFORM_VS_NORMAL),
    )  # fmt: skip


@pytest.mark.claim(GLOROT_UNIFORM)
@given(seed=seeds, n_in=st.integers(4, 300), n_out=st.integers(4, 300))
def test_glorot_uniform_law(evidence: Evidence, seed: int, n_in: int, n_out: int) -> None:
    """Glorot & Bengio 2010, eq. 16: "W ~ U[−√6/√(n_j + n_{j+1}), √6/√(n_j + n_{j+1})]"."""
    shape = (n_out, n_in)  # torch layout (out, in)
    check_with_verify(evidence, UNIFORM_VERIFIED, "Glorot", glorot_uniform, "glorot_uniform",
                      shape, seed)  # fmt: skip
    # verify checks the support; that the largest draw also comes close to it is the maximum's
    limit = math.sqrt(6.0 / (n_in + n_out))
    w = draw_many(glorot_uniform, shape, np.random.default_rng(seed), uniform_draws(UNIFORM_MAX))
    evidence.test(UNIFORM_MAX, uniform_maximum_check, "Glorot: max|w|/a", w, limit)


@pytest.mark.claim(GLOROT_UNIFORM)
def test_glorot_uniform_picture(evidence: Evidence) -> None:
    """Report figure: Glorot uniform draws of a 128 → 256 layer (seed 0, checked like every
    example) against the law's flat density on [−a, a] and the normal of the same variance."""
    limit = math.sqrt(6.0 / (128 + 256))
    w = draw_many(glorot_uniform, (256, 128), np.random.default_rng(0),
                  uniform_draws(PICTURE_SHAPE))  # fmt: skip
    check_glorot_uniform(evidence, "Glorot 128→256, seed 0", w, limit,
                         (PICTURE_MAX, PICTURE_VARIANCE, PICTURE_SHAPE))  # fmt: skip
    group, xlabel = GLOROT_UNIFORM.main_plot or "", "w / a,  a = √(6/(n_in+n_out))"
    edges = np.linspace(-1.5, 1.5, 61)
    add_density(evidence, f"{w.size} draws", w / limit, edges, group=group, xlabel=xlabel)
    grid = np.linspace(-1.5, 1.5, 601)
    flat = np.where(np.abs(grid) <= 1.0, 0.5, 0.0)
    same_variance = np.exp(-1.5 * grid * grid) * math.sqrt(3.0 / (2.0 * math.pi))
    evidence.add_series("the law, U[−a, a]", grid, flat, xlabel=xlabel, ylabel="density",
                        group=group)  # fmt: skip
    evidence.add_series("normal of the same variance", grid, same_variance, xlabel=xlabel,
                        ylabel="density", group=group)  # fmt: skip


def old_standard(shape: int | Sequence[int], rng: RngLike, dtype: DTypeLike = np.float64) -> Array:
    """U[±1/√n_in] as PyTorch's nn.Linear draws it: kaiming_uniform_ with a = √5."""
    return he_uniform(shape, rng, dtype, a=math.sqrt(5.0), nonlinearity="leaky_relu")


@pytest.mark.claim(GLOROT_UNIFORM)
@given(seed=seeds, n_in=st.integers(4, 300), n_out=st.integers(4, 300))
def test_old_standard_init_has_a_third(
    evidence: Evidence, seed: int, n_in: int, n_out: int
) -> None:
    """Glorot & Bengio 2010, eq. 1: "W_ij ~ U[−1/√n, 1/√n] ... gives rise to variance with the
    property n Var[W] = 1/3"."""
    n = OLD_VARIANCE.variance_draws(2.0, kurtosis=UNIFORM_KURTOSIS)
    w = draw_many(old_standard, (n_out, n_in), np.random.default_rng(seed), n)
    over = max(0.0, float(np.max(np.abs(w))) * math.sqrt(n_in) - 1.0)
    evidence.check(exact_check("U[±1/√n]: no draw beyond 1/√n", over, 0.0, 4e-16))
    evidence.test(OLD_VARIANCE, variance_check, "U[±1/√n]: n_in·Var(w)·3", w,
                  STANDARD_GAIN2 / n_in, kurtosis=UNIFORM_KURTOSIS)  # fmt: skip


# ---------------------------------------------------------------- GLOROT-LINEAR-REGIME


def mean_field(gain2: float, input_var: float) -> tuple[float, float, float]:
    """Infinite-width predictions (ln) for layer-5/layer-1 activation second moment, layer-1 /
    layer-5 delta second moment, and layer-1 / layer-5 weight-gradient second moment, when each
    layer has n·Var(w) = ``gain2`` and the inputs have variance ``input_var``."""
    q, acts, slopes = gain2 * input_var, [], []
    for _ in range(HIDDEN):
        h = np.tanh(math.sqrt(q) * NODES)
        acts.append(gauss(h * h))
        slopes.append(gauss((1.0 - h * h) ** 2))
        q = gain2 * acts[-1]
    # delta_l = (delta_{l+1} W_{l+1}) ⊙ tanh'(z_l): × n·Var(w)·E[tanh'²] per layer downward
    ln_delta = sum(math.log(gain2 * s) for s in slopes[:-1])
    ln_act = math.log(acts[-1] / acts[0])
    # dL/dW_l = delta_lᵀ h_{l−1}: layer 1 pairs delta_1 with the input, layer 5 delta_5 with h_4
    ln_grad = ln_delta + math.log(input_var / acts[-2])
    return ln_act, ln_delta, ln_grad


@cache
def standard_init(n: int) -> Initializer:
    """Glorot's eq. 1 for width-n layers: U[−1/√n, 1/√n]."""
    return uniform(-1.0 / math.sqrt(n), 1.0 / math.sqrt(n))


def regime_ratios(
    init: Initializer, n: int, s: float, seed: int, batch: int
) -> tuple[list[float], list[float], list[float]]:
    """Per-layer second moments of the hidden activations, deltas and weight gradients."""
    gen = np.random.default_rng(seed)
    x = s * gen.standard_normal((batch, n))
    t = gen.standard_normal((batch, OUT))
    net = MLP([n] * (HIDDEN + 1) + [OUT], "tanh", weight_init=init, rng=gen)
    fw = net.forward(x)
    g = net.gradients(x, t)
    act = [float(np.mean(h**2)) for h in fw.activations[:HIDDEN]]
    delta = [float(np.mean(d**2)) for d in g.deltas[:HIDDEN]]
    grad = [float(np.mean(w**2)) for w in g.weights[:HIDDEN]]
    return act, delta, grad


def regime_checks(
    evidence: Evidence, n: int, s: float, seed: int, batch: int, plan: Plan
) -> dict[str, tuple[list[float], list[float], list[float]]]:
    """The six ln-ratio checks. Spread (one input): each layer multiplies the mean square by a
    χ²_n/n factor (relative variance 2/n; the tanh curvature at s ≤ 0.1 changes it by O(s²)), so
    four layers give sd √(8/n) for activations and for deltas; a batch mean is never more
    variable than one input's value. Weight gradients pair both: sd ≤ 2√(8/n) whatever their
    correlation. Power is against the other init's prediction. Returns the per-layer moments."""
    sd = math.sqrt(8.0 / n)
    inits = {
        "U[±1/√n] (standard)": (standard_init(n), STANDARD_GAIN2),
        "normalized (eq. 16)": (glorot_uniform, 1.0),
    }
    predicted = {label: mean_field(g2, s * s) for label, (_, g2) in inits.items()}
    moments = {}
    # The alternative each check must reject: the other init's prediction for activations and
    # deltas; for weight gradients (≈ 1 under both) that they shrink like the standard init's
    # deltas, 1/81 over four layers.
    vanishing = predicted["U[±1/√n] (standard)"][1]
    names = ("activations layer5/layer1", "deltas layer1/layer5", "weight gradients layer1/layer5")
    for (label, (init, _)), other in zip(inits.items(), reversed(predicted.values()), strict=True):
        act, delta, grad = regime_ratios(init, n, s, seed, batch)
        moments[label] = (act, delta, grad)
        measured = (
            math.log(act[-1] / act[0]), math.log(delta[0] / delta[-1]), math.log(grad[0] / grad[-1])
        )  # fmt: skip
        alternatives = (other[0], other[1], vanishing)
        for i, (what, m, e, alt) in enumerate(
            zip(names, measured, predicted[label], alternatives, strict=True)
        ):
            evidence.test(
                plan, spread_check, f"{label}: ln {what}", m, e, sd * (2 if i == 2 else 1),
                alternative=alt, against="the other init's prediction (weight gradients: "
                "shrinking like the standard init's deltas)", mde_of="shift of the ln ratio",
            )  # fmt: skip
    return moments


@pytest.mark.claim(GLOROT_LINEAR_REGIME)
@given(seed=seeds, n=st.integers(200, 400), s=st.floats(0.01, 0.1))
def test_linear_regime_ratios(evidence: Evidence, seed: int, n: int, s: float) -> None:
    """Glorot & Bengio 2010, §4.2.1: the variance of the back-propagated gradient "decreases as we
    go backward" with the standard init, while normalized initialization keeps "activation
    variances and back-propagated gradients variance" as one moves up or down the network."""
    regime_checks(evidence, n, s, seed, batch=16, plan=REGIME)


@pytest.mark.claim(GLOROT_LINEAR_REGIME)
def test_linear_regime_at_width_1000(evidence: Evidence) -> None:
    """The paper's setting: 5 tanh layers of 1000, inputs N(0, 0.05²); exports the profiles."""
    n, s = PAPER_WIDTH, PAPER_INPUT_STD
    layers = np.arange(1, HIDDEN + 1)
    regimes = regime_checks(evidence, n, s, seed=0, batch=32, plan=REGIME_PAPER)
    for label, (act, delta, _) in regimes.items():
        evidence.number(f"{label}: activation layer5/layer1", act[-1] / act[0])
        evidence.number(f"{label}: delta layer1/layer5", delta[0] / delta[-1])
    for k, what in enumerate(("activation", "back-propagated delta", "weight gradient")):
        # the delta flows backward from layer 5: relative to it, drawn right to left
        ref = -1 if k == 1 else 0
        ratios = {label: np.asarray(ys[k]) / ys[k][ref] for label, ys in regimes.items()}
        # one axis per panel: log for the ×1/3-per-layer decays, linear for a 1.0-1.08 spread
        spread = max(float(np.max(r) / np.min(r)) for r in ratios.values())
        for label, ratio in ratios.items():
            evidence.add_series(
                f"{what}, {label}", layers, ratio,
                xlabel="tanh layer l", ylabel=f"E[{what}^2] / layer {layers[ref]} (ratio)",
                scale="logy" if spread > 10.0 else "linear", xinvert=k == 1,
                group=f"Glorot 2010 linear regime: {what} second moment",
            )  # fmt: skip


# GLOROT-JACOBIAN. f(W) = mean singular value = ‖W‖_*/n is convex and (1/√n)-Lipschitz in the
# entries (Frobenius norm): |‖A‖_* − ‖B‖_*| ≤ √n·‖A − B‖_F. Entries bounded by K = √3·σ/√n
# (uniform laws), so Talagrand's inequality gives P(|f − median f| ≥ λ·K/√n) ≤ 4·exp(−λ²/16):
# a tolerance of √(16·ln(4/α))·√3·σ/n around 8σ/(3π) (the quarter-circle mean; the finite-n
# bias of the mean is far below that tolerance at these n, so the bound is loose but
# rigorous). Power against the other init (σ² three times off) is 1 − 4·exp(−λ'²/16) with λ'
# the alternative's distance to the edge.


def mean_singular_value(w: np.ndarray) -> float:
    """Mean singular value of a square matrix (from the eigenvalues of WᵀW)."""
    return float(np.mean(np.sqrt(np.clip(np.linalg.eigvalsh(w.T @ w), 0.0, None))))


def singular_mean_check(
    name: str, measured: float, sigma: float, n: int, alt: float, *, alpha: float
) -> Check:
    """Talagrand interval around the quarter-circle mean 8σ/(3π) (comment above): entries
    bounded by √3σ/√n, a (1/√n)-Lipschitz statistic, so the scale K/√n = √3σ/n."""
    return talagrand_check(
        name, measured, QUARTER_CIRCLE_MEAN * sigma, math.sqrt(3.0) / n * sigma, alpha,
        alternative=alt, against=f"the other init's mean singular value {alt:.3g} (variance 3x off)",
        mde_of="mean singular value shift",
    )  # fmt: skip


#: the two inits of Glorot & Bengio §4.2.2 on square layers, with σ = √(n·Var(w))
JACOBIAN_INITS: dict[str, tuple[Initializer, float]] = {
    "standard U[±1/√n]": (old_standard, math.sqrt(STANDARD_GAIN2)),
    "normalized (Glorot uniform)": (glorot_uniform, 1.0),
}


@pytest.mark.claim(GLOROT_JACOBIAN)
@given(seed=seeds, n=st.integers(200, 320))
def test_layer_jacobian_mean_singular_value(evidence: Evidence, seed: int, n: int) -> None:
    """Glorot & Bengio 2010, §4.2.2: "the average singular value [of the layer Jacobian] ... is
    about 0.8 with the normalized initialization ... 0.5 with the standard initialization" — in
    the linear regime the layer Jacobian is W, whose mean singular value is 8σ/(3π)."""
    rng = np.random.default_rng(seed)
    sigmas = {label: QUARTER_CIRCLE_MEAN * sigma for label, (_, sigma) in JACOBIAN_INITS.items()}
    for label, (init, sigma) in JACOBIAN_INITS.items():
        alt = next(v for k, v in sigmas.items() if k != label)
        s = mean_singular_value(init((n, n), rng, np.float64))
        evidence.test(JACOBIAN, singular_mean_check, f"{label}: mean singular value of W", s,
                      sigma, n, alt)  # fmt: skip


@pytest.mark.claim(GLOROT_JACOBIAN)
def test_tanh_layer_jacobians(evidence: Evidence) -> None:
    """Glorot & Bengio 2010, §4.2.2, in a 5-layer tanh network (width 256, N(0, 1) inputs): the
    layer Jacobian ∂z_{l+1}/∂z_l = W_{l+1}·diag(tanh'(z_l)) has singular values at most those of
    W_{l+1} (|tanh'| ≤ 1: σ_i(WD) ≤ σ_i(W)·‖D‖), so its mean is below 8σ/(3π) — an exact
    inequality, within rounding (1e-12) — and close to it where the units are unsaturated."""
    width = JACOBIAN_WIDTH
    x = np.random.default_rng(9).standard_normal((1, width))
    layers = np.arange(1, HIDDEN)
    for label, (init, sigma) in JACOBIAN_INITS.items():
        net = MLP([width] * (HIDDEN + 1), "tanh", weight_init=init, rng=10)
        zs = net.forward(x).pre_activations
        jac = [
            mean_singular_value(w * net.activation.df(z[0])[None, :])
            for w, z in zip(net.weights[1:], zs[:-1], strict=True)
        ]
        bare = [mean_singular_value(w) for w in net.weights[1:]]
        evidence.check(exact_check(
            f"{label}: max over layers of mean s(W D) - mean s(W), clipped at 0",
            max(0.0, max(j - b for j, b in zip(jac, bare, strict=True))), 0.0, 1e-12,
        ))  # fmt: skip
        evidence.number(f"mean singular value, layer Jacobians, {label}", float(np.mean(jac)))
        evidence.number(f"8 sigma / (3 pi), {label}", QUARTER_CIRCLE_MEAN * sigma)
        evidence.add_series(
            f"{label}: W D", layers, jac, xlabel="layer l",
            ylabel="mean singular value of dz_(l+1)/dz_l", group=GLOROT_JACOBIAN.main_plot or "",
        )  # fmt: skip
        evidence.add_series(
            f"{label}: quarter-circle 8σ/(3π)", layers,
            np.full(layers.size, QUARTER_CIRCLE_MEAN * sigma), xlabel="layer l",
            ylabel="mean singular value of dz_(l+1)/dz_l", group=GLOROT_JACOBIAN.main_plot or "",
        )  # fmt: skip
