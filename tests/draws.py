"""The generator's draws as winit makes them, recomputed for exact comparisons in the tests."""

from __future__ import annotations

import math

import numpy as np

from winit.rng import BLOCK, Normal


def standard_float32(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """N(0, 1) float32 draws of ``shape`` from ``rng`` as winit makes them, block by block."""
    flat = np.empty(math.prod(shape), np.float32)
    normal = Normal(rng, np.dtype(np.float32), flat.size)
    for start in range(0, flat.size, BLOCK):
        normal.fill(flat[start : start + BLOCK])
    return flat.reshape(shape)


def preset_law(kind: str, shape: tuple[int, ...], seed: int, scale: float) -> np.ndarray:
    """What a fan-based preset returns in float64 for ``seed``: the generator's standard draws
    times ``scale`` (``kind="normal"``, scale the std), or its U[0, 1) draws mapped onto
    ±``scale`` (``kind="uniform"``, scale the bound)."""
    rng = np.random.default_rng(seed)
    if kind == "normal":
        return rng.standard_normal(shape) * scale
    return rng.random(shape) * 2 * scale - scale
