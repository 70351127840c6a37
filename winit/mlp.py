"""A small multilayer perceptron with exact backpropagation and in-place SGD.

Layer ``l`` computes ``z_l = h_{l-1} W_lᵀ + b_l`` and ``h_l = f(z_l)`` on a batch of row vectors;
``W_l`` has PyTorch's ``(out, in)`` layout, so ``fans`` reads it with the default layout.
Everything a claim needs is public: the parameters, the pre-activations and activations of a
forward pass, and the per-layer gradients and back-propagated deltas of a backward pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from winit._validate import finite, float_dtype
from winit.activations import Activation, get_activation
from winit.initializers import Initializer, glorot_uniform, zeros
from winit.losses import Loss, get_loss
from winit.rng import RngLike, as_generator

Array = NDArray[np.floating]

#: The article's network: 2 inputs, one hidden layer of 2 units, one output.
ARTICLE_SIZES = (2, 2, 1)


@dataclass(frozen=True)
class Forward:
    """One forward pass: the input and, per layer, its pre-activation z and activation h."""

    inputs: Array
    pre_activations: list[Array]
    activations: list[Array]

    @property
    def output(self) -> Array:
        return self.activations[-1]


@dataclass(frozen=True)
class Gradients:
    """Loss and its exact gradients: per layer dL/dW, dL/db and the delta dL/dz."""

    loss: float
    weights: list[Array]
    biases: list[Array]
    deltas: list[Array]


@dataclass
class History:
    """What :meth:`MLP.train` saw: the batch loss before each step and, if asked for,
    the parameters before the first step and after every step (``steps + 1`` snapshots)."""

    losses: list[float] = field(default_factory=list)
    weights: list[list[Array]] = field(default_factory=list)
    biases: list[list[Array]] = field(default_factory=list)


class MLP:
    """A fully connected network of any layer sizes.

    ``activation`` is the hidden nonlinearity, ``output`` the output one (``linear`` or
    ``sigmoid``), ``loss`` is ``mse`` or ``bce``. Weights come from ``weight_init`` and biases from
    ``bias_init`` (default zeros), both called with ``(shape, generator, dtype)``.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str | Activation = "tanh",
        output: str | Activation = "linear",
        loss: str | Loss = "mse",
        weight_init: Initializer = glorot_uniform,
        bias_init: Initializer = zeros,
        rng: RngLike = 0,
        dtype: DTypeLike = np.float64,
    ) -> None:
        self.sizes = tuple(sizes)
        if len(self.sizes) < 2 or any(
            isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1 for n in self.sizes
        ):
            raise ValueError(
                f"sizes must be at least two positive ints (inputs, ..., outputs), got {sizes!r}"
            )
        self.activation = get_activation(activation)
        self.output = get_activation(output)
        if self.output.name not in ("linear", "sigmoid"):
            raise ValueError(f"output must be 'linear' or 'sigmoid', got {self.output.name!r}")
        self.loss_fn = get_loss(loss)
        self.dtype = float_dtype(dtype)
        gen = as_generator(rng)
        pairs = list(zip(self.sizes[:-1], self.sizes[1:], strict=False))
        self.weights: list[Array] = [
            np.asarray(weight_init((n_out, n_in), gen, self.dtype)) for n_in, n_out in pairs
        ]
        self.biases: list[Array] = [
            np.asarray(bias_init((n_out,), gen, self.dtype)) for _, n_out in pairs
        ]

    @classmethod
    def article(cls, activation: str | Activation = "relu", **kwargs: object) -> MLP:
        """The article's 2-2-1 network (2 inputs, 2 hidden units, 1 output)."""
        return cls(ARTICLE_SIZES, activation, **kwargs)  # type: ignore[arg-type]

    @property
    def depth(self) -> int:
        """Number of weight layers (hidden layers + 1)."""
        return len(self.weights)

    def _batch(self, x: ArrayLike, width: int, what: str) -> Array:
        a = np.asarray(x, dtype=self.dtype)
        if a.ndim == 1 and width == 1 and what == "targets":
            a = a[:, None]
        if a.ndim != 2 or a.shape[1] != width or a.shape[0] == 0:
            raise ValueError(f"{what} must have shape (batch, {width}), got {np.shape(x)}")
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{what} must be finite (found NaN or inf)")
        return a

    def forward(self, x: ArrayLike) -> Forward:
        """Run the network on a batch ``x`` of shape (batch, sizes[0]), keeping every layer."""
        h = self._batch(x, self.sizes[0], "inputs")
        zs: list[Array] = []
        hs: list[Array] = []
        inputs = h
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            z = h @ w.T
            z += b
            f = self.output if i == self.depth - 1 else self.activation
            h = f(z)
            zs.append(z)
            hs.append(h)
        return Forward(inputs, zs, hs)

    def predict(self, x: ArrayLike) -> Array:
        """The network's output for a batch."""
        return self.forward(x).output

    def gradients(self, x: ArrayLike, t: ArrayLike) -> Gradients:
        """Exact backpropagation of the mean loss on the batch ``(x, t)``."""
        fw = self.forward(x)
        target = self._batch(t, self.sizes[-1], "targets")
        if target.shape[0] != fw.inputs.shape[0]:
            raise ValueError(
                f"inputs and targets must have the same batch size, "
                f"got {fw.inputs.shape[0]} and {target.shape[0]}"
            )
        loss, delta = self.loss_fn.value_and_grad(
            fw.pre_activations[-1], fw.output, target, self.output
        )
        gw: list[Array] = [np.empty(0)] * self.depth
        gb: list[Array] = [np.empty(0)] * self.depth
        deltas: list[Array] = [np.empty(0)] * self.depth
        for layer in range(self.depth - 1, -1, -1):
            deltas[layer] = delta
            below = fw.activations[layer - 1] if layer else fw.inputs
            gw[layer] = delta.T @ below
            gb[layer] = delta.sum(axis=0)
            if layer:
                delta = delta @ self.weights[layer]
                delta *= self.activation.df(fw.pre_activations[layer - 1])
        return Gradients(loss, gw, gb, deltas)

    def sgd_step(self, x: ArrayLike, t: ArrayLike, lr: float) -> float:
        """One gradient-descent step on the batch, in place; returns the loss before the step."""
        rate = finite("lr", lr, nonnegative=True)
        g = self.gradients(x, t)
        for w, b, gw, gb in zip(self.weights, self.biases, g.weights, g.biases, strict=True):
            gw *= rate  # the gradients are this step's own arrays: scale them in place
            gb *= rate
            w -= gw
            b -= gb
        return g.loss

    def train(
        self,
        x: ArrayLike,
        t: ArrayLike,
        lr: float,
        steps: int,
        batch_size: int | None = None,
        rng: RngLike = 0,
        record_params: bool = False,
    ) -> History:
        """``steps`` SGD steps: full-batch, or mini-batches of ``batch_size`` drawn by walking a
        fresh permutation of the data (from ``rng``) each epoch."""
        xs = self._batch(x, self.sizes[0], "inputs")
        ts = self._batch(t, self.sizes[-1], "targets")
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
            raise ValueError(f"steps must be a non-negative int, got {steps!r}")
        n = xs.shape[0]
        size = n if batch_size is None else batch_size
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= n:
            raise ValueError(f"batch_size must be an int in [1, {n}] or None, got {batch_size!r}")
        gen = as_generator(rng)
        history = History()
        order = np.arange(n)
        start = n
        for _ in range(steps):
            if record_params:
                self._snapshot(history)
            if size == n:  # full batch: the data itself, not a copy of it
                xb, tb = xs, ts
            else:
                if start + size > n:
                    order, start = gen.permutation(n), 0
                idx = order[start : start + size]
                start += size
                xb, tb = xs[idx], ts[idx]
            history.losses.append(self.sgd_step(xb, tb, lr))
        if record_params:
            self._snapshot(history)
        return history

    def _snapshot(self, history: History) -> None:
        history.weights.append([w.copy() for w in self.weights])
        history.biases.append([b.copy() for b in self.biases])
