"""Pooled i.i.d. draws of an initializer, and the KS sample size for a stated power."""

from __future__ import annotations

import numpy as np

from properties.spread import ks_power_lower_bound
from winit.initializers import Initializer


def draw_many(
    init: Initializer, shape: tuple[int, ...], rng: np.random.Generator, n: int
) -> np.ndarray:
    """At least ``n`` float64 draws of ``init`` at ``shape``, pooled from repeated calls with one
    generator (every call draws i.i.d. elements, so the pool is an i.i.d. sample)."""
    calls = -(-n // int(np.prod(shape)))
    return np.concatenate([init(shape, rng, np.float64).ravel() for _ in range(calls)])


def ks_sample_size(alpha: float, power: float, distance: float) -> int:
    """The smallest power of two whose KS test at ``alpha`` has at least ``power`` against a law
    ``distance`` away (DKW lower bound, :func:`properties.spread.ks_power_lower_bound`)."""
    n = 64
    while ks_power_lower_bound(n, alpha, distance) < power:
        n *= 2
    return n
