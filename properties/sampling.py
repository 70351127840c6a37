"""Pooled i.i.d. draws of an initializer and the draws' density for the report."""

from __future__ import annotations

import numpy as np

from winit.claims import Evidence
from winit.initializers import Initializer


def draw_many(
    init: Initializer, shape: tuple[int, ...], rng: np.random.Generator, n: int
) -> np.ndarray:
    """At least ``n`` float64 draws of ``init`` at ``shape``, pooled from repeated calls with one
    generator (every call draws i.i.d. elements, so the pool is an i.i.d. sample)."""
    calls = -(-n // int(np.prod(shape)))
    return np.concatenate([init(shape, rng, np.float64).ravel() for _ in range(calls)])


def add_density(
    evidence: Evidence, name: str, draws: np.ndarray, edges: np.ndarray, *, group: str, xlabel: str
) -> None:
    """The draws' histogram as a density (one point per bin centre) on the report panel
    ``group``, where the law's density curves go beside it."""
    density, _ = np.histogram(draws, bins=edges, density=True)
    centres = (edges[:-1] + edges[1:]) / 2.0
    evidence.add_series(name, centres, density, xlabel=xlabel, ylabel="density", group=group)
