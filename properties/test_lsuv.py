"""LSUV: Mishkin & Matas 2015, All you need is a good init (layer-sequential unit variance)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from properties.budget import POWER, check_alpha
from properties.spread import spread_check
from winit.evidence import Evidence
from winit.initializers import orthogonal
from winit.lsuv import lsuv
from winit.mlp import MLP
from winit.stats import exact_check, norm_ppf

MAX_DEPTH = 6
ALPHA = check_alpha(MAX_DEPTH)  # one fresh-batch check per layer
ROUNDING = 1e-12  # Var of ≤ 1e5 entries after one division: a few hundred eps at most


def relative_variance(layer: int) -> float:
    """n × relative variance of one input's mean square pre-activation at ``layer`` (1-based),
    over inputs x ~ N(0, I): the input's |x|²/n gives 2/n; each ReLU layer at most 5/n more
    (|relu(g)|² has relative variance 5/n, tanh's squared units less: 0.55/n at q = 1); square
    orthogonal weights keep |h|² and add nothing. A bound on the average over weights (law of
    total variance), used as the spread for a fixed net."""
    return 2.0 + 5.0 * (layer - 1)


def batch_size(width: int, depth: int) -> int:
    """Rows per batch so that ln(Var on a fresh batch) — calibrated to 0 on another batch, so
    sd √(2·relative_variance/(n·B)) — separates a 2x variance error (ln 2) at ALPHA with POWER."""
    z = norm_ppf(1.0 - ALPHA / 2.0) + norm_ppf(POWER)
    return math.ceil(2.0 * relative_variance(depth) * (z / math.log(2.0)) ** 2 / width)


@pytest.mark.claim("LSUV")
@given(
    seed=st.integers(0, 2**32 - 1),
    activation=st.sampled_from(["relu", "tanh"]),
    width=st.integers(32, 96),
    depth=st.integers(2, MAX_DEPTH),
)
def test_one_rescale_per_layer_gives_unit_variance(
    evidence: Evidence, seed: int, activation: str, width: int, depth: int
) -> None:
    """Mishkin & Matas 2015: "LSUV ... pre-initialize with orthonormal matrices ... then normalize
    the variance of the output of each layer to be equal to one" — one rescale per layer makes it
    exactly 1 on the batch used (zero biases: Var(z/s) = Var(z)/s²), and ≈ 1 on a fresh batch."""
    rng = np.random.default_rng(seed)
    rows = batch_size(width, depth)
    x, fresh = rng.standard_normal((2, rows, width))
    net = MLP([width] * (depth + 1), activation, rng=rng)
    rescales = lsuv(net, x, rng, tol=ROUNDING)
    evidence.check(
        exact_check("layers needing more than one rescale", sum(r > 1 for r in rescales), 0.0)
    )
    gram = [w @ w.T / (w[0] @ w[0]) - np.eye(width) for w in net.weights]
    evidence.check(
        exact_check(
            "max |W W^T / |w_1|^2 - I| (rescaled orthonormal)",
            max(float(np.max(np.abs(g))) for g in gram),
            0.0,
            ROUNDING,
        )
    )
    calibrated = [float(np.var(z)) for z in net.forward(x).pre_activations]
    evidence.check(
        exact_check(
            "max |Var - 1| on the LSUV batch", max(abs(v - 1.0) for v in calibrated), 0.0, ROUNDING
        )
    )
    for layer, z in enumerate(net.forward(fresh).pre_activations, start=1):
        sd = math.sqrt(2.0 * relative_variance(layer) / (width * rows))
        c = evidence.check(spread_check(
            f"ln Var(z_l) on a fresh batch, layer {layer}", math.log(float(np.var(z))), 0.0, sd,
            ALPHA, alternative=math.log(2.0), against="variance 2x off (e.g. scaled by 1/Var, not 1/sqrt Var)",
        ))  # fmt: skip
        assert c.power is not None and c.power >= POWER


@pytest.mark.claim("LSUV")
def test_lsuv_profile(evidence: Evidence) -> None:
    """Evidence for the report: per-layer Var(z_l) of a ReLU net (width 100, 10 layers) with
    orthonormal init before LSUV, after it on its batch (exactly 1), and on a fresh batch of the
    same size (256), whose spread √(2·(2+5(l−1))/(n·B)) in ln is why the catalogue's band
    [0.98, 1.02] is an in-sample tolerance, not an out-of-sample one at this batch size."""
    width, depth, rows = 100, 10, 256
    rng = np.random.default_rng(13)
    x, fresh = rng.standard_normal((2, rows, width))
    sizes = [width] * (depth + 1)
    before = MLP(sizes, "relu", weight_init=orthogonal(), rng=14)
    net = MLP(sizes, "relu", rng=15)
    lsuv(net, x, 16)
    layers = np.arange(1, depth + 1)
    group = "Var(z_l) per layer, ReLU, width 100: LSUV"
    for label, model, data in (
        ("orthonormal init (before LSUV)", before, x),
        ("after LSUV, its batch", net, x),
        ("after LSUV, fresh batch", net, fresh),
    ):
        var = [float(np.var(z)) for z in model.forward(data).pre_activations]
        evidence.add_series(
            label, layers, var, xlabel="layer l", ylabel="Var(z_l)", group=group, scale="logy"
        )
        evidence.number(f"max |Var - 1| over layers, {label}", max(abs(v - 1.0) for v in var))
