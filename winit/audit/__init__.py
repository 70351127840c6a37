"""``winit audit``: every parameter and buffer of a PyTorch, Keras 3 or Flax model checked
against the law its code names, on each path that builds it, as a Python API and a command.

This subpackage is itself callable: ``winit.audit(build)`` is :func:`winit.audit.api.audit`.
"""

import sys
import types
from typing import Any

from winit.audit.api import AuditResult, Group, audit

__all__ = ["AuditResult", "Group", "audit"]


class _CallableModule(types.ModuleType):
    """The subpackage, callable as :func:`winit.audit.api.audit`."""

    def __call__(self, *args: Any, **kwargs: Any) -> AuditResult:
        return audit(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
