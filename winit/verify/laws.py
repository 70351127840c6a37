"""The laws ``winit verify`` knows: one table (name → family, parameters, formula) and one function
that turns a law, its parameters and a weight shape into the expected distribution, using
winit's own fans, gains and ``TRUNCATED_STD``.

Fan-scaled laws (Glorot, He, LeCun) share one rule, as :func:`winit.variance_scaling` does:
Var(w) = gain² / fan, with ``gain`` the ``gain`` parameter if the law has one, else
``gain(nonlinearity, a)`` if it has a nonlinearity, else 1; ``fan`` by ``mode`` (fan_avg = the
mean of both); drawn ``normal`` (std √Var), ``truncated_normal`` (±2 parent σ, std-corrected so
the result has variance Var) or ``uniform`` (U[±√(3·Var)]).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from winit._validate import Shape, choice, finite, shape_of
from winit.fans import NONLINEARITIES, Layout, fans, gain
from winit.initializers import TRUNCATED_STD
from winit.verify.distributions import (
    Constant,
    Orthogonal,
    Target,
    TruncatedNormal,
    Uniform,
)

Family = Literal["constant", "normal", "uniform", "truncated_normal", "fan", "orthogonal"]
Param = float | str | None

#: accepted values of the string parameters
CHOICES: Mapping[str, tuple[str, ...]] = {
    "mode": ("fan_in", "fan_out"),
    "nonlinearity": NONLINEARITIES,
    "distribution": ("normal", "truncated_normal"),
}
#: float parameters that must be > 0
POSITIVE = ("std", "gain")


@dataclass(frozen=True)
class Law:
    """A documented law: its family, the parameters a user may set (with defaults; ``None`` =
    unset), parameters fixed by the law's definition, and the formula it states."""

    family: Family
    formula: str
    params: Mapping[str, Param] = field(default_factory=dict)
    fixed: Mapping[str, Param] = field(default_factory=dict)

    @property
    def needs_fans(self) -> bool:
        return self.family in ("fan", "orthogonal")


_NORMAL_FAN = "N(0, Var) or, with distribution=truncated_normal, ±2σ-truncated with variance Var"
LAWS: Mapping[str, Law] = {
    "zeros": Law("constant", "w = 0", fixed={"value": 0.0}),
    "ones": Law("constant", "w = 1", fixed={"value": 1.0}),
    "constant": Law("constant", "w = value", {"value": 0.0}),
    "normal": Law("normal", "N(mean, std²)", {"mean": 0.0, "std": 1.0}),
    "uniform": Law("uniform", "U[a, b]", {"a": 0.0, "b": 1.0}),
    "truncated_normal": Law(
        "truncated_normal",
        "result std = std, cut at mean ± 2·std/0.8796 (Keras/JAX variance scaling); with a, b set: "
        "N(mean, std²) cut at the absolute bounds [a, b] (torch.nn.init.trunc_normal_)",
        {"mean": 0.0, "std": 1.0, "a": None, "b": None},
    ),
    "glorot_normal": Law(
        "fan", f"Var = gain²·2/(fan_in+fan_out); {_NORMAL_FAN}",
        {"gain": 1.0, "distribution": "normal"}, {"mode": "fan_avg"},
    ),
    "glorot_uniform": Law(
        "fan", "U[±gain·√(6/(fan_in+fan_out))]",
        {"gain": 1.0}, {"mode": "fan_avg", "distribution": "uniform"},
    ),
    "he_normal": Law(
        "fan", f"Var = gain(nonlinearity, a)²/fan(mode); {_NORMAL_FAN}",
        {"a": 0.0, "mode": "fan_in", "nonlinearity": "relu", "distribution": "normal"},
    ),
    "he_uniform": Law(
        "fan", "U[±gain(nonlinearity, a)·√(3/fan(mode))]",
        {"a": 0.0, "mode": "fan_in", "nonlinearity": "relu"}, {"distribution": "uniform"},
    ),
    "lecun_normal": Law(
        "fan", f"Var = 1/fan_in; {_NORMAL_FAN}", {"distribution": "normal"}, {"mode": "fan_in"}
    ),
    "lecun_uniform": Law(
        "fan", "U[±√(3/fan_in)]", fixed={"mode": "fan_in", "distribution": "uniform"}
    ),
    "orthogonal": Law(
        "orthogonal", "Haar (semi-)orthogonal times gain: WᵀW or WWᵀ = gain²·I", {"gain": 1.0}
    ),
}  # fmt: skip


def get_law(name: str) -> Law:
    """The law called ``name``, or a ``ValueError`` listing the known ones."""
    choice("law", name, tuple(LAWS))
    return LAWS[name]


