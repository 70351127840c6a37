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
from properties.sources import SCHOENHOLZ
from winit.activations import tanh
from winit.claims import Claim, Evidence
from winit.stats import exact_check

DEPTH, SB2, START = 100, 0.05, 0.5
#: |χ₁ − 1| below which the phase is not decided by iterating the map (slow critical approach).
PHASE_MARGIN = 0.05
#: The catalogue's critical σ_w² at σ_b² = 0.05, to the digits it gives.
CRITICAL_SW2, CRITICAL_TOL = 1.761, 5e-4
PANEL = f"correlation of two inputs through {DEPTH} tanh layers (mean field)"

EDGE_OF_CHAOS = Claim(
    id="EDGE-OF-CHAOS",
    group="Beyond the article",
    title="tanh networks have an order-to-chaos transition at χ₁ = 1",
    source=SCHOENHOLZ,
    quote="χ₁ = σ_w² ∫Dz [φ'(√q* z)]² ... the ordered and chaotic phases are separated by the "
    "critical line χ₁ = 1",
    statement="With q* the fixed point of q ↦ σ_w²·E[tanh(√q z)²] + σ_b², χ₁ = "
    "σ_w²·E[tanh'(√q* z)²] is the slope of the correlation map at c = 1: for χ₁ < 1 "
    "correlations go to 1 (ordered), for χ₁ > 1 to a c* < 1 (chaotic); (σ_w², σ_b²) = (1, 0) "
    f"is critical and at σ_b² = {SB2} the critical σ_w² is {CRITICAL_SW2}.",
    domain=f"σ_w² in [0.5, 4], σ_b² in [0.01, 0.5] (hypothesis); the mean-field correlation "
    f"map over {DEPTH} layers from {START} at σ_b² = {SB2} for the report",
    expected="holds",
    lead="In the ordered phase (σ_w² = 1) the correlation of two inputs climbs to 1 with depth, "
    "so deep down every input looks the same; in the chaotic phase (σ_w² = 4) it falls toward a "
    "value far below 1; at the critical σ_w² it moves slowest.",
    statistics="Deterministic quadrature of the core's tanh (80 Gauss–Hermite nodes): exact "
    "checks with stated tolerances (χ₁ at (1, 0) bitwise: no sum is involved; the critical "
    "σ_w² to the catalogue's digits; slope = χ₁ by a Richardson finite difference, "
    "quadrature-limited; the phase by iterating the map). No statistics.",
    main_plot=PANEL,
)


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


@pytest.mark.claim(EDGE_OF_CHAOS)
def test_critical_line(evidence: Evidence) -> None:
    """Schoenholz et al. 2017: "χ₁ = 1 ... defines the boundary between the ordered and chaotic
    phases"; (σ_w², σ_b²) = (1, 0) is on it (q* = 0 and tanh'(0) = 1: exact), and at
    σ_b² = 0.05 the critical σ_w² is 1.761 (quadrature to 1e-12; checked to the 4 digits the
    catalogue gives, ±5e-4)."""
    q0 = 1.0 * gauss(tanh(0.0 * NODES) ** 2) + 0.0
    evidence.check(exact_check("q* = 0 is a fixed point at (1, 0)", q0, 0.0))
    evidence.check(exact_check("chi_1 at (1, 0)", float(tanh.df(np.zeros(1))[0] ** 2), 1.0))
    crit = critical_sw2(SB2)
    evidence.check(exact_check(f"critical sigma_w^2 at sigma_b^2 = {SB2}", crit, CRITICAL_SW2,
                               CRITICAL_TOL))  # fmt: skip
    evidence.number(f"critical sigma_w^2 at sigma_b^2 = {SB2} (quadrature)", crit)
    sb2s = np.linspace(0.0, 0.3, 13)
    evidence.add_series(
        "critical line chi_1 = 1", [critical_sw2(b) if b > 0 else 1.0 for b in sb2s], sb2s,
        xlabel="sigma_w^2", ylabel="sigma_b^2", group="tanh phase diagram (mean field)",
    )  # fmt: skip


@pytest.mark.claim(EDGE_OF_CHAOS)
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
    if abs(x1 - 1.0) >= PHASE_MARGIN:
        c, step = 0.5, 1.0
        for _ in range(3000):
            if step <= 1e-12:
                break
            c_next = min(1.0, correlation_map(c, sw2, sb2, q))
            c, step = c_next, abs(c_next - c)
        ordered = float(1.0 - c <= 1e-6)
        evidence.check(exact_check("c_inf -> 1 (1) iff chi_1 < 1", ordered, float(x1 < 1.0)))


@pytest.mark.claim(EDGE_OF_CHAOS)
def test_correlation_through_100_layers(evidence: Evidence) -> None:
    """Report figure: the mean-field correlation of two inputs (start 0.5) through 100 tanh
    layers at σ_b² = 0.05 and σ_w² = 1 (ordered), critical, 4 (chaotic): in the ordered phase
    the map only ever raises the correlation (toward c* = 1), in the chaotic phase it only
    lowers it (toward a c* < 1) — checked exactly, layer by layer. (A finite-width simulation is
    not shown: the spread of a 100-step correlation chain is not derived here.)"""
    layers = np.arange(1, DEPTH + 1)
    for sw2 in (1.0, critical_sw2(SB2), 4.0):
        q, c, mf = q_star(sw2, SB2), START, []
        for _ in layers:
            c = min(1.0, correlation_map(c, sw2, SB2, q))
            mf.append(c)
        label = f"sigma_w^2 = {sw2:.3g}, chi_1 = {chi1(sw2, SB2):.3g}"
        steps = np.diff([START, *mf])
        if chi1(sw2, SB2) < 1.0 - PHASE_MARGIN:
            evidence.check(exact_check(f"{label}: smallest step (ordered: never down)",
                                       min(0.0, float(np.min(steps))), 0.0))  # fmt: skip
        elif chi1(sw2, SB2) > 1.0 + PHASE_MARGIN:
            evidence.check(exact_check(f"{label}: largest step (chaotic: never up)",
                                       max(0.0, float(np.max(steps))), 0.0))  # fmt: skip
        evidence.add_series(
            f"mean field, {label}", layers, mf, xlabel="layer l", ylabel="correlation c_l",
            group=PANEL,
        )  # fmt: skip
        evidence.number(f"c_{DEPTH} mean field, {label}", mf[-1])
