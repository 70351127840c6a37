"""HE-DEPTH: He et al. 2015, eq. 10 — the second moment through a deep ReLU network."""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from properties import layers
from properties.data import seeds
from properties.sources import HE
from winit.claims import Claim, Evidence, Plan
from winit.initializers import Initializer, glorot_normal, he_normal, normal
from winit.mlp import MLP
from winit.stats import Check, relu_ln_ratio_check

WIDTH, DEPTH, BATCH = 1000, 30, 16
PROFILE_WIDTH, PROFILE_DEPTH, PROFILE_BATCH = 256, 10, 64
PANEL = "ReLU second moment vs depth"

HE_DEPTH = Claim(
    id="HE-DEPTH",
    group="Beyond the article",
    title="He init keeps the ReLU second moment through depth; Glorot halves it per layer",
    source=f"{HE}, eq. 10",
    quote="Var[y_L] = Var[y_1] (prod_{l=2}^{L} 1/2 n_l Var[w_l]) ... a proper initialization "
    "method should avoid reducing or magnifying the magnitudes of input signals exponentially.",
    statement="In a square ReLU MLP of width n with N(0, v) weights, ln(E[y_L²]/E[y_1²]) is "
    "(L−1)·ln(n·v/2) plus a finite-width scatter of mean ≈ −5(L−1)/(2n) and spread ≈ "
    "√(5(L−1)/n): He (v = 2/n) keeps the ratio ≈ 1, Glorot (v = 1/n for square layers) gives "
    "2^−(L−1), N(0,1) gives (n/2)^(L−1). For one input the law is exact (a product of "
    "independent χ² and Beta factors, winit.stats.relu_ln_ratio_interval).",
    domain=f"seed; width n in [128, 256]; depth L in [12, 30]; one N(0, I) input; plus width "
    f"{WIDTH} × depth {DEPTH} and width {PROFILE_WIDTH} × depth {PROFILE_DEPTH} fixed-seed runs "
    "(the report's profiles)",
    expected="holds",
    lead="On a log axis, He's curve stays flat through all the layers while Glorot's falls by "
    "half at every layer: a straight line down to almost nothing.",
    statistics="A Chernoff interval of the exact one-input law of the ln-ratio (a normal "
    "quantile would be too narrow in the lower tail: the law is left-skewed); power (a "
    "Chernoff lower bound) against a weight variance 2× off, i.e. He vs Glorot (a missing gain "
    "√2).",
    main_plot=PANEL,
)
DRAWN = HE_DEPTH.plan("ln ratio, drawn net", per_example=2)
WIDE = HE_DEPTH.plan("ln ratio, width 1000", runs=2)
PROFILE = HE_DEPTH.plan("ln ratio, profiles", runs=3)
#: A named error for the off-unit count: a negative bias that switches off 65 % of the units.
OFF_AGAINST = 0.65
# power is planned for the half-off count, reported for the deltas (a few layers' sums of ~n/2
# squares cannot reach 0.999 against a 2x variance at every init)
LAYER_OFF = HE_DEPTH.plan("units off per layer", runs=layers.LAYERS * len(layers.INITS))
LAYER_DELTAS = HE_DEPTH.plan(
    "back-propagated delta per layer",
    runs=(layers.LAYERS - 1) * len(layers.INITS),
    power=None,
)

#: The three laws of the claim, with their weight variance for a square layer of width n.
INITS: dict[str, tuple[Initializer, float]] = {
    "He N(0, 2/n)": (he_normal, 2.0),
    "Glorot N(0, 2/(n+n))": (glorot_normal, 1.0),
    "N(0, 1)": (normal(0.0, 1.0), 0.0),  # variance 1, not k/n: handled in var_w()
}


def var_w(label: str, n: int) -> float:
    """Var(w) of a square width-n layer under the named law."""
    k = INITS[label][1]
    return 1.0 if k == 0.0 else k / n


