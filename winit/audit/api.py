"""``winit.audit(model_or_builder)``: every parameter and buffer of a PyTorch, Keras 3 or Flax
model checked against the law its code names, on each path that builds it
(:mod:`winit.audit.frameworks`).

Tensors sharing a law are pooled per group of names (layer indices as ``*``), standardised, and
checked with verify's statistics; the run's false-alarm budget ``alpha`` is split evenly
(Bonferroni) over every statistical check of every group on every path, and each check states its
power against the named errors. At most ``sample`` values are read per tensor for the
distribution checks; by default as many as a variance check at that alpha needs to catch a std
10 % off with the stated power. Extremes, non-finite values and uninitialised memory are checked
on every value.

Longer than winit's other modules: the result types and the pipeline that fills them (grouping,
sampling, the checks per group, the check across paths) are read together.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from winit import stats
from winit.audit.adapter import (
    Constant,
    ElementLaw,
    Orthogonal,
    Row,
    Target,
    TruncatedNormal,
    Uniform,
    alternatives,
    truncation,
)
from winit.audit.adapter import target as law_target
from winit.audit.checks import (
    BLOCK,
    POOLED,
    STATISTICAL,
    STD_ERROR,
    constant_row,
    count_near,
    count_nonfinite,
    count_odd,
    element_rows,
    exact,
    hygiene_rows,
    orthogonal_row,
    standardised,
    std_alternatives,
)
from winit.audit.expect import Expectation, parse_expectation
from winit.audit.frameworks import ACCEPTED, build_path, rebuildable
from winit.audit.identify import VACUOUS_CUT, identify
from winit.audit.kinds import NoPathError, call_builder, is_model
from winit.audit.model import (
    ALL_PATHS,
    BY_MODULE,
    PATHS,
    Builder,
    Floats,
    Named,
    Region,
    by_module,
    load_spec,
    pattern_of,
)
from winit.stats import POWER, RUN_ALPHA

#: standardised values a group keeps for the page's histogram
KEPT = 2000
#: a region's values once digested (the by-module path keeps no values)
NOTHING: Floats = np.zeros(0, dtype=np.float32)
#: tensors a failing pooled group names as farthest off
NAMED_OFF = 3


@dataclass(frozen=True)
class Group:
    """Tensors of one path whose names share a pattern and whose regions share a law."""

    path: str
    pattern: str
    named: Named
    law: str
    tensors: tuple[str, ...]
    values: int
    read: int
    identified: str
    rows: tuple[Row, ...]
    notes: tuple[str, ...]
    #: the standardised law the distribution checks compared with (None: no element law)
    standard: ElementLaw | None = None
    #: at most :data:`KEPT` of the standardised values those checks used, evenly spaced in the
    #: pooled sample (what ``winit audit --html`` draws; not in :meth:`as_dict`)
    kept: tuple[float, ...] = field(default=(), repr=False)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.rows)

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path, "pattern": self.pattern, "named": self.named.as_dict(),
            "law": self.law, "tensors": list(self.tensors), "values": self.values,
            "read": self.read, "identified": self.identified, "passed": self.passed,
            "rows": [r.as_dict() for r in self.rows], "notes": list(self.notes),
        }  # fmt: skip


@dataclass(frozen=True)
class AuditResult:
    """The outcome of :func:`audit`: one :class:`Group` per path and law group, and ``across``,
    the checks that each group's law is the same on every path."""

    name: str
    seed: int
    alpha: float
    check_alpha: float
    power: float
    sample: int
    paths: tuple[tuple[str, str], ...]
    groups: tuple[Group, ...]
    across: tuple[Row, ...]

    @property
    def passed(self) -> bool:
        return all(g.passed for g in self.groups) and all(r.passed for r in self.across)

    def __bool__(self) -> bool:
        """False when a check failed: ``assert winit.audit(build)`` fails on it."""
        return self.passed

    @property
    def failures(self) -> tuple[tuple[str, Row], ...]:
        out = [(f"{g.path} {g.pattern}", r) for g in self.groups for r in g.rows if not r.passed]
        return tuple(out + [("paths", r) for r in self.across if not r.passed])

    def __repr__(self) -> str:
        """One line, the failing checks first (pytest shows it for a failing ``assert``)."""
        checks = sum(len(g.rows) for g in self.groups) + len(self.across)
        if self.passed:
            return f"<audit {self.name}: PASSED {checks} checks>"
        text = "; ".join(f"{where}: {_why(r)}" for where, r in self.failures)
        return f"<audit {self.name}: FAILED {len(self.failures)} of {checks}: {text}>"

    def __str__(self) -> str:
        from winit.audit.table import render  # the table imports this module

        return render(self)

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": "audit", "model": self.name, "seed": self.seed, "alpha": self.alpha,
            "check_alpha": self.check_alpha, "power": self.power, "sample": self.sample,
            "paths": {p: how for p, how in self.paths}, "passed": self.passed,
            "groups": [g.as_dict() for g in self.groups],
            "across": [r.as_dict() for r in self.across],
        }  # fmt: skip


