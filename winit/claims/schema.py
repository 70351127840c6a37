"""The ``results.json`` format: its version, its JSON encoding, and validation on reading.

``results.json`` holds ``{"schema": "winit-results", "version": 1, "run": {...}, "claims": [...]}``
(written by :mod:`winit.claims.collect`, read by :mod:`winit.report.render`). Non-finite numbers
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
    return (isinstance(v, int | float) and not isinstance(v, bool)) or v in NONFINITE


def _is_str(v: Any) -> bool:
    return isinstance(v, str)


def _optional(check: Validator) -> Validator:
    return lambda v: v is None or check(v)


def _numbers(v: Any) -> bool:
    return isinstance(v, list) and all(x is None or _is_number(x) for x in v)


def _one_of(options: tuple[str, ...]) -> Validator:
    return lambda v: v in options


_FIELDS: dict[str, dict[str, tuple[Validator, str]]] = {
    "run": {
        "started": (_is_str, "a string"),
        "duration_s": (_is_number, "a number"),
        "exitstatus": (lambda v: isinstance(v, int), "an integer"),
    },
    "claim": {
        "id": (_is_str, "a string"),
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
        "failure": (_optional(lambda v: isinstance(v, dict)), "an object or null"),
    },
    "test": {
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


def _check_fields(kind: str, obj: Any, where: str) -> None:
    if not isinstance(obj, dict):
        raise ReportError(f"{where}: expected an object, got {type(obj).__name__}")
    for key, (valid, wanted) in _FIELDS[kind].items():
        if key not in obj:
            raise ReportError(f"{where}: missing field {key!r}")
        if not valid(obj[key]):
            raise ReportError(f"{where}.{key}: expected {wanted}, got {obj[key]!r:.60}")


def _check_series(entry: Any, where: str) -> None:
    _check_fields("series", entry, where)
    n = len(entry["x"])
    for key in ("y", "low", "high"):
        if key in entry and not (_numbers(entry[key]) and len(entry[key]) == n):
            raise ReportError(f"{where}.{key}: expected {n} numbers like x")
    if "scale" in entry and entry["scale"] not in SCALES:
        raise ReportError(f"{where}.scale: expected one of {SCALES}, got {entry['scale']!r:.60}")


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
