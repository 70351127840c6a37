"""Measuring how identical the hidden units of a network are, and collapsing a network whose
hidden layers are made of identical units into the width-1 network it computes.

Where equality is not bitwise, deviations are measured against rounding bounds. A BLAS dot
product of length m has an error of at most γ_m ≈ m·ε/2 of the sum of its |terms| (ε = 2⁻⁵²), so
two summation orders of the same terms differ by at most m·ε·Σ|terms|. A step computes each
gradient entry through at most L such products forward and L backward (L layers); its Σ|terms|
is what an absolute-value backprop gives (|W|, |δ|, |f'|, |h|: :func:`rounding_scales`), and the
update θ − lr·g rounds once more, relative to |θ|. So identical units drift apart by at most
2·m·L·ε·(lr·max Σ|terms| + max|θ|) per step; the bound doubles that, 4·m·L·ε·S_t with S_t the
sum over the steps so far, to cover second-order terms while the steps stay small
(``runs(stable_lr=True)``). (An earlier version measured the spread in ulp of the largest
*parameter*: unsound when a gradient sum cancels — fresh seeds found 6995 ulp against 504 on a
width-9 sigmoid net early in training.)

Below the normal range rounding is absolute, not relative: a product that underflows is off by
up to half the smallest subnormal, τ/2 = ε·N/2 (N = 2⁻¹⁰²² the smallest normal number), however
small its factors. So every magnitude the bounds sum counts as at least N (:data:`NORMAL`): each
term of a Σ|terms| adds N, which leaves the bounds unchanged in the normal range. (Without it a
network initialised to c = 5e-324 had bound 0 and a one-subnormal gap: found by a fresh seed.)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from winit.activations import SELU_ALPHA, SELU_LAMBDA
from winit.initializers import zeros
from winit.mlp import MLP, Forward

Array = np.ndarray
EPS = float(np.finfo(np.float64).eps)
#: The smallest normal float64: below it a rounding is off by up to ε·NORMAL/2 absolutely.
NORMAL = float(np.finfo(np.float64).smallest_normal)
#: The rounding bound in words, for the statements of the claims that use it.
ROUNDING = (
    "Rounding bound: a length-m BLAS dot product in two orders differs by ≤ m·ε·Σ|terms|; a "
    "step passes each gradient entry through ≤ 2L such products and rounds θ − lr·g once, so "
    "identical units drift apart by at most 4·m·L·ε·S_t after t steps, S_t = Σ over the steps of "
    "lr·(largest Σ|terms| of a gradient entry, from an absolute-value backprop) + largest |θ| "
    "(m = longest dot product, L = layers), every |term| counted as at least the smallest "
    "normal number (below it an underflowing product is off by half a subnormal step, "
    "however small its factors). Checked on every step up to a divergence of "
    "gradient descent (|θ| > 1e6 or non-finite), where NaN ≠ NaN makes the claim meaningless."
)
#: Largest |f'| of each activation: how much one layer can amplify a rounding error.
LIPSCHITZ = {"relu": 1.0, "tanh": 1.0, "sigmoid": 0.25, "linear": 1.0, "leaky_relu": 1.0,
             "selu": SELU_LAMBDA * SELU_ALPHA}  # fmt: skip


def _unit_groups(weights: Sequence[Array], biases: Sequence[Array]) -> list[tuple[Array, int]]:
    """Per hidden layer: its incoming rows, its biases and its outgoing columns, each with the
    axis along which the layer's units are laid out."""
    groups: list[tuple[Array, int]] = []
    for layer in range(len(weights) - 1):
        groups += [(weights[layer], 0), (biases[layer][:, None], 0), (weights[layer + 1], 1)]
    return groups


def _spread(values: Array, axis: int) -> float:
    """Largest difference between units (along ``axis``) in ulp of the group's largest value."""
    scale = float(np.max(np.abs(values)))
    if scale == 0.0:
        return 0.0
    return float(np.max(np.ptp(values / scale, axis=axis))) / EPS


def unit_spread(weights: Sequence[Array], biases: Sequence[Array]) -> float:
    """Largest spread, in ulp of the group's largest value, among the units of any hidden layer
    (0.0 exactly when every hidden layer's units are bitwise identical). For figures; the
    assertions use :func:`unit_gap` against :func:`gap_bound`."""
    return max([0.0] + [_spread(v, axis) for v, axis in _unit_groups(weights, biases)])


def unit_gap(weights: Sequence[Array], biases: Sequence[Array]) -> float:
    """Largest absolute difference between the units of any hidden layer (0.0 exactly when
    every hidden layer's units are bitwise identical)."""
    gaps = [float(np.max(np.ptp(v, axis=axis))) for v, axis in _unit_groups(weights, biases)]
    return max([0.0, *gaps])


def rounding_scales(
    like: MLP, history: Sequence[tuple[Sequence[Array], Sequence[Array]]], x: Array, t: Array,
    lr: float, batch_size: int | None,
) -> list[float]:  # fmt: skip
    """S_t for every snapshot: Σ over the steps before it of lr·(largest Σ|terms| of any gradient
    entry) + (largest |parameter|). Σ|terms| comes from an absolute-value backprop over *all*
    rows with the per-row loss weight of the batch actually used (1/B), which bounds the
    mini-batch's own Σ|terms| from above whichever rows it drew."""
    rows = x.shape[0]
    per_row = rows / (batch_size or rows)
    scales, total = [0.0], 0.0
    for ws, bs in history[:-1]:
        net = with_parameters(like, ws, bs)
        fw = net.forward(x)
        top = np.abs(net.gradients(x, t).deltas[-1]) * per_row
        largest = 0.0
        for layer, delta in enumerate(absolute_deltas(net, fw, top, NORMAL)):
            below = fw.activations[layer - 1] if layer else fw.inputs
            largest = max(
                largest, float(np.max(delta.T @ np.abs(below))), float(np.max(delta.sum(0)))
            )
        largest += rows * NORMAL  # a gradient entry sums one term per row
        params = max(float(np.max(np.abs(a))) for a in (*ws, *bs)) + NORMAL
        total += lr * largest + params
        scales.append(total)
    return scales


