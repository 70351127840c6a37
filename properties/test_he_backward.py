"""HE-BACKWARD: He et al. 2015, §2.2 (eqs. 11–14) — the back-propagated gradient through a ReLU
network whose layers are not square.

Backward, a hidden layer computes δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ 1[z_l > 0]. For one input, given
δ_{l+1}, the entries of W_{l+1}ᵀ δ_{l+1} are i.i.d. N(0, v·|δ_{l+1}|²) (v = Var(w) of W_{l+1},
whose rows are its n_{l+1} = fan_out units), and the mask keeps K ~ Binomial(n_l, ½) of them,
independently (it comes from W_l). So |δ_l|² = v·|δ_{l+1}|²·χ²_K exactly, and the ratio of the
mean squares per unit is

    E[δ_l²] / E[δ_{l+1}²] = v·n_{l+1}/n_l · χ²_K,   E ≈ ½·n_{l+1}·v  (He's eq. 13/14),

so ``mode="fan_out"`` (v = 2/n_{l+1}) keeps it at 1 and ``fan_in`` (v = 2/n_l) multiplies it by
n_{l+1}/n_l. The one approximation: W_{l+1} also made z_{l+1}, hence the mask inside δ_{l+1};
conditioning on z_{l+1} leaves W_{l+1}ᵀδ_{l+1} Gaussian on the n_l − 1 directions orthogonal to
h_l plus a rank-one term along h_l, a change of about one χ² degree of freedom out of ~n_l/2: an
O(1/n_l) shift of the ln factor, under 1 % of the interval's half-width at these widths. The
interval for ln χ²_K is the exact Chernoff one of :func:`winit.stats.relu_chi2_interval`.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from properties.data import seeds
from properties.sources import HE
from winit.claims import Claim, Evidence, Plan
from winit.initializers import Initializer, he_normal
from winit.mlp import MLP
from winit.stats import Check, relu_chi2_check

#: Widths alternate between n and RATIO·n; the smallest n gives the fan_in error (a factor of
#: RATIO per layer) power ≈ 1 at the check's alpha on both sides of the skewed law.
RATIO = 4
MIN_WIDTH, MAX_WIDTH, WIDTH_STEP = 512, 640, 64
MIN_HIDDEN, MAX_HIDDEN = 3, 4
#: The picture's network: widths alternating 512 and 2048.
PICTURE = (MIN_WIDTH, RATIO * MIN_WIDTH) * 3
#: Inputs and outputs of the networks.
ENDS = 8
PANEL = "back-propagated deltas per layer, ReLU, widths alternating"

HE_BACKWARD = Claim(
    id="HE-BACKWARD",
    group="Beyond the article",
    title="He's fan_out mode keeps the back-propagated gradient constant through non-square layers",
    source=f"{HE}, §2.2, eqs. 11–14",
    quote="Var[Δx_l] = 1/2 n̂_l Var[w_l] Var[Δx_{l+1}] ... a sufficient condition is "
    "1/2 n̂_l Var[w_l] = 1 ... if the initialization properly scales the backward signal, then "
    "this is also the case for the forward signal",
    statement="In a ReLU MLP the back-propagated delta's mean square changes by "
    "½·n_{l+1}·Var(w_{l+1}) from layer l+1 down to layer l (n_{l+1} = the fan_out of W_{l+1}), "
    "up to the exact one-input law v·n_{l+1}/n_l·χ²_K, K ~ Binomial(n_l, ½): he_normal with "
    "mode='fan_out' keeps it at 1 layer by layer; mode='fan_in' multiplies it by n_{l+1}/n_l, "
    f"so on layers that are not square (widths alternating n and {RATIO}n) it zigzags by "
    f"{RATIO}× up and down, and over the whole network the ratio telescopes to the ratio of the "
    "end widths rather than shrinking exponentially.",
    domain=f"seed; n in {MIN_WIDTH}–{MAX_WIDTH} in steps of {WIDTH_STEP}; {MIN_HIDDEN}–{MAX_HIDDEN} hidden ReLU layers "
    f"alternating n and {RATIO}n (starting either way); one N(0, I) input; an output delta "
    "drawn N(0, I) independently of the weights (MSE to targets one such step from the output); "
    f"plus a fixed network of widths {', '.join(map(str, PICTURE))} for the picture",
    expected="holds",
    lead="Going down the network, the gradient's size stays on one level with fan_out scaling, "
    f"while fan_in scaling makes it jump by {RATIO}× at every change of width.",
    statistics="Per hidden layer and init, the measured ln of the mean-square ratio minus "
    "ln(v·n_{l+1}/n_l) must lie in the exact Chernoff interval of ln χ²_K; power (a Chernoff "
    "bound) against the other mode's prediction, a shift of ±ln(n_{l+1}/n_l).",
    main_plot=PANEL,
)
LAYERS = HE_BACKWARD.plan("per-layer delta ratio", per_example=2 * (MAX_HIDDEN - 1))
PICTURE_LAYERS = HE_BACKWARD.plan("per-layer delta ratio, picture", runs=2 * (len(PICTURE) - 1))

MODES: dict[str, Initializer] = {
    mode: (lambda shape, rng, dtype=np.float32, m=mode: he_normal(shape, rng, dtype, mode=m))
    for mode in ("fan_out", "fan_in")
}


def variance(mode: str, rows: int, cols: int) -> float:
    """Var(w) of a (rows, cols) = (fan_out, fan_in) ReLU layer under He's ``mode``."""
    return 2.0 / (rows if mode == "fan_out" else cols)


