"""The laws ``winit verify`` knows: one table (name → family, parameters, formula), and
:func:`resolve`, which makes a :class:`ResolvedLaw` from a name and the user's parameters: the
one object that travels, and turns a weight shape into its target distribution using winit's own
fans, gains and ``TRUNCATED_STD``.

Fan-scaled laws (Glorot, He, LeCun, the general ``variance_scaling``) share one rule, as
:func:`winit.variance_scaling` does: Var(w) = gain²·scale / fan, with ``gain`` the ``gain``
parameter if set, else ``gain(nonlinearity, a)`` if the law has a nonlinearity, else 1 (``scale``
only in ``variance_scaling``); ``fan`` by ``mode`` (fan_avg = the mean of both, fan_geo_avg their
geometric mean); drawn ``normal`` (std √Var), ``truncated_normal`` (±2 parent σ, std-corrected so
the result has variance Var, or with ``truncation=uncorrected`` σ² = Var before the cut) or
``uniform`` (U[±√(3·Var)]). Law names have aliases (``xavier_*``, ``kaiming_*``).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from winit._validate import Shape, finite, shape_of
from winit.fans import MODES, NONLINEARITIES, fan_by_mode, gain
from winit.initializers import TRUNCATED_STD
from winit.verify.distributions import (
    Constant,
    Orthogonal,
    Target,
    TruncatedNormal,
    Uniform,
)
from winit.verify.layouts import LAYOUTS, Axes

Family = Literal["constant", "normal", "uniform", "truncated_normal", "fan", "orthogonal"]
Param = float | str | None

DISTRIBUTIONS = ("normal", "truncated_normal", "uniform")
#: ``corrected``: the parent normal's σ is scaled by 1/TRUNCATED_STD so the result has the stated
#: std (Keras' and JAX's variance scaling); ``uncorrected``: the stated std is the parent's, cut at
#: ±2σ (Keras' and Haiku's ``TruncatedNormal``, ``jax.nn.initializers.truncated_normal``)
TRUNCATIONS = ("corrected", "uncorrected")
#: accepted values of the string parameters (a law may narrow them: :attr:`Law.choices`)
CHOICES: Mapping[str, tuple[str, ...]] = {
    "mode": MODES,
    "nonlinearity": NONLINEARITIES,
    "distribution": DISTRIBUTIONS,
    "truncation": TRUNCATIONS,
}
#: float parameters that must be > 0
POSITIVE = ("std", "gain", "scale")


@dataclass(frozen=True)
class Law:
    """A documented law: its family, the parameters a user may set (with defaults; ``None`` =
    unset), parameters fixed by the law's definition, the formula it states, and narrower
    accepted values of its string parameters than :data:`CHOICES`."""

    family: Family
    formula: str
    params: Mapping[str, Param] = field(default_factory=dict)
    fixed: Mapping[str, Param] = field(default_factory=dict)
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def needs_fans(self) -> bool:
        return self.family in ("fan", "orthogonal")

    def accepted(self, key: str) -> tuple[str, ...]:
        return self.choices.get(key, CHOICES[key])


_NORMAL_FAN = (
    "N(0, Var) or, with distribution=truncated_normal, ±2σ-truncated with variance Var "
    "(truncation=uncorrected: σ² = Var before the cut)"
)
_NORMAL_ONLY = {"distribution": ("normal", "truncated_normal"), "mode": ("fan_in", "fan_out")}
_TRUNC = {"truncation": "corrected"}
LAWS: Mapping[str, Law] = {
    "zeros": Law("constant", "w = 0", fixed={"value": 0.0}),
    "ones": Law("constant", "w = 1", fixed={"value": 1.0}),
    "constant": Law("constant", "w = value", {"value": 0.0}),
    "normal": Law("normal", "N(mean, std²)", {"mean": 0.0, "std": 1.0}),
    "uniform": Law("uniform", "U[a, b]", {"a": 0.0, "b": 1.0}),
    "truncated_normal": Law(
        "truncated_normal",
        "result std = std, cut at mean ± 2·std/0.8796 (Keras/JAX variance scaling); "
        "truncation=uncorrected: N(mean, std²) cut at mean ± 2·std (Keras/Haiku TruncatedNormal); "
        "with a, b set: N(mean, std²) cut at the absolute bounds [a, b] (torch.nn.init.trunc_normal_)",
        {"mean": 0.0, "std": 1.0, "a": None, "b": None, **_TRUNC},
    ),
    "variance_scaling": Law(
        "fan", f"Var = gain²·scale/fan(mode); uniform U[±√(3·Var)] or {_NORMAL_FAN}",
        {"scale": 1.0, "gain": 1.0, "mode": "fan_in", "distribution": "truncated_normal", **_TRUNC},
    ),
    "glorot_normal": Law(
        "fan", f"Var = gain²·2/(fan_in+fan_out); {_NORMAL_FAN}",
        {"gain": 1.0, "distribution": "normal", **_TRUNC}, {"mode": "fan_avg"}, _NORMAL_ONLY,
    ),
    "glorot_uniform": Law(
        "fan", "U[±gain·√(6/(fan_in+fan_out))]",
        {"gain": 1.0}, {"mode": "fan_avg", "distribution": "uniform"},
    ),
    "he_normal": Law(
        "fan", f"Var = gain²/fan(mode), gain = gain(nonlinearity, a) unless set; {_NORMAL_FAN}",
        {"gain": None, "a": 0.0, "mode": "fan_in", "nonlinearity": "relu",
         "distribution": "normal", **_TRUNC}, choices=_NORMAL_ONLY,
    ),
    "he_uniform": Law(
        "fan", "U[±gain·√(3/fan(mode))], gain = gain(nonlinearity, a) unless set",
        {"gain": None, "a": 0.0, "mode": "fan_in", "nonlinearity": "relu"},
        {"distribution": "uniform"}, _NORMAL_ONLY,
    ),
    "lecun_normal": Law(
        "fan", f"Var = gain²/fan_in; {_NORMAL_FAN}",
        {"gain": 1.0, "distribution": "normal", **_TRUNC}, {"mode": "fan_in"}, _NORMAL_ONLY,
    ),
    "lecun_uniform": Law(
        "fan", "U[±gain·√(3/fan_in)]", {"gain": 1.0},
        {"mode": "fan_in", "distribution": "uniform"},
    ),
    "orthogonal": Law(
        "orthogonal", "Haar (semi-)orthogonal times gain: WᵀW or WWᵀ = gain²·I", {"gain": 1.0}
    ),
}  # fmt: skip
#: other names of the laws (PyTorch's)
ALIASES: Mapping[str, str] = {
    "xavier_normal": "glorot_normal",
    "xavier_uniform": "glorot_uniform",
    "kaiming_normal": "he_normal",
    "kaiming_uniform": "he_uniform",
}


def did_you_mean(name: str, known: Sequence[str]) -> str:
    """``; did you mean 'x'?`` for the closest of ``known``, or nothing (it ends a message)."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def canonical(name: str) -> str:
    """The law's name in :data:`LAWS` (aliases resolved), or a ``ValueError`` listing the known
    ones and the closest."""
    if name in ALIASES:
        return ALIASES[name]
    if name not in LAWS:
        known = [*LAWS, *ALIASES]
        raise ValueError(
            f"unknown law {name!r}; accepted: {', '.join(known)}{did_you_mean(name, known)}"
        )
    return name


