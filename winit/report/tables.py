"""The tables the report builds from other commands' outputs, each read from already-parsed
JSON (:mod:`winit.report.inputs` parses, tells the kind and dispatches here): ``winit verify``
and ``winit defaults`` outputs as rows with a badge (:class:`VerifyRun`), the framework
conformance table (:class:`Conformance`), and sections read loosely (:class:`Extra`: the first
list of objects as a table, the other values as facts; ``bench.json`` adds its goals table).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from winit.report.views import CheckView, check_view, fmt_number

MAX_COLUMNS = 12
MAX_ROWS = 200
MAX_CELL = 120


# --- winit verify and winit defaults ---------------------------------------------------------


@dataclass
class VerifyRun:
    """One ``winit verify --json`` (or ``winit defaults --json``) output: what it verified, its
    checks, or why it cannot be used."""

    id: str
    path: str
    initializer: str = "?"
    law: str = "?"
    params: str = ""
    layout: str = ""
    status: str = "fail"  # pass | fail | expected-fail | unreadable
    error: str | None = None
    checks: list[CheckView] = field(default_factory=list)
    shapes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status in ("fail", "unreadable")

    @property
    def passed_checks(self) -> int:
        return sum(c.passed for c in self.checks)

    @property
    def failing(self) -> str:
        """The failing checks' names, each once (without the shape)."""
        names = (c.name.split(": ", 1)[-1] for c in self.checks if not c.passed)
        return ", ".join(dict.fromkeys(names))


VERIFY_STATUS = {"pass": "✓ pass", "fail": "✗ fail", "expected-fail": "✓ fails as expected",
                 "unreadable": "✗ unreadable"}  # fmt: skip
_ROW_FIELDS = {"name", "measured", "low", "high", "alpha", "passed", "test"}


def _outcome(run: VerifyRun, passed: bool, expected: object) -> VerifyRun:
    """``run`` with its status: passed or not, against the outcome the output expected."""
    expect_fail = expected == "fail"
    if passed:
        run.status = "fail" if expect_fail else "pass"
        run.error = "expected to fail, but passed" if expect_fail else None
    else:
        run.status = "expected-fail" if expect_fail else "fail"
    return run


def _check_rows(rows: object, prefix: str) -> list[CheckView]:
    """The check rows of an output (verify's row format), each named after ``prefix`` (when
    given); rows that are not checks are left out."""
    views: list[CheckView] = []
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, dict) or not row.keys() >= _ROW_FIELDS:
            continue
        try:
            view = check_view(row)
        except (KeyError, TypeError, ValueError):
            continue
        name = f"{prefix}: {view.name}" if prefix else view.name
        views.append(CheckView(**{**view.__dict__, "name": name}))
    return views


def verify_run(path: Path, data: dict[str, Any]) -> VerifyRun:
    """A ``winit verify --json`` output; rows that are not checks are left out."""
    run = VerifyRun(f"verify-{path.stem}", path.name)
    run.initializer = str(data.get("initializer", "?"))
    run.law = str(data.get("law", "?"))
    params = data.get("params") or {}
    if isinstance(params, dict):
        run.params = ", ".join(f"{k}={v}" for k, v in params.items() if v is not None)
    run.layout = str(data.get("layout", ""))
    shapes = data.get("shapes")
    run.shapes = [str(s) for s in shapes] if isinstance(shapes, list) else []
    for row in data["rows"]:
        shape = row.get("shape") if isinstance(row, dict) else None
        dims = "×".join(str(s) for s in shape) if isinstance(shape, list) else ""
        run.checks += _check_rows([row], dims)
    return _outcome(run, data["passed"], data.get("expected"))


