"""The distribution a law prescribes for the weights of one shape (its *target*): a constant, a
uniform, a (possibly truncated) normal, each with its moments, CDF and support, in numpy and
``math`` alone, or a Haar orthogonal matrix (:class:`Orthogonal` only carries its parameters).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from winit.stats import norm_cdf, norm_cdf_array, norm_pdf
from winit.verify.layouts import LAYOUTS, Axes

Floats = NDArray[np.float64]


def _fmt(x: float) -> str:
    return f"{x:.6g}"


@dataclass(frozen=True)
class Constant:
    """Every element equals ``value``."""

    value: float

    def describe(self) -> str:
        return f"every element = {_fmt(self.value)}"


@dataclass(frozen=True)
class Uniform:
    """U[low, high]."""

    low: float
    high: float

    @property
    def mean(self) -> float:
        return 0.5 * (self.low + self.high)

    @property
    def var(self) -> float:
        return (self.high - self.low) ** 2 / 12.0

    @property
    def kurtosis(self) -> float:
        return 1.8

    @property
    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def cdf(self, x: Floats) -> Floats:
        return np.clip((x - self.low) / (self.high - self.low), 0.0, 1.0)

    def describe(self) -> str:
        return f"U[{_fmt(self.low)}, {_fmt(self.high)}]"


@dataclass(frozen=True)
class TruncatedNormal:
    """N(loc, scale²) conditioned on ``low ≤ x ≤ high`` (absolute bounds; ±∞ = untruncated).

    ``loc`` and ``scale`` are those of the parent normal; :attr:`mean` and :attr:`var` are the
    moments after truncation, from the standardized raw moments m_k = E[Z^k | α ≤ Z ≤ β], which
    obey m_k = (k−1)·m_(k−2) + (α^(k−1)φ(α) − β^(k−1)φ(β)) / (Φ(β) − Φ(α)).
    """

    loc: float
    scale: float
    low: float = -math.inf
    high: float = math.inf

    @property
    def _ab(self) -> tuple[float, float]:
        return (self.low - self.loc) / self.scale, (self.high - self.loc) / self.scale

    @property
    def truncated(self) -> bool:
        return math.isfinite(self.low) or math.isfinite(self.high)

    def _raw_moments(self) -> tuple[float, float, float, float]:
        a, b = self._ab
        mass = norm_cdf(b) - norm_cdf(a)

        def edge(k: int) -> float:
            ta = 0.0 if math.isinf(a) else a ** (k - 1) * norm_pdf(a)
            tb = 0.0 if math.isinf(b) else b ** (k - 1) * norm_pdf(b)
            return (ta - tb) / mass

        m = [1.0, edge(1)]
        for k in range(2, 5):
            m.append((k - 1) * m[k - 2] + edge(k))
        return m[1], m[2], m[3], m[4]

    @property
    def mean(self) -> float:
        return self.loc + self.scale * self._raw_moments()[0]

    @property
    def var(self) -> float:
        m1, m2, _, _ = self._raw_moments()
        return self.scale**2 * (m2 - m1 * m1)

    @property
    def kurtosis(self) -> float:
        """E[(x − mean)⁴] / var²: 3 untruncated, 2.366 at ±2σ."""
        m1, m2, m3, m4 = self._raw_moments()
        central4 = m4 - 4 * m1 * m3 + 6 * m1 * m1 * m2 - 3 * m1**4
        return central4 / (m2 - m1 * m1) ** 2

    @property
    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def cdf(self, x: Floats) -> Floats:
        a, b = self._ab
        lo = norm_cdf(a)
        return np.clip(
            (norm_cdf_array((x - self.loc) / self.scale) - lo) / (norm_cdf(b) - lo), 0.0, 1.0
        )

    def describe(self) -> str:
        text = f"N({_fmt(self.loc)}, {_fmt(self.scale)}²)"
        if not self.truncated:
            return text
        return (
            f"{text} truncated to [{_fmt(self.low)}, {_fmt(self.high)}] (std {_fmt(self.var**0.5)})"
        )


def normal_like(mean: float, var: float) -> TruncatedNormal:
    """The untruncated normal with the given mean and variance."""
    return TruncatedNormal(mean, math.sqrt(var))


@dataclass(frozen=True)
class Orthogonal:
    """``gain`` × a Haar-random (semi-)orthogonal ``rows × cols`` matrix: the shape with its
    output axes as rows, the others flattened (``axes``, see :meth:`Axes.matrix`)."""

    gain: float
    rows: int
    cols: int
    axes: Axes = LAYOUTS["torch"]

    @property
    def square(self) -> bool:
        return self.rows == self.cols

    def describe(self) -> str:
        gram = "WᵀW" if self.rows >= self.cols else "WWᵀ"
        return f"Haar orthogonal {self.rows}x{self.cols}, {gram} = {_fmt(self.gain)}²·I"


ElementDistribution = Uniform | TruncatedNormal
Target = Constant | ElementDistribution | Orthogonal
