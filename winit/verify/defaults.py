"""``winit defaults SPEC``: what a framework's layer really initializes its parameters to.

``SPEC`` is ``MODULE:Layer(args)``, e.g. ``"torch.nn:Conv2d(32, 64, 3, groups=4)"``; arguments
are Python literals. The layer is built as its users build it (seeded through the framework's own
seeding), every parameter and buffer is read, and each is verified against the rule its
framework states for it (:mod:`winit.verify.rules`: the law, with fans from the layer's
configuration, and the source line stating it); a composite layer is verified parameter by
parameter through its children. Exact laws (ones, zeros, a constant, a zero padding row) are
checked exactly, random ones with :func:`winit.verify.verify`'s statistics. One
:class:`ParamReport` per parameter (or part of one); a parameter no rule covers (one a newer
version added) is listed as unchecked and the others are still checked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from winit.verify.adapters import framework
from winit.verify.api import Result, verify
from winit.verify.guard import user_code
from winit.verify.laws import did_you_mean
from winit.verify.rules import FRAMEWORKS
from winit.verify.rules.base import Children, Framework, LayerRule, Rows, Rule, Spec, parse_spec

__all__ = ["Layer", "ParamReport", "layer_defaults", "layer_rules", "parse_spec", "render"]


@dataclass(frozen=True)
class ParamReport:
    """One parameter (or the rows a rule covers) of the layer, the rule it is verified against,
    and the verdict; ``rule`` and ``result`` are ``None`` for a parameter no rule covers."""

    name: str
    shape: tuple[int, ...]
    rule: Rule | None
    result: Result | None

    @property
    def fans(self) -> tuple[int, int] | None:
        return self.rule.fans if self.rule else None

    @property
    def checked(self) -> bool:
        return self.result is not None

    @property
    def passed(self) -> bool:
        """False only when a check failed: an unchecked parameter does not fail the layer."""
        return self.result is None or self.result.passed

    @property
    def verdict(self) -> str:
        return "unchecked" if self.result is None else "pass" if self.result.passed else "FAIL"

    @property
    def documented(self) -> str:
        return self.rule.documented if self.rule else "no rule"

    @property
    def reason(self) -> str:
        """One line: why a parameter failed (its first failing row) or is unchecked."""
        if self.result is None:
            return "no rule for this parameter"
        if self.result.passed:
            return ""
        row = self.result.failures[0]
        return (
            row.diagnosis
            or f"{row.check.name} {row.check.measured:.4g} outside [{row.check.low:.4g}, {row.check.high:.4g}]"
        )

    def as_dict(self) -> dict[str, object]:
        verified = self.rule.element() if self.rule else None
        return {
            "parameter": self.name, "shape": list(self.shape),
            "fan_in": self.fans[0] if self.fans else None,
            "fan_out": self.fans[1] if self.fans else None,
            "law": self.documented,
            "verified_as": f"{verified[0]}({verified[1]})" if verified else None,
            "source": str(self.rule.source) if self.rule else None,
            "verdict": self.verdict, "reason": self.reason,
        }  # fmt: skip


def _unknown(fw: Framework, layer: str) -> ValueError:
    return ValueError(
        f"winit defaults knows no rule for {fw.module}.{layer}; it knows "
        f"{', '.join(fw.known)}{did_you_mean(layer, fw.known)}"
    )


def _framework(spec: Spec) -> Framework:
    fw = FRAMEWORKS.get(spec.module)
    if fw is None:
        raise ValueError(
            f"winit defaults reads layers of {', '.join(FRAMEWORKS)}; got {spec.module!r}"
            f"{did_you_mean(spec.module, list(FRAMEWORKS))}"
        )
    if spec.layer not in fw.known:
        raise _unknown(fw, spec.layer)
    return fw


class _Walk:
    """The rules of a built layer's parameters by their full names: a layer with a rule by it,
    any other by its children's (a :class:`Children` rule may then replace its matrices')."""

    def __init__(self, fw: Framework, module: Any, arrays: Mapping[str, NDArray[Any]]) -> None:
        self.fw, self.arrays = fw, arrays
        self.table = {
            getattr(module, name): rule for name, rule in fw.layers.items() if hasattr(module, name)
        }

    def rule(self, cls: type) -> LayerRule | Children | None:
        for base in cls.__mro__:
            if base in self.table:
                return self.table[base]
        return None

    def __call__(
        self, layer: Any, prefix: str = "", named: type | None = None
    ) -> dict[str, tuple[Rule, ...]]:
        """``named``: the class the layer was built from, when the built object is not one
        (a Flax module initialised) or became another (a lazy torch layer)."""
        rule = self.rule(type(layer)) or (self.rule(named) if named else None)
        if rule is not None and not isinstance(rule, Children):
            return {prefix + k: v for k, v in rule(layer).items()}
        out: dict[str, tuple[Rule, ...]] = {}
        for name, child in self.fw.children(layer):
            out |= self(child, f"{prefix}{name}{self.fw.separator}")
        if isinstance(rule, Children) and rule.matrices is not None:
            for name, value in self.arrays.items():
                if name.startswith(prefix) and value.ndim >= 2:
                    out[name] = (rule.matrices(tuple(value.shape)),)
        return out


def _part(value: NDArray[Any], rows: Rows | None) -> NDArray[Any]:
    """The rows a rule covers (all of a parameter without ``rows``), at least 1-d."""
    if rows is not None:
        span = rows.span
        value = np.delete(value, span, axis=0) if rows.rest else value[span.start : span.stop]
    return np.atleast_1d(value)


@dataclass(frozen=True)
class Layer:
    """A layer built from its spec: its first build's parameters and buffers, the rules that
    cover them by name, and ``build(seed)`` for more draws (memoized per seed, so the
    parameters of one layer share their builds)."""

    spec: Spec
    arrays: Mapping[str, NDArray[Any]]
    rules: Mapping[str, tuple[Rule, ...]]
    build: Callable[[int], Mapping[str, NDArray[Any]]]


def layer_rules(text: str, *, seed: int = 0, in_features: int = 128) -> Layer:
    """Build the layer ``text`` names and find the rule of each of its parameters and buffers
    (see :func:`layer_defaults`; a one-line ``ValueError`` for a bad spec or layer)."""
    spec = parse_spec(text)
    fw = _framework(spec)
    module = framework(spec.module, fw.convention)
    cls = getattr(module, spec.layer, None)
    if cls is None:
        raise ValueError(f"{spec.module} has no layer {spec.layer!r} in the installed version")
    builds: dict[int, Mapping[str, NDArray[Any]]] = {}

    def built(s: int) -> tuple[Any, Mapping[str, NDArray[Any]]]:
        """The layer built under seed ``s``: the code under check (see ``user_code``)."""
        with user_code(f"building {spec.text} (seed {s})"):
            return fw.build(cls, spec, s, in_features)

    def build(s: int) -> Mapping[str, NDArray[Any]]:
        if s not in builds:
            builds[s] = built(s)[1]
        return builds[s]

    layer, first = built(seed)
    if not first:
        raise ValueError(f"{spec.text} has no parameters or buffers to check")
    # a rule may name parameters the configuration leaves out (bias=False, no proj_size)
    try:
        walked = _Walk(fw, module, first)(layer, named=cls)
    except ArithmeticError as e:  # a configuration a law cannot take, e.g. Linear(0, 2): fan_in 0
        raise ValueError(f"{spec.text}: its configuration gives no law ({e})") from None
    rules = {k: v for k, v in walked.items() if k in first}
    if not rules:
        raise ValueError(f"no rule covers any parameter of {spec.text}: {', '.join(first)}")
    return Layer(spec, first, rules, build)


def layer_defaults(text: str, *, seed: int = 0, in_features: int = 128) -> list[ParamReport]:
    """Build the layer ``text`` names, and verify each of its parameters and buffers against
    its framework's rule (see the module docstring).

    Args:
      text: ``MODULE:Layer(args)``.
      seed: the run's seed; every build's seed derives from it.
      in_features: the input width of layers built on an input (Keras, Flax, lazy torch layers).

    Returns:
      One :class:`ParamReport` per parameter, or per part of one a rule covers. A bad spec, an
      unknown layer, a layer that fails to build, has nothing to check or no parameter a rule
      covers: a one-line ``ValueError``.
    """
    built = layer_rules(text, seed=seed, in_features=in_features)
    spec, rules, build = built.spec, built.rules, built.build
    reports = []
    for name, value in built.arrays.items():
        if name not in rules:
            reports.append(ParamReport(name, tuple(value.shape), None, None))
        for rule in rules.get(name, ()):
            label = name + (rule.rows.label if rule.rows else "")

            def draw(
                shape: tuple[int, ...], rng: np.random.Generator, name: str = name,
                rows: Rows | None = rule.rows,
            ) -> NDArray[Any]:  # fmt: skip
                return _part(build(int(rng.integers(2**31)))[name], rows)

            law, params = rule.element()
            law_params: dict[str, Any] = params
            result = verify(
                draw, law, shapes=[_part(value, rule.rows).shape], seed=seed,
                convention="numpy", name=f"{spec.text}.{label}", layout=rule.layout,
                **law_params,
            )  # fmt: skip
            reports.append(ParamReport(label, tuple(value.shape), rule, result))
    return reports


def render(text: str, reports: list[ParamReport]) -> str:
    """A table: parameter, shape, fans, documented law, its source, verdict; then a reason for
    each FAIL and unchecked parameter."""
    head = ("parameter", "shape", "fan_in", "fan_out", "documented law", "source", "verdict")
    rows = [head] + [
        (
            r.name, "x".join(map(str, r.shape)) or "scalar",
            str(r.fans[0]) if r.fans else "-", str(r.fans[1]) if r.fans else "-",
            r.documented, str(r.rule.source) if r.rule else "-", r.verdict,
        )
        for r in reports
    ]  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = [
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    reasons = [f"  {r.name}: {r.reason}" for r in reports if r.reason]
    failed = sum(not r.passed for r in reports)
    unchecked = sum(not r.checked for r in reports)
    verdict = "PASSED" if not failed else f"FAILED ({failed} of {len(reports)} parameters)"
    if unchecked:
        verdict += f", {unchecked} unchecked"
    return "\n".join([f"layer: {text}", "", *lines, *(["", *reasons] if reasons else []), verdict])
