"""BN-SCALE-INVARIANCE: Ioffe & Szegedy 2015, §3.3 — with batch norm after a layer, the scale of
the layer's weights does not change its output, only its gradient.

Batch norm in training mode divides each unit's pre-activation z = Wu by the batch's own
√(σ² + ε). Scaling W by a > 0 scales z, its batch mean and its batch std by a, so with ε = 0 the
output is unchanged and, by the chain rule through z = (aW)u, ∂BN/∂(aW) = (1/a)·∂BN/∂W. With
ε > 0 the unit's output is (z − μ)/√(σ² + ε) before and a(z − μ)/√(a²σ² + ε) after: multiplied by
f(a) = √(σ² + ε)/√(σ² + ε/a²), which is 1 only when ε ≪ a²σ² (first order: 1 − ε(1/a² − 1)/(2σ²)).

Rounding (the bounds these exact checks use, per unit j of a batch of B rows and fan-in m, in
units of ε = 2⁻⁵²): the pre-activations are off by at most (m + 1)·max_i S_ij (S_ij =
Σ_k |u_ik|·|W_jk|; the +1 for rounding aW), batch norm's mean and variance add 2B·max_i |z_ij|,
and its own arithmetic (B + 4) relative; a perturbation e of a column moves x̂ by at most
(2 + |x̂|)·max|e|/σ. So x̂_ij is off by (2 + |x̂_ij|)·R_j·ε with R_j = ((m + 1)·max S_j +
2B·max|z_j|)/σ_j + B + 4 (:func:`rounding_factor`); two computations are compared, each bound
doubled for second-order terms.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from properties.data import seeds
from properties.sources import IOFFE
from properties.symmetry import EPS
from winit.claims import Claim, Evidence
from winit.initializers import lecun_normal
from winit.norms import DEFAULT_EPS, BatchNorm, Normalized, normalize_backward
from winit.stats import exact_check

#: Keras' BatchNormalization epsilon (PyTorch's and Flax's is winit.norms.DEFAULT_EPS).
KERAS_EPS = 1e-3
#: The counterexample: weights scaled by 1/1000 under PyTorch's epsilon.
SMALL_SCALE = 1e-3
SCALES = np.geomspace(1e-4, 10.0, 21)
FIGURE_BATCH, FIGURE_IN, FIGURE_OUT = 256, 64, 64
PANEL = "batch norm output factor against the weight scale a"

BN_SCALE_INVARIANCE = Claim(
    id="BN-SCALE-INVARIANCE",
    group="Attention and residual networks",
    title="Batch norm makes the output independent of the weight scale (only when ε = 0)",
    source=f"{IOFFE}, §3.3",
    quote="Batch Normalization also makes training more resilient to the parameter scale. ... "
    "for a scalar a, BN(Wu) = BN((aW)u) and we can show that ∂BN((aW)u)/∂u = ∂BN(Wu)/∂u, "
    "∂BN((aW)u)/∂(aW) = (1/a)·∂BN(Wu)/∂W.",
    statement="Refuted as stated for the batch norm every framework runs (ε > 0): scaling the "
    "weights by a > 0 multiplies each unit's output by f(a) = √(σ² + ε)/√(σ² + ε/a²) (σ² the "
    "unit's batch variance of Wu), exactly within rounding, which is 1 only when ε ≪ a²σ²: at "
    "a²σ² = ε the output is already ≈ 1/√2 of its value, and smaller inits shrink it further. "
    "True version: with ε = 0, BN((aW)u) = BN(Wu) and a·∂L/∂(aW) = ∂L/∂W for every a > 0 and "
    "every upstream gradient, within the derived rounding bounds (module docstring), so there "
    "the init scale changes the effective learning rate (the step on W relative to |W| goes "
    "as 1/a²), not the function. Frameworks' ε (PyTorch and Flax "
    f"{DEFAULT_EPS:g}, Keras {KERAS_EPS:g}) is far below the pre-activation variance of the "
    "standard inits with unit-variance inputs (He, Glorot, LeCun: σ² of order 1), so there f "
    "is 1 to within about ε/σ²; it bites for inits scaled down until a²σ² nears ε.",
    domain="seed; batch 2–64, fan-in 1–32, units 1–32; inputs N(0, 1) times 10^[−2, 2]; LeCun "
    "normal weights; a in 10^[−3, 3]; upstream gradient N(0, 1); ε = 0, "
    f"{DEFAULT_EPS:g} and {KERAS_EPS:g}; figure: batch {FIGURE_BATCH}, {FIGURE_IN} → "
    f"{FIGURE_OUT}, a = {SCALES[0]:g} … {SCALES[-1]:g}.",
    expected="refuted-as-stated",
    lead="With ε = 0 the output stays at its full size whatever the weight scale a, as Ioffe & "
    "Szegedy say; with the ε frameworks add it follows the formula down once a is small "
    "enough that a²σ² meets ε.",
    statistics="Exact, no statistics: every comparison against its derived rounding bound.",
    main_plot=PANEL,
)


def rounding_factor(u: np.ndarray, w: np.ndarray, z: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """R_j of the module docstring per unit j; ``scale`` the column's √(σ² + ε)."""
    s = np.abs(u) @ np.abs(w).T
    batch, fan_in = u.shape
    out: np.ndarray = ((fan_in + 1) * s.max(axis=0) + 2 * batch * np.abs(z).max(axis=0)) / scale
    out += batch + 4
    return out


