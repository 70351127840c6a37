"""The law a tensor's values look like, read from the values alone: the family (constant,
orthogonal, normal, truncated normal with its cut in σ units, uniform: the candidate nearest in
KS distance at the sample's mean and std) and the scale as the nearest named preset given the
tensor's fans.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from winit import stats
from winit.audit.adapter import TruncatedNormal, Uniform

Floats = NDArray[np.float64]
#: a std within this relative distance of a preset is called that preset
PRESET_MATCH = 0.05
#: a normal cut beyond this many σ is indistinguishable from an untruncated one
VACUOUS_CUT = 6.0
#: Gram matrix error (relative) under which a matrix reads as orthogonal
ORTHO_MATCH = 1e-4
#: vectors whose norms are compared before all of them are read
PROBE = 16


def presets(fan_in: int | None, fan_out: int | None) -> list[tuple[str, float]]:
    """Named stds: transformers' 0.02, and the fan-scaled laws where the tensor has fans."""
    out = [("0.02 (transformers' initializer_range)", 0.02), ("1", 1.0)]
    if fan_in and fan_out:
        out += [
            ("U(±1/√fan_in): torch's default", 1.0 / math.sqrt(3.0 * fan_in)),
            ("He, fan_in: √(2/fan_in)", math.sqrt(2.0 / fan_in)),
            ("He, fan_out: √(2/fan_out)", math.sqrt(2.0 / fan_out)),
            ("Glorot: √(2/(fan_in+fan_out))", math.sqrt(2.0 / (fan_in + fan_out))),
            ("LeCun: √(1/fan_in)", math.sqrt(1.0 / fan_in)),
        ]
    return out


def nearest_preset(std: float, fan_in: int | None, fan_out: int | None) -> str:
    """``"≈ He, fan_in: √(2/fan_in)"`` within 5 %, else the nearest with its ratio."""
    name, value = min(presets(fan_in, fan_out), key=lambda p: abs(math.log(std / p[1])))
    ratio = std / value
    if abs(ratio - 1.0) <= PRESET_MATCH:
        return f"≈ {name}"
    return f"nearest preset {name} × {ratio:.3g}"


def _truncated_std(cut: float) -> float:
    return float(TruncatedNormal(0.0, 1.0, -cut, cut).var ** 0.5)


def cut_from_extreme(r: float) -> float:
    """The symmetric cut c (parent σ) whose standardised bound c/std(c) equals ``r``."""
    lo, hi = 0.05, 40.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if mid / _truncated_std(mid) < r else (lo, mid)
    return hi


def family(z: Floats) -> tuple[str, float]:
    """The family of standardised values ``z`` (KS-nearest candidate) and, for a truncated
    normal, its cut in parent σ (else 0)."""
    r = float(np.max(np.abs(z)))
    cut = cut_from_extreme(r)
    # a cut is considered only where a normal's n draws would almost surely (1 − 1e-3) have gone
    # beyond the largest value seen, and where it is a cut at all (a normal cut inside ±1σ is
    # nearly flat: the uniform candidate covers it)
    evident = z.size * 2.0 * stats.norm_cdf(-r) > math.log(1e3)
    cdfs: dict[str, tuple[Callable[[Floats], Floats], float]] = {
        "normal": (TruncatedNormal(0.0, 1.0).cdf, 0.0),
        "uniform": (Uniform(-math.sqrt(3.0), math.sqrt(3.0)).cdf, 0.0),
    }
    if evident and 1.0 <= cut < VACUOUS_CUT:
        s = _truncated_std(cut)
        cdfs["truncated normal"] = (TruncatedNormal(0.0, 1.0 / s, -cut / s, cut / s).cdf, cut)
    best = min(cdfs, key=lambda k: stats.ks_statistic(z, cdfs[k][0]))
    return best, cdfs[best][1]


def _orthogonal_gain(m: NDArray[np.floating[Any]]) -> float | None:
    """The gain g if ``m``'s shorter side is g × orthonormal vectors, else ``None``. The norms of
    the first :data:`PROBE` vectors, then of all, are compared first (a random matrix fails on
    the first few, a non-finite value on any), so the Gram matrix is formed only for a likely
    candidate."""
    vectors = m.T if m.shape[0] >= m.shape[1] else m  # one vector per row
    for some in (vectors[:PROBE], vectors):
        v = some.astype(np.float64)
        norms = np.einsum("ij,ij->i", v, v)
        g2 = float(np.mean(norms))
        if not (g2 > 0 and float(np.max(np.abs(norms / g2 - 1.0))) < ORTHO_MATCH):
            return None
    gram = v @ v.T / g2
    if not float(np.max(np.abs(gram - np.eye(gram.shape[0])))) < ORTHO_MATCH:
        return None
    return math.sqrt(g2)


def identify(
    values: Floats, matrix: NDArray[np.floating[Any]] | None, fans: tuple[int, int] | None
) -> str:
    """One line naming the law ``values`` look like (``matrix``: the tensor as out × rest, for
    the orthogonal test)."""
    x = values[np.isfinite(values)]
    if x.size == 0:
        return "no finite value"
    if np.all(x == x[0]):
        return f"constant {x[0]:g}"
    if matrix is not None and min(matrix.shape) > 1:
        gain = _orthogonal_gain(matrix)
        if gain is not None:
            return f"orthogonal, gain {gain:.4g}"
    mean, std = float(np.mean(x)), float(np.std(x))
    if x.size < 2 or std == 0.0:
        return f"mean {mean:.4g}"
    kind, cut = family((x - mean) / std)
    cut_text = f" cut at ±{cut:.2f}σ" if cut else ""
    scale = nearest_preset(std, *(fans or (None, None)))
    return f"{kind}{cut_text}, mean {mean:.3g}, std {std:.4g} ({scale})"