def ratio_check(label: str, n: int, depth: int, ln_ratio: float, name: str, plan: Plan) -> Check:
    """ln(E[y_L²]/E[y_1²]) of one input against eq. 10's (L−1)·ln(n·Var(w)/2), with the exact
    Chernoff interval of the one-input law. Power is against a missing √2 gain (He ↔ Glorot:
    the prediction moves by (L−1)·ln 2), a Chernoff lower bound; the detectable effect is the
    weight-variance ratio it detects both ways."""
    v = var_w(label, n)
    return plan.at_alpha(
        relu_ln_ratio_check, name, ln_ratio, n, depth, v,
        true_var_w=v / 2.0 if label.startswith("He") else v * 2.0,
        against="a weight variance 2x off (missing or extra gain sqrt 2, He vs Glorot)",
    )  # fmt: skip


def ln_moment_ratio(net: MLP, x: np.ndarray) -> float:
    """ln of the mean square of the last layer's pre-activations over the first layer's."""
    z = net.forward(x).pre_activations
    return math.log(float(np.mean(z[-1] ** 2)) / float(np.mean(z[0] ** 2)))


# Domain: widths 128–256 and depths 12–30, where the Chernoff power against the 2x error meets
# the plan at its weakest corner (n=128, L=12); at most 2·30·256² normal draws per example.
@pytest.mark.claim(HE_DEPTH)
@given(seed=seeds, n=st.integers(128, 256), depth=st.integers(12, 30))
def test_second_moment_ratio_follows_eq10(
    evidence: Evidence, seed: int, n: int, depth: int
) -> None:
    """He et al. 2015, eq. 10: "Var[y_L] = Var[y_1] (prod_{l=2}^{L} 1/2 n_l Var[w_l])" — so
    n·Var(w)/2 = 1 (He) keeps the signal, Glorot's 1/n halves it per layer."""
    x = np.random.default_rng(seed).standard_normal((1, n))
    for label in ("He N(0, 2/n)", "Glorot N(0, 2/(n+n))"):
        net = MLP([n] * (depth + 1), "relu", weight_init=INITS[label][0], rng=seed)
        name = f"ln E[y_L^2]/E[y_1^2], {label}"
        evidence.check(ratio_check(label, n, depth, ln_moment_ratio(net, x), name, DRAWN), DRAWN)


#: The laws run at width 1000 (N(0,1) is checked in the width-256 profiles below: at width 1000
#: its 500^29 growth would overflow the float32 used here to halve the 60M normal draws).
FIXED_WIDTH_LAWS = ("He N(0, 2/n)", "Glorot N(0, 2/(n+n))")


@cache
def fixed_width_profiles() -> dict[str, np.ndarray]:
    """Per-layer mean square of the pre-activations, width 1000 × depth 30, batch of 16 N(0,1)
    inputs (seed 0), float32 weights and activations; row 0 of the batch is the one the checks
    use."""
    x = np.random.default_rng(0).standard_normal((BATCH, WIDTH))
    out = {}
    for label in FIXED_WIDTH_LAWS:
        net = MLP(
            [WIDTH] * (DEPTH + 1), "relu", weight_init=INITS[label][0], rng=1, dtype=np.float32
        )
        zs = net.forward(x).pre_activations
        out[label] = np.array([np.mean(np.square(z, dtype=np.float64), axis=1) for z in zs])
    return out


@pytest.mark.claim(HE_DEPTH)
def test_he_depth_at_width_1000(evidence: Evidence) -> None:
    """He et al. 2015: "a proper initialization method should avoid reducing or magnifying the
    magnitudes of input signals exponentially" — at width 1000 and 30 layers."""
    layers = np.arange(1, DEPTH + 1)
    for label, moments in fixed_width_profiles().items():
        ratio = float(np.log(moments[-1, 0] / moments[0, 0]))
        name = f"ln E[y_L^2]/E[y_1^2], {label}, width {WIDTH}, depth {DEPTH}"
        evidence.check(ratio_check(label, WIDTH, DEPTH, ratio, name, WIDE), WIDE)
        evidence.number(f"E[y_30^2]/E[y_1^2], {label}", math.exp(ratio))
        batch_mean = moments.mean(axis=1)
        evidence.add_series(
            f"second moment, {label}", layers, batch_mean / batch_mean[0],
            xlabel="layer l", ylabel="E[y_l^2] / E[y_1^2] (ratio)",
            group=PANEL, scale="logy",
        )  # fmt: skip


