"""Everything ``winit audit`` takes from ``winit verify``, in one place: the law table (names,
parameters, the distribution a law prescribes for a shape), the element distributions, the
named errors with their power, and torch's layer default rules. The rest of the audit imports
these names from here only, so a change in verify's public pieces is absorbed here.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping
from typing import Any

from winit.initializers import TRUNCATED_STD
from winit.verify.adapters import framework
from winit.verify.api import Row
from winit.verify.checks import diagnose
from winit.verify.cli import common_options
from winit.verify.command import Parser, UsageError, emit, exit_help, run, write_json
from winit.verify.distributions import (
    Constant,
    Orthogonal,
    Target,
    TruncatedNormal,
    Uniform,
)
from winit.verify.distributions import ElementDistribution as ElementLaw
from winit.verify.guard import user_code
from winit.verify.laws import LAWS, Param, ResolvedLaw, canonical
from winit.verify.laws import resolve as resolve_law
from winit.verify.layouts import LAYOUTS, Axes
from winit.verify.rules.base import Children, Framework, Initialised, Rule
from winit.verify.rules.flax_linen import FRAMEWORK as LINEN_LAYERS
from winit.verify.rules.flax_nnx import FRAMEWORK as NNX_LAYERS
from winit.verify.rules.keras_layers import FRAMEWORK as KERAS_LAYERS
from winit.verify.rules.torch_nn import FRAMEWORK as TORCH_LAYERS
from winit.verify.sampling import Alternative, power
from winit.verify.sampling import alternatives as law_alternatives

__all__ = [
    "KERAS_LAYERS",
    "LAYOUTS",
    "LINEN_LAYERS",
    "NNX_LAYERS",
    "TORCH_AXES",
    "TRUNCATED_STD",
    "Alternative",
    "Axes",
    "Children",
    "Constant",
    "ElementLaw",
    "Framework",
    "Initialised",
    "Orthogonal",
    "Param",
    "Parser",
    "Row",
    "Rule",
    "Target",
    "TruncatedNormal",
    "Uniform",
    "UsageError",
    "alternatives",
    "canonical",
    "common_options",
    "default_rule",
    "diagnose",
    "emit",
    "exit_help",
    "framework",
    "import_module",
    "power",
    "resolve",
    "rule_law",
    "run",
    "target",
    "truncation",
    "user_code",
    "write_json",
]  # fmt: skip

#: torch stores a weight as (out, in, *kernel)
TORCH_AXES = LAYOUTS["torch"]


def _law(name: str, params: Mapping[str, Param]) -> ResolvedLaw:
    """The resolved law of an already resolved parameter set (the audit keeps name and params)."""
    known = canonical(name)
    return ResolvedLaw(known, LAWS[known], dict(params), {})


def resolve(name: str, given: Mapping[str, object]) -> dict[str, Param]:
    """The law's full parameter set (see :func:`winit.verify.laws.resolve`)."""
    return dict(resolve_law(name, given).params)


def target(name: str, params: Mapping[str, Param], shape: tuple[int, ...], axes: Axes) -> Target:
    """The distribution the law prescribes for ``shape`` (:meth:`ResolvedLaw.target`)."""
    return _law(name, params).target(shape, axes)


def truncation(name: str, params: Mapping[str, Param]) -> str | None:
    """``corrected``/``uncorrected`` for a ±2σ cut (:attr:`ResolvedLaw.truncation`)."""
    return _law(name, params).truncation


def alternatives(
    name: str, params: Mapping[str, Param], law: Target, fan_in: int, fan_out: int
) -> list[Alternative]:
    """The named errors of the law for ``law`` (:func:`winit.verify.sampling.alternatives`)."""
    return law_alternatives(_law(name, params), law, fan_in, fan_out)


def default_rule(module: Any, local: str) -> tuple[str, dict[str, Param], str] | None:
    """The documented default of parameter ``local`` of torch layer ``module`` (``winit
    defaults``' rules, matched by the layer's class and its bases): (element law name, resolved
    parameters, the documented law and its source), or ``None`` when no rule is known for the
    layer or the parameter. A parameter whose rule covers some rows only (a padding row) is
    given the rule of its other rows: the rows an init call wrote are their own regions."""
    nn = sys.modules.get("torch.nn")
    if nn is None:
        return None
    table = {getattr(nn, name): rule for name, rule in TORCH_LAYERS.layers.items()}
    layer_rule = next((table[c] for c in type(module).__mro__ if c in table), None)
    if layer_rule is None or isinstance(layer_rule, Children):
        return None
    rules = layer_rule(module).get(local, ())
    rule = next((r for r in rules if r.rows is None or r.rows.rest), None)
    if rule is None:
        return None
    return rule_law(rule)


def rule_law(rule: Rule) -> tuple[str, dict[str, Param], str]:
    """A layer rule's element law (fans applied), its resolved parameters, and the documented
    law with its source."""
    law, params = rule.element()
    return law, resolve(law, params), f"{rule.documented} ({rule.source})"


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
