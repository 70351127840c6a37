"""Turning a seed into a ``numpy.random.Generator``: the only source of randomness in winit."""

from __future__ import annotations

import numpy as np

RngLike = np.random.Generator | int | np.integer


def as_generator(rng: RngLike) -> np.random.Generator:
    """Return ``rng`` if it is a Generator, else ``numpy.random.default_rng(rng)`` for an int seed.

    There is deliberately no ``None`` (fresh OS entropy): every random thing in winit reproduces.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise ValueError(
        f"rng must be a numpy.random.Generator or a non-negative int seed, got {rng!r}"
    )
