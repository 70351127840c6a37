"""RELU-BALANCE: Du, Hu & Lee 2018 — in a ReLU network gradient flow keeps the differences of the
layers' squared norms, so the balance between layers that the initialization sets is conserved.

The identity behind it is exact and local: scaling one hidden unit's incoming weights and bias by
α > 0 and its outgoing weights by 1/α leaves a positively homogeneous network unchanged, so at
α = 1 the derivative vanishes: per hidden layer,
⟨W_l, ∂L/∂W_l⟩ + ⟨b_l, ∂L/∂b_l⟩ = ⟨W_{l+1}, ∂L/∂W_{l+1}⟩. Both sides are Σ_rows Σ_units of
δ·z (incoming) and h·(Wᵀδ_next) (outgoing), equal because f(z) = f'(z)·z for ReLU, leaky ReLU and
the identity. A backward pass whose f' is off by a factor c for z > 0 multiplies the incoming side
by c, which this check sees at every hidden layer.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from properties.data import heads, seeds
from properties.sources import BALANCE
from properties.symmetry import EPS, absolute_deltas, sum_length
from winit.claims import Claim, Evidence
from winit.initializers import he_normal, normal
from winit.mlp import MLP
from winit.stats import exact_check

Array = np.ndarray
#: The positively homogeneous activations (f(αz) = α·f(z) for α > 0).
HOMOGENEOUS = ("relu", "leaky_relu", "linear")
PATH_SIZES, PATH_STEPS, PATH_LR = (8, 32, 32, 1), 400, 0.02
PANEL = "layer balance during training"

RELU_BALANCE = Claim(
    id="RELU-BALANCE",
    group="Beyond the article",
    title="ReLU layers stay as balanced as they were initialized (gradient flow)",
    source=BALANCE,
    quote="gradient flow (i.e. gradient descent with infinitesimal step size) effectively "
    "enforces the differences between squared norms across different layers to remain "
    "invariant without any explicit regularization. This result implies that if the weights "
    "are initially small, gradient flow automatically balances the magnitudes of all layers.",
    statement="For ReLU, leaky ReLU and linear hidden layers (f(αz) = α·f(z), α > 0), any "
    "widths, data, targets, loss and parameters: ⟨W_l, ∂L/∂W_l⟩ + ⟨b_l, ∂L/∂b_l⟩ = "
    "⟨W_{l+1}, ∂L/∂W_{l+1}⟩ for every hidden layer l, so under gradient flow ‖W_l‖² + ‖b_l‖² − "
    "‖W_{l+1}‖² stays what the initialization made it (with biases they count on the incoming "
    "side); gradient descent with step η changes it only by η²·(‖∇_l‖² − ‖∇_{l+1}‖²) per step. "
    "It is He's backward pass in exact form: it fails when the backward f' is wrong for z > 0.",
    domain="seed; relu, leaky_relu or linear; 2–5 layers of widths 1–8; batch 1–8; "
    "linear/MSE, sigmoid/MSE or sigmoid/BCE head; He normal weights, N(0, 0.25) biases; plus "
    f"a {PATH_STEPS}-step training path of a {'-'.join(map(str, PATH_SIZES))} network",
    expected="holds",
    lead="During training the ReLU network's layer balance stays flat (only the tiny η² drift "
    "of gradient descent), while the tanh network's, which has no such law, wanders off.",
    statistics="Exact within rounding, no statistics: |in − out| ≤ 4·m·L·ε·Σ|terms| (m the "
    "longest sum, Σ|terms| from |W|, |b|, the computed |h| and an absolute-value backprop, as "
    "in the symmetry claims). A backward f' off by a factor c for z > 0 gives |in − out| = "
    "|1 − c|·|out|.",
    main_plot=PANEL,
)


def balance_terms(net: MLP, x: Array, t: Array) -> list[tuple[float, float, float]]:
    """Per hidden layer: (incoming ⟨W_l, G_l⟩ + ⟨b_l, g_l⟩, outgoing ⟨W_{l+1}, G_{l+1}⟩, Σ|terms|)
    with Σ|terms| the sum of both sides' terms in absolute value (|W|, |b|, the computed |h| and
    the absolute-value backprop's |δ|), the scale their rounding errors are relative to."""
    fw = net.forward(x)
    grads = net.gradients(x, t)
    deltas = absolute_deltas(net, fw, np.abs(grads.deltas[-1]))
    out = []
    for layer in range(net.depth - 1):
        w, b, w_next = net.weights[layer], net.biases[layer], net.weights[layer + 1]
        incoming = float(np.vdot(w, grads.weights[layer]) + np.vdot(b, grads.biases[layer]))
        outgoing = float(np.vdot(w_next, grads.weights[layer + 1]))
        below = np.abs(fw.activations[layer - 1] if layer else fw.inputs)
        scale = float(np.sum(deltas[layer] * (below @ np.abs(w).T + np.abs(b))))
        h = np.abs(fw.activations[layer])
        scale += float(np.sum(h * (deltas[layer + 1] @ np.abs(w_next))))
        out.append((incoming, outgoing, scale))
    return out