def layer(u: np.ndarray, w: np.ndarray, eps: float) -> tuple[np.ndarray, Normalized]:
    """z = u Wᵀ and batch norm of it in training mode (γ = 1, β = 0)."""
    z = u @ w.T
    return z, BatchNorm(w.shape[0], eps=eps).forward(z)


def output_bound(u: np.ndarray, w: np.ndarray, a: float, eps: float) -> np.ndarray:
    """Elementwise bound on |BN((aW)u) − f·BN(Wu)| from both computations' rounding (doubled),
    plus f's own rounding."""
    factor = scaled_factor(u @ w.T, a, eps)
    out = np.zeros((u.shape[0], w.shape[0]))
    for weights, weight in ((w, factor), (a * w, 1.0)):
        z, bn = layer(u, weights, eps)
        r = rounding_factor(u, weights, z, np.sqrt(np.var(z, axis=0) + eps))
        out += 2.0 * (2.0 + np.abs(bn.x_hat)) * r * EPS * weight
    out += 8.0 * EPS * np.abs(factor)
    return out


def scaled_factor(z: np.ndarray, a: float, eps: float) -> np.ndarray:
    """f(a) = √(σ² + ε)/√(σ² + ε/a²) per unit, σ² the biased batch variance of z."""
    var = np.var(z, axis=0)
    return np.asarray(np.sqrt(var + eps) / np.sqrt(var + eps / (a * a)))


def gradient_bound(u: np.ndarray, w: np.ndarray, a: float, g: np.ndarray) -> np.ndarray:
    """Bound on |a·∂L/∂(aW) − ∂L/∂W| (ε = 0): per computation, ε·(2B + 4 + 2R_j(2 + max|x̂_j|))
    ·Σ_i A_ij|u_ik| with A_ij = (|G_ij| + mean|G_j| + |x̂_ij|·mean|G x̂|_j)/σ_j the
    absolute-value terms of dz, doubled; plus the multiplication by a."""
    total = np.zeros_like(w)
    batch = u.shape[0]
    for weights, mult in ((w, 1.0), (a * w, a)):
        z, bn = layer(u, weights, 0.0)
        sd = np.sqrt(np.var(z, axis=0))
        r = rounding_factor(u, weights, z, sd)
        terms = (np.abs(g) + np.mean(np.abs(g), axis=0)
                 + np.abs(bn.x_hat) * np.mean(np.abs(g * bn.x_hat), axis=0)) / sd  # fmt: skip
        rel = 2 * batch + 4 + 2 * r * (2.0 + np.max(np.abs(bn.x_hat), axis=0))
        total += 2.0 * mult * EPS * rel[:, None] * (terms.T @ np.abs(u))
    total += 2.0 * EPS * np.abs(weight_gradient(u, w, g, 0.0))
    return total


