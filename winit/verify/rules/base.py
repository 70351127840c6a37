"""What a rule is: the law one parameter of a layer is initialised by, with the fans the layer's
configuration gives it and the line of the framework's source or docs that states it.

A framework's rules are a table, layer class name → :data:`LayerRule` (a function of the built
layer, reading its configuration) or :class:`Children` (a composite layer: each child by its own
rule). Laws are named as in :data:`winit.verify.LAWS`; a fan-scaled law (``glorot_uniform``,
...) is turned into the element law it prescribes for the rule's fans by
:func:`winit.verify.laws.target`, the one place its formula lives.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from numpy.typing import NDArray

from winit.verify.distributions import Constant, Orthogonal, TruncatedNormal, Uniform
from winit.verify.laws import Param, resolve
from winit.verify.layouts import LAYOUTS


@dataclass(frozen=True)
class Spec:
    """A parsed ``MODULE:Layer(args)``."""

    module: str
    layer: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]

    @property
    def text(self) -> str:
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{self.module}:{self.layer}({', '.join(parts)})"


def parse_spec(text: str) -> Spec:
    """``"torch.nn:Linear(128, 256)"`` → :class:`Spec`, or a one-line ``ValueError``."""
    module, sep, call = text.partition(":")
    usage = (
        f"layer must be given as MODULE:Layer(args), e.g. 'torch.nn:Linear(128, 256)', got {text!r}"
    )
    if not sep or not module or not call:
        raise ValueError(usage)
    try:
        node = ast.parse(call.strip(), mode="eval").body
    except SyntaxError:
        raise ValueError(usage) from None
    if isinstance(node, ast.Name):
        node = ast.Call(node, [], [])
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        raise ValueError(usage)
    try:
        args = tuple(ast.literal_eval(a) for a in node.args)
        kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg}
    except ValueError:
        raise ValueError(f"{text!r}: the layer's arguments must be Python literals") from None
    return Spec(module.strip(), node.func.id, args, kwargs)


@dataclass(frozen=True)
class Source:
    """Where a framework states a law: ``path`` inside its installed package tree (e.g.
    ``torch/nn/modules/linear.py``), the 1-based ``line``, and ``quote``, text on that line."""

    path: str
    line: int
    quote: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


def sources(root: str) -> Callable[[str, int, str], Source]:
    """``Source`` for files under ``root`` of a package tree: ``sources("torch/nn/modules")
    ("linear.py", 75, quote)``."""

    def source(path: str, line: int, quote: str) -> Source:
        return Source(f"{root}/{path}", line, quote)

    return source


@dataclass(frozen=True)
class Rows:
    """A part of a parameter along its first axis: rows ``start`` to ``stop`` (one row when
    ``stop`` is ``None``), or (``rest``) every other row."""

    start: int
    stop: int | None = None
    rest: bool = False

    @property
    def span(self) -> range:
        return range(self.start, self.start + 1 if self.stop is None else self.stop)

    @property
    def label(self) -> str:
        rows = str(self.start) if self.stop is None else f"{self.start}:{self.stop}"
        return f"[rows ∉ {rows}]" if self.rest else f"[{rows}]"


@dataclass(frozen=True)
class Rule:
    """One parameter's documented default: ``law`` (a name in :data:`winit.verify.LAWS`) with
    ``params``, the ``fans`` its configuration gives it (a fan-scaled law needs them), the
    ``source`` that states it, ``rows`` when it covers part of the parameter only, and the
    ``layout`` an orthogonal law reads the parameter's matrix in."""

    law: str
    source: Source
    params: Mapping[str, float | str] = field(default_factory=dict)
    fans: tuple[int, int] | None = None
    rows: Rows | None = None
    layout: str = "torch"

    def __post_init__(self) -> None:
        # an unknown law or parameter fails where it is written
        if resolve(self.law, self.params).family == "fan" and self.fans is None:
            raise ValueError(f"law {self.law} needs the fans its layer gives it")

    @property
    def documented(self) -> str:
        """The law as written, e.g. ``glorot_uniform (fan_in=8, fan_out=24)``."""
        args = [f"{k}={_short(v)}" for k, v in self.params.items()]
        if self.fans is not None and resolve(self.law, self.params).family == "fan":
            args += [f"fan_in={self.fans[0]}", f"fan_out={self.fans[1]}"]
        return f"{self.law}({', '.join(args)})" if args else self.law

    def element(self) -> tuple[str, dict[str, Param]]:
        """The element law ``verify`` checks: ``(law, params)``, with a fan-scaled law resolved
        for :attr:`fans` into its uniform or (truncated) normal."""
        resolved = resolve(self.law, self.params)
        if resolved.family != "fan":
            return self.law, dict(self.params)
        assert self.fans is not None
        fan_in, fan_out = self.fans
        law = resolved.target((fan_out, fan_in), LAYOUTS["torch"])
        if isinstance(law, Uniform):
            return "uniform", {"a": law.low, "b": law.high}
        if isinstance(law, TruncatedNormal) and not law.truncated:
            return "normal", {"mean": law.loc, "std": law.scale}
        if isinstance(law, TruncatedNormal):
            return "truncated_normal", {
                "mean": law.loc,
                "std": law.scale,
                "a": law.low,
                "b": law.high,
            }
        assert not isinstance(law, Constant | Orthogonal)  # fan laws are element laws
        raise AssertionError(law)


def _short(value: float | str) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def uniform_k(k: float, source: Source, fans: tuple[int, int] | None = None) -> Rule:
    """U(−√k, √k), as PyTorch and MLX write their defaults."""
    return Rule("uniform", source, {"a": -math.sqrt(k), "b": math.sqrt(k)}, fans)


Rules = Mapping[str, tuple[Rule, ...]]
#: a layer's rules from its built instance: parameter name → the rules covering it
LayerRule = Callable[[Any], Rules]


@dataclass(frozen=True)
class Children:
    """A composite layer: every parameter by its child's rule; ``matrices`` (when set) replaces
    the rule of every parameter of two or more dimensions, given its shape (nn.Transformer
    re-draws those after its children)."""

    matrices: Callable[[tuple[int, ...]], Rule] | None = None


@dataclass(frozen=True)
class Initialised:
    """A module of a functional framework (its configuration) and the input width it was
    initialised on (Flax linen, Haiku: the parameters live outside the module)."""

    module: Any
    in_features: int


#: ``build(cls, spec, seed, in_features)`` → (the built layer the rules read, its parameters
#: and buffers as numpy arrays by name), seeded through the framework's own seeding
Build = Callable[[Any, Spec, int, int], tuple[Any, Mapping[str, NDArray[Any]]]]


def no_children(layer: Any) -> list[tuple[str, Any]]:
    """A framework whose layers are not walked child by child."""
    return []


@dataclass(frozen=True)
class Framework:
    """A framework's layers: the ``module`` they live in, the ``convention`` (in
    :data:`winit.verify.CONVENTIONS`) that names the package it needs, the rule of each layer class (by its name there), how to build one, how to list a layer's
    children (name, child) for :class:`Children`, ``aliases``: layer names that become a
    known layer once built (PyTorch's lazy layers), and the ``separator`` of a child's name and
    its parameter's in the parameter's full name."""

    module: str
    convention: str
    layers: Mapping[str, LayerRule | Children]
    build: Build
    children: Callable[[Any], list[tuple[str, Any]]] = no_children
    aliases: tuple[str, ...] = ()
    separator: str = "."

    @property
    def known(self) -> list[str]:
        return [*self.layers, *self.aliases]