def _why(row: Row) -> str:
    c = row.check
    return row.diagnosis or f"{c.name} {c.measured:.4g} not in [{c.low:.4g}, {c.high:.4g}]"


def _form(t: Target | None) -> tuple[object, ...]:
    """What regions must share to be pooled: the law's standardised form."""
    if t is None:
        return ("none",)
    if isinstance(t, Constant):
        return ("constant", t.value)
    if isinstance(t, Orthogonal):
        return ("orthogonal", t.gain)
    s = standardised(t)
    if isinstance(s, Uniform):
        return ("uniform", round(s.low, 9), round(s.high, 9))
    return ("normal", *(round(f, 9) for f in (s.loc, s.scale, s.low, s.high)))


def _describe(r: Region) -> str:
    return r.target.describe() if r.target is not None else r.named.text


def group_regions(regions: Sequence[Region]) -> list[list[Region]]:
    """Regions pooled by (pattern, named law, standardised form), in first-seen order."""
    groups: dict[tuple[object, ...], list[Region]] = {}
    for r in regions:
        key = (r.pattern, r.named.source, r.named.text, _form(r.target))
        groups.setdefault(key, []).append(r)
    return list(groups.values())


def _finite(values: Floats) -> Floats:
    """The finite values (the array itself where every value is: no copy)."""
    lo, hi = (float(np.min(values)), float(np.max(values))) if values.size else (0.0, 0.0)
    return values if math.isfinite(lo) and math.isfinite(hi) else values[np.isfinite(values)]


def _sample(r: Region, cap: int, seed: int) -> NDArray[np.float64]:
    x = _finite(r.values)
    if x.size > cap:
        rng = np.random.default_rng([seed, zlib.crc32(r.name.encode())])
        x = x[rng.choice(x.size, cap, replace=False)]
    return x.astype(np.float64)


def _vacuous(t: Target | None) -> str:
    """A note when ``t`` is a normal cut so far out that the cut never happens."""
    if not isinstance(t, TruncatedNormal) or not t.truncated:
        return ""
    cut = min(t.loc - t.low, t.high - t.loc) / t.scale
    if cut <= VACUOUS_CUT:
        return ""
    return (
        f"truncation vacuous: the bounds [{t.low:g}, {t.high:g}] lie {cut:.3g}σ out, so the "
        "values are an untruncated normal; torch's trunc_normal_ takes absolute bounds, not "
        "bounds in σ units as scipy's truncnorm"
    )


def _disagreement(r: Region) -> str:
    """A note when the law the code names differs from the expectation that displaced it."""
    if r.displaced is None:
        return ""
    code = r.displaced.text
    if r.displaced.law is not None:
        try:
            theirs = law_target(r.displaced.law, r.displaced.params, r.drawn, r.axes)
        except ValueError:
            theirs = None
        if theirs is not None and r.target is not None and theirs.describe() == r.target.describe():
            return ""
        code += f" = {theirs.describe()}" if theirs is not None else ""
    return f"{r.name}: the code names {code}; the expectation {r.named.text}"


def _notes(regions: Sequence[Region]) -> list[str]:
    notes = [_vacuous(regions[0].target), *(_disagreement(r) for r in regions)]
    return [n for n in notes if n]


@dataclass(frozen=True)
class Digest:
    """What a group's checks read of one region: counts over every value, how far its finite
    values reach (in σ of an element law), a sample of at most the cap, the orthogonality row,
    the law its values look like, and whether a second build under the seed gave the same
    tensor (``None``: no second build). Once it is taken the region's values can go (the
    ``by-module`` path frees each module after it)."""

    size: int
    nonfinite: int
    odd: int
    near: int
    far: float
    sample: NDArray[np.float64]
    orthogonal: Row | None
    identified: str
    same: bool | None