def audit_run(path: Path, data: dict[str, Any]) -> VerifyRun:
    """A ``winit audit --json`` output: every parameter group's checks on every path it was
    built on, then the checks that each group's law is the same on every path."""
    run = VerifyRun(f"verify-{path.stem}", path.name, law="the laws its code names")
    run.initializer = str(data.get("model", "?"))
    paths = data.get("paths")
    run.params = ", ".join(map(str, paths)) if isinstance(paths, dict) else ""
    groups = data.get("groups")
    for g in groups if isinstance(groups, list) else []:
        if isinstance(g, dict):
            run.checks += _check_rows(
                g.get("rows"), f"{g.get('path', '?')} {g.get('pattern', '?')}"
            )
    run.checks += _check_rows(data.get("across"), "paths")
    if not run.checks:
        run.error = f"{path.name} lists no check"
    passed = bool(data.get("passed")) and bool(run.checks)
    return _outcome(run, passed, data.get("expected"))


def defaults_run(path: Path, data: dict[str, Any]) -> VerifyRun:
    """A ``winit defaults --json`` output: each parameter of the layer against its documented
    law, as a row that passes or fails."""
    run = VerifyRun(f"verify-{path.stem}", path.name, law="documented defaults")
    run.initializer = str(data.get("layer", "?"))
    rows = [p for p in data["parameters"] if isinstance(p, dict)]
    for p in rows:
        shape = p.get("shape")
        dims = "×".join(str(s) for s in shape) if isinstance(shape, list) else ""
        run.checks.append(
            CheckView(
                name=f"{p.get('parameter', '?')}{f' ({dims})' if dims else ''}",
                test=str(p.get("verified_as", "")),
                measured="—",
                interval="—",
                expected=str(p.get("law", "")),
                note=str(p.get("reason") or ""),
                alpha="—",
                power="—",
                against="",
                detects="—",
                n="—",
                passed=str(p.get("verdict", "")).lower() == "pass",
            )
        )
    passed = bool(rows) and all(c.passed for c in run.checks)
    if not rows:
        run.error = f"{path.name} lists no parameter"
    return _outcome(run, passed, data.get("expected"))


# --- the framework conformance table -------------------------------------------------------


@dataclass
class Conformance:
    """The framework conformance table (``frameworks.json``): one row per framework and
    initializer, each with a pass/fail badge."""

    path: str
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[str, list[str]]] = field(default_factory=list)  # (status, cells)
    error: str | None = None

    @property
    def findings(self) -> int:
        return sum(status == "fail" for status, _ in self.rows)


def _row_status(row: dict[str, Any]) -> str:
    if isinstance(row.get("passed"), bool):
        return "pass" if row["passed"] else "fail"
    verdict = str(row.get("verdict", row.get("status", ""))).strip().lower()
    return {"pass": "pass", "passed": "pass", "ok": "pass", "fail": "fail",
            "failed": "fail"}.get(verdict, "other")  # fmt: skip


def _first_rows(data: Any) -> Any:
    """The records of a loosely read file: a list as it is, an object's ``rows``, else its
    first list of objects."""
    if not isinstance(data, dict):
        return data
    lists = [v for v in data.values() if isinstance(v, list) and v and isinstance(v[0], dict)]
    return data.get("rows", lists[0] if lists else [])


def conformance(path: Path, data: Any) -> Conformance:
    """``frameworks.json`` read loosely: a list of row objects, or an object whose ``rows`` (or
    first list of objects) are the rows."""
    table = Conformance(path.name)
    records = _first_rows(data)
    rows = [_flat(r) for r in records if isinstance(r, dict)] if isinstance(records, list) else []
    if not rows:
        table.error = f"{path.name} holds no rows"
        return table
    hidden = {"passed", "verdict", "status"}
    table.columns = [k for k in dict.fromkeys(k for r in rows for k in r) if k not in hidden]
    table.columns = table.columns[:MAX_COLUMNS]
    table.rows = [(_row_status(r), [_cell(r.get(c, "")) for c in table.columns])
                  for r in rows[:MAX_ROWS]]  # fmt: skip
    return table


# --- loosely read sections: bench, mutation score, flake rate, audit ------------------------