def absolute_deltas(net: MLP, fw: Forward, top: Array, floor: float = 0.0) -> list[Array]:
    """The absolute-value backprop: per layer, the Σ|terms| of every delta dL/dz, from the
    output layer's ``top`` back through |W| and |f'(z)| (the scale the rounding errors of the
    computed deltas are relative to), each term counted as at least ``floor`` (``NORMAL`` for
    bounds that hold under underflow)."""
    deltas = [top + floor]
    for layer in range(net.depth - 1, 0, -1):
        slope = np.abs(net.activation.df(fw.pre_activations[layer - 1]))
        weights = np.abs(net.weights[layer])
        deltas.insert(0, (deltas[0] @ weights + weights.shape[0] * floor) * slope + floor)
    return deltas


def sum_length(weights: Sequence[Array], batch: int) -> int:
    """The longest sum a forward or backward pass or an inner product ⟨W, G⟩ over a whole
    weight matrix computes: m of the rounding bounds that include such inner products."""
    return max(batch, *(w.size for w in weights))


def gaps_and_bounds(
    like: MLP, history: Sequence[tuple[Sequence[Array], Sequence[Array]]], x: Array, t: Array,
    lr: float, batch_size: int | None,
) -> list[tuple[float, float]]:  # fmt: skip
    """(:func:`unit_gap`, :func:`gap_bound`) at every snapshot of a training run of ``like``."""
    scales = rounding_scales(like, history, x, t, lr, batch_size)
    return [
        (unit_gap(ws, bs), gap_bound(like.sizes, x.shape[0], scale))
        for (ws, bs), scale in zip(history, scales, strict=True)
    ]


def gap_bound(sizes: Sequence[int], batch: int, scale: float) -> float:
    """4·m·L·ε·S_t: how far rounding can pull identical units apart (see the module docstring)."""
    return 4.0 * dot_length(sizes, batch) * (len(sizes) - 1) * EPS * scale


def dot_length(sizes: Sequence[int], batch: int) -> int:
    """The longest dot product a forward or backward pass computes (m of the rounding bound)."""
    return max(batch, *sizes)


def with_parameters(like: MLP, weights: Sequence[Array], biases: Sequence[Array]) -> MLP:
    """A network of ``like``'s activations and loss carrying the given parameters."""
    sizes = (weights[0].shape[1], *(w.shape[0] for w in weights))
    net = MLP(sizes, like.activation, like.output, like.loss_fn, weight_init=zeros)
    net.weights, net.biases = list(weights), list(biases)
    return net


def collapse(like: MLP, weights: Sequence[Array], biases: Sequence[Array]) -> MLP:
    """The width-1 network whose function a network of identical hidden units computes: unit 0
    of every hidden layer, with its incoming weights summed over the identical units below
    (the outgoing weight multiplied by the width)."""
    last = len(weights) - 1
    rows = [w if layer == last else w[:1] for layer, w in enumerate(weights)]
    return with_parameters(
        like,
        [r if layer == 0 else r.sum(axis=1, keepdims=True) for layer, r in enumerate(rows)],
        [b if layer == last else b[:1] for layer, b in enumerate(biases)],
    )


def function_gap(
    net: MLP, weights: Sequence[Array], biases: Sequence[Array], x: Array
) -> tuple[float, float]:
    """(largest |f_h(x) − f_1(x)|, its bound) between the network with these parameters and its
    width-1 collapse.

    The bound follows the two differences through the layers, per input: the units' own
    (hidden rows and biases at most ``unit_gap`` g apart, entrywise) and rounding (each z of
    either network within 3·m·ε of its Σ|terms|: the two forward passes and the collapse's
    summed weights; each activation within 4 ulp; every term at least :data:`NORMAL`, for
    underflow). With D_l the largest |h_l,j − h¹_l| over
    the units of layer l: |Δz_l| ≤ g·(Σ_k|h_{l−1,k}| + 1) + max_j Σ_k|W_l,jk|·D_{l−1} +
    3·m·ε·Σ|terms|, D_l ≤ Lip f·|Δz_l|, and the output layer (Lipschitz ≤ 1 heads) adds no g.
    Doubled for the second-order terms the first-order propagation leaves out."""
    fw = with_parameters(net, weights, biases).forward(x)
    deviation = float(np.max(np.abs(fw.output - collapse(net, weights, biases).predict(x))))
    gap, lip = unit_gap(weights, biases), LIPSCHITZ[net.activation.name]
    m = sum_length(weights, x.shape[0])
    below, spread = np.abs(fw.inputs), np.zeros(x.shape[0])
    for layer, (w, b) in enumerate(zip(weights, biases, strict=True)):
        hidden = layer < len(weights) - 1
        terms = np.max(below @ np.abs(w).T + np.abs(b), axis=1) + (w.shape[1] + 1) * NORMAL
        units = gap * (below.sum(axis=1) + 1.0) if hidden else 0.0
        dz = units + float(np.max(np.abs(w).sum(axis=1))) * spread + 3.0 * m * EPS * terms
        if hidden:
            below = np.abs(fw.activations[layer])
            spread = lip * dz + 4.0 * EPS * (np.max(below, axis=1) + NORMAL)
    return deviation, 2.0 * float(np.max(dz))