def digest(r: Region, cap: int, seed: int, again: Floats | None) -> Digest:
    """The :class:`Digest` of region ``r`` (``again``: its tensor's values in a second build)."""
    # uninitialised memory can hold signalling NaNs, which raise numpy's invalid-value warning
    # when compared or cast; the non-finite check counts them
    with np.errstate(invalid="ignore"):
        t, values = r.target, r.values
        sample = _sample(r, cap, seed)
        far = 0.0
        finite = _finite(values)
        if t is not None and not isinstance(t, Constant | Orthogonal) and finite.size:
            reach = max(float(finite.max()) - t.mean, t.mean - float(finite.min()))
            far = reach / t.var**0.5
        m = r.matrix
        return Digest(
            size=values.size,
            nonfinite=count_nonfinite(values),
            odd=count_odd(values),
            near=count_near(values, t.value, r.eps) if isinstance(t, Constant) else 0,
            far=far,
            sample=sample,
            orthogonal=(
                orthogonal_row(r.name, m, t, r.eps)
                if isinstance(t, Orthogonal) and m is not None else None
            ),
            identified=identify(sample, m, r.fans),
            same=None if again is None else _same(r.tensor, again),
        )  # fmt: skip


def check_group(
    path: str, regions: Sequence[Region], again: Mapping[str, Floats] | None,
    alpha: float, sample: int, seed: int,
) -> Group:  # fmt: skip
    """Every check of one group (see :mod:`winit.audit.checks`)."""
    digests = [digest(r, sample, seed, None if again is None else again[r.name]) for r in regions]
    return check_digests(path, regions, digests, alpha)


def check_digests(
    path: str, regions: Sequence[Region], digests: Sequence[Digest], alpha: float
) -> Group:
    """Every check of one group from its regions' digests (the regions' values unread)."""
    first, t = regions[0], regions[0].target
    law: ElementLaw | None = None
    kept: tuple[float, ...] = ()
    attribution = ""
    rows = hygiene_rows(
        sum(d.nonfinite for d in digests), sum(d.odd for d in digests),
        t.value if isinstance(t, Constant) else None,
    )  # fmt: skip
    size = sum(d.size for d in digests)
    if isinstance(t, Constant):
        rows.append(constant_row(sum(d.near for d in digests), size, t))
    elif isinstance(t, Orthogonal):
        rows += [d.orthogonal for d in digests if d.orthogonal is not None]
    elif t is not None:
        law = standardised(t)
        z = []
        for r, d in zip(regions, digests, strict=True):
            tr: ElementLaw = r.target  # type: ignore[assignment]
            z.append((d.sample - tr.mean) / tr.var**0.5)
        far = [d.far for d in digests]
        fans = first.fans or (1, 1)
        assert first.named.law is not None
        cut = truncation(first.named.law, first.named.params) == "corrected"
        found = alternatives(first.named.law, first.named.params, t, *fans)
        alts = std_alternatives(found, t.var**0.5, cut)
        pooled = np.concatenate(z)
        if pooled.size:  # else no finite value to read: the non-finite count fails the group
            rows += element_rows(pooled, max(far, default=0.0), size, law, alts, alpha, first.eps)
            kept = tuple(pooled[:: math.ceil(pooled.size / KEPT)].tolist())
            attribution = _attribution(regions, z, far, rows)
    names = tuple(dict.fromkeys(r.name for r in regions))
    if digests[0].same is not None:
        same = dict.fromkeys(names, True)
        for r, d in zip(regions, digests, strict=True):
            same[r.name] = same[r.name] and bool(d.same)
        differ = sum(not v for v in same.values())
        rows.append(
            exact("tensors differing between two builds under one seed (count)", float(differ), 0.0)
        )
    return Group(
        path, first.pattern, first.named, _describe(first), names, size,
        sum(d.sample.size for d in digests), digests[0].identified, tuple(rows),
        tuple(n for n in (*_notes(regions), attribution) if n), law, kept,
    )  # fmt: skip


def _attribution(
    regions: Sequence[Region], z: Sequence[Floats], far: Sequence[float], rows: Sequence[Row]
) -> str:
    """Which tensors of a pooled group a failing statistical check comes from: those whose own
    largest |value| passes the extremes check's limit, and for a failing mean, variance or shape
    the tensors whose own standardised sample is farthest off (mean square from 1, then |mean|), at most
    :data:`NAMED_OFF`; "" when the group passes or holds one tensor."""
    failed = {r.check.name for r in rows if not r.passed}
    if len({r.name for r in regions}) < 2 or not failed:
        return ""
    off = []
    extreme = rows[-1].check
    if not rows[-1].passed:
        off += [f"{r.name} (largest |value| {f:.3g}σ)" for r, f in zip(regions, far, strict=True)
                if f > extreme.high]  # fmt: skip
    if failed - {extreme.name}:
        squares = [float(np.mean(x * x)) if x.size else 1.0 for x in z]
        means = [abs(float(np.mean(x))) if x.size else 0.0 for x in z]
        order = sorted(
            range(len(regions)), key=lambda i: (-abs(math.log(squares[i] or 1e-300)), -means[i])
        )
        off += [
            f"{regions[i].name} (mean square {squares[i]:.3g}, |mean| {means[i]:.3g}, standardised)"
            for i in order[:NAMED_OFF]
        ]
    return "tensors off: " + "; ".join(off[: 2 * NAMED_OFF]) if off else ""