def weight_gradient(u: np.ndarray, w: np.ndarray, g: np.ndarray, eps: float) -> np.ndarray:
    """∂L/∂W for L = Σ BN(Wu)·G, through the core's batch-norm backward pass."""
    _, bn = layer(u, w, eps)
    out: np.ndarray = normalize_backward(bn, g).inputs.T @ u
    return out


@st.composite
def layers(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    """(u, W, a, G): a batch, LeCun-normal weights, a scale and an upstream gradient."""
    batch, fan_in, units = (
        draw(st.integers(2, 64)),
        draw(st.integers(1, 32)),
        draw(st.integers(1, 32)),
    )
    gen = np.random.default_rng(draw(seeds))
    u = 10.0 ** draw(st.floats(-2.0, 2.0)) * gen.standard_normal((batch, fan_in))
    w = lecun_normal((units, fan_in), gen, np.float64)
    return u, w, 10.0 ** draw(st.floats(-3.0, 3.0)), gen.standard_normal((batch, units))


@pytest.mark.claim(BN_SCALE_INVARIANCE)
@given(case=layers())
def test_without_epsilon_the_output_ignores_the_weight_scale(
    case: tuple[np.ndarray, np.ndarray, float, np.ndarray], evidence: Evidence
) -> None:
    """Ioffe & Szegedy: "BN(Wu) = BN((aW)u)" — exactly so with ε = 0, within rounding."""
    u, w, a, _ = case
    gap = np.abs(layer(u, a * w, 0.0)[1].output - layer(u, w, 0.0)[1].output)
    ratio = float(np.max(gap / output_bound(u, w, a, 0.0)))
    evidence.check(exact_check("largest |BN((aW)u) − BN(Wu)| / its rounding bound, ε = 0",
                               ratio, 0.0, 1.0))  # fmt: skip


@pytest.mark.claim(BN_SCALE_INVARIANCE)
@given(case=layers())
def test_without_epsilon_the_weight_gradient_scales_by_one_over_a(
    case: tuple[np.ndarray, np.ndarray, float, np.ndarray], evidence: Evidence
) -> None:
    """Ioffe & Szegedy: "∂BN((aW)u)/∂(aW) = (1/a)·∂BN(Wu)/∂W" — with ε = 0, within rounding."""
    u, w, a, g = case
    gap = np.abs(a * weight_gradient(u, a * w, g, 0.0) - weight_gradient(u, w, g, 0.0))
    ratio = float(np.max(gap / gradient_bound(u, w, a, g)))
    evidence.check(exact_check("largest |a·∂L/∂(aW) − ∂L/∂W| / its rounding bound, ε = 0",
                               ratio, 0.0, 1.0))  # fmt: skip


@pytest.mark.claim(BN_SCALE_INVARIANCE)
@given(case=layers(), eps=st.sampled_from([DEFAULT_EPS, KERAS_EPS]))
def test_with_epsilon_the_output_is_multiplied_by_the_formula(
    case: tuple[np.ndarray, np.ndarray, float, np.ndarray], eps: float, evidence: Evidence
) -> None:
    """The precise statement: BN_ε((aW)u) = f(a)·BN_ε(Wu), f(a) = √(σ² + ε)/√(σ² + ε/a²)."""
    u, w, a, _ = case
    before = layer(u, w, eps)
    after = layer(u, a * w, eps)[1].output
    gap = np.abs(after - scaled_factor(before[0], a, eps) * before[1].output)
    ratio = float(np.max(gap / output_bound(u, w, a, eps)))
    evidence.check(exact_check("largest |BN((aW)u) − f(a)·BN(Wu)| / its rounding bound, ε > 0",
                               ratio, 0.0, 1.0))  # fmt: skip


def column_factors(u: np.ndarray, w: np.ndarray, a: float, eps: float) -> np.ndarray:
    """The measured output factor per unit: ‖BN((aW)u)_j‖ / ‖BN(Wu)_j‖."""
    before, after = layer(u, w, eps)[1].output, layer(u, a * w, eps)[1].output
    out: np.ndarray = np.linalg.norm(after, axis=0) / np.linalg.norm(before, axis=0)
    return out


@pytest.mark.claim(BN_SCALE_INVARIANCE)
def test_small_weights_shrink_the_output_under_frameworks_epsilon(evidence: Evidence) -> None:
    """Refutes "BN(Wu) = BN((aW)u)" for ε > 0 with a counterexample, and report figure: the
    output factor against a for ε = 0 and the frameworks' ε, measured beside the formula."""
    gen = np.random.default_rng(2015)
    u = gen.standard_normal((FIGURE_BATCH, FIGURE_IN))
    w = lecun_normal((FIGURE_OUT, FIGURE_IN), gen, np.float64)
    z = u @ w.T
    labels = {"xlabel": "weight scale a", "ylabel": "output factor BN((aW)u) / BN(Wu)",
              "group": PANEL, "scale": "logx"}  # fmt: skip
    for eps, name in ((0.0, "ε = 0 (Ioffe & Szegedy)"),
                      (DEFAULT_EPS, f"ε = {DEFAULT_EPS:g} (PyTorch, Flax)"),
                      (KERAS_EPS, f"ε = {KERAS_EPS:g} (Keras)")):  # fmt: skip
        measured = [float(np.mean(column_factors(u, w, float(a), eps))) for a in SCALES]
        evidence.add_series(f"{name}, measured", SCALES, measured, kind="points", **labels)  # type: ignore[arg-type]
        if eps:
            curve = [float(np.mean(scaled_factor(z, float(a), eps))) for a in SCALES]
            evidence.add_series(f"{name}, √(σ²+ε)/√(σ²+ε/a²)", SCALES, curve, **labels)  # type: ignore[arg-type]
    factor = column_factors(u, w, SMALL_SCALE, DEFAULT_EPS)
    formula = scaled_factor(z, SMALL_SCALE, DEFAULT_EPS)
    before = layer(u, w, DEFAULT_EPS)[1].output
    gap = np.abs(layer(u, SMALL_SCALE * w, DEFAULT_EPS)[1].output - formula * before)
    ratio = float(np.max(gap / output_bound(u, w, SMALL_SCALE, DEFAULT_EPS)))
    evidence.check(exact_check(f"largest |BN((aW)u) − f(a)·BN(Wu)| / its rounding bound, a = "
                               f"{SMALL_SCALE:g}, ε = {DEFAULT_EPS:g}", ratio, 0.0, 1.0))  # fmt: skip
    worst = int(np.argmin(factor))
    variance = float(np.var(z[:, worst]))
    assert factor[worst] < 1.0 - 1e-3, "the output did not shrink: invariant after all?"
    evidence.number(f"smallest output factor, a = {SMALL_SCALE:g}, ε = {DEFAULT_EPS:g}",
                    float(factor[worst]))  # fmt: skip
    evidence.refutes_as_stated(
        "Batch norm as frameworks run it adds ε to the variance, so scaling the weights by a "
        "multiplies the output by √(σ² + ε)/√(σ² + ε/a²), not 1; the invariance holds only at "
        "ε = 0 (or where ε ≪ a²σ²).",
        f"a unit with batch variance σ² = {variance:.4f} (batch {FIGURE_BATCH}, LeCun normal "
        f"weights, N(0, 1) inputs), weights scaled by a = {SMALL_SCALE:g}, ε = "
        f"{DEFAULT_EPS:g} (PyTorch): the output is {factor[worst]:.4f} times its unscaled value "
        f"(formula {formula[worst]:.4f})",
    )
