"""Normalization layers with their exact backward passes: LayerNorm, RMSNorm and batch norm.

One mechanism, :func:`normalize`, computes every one of them: it divides ``x`` by the square root
of its mean square plus ``eps`` along some axes, after subtracting its mean there (``center``),
then scales by ``gamma`` and shifts by ``beta``. The variance is the biased one (divided by the
count, not the count − 1), as PyTorch, JAX/Flax and Keras compute it. The presets differ only
in their axes and centring:

- :func:`layer_norm`: the last axis (the features of one row), centred;
- :func:`rms_norm`: the last axis, not centred (no ``beta``);
- :class:`BatchNorm` in training mode: every axis but the last (the batch), centred; it also
  keeps the running statistics that evaluation mode uses (updated with the unbiased variance,
  as PyTorch does), but training mode never reads them.

:func:`normalize_backward` is the one backward pass of all of them.

>>> import numpy as np
>>> y = layer_norm(np.array([[1.0, 2.0, 3.0]]), np.ones(3), np.zeros(3), eps=0.0).output
>>> np.round(y, 4).tolist()
[[-1.2247, 0.0, 1.2247]]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from winit._validate import finite

Array = NDArray[np.floating]
#: PyTorch's and Flax's default epsilon of LayerNorm and BatchNorm.
DEFAULT_EPS = 1e-5


@dataclass(frozen=True)
class Normalized:
    """One forward pass of :func:`normalize`: ``x_hat`` = (x − mean)·inv_std (mean 0 when not
    centred), ``output`` = gamma·x_hat + beta, and what the backward pass needs (``fixed``:
    the statistics were given, so they are constants of the backward pass)."""

    x_hat: Array
    inv_std: Array
    gamma: Array
    output: Array
    axes: tuple[int, ...]
    center: bool
    fixed: bool


@dataclass(frozen=True)
class NormGradients:
    """Gradients of a normalization: dL/dx, dL/dgamma and dL/dbeta."""

    inputs: Array
    gamma: Array
    beta: Array


def moments(x: Array, axes: tuple[int, ...], center: bool) -> tuple[Array, Array]:
    """(mean, biased mean square about it) of ``x`` along ``axes``, kept as broadcastable
    dimensions; the mean is 0 when not ``center`` (RMSNorm's mean square)."""
    mean = np.mean(x, axis=axes, keepdims=True) if center else np.zeros((1,) * x.ndim, x.dtype)
    c = x - mean
    return mean, np.mean(c * c, axis=axes, keepdims=True)


def normalize(
    x: ArrayLike, gamma: ArrayLike, beta: ArrayLike | None, *, axes: tuple[int, ...],
    center: bool, eps: float = DEFAULT_EPS, stats: tuple[Array, Array] | None = None,
) -> Normalized:  # fmt: skip
    """(x − mean)/√(var + eps)·gamma + beta along ``axes``, with the statistics of ``x`` itself
    or the given ``stats`` = (mean, var) (batch norm's evaluation mode).

    Args:
        x: the input, features along the last axis.
        gamma: the scale, one per feature (shape ``(x.shape[-1],)``).
        beta: the shift, same shape, or ``None`` for none (RMSNorm).
        axes: the axes the statistics are taken over.
        center: subtract the mean (LayerNorm, BatchNorm) or not (RMSNorm).
        eps: added to the variance, ≥ 0.
        stats: (mean, variance) to use instead of the statistics of ``x``.
    """
    a = np.asarray(x)
    if a.ndim < 1 or a.size == 0 or not np.issubdtype(a.dtype, np.floating):
        raise ValueError(f"x must be a non-empty float array, got shape {a.shape} {a.dtype}")
    e = finite("eps", eps, nonnegative=True)
    g = _per_feature("gamma", gamma, a)
    mean, var = moments(a, axes, center) if stats is None else stats
    inv_std = 1.0 / np.sqrt(var + e)
    x_hat = (a - mean) * inv_std
    out = x_hat * g
    if beta is not None:
        out += _per_feature("beta", beta, a)
    return Normalized(x_hat, inv_std, g, out, axes, center, fixed=stats is not None)


def normalize_backward(fw: Normalized, d_out: ArrayLike) -> NormGradients:
    """Exact backward pass of :func:`normalize`: with the statistics of ``x``,
    dx = inv_std·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) along the axes, dx̂ = d_out·gamma (no
    mean term when not centred); with given (``fixed``) statistics dx = inv_std·dx̂;
    dgamma = Σ d_out·x̂ and dbeta = Σ d_out over all axes but the last."""
    dy = np.asarray(d_out, dtype=fw.x_hat.dtype)
    if dy.shape != fw.x_hat.shape:
        raise ValueError(f"d_out must have the output's shape {fw.x_hat.shape}, got {dy.shape}")
    dx_hat = dy * fw.gamma
    inner = dx_hat.copy()
    if not fw.fixed:
        inner -= fw.x_hat * np.mean(dx_hat * fw.x_hat, axis=fw.axes, keepdims=True)
    if fw.center and not fw.fixed:
        inner -= np.mean(dx_hat, axis=fw.axes, keepdims=True)
    rows = tuple(range(dy.ndim - 1))
    return NormGradients(
        inner * fw.inv_std, np.sum(dy * fw.x_hat, axis=rows), np.sum(dy, axis=rows)
    )


def layer_norm(
    x: ArrayLike, gamma: ArrayLike, beta: ArrayLike, eps: float = DEFAULT_EPS
) -> Normalized:
    """LayerNorm over the last axis (each row by its own mean and biased variance)."""
    return normalize(x, gamma, beta, axes=(-1,), center=True, eps=eps)


def rms_norm(x: ArrayLike, gamma: ArrayLike, eps: float = DEFAULT_EPS) -> Normalized:
    """RMSNorm over the last axis: x/√(mean(x²) + eps)·gamma, no centring and no shift."""
    return normalize(x, gamma, None, axes=(-1,), center=False, eps=eps)


@dataclass
class BatchNorm:
    """Batch norm over the features of the last axis: training mode normalizes by the batch's
    own statistics (every axis but the last) and updates the running ones; evaluation mode
    uses the running ones. ``gamma`` starts at 1 and ``beta`` at 0, the running mean at 0 and
    variance at 1, as in PyTorch."""

    features: int
    eps: float = DEFAULT_EPS
    momentum: float = 0.1
    gamma: Array = field(init=False)
    beta: Array = field(init=False)
    running_mean: Array = field(init=False)
    running_var: Array = field(init=False)

    def __post_init__(self) -> None:
        if isinstance(self.features, bool) or not isinstance(self.features, int | np.integer):
            raise ValueError(f"features must be a positive int, got {self.features!r}")
        if self.features < 1:
            raise ValueError(f"features must be a positive int, got {self.features!r}")
        finite("eps", self.eps, nonnegative=True)
        if not 0.0 <= finite("momentum", self.momentum) <= 1.0:
            raise ValueError(f"momentum must be in [0, 1], got {self.momentum}")
        self.gamma = np.ones(self.features)
        self.beta = np.zeros(self.features)
        self.running_mean = np.zeros(self.features)
        self.running_var = np.ones(self.features)

    def forward(self, x: ArrayLike, training: bool = True) -> Normalized:
        """Normalize ``x`` (features last); in training mode by the batch statistics, updating
        the running ones with ``momentum`` (the variance unbiased, as PyTorch)."""
        a = np.asarray(x)
        axes = tuple(range(a.ndim - 1))
        if not training:
            stats = (self.running_mean.astype(a.dtype), self.running_var.astype(a.dtype))
            return normalize(a, self.gamma, self.beta, axes=axes, center=True, eps=self.eps,
                             stats=stats)  # fmt: skip
        count = a.size // a.shape[-1]
        if count < 2:
            raise ValueError(f"batch norm in training needs at least 2 rows, got shape {a.shape}")
        fw = normalize(a, self.gamma, self.beta, axes=axes, center=True, eps=self.eps)
        mean, var = moments(a, axes, center=True)
        m = self.momentum
        self.running_mean = (1 - m) * self.running_mean + m * mean.reshape(-1)
        self.running_var = (1 - m) * self.running_var + m * var.reshape(-1) * count / (count - 1)
        return fw


def _per_feature(name: str, value: ArrayLike, x: Array) -> Array:
    v = np.asarray(value, dtype=x.dtype)
    if v.shape != (x.shape[-1],):
        raise ValueError(
            f"{name} must have shape ({x.shape[-1]},) like x's last axis, got {v.shape}"
        )
    return v