@pytest.mark.claim(HE_DEPTH)
def test_activation_and_gradient_profiles(evidence: Evidence) -> None:
    """Report figure: per-layer variance of activations and of the back-propagated deltas dL/dz
    (MSE to N(0,1) targets) for N(0,1), Glorot and He in a ReLU network of width 256, 10
    layers, each checked against eq. 10 (He keeps the forward second moment, Glorot halves it
    per layer, N(0,1) multiplies it by n/2), the same exact law as above, one input."""
    gen = np.random.default_rng(2)
    x = gen.standard_normal((PROFILE_BATCH, PROFILE_WIDTH))
    t = gen.standard_normal((PROFILE_BATCH, PROFILE_WIDTH))
    layers = np.arange(1, PROFILE_DEPTH + 1)
    sizes = [PROFILE_WIDTH] * (PROFILE_DEPTH + 1)
    for label, (init, _) in INITS.items():
        net = MLP(sizes, "relu", weight_init=init, rng=3)
        fw = net.forward(x)
        grads = net.gradients(x, t)
        for what, per_layer in (
            ("activations h_l", fw.activations),
            ("deltas dL/dz_l", grads.deltas),
        ):
            evidence.add_series(
                f"relu: {what}, {label}", layers, [float(np.var(a)) for a in per_layer],
                xlabel="layer l", ylabel=f"Var({what.split()[1]})", scale="logy",
                group=f"{what} per layer, relu",
            )  # fmt: skip
        ratio = math.log(float(np.mean(fw.pre_activations[-1][0] ** 2)))
        ratio -= math.log(float(np.mean(fw.pre_activations[0][0] ** 2)))
        name = f"ln E[y_L^2]/E[y_1^2], {label}, width {PROFILE_WIDTH}, depth {PROFILE_DEPTH}"
        evidence.check(
            ratio_check(label, PROFILE_WIDTH, PROFILE_DEPTH, ratio, name, PROFILE), PROFILE
        )


@pytest.mark.claim(HE_DEPTH)
def test_relu_activations_per_layer(evidence: Evidence) -> None:
    """Report figure: histograms of log10 of the positive ReLU activations per layer at init
    under N(0, 1), Glorot and He (small multiples on shared axes): N(0, 1) moves them up by
    about ½·log10(n/2) per layer, Glorot down, He keeps them in place. Each layer's count of
    switched-off units is checked against its exact law, Binomial(n, ½) given the layer below
    (properties/layers.py)."""
    layers.check_activations(
        evidence, LAYER_OFF, "relu", layers.INITS, width=layers.WIDTH,
        layers=layers.LAYERS, threshold=0.5, flat=lambda variance: 0.5,
        against=lambda variance: OFF_AGAINST, values=lambda h: np.log10(h[h > 0]),
        edges=np.linspace(-4.0, 8.0, 49), xlabel="log10 h (positive ReLU activations)",
        group=f"ReLU activations per layer (width {layers.WIDTH})",
    )  # fmt: skip


@pytest.mark.claim(HE_DEPTH)
def test_relu_gradients_per_layer(evidence: Evidence) -> None:
    """Report figure: histograms of log10 |dL/dz| per layer at init under N(0, 1), Glorot and He
    in the same ReLU network: backward, N(0, 1) multiplies the gradient by about √(n/2) per
    layer toward the input; each layer's squared norm checked against its exact law given the
    forward pass (properties/layers.py)."""
    layers.check_gradients(
        evidence, LAYER_DELTAS, "relu", layers.INITS, width=layers.WIDTH,
        layers=layers.LAYERS, edges=np.linspace(-6.0, 8.0, 57),
        group=f"ReLU back-propagated gradients per layer (width {layers.WIDTH})",
    )  # fmt: skip
