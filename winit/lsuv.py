"""Layer-sequential unit-variance (LSUV) initialization (Mishkin & Matas 2015, Algorithm 1).

Orthonormal weights first; then, layer by layer from the input, the weights are divided by the
standard deviation of that layer's pre-activations on a batch until that variance is within
``tol`` of 1. With zero biases one rescale is exact: z = W·h is linear in W and the layer's input
h does not change (earlier layers are already fixed), so Var(z / s) = Var(z) / s² = 1 on the same
batch, within rounding. Biases that differ across units break that and may need more rescales.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from winit._validate import finite
from winit.initializers import orthogonal
from winit.mlp import MLP
from winit.rng import RngLike, as_generator


def lsuv(
    net: MLP, x: ArrayLike, rng: RngLike, *, tol: float = 0.02, max_iter: int = 10
) -> list[int]:
    """Re-initialise ``net`` in place by LSUV on the batch ``x`` (shape (batch, inputs)).

    Every weight matrix is replaced by an orthonormal one drawn from ``rng``; then each layer,
    first to last, is divided by √Var(its pre-activations on ``x``) until |Var − 1| ≤ ``tol``, at
    most ``max_iter`` times. Biases are left as they are. Returns the number of rescales per layer.
    """
    t = finite("tol", tol, positive=True)
    if isinstance(max_iter, bool) or not isinstance(max_iter, int) or max_iter < 1:
        raise ValueError(f"max_iter must be an int >= 1, got {max_iter!r}")
    batch = np.asarray(x, dtype=net.dtype)
    if batch.ndim != 2 or batch.shape[0] < 2:
        raise ValueError(
            f"x must be a batch of at least 2 inputs, shape (batch, {net.sizes[0]}), "
            f"got {np.shape(x)}"
        )
    gen = as_generator(rng)
    init = orthogonal()
    net.weights = [init(w.shape, gen, net.dtype) for w in net.weights]
    rescales = []
    for layer in range(net.depth):
        count = 0
        while True:
            var = float(np.var(net.forward(batch).pre_activations[layer]))
            if not var > 0.0 or not math.isfinite(var):
                raise ValueError(
                    f"layer {layer + 1} has pre-activation variance {var} on the batch; LSUV "
                    "needs a batch on which every layer varies"
                )
            if abs(var - 1.0) <= t or count == max_iter:
                break
            net.weights[layer] /= math.sqrt(var)
            count += 1
        rescales.append(count)
    return rescales
