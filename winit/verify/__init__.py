"""``winit verify``: check any framework's initializer against the law it documents, as a
Python API and a command (``python -m winit verify``).

This subpackage is itself callable: ``winit.verify(fn, law="glorot_normal")`` is
:func:`winit.verify.api.verify`, and ``winit.verify.LAWS``, ``winit.verify.Result`` etc. are
still the subpackage's (the function does not shadow it).
"""

import sys
import types
from typing import Any

from winit.verify.api import verify
from winit.verify.conventions import CONVENTIONS, Convention
from winit.verify.laws import ALIASES, LAWS, Law
from winit.verify.layouts import LAYOUTS, Axes
from winit.verify.result import Result, Row

__all__ = [
    "ALIASES", "CONVENTIONS", "LAWS", "LAYOUTS", "Axes", "Convention", "Law", "Result", "Row",
    "verify",
]  # fmt: skip


class _CallableModule(types.ModuleType):
    """The subpackage, callable as :func:`winit.verify.api.verify`."""

    def __call__(self, *args: Any, **kwargs: Any) -> Result:
        return verify(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