def balance_bound(net: MLP, batch: int, scale: float) -> float:
    """4·m·L·ε·Σ|terms|, m the longest sum involved (:func:`properties.symmetry.sum_length`;
    module docstring of properties.symmetry for the argument)."""
    return 4.0 * sum_length(net.weights, batch) * net.depth * EPS * scale


@pytest.mark.claim(RELU_BALANCE)
@given(
    seed=seeds,
    activation=st.sampled_from(HOMOGENEOUS),
    head=heads,
    sizes=st.lists(st.integers(1, 8), min_size=3, max_size=6),
    batch=st.integers(1, 8),
)
def test_each_hidden_layer_is_balanced_by_its_gradient(
    evidence: Evidence, seed: int, activation: str, head: tuple[str, str], sizes: list[int],
    batch: int,
) -> None:  # fmt: skip
    """Du, Hu & Lee 2018: "gradient flow ... effectively enforces the differences between squared
    norms across different layers to remain invariant". At any parameters, for any data, targets
    and loss: ⟨W_l, ∂L/∂W_l⟩ + ⟨b_l, ∂L/∂b_l⟩ = ⟨W_{l+1}, ∂L/∂W_{l+1}⟩ within rounding."""
    gen = np.random.default_rng(seed)
    net = MLP(sizes, activation, head[0], head[1], weight_init=he_normal,
              bias_init=normal(0.0, 0.5), rng=gen)  # fmt: skip
    x = gen.standard_normal((batch, sizes[0]))
    t = (
        gen.random((batch, sizes[-1]))
        if head[0] == "sigmoid"
        else gen.standard_normal((batch, sizes[-1]))
    )
    for layer, (incoming, outgoing, scale) in enumerate(balance_terms(net, x, t)):
        tol = balance_bound(net, batch, scale)
        evidence.check(
            exact_check(
                f"{activation}, hidden layer {layer + 1}: in − out", incoming - outgoing, 0.0, tol
            )
        )


@pytest.mark.claim(RELU_BALANCE)
def test_balance_along_a_training_path(evidence: Evidence) -> None:
    """The report's figure: ‖W_1‖² + ‖b_1‖² − ‖W_2‖² over 400 full-batch GD steps (lr 0.02, MSE to
    a random regression target) for ReLU and, as the contrast Du et al. exclude, tanh. The ReLU
    identity is checked at every step of the path; tanh is not homogeneous and has no such law."""
    gen = np.random.default_rng(7)
    x = gen.standard_normal((64, PATH_SIZES[0]))
    t = np.sin(x[:, :1]) + 0.1 * gen.standard_normal((64, 1))
    steps = np.arange(PATH_STEPS + 1)
    for activation in ("relu", "tanh"):
        net = MLP(PATH_SIZES, activation, weight_init=he_normal, rng=8)
        history = net.train(x, t, PATH_LR, PATH_STEPS, record_params=True)
        gaps, residuals = [], []
        for ws, bs in zip(history.weights, history.biases, strict=True):
            gaps.append(float(np.sum(ws[0] ** 2) + np.sum(bs[0] ** 2) - np.sum(ws[1] ** 2)))
            if activation == "relu":
                net.weights, net.biases = list(ws), list(bs)
                incoming, outgoing, scale = balance_terms(net, x, t)[0]
                residuals.append((incoming - outgoing, balance_bound(net, x.shape[0], scale)))
        if residuals:
            step = max(range(len(residuals)), key=lambda i: abs(residuals[i][0]) / residuals[i][1])
            r, tol = residuals[step]
            evidence.check(
                exact_check(f"relu path: in − out at step {step} (the worst)", r, 0.0, tol)
            )
        drift = np.array(gaps) - gaps[0]
        evidence.number(
            f"{activation}: change of ‖W_1‖²+‖b_1‖²−‖W_2‖² after {PATH_STEPS} steps",
            float(drift[-1]),
        )
        evidence.add_series(
            f"{activation}", steps, drift, xlabel="GD step",
            ylabel="change of ‖W₁‖² + ‖b₁‖² − ‖W₂‖²", group=PANEL,
        )  # fmt: skip
