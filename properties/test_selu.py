"""SELU-FIXED-POINT: Klambauer et al. 2017, Self-Normalizing Neural Networks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from properties.data import seeds
from properties.quadrature import KINK_NODES as _NODES
from properties.quadrature import gauss_kinked as gauss
from properties.sources import SELU
from winit.activations import SELU_ALPHA, SELU_LAMBDA, selu
from winit.claims import Claim, Evidence, Plan
from winit.initializers import Initializer, he_normal, lecun_normal
from winit.mlp import MLP
from winit.stats import exact_check, spread_check

WIDTH, DEPTH, BATCH = 100, 100, 8
#: The quadrature's tolerance for the fixed point (it is exact to rounding).
QUADRATURE_TOL = 1e-9

SELU_FIXED_POINT = Claim(
    id="SELU-FIXED-POINT",
    group="Beyond the article",
    title="SELU with LeCun normal weights has an attracting fixed point at mean 0, variance 1",
    source=SELU,
    quote="activations close to zero mean and unit variance that are propagated through many "
    "network layers will converge towards zero mean and unit variance -- even under the "
    "presence of noise and perturbations.",
    statement=f"With λ = {SELU_LAMBDA!r}, α = {SELU_ALPHA!r} and z ~ N(0,1): E[selu(z)] = 0 "
    f"and E[selu(z)²] = 1 to {QUADRATURE_TOL:g} (quadrature, split at the kink); the variance "
    "map q ↦ E[selu(√q·z)²] has slope in (0, 1) at q = 1 (attracting). "
    f"{DEPTH} layers × {WIDTH} wide with lecun_normal weights bring any input (mean in [−2, 2], "
    "std in [0.5, 3], e.g. mean 1, var 9) to mean ≈ 0 and second moment ≈ 1 at the last layer.",
    domain=f"seed; input mean in [−2, 2]; input std in [0.5, 3]; batch {BATCH} of "
    f"width-{WIDTH} inputs; plus the fixed mean 1, var 9 example",
    expected="holds",
    lead="Started far from it (mean 1, variance 9), the SELU network's activation mean and "
    "variance fall back to 0 and 1 within a few layers and stay there; with He-scaled weights "
    "the variance runs away.",
    statistics="Quadrature: exact checks. Propagation: normal intervals with the stationary "
    "finite-width spread of the one-input Markov chain q_{l+1} = mean_i selu(z_i)², z_i ~ "
    "N(0, q_l): Var(ln q) = v/(1 − c²) with v = Var(selu(z)²)/n and c the map's slope, and the "
    "sd of the last-layer mean √((1 + μ'(1)²·Var q)/n); power against He-scaled weights "
    "(Var 2/n: the second moment grows every layer).",
    main_plot="SELU per-layer activation variance",
)
DRAWN = SELU_FIXED_POINT.plan("last layer, drawn input", per_example=2)
EXAMPLE = SELU_FIXED_POINT.plan("last layer, mean 1 var 9", runs=2)


def second_moment_map(q: float) -> float:
    """F(q) = E[selu(√q·g)²]: the next layer's second moment from this layer's, when the
    weights have n·Var(w) = 1 (LeCun normal)."""
    return gauss(selu(math.sqrt(q) * _NODES) ** 2)


S, DS = selu(_NODES), selu.df(_NODES)
MEAN, SECOND = gauss(S), gauss(S * S)
SLOPE = gauss(S * DS * _NODES)  # F'(1) = E[selu(g)·selu'(g)·g]: the map's slope at the fixed point
MEAN_SLOPE = gauss(DS * _NODES) / 2.0  # d/dq E[selu(√q·g)] at q = 1
VAR_SQUARE = gauss(S**4) - SECOND**2  # Var(selu(g)²)

# Stationary spread of the one-input chain q_{l+1} = mean_i selu(z_i)², z_i ~ N(0, q_l) i.i.d.
# given layer l (exact for Gaussian weights): ln q_{l+1} ≈ c·ln q_l + ε, Var ε = Var(selu²)/n,
# so Var(ln q) = Var(ε)/(1 − c²) after the start is forgotten (c^99 < 1e-10). The last layer's
# activation mean is mean_i selu(z_i): Var ≈ (Var selu(g) + μ'(1)²·Var q)/n-scaled as below.
LN_Q_SD = math.sqrt(VAR_SQUARE / WIDTH / (1.0 - SLOPE**2))
MEAN_SD = math.sqrt((SECOND - MEAN**2) / WIDTH + MEAN_SLOPE**2 * LN_Q_SD**2)


def he_predicted_ln_second_moment(q0: float) -> float:
    """The alternative: He-scaled weights (Var 2/n) iterate q ↦ 2·F(q) for 100 layers."""
    ln_q = math.log(q0)
    for _ in range(DEPTH):
        ln_q = math.log(2.0 * second_moment_map(math.exp(ln_q)))
    return ln_q


HE_LN_SECOND = he_predicted_ln_second_moment(1.0)


def propagate(init: Initializer, mean: float, std: float, seed: int) -> list[np.ndarray]:
    """Activations of the 100 hidden layers (width 100) of a SELU net for a batch of N(mean, std²) inputs."""
    gen = np.random.default_rng(seed)
    x = mean + std * gen.standard_normal((BATCH, WIDTH))
    net = MLP([WIDTH] * (DEPTH + 2), "selu", weight_init=init, rng=gen)
    return net.forward(x).activations[:-1]  # the last layer is the linear output


def check_last_layer(evidence: Evidence, acts: list[np.ndarray], label: str, plan: Plan) -> None:
    """Mean ≈ 0 and second moment ≈ 1 at the last hidden layer (batch means are never more
    variable than one input's, so the one-input spreads are conservative)."""
    last = acts[-1]
    evidence.test(
        plan, spread_check, f"{label}: last-layer activation mean", float(np.mean(last)), MEAN,
        MEAN_SD, alternative=MEAN + 1.0, against="a mean 1 off", mde_of="mean shift",
    )  # fmt: skip
    evidence.test(
        plan, spread_check, f"{label}: ln last-layer second moment",
        math.log(float(np.mean(last**2))), math.log(SECOND), LN_Q_SD, alternative=HE_LN_SECOND,
        against="He-scaled weights (Var 2/n): the second moment grows every layer",
        mde_of="shift of ln(second moment)",
    )  # fmt: skip


@pytest.mark.claim(SELU_FIXED_POINT)
def test_fixed_point_by_quadrature(evidence: Evidence) -> None:
    """Klambauer et al. 2017, eq. 14: λ and α are chosen so that "the mapping g ... has the fixed
    point (μ, ν) = (0, 1)" — E[selu(z)] = 0 and E[selu(z)²] = 1 for z ~ N(0, 1); and it attracts:
    the second-moment map's slope there lies in (0, 1)."""
    s, ds = selu(_NODES), selu.df(_NODES)  # evaluated now, on the core's selu as it is
    evidence.check(exact_check("E[selu(z)]", gauss(s), 0.0, QUADRATURE_TOL))
    evidence.check(exact_check("E[selu(z)^2]", gauss(s * s), 1.0, QUADRATURE_TOL))
    slope = gauss(s * ds * _NODES)
    evidence.check(
        exact_check("slope of q -> E[selu(sqrt(q) z)^2] at 1, in [0, 1]", slope, 0.5, 0.5)
    )
    evidence.number("slope of the second-moment map at q = 1", SLOPE)
    evidence.number(f"stationary sd of ln q at width {WIDTH}", LN_Q_SD)


@pytest.mark.claim(SELU_FIXED_POINT)
@given(
    seed=seeds,
    mean=st.floats(-2.0, 2.0),
    std=st.floats(0.5, 3.0),
)
def test_fixed_point_attracts(evidence: Evidence, seed: int, mean: float, std: float) -> None:
    """Klambauer et al. 2017: "activations close to zero mean and unit variance that are
    propagated through many network layers will converge towards zero mean and unit variance"."""
    check_last_layer(evidence, propagate(lecun_normal, mean, std, seed), "drawn input", DRAWN)


@pytest.mark.claim(SELU_FIXED_POINT)
def test_from_mean_1_var_9(evidence: Evidence) -> None:
    """The claim's example: inputs with mean 1 and variance 9 through 100 layers of 100; exports
    the per-layer mean and variance (and He-scaled weights for contrast)."""
    acts = propagate(lecun_normal, 1.0, 3.0, seed=0)
    check_last_layer(evidence, acts, "mean 1, var 9", EXAMPLE)
    layers = np.arange(1, DEPTH + 1)
    for label, run in (
        ("LeCun normal", acts),
        ("He normal (Var 2/n)", propagate(he_normal, 1.0, 3.0, 0)),
    ):
        for stat, values in (
            ("mean", [np.mean(a) for a in run]),
            ("variance", [np.var(a) for a in run]),
        ):
            evidence.add_series(
                f"SELU {stat}, {label}", layers, values, xlabel="layer l",
                ylabel=f"activation {stat} (units of the fixed point)",
                group=f"SELU per-layer activation {stat}",
            )  # fmt: skip
    evidence.number("last-layer mean, mean 1 var 9", float(np.mean(acts[-1])))
    evidence.number("last-layer std, mean 1 var 9", float(np.std(acts[-1])))