def delta_ratio_check(
    mode: str, layer: int, ln_ratio: float, n_below: int, n_above: int, plan: Plan
) -> Check:
    """ln(E[δ_l²]/E[δ_{l+1}²]) − ln(v·n_above/n_below) against the ln χ²_K interval
    (K ~ Bin(n_below, ½)); power against the other mode's v."""
    v = variance(mode, n_above, n_below)
    other = variance("fan_in" if mode == "fan_out" else "fan_out", n_above, n_below)
    shift = math.log(other / v)
    return plan.at_alpha(
        relu_chi2_check, f"{mode}: ln E[δ_{layer}²]/E[δ_{layer + 1}²]", ln_ratio, n_below,
        math.log(v * n_above / n_below), shift=shift,
        against=f"the other mode's Var(w) (a shift of {shift:+.3g})",
    )  # fmt: skip


def delta_mean_squares(widths: tuple[int, ...], mode: str, seed: int) -> list[float]:
    """Per hidden layer, the mean square of the back-propagated delta dL/dz for one N(0, I)
    input through a ReLU MLP of these hidden widths (ENDS inputs and outputs: the checked
    ratios do not depend on them), the output delta an N(0, I) vector independent of the
    weights."""
    gen = np.random.default_rng(seed)
    sizes = (ENDS, *widths, ENDS)
    net = MLP(sizes, "relu", weight_init=MODES[mode], rng=gen, dtype=np.float64)
    x = gen.standard_normal((1, sizes[0]))
    # targets one N(0, I) step below the output: the output delta is that step, independent of
    # the weights, as He et al.'s derivation assumes (MSE to unrelated targets would make it
    # y − t, correlated with the output layer's own weights)
    t = net.predict(x) + gen.standard_normal((1, sizes[-1]))
    return [float(np.mean(d**2)) for d in net.gradients(x, t).deltas[:-1]]


def check_network(
    evidence: Evidence, widths: tuple[int, ...], seed: int, plan: Plan
) -> dict[str, list[float]]:
    """Every hidden layer's delta ratio under both modes; the per-layer mean squares."""
    profiles = {}
    for mode in MODES:
        squares = delta_mean_squares(widths, mode, seed)
        for layer in range(len(widths) - 1):
            ln_ratio = math.log(squares[layer] / squares[layer + 1])
            evidence.check(delta_ratio_check(
                mode, layer + 1, ln_ratio, widths[layer], widths[layer + 1], plan), plan)  # fmt: skip
        profiles[mode] = squares
    return profiles


@pytest.mark.claim(HE_BACKWARD)
@given(seed=seeds, n=st.sampled_from(range(MIN_WIDTH, MAX_WIDTH + 1, WIDTH_STEP)), hidden=st.integers(MIN_HIDDEN, MAX_HIDDEN),
       wide_first=st.booleans())  # fmt: skip
def test_fan_out_keeps_the_backward_signal_through_non_square_layers(
    evidence: Evidence, seed: int, n: int, hidden: int, wide_first: bool
) -> None:
    """He et al. 2015, §2.2: "Var[Δx_l] = 1/2 n̂_l Var[w_l] Var[Δx_{l+1}]" with n̂_l the layer's
    fan_out: fan_out scaling keeps the delta's mean square layer by layer, fan_in scaling moves
    it by n_{l+1}/n_l."""
    pair = (RATIO * n, n) if wide_first else (n, RATIO * n)
    widths = tuple(pair[i % 2] for i in range(hidden))
    check_network(evidence, widths, seed, LAYERS)


@pytest.mark.claim(HE_BACKWARD)
def test_backward_profiles(evidence: Evidence) -> None:
    """Report figure: the delta's mean square per layer (relative to the last hidden layer)
    under both modes in a network of alternating widths, checked like every example."""
    profiles = check_network(evidence, PICTURE, 7, PICTURE_LAYERS)
    layers = np.arange(1, len(PICTURE) + 1)
    for mode, squares in profiles.items():
        relative = np.asarray(squares) / squares[-1]
        evidence.add_series(
            f"he_normal(mode='{mode}')", layers, relative, xlabel="hidden layer l (input side = 1)",
            ylabel="E[δ_l²] / E[δ_last²] (ratio)", group=PANEL, scale="logy", xinvert=True,
        )  # fmt: skip
        evidence.number(f"E[δ_1²]/E[δ_last²], {mode}", float(relative[0]))
