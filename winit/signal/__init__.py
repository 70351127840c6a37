"""The signal through a torch model at init, forward and backward, checked against stated
expectations with a false-alarm rate: the article's claim (variance kept through depth) asked
of the user's own model.

:func:`measure` records per layer and per block the RMS of the activation and of the gradient
over several seeds and checks norm gains, growth through depth and finiteness; :func:`widths`
checks each layer's RMS flat in width (the mup coordinate check at step 0); the bands are
judgements, stated in :mod:`winit.signal.bands` and on every output.
"""

from winit.signal.bands import BOUNDED_BAND, NORM_BAND, SLOPE_BAND, WIDTH_BAND, Band, band_check
from winit.signal.measure import SEEDS, measure
from winit.signal.result import Finding, Layer, Signal
from winit.signal.widths import widths

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
    "band_check",
    "measure",
    "widths",
]  # fmt: skip
