"""RESIDUAL-GROWTH: the article's "Var(z) grows with n", applied to a sum over residual blocks.

In a pre-norm stack x_{l+1} = x_l + W2 φ(W1 LN(x_l)) with fresh weights in every block, the
branch output o_l is, given everything before it, a centred normal vector independent of x_l's
direction: for one input row of width d, with u_l = LN(x_l) (γ = 1, β = 0, so |u_l|²/d = ρ_l,
ρ_l = v/(v + ε) for the row's biased variance v), W1 ~ N(0, 2/d) (He) and W2 ~ N(0, c²/d_ff)
(LeCun, times the depth scale c): h = W1 u_l has i.i.d. N(0, 2ρ_l) entries, |relu(h)|² =
2ρ_l·χ²_K with K ~ Binomial(d_ff, ½), and o_l ~ N(0, s_l·I), s_l = (c²/d_ff)·|relu(h)|². So the
stream's mean square m_l = |x_l|²/d gains Δ_l = (2x_l·o_l + |o_l|²)/d per block, with
E[Δ_l | past] = c²·ρ_l exactly: Var(x_L) = Var(x_0) + Σ_l c²ρ_l, linear in depth at c = 1 and at
most Var(x_0) + 1 with GPT-2's c = 1/√N over the stack's N branches.

The finite-width spread: M = m_L − m_0 − Σ_l c²ρ_l is a sum of martingale increments with
conditional variances V_l = 4c²ρ_l·m_l/d + 2c⁴ρ_l²(1 + 5/d_ff)/d + 5c⁴ρ_l²/d_ff (the cross term
2x·o/d, the square |o|²/d, and s_l's own spread: Var(χ²_K) = 5·d_ff/4). Its variance is E[Σ V_l],
which with ρ_l = 1 and E[m_l] = 1 + l·c² is a number of d, d_ff, L and c alone
(:func:`spread_per_replicate`).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from properties.data import seeds
from properties.sources import RESIDUAL
from properties.symmetry import EPS
from winit.claims import Claim, Evidence
from winit.residual import ResidualStack, StackForward
from winit.stats import exact_check, spread_check

#: The stack's three initializations of the last layer of each branch.
INITS: dict[str, dict[str, bool]] = {
    "standard": {}, "GPT-2 1/√N": {"depth_scaled": True},
    "zero last (Fixup)": {"zero_init_last": True},
}  # fmt: skip
#: The branch-variance error the growth checks detect: c² doubled (a depth scale of 1/√(N/2)).
BRANCH_ERROR = 2.0
#: Sizes of the report figure.
FIGURE_WIDTH, FIGURE_HIDDEN, FIGURE_BLOCKS, FIGURE_ROWS = 256, 1024, 32, 64
PANEL = "Var(x_l) against depth l"

RESIDUAL_GROWTH = Claim(
    id="RESIDUAL-GROWTH",
    group="Attention and residual networks",
    title="Residual streams grow linearly with depth; GPT-2's 1/√N keeps them bounded",
    source=f"{RESIDUAL}; GPT-2 §2.3, Fixup §3",
    quote="A modified initialization which accounts for the accumulation on the residual path "
    "with model depth is used. We scale the weights of residual layers at initialization by a "
    "factor of 1/√N where N is the number of residual layers. (GPT-2) ... Initialize the "
    "classification layer and the last layer of each residual branch to 0. (Fixup)",
    statement="In a pre-norm residual stack x_{l+1} = x_l + W2 φ(W1 LN(x_l)) with independent "
    "branches at init (ReLU, W1 He normal, W2 LeCun normal times c, zero biases): "
    "Var(x_L) = Var(x_0) + Σ_l c²·ρ_l, where ρ_l = v/(v + ε) is the mean square LayerNorm hands "
    "the branch (v the row's biased variance; exactly, within rounding, whatever the scale of "
    "x_l): with c = 1 the variance grows linearly in L, by ρ_l ≈ 1 per block whatever "
    "Var(x_0); with c = 1/√N over the stack's N branches (GPT-2; N = 2L in a transformer) "
    "Var(x_L) ≤ Var(x_0) + 1 at every depth (Var(x_L)/Var(x_0) ≤ 2 for unit-variance "
    "inputs); finite width scatters m_L = |x_L|²/d around it by the martingale spread "
    "(module docstring). With the last layer of every branch zero (Fixup) the stack is "
    "exactly the identity at init, ∂L/∂x_0 = ∂L/∂x_L, ∂L/∂W1 = ∂L/∂b1 = ∂L/∂γ = ∂L/∂β = 0, "
    "and ∂L/∂W2 = δᵀφ(h) ≠ 0 wherever φ(h) ≠ 0: only the last layers learn at the first step.",
    domain="seed; width d in 32–128, hidden d_ff in 64–256, 4–24 blocks, one N(0, I) input row "
    "per replicate stack, replicates from the power calculation; LayerNorm: 1–16 blocks of "
    "width 2–128, 1–8 rows scaled by 10^[−3, 3]; zero-init: the same sizes and any upstream "
    f"gradient; figure: width {FIGURE_WIDTH}, hidden {FIGURE_HIDDEN}, {FIGURE_BLOCKS} blocks, "
    f"{FIGURE_ROWS} rows.",
    expected="holds",
    lead="Without depth scaling the residual stream's variance climbs by one unit per block, a "
    "straight line; GPT-2's 1/√N bends it down to end at 2; zero last layers keep it at 1.",
    statistics="Per replicate the martingale sum M = m_L − m_0 − Σ c²ρ_l has mean 0 and the "
    "derived variance; the sum over replicates is checked with a normal interval (a sum of "
    "replicates × blocks martingale increments, each a normal given its branch's scale), "
    "replicates sized for power against a branch variance 2× off. LayerNorm's statistics and "
    "the zero-init identities are exact, within derived rounding bounds.",
    main_plot=PANEL,
)
GROWTH = RESIDUAL_GROWTH.plan("m_L − m_0 − Σ c²ρ_l, summed over replicates", per_example=2)


def spread_per_replicate(width: int, hidden: int, blocks: int, c2: float) -> float:
    """sd of M for one input row: √(Σ_l V_l) at ρ_l = 1 and m_l = 1 + l·c² (E[m_0] = 1)."""
    m = 1.0 + c2 * np.arange(blocks)
    v = 4.0 * c2 * m / width + 2.0 * c2**2 * (1.0 + 5.0 / hidden) / width + 5.0 * c2**2 / hidden
    return math.sqrt(float(np.sum(v)))


def ln_mean_squares(fw: StackForward) -> np.ndarray:
    """ρ_l per block and row: the mean square of LN(x_l) (γ = 1, β = 0 at init)."""
    return np.array([np.mean(b.norm.output**2, axis=-1) for b in fw.blocks])


def mean_squares(fw: StackForward) -> np.ndarray:
    """m_l = |x_l|²/d per stream l = 0…L and row."""
    return np.array([np.mean(x**2, axis=-1) for x in fw.streams])


@pytest.mark.claim(RESIDUAL_GROWTH)
@given(width=st.integers(32, 128), hidden=st.integers(64, 256), blocks=st.integers(4, 24),
       seed=seeds)  # fmt: skip
def test_stream_variance_grows_by_each_branch(
    width: int, hidden: int, blocks: int, seed: int, evidence: Evidence
) -> None:
    """GPT-2: "accounts for the accumulation on the residual path with model depth": each block
    adds c²·ρ_l to the stream's variance (c = 1: linear growth; c = 1/√N: at most 1 in all)."""
    root = np.random.SeedSequence(seed)
    for (name, options), child in zip(list(INITS.items())[:2], root.spawn(2), strict=True):
        c2 = 1.0 / blocks if options else 1.0
        sd = spread_per_replicate(width, hidden, blocks, c2)
        shift = (BRANCH_ERROR - 1.0) * c2 * blocks  # E[M] under the error, per replicate
        reps = GROWTH.z_draws(shift, sd)
        total = 0.0
        for rep in child.spawn(reps):
            gen = np.random.default_rng(rep)
            stack = ResidualStack(width, hidden, blocks, rng=gen, **options)  # type: ignore[arg-type]
            fw = stack.forward(gen.standard_normal((1, width)))
            m, rho = mean_squares(fw)[:, 0], ln_mean_squares(fw)[:, 0]
            total += float(m[-1] - m[0] - c2 * rho.sum())
        # power against the error's E[M] at ρ = 1, the prediction the spread and reps are sized at
        evidence.test(
            GROWTH, spread_check, f"Σ over replicates of m_L − m_0 − Σ c²ρ_l, {name}", total, 0.0,
            sd * math.sqrt(reps), alternative=shift * reps,
            against=f"branch variance {BRANCH_ERROR:g}x off (depth scale 1/√(N/2) for 1/√N)",
            mde_of="summed m_L shift")  # fmt: skip


