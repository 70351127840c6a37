"""EDGE-OF-CHAOS: Schoenholz, Gilmer, Ganguli & Sohl-Dickstein 2017, Deep Information Propagation.

Mean-field laws of a deep tanh network with N(0, σ_w²/n) weights and N(0, σ_b²) biases, by
Gauss–Hermite quadrature of the core's tanh and its derivative (evaluated at test time, so a
mutated activation changes the numbers): the length map q ↦ σ_w²·E[φ(√q·z)²] + σ_b² with fixed
point q*, the correlation map c ↦ (σ_w²·E[φ(u1)φ(u2)] + σ_b²)/q* (u1, u2 ~ N(0, q*), corr c),
and χ₁ = σ_w²·E[φ'(√q*·z)²], its slope at c = 1.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from properties.quadrature import NODES, gauss, gauss2
from winit.activations import tanh
from winit.evidence import Evidence
from winit.initializers import normal
from winit.mlp import MLP
from winit.stats import exact_check


def q_star(sw2: float, sb2: float) -> float:
    """Fixed point of the length map from q = 1 (a contraction for tanh when σ_b² > 0)."""
    q = 1.0
    for _ in range(2000):
        q_next = sw2 * gauss(tanh(math.sqrt(q) * NODES) ** 2) + sb2
        if abs(q_next - q) <= 1e-15 * q:
            return q_next
        q = q_next
    return q


def chi1(sw2: float, sb2: float) -> float:
    """χ₁ = σ_w²·E[tanh'(√q*·z)²]."""
    return sw2 * gauss(tanh.df(math.sqrt(q_star(sw2, sb2)) * NODES) ** 2)


def correlation_map(c: float, sw2: float, sb2: float, q: float) -> float:
    """One layer of the mean-field correlation map at fixed point length ``q``."""
    z1, z2 = NODES[:, None], NODES[None, :]
    u1 = math.sqrt(q) * z1
    u2 = math.sqrt(q) * (c * z1 + math.sqrt(max(0.0, 1.0 - c * c)) * z2)
    return (sw2 * gauss2(tanh(u1) * tanh(u2)) + sb2) / q


def critical_sw2(sb2: float) -> float:
    """σ_w² with χ₁ = 1 at this σ_b², by bisection on [1, 4] (χ₁ increases with σ_w² there)."""
    lo, hi = 1.0, 4.0
    for _ in range(50):
        mid = (lo + hi) / 2.0
        lo, hi = (mid, hi) if chi1(mid, sb2) < 1.0 else (lo, mid)
    return (lo + hi) / 2.0


@pytest.mark.claim("EDGE-OF-CHAOS")
def test_critical_line(evidence: Evidence) -> None:
    """Schoenholz et al. 2017: "χ₁ = 1 ... defines the boundary between the ordered and chaotic
    phases"; (σ_w², σ_b²) = (1, 0) is on it (q* = 0 and tanh'(0) = 1: exact), and at
    σ_b² = 0.05 the critical σ_w² is 1.761 (quadrature to 1e-12; checked to the 4 digits the
    catalogue gives, ±5e-4)."""
    q0 = 1.0 * gauss(tanh(0.0 * NODES) ** 2) + 0.0
    evidence.check(exact_check("q* = 0 is a fixed point at (1, 0)", q0, 0.0))
    evidence.check(exact_check("chi_1 at (1, 0)", float(tanh.df(np.zeros(1))[0] ** 2), 1.0))
    crit = critical_sw2(0.05)
    evidence.check(exact_check("critical sigma_w^2 at sigma_b^2 = 0.05", crit, 1.761, 5e-4))
    evidence.number("critical sigma_w^2 at sigma_b^2 = 0.05 (quadrature)", crit)
    sb2s = np.linspace(0.0, 0.3, 13)
    evidence.add_series(
        "critical line chi_1 = 1", [critical_sw2(b) if b > 0 else 1.0 for b in sb2s], sb2s,
        xlabel="sigma_w^2", ylabel="sigma_b^2", group="tanh phase diagram (mean field)",
    )  # fmt: skip


@pytest.mark.claim("EDGE-OF-CHAOS")
@given(sw2=st.floats(0.5, 4.0), sb2=st.floats(0.01, 0.5))
def test_chi1_is_the_slope_at_c_equals_1_and_decides_the_phase(
    evidence: Evidence, sw2: float, sb2: float
) -> None:
    """Schoenholz et al. 2017: "χ₁ ... the derivative of the correlation map at c = 1 ... for
    χ₁ < 1 ... c* = 1 is stable [ordered]; for χ₁ > 1 it is unstable [chaotic]". Richardson
    finite difference of the quadrature map; tolerance 2e-3, quadrature-limited: the 2-D rule
    meets √(1 − c²), whose derivative diverges at c = 1, and tanh(√q*·z) sharpens as q* grows —
    the error measured at the domain's corners is at most 5e-4 (σ_w² = 4, σ_b² = 0.5), 1e-7 for
    q* < 1; a wrong tanh' moves χ₁ by ≥ 0.1. The phase: from c = 0.5,
    the mean-field map iterated to its fixed point (steps < 1e-12, at most 3000 layers) ends
    within 1e-6 of 1 iff χ₁ < 1 (checked where |χ₁ − 1| ≥ 0.05, away from the slow critical
    approach)."""
    q = q_star(sw2, sb2)
    x1 = chi1(sw2, sb2)
    h = 1e-3
    d1, d2 = ((1.0 - correlation_map(1.0 - s, sw2, sb2, q)) / s for s in (h, h / 2.0))
    evidence.check(
        exact_check(
            "slope of the correlation map at c = 1 minus chi_1", 2.0 * d2 - d1 - x1, 0.0, 2e-3
        )
    )
    if abs(x1 - 1.0) >= 0.05:
        c, step = 0.5, 1.0
        for _ in range(3000):
            if step <= 1e-12:
                break
            c_next = min(1.0, correlation_map(c, sw2, sb2, q))
            c, step = c_next, abs(c_next - c)
        ordered = float(1.0 - c <= 1e-6)
        evidence.check(exact_check("c_inf -> 1 (1) iff chi_1 < 1", ordered, float(x1 < 1.0)))


DEPTH, WIDTH, SB2 = 100, 300, 0.05


@pytest.mark.claim("EDGE-OF-CHAOS")
def test_correlation_through_100_layers(evidence: Evidence) -> None:
    """Evidence for the report: two inputs of correlation 0.5 through 100 tanh layers of width
    300 at σ_b² = 0.05 and σ_w² = 1 (ordered), 1.761 (critical), 4 (chaotic): the simulated
    correlation per layer next to the mean-field map. Reported, not checked: the finite-width
    spread of a 100-step correlation chain is not derived here (the mean-field laws are checked
    above)."""
    layers = np.arange(1, DEPTH + 1)
    g = np.random.default_rng(11)
    a, b = g.standard_normal(WIDTH), g.standard_normal(WIDTH)
    x = np.stack([a, 0.5 * a + math.sqrt(0.75) * b])
    for sw2 in (1.0, critical_sw2(SB2), 4.0):
        net = MLP(
            [WIDTH] * (DEPTH + 1), "tanh", weight_init=normal(0.0, math.sqrt(sw2 / WIDTH)),
            bias_init=normal(0.0, math.sqrt(SB2)), rng=12,
        )  # fmt: skip
        sim = [float(np.corrcoef(z[0], z[1])[0, 1]) for z in net.forward(x).pre_activations]
        q, c, mf = q_star(sw2, SB2), 0.5, []
        for _ in layers:
            c = min(1.0, correlation_map(c, sw2, SB2, q))
            mf.append(c)
        label = f"sigma_w^2 = {sw2:.3g}"
        group = "correlation of two inputs through 100 tanh layers, width 300"
        evidence.add_series(
            f"simulated, {label}",
            layers,
            sim,
            xlabel="layer l",
            ylabel="correlation c_l",
            group=group,
        )
        evidence.add_series(
            f"mean field, {label}",
            layers,
            mf,
            xlabel="layer l",
            ylabel="correlation c_l",
            group=group,
        )
        evidence.number(f"c_100 simulated, {label}", sim[-1])
        evidence.number(f"c_100 mean field, {label}", mf[-1])
