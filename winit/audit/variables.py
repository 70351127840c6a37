"""The regions of a Keras or Flax model's variables: each variable governed whole by the law of
the initializer its code gave it (an expectation first), else — no initializer recorded, or
one that names no law — by its layer's rule in ``winit
defaults``' tables — cut into rows where a rule covers some rows only (LSTM's forget-gate bias) —
else by no declared law. Names keep the framework's ``/`` paths; a group's pattern replaces each
index (a run of digits after ``_`` or ``/``) by ``*``: ``conv2_block*_*_conv/kernel``,
``Dense_*/kernel``, ``layers/*/kernel``.

>>> group_pattern("sequential/dense_12/kernel")
'sequential/dense_*/kernel'
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from winit.audit.adapter import LAYOUTS, Axes, Children, Framework, Rule, resolve, rule_law
from winit.audit.expect import Expectation, expectation_for
from winit.audit.model import NO_LAW, Floats, Named, Region, law_target, whole_region

#: the layout Keras and JAX store a kernel in: (*window, in, out)
KERAS_AXES = LAYOUTS["keras"]


def group_pattern(name: str) -> str:
    return re.sub(r"(?<=[_/])\d+(?=[_/]|$)", "*", name)


@dataclass(frozen=True)
class Code:
    """The law a variable's code gave it: ``named`` (``call`` source) read with ``axes`` on
    ``drawn``, the shape the initializer drew (``None``: the variable's own); ``unread``: an
    initializer whose law winit cannot read (a closure, as Keras' LSTM bias initializer), for
    which the layer's rule speaks where it has one."""

    named: Named
    axes: Axes = KERAS_AXES
    drawn: tuple[int, ...] | None = None
    unread: bool = False


def named_call(text: str, law: str, params: Mapping[str, object]) -> Named:
    """The law a call in the model's code (``text``) names, its parameters resolved; none where
    they are outside the law's range (a NaN constant), saying why: the tensor's own checks
    (its finiteness) then speak for it."""
    try:
        return Named("call", text, law, resolve(law, params))
    except ValueError as e:
        return Named("call", f"{text}: names no law ({e})", None, {})


def values_of(array: Any) -> Floats:
    """A variable's values as a flat numpy array in its own float dtype (half precisions as
    float32)."""
    x = np.asarray(array)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float32)
    return x.ravel()


def is_float(array: Any) -> bool:
    return bool(np.issubdtype(np.dtype(array.dtype), np.floating)) or "float" in str(array.dtype)


def layer_rules(fw: Framework, layer: Any, built: Any, prefix: str) -> dict[str, tuple[Rule, ...]]:
    """The rules of ``layer``'s variables by full name (``prefix`` + the rule's key), from
    ``fw``'s table matched by the layer's class and its bases (``built``: what the rule reads,
    the layer itself or Flax linen's initialised module); a composite's children are reached by
    the caller, which walks every layer."""
    table = fw.layers
    rule = next((table[c.__name__] for c in type(layer).__mro__ if c.__name__ in table), None)
    if rule is None or isinstance(rule, Children):
        return {}
    try:
        return {prefix + k: v for k, v in rule(built).items()}
    except (AttributeError, ValueError, TypeError, ArithmeticError):
        return {}  # a layer whose configuration the rule cannot read: no rule


def _rule_named(rule: Rule, layer: str) -> Named:
    law, params, text = rule_law(rule)
    return Named("default rule", f"{layer} default: {text}", law, params)


def regions(
    name: str, array: Any, code: Code | None, rules: tuple[Rule, ...], layer: str,
    expectations: list[Expectation],
) -> Iterator[Region]:  # fmt: skip
    """The regions of one variable (see the module docstring); ``layer``: its layer's class."""
    shape = tuple(int(d) for d in array.shape)
    values = values_of(array)
    group = group_pattern(name)
    if code is not None and code.unread and rules:
        code = None  # an initializer whose law winit cannot read: the rule's
    if code is not None or not rules or expectation_for(name, expectations) is not None:
        if code is None:
            code = Code(_rule_named(rules[0], layer), LAYOUTS[rules[0].layout]) if rules else None
        named, axes, drawn = (
            (code.named, code.axes, code.drawn) if code else (NO_LAW, KERAS_AXES, None)
        )
        yield whole_region(
            name, shape, values, named, expectations, axes=axes, drawn=drawn, group=group
        )
        return
    eps = float(np.finfo(values.dtype).eps)
    tensor = values.reshape(shape) if shape else values
    for rule in rules:
        named, tgt = law_target(_rule_named(rule, layer), shape, LAYOUTS[rule.layout])
        part, whole = values, rule.rows is None
        if rule.rows is not None:
            rows = np.zeros(shape[0], dtype=bool)
            rows[rule.rows.span.start : rule.rows.span.stop] = True
            part = tensor[~rows if rule.rows.rest else rows].ravel()
            named = Named(named.source, f"{named.text} {rule.rows.label}", named.law, named.params)
        axes = LAYOUTS[rule.layout]
        yield Region(name, shape, named, tgt, part, values, whole, eps, None, axes, None, group)


def again_values(names: list[str], arrays: list[Any]) -> Mapping[str, Floats]:
    """A second build's values by the first build's names, in order (a framework that names
    layers by a session counter names the second build's differently)."""
    return {n: values_of(a) for n, a in zip(names, arrays, strict=True)}
