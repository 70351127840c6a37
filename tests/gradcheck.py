"""Central differences of a scalar function of arrays, to check the core's backward passes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: Step of the central differences (float64): truncation and rounding errors both ≈ 1e-10.
STEP = 1e-6
#: The relative error a correct backward pass stays below.
TOLERANCE = 1e-6


def numeric_gradient(loss: Callable[[], float], param: np.ndarray) -> np.ndarray:
    """dloss/dparam by central differences, perturbing ``param`` in place (and restoring it)."""
    out = np.empty_like(param)
    for i in np.ndindex(param.shape):
        old = param[i]
        param[i] = old + STEP
        up = loss()
        param[i] = old - STEP
        down = loss()
        param[i] = old
        out[i] = (up - down) / (2 * STEP)
    return out


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """‖a − n‖ / (‖a‖ + ‖n‖), 0 when both vanish."""
    scale = float(np.linalg.norm(analytic) + np.linalg.norm(numeric))
    return float(np.linalg.norm(analytic - numeric)) / scale if scale else 0.0


def assert_gradient(loss: Callable[[], float], param: np.ndarray, analytic: np.ndarray) -> None:
    """The backward pass's ``analytic`` gradient matches central differences of ``loss``."""
    err = relative_error(analytic, numeric_gradient(loss, param))
    assert err < TOLERANCE, f"relative error {err:.3g} between backprop and central differences"
