"""SELU-FIXED-POINT: Klambauer et al. 2017, Self-Normalizing Neural Networks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from properties.budget import check_alpha
from properties.spread import spread_check
from winit.activations import selu
from winit.evidence import Evidence
from winit.initializers import Initializer, he_normal, lecun_normal
from winit.mlp import MLP
from winit.stats import exact_check

# Gauss–Legendre on each side of the kink at 0 (selu is smooth there), N(0,1) tails beyond
# ±12 are below 1e-31: the quadrature is exact to double rounding.
_X, _W = np.polynomial.legendre.leggauss(200)
_NODES = np.concatenate([6.0 * (_X - 1.0), 6.0 * (_X + 1.0)])
_WEIGHTS = np.concatenate([_W, _W]) * 6.0 * np.exp(-(_NODES**2) / 2.0) / math.sqrt(2.0 * math.pi)


def gauss(f: np.ndarray) -> float:
    """E[f(g)], g ~ N(0, 1), from f at the nodes."""
    return float(np.dot(_WEIGHTS, f))


def second_moment_map(q: float) -> float:
    """F(q) = E[selu(√q·g)²]: the next layer's second moment from this layer's, when the
    weights have n·Var(w) = 1 (LeCun normal)."""
    return gauss(selu(math.sqrt(q) * _NODES) ** 2)


S, DS = selu(_NODES), selu.df(_NODES)
MEAN, SECOND = gauss(S), gauss(S * S)
SLOPE = gauss(S * DS * _NODES)  # F'(1) = E[selu(g)·selu'(g)·g]: the map's slope at the fixed point
MEAN_SLOPE = gauss(DS * _NODES) / 2.0  # d/dq E[selu(√q·g)] at q = 1
VAR_SQUARE = gauss(S**4) - SECOND**2  # Var(selu(g)²)

WIDTH, DEPTH, BATCH = 100, 100, 8
# Stationary spread of the one-input chain q_{l+1} = mean_i selu(z_i)², z_i ~ N(0, q_l) i.i.d.
# given layer l (exact for Gaussian weights): ln q_{l+1} ≈ c·ln q_l + ε, Var ε = Var(selu²)/n,
# so Var(ln q) = Var(ε)/(1 − c²) after the start is forgotten (c^99 < 1e-10). The last layer's
# activation mean is mean_i selu(z_i): Var ≈ (Var selu(g) + μ'(1)²·Var q)/n-scaled as below.
LN_Q_SD = math.sqrt(VAR_SQUARE / WIDTH / (1.0 - SLOPE**2))
MEAN_SD = math.sqrt((SECOND - MEAN**2) / WIDTH + MEAN_SLOPE**2 * LN_Q_SD**2)
ALPHA = check_alpha(2)


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


def check_last_layer(evidence: Evidence, acts: list[np.ndarray], label: str) -> None:
    """Mean ≈ 0 and second moment ≈ 1 at the last hidden layer (batch means are never more
    variable than one input's, so the one-input spreads are conservative)."""
    last = acts[-1]
    evidence.check(spread_check(
        f"{label}: last-layer activation mean", float(np.mean(last)), MEAN, MEAN_SD, ALPHA,
        alternative=MEAN + 1.0, against="a mean 1 (10 sd) off",
    ))  # fmt: skip
    evidence.check(spread_check(
        f"{label}: ln last-layer second moment", math.log(float(np.mean(last**2))),
        math.log(SECOND), LN_Q_SD, ALPHA, alternative=HE_LN_SECOND,
        against="He-scaled weights (Var 2/n): the second moment grows every layer",
    ))  # fmt: skip


@pytest.mark.claim("SELU-FIXED-POINT")
def test_fixed_point_by_quadrature(evidence: Evidence) -> None:
    """Klambauer et al. 2017, eq. 14: λ and α are chosen so that "the mapping g ... has the fixed
    point (μ, ν) = (0, 1)" — E[selu(z)] = 0 and E[selu(z)²] = 1 for z ~ N(0, 1); and it attracts:
    the second-moment map's slope there lies in (0, 1)."""
    s, ds = selu(_NODES), selu.df(_NODES)  # evaluated now, on the core's selu as it is
    evidence.check(exact_check("E[selu(z)]", gauss(s), 0.0, 1e-9))
    evidence.check(exact_check("E[selu(z)^2]", gauss(s * s), 1.0, 1e-9))
    slope = gauss(s * ds * _NODES)
    evidence.check(
        exact_check("slope of q -> E[selu(sqrt(q) z)^2] at 1, in [0, 1]", slope, 0.5, 0.5)
    )
    evidence.number("slope of the second-moment map at q = 1", SLOPE)
    evidence.number("stationary sd of ln q at width 100", LN_Q_SD)


@pytest.mark.claim("SELU-FIXED-POINT")
@given(
    seed=st.integers(0, 2**32 - 1),
    mean=st.floats(-2.0, 2.0),
    std=st.floats(0.5, 3.0),
)
def test_fixed_point_attracts(evidence: Evidence, seed: int, mean: float, std: float) -> None:
    """Klambauer et al. 2017: "activations close to zero mean and unit variance that are
    propagated through many network layers will converge towards zero mean and unit variance"."""
    check_last_layer(evidence, propagate(lecun_normal, mean, std, seed), "drawn input")


@pytest.mark.claim("SELU-FIXED-POINT")
def test_from_mean_1_var_9(evidence: Evidence) -> None:
    """The claim's example: inputs with mean 1 and variance 9 through 100 layers of 100; exports
    the per-layer mean and variance (and He-scaled weights for contrast)."""
    acts = propagate(lecun_normal, 1.0, 3.0, seed=0)
    check_last_layer(evidence, acts, "mean 1, var 9")
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
