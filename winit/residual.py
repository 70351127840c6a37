"""A pre-norm residual stack with exact backpropagation: x_{l+1} = x_l + W2 φ(W1 LN(x_l) + b1) + b2.

Each :class:`ResidualBlock` is one residual branch (an MLP on the LayerNorm of the stream, as
in a pre-LN transformer) with its backward pass beside its forward. :class:`ResidualStack`
chains ``blocks`` of them. Its two options are the depth treatments of the branch's output
projection W2 at initialization:

- ``depth_scaled``: W2 multiplied by 1/√N, N the number of residual branches of the stack
  (Radford et al. 2019, GPT-2: "a factor of 1/√N where N is the number of residual layers");
- ``zero_init_last``: W2 = 0 (Zhang et al. 2019, Fixup; timm's ``zero_init_last``), so the stack
  is exactly the identity at initialization.

Weights use PyTorch's ``(out, in)`` layout; biases start at 0, LayerNorm's gamma at 1 and beta
at 0.

>>> import numpy as np
>>> stack = ResidualStack(4, 8, 3, zero_init_last=True, rng=0)
>>> x = np.arange(8.0).reshape(2, 4)
>>> bool(np.array_equal(stack.forward(x).output, x))
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from winit._validate import float_dtype
from winit.activations import Activation, get_activation
from winit.initializers import Initializer, he_normal, lecun_normal
from winit.norms import DEFAULT_EPS, Normalized, NormGradients, layer_norm, normalize_backward
from winit.rng import RngLike, as_generator

Array = NDArray[np.floating]


@dataclass(frozen=True)
class BlockForward:
    """One block's pass: its input x, the LayerNorm of it, the hidden pre-activation h = W1·LN(x)
    + b1, the branch output W2 φ(h) + b2, and the block output x + branch."""

    inputs: Array
    norm: Normalized
    hidden: Array
    branch: Array
    output: Array


@dataclass(frozen=True)
class BlockGradients:
    """One block's gradients: its parameters and its input."""

    gamma: Array
    beta: Array
    w1: Array
    b1: Array
    w2: Array
    b2: Array
    inputs: Array


@dataclass
class ResidualBlock:
    """x + W2 φ(W1 LN(x) + b1) + b2: a residual branch on the LayerNorm of its input."""

    gamma: Array
    beta: Array
    w1: Array
    b1: Array
    w2: Array
    b2: Array
    activation: Activation
    eps: float = DEFAULT_EPS

    def forward(self, x: Array) -> BlockForward:
        norm = layer_norm(x, self.gamma, self.beta, self.eps)
        hidden = norm.output @ self.w1.T + self.b1
        branch = self.activation(hidden) @ self.w2.T + self.b2
        return BlockForward(x, norm, hidden, branch, x + branch)

    def backward(self, fw: BlockForward, d_out: Array) -> BlockGradients:
        """Gradients given dL/d(block output); the input's is d_out plus the branch's."""
        d_post = d_out @ self.w2
        d_hidden = d_post * self.activation.df(fw.hidden)
        ln: NormGradients = normalize_backward(fw.norm, d_hidden @ self.w1)
        return BlockGradients(
            ln.gamma, ln.beta, d_hidden.T @ fw.norm.output, d_hidden.sum(axis=0),
            d_out.T @ self.activation(fw.hidden), d_out.sum(axis=0), d_out + ln.inputs,
        )  # fmt: skip


@dataclass(frozen=True)
class StackForward:
    """A pass through the stack: every block's pass; ``streams`` are x_0, …, x_L."""

    blocks: list[BlockForward]

    @property
    def streams(self) -> list[Array]:
        return [self.blocks[0].inputs] + [b.output for b in self.blocks]

    @property
    def output(self) -> Array:
        return self.blocks[-1].output


class ResidualStack:
    """``blocks`` pre-norm residual blocks of width ``width`` and hidden width ``hidden``.

    W1 comes from ``hidden_init`` and W2 from ``output_init`` (called with ``(shape, generator,
    dtype)``, W1 then W2 block by block), W2 then multiplied by 1/√blocks when ``depth_scaled``
    or replaced by zeros when ``zero_init_last``. With the defaults (He normal W1, LeCun normal
    W2, ReLU) each branch adds a variance of LN's mean square (≈ 1) to the stream."""

    def __init__(
        self, width: int, hidden: int, blocks: int, activation: str | Activation = "relu", *,
        hidden_init: Initializer = he_normal, output_init: Initializer = lecun_normal,
        depth_scaled: bool = False, zero_init_last: bool = False, eps: float = DEFAULT_EPS,
        rng: RngLike = 0, dtype: DTypeLike = np.float64,
    ) -> None:  # fmt: skip
        sizes = (width, hidden, blocks)
        if any(isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1 for n in sizes):
            raise ValueError(f"width, hidden and blocks must be positive ints, got {sizes!r}")
        if depth_scaled and zero_init_last:
            raise ValueError(
                "depth_scaled and zero_init_last exclude each other (W2 = 0 either way)"
            )
        self.width, self.dtype = int(width), float_dtype(dtype)
        act = get_activation(activation)
        gen = as_generator(rng)
        self.branch_scale = 1.0 / math.sqrt(blocks) if depth_scaled else 1.0
        self.blocks: list[ResidualBlock] = []
        for _ in range(blocks):
            w1 = np.asarray(hidden_init((hidden, width), gen, self.dtype))
            w2 = np.asarray(output_init((width, hidden), gen, self.dtype)) * self.branch_scale
            if zero_init_last:
                w2 = np.zeros_like(w2)
            self.blocks.append(ResidualBlock(
                np.ones(width, self.dtype), np.zeros(width, self.dtype), w1,
                np.zeros(hidden, self.dtype), w2, np.zeros(width, self.dtype), act, eps,
            ))  # fmt: skip

    def forward(self, x: ArrayLike) -> StackForward:
        """Run the stack on a batch of rows of shape (batch, width)."""
        h = np.asarray(x, dtype=self.dtype)
        if h.ndim != 2 or h.shape[1] != self.width or h.shape[0] == 0:
            raise ValueError(f"x must have shape (batch, {self.width}), got {np.shape(x)}")
        if not np.all(np.isfinite(h)):
            raise ValueError("x must be finite (found NaN or inf)")
        passes = []
        for block in self.blocks:
            passes.append(block.forward(h))
            h = passes[-1].output
        return StackForward(passes)

    def gradients(self, fw: StackForward, d_out: ArrayLike) -> list[BlockGradients]:
        """Exact backpropagation of dL/d(output) through every block (first block first); the
        first block's ``inputs`` gradient is dL/dx_0."""
        g = np.asarray(d_out, dtype=self.dtype)
        if g.shape != fw.output.shape:
            raise ValueError(f"d_out must have the output's shape {fw.output.shape}, got {g.shape}")
        grads: list[BlockGradients] = []
        for block, passed in zip(reversed(self.blocks), reversed(fw.blocks), strict=True):
            grads.insert(0, block.backward(passed, g))
            g = grads[0].inputs
        return grads
