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
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from winit.activations import Activation
from winit.initializers import zeros
from winit.mlp import MLP

Array = np.ndarray
EPS = float(np.finfo(np.float64).eps)
#: Largest hidden width for which this machine's OpenBLAS computes every unit's dot products in
#: the same order (measured: widths 1–4 and multiples of 4 keep units bitwise identical; 5–7, 9–11
#: do not). Bitwise equality is asserted only up to here.
BITWISE_WIDTH = 4
#: Largest |f'| of each activation: how much one layer can amplify a rounding error.
LIPSCHITZ = {"relu": 1.0, "tanh": 1.0, "sigmoid": 0.25, "linear": 1.0, "leaky_relu": 1.0,
             "selu": 1.0507009873554805 * 1.6732632423543772}  # fmt: skip


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
        delta = np.abs(net.gradients(x, t).deltas[-1]) * per_row
        largest = 0.0
        for layer in range(len(ws) - 1, -1, -1):
            below = fw.activations[layer - 1] if layer else fw.inputs
            largest = max(
                largest, float(np.max(delta.T @ np.abs(below))), float(np.max(delta.sum(0)))
            )
            if layer:
                delta = (delta @ np.abs(ws[layer])) * np.abs(
                    net.activation.df(fw.pre_activations[layer - 1])
                )
        params = max(float(np.max(np.abs(a))) for a in (*ws, *bs))
        total += lr * largest + params
        scales.append(total)
    return scales


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


def function_deviation(
    net: MLP, weights: Sequence[Array], biases: Sequence[Array], x: Array
) -> float:
    """Largest |f_h(x) − f_1(x)| between the network with these parameters and its collapse, in
    ulp of the output layer's Σ|terms| (the scale a rounding error of the sum is relative to)."""
    fw = with_parameters(net, weights, biases).forward(x)
    below = fw.activations[-2] if len(weights) > 1 else fw.inputs
    scale = np.abs(below) @ np.abs(weights[-1]).T + np.abs(biases[-1])
    diff = np.abs(fw.output - collapse(net, weights, biases).predict(x))
    return float(np.max(diff / (EPS * np.maximum(scale, np.finfo(np.float64).tiny))))


def function_bound(sizes: Sequence[int], batch: int, step: int, activation: Activation) -> float:
    """k = 4·m·L·(t+1)·max(1, Lip f)^L ulp: the spread bound after ``step`` steps plus the
    rounding of the two forward passes, amplified by at most Lip f per layer."""
    layers = len(sizes) - 1
    gain = max(1.0, LIPSCHITZ[activation.name]) ** layers
    return 4.0 * dot_length(sizes, batch) * layers * (step + 1) * gain
