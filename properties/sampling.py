"""Pooled i.i.d. draws of an initializer, a law checked by ``winit verify``'s own machinery,
and the draws' density for the report."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from winit.claims import Evidence, Plan
from winit.initializers import Initializer
from winit.verify import verify


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


def check_with_verify(
    evidence: Evidence, plan: Plan, label: str, init: Initializer, law: str,
    shape: tuple[int, ...], seed: int,
) -> None:  # fmt: skip
    """Check ``init`` against ``law`` at ``shape`` exactly as ``winit verify`` does, recording
    every row of its result: the exact ones as they are, the statistical ones under ``plan``
    (``per_example`` = the statistical checks verify runs for one shape of the law, so handing
    verify the plan's alpha per example gives each check the plan's alpha)."""
    result = verify(init, law, shapes=[shape], seed=seed, alpha=plan.example_alpha, name=label)
    for row in result.rows:
        check = replace(row.check, name=f"{label}: {row.check.name}")
        evidence.check(check, plan if check.alpha > 0 else None)