def parse_value(name: str, key: str, value: object) -> Param:
    """``value`` for parameter ``key`` of the law called ``name`` (canonical), converted (from a
    string too) and checked."""
    law = LAWS[name]
    if key not in law.params:
        accepted = ", ".join(law.params) or "none"
        hint = did_you_mean(key, list(law.params))
        raise ValueError(f"law {name} has no parameter {key!r}; accepted: {accepted}{hint}")
    if key in CHOICES:
        accepted_values = law.accepted(key)
        if str(value) not in accepted_values:
            raise ValueError(
                f"unknown {key} {value!r}; accepted: {', '.join(accepted_values)}"
                f"{did_you_mean(str(value), accepted_values)}"
            )
        return str(value)
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ValueError(f"parameter {key} must be a number, got {value!r}") from None
    return finite(key, value, positive=key in POSITIVE)  # type: ignore[arg-type]


#: the range of a target's std (and of its mean's and bounds' magnitude): float32 draws at these
#: scales stay normal numbers, and the checks' fourth powers of them finite, in float64
SCALE_RANGE = (2.0**-100, 2.0**100)


@dataclass(frozen=True)
class ResolvedLaw:
    """A documented law with every parameter resolved: the object ``winit verify`` makes once
    from a name and the user's parameters, and passes along. ``given`` are the parameters the
    user set (checked and converted), ``params`` all of them (defaults, given, fixed); ``None``
    marks an optional parameter left unset (truncated_normal's absolute ``a``, ``b``)."""

    name: str
    law: Law
    params: Mapping[str, Param]
    given: Mapping[str, Param]

    @property
    def family(self) -> Family:
        return self.law.family

    @property
    def truncation(self) -> str | None:
        """``corrected`` or ``uncorrected`` if the law cuts at ±2 parent σ, ``None`` if it does
        not truncate or cuts at absolute bounds (torch's ``a``, ``b``)."""
        cuts = self.family == "truncated_normal" and self.params["a"] is None
        if cuts or (self.family == "fan" and self.params["distribution"] == "truncated_normal"):
            return str(self.params["truncation"])
        return None

    @property
    def gain(self) -> float:
        """The gain a fan-scaled law multiplies the std by: ``gain`` if set, else the
        nonlinearity's, else 1; times √scale for ``variance_scaling``."""
        p = self.params
        root = math.sqrt(_num(p, "scale")) if "scale" in p else 1.0
        if p.get("gain") is not None:
            return root * _num(p, "gain")
        if "nonlinearity" in p:
            return root * gain(str(p["nonlinearity"]), _num(p, "a"))
        return root

    def target(self, shape: Shape, axes: Axes) -> Target:
        """The distribution this law prescribes for weights of ``shape`` whose fans are read
        with ``axes``, or a one-line ``ValueError`` if its scale is out of :data:`SCALE_RANGE`."""
        dims = shape_of(shape, min_ndim=2 if self.law.needs_fans else 1)
        try:
            t: Target | None = self._target(dims, axes)
            std, *magnitudes = _scales(t) if t is not None else (math.nan,)
        except (OverflowError, ZeroDivisionError):
            t, std, magnitudes = None, math.inf, []
        low, high = SCALE_RANGE
        if t is None or not (low <= std <= high and all(m <= high for m in magnitudes)):
            params = ", ".join(f"{k}={v}" for k, v in self.given.items())
            what = t.describe() if t is not None else "a std that over- or underflows float64"
            raise ValueError(
                f"law {self.name}({params}) on shape {'x'.join(map(str, dims))} gives {what}; "
                "accepted: a std between 2^-100 and 2^100 and a mean and bounds within ±2^100 "
                "(float32 draws and their fourth powers stay finite)"
            )
        return t

    def _target(self, dims: Shape, axes: Axes) -> Target:
        p, family = self.params, self.family
        if family == "constant":
            return Constant(_num(p, "value"))
        if family == "uniform":
            return Uniform(_num(p, "a"), _num(p, "b"))
        if family == "orthogonal":
            rows, cols = axes.matrix_shape(dims)
            return Orthogonal(_num(p, "gain"), rows, cols, axes)
        cut = self.truncation
        if family in ("normal", "truncated_normal"):
            mean, std = _num(p, "mean"), _num(p, "std")
            if family == "normal":
                return TruncatedNormal(mean, std)
            if cut is None:
                return TruncatedNormal(mean, std, _num(p, "a"), _num(p, "b"))
            return keras_truncated(mean, std, cut == "corrected")
        var = self.gain**2 / fan_by_mode(*axes.fans(dims), str(p["mode"]))
        if p["distribution"] == "uniform":
            bound = math.sqrt(3.0 * var)
            return Uniform(-bound, bound)
        if p["distribution"] == "normal":
            return TruncatedNormal(0.0, math.sqrt(var))
        return keras_truncated(0.0, math.sqrt(var), cut == "corrected")


