"""What one forward and backward pass recorded, whatever the framework: every framework's
recorder (:mod:`winit.signal.torch_signal` and the others) hands its tensors to a :class:`Pass`
as numpy arrays, and the statistics of a pass are computed here, once.

Layers are a model's leaf modules. Blocks are its repeated units (a transformer's blocks, even a
stack of one: :func:`~winit.signal.checking.blocks_among`) or, without any, the layers with a
weight matrix in call order. A block's *stream* is its input and output; its *branch* is
output − input, measured where the two have one shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: The type names of the normalisation layers the norm check covers (a model's own ``...Norm``
#: class, e.g. transformers' ``LlamaRMSNorm``, Keras' ``LayerNormalization``, Flax's
#: ``RMSNorm``), besides each framework's own norm classes.
NORM_SUFFIXES = ("Norm", "Norm1d", "Norm2d", "Norm3d", "Normalization")


def is_norm_name(type_name: str) -> bool:
    """Whether a layer's class name names a normalisation layer.

    >>> is_norm_name("LlamaRMSNorm"), is_norm_name("LayerNormalization"), is_norm_name("Dense")
    (True, True, False)
    """
    return type_name.endswith(NORM_SUFFIXES)


def rms(x: ArrayLike) -> float:
    """The root mean square of an array, in float64.

    >>> rms([3.0, -4.0]) == (12.5) ** 0.5
    True
    """
    with np.errstate(all="ignore"):  # a non-finite input gives a non-finite RMS, checked apart
        return float(np.sqrt(np.mean(np.square(np.asarray(x, dtype=np.float64)))))


def _f64(x: ArrayLike) -> NDArray[np.float64]:
    return np.asarray(x, dtype=np.float64)


@dataclass
class Pass:
    """What one forward and backward pass recorded (the first call of each layer or block).

    Attributes:
        forward: layer name → RMS of its output.
        backward: layer name → RMS of the gradient of its output.
        dead: ReLU layer name → fraction of its units (last axis) at zero for every example.
        stream_in, stream_out: block name → RMS of its input / output.
        branch: block name → RMS of output − input (blocks whose shapes match).
        coupling: block name → regression coefficient of output on input (≈ 1 on a residual
            stream, ≈ 0 through a random layer).
        grad_out: block name → RMS of the gradient of its output.
        nonfinite: ``"name (forward)"`` or ``"name (backward)"`` for each layer or block with a
            non-finite activation or gradient, in the order met (the forward call order first).
    """

    forward: dict[str, float] = field(default_factory=dict)
    backward: dict[str, float] = field(default_factory=dict)
    dead: dict[str, float] = field(default_factory=dict)
    stream_in: dict[str, float] = field(default_factory=dict)
    stream_out: dict[str, float] = field(default_factory=dict)
    branch: dict[str, float] = field(default_factory=dict)
    coupling: dict[str, float] = field(default_factory=dict)
    grad_out: dict[str, float] = field(default_factory=dict)
    nonfinite: dict[str, None] = field(default_factory=dict)

    def _finite(self, name: str, x: NDArray[Any], direction: str) -> None:
        if not bool(np.isfinite(x).all()):
            self.nonfinite[f"{name} ({direction})"] = None

    def layer(self, name: str, out: ArrayLike, *, relu: bool = False) -> None:
        """A layer's output (its first call only); ``relu``: count its dead units."""
        if name in self.forward:
            return
        x = _f64(out)
        self.forward[name] = rms(x)
        self._finite(name, x, "forward")
        if relu and x.ndim:
            units = x.reshape(-1, x.shape[-1])
            self.dead[name] = float(np.mean(np.all(units <= 0, axis=0)))

    def block(self, name: str, inp: ArrayLike, out: ArrayLike) -> None:
        """A block's input and output (its first call only)."""
        if name in self.stream_out:
            return
        x, y = _f64(inp), _f64(out)
        self.stream_in[name], self.stream_out[name] = rms(x), rms(y)
        self._finite(name, y, "forward")
        if x.shape == y.shape:
            with np.errstate(all="ignore"):  # non-finite: failed by the finiteness check
                self.branch[name] = rms(y - x)
                self.coupling[name] = float((x * y).sum() / max(float((x * x).sum()), 1e-300))

    def gradient(self, name: str, grad: ArrayLike, *, block: bool = False) -> None:
        """The gradient reaching a layer's (or, with ``block``, a block's) output."""
        store = self.grad_out if block else self.backward
        if name in store:
            return
        g = _f64(grad)
        store[name] = rms(g)
        self._finite(name, g, "backward")

    def output(self, out: ArrayLike) -> None:
        """The model's output, checked finite."""
        self._finite("output", _f64(out), "forward")
