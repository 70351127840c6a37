"""Chernoff intervals: one mechanism for any law whose moment generating function is known
exactly, and the weighted chi-square law as its simplest use.

For a statistic X with M(t) = E[e^{tX}], P(X ≥ a) ≤ e^{−ta}·M(t) for every t > 0 and
P(X ≤ a) ≤ e^{−ta}·M(t) for every t < 0. Tabulating ln M on a grid of t (:class:`LogMgf`) gives
an interval holding X with probability ≥ 1 − (both tails) for every law — no normal
approximation of a skewed law — and, for an alternative law's M, a lower bound on the power.
The ReLU laws of :mod:`winit.stats.relu` are uses of the same mechanism.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from winit.stats.check import Check


@dataclass(frozen=True)
class LogMgf:
    """ln E[e^{tX}] of a law X on a grid ``t`` of both signs (+inf where a moment does not
    exist)."""

    t: NDArray[np.float64]
    values: NDArray[np.float64]

    def interval(self, tail: float) -> tuple[float, float]:
        """The Chernoff interval [low, high] with P(X > high) ≤ ``tail`` and P(X < low) ≤
        ``tail``: the tightest edge e^{−ta}·M(t) = tail over the grid, each side."""
        up = self.t > 0
        with np.errstate(invalid="ignore"):
            bound = (self.values - math.log(tail)) / self.t
        high = float(np.min(bound[up]))
        low = float(np.max(np.where(np.isfinite(self.values[~up]), bound[~up], -np.inf)))
        return low, high

    def tail_bound(self, edge: float, *, upper: bool) -> float:
        """The Chernoff bound on P(X ≥ ``edge``) (``upper``) or P(X ≤ ``edge``)."""
        side = self.t > 0 if upper else self.t < 0
        return float(np.exp(np.min(self.values[side] - self.t[side] * edge)))

    def miss_power(self, edge: float, *, upper: bool, excluded: float = 0.0) -> float:
        """A lower bound on the power of an interval against this (alternative) law: it stays
        inside only when X is beyond the interval's near ``edge`` (above it for ``upper``), so
        P(reject) ≥ 1 − that tail's Chernoff bound − the ``excluded`` mass the bound left out."""
        return max(0.0, 1.0 - min(1.0, self.tail_bound(edge, upper=upper)) - excluded)


def _weighted_chi2_values(
    weights: NDArray[np.float64], t: NDArray[np.float64]
) -> NDArray[np.float64]:
    """ln E[exp(t·S)], S = Σ c_j g_j² (g_j i.i.d. N(0, 1)), for t < 1/(2·max c)."""
    out: NDArray[np.float64] = -0.5 * np.sum(np.log1p(-2.0 * t[:, None] * weights[None, :]), axis=1)
    return out


def weighted_chi2_mgf(weights: ArrayLike) -> LogMgf:
    """The exact ln M of S = Σ c_j g_j² (known c_j, the positive ones kept), Π (1 − 2t·c_j)^(−1/2),
    on a grid up to t = 1/(2·max c) above and down to −1e3/(2·mean c) below."""
    c = np.asarray(weights, dtype=np.float64).ravel()
    c = c[c > 0.0]
    down = -np.geomspace(1e-6, 1e3, 400) / (2.0 * float(np.mean(c)))
    up = (1.0 - np.geomspace(1e-9, 1.0 - 1e-6, 400)) / (2.0 * float(np.max(c)))
    values = np.concatenate([_weighted_chi2_values(c, down), _weighted_chi2_values(c, up)])
    return LogMgf(np.concatenate([down, up]), values)


def weighted_chi2_interval(weights: ArrayLike, alpha: float) -> tuple[float, float]:
    """An interval that holds S = Σ c_j g_j² (known c_j ≥ 0, g_j i.i.d. N(0, 1)) with
    probability ≥ 1 − alpha: Chernoff bounds of alpha/2 on each tail from the exact moment
    generating function — e.g. a back-propagated delta's squared norm,
    |(Wᵀδ) ⊙ f'(z)|² = Var(w)·|δ|²·Σ f'(z_j)² g_j², given the layer's pre-activations."""
    if not np.any(np.asarray(weights, dtype=np.float64) > 0.0):
        return 0.0, 0.0
    low, high = weighted_chi2_mgf(weights).interval(alpha / 2.0)
    return max(0.0, low), high


def weighted_chi2_power(weights: ArrayLike, alpha: float, ratio: float) -> float:
    """A lower bound on the power of :func:`weighted_chi2_interval` when the statistic is really
    ``ratio`` × S (a variance ``ratio`` × off): ratio·S is inside only if S ≤ high/ratio
    (ratio > 1) or S ≥ low/ratio (ratio < 1)."""
    low, high = weighted_chi2_interval(weights, alpha)
    edge = high / ratio if ratio > 1.0 else low / ratio
    return weighted_chi2_mgf(weights).miss_power(edge, upper=ratio <= 1.0)


def weighted_chi2_check(
    name: str, measured: float, weights: ArrayLike, alpha: float, *, ratio: float, against: str
) -> Check:
    """Is ``measured`` a draw of S = Σ c_j g_j² (:func:`weighted_chi2_interval`)? Power is the
    smaller of those against S scaled by ``ratio`` and by 1/``ratio``."""
    c = np.asarray(weights, dtype=np.float64).ravel()
    low, high = weighted_chi2_interval(c, alpha)
    return Check(
        name=name,
        test="Chernoff interval of the exact weighted chi-square law",
        measured=measured,
        expected=float(np.sum(c)),
        low=low,
        high=high,
        alpha=alpha,
        power=min(weighted_chi2_power(c, alpha, r) for r in (ratio, 1.0 / ratio)),
        against=against,
        n=c.size,
    )