def parse_value(law_name: str, key: str, value: object) -> Param:
    """``value`` for parameter ``key`` of ``law_name``, converted (from a string too) and checked."""
    law = get_law(law_name)
    if key not in law.params:
        accepted = ", ".join(law.params) or "none"
        raise ValueError(f"law {law_name} has no parameter {key!r}; accepted: {accepted}")
    if key in CHOICES:
        return choice(key, str(value), CHOICES[key])
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ValueError(f"parameter {key} must be a number, got {value!r}") from None
    return finite(key, value, positive=key in POSITIVE)  # type: ignore[arg-type]


def resolve(law_name: str, given: Mapping[str, object]) -> dict[str, Param]:
    """The law's full parameter set: defaults, then ``given`` (checked), then the fixed ones.
    ``None`` marks an optional parameter left unset (truncated_normal's absolute ``a``, ``b``)."""
    law = get_law(law_name)
    out: dict[str, Param] = dict(law.params)
    out.update({k: parse_value(law_name, k, v) for k, v in given.items()})
    if law.family == "truncated_normal" and (out["a"] is None) != (out["b"] is None):
        raise ValueError("law truncated_normal needs both a and b (absolute bounds) or neither")
    bounded = law.family == "uniform" or (law.family == "truncated_normal" and out["a"] is not None)
    if bounded and not _num(out, "a") < _num(out, "b"):
        raise ValueError(f"law {law_name} needs a < b, got a={out['a']}, b={out['b']}")
    if law.family == "fan" and "nonlinearity" in out:
        gain(str(out["nonlinearity"]), _num(out, "a"))
    out.update(law.fixed)
    return out


def _num(params: Mapping[str, Param], key: str) -> float:
    value = params[key]
    assert isinstance(value, float)
    return value


def law_gain(params: Mapping[str, Param]) -> float:
    """The gain a fan-scaled law multiplies by (1 if it has none)."""
    if "gain" in params:
        return _num(params, "gain")
    if "nonlinearity" in params:
        return gain(str(params["nonlinearity"]), _num(params, "a"))
    return 1.0


def fan_of(mode: str, fan_in: int, fan_out: int) -> float:
    """The fan a ``mode`` selects."""
    return {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]


def is_winit_truncation(law_name: str, params: Mapping[str, Param]) -> bool:
    """Does the law truncate at ±2 parent σ with the std correction (not torch's absolute a, b)?"""
    family = get_law(law_name).family
    if family == "truncated_normal":
        return params["a"] is None
    return family == "fan" and params["distribution"] == "truncated_normal"


def keras_truncated(mean: float, std: float) -> TruncatedNormal:
    """The normal cut at ±2 parent σ whose result has std ``std``: parent σ = std/TRUNCATED_STD."""
    sigma = std / TRUNCATED_STD
    return TruncatedNormal(mean, sigma, mean - 2.0 * sigma, mean + 2.0 * sigma)


def target(law_name: str, params: Mapping[str, Param], shape: Shape, layout: Layout) -> Target:
    """The distribution ``law_name`` with resolved ``params`` prescribes for weights of ``shape``."""
    law = get_law(law_name)
    dims = shape_of(shape, min_ndim=2 if law.needs_fans else 1)
    if law.family == "constant":
        return Constant(_num(params, "value"))
    if law.family == "uniform":
        return Uniform(_num(params, "a"), _num(params, "b"))
    if law.family == "orthogonal":
        rows = dims[0] if layout == "torch" else math.prod(dims[:-1])
        return Orthogonal(_num(params, "gain"), rows, math.prod(dims) // rows)
    if law.family in ("normal", "truncated_normal"):
        mean, std = _num(params, "mean"), _num(params, "std")
        if law.family == "normal":
            return TruncatedNormal(mean, std)
        if params["a"] is not None:
            return TruncatedNormal(mean, std, _num(params, "a"), _num(params, "b"))
        return keras_truncated(mean, std)
    var = law_gain(params) ** 2 / fan_of(str(params["mode"]), *fans(dims, layout))
    if params["distribution"] == "uniform":
        bound = math.sqrt(3.0 * var)
        return Uniform(-bound, bound)
    if params["distribution"] == "normal":
        return TruncatedNormal(0.0, math.sqrt(var))
    return keras_truncated(0.0, math.sqrt(var))


def describe_laws() -> str:
    """One line per law: name, settable parameters with defaults, formula (``--list-laws``)."""
    lines = []
    for name, law in LAWS.items():
        params = ", ".join(f"{k}={'unset' if v is None else v}" for k, v in law.params.items())
        lines.append(f"{name:<17} {params or '-'}\n{'':<17} {law.formula}")
    lines.append(
        "(fan laws: fan_in/fan_out from --layout torch (out, in, *k) or keras (*k, in, out))"
    )
    return "\n".join(lines)