def _same(a: Floats, b: Floats) -> bool:
    """Equal values (NaN equal to NaN, checked only where a plain comparison fails), compared in
    blocks so the temporaries stay small beside a large tensor."""
    if a.shape != b.shape:
        return False
    step = BLOCK
    return all(
        np.array_equal(x, y) or np.array_equal(x, y, equal_nan=True)
        for x, y in ((a[i : i + step], b[i : i + step]) for i in range(0, a.size, step))
    )


def _path_key(g: Group) -> str:
    """What must agree across paths: the named law, or for a group with none, whether its values
    are one constant (a random tensor left zero, or uninitialised, differs)."""
    if g.named.law is not None:
        return g.law
    looks = g.identified if g.identified.startswith("constant") else "not constant"
    return f"no declared law ({looks})"


def across_paths(groups: Sequence[Group]) -> list[Row]:
    """Per pattern built on several paths: the same laws on each (:func:`_path_key`)."""
    seen: dict[str, dict[str, set[str]]] = {}
    for g in groups:
        seen.setdefault(g.pattern, {}).setdefault(g.path, set()).add(_path_key(g))
    rows = []
    for pattern, by_path in seen.items():
        if len(by_path) < 2:
            continue
        laws = list(by_path.values())
        same = all(x == laws[0] for x in laws[1:])
        detail = "; ".join(f"{p}: {' + '.join(sorted(v))}" for p, v in by_path.items())
        check = stats.exact_check(f"{pattern}: same law on every path", float(same), 1.0)
        rows.append(
            Row(
                shape=POOLED,
                check=check,
                diagnosis="" if same else f"{pattern}: law differs between paths — {detail}",
            )
        )
    return rows


def default_sample(check_alpha: float, power: float) -> int:
    """Values per tensor a variance check at ``check_alpha`` needs to catch a std 10 % off
    either way with ``power`` (normal data)."""
    return stats.variance_sample_size(STD_ERROR**2, check_alpha, power)


