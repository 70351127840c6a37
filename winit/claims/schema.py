"""The ``results.json`` format: its version, its JSON encoding, and validation on reading.

``results.json`` holds ``{"schema": "winit-results", "version": 1, "run": {...}, "claims": [...]}``
(written by :mod:`winit.claims.collect`, read by :mod:`winit.report.inputs`). Validation checks
the type of every field the report reads, so a file that passes renders or fails in one line. Non-finite numbers
are stored as the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"`` so the file is strict JSON.
Only the fields ``run.started`` and the ``duration_s`` fields change between identical runs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from winit.atomic import ReportError
from winit.claims.evidence import SCALES
from winit.claims.record import EXPECTED_VERDICTS

SCHEMA = "winit-results"
VERSION = 1
OBSERVED_VERDICTS = ("holds", "refuted-as-stated", "fails", "interrupted", "missing", "not-run")
NONFINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}

Results = dict[str, Any]


def partial_path(path: Path) -> Path:
    """Where a partial run (``-k``, ``-m``, a subset of files) writes its results instead of
    ``path``: ``results.json`` → ``results.partial.json``, so the last complete run's stay."""
    return path.with_suffix(".partial.json")


def previous_path(path: Path) -> Path:
    """Where a complete run keeps the complete run it replaces (the report's diff):
    ``results.json`` → ``results.previous.json``."""
    return path.with_suffix(".previous.json")


def latest_results(path: Path) -> Path:
    """``path``, or its partial run's results when those are newer (or ``path`` is missing)."""
    partial = partial_path(path)
    if partial.exists() and (not path.exists() or partial.stat().st_mtime >= path.stat().st_mtime):
        return partial
    return path


def jsonable(value: Any) -> Any:
    """``value`` with non-finite floats spelled as strings and numpy scalars as Python ones."""
    if hasattr(value, "item") and not isinstance(value, list | dict | str):
        value = value.item()  # numpy scalar
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def dumps(results: Results) -> str:
    """Strict, stable JSON text of ``results``."""
    return json.dumps(jsonable(results), allow_nan=False, ensure_ascii=False) + "\n"


def as_float(value: object) -> float:
    """A number of ``results.json`` (possibly a non-finite string) as a float; None → NaN."""
    if value is None:
        return math.nan
    if isinstance(value, str):
        return NONFINITE[value]
    if isinstance(value, int | float):
        return float(value)
    raise TypeError(f"not a number: {value!r}")


# --- validation ----------------------------------------------------------------------------

Validator = Callable[[Any], bool]


def _is_number(v: Any) -> bool:
    return (isinstance(v, int | float) and not isinstance(v, bool)) or (
        isinstance(v, str) and v in NONFINITE
    )


def _is_str(v: Any) -> bool:
    return isinstance(v, str)


def _optional(check: Validator) -> Validator:
    return lambda v: v is None or check(v)


def _numbers(v: Any) -> bool:
    return isinstance(v, list) and all(x is None or _is_number(x) for x in v)


def _one_of(options: tuple[str, ...]) -> Validator:
    return lambda v: isinstance(v, str) and v in options


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _list_of(check: Validator) -> Validator:
    return lambda v: isinstance(v, list) and all(check(x) for x in v)


def _object(**fields: Validator) -> Validator:
    """An object whose listed fields, where present, pass their checks (others are free)."""
    return lambda v: isinstance(v, dict) and all(f(v[k]) for k, f in fields.items() if k in v)


def _map_of(check: Validator) -> Validator:
    return lambda v: isinstance(v, dict) and all(check(x) for x in v.values())


_OPT_STR = (_optional(_is_str), "a string or null")
_SELECTION = _object(args=_list_of(_is_str), selected=_optional(_is_int),
                     deselected=_optional(_is_int), keyword=_optional(_is_str),
                     interrupted=lambda v: isinstance(v, bool))  # fmt: skip
_EXAMPLES = _optional(_object(passing=_is_int, failing=_is_int, invalid=_is_int,
                              stopped_because=_is_str, events=_map_of(_is_int)))  # fmt: skip