def _scales(t: Target) -> tuple[float, ...]:
    """The std, then the magnitudes of the mean and bounds, of a target (a constant has none)."""
    if isinstance(t, Constant):
        return (1.0,)
    if isinstance(t, Orthogonal):
        return (t.gain,)
    bounds = [abs(b) for b in t.support if math.isfinite(b)]
    return (t.var**0.5, abs(t.mean), *bounds)


def resolve(name: str, given: Mapping[str, object]) -> ResolvedLaw:
    """The law called ``name`` (or an alias) with its full parameter set: defaults, then ``given``
    (checked), then the fixed ones; a one-line ``ValueError`` for an unknown law or a bad
    parameter."""
    name = canonical(name)
    law = LAWS[name]
    parsed = {k: parse_value(name, k, v) for k, v in given.items()}
    out: dict[str, Param] = {**law.params, **parsed}
    if law.family == "truncated_normal" and (out["a"] is None) != (out["b"] is None):
        raise ValueError("law truncated_normal needs both a and b (absolute bounds) or neither")
    bounded = law.family == "uniform" or (law.family == "truncated_normal" and out["a"] is not None)
    if bounded and not _num(out, "a") < _num(out, "b"):
        raise ValueError(f"law {name} needs a < b, got a={out['a']}, b={out['b']}")
    if law.family == "fan" and "nonlinearity" in out and out.get("gain") is None:
        gain(str(out["nonlinearity"]), _num(out, "a"))
    out.update(law.fixed)
    return ResolvedLaw(name, law, out, parsed)


def _num(params: Mapping[str, Param], key: str) -> float:
    value = params[key]
    assert isinstance(value, float)
    return value


def keras_truncated(mean: float, std: float, corrected: bool = True) -> TruncatedNormal:
    """The normal cut at ±2 parent σ: parent σ = std/TRUNCATED_STD when ``corrected`` (so the
    result has std ``std``), else σ = std."""
    sigma = std / TRUNCATED_STD if corrected else std
    return TruncatedNormal(mean, sigma, mean - 2.0 * sigma, mean + 2.0 * sigma)


def describe_laws() -> str:
    """One line per law: name, settable parameters with defaults, formula (``--list-laws``)."""
    lines = []
    for name, law in LAWS.items():
        params = ", ".join(f"{k}={'unset' if v is None else v}" for k, v in law.params.items())
        lines.append(f"{name:<17} {params or '-'}\n{'':<17} {law.formula}")
    lines.append("aliases: " + ", ".join(f"{a} = {b}" for a, b in ALIASES.items()))
    lines.append(
        "(fan laws: fan_in/fan_out from --layout "
        + ", ".join(a.describe() for a in LAYOUTS.values())
        + ", or explicit --in-axis/--out-axis/--batch-axis)"
    )
    return "\n".join(lines)