def audit(
    model_or_builder: Any,
    *,
    expect: Mapping[str, str] | Sequence[str] | None = None,
    seed: int = 0,
    paths: Sequence[str] | None = None,
    sample: int | None = None,
    alpha: float = RUN_ALPHA,
    power: float = POWER,
    name: str | None = None,
) -> AuditResult:
    """Audit a model's initial values against the laws its code names.

    Args:
      model_or_builder: a ``torch.nn.Module``, ``keras.Model``, ``flax.nnx.Module`` or Flax
        linen variables (checked as built, no init call recorded), a callable returning one
        (built under ``seed`` with its init calls recorded; see :mod:`winit.audit.kinds` for
        a JAX builder's seed), or a ``"MODULE:EXPR"`` string.
      expect: ``{glob: law}`` (or ``["glob=law", ...]``): what the author meant for the tensors
        whose names match; beats the recorded call, e.g. ``{"*.c_proj.weight":
        "normal(std=0.02/sqrt(24))"}``.
      seed: torch seed of every build.
      paths: ``built`` and/or ``loaded`` (the path of a checkpoint with missing keys); default
        every path the input can take (a plain torch module instance cannot be rebuilt: built).
      sample: most values read per tensor by the distribution checks (default: computed).
      alpha: the run's false-alarm budget, split over every statistical check.
      power: the power each distribution check is sized for.
      name: the model's name in the result.

    Returns:
      An :class:`AuditResult`, falsy when a check fails, ``str()`` its table. Bad arguments
      raise a one-line ``ValueError``.

    >>> import torch
    >>> bool(audit(lambda: torch.nn.Linear(64, 32), paths=["built"]))
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    if not (0.0 < alpha < 1.0 and 0.0 < power < 1.0):
        raise ValueError(f"alpha and power must lie in (0, 1), got {alpha}, {power}")
    if sample is not None and (
        isinstance(sample, bool) or not isinstance(sample, int) or sample < 2
    ):
        raise ValueError(f"sample must be an int >= 2, got {sample!r}")
    if paths is not None and (not paths or any(p not in ALL_PATHS for p in paths)):
        raise ValueError(f"paths must be some of {', '.join(ALL_PATHS)}, got {list(paths)}")
    expectations = _expectations(expect)
    builder, model = _builder(model_or_builder)
    explicit = paths is not None
    if paths is None:
        paths = PATHS if builder is not None or rebuildable(model) else ("built",)
    label = name or (
        model_or_builder if isinstance(model_or_builder, str) else _label(model_or_builder)
    )
    paths = list(dict.fromkeys(paths))
    cap = sample
    read: list[tuple[str, str, list[list[Region]], list[list[Digest]]]] = []
    if BY_MODULE in paths:  # sized before any value is read: one group per pattern and path
        if builder is None:
            raise ValueError("the by-module path needs a builder or a 'MODULE:EXPR' spec")
        how, meta_names, units = by_module(builder, seed, expectations)
        guess = stats.bonferroni(
            alpha, STATISTICAL * len(paths) * len(set(map(pattern_of, meta_names)))
        )
        cap = cap or default_sample(guess, power)
        read.append(_digested(units, cap, seed, how))
    built: list[tuple[str, str, list[list[Region]], Mapping[str, Floats] | None]] = []
    for path in paths:
        if path == BY_MODULE:
            continue
        try:
            regions, again, how, model = build_path(path, builder, model, seed, expectations)
        except NoPathError as e:
            if explicit:
                raise
            built.append((path, f"not taken: {e}", [], None))
            continue
        built.append((path, how, group_regions(regions), again))
    names = {r.name for _, _, gs, _ in [*built, *read] for g in gs for r in g}
    unmatched = [e.glob for e in expectations if not any(e.matches(n) for n in names)]
    if unmatched:
        raise ValueError(
            f"--expect {unmatched[0]!r} matches no tensor of the model; its tensors are named "
            f"like {', '.join(sorted(names)[:3])}"
        )
    n_checks = sum(
        STATISTICAL for _, _, groups, _ in [*built, *read] for g in groups
        if g[0].target is not None and not isinstance(g[0].target, Constant | Orthogonal)
    )  # fmt: skip
    each = stats.bonferroni(alpha, n_checks) if n_checks else 0.0
    cap = cap or (default_sample(each, power) if n_checks else 2)
    groups = [
        check_group(path, g, again, each, cap, seed)
        for path, _, gs, again in built for g in gs
    ] + [
        check_digests(path, g, ds, each)
        for path, _, gs, digests in read for g, ds in zip(gs, digests, strict=True)
    ]  # fmt: skip
    return AuditResult(
        label, seed, alpha, each, power, cap,
        tuple((p, how) for p, how, _, _ in [*built, *read]), tuple(groups),
        tuple(across_paths(groups)),
    )  # fmt: skip


def _digested(
    units: Iterable[tuple[list[Region], Mapping[str, Floats]]], cap: int, seed: int, how: str
) -> tuple[str, str, list[list[Region]], list[list[Digest]]]:
    """The by-module path's groups: each unit's regions digested as it is read, then kept
    without their values (the unit's memory goes back before the next is read)."""
    kept: list[Region] = []
    digests: dict[int, Digest] = {}
    for regions, again in units:
        for r in regions:
            light = dataclasses.replace(r, values=NOTHING, tensor=NOTHING)
            digests[id(light)] = digest(r, cap, seed, again[r.name])
            kept.append(light)
    groups = group_regions(kept)
    return BY_MODULE, how, groups, [[digests[id(r)] for r in g] for g in groups]


def _label(obj: Any) -> str:
    return str(getattr(obj, "__qualname__", None) or type(obj).__name__)


def _expectations(expect: Mapping[str, str] | Sequence[str] | None) -> list[Expectation]:
    if expect is None:
        return []
    if isinstance(expect, Mapping):
        return [parse_expectation(f"{k}={v}") for k, v in expect.items()]
    if isinstance(expect, str):
        raise ValueError("expect must be a dict {glob: law} or a list of 'glob=law' strings")
    return [parse_expectation(e) for e in expect]


def _builder(obj: Any) -> tuple[Builder | None, Any | None]:
    """(builder, model): a spec string or a callable builds; a module is the model itself."""
    if isinstance(obj, str):
        return load_spec(obj), None
    if is_model(obj):
        return None, obj
    if callable(obj):
        return functools.partial(call_builder, obj), None
    raise ValueError(
        f"audit takes {ACCEPTED}, a builder or 'MODULE:EXPR', got {type(obj).__name__}"
    )


def finite_json(value: object) -> object:
    """``value`` with every non-finite float as its string (strict JSON has no NaN or inf)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_json(v) for v in value]
    return value