_FAILURE = _object(message=_is_str, nodeid=_is_str, falsifying_example=_optional(_is_str),
                   reproduce=_is_str, reproduce_failure=_optional(_is_str))  # fmt: skip


#: The fields every entry must have, by kind of entry: (check, what it must be).
_FIELDS: dict[str, dict[str, tuple[Validator, str]]] = {
    "run": {
        "started": (_is_str, "a string"),
        "duration_s": (_is_number, "a number"),
        "exitstatus": (_is_int, "an integer"),
        "selection": (
            lambda v: _SELECTION(v) and isinstance(v.get("partial"), bool),
            "an object with partial (true or false), keyword, args, selected, deselected",
        ),
    },
    "claim": {
        "id": (_is_str, "a string"),
        "group": (_is_str, "a string"),
        "title": (_is_str, "a string"),
        "source": (_is_str, "a string"),
        "quote": (_is_str, "a string"),
        "statement": (_is_str, "a string"),
        "expected": (_one_of(EXPECTED_VERDICTS), f"one of {EXPECTED_VERDICTS}"),
        "observed": (_one_of(OBSERVED_VERDICTS), f"one of {OBSERVED_VERDICTS}"),
        "tests": (lambda v: isinstance(v, list), "a list"),
        "checks": (lambda v: isinstance(v, list), "a list"),
        "numbers": (lambda v: isinstance(v, dict), "an object"),
        "series": (lambda v: isinstance(v, dict), "an object"),
        "refutation": (_optional(_is_str), "a string or null"),
        "failure": (_optional(_FAILURE), "an object (message, nodeid, reproduce) or null"),
    },
    "test": {
        "nodeid": (_is_str, "a string"),
        "outcome": (_is_str, "a string"),
    },
    "other_test": {
        "nodeid": (_is_str, "a string"),
        "outcome": (_is_str, "a string"),
    },
    "check": {
        "name": (_is_str, "a string"),
        "test": (_is_str, "a string"),
        "measured": (_is_number, "a number"),
        "low": (_is_number, "a number"),
        "high": (_is_number, "a number"),
        "alpha": (_is_number, "a number"),
        "power": (_optional(_is_number), "a number or null"),
        "passed": (lambda v: isinstance(v, bool), "true or false"),
    },
    "series": {
        "x": (_numbers, "a list of numbers"),
        "y": (_numbers, "a list of numbers"),
        "xlabel": (_is_str, "a string"),
        "ylabel": (_is_str, "a string"),
        "group": (_is_str, "a string"),
    },
}


#: The fields an entry may have, checked where present (the page reads them).
_OPTIONAL: dict[str, dict[str, tuple[Validator, str]]] = {
    "run": {
        "winit_version": _OPT_STR, "git_commit": _OPT_STR, "python": _OPT_STR,
        "numpy": _OPT_STR, "hypothesis": _OPT_STR, "hypothesis_profile": _OPT_STR,
        "git_dirty": (_optional(lambda v: isinstance(v, bool)), "true, false or null"),
        "hypothesis_seed": (_optional(lambda v: _is_str(v) or _is_int(v)), "a seed or null"),
        "workers": (_is_int, "an integer"),
        "args": (_list_of(_is_str), "a list of strings"),
        "collection_errors": (_list_of(_object(nodeid=_is_str, message=_is_str)),
                              "a list of {nodeid, message} objects"),
        "blas": (_optional(_object(name=_optional(_is_str), version=_optional(_is_str),
                                   core=_optional(_is_str), threads=_optional(_is_int))),
                 "an object (name, version, core, threads) or null"),
    },
    "claim": {
        "lead": (_is_str, "a string"), "domain": (_is_str, "a string"),
        "statistics": (_is_str, "a string"), "main_plot": _OPT_STR,
        "counterexample": _OPT_STR, "examples": (_is_int, "an integer"),
        "findings": (_map_of(_is_str), "an object of strings"),
        "budget": (_optional(_object(alpha=_is_number, limit=_is_number)),
                   "an object (alpha, limit) or null"),
    },
    "test": {"examples": (_EXAMPLES, "an object of example counts or null"),
             "failure": (_optional(_FAILURE), "an object (message, nodeid, reproduce) or null")},
    "other_test": {"failure": (_optional(_object(message=_is_str)), "an object or null")},
    "check": {
        "expected": (_optional(_is_number), "a number or null"),
        "mde": (_optional(_is_number), "a number or null"), "mde_of": _OPT_STR,
        "n": (_optional(_is_number), "a number or null"),
        "per_example": (_optional(_is_number), "a number or null"),
        "against": _OPT_STR,
    },
    "series": {
        "name": (_is_str, "a string"), "kind": (_is_str, "a string"), "facet": _OPT_STR,
        "cap": (_optional(_is_number), "a number or null"),
        "xinvert": (lambda v: isinstance(v, bool), "true or false"),
        "shade": (_object(ranges=_list_of(_list_of(_is_number)), label=_is_str),
                  "an object (ranges: [[x0, x1], ...], label)"),
    },
}  # fmt: skip


