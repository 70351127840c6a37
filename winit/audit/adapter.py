"""Everything ``winit audit`` takes from ``winit verify``, in one place: the law table (names,
parameters, the distribution a law prescribes for a shape), the element distributions, the
named errors with their power, and torch's layer default rules. The rest of the audit imports
these names from here only, so a change in verify's public pieces is absorbed here.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

from winit.initializers import TRUNCATED_STD
from winit.verify.api import Row
from winit.verify.checks import diagnose
from winit.verify.cli import UsageError
from winit.verify.cli import _Parser as Parser
from winit.verify.defaults import _torch_rules
from winit.verify.distributions import (
    Constant,
    ElementLaw,
    Orthogonal,
    Target,
    TruncatedNormal,
    Uniform,
)
from winit.verify.laws import (
    Param,
    canonical,
    resolve,
    target,
    truncation,
)
from winit.verify.layouts import LAYOUTS
from winit.verify.plan import Alternative, alternatives, power

__all__ = [
    "TORCH_AXES",
    "TRUNCATED_STD",
    "Alternative",
    "Constant",
    "ElementLaw",
    "Orthogonal",
    "Param",
    "Parser",
    "Row",
    "Target",
    "TruncatedNormal",
    "Uniform",
    "UsageError",
    "alternatives",
    "canonical",
    "default_rule",
    "diagnose",
    "import_module",
    "power",
    "resolve",
    "target",
    "truncation",
]  # fmt: skip

#: torch stores a weight as (out, in, *kernel)
TORCH_AXES = LAYOUTS["torch"]


def default_rule(module: Any, local: str) -> tuple[str, dict[str, Param], str] | None:
    """The documented default of parameter ``local`` of torch layer ``module`` (``winit
    defaults``' rules): (law name, resolved parameters, the documented text), or ``None`` when no
    rule is known for the layer or the parameter."""
    try:
        rules = _torch_rules(module)
    except ValueError:
        return None
    rule = rules.get(local)
    if rule is None:
        return None
    law, params, text, _ = rule
    return law, resolve(law, params), text


def import_module(name: str) -> Any:
    """The module ``name`` (the working directory on the import path, as with ``python -m``), or
    a one-line ``ValueError``."""
    if "" not in sys.path:
        sys.path.insert(0, "")
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        raise ValueError(f"cannot import module {name!r}: {e}") from None
    except Exception as e:  # the module itself raised while importing
        raise ValueError(f"importing {name!r} raised {type(e).__name__}: {e}") from None
