"""Measuring how identical the hidden units of a network are, and collapsing a network whose
hidden layers are made of identical units into the width-1 network it computes.

Where equality is not bitwise, deviations are in ulp: multiples of ε = 2⁻⁵² times the scale of
the quantity (the largest parameter of the group, or the sum of |terms| of an output).
The rounding bound both claims use (ZERO-SIGMOID, CONST-SYMMETRY): a BLAS dot product of length
m has relative error at most γ_m ≈ m·ε/2 of the sum of |terms|, and two summation orders of the
same terms differ by at most m·ε. A step computes each parameter through at most L such products
forward and L backward (L layers), so the units can drift apart by at most 2·m·L ulp per step,
and after t steps by 2·m·L·t; the bound doubles that, k = 4·m·L·t, to cover the second-order
terms while the steps stay small (``runs(stable_lr=True)``).
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


def _spread(values: Array, axis: int) -> float:
    """Largest difference between units (along ``axis``) in ulp of the group's largest value."""
    scale = float(np.max(np.abs(values)))
    if scale == 0.0:
        return 0.0
    return float(np.max(np.ptp(values, axis=axis))) / scale / EPS


def unit_spread(weights: Sequence[Array], biases: Sequence[Array]) -> float:
    """Largest spread, in ulp, among the units of any hidden layer: their incoming rows, their
    biases and their outgoing columns (0.0 exactly when every hidden layer's units are bitwise
    identical)."""
    spreads = [0.0]
    for layer in range(len(weights) - 1):
        spreads += [
            _spread(weights[layer], 0),
            _spread(biases[layer][:, None], 0),
            _spread(weights[layer + 1], 1),
        ]
    return max(spreads)


def dot_length(sizes: Sequence[int], batch: int) -> int:
    """The longest dot product a forward or backward pass computes (m of the rounding bound)."""
    return max(batch, *sizes)


def spread_bound(sizes: Sequence[int], batch: int, step: int) -> float:
    """k = 4·m·L·t ulp: how far rounding can pull identical units apart in ``step`` steps."""
    return 4.0 * dot_length(sizes, batch) * (len(sizes) - 1) * step


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