def _check_fields(kind: str, obj: Any, where: str) -> None:
    if not isinstance(obj, dict):
        raise ReportError(f"{where}: expected an object, got {type(obj).__name__}")
    for key, (valid, wanted) in _FIELDS[kind].items():
        if key not in obj:
            raise ReportError(f"{where}: missing field {key!r}")
        if not valid(obj[key]):
            raise ReportError(f"{where}.{key}: expected {wanted}, got {_shown(obj[key])}")
    for key, (valid, wanted) in _OPTIONAL.get(kind, {}).items():
        if key in obj and not valid(obj[key]):
            raise ReportError(f"{where}.{key}: expected {wanted}, got {_shown(obj[key])}")


def _shown(value: Any) -> str:
    """``value`` as an error message shows it: one line, at most 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _check_series(entry: Any, where: str) -> None:
    _check_fields("series", entry, where)
    n = len(entry["x"])
    for key in ("y", "low", "high"):
        if key in entry and not (_numbers(entry[key]) and len(entry[key]) == n):
            raise ReportError(f"{where}.{key}: expected {n} numbers like x")
    if "scale" in entry and entry["scale"] not in SCALES:
        raise ReportError(f"{where}.scale: expected one of {SCALES}, got {_shown(entry['scale'])}")


def validate(data: Any, source: str = "results.json") -> Results:
    """``data`` if it is a ``results.json`` of the version this winit reads, else a one-line
    :class:`ReportError` naming the first problem."""
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ReportError(f'{source}: not a winit results file (no "schema": "{SCHEMA}")')
    if data.get("version") != VERSION:
        raise ReportError(
            f"{source}: unknown schema version {data.get('version')!r:.20}; "
            f"this winit reads version {VERSION}"
        )
    _check_fields("run", data.get("run"), f"{source}: run")
    claims = data.get("claims")
    if not isinstance(claims, list):
        raise ReportError(f"{source}: claims: expected a list")
    seen: set[str] = set()
    for i, claim in enumerate(claims):
        where = f"{source}: claims[{i}]"
        _check_fields("claim", claim, where)
        for j, test in enumerate(claim["tests"]):
            _check_fields("test", test, f"{where}.tests[{j}]")

        for j, check in enumerate(claim["checks"]):
            _check_fields("check", check, f"{where}.checks[{j}]")
        for name, entry in claim["series"].items():
            _check_series(entry, f"{where}.series[{name!r}]")
        if not all(_is_number(v) for v in claim["numbers"].values()):
            raise ReportError(f"{where}.numbers: expected numbers")
        if claim["id"] in seen:
            raise ReportError(f"{where}.id: {_shown(claim['id'])} appears twice")
        seen.add(claim["id"])
    others = data.get("other_tests", [])
    if not isinstance(others, list):
        raise ReportError(f"{source}: other_tests: expected a list")
    for j, test in enumerate(others):
        _check_fields("other_test", test, f"{source}: other_tests[{j}]")
    return data


def load_results(path: Path) -> Results:
    """Read and validate a ``results.json``; every problem is one line of :class:`ReportError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportError(
            f"{path}: not found (run the properties first: nox -s properties)"
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ReportError(f"{path}: cannot read: {e}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ReportError(
            f"{path}: not valid JSON (truncated or hand-edited?): {e.msg} at line {e.lineno}"
        ) from None
    return validate(data, str(path))
