"""Losses, each giving its value and its gradient with respect to the output pre-activation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from winit._validate import choice
from winit.activations import Activation

Array = NDArray[np.floating]


@dataclass(frozen=True)
class Loss:
    """``value_and_grad(z, y, t, out)`` → (mean loss, dL/dz) for outputs ``y = out(z)``."""

    name: str
    value_and_grad: Callable[[Array, Array, Array, Activation], tuple[float, Array]]


def _mse(z: Array, y: Array, t: Array, out: Activation) -> tuple[float, Array]:
    """Mean over all elements of (y − t)², as ``torch.nn.MSELoss()``."""
    r = y - t
    return float(np.mean(r * r)), (2.0 / r.size) * r * out.df(z)


def _bce(z: Array, y: Array, t: Array, out: Activation) -> tuple[float, Array]:
    """Binary cross-entropy of a sigmoid output, computed from the logit z (no log(0)),
    as ``torch.nn.BCEWithLogitsLoss()``: mean of softplus(z) − t·z; dL/dz = (σ(z) − t)/N."""
    if out.name != "sigmoid":
        raise ValueError(f"loss 'bce' needs a sigmoid output, got output {out.name!r}")
    return float(np.mean(np.logaddexp(0.0, z) - t * z)), (y - t) / y.size


mse = Loss("mse", _mse)
bce = Loss("bce", _bce)
LOSSES: dict[str, Loss] = {"mse": mse, "bce": bce}


def get_loss(loss: str | Loss) -> Loss:
    """The loss called ``loss`` (``mse`` or ``bce``), or the object itself."""
    if isinstance(loss, Loss):
        return loss
    return LOSSES[choice("loss", loss, tuple(LOSSES))]
