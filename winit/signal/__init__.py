"""The signal through a model at init, forward and backward, checked against stated
expectations with a false-alarm rate: the article's claim (variance kept through depth) asked
of the user's own model.

:func:`measure` records per layer and per block the RMS of the activation and of the gradient
over several seeds and checks norm gains, growth through depth and finiteness; :func:`widths`
checks each layer's RMS flat in width (the mup coordinate check at step 0); the bands are
judgements, stated in :mod:`winit.signal.bands` and on every output. A model the signal cannot
take is refused in one line (:class:`UnmeasurableError`).
"""

import importlib
from typing import TYPE_CHECKING, Any

from winit.signal.bands import BOUNDED_BAND, NORM_BAND, SLOPE_BAND, WIDTH_BAND, Band, band_check
from winit.signal.checking import SEEDS
from winit.signal.inputs import UnmeasurableError
from winit.signal.measuring import measure
from winit.signal.result import Finding, Layer, Signal

if TYPE_CHECKING:
    from winit.signal.width_sweep import widths

#: the names that need torch, imported on first use (``import winit.signal`` does not need it)
_TORCH = {"widths": "winit.signal.width_sweep"}


def __getattr__(name: str) -> Any:
    if name in _TORCH:
        value = getattr(importlib.import_module(_TORCH[name]), name)
        globals()[name] = value  # later reads find it here, without this hook
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BOUNDED_BAND",
    "NORM_BAND",
    "SEEDS",
    "SLOPE_BAND",
    "WIDTH_BAND",
    "Band",
    "Finding",
    "Layer",
    "Signal",
    "UnmeasurableError",
    "band_check",
    "measure",
    "widths",
]  # fmt: skip
