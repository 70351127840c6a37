"""Scaled dot-product attention, single- and multi-head, with exact backward passes.

:func:`attention` computes softmax(q·kᵀ·scale)·v over the last two axes of any batch of query,
key and value rows, scale = 1/√d_k (Vaswani et al. 2017, eq. 1) or 1 (``scaled=False``);
:func:`attention_backward` is its backward pass. :class:`MultiHeadAttention` projects its inputs
with four weight matrices in PyTorch's ``(out, in)`` layout, splits the projections into heads,
attends in each and projects the concatenation back.

>>> import numpy as np
>>> q = np.array([[[1.0, 0.0]]]); k = np.array([[[1.0, 0.0], [0.0, 1.0]]])
>>> np.round(attention(q, k, k).weights, 4).tolist()
[[[0.6698, 0.3302]]]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from winit._validate import float_dtype
from winit.initializers import Initializer, glorot_uniform
from winit.rng import RngLike, as_generator

Array = NDArray[np.floating]


def softmax(s: Array) -> Array:
    """Softmax over the last axis, shifted by the row maximum (no overflow for any scores)."""
    e = np.exp(s - np.max(s, axis=-1, keepdims=True))
    out: Array = e / np.sum(e, axis=-1, keepdims=True)
    return out


def softmax_backward(p: Array, d_p: Array) -> Array:
    """dL/ds from dL/dp for p = softmax(s): p·(d_p − Σ p·d_p), i.e. (diag(p) − ppᵀ)·d_p."""
    out: Array = p * (d_p - np.sum(p * d_p, axis=-1, keepdims=True))
    return out


def softmax_jacobian(p: Array) -> Array:
    """The Jacobian ∂p/∂s = diag(p) − ppᵀ of each softmax row (shape ``(..., n, n)``)."""
    out: Array = (
        np.einsum("...i,ij->...ij", p, np.eye(p.shape[-1])) - p[..., :, None] * p[..., None, :]
    )
    return out


@dataclass(frozen=True)
class Attention:
    """One attention pass: the inputs, the scale, the scores s = q·kᵀ·scale, the weights
    p = softmax(s) and the output p·v."""

    q: Array
    k: Array
    v: Array
    scale: float
    scores: Array
    weights: Array
    output: Array


def attention(q: ArrayLike, k: ArrayLike, v: ArrayLike, *, scaled: bool = True) -> Attention:
    """softmax(q·kᵀ/√d_k)·v (``scaled``) or softmax(q·kᵀ)·v, over the last two axes.

    Args:
        q: queries, shape ``(..., n_q, d_k)``.
        k: keys, shape ``(..., n_k, d_k)``.
        v: values, shape ``(..., n_k, d_v)``.
        scaled: divide the scores by √d_k (Vaswani et al.) or not.
    """
    qa, ka, va = (np.asarray(a) for a in (q, k, v))
    if min(qa.ndim, ka.ndim, va.ndim) < 2 or qa.shape[-1] != ka.shape[-1] or qa.shape[-1] == 0:
        raise ValueError(
            f"q and k must be (..., n, d_k) with the same d_k > 0, got {qa.shape} and {ka.shape}"
        )
    if va.shape[-2] != ka.shape[-2]:
        raise ValueError(f"v must have one row per key ({ka.shape[-2]}), got shape {va.shape}")
    d_k = qa.shape[-1]
    scale = 1.0 / math.sqrt(d_k) if scaled else 1.0
    scores = (qa @ np.swapaxes(ka, -1, -2)) * scale
    p = softmax(scores)
    return Attention(qa, ka, va, scale, scores, p, p @ va)


def attention_backward(fw: Attention, d_out: ArrayLike) -> tuple[Array, Array, Array]:
    """(dL/dq, dL/dk, dL/dv) of :func:`attention` given dL/d(output)."""
    g = np.asarray(d_out, dtype=fw.output.dtype)
    if g.shape != fw.output.shape:
        raise ValueError(f"d_out must have the output's shape {fw.output.shape}, got {g.shape}")
    d_v = np.swapaxes(fw.weights, -1, -2) @ g
    d_s = softmax_backward(fw.weights, g @ np.swapaxes(fw.v, -1, -2)) * fw.scale
    return d_s @ fw.k, np.swapaxes(d_s, -1, -2) @ fw.q, d_v


@dataclass(frozen=True)
class HeadsForward:
    """One multi-head pass: the inputs, the per-head projections (batch, heads, n, d_head), the
    attention inside the heads, their concatenation and the output projection."""

    x_q: Array
    x_kv: Array
    heads: Attention
    concat: Array
    output: Array


@dataclass(frozen=True)
class HeadsGradients:
    """Gradients of a multi-head pass: the four weight matrices and both inputs."""

    w_q: Array
    w_k: Array
    w_v: Array
    w_o: Array
    x_q: Array
    x_kv: Array


class MultiHeadAttention:
    """Multi-head attention without biases: heads of width ``d_model // heads``; queries from
    ``x_q``, keys and values from ``x_kv`` (``x_q`` itself for self-attention). Weights come from
    ``weight_init`` called with ``(shape, generator, dtype)`` in the order q, k, v, o."""

    def __init__(
        self, d_model: int, heads: int, *, scaled: bool = True,
        weight_init: Initializer = glorot_uniform, rng: RngLike = 0, dtype: DTypeLike = np.float64,
    ) -> None:  # fmt: skip
        ok = all(not isinstance(n, bool) and isinstance(n, int | np.integer) and n > 0
                 for n in (d_model, heads))  # fmt: skip
        if not ok or d_model % heads:
            raise ValueError(
                f"d_model and heads must be positive ints, heads dividing d_model; got "
                f"{d_model!r}, {heads!r}"
            )
        self.d_model, self.heads, self.scaled = int(d_model), int(heads), scaled
        self.dtype = float_dtype(dtype)
        gen = as_generator(rng)
        shape = (self.d_model, self.d_model)
        self.w_q, self.w_k, self.w_v, self.w_o = (
            np.asarray(weight_init(shape, gen, self.dtype)) for _ in range(4)
        )

    def _split(self, x: Array) -> Array:
        """(batch, n, d_model) → (batch, heads, n, d_head)."""
        b, n, _ = x.shape
        return x.reshape(b, n, self.heads, -1).transpose(0, 2, 1, 3)

    def _merge(self, x: Array) -> Array:
        """(batch, heads, n, d_head) → (batch, n, d_model)."""
        b, _, n, _ = x.shape
        return x.transpose(0, 2, 1, 3).reshape(b, n, self.d_model)

    def _input(self, x: ArrayLike, what: str) -> Array:
        a = np.asarray(x, dtype=self.dtype)
        if a.ndim != 3 or a.shape[-1] != self.d_model or 0 in a.shape:
            raise ValueError(f"{what} must have shape (batch, n, {self.d_model}), got {a.shape}")
        return a

    def forward(self, x_q: ArrayLike, x_kv: ArrayLike | None = None) -> HeadsForward:
        """Attend from the rows of ``x_q`` to those of ``x_kv`` (default ``x_q``)."""
        xq = self._input(x_q, "x_q")
        xkv = xq if x_kv is None else self._input(x_kv, "x_kv")
        if xkv.shape[0] != xq.shape[0]:
            raise ValueError(f"x_q and x_kv must have the same batch, got {xq.shape}, {xkv.shape}")
        heads = attention(self._split(xq @ self.w_q.T), self._split(xkv @ self.w_k.T),
                          self._split(xkv @ self.w_v.T), scaled=self.scaled)  # fmt: skip
        concat = self._merge(heads.output)
        return HeadsForward(xq, xkv, heads, concat, concat @ self.w_o.T)

    def gradients(self, fw: HeadsForward, d_out: ArrayLike) -> HeadsGradients:
        """Exact backward pass of :meth:`forward` given dL/d(output). For self-attention the
        gradient of the one input is ``x_q + x_kv``."""
        g = np.asarray(d_out, dtype=self.dtype)
        if g.shape != fw.output.shape:
            raise ValueError(f"d_out must have the output's shape {fw.output.shape}, got {g.shape}")
        d_q, d_k, d_v = (
            self._merge(d) for d in attention_backward(fw.heads, self._split(g @ self.w_o))
        )

        def outer(d: Array, x: Array) -> Array:  # Σ over batch and rows of dᵀx
            out: Array = np.einsum("bni,bnj->ij", d, x)
            return out

        return HeadsGradients(
            outer(d_q, fw.x_q), outer(d_k, fw.x_kv), outer(d_v, fw.x_kv), outer(g, fw.concat),
            d_q @ self.w_q, d_k @ self.w_k + d_v @ self.w_v,
        )  # fmt: skip
