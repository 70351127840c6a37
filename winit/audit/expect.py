"""``--expect GLOB=LAW``: what the author meant for the tensors whose names match GLOB. LAW is a
law name, optionally with keyword parameters whose numbers may be arithmetic
(``normal(std=0.02/sqrt(24))``), read with ``ast`` — numbers, + − × / **, sqrt, log, exp, pi, e
and quoted strings — never evaluated as Python.
"""

from __future__ import annotations

import ast
import fnmatch
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from winit.audit.adapter import Param, canonical, resolve

USAGE = (
    "write GLOB=LAW or GLOB=LAW(key=value, ...), e.g. '*.c_proj.weight=normal(std=0.02/sqrt(24))'"
)
_BINARY: Mapping[type, Callable[[float, float], float]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.Pow: operator.pow,
}  # fmt: skip
_FUNCTIONS: Mapping[str, Callable[[float], float]] = {
    "sqrt": math.sqrt,
    "log": math.log,
    "exp": math.exp,
}
_CONSTANTS: Mapping[str, float] = {"pi": math.pi, "e": math.e}


@dataclass(frozen=True)
class Expectation:
    """Tensors matching ``glob`` follow ``law`` with resolved ``params``; ``text`` as given."""

    glob: str
    law: str
    params: dict[str, Param]
    text: str

    def matches(self, name: str) -> bool:
        return fnmatch.fnmatchcase(name, self.glob)


def number(node: ast.expr) -> float | str:
    """The value of an arithmetic expression node, or a quoted string; ``ValueError`` else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float | str):
        if isinstance(node.value, bool):
            raise ValueError(f"not a number: {node.value!r}")
        return node.value if isinstance(node.value, str) else float(node.value)
    if isinstance(node, ast.Name) and node.id in _CONSTANTS:
        return _CONSTANTS[node.id]
    if isinstance(node, ast.Name):  # a bare word for a string parameter: mode=fan_out
        return node.id
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _float(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        try:
            return _BINARY[type(node.op)](_float(node.left), _float(node.right))
        except (ZeroDivisionError, OverflowError) as e:
            raise ValueError(f"{ast.unparse(node)}: {e}") from None
    if (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        and node.func.id in _FUNCTIONS and len(node.args) == 1 and not node.keywords
    ):  # fmt: skip
        try:
            return _FUNCTIONS[node.func.id](_float(node.args[0]))
        except (ValueError, OverflowError) as e:
            raise ValueError(f"{ast.unparse(node)}: {e}") from None
    raise ValueError(
        f"{ast.unparse(node)!r} is not a number: use numbers, + - * / **, "
        f"{', '.join(_FUNCTIONS)}, {', '.join(_CONSTANTS)}"
    )


def _float(node: ast.expr) -> float:
    value = number(node)
    if isinstance(value, str):
        raise ValueError(f"{value!r} is not a number")
    return value


def parse_law(text: str) -> tuple[str, dict[str, Param]]:
    """``"normal(std=0.02/sqrt(24))"`` → ``("normal", {"mean": 0.0, "std": 0.00408...})``
    (resolved by the law table), or a one-line ``ValueError``."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise ValueError(f"cannot read law {text!r}; {USAGE}") from None
    if isinstance(node, ast.Name):
        node = ast.Call(node, [], [])
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        raise ValueError(f"cannot read law {text!r}; {USAGE}")
    name = canonical(node.func.id)
    if node.args:
        raise ValueError(f"law {name} takes keyword parameters only, got {text!r}; {USAGE}")
    given: dict[str, Any] = {}
    for kw in node.keywords:
        if kw.arg is None:
            raise ValueError(f"cannot read law {text!r}; {USAGE}")
        given[kw.arg] = number(kw.value)
    return name, resolve(name, given)


def parse_expectation(text: str) -> Expectation:
    """``"GLOB=LAW"`` → :class:`Expectation`, or a one-line ``ValueError``."""
    glob, sep, law = text.partition("=")
    if not sep or not glob.strip() or not law.strip():
        raise ValueError(f"--expect {text!r}: {USAGE}")
    name, params = parse_law(law)
    return Expectation(glob.strip(), name, params, law.strip())


def expectation_for(name: str, expectations: list[Expectation]) -> Expectation | None:
    """The last expectation whose glob matches ``name`` (later ones override earlier)."""
    found = None
    for e in expectations:
        if e.matches(name):
            found = e
    return found