@dataclass
class Extra:
    """A section read loosely from another tool's JSON: facts (scalars) and one table."""

    id: str
    title: str
    path: str
    error: str | None = None
    facts: list[tuple[str, str]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    goals: list[dict[str, Any]] = field(default_factory=list)  # bench.json: bench_goal_rows


def _cell(value: object) -> str:
    if value is None or isinstance(value, bool):
        return {None: "—", True: "yes", False: "no"}[value]
    if isinstance(value, int | float):
        return fmt_number(value)
    if isinstance(value, list) and all(isinstance(v, int) for v in value):
        return "×".join(map(str, value))
    text = (
        value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)
    )
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def _flat(record: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, dict) and all(not isinstance(v, dict | list) for v in value.values()):
            out.update({f"{key}.{k}": v for k, v in value.items()})
        else:
            out[key] = value
    return out


def extra_section(path: Path, data: Any, section_id: str, title: str) -> Extra:
    """Any JSON read loosely: its first list of objects as a table and the other top-level
    values as facts (or a lone object as a one-row table)."""
    extra = Extra(section_id, title, path.name)
    records: list[Any] = data if isinstance(data, list) else [data]
    if isinstance(data, dict):
        tables = [
            k for k, v in data.items() if isinstance(v, list) and v and isinstance(v[0], dict)
        ]
        if tables:
            records = data[tables[0]]
            extra.facts = [(str(k), _cell(v)) for k, v in data.items() if k != tables[0]]
    flat = [_flat(r) for r in records if isinstance(r, dict)]
    extra.columns = [str(k) for k in dict.fromkeys(k for r in flat for k in r)][:MAX_COLUMNS]
    extra.rows = [[_cell(r.get(c, "")) for c in extra.columns] for r in flat[:MAX_ROWS]]
    if len(flat) > MAX_ROWS:
        extra.error = f"showing the first {MAX_ROWS} of {len(flat)} rows"
    return extra


#: bench.json's measured fields, each beside its goal: (key, column label, format).
BENCH_GOALS = (("ratio_torch", "winit/torch", "{:.2f}"), ("ratio_rng", "winit/bare RNG", "{:.2f}"),
               ("extra_memory", "extra memory", "{:.1%}"))  # fmt: skip


def _number(x: object) -> float | None:
    return float(x) if isinstance(x, int | float) and not isinstance(x, bool) else None


def bench_goal_rows(data: Any) -> list[dict[str, Any]]:
    """``bench.json``'s goals table (its ``initializers`` list, written by ``nox -s bench``) as
    rows for the performance section: per measurement its text (ratios with their spread), its
    goal and a class, ``pass-mark`` when within the goal and ``fail-mark`` when not; the row's
    verdict and reason. ``[]`` when there is no such list (read loosely, like every extra
    section: a bad value shows as "—")."""
    listed = data.get("initializers") if isinstance(data, dict) else None
    rows = []
    for r in [r for r in listed if isinstance(r, dict)] if isinstance(listed, list) else []:
        goal = r["goal"] if isinstance(r.get("goal"), dict) else {}
        spread = r["spread"] if isinstance(r.get("spread"), dict) else {}
        cells = []
        for key, label, form in BENCH_GOALS:
            value, bound, pm = _number(r.get(key)), _number(goal.get(key)), _number(spread.get(key))
            met = None if value is None or bound is None else value <= bound
            text = "—" if value is None else form.format(value)
            cells.append({
                "label": label,
                "text": text if value is None or pm is None else f"{text} ± {pm:.2f}",
                "goal": "—" if bound is None else "≤ " + form.format(bound),
                "class": {True: "pass-mark", False: "fail-mark", None: ""}[met],
            })  # fmt: skip
        shape, met = r.get("shape"), r.get("met")
        rows.append({
            "initializer": str(r.get("initializer", "")),
            "dtype": str(r.get("dtype", "")),
            "shape": "×".join(map(str, shape)) if isinstance(shape, list) else "",
            "cells": cells,
            "met": met if isinstance(met, bool) else None,
            "reason": str(r.get("reason") or ""),
        })  # fmt: skip
    return rows


def bench_section(path: Path, data: Any) -> Extra:
    """``bench.json``: read loosely, with its goals table."""
    extra = extra_section(path, data, "performance", "Performance")
    extra.goals = bench_goal_rows(data)
    return extra
