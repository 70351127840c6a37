"""LSUV: Mishkin & Matas 2015, All you need is a good init (layer-sequential unit variance)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from properties.data import seeds
from properties.sources import LSUV as SOURCE
from winit.claims import Claim, Evidence, Plan
from winit.initializers import orthogonal
from winit.lsuv import lsuv
from winit.mlp import MLP
from winit.stats import exact_check, spread_check

MAX_DEPTH = 6
ROUNDING = 1e-12  # Var of ≤ 1e5 entries after one division: a few hundred eps at most
#: The variance error the fresh-batch checks are sized against (dividing by Var, not √Var).
VARIANCE_ERROR = 2.0
#: The report's network.
PROFILE_WIDTH, PROFILE_DEPTH, PROFILE_ROWS = 100, 10, 256
PANEL = f"Var(z_l) per layer, ReLU, width {PROFILE_WIDTH}"

LSUV = Claim(
    id="LSUV",
    group="Beyond the article",
    title="Orthonormal init, then one rescale per layer gives unit variance",
    source=SOURCE,
    quote="Pre-initialize network with orthonormal matrices ... for each layer L do ... "
    "W_L = W_L / sqrt(Var(B_L)) ... until |Var(B_L) − 1.0| < Tol_var",
    statement="winit.lsuv re-draws orthonormal weights and divides each layer, first to last, "
    "by √Var(its pre-activations on the batch). With zero biases one rescale per layer is "
    f"exact: Var = 1 on that batch within rounding ({ROUNDING:g}), so the paper's tolerance "
    "holds there. On a fresh batch of B inputs Var(z_l) = 1 up to the sampling spread "
    "sd(ln Var) ≈ √(2·(2 + 5(l−1))/(n·B)) (ReLU bound; tanh less): a tight band out of sample "
    "needs a large n·B per layer.",
    domain=f"seed; relu or tanh; width n in [32, 96]; depth in [2, {MAX_DEPTH}]; batch size "
    f"from the power calculation; plus a fixed-seed ReLU net of width {PROFILE_WIDTH}, depth "
    f"{PROFILE_DEPTH}, batch {PROFILE_ROWS} for the report",
    expected="holds",
    lead="Before LSUV the per-layer variance of a ReLU network drifts away from 1; after one "
    "rescale per layer it sits exactly on 1 for the batch it was tuned on, and close to 1 on "
    "a fresh batch.",
    statistics="Exact: at most one rescale per layer, |Var − 1| within rounding on the LSUV "
    "batch. Fresh batch: a normal interval for ln Var(z_l) with the derived spread above; the "
    "batch size gives the planned power against a variance 2× off (e.g. dividing by Var "
    "instead of √Var).",
    main_plot=PANEL,
)
FRESH = LSUV.plan("ln Var(z_l), fresh batch", per_example=MAX_DEPTH)
PROFILE_FRESH = LSUV.plan("ln Var(z_l), fresh batch, profile", runs=PROFILE_DEPTH)


def relative_variance(layer: int) -> float:
    """n × relative variance of one input's mean square pre-activation at ``layer`` (1-based),
    over inputs x ~ N(0, I): the input's |x|²/n gives 2/n; each ReLU layer at most 5/n more
    (|relu(g)|² has relative variance 5/n, tanh's squared units less: 0.55/n at q = 1); square
    orthogonal weights keep |h|² and add nothing. A bound on the average over weights (law of
    total variance), used as the spread for a fixed net."""
    return 2.0 + 5.0 * (layer - 1)


def batch_size(width: int, depth: int) -> int:
    """Rows per batch so that ln(Var on a fresh batch) — calibrated to 0 on another batch, so
    sd √(2·relative_variance/(n·B)) — separates the variance error at the plan's alpha and
    power."""
    z = FRESH.z_detectable()
    return math.ceil(2.0 * relative_variance(depth) * (z / math.log(VARIANCE_ERROR)) ** 2 / width)


def check_fresh_batch(evidence: Evidence, net: MLP, fresh: np.ndarray, plan: Plan) -> list[float]:
    """ln Var(z_l) ≈ 0 on a batch LSUV did not see, per layer; the variances."""
    width, rows = fresh.shape[1], fresh.shape[0]
    variances = []
    for layer, z in enumerate(net.forward(fresh).pre_activations, start=1):
        sd = math.sqrt(2.0 * relative_variance(layer) / (width * rows))
        variances.append(float(np.var(z)))
        evidence.test(
            plan, spread_check, f"ln Var(z_l) on a fresh batch, layer {layer}",
            math.log(variances[-1]), 0.0, sd, alternative=math.log(VARIANCE_ERROR),
            against="variance 2x off (e.g. scaled by 1/Var, not 1/sqrt Var)", mde_of="ln variance",
        )  # fmt: skip
    return variances


@pytest.mark.claim(LSUV)
@given(
    seed=seeds,
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
    check_fresh_batch(evidence, net, fresh, FRESH)


@pytest.mark.claim(LSUV)
def test_lsuv_profile(evidence: Evidence) -> None:
    """Report figure: per-layer Var(z_l) of a ReLU net with orthonormal init before LSUV, after
    it on its batch (1 within rounding: checked) and on a fresh batch of the same size (1 within
    the derived spread: checked)."""
    rng = np.random.default_rng(13)
    x, fresh = rng.standard_normal((2, PROFILE_ROWS, PROFILE_WIDTH))
    sizes = [PROFILE_WIDTH] * (PROFILE_DEPTH + 1)
    before = MLP(sizes, "relu", weight_init=orthogonal(), rng=14)
    net = MLP(sizes, "relu", rng=15)
    lsuv(net, x, 16, tol=ROUNDING)
    calibrated = [float(np.var(z)) for z in net.forward(x).pre_activations]
    evidence.check(exact_check("max |Var - 1| on the LSUV batch, profile",
                               max(abs(v - 1.0) for v in calibrated), 0.0, ROUNDING))  # fmt: skip
    out_of_sample = check_fresh_batch(evidence, net, fresh, PROFILE_FRESH)
    untouched = [float(np.var(z)) for z in before.forward(x).pre_activations]
    layers = np.arange(1, PROFILE_DEPTH + 1)
    for label, var in (
        ("orthonormal init (before LSUV)", untouched),
        ("after LSUV, its batch", calibrated),
        ("after LSUV, fresh batch", out_of_sample),
    ):
        evidence.add_series(
            label, layers, var, xlabel="layer l", ylabel="Var(z_l)", group=PANEL, scale="logy"
        )
        evidence.number(f"max |Var - 1| over layers, {label}", max(abs(v - 1.0) for v in var))