@pytest.mark.claim(RESIDUAL_GROWTH)
@given(width=st.integers(2, 128), hidden=st.integers(1, 64), blocks=st.integers(1, 16),
       rows=st.integers(1, 8), log_scale=st.floats(-3.0, 3.0), seed=seeds)  # fmt: skip
def test_layer_norm_hands_every_branch_mean_zero_and_mean_square_rho(
    width: int, hidden: int, blocks: int, rows: int, log_scale: float, seed: int,
    evidence: Evidence,
) -> None:  # fmt: skip
    """Pre-norm: every branch sees LN(x_l), of mean 0 and mean square v/(v + ε) (v the row's
    biased variance) whatever the scale of x_l. Rounding: the mean is off by ≤ d·ε·mean|x|
    (then divided by σ) and each product by ε, so |mean(LN(x))| ≤ 2·d·ε·(mean|x|/σ +
    mean|LN(x)|) and the mean square is within 8·d·ε·(1 + mean|x|/√v) relative."""
    gen = np.random.default_rng(seed)
    stack = ResidualStack(width, hidden, blocks, rng=gen)
    fw = stack.forward(10.0**log_scale * gen.standard_normal((rows, width)))
    worst_mean = worst_square = 0.0
    eps = stack.blocks[0].eps
    for block in fw.blocks:
        x, u = block.inputs, block.norm.output
        v = np.var(x, axis=-1)  # numpy's, not the core's statistics
        size = np.mean(np.abs(x), axis=-1)
        bound_mean = 2.0 * width * EPS * (size / np.sqrt(v + eps) + np.mean(np.abs(u), axis=-1))
        rho = v / (v + eps)
        bound_square = 8.0 * width * EPS * (1.0 + size / np.sqrt(v)) * rho
        worst_mean = max(worst_mean, float(np.max(np.abs(np.mean(u, axis=-1)) / bound_mean)))
        worst_square = max(worst_square, float(np.max(
            np.abs(np.mean(u**2, axis=-1) - rho) / bound_square)))  # fmt: skip
    evidence.check(exact_check("largest |mean LN(x_l)| / its rounding bound", worst_mean, 0.0, 1.0))
    evidence.check(exact_check("largest |mean square LN(x_l) − v/(v + ε)| / its rounding bound",
                               worst_square, 0.0, 1.0))  # fmt: skip


