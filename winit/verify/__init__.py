"""``winit verify``: check any initializer (winit's, numpy code, PyTorch's) against the law it
documents, as a Python API (:func:`verify`) and a command (``python -m winit verify``)."""

from winit.verify.api import Result, Row, verify
from winit.verify.laws import LAWS, Law

__all__ = ["LAWS", "Law", "Result", "Row", "verify"]