@pytest.mark.claim(RESIDUAL_GROWTH)
@given(width=st.integers(2, 128), hidden=st.integers(16, 64), blocks=st.integers(1, 16),
       rows=st.integers(2, 8), seed=seeds)  # fmt: skip
def test_zero_last_layers_make_the_identity_where_only_last_layers_learn(
    width: int, hidden: int, blocks: int, rows: int, seed: int, evidence: Evidence
) -> None:
    """Fixup: "Initialize ... the last layer of each residual branch to 0": the stack is the
    identity (bitwise: x + 0 = x), the upstream gradient reaches x_0 unchanged, and of the
    parameters only the last layers' get a gradient: ∂L/∂W2 = δᵀφ(h), non-zero wherever
    φ(h) ≠ 0."""
    gen = np.random.default_rng(seed)
    stack = ResidualStack(width, hidden, blocks, zero_init_last=True, rng=gen)
    x, d_out = gen.standard_normal((rows, width)), gen.standard_normal((rows, width))
    fw = stack.forward(x)
    grads = stack.gradients(fw, d_out)
    evidence.check(exact_check("largest |x_L − x_0|", float(np.max(np.abs(fw.output - x))), 0.0))
    evidence.check(exact_check("largest |∂L/∂x_0 − ∂L/∂x_L|",
                               float(np.max(np.abs(grads[0].inputs - d_out))), 0.0))  # fmt: skip
    frozen = max(float(np.max(np.abs(getattr(g, name))))
                 for g in grads for name in ("w1", "b1", "gamma", "beta"))  # fmt: skip
    evidence.check(exact_check("largest |∂L/∂W1|, |∂L/∂b1|, |∂L/∂γ|, |∂L/∂β|", frozen, 0.0))
    silent = sum(bool(np.any(stack.blocks[0].activation(b.hidden))) and not np.any(g.w2)
                 for b, g in zip(fw.blocks, grads, strict=True))  # fmt: skip
    evidence.check(exact_check("blocks with φ(h) ≠ 0 but ∂L/∂W2 = 0", float(silent), 0.0))


@pytest.mark.claim(RESIDUAL_GROWTH)
def test_stream_variance_against_depth(evidence: Evidence) -> None:
    """Report figure: the stream's mean square m_l against l for the three inits (mean over
    rows), with the laws 1 + l, 1 + l/N and 1."""
    x = np.random.default_rng(2019).standard_normal((FIGURE_ROWS, FIGURE_WIDTH))
    depth = np.arange(FIGURE_BLOCKS + 1)
    labels = {"xlabel": "block l", "ylabel": "Var(x_l), mean square of the stream",
              "group": PANEL, "scale": "linear"}  # fmt: skip
    laws = {"standard": 1.0 + depth, "GPT-2 1/√N": 1.0 + depth / FIGURE_BLOCKS,
            "zero last (Fixup)": np.ones(depth.size)}  # fmt: skip
    for name, options in INITS.items():
        stack = ResidualStack(FIGURE_WIDTH, FIGURE_HIDDEN, FIGURE_BLOCKS, rng=7, **options)  # type: ignore[arg-type]
        measured = mean_squares(stack.forward(x)).mean(axis=1)
        evidence.add_series(f"{name}, measured", depth, measured, kind="points", **labels)  # type: ignore[arg-type]
        evidence.add_series(f"{name}, law", depth, laws[name], **labels)  # type: ignore[arg-type]
        evidence.number(f"Var(x_L)/Var(x_0), {name}, {FIGURE_BLOCKS} blocks",
                        float(measured[-1] / measured[0]))  # fmt: skip
