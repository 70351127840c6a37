"""Render the report from ``results.json``: ``python -m winit report``.

One self-contained page (jinja2, autoescaped; plots inlined as SVG data URIs; no network): the
run's verdict, a table of contents, a card per claim grouped as the article argues (the point
first, the audit in a collapsed "How this was checked"), the verdict changes since the previous
run (``results.previous.json``, kept by the pytest plugin), and, when present beside the results,
``winit verify`` outputs (``verify*.json``) and the framework conformance table
(``frameworks.json``) as tables with a badge per initializer, plus ``bench.json`` and
``mutants.json`` as loose tables (:func:`extras_beside`). A full run is written to
``index.html``; a partial one (``-k``, a subset of the claims) to ``partial.html`` beside it, so
the last full page stays. A bad results file or an unwritable destination is a one-line error
and leaves the previous page untouched.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from winit.atomic import ReportError, write_atomic
from winit.claims.record import GROUPS
from winit.claims.schema import Results, as_float, latest_results, load_results, partial_path
from winit.report.plots import Panel, panels

STATUS = {
    "held": "✓ held",
    "refuted": "✓ refuted as expected",
    "unexpected": "✗ unexpected",
    "not-run": "– not run",
}
#: The article's argument, in order; claims name theirs in ``group`` (older results: by id).
GROUP_OF_PREFIX = {"ZERO-": GROUPS[0], "CONST-": GROUPS[1], "NORMAL-": GROUPS[2],
                   "XAVIER-": GROUPS[3]}  # fmt: skip
#: Where a claim without a group and without one of those prefixes goes: the literature.
LITERATURE = GROUPS[4]
FULL_PAGE = "index.html"
PARTIAL_PAGE = "partial.html"
MAX_COLUMNS = 12
MAX_ROWS = 200
MAX_CELL = 120
# A file path in a citation ("Article (shared/source/article.txt)"): a reader does not have it.
_PATH_IN_PARENS = re.compile(r"\s*\((?:[\w.~-]+/)+[\w.-]+\)")
# A check whose measured value is a probability or a fraction: its interval is shown in [0, 1].
_PROBABILITY = re.compile(r"\bfraction\b|\bP\(|probability|success rate|\brate\b", re.IGNORECASE)
_LOG = re.compile(r"^ln\b|\bln [A-Za-z(]|\blog\b", re.IGNORECASE)


def fmt_number(value: object) -> str:
    """A number for the page: integers as they are, floats to 4 significant digits, non-finite
    spelled out, None as a dash."""
    if value is None:
        return "—"
    if isinstance(value, bool | int) or not isinstance(value, float | str):
        return str(value)
    try:
        x = as_float(value)
    except KeyError:
        return str(value)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    return f"{x:.4g}"


def status_of(claim: dict[str, Any]) -> str:
    """``held``, ``refuted`` (as expected), ``not-run`` (not selected) or ``unexpected``."""
    if claim["observed"] == "not-run":
        return "not-run"
    if claim["observed"] != claim["expected"]:
        return "unexpected"
    return "refuted" if claim["observed"] == "refuted-as-stated" else "held"


def group_of(claim: dict[str, Any]) -> str:
    """The claim's group in the article's argument: its ``group``, else by id prefix."""
    given = claim.get("group")
    if isinstance(given, str) and given:
        return given
    cid = str(claim["id"])
    return next((g for p, g in GROUP_OF_PREFIX.items() if cid.startswith(p)), LITERATURE)


def clean_title(cid: str, title: str) -> str:
    """The title without a leading repetition of the id ("LSUV: LSUV: ..." on the card)."""
    prefix = f"{cid}:"
    return title[len(prefix) :].lstrip() if title.upper().startswith(prefix.upper()) else title


def clean_source(source: str) -> str:
    """The citation without file paths a reader does not have."""
    return _PATH_IN_PARENS.sub("", source).strip()


# --- checks as a reader reads them ----------------------------------------------------------


def _finite(x: float) -> bool:
    return math.isfinite(x)


def is_probability(check: dict[str, Any]) -> bool:
    """Whether the check measures a probability or fraction (so lies in [0, 1])."""
    text = f"{check.get('name', '')} {check.get('mde_of') or ''}"
    return bool(_PROBABILITY.search(text))


def is_log(check: dict[str, Any]) -> bool:
    """Whether the measured value is a natural log (of a ratio) by its name or what it measures."""
    text = f"{check.get('name', '')} {check.get('mde_of') or ''}"
    return bool(_LOG.search(text))


def one_sided(check: dict[str, Any]) -> str | None:
    """``"upper"`` when only large values are accepted (``[low, ∞)``), ``"lower"`` for
    ``(−∞, high]``, None for a two-sided or exact check. Older results mark one-sided tests only
    in the test's name; their probability bound (1) stands in for ∞."""
    low, high = as_float(check["low"]), as_float(check["high"])
    if math.isinf(high) and _finite(low):
        return "upper"
    if math.isinf(low) and _finite(high):
        return "lower"
    if "one-sided" in str(check.get("test", "")):
        expected = as_float(check.get("expected"))
        if _finite(expected) and expected < low:
            return "upper"
        if _finite(expected) and expected > high:
            return "lower"
    return None


@dataclass(frozen=True)
class CheckView:
    """One row of a card's check table, with every number explained in words."""

    name: str
    test: str
    measured: str
    interval: str
    expected: str
    note: str
    alpha: str
    power: str
    against: str
    detects: str
    n: str
    passed: bool


def _log_note(check: dict[str, Any], interval: tuple[float, float]) -> str:
    m = as_float(check["measured"])
    lo, hi = interval
    return (
        f"natural log of a ratio: measured ratio {fmt_number(math.exp(m))}, accepted "
        f"{fmt_number(math.exp(lo))} to {fmt_number(math.exp(hi))}"
    )


def check_view(check: dict[str, Any]) -> CheckView:
    """The reader's row for one check of ``results.json``."""
    low, high = as_float(check["low"]), as_float(check["high"])
    notes: list[str] = []
    if is_probability(check):
        low, high = max(low, 0.0), min(high, 1.0)
    side = one_sided(check)
    expected = as_float(check.get("expected"))
    if side == "upper":
        interval = f"≥ {fmt_number(low)}"
        h0 = f"H0: ≤ {fmt_number(expected)}" if _finite(expected) and expected <= low else "—"
        notes.append("one-sided: passes when the measured value is at least the bound")
    elif side == "lower":
        interval = f"≤ {fmt_number(high)}"
        h0 = f"H0: ≥ {fmt_number(expected)}" if _finite(expected) and expected >= high else "—"
        notes.append("one-sided: passes when the measured value is at most the bound")
    else:
        interval = f"[{fmt_number(low)}, {fmt_number(high)}]"
        h0 = fmt_number(check.get("expected"))
    if is_log(check) and _finite(low) and _finite(high):
        notes.append(_log_note(check, (low, high)))
    mde, mde_of = check.get("mde"), check.get("mde_of")
    detects = (
        f"detects a {mde_of} of {fmt_number(mde)} or more" if mde is not None and mde_of else "—"
    )
    n, per_example = check.get("n"), check.get("per_example")
    n_text = fmt_number(n) if n is not None else "—"
    if per_example not in (None, 1) and n is not None:
        n_text += f" ({fmt_number(per_example)} per example)"
    power = check.get("power")
    return CheckView(
        name=str(check["name"]),
        test=str(check["test"]),
        measured=fmt_number(check["measured"]),
        interval=interval,
        expected=h0,
        note="; ".join(notes),
        alpha=fmt_number(check["alpha"]),
        power="—" if power is None else fmt_number(power),
        against=str(check.get("against") or ""),
        detects=detects,
        n=n_text,
        passed=bool(check["passed"]),
    )


# --- the run as a whole ---------------------------------------------------------------------


_SELECTING = ("-k", "-m")


def _keyword(args: Sequence[str]) -> str | None:
    for i, arg in enumerate(args):
        if arg == "-k" and i + 1 < len(args):
            return str(args[i + 1])
        if arg.startswith("-k") and len(arg) > 2:
            return arg[2:].lstrip("=")
    return None


def with_not_run(results: Results) -> Results:
    """``results`` with ``not-run`` for claims a selection left out. Results without
    ``run.selection`` (older plugins) call such a claim ``missing``: when the run's arguments
    selected tests (``-k``/``-m``), a claim with no test at all was not selected, not lost."""
    run = results["run"]
    args = [str(a) for a in run.get("args", [])]
    selecting = any(a in _SELECTING or a.startswith(("-k", "-m")) for a in args)
    if "selection" in run or not selecting:
        return results
    claims = [{**c, "observed": "not-run", "unexpected": False}
              if c["observed"] == "missing" and not c["tests"] else c
              for c in results["claims"]]  # fmt: skip
    # Such a plugin also turned the exit status to 1 for those claims; when no test failed and
    # no claim is unexpected any more, that 1 was only theirs.
    tests = [t for c in claims for t in c["tests"]] + list(results.get("other_tests", []))
    failed = any(t.get("outcome") in ("failed", "error") for t in tests)
    bumped = run["exitstatus"] == 1 and not failed and not run.get("collection_errors")
    if bumped and not any(c["observed"] not in ("not-run", c["expected"]) for c in claims):
        run = {**run, "exitstatus": 0}
    return {**results, "run": run, "claims": claims}


def selection_of(results: Results) -> dict[str, Any]:
    """``run.selection`` with its defaults; older results (no selection) were full runs unless
    a claim went unrun."""
    given = results["run"].get("selection") or {}
    not_run = sum(c["observed"] == "not-run" for c in results["claims"])
    return {
        "args": given.get("args", results["run"].get("args", [])),
        "selected": given.get("selected"),
        "deselected": given.get("deselected"),
        "partial": bool(given.get("partial", not_run > 0)),
        "keyword": given.get("keyword", _keyword(results["run"].get("args", []))),
    }


def _selection_text(selection: dict[str, Any], ran: int, total: int) -> str:
    how = f"-k {selection['keyword']}" if selection["keyword"] else "a test selection"
    tests = ""
    if selection["selected"] is not None:
        tests = (
            f" ({selection['selected']} tests selected, {selection['deselected'] or 0} deselected)"
        )
    return f"{how} ran {ran} of {total} claims{tests}"


@dataclass
class VerifyRun:
    """One ``winit verify --json`` output: its initializer, law and checks, or why not."""

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


def verify_run(path: Path) -> VerifyRun:
    """Read one verify output; never fails: a problem is the run's error (and counts as a
    failure, the gate cannot tell it passed)."""
    run = VerifyRun(f"verify-{path.stem}", path.name, status="unreadable")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        run.error = f"could not read {path.name}: {e}"
        return run
    if not (isinstance(data, dict) and isinstance(data.get("passed"), bool)
            and isinstance(data.get("rows"), list)):  # fmt: skip
        run.error = f"{path.name} is not a `winit verify --json` output (no passed/rows)"
        return run
    run.initializer = str(data.get("initializer", "?"))
    run.law = str(data.get("law", "?"))
    params = data.get("params") or {}
    if isinstance(params, dict):
        run.params = ", ".join(f"{k}={v}" for k, v in params.items() if v is not None)
    run.layout = str(data.get("layout", ""))
    run.shapes = [str(s) for s in data.get("shapes", [])]
    expect_fail = data.get("expected") == "fail"
    if data["passed"]:
        run.status = "fail" if expect_fail else "pass"
        if expect_fail:
            run.error = "expected to fail, but passed"
    else:
        run.status = "expected-fail" if expect_fail else "fail"
    for row in data["rows"]:
        if not isinstance(row, dict) or not {"name", "measured", "low", "high", "alpha",
                                             "passed", "test"} <= row.keys():  # fmt: skip
            continue
        shape = "×".join(str(s) for s in row.get("shape", []))
        view = check_view(row)
        run.checks.append(
            CheckView(**{**view.__dict__, "name": f"{shape}: {view.name}" if shape else view.name})
        )
    return run


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


def conformance(path: Path) -> Conformance:
    """Read ``frameworks.json`` loosely: a list of row objects, or an object whose first list of
    objects is the rows. Never fails: a problem is the table's error line."""
    table = Conformance(path.name)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        table.error = f"could not read {path.name}: {e}"
        return table
    records: Any = data
    if isinstance(data, dict):  # {"rows": [...]} (nox -s frameworks), else its first list of rows
        lists = [v for v in data.values() if isinstance(v, list) and v and isinstance(v[0], dict)]
        records = data.get("rows", lists[0] if lists else [])
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


def gate_failures(results: Results, verify: Sequence[VerifyRun] = ()) -> list[str]:
    """Why the run fails the gate (empty when it passes): unexpected claims, no claim selected,
    a failing or unreadable ``winit verify`` output, a bad exit status."""
    unexpected = [c["id"] for c in results["claims"] if status_of(c) == "unexpected"]
    reasons = (
        [f"{len(unexpected)} unexpected claim(s): {', '.join(unexpected)}"] if unexpected else []
    )
    if results["claims"] and all(status_of(c) == "not-run" for c in results["claims"]):
        reasons.append("no claim selected")
    failed = [v for v in verify if v.failed]
    if failed:
        names = ", ".join(f"{v.initializer} ({v.law})" for v in failed)
        reasons.append(f"{len(failed)} failing verify run(s): {names}")
    if results["run"]["exitstatus"] != 0:
        reasons.append(f"pytest exit status {results['run']['exitstatus']}")
    return reasons


def verdict_diff(results: Results, previous: Results) -> dict[str, Any]:
    """Claims whose observed verdict differs from the previous run's (new and dropped too);
    a claim that one of the runs did not select has no verdict to compare."""
    before = {c["id"]: c["observed"] for c in previous["claims"]}
    now = {c["id"]: c["observed"] for c in results["claims"]}
    changes = [
        {"id": cid, "before": before.get(cid, "not in that run"), "now": now.get(cid, "removed")}
        for cid in dict.fromkeys([*now, *before])
        if before.get(cid) != now.get(cid) and "not-run" not in (before.get(cid), now.get(cid))
    ]
    return {"started": previous["run"]["started"], "changes": changes}


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


def extra_section(path: Path, section_id: str, title: str) -> Extra:
    """Render any JSON loosely: its first list of objects as a table and the other top-level
    values as facts (or a lone object as a one-row table). Never fails: a problem becomes the
    section's error line."""
    extra = Extra(section_id, title, path.name)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        extra.error = f"could not read {path.name}: {e}"
        return extra
    records: list[Any] = data if isinstance(data, list) else [data]
    if isinstance(data, dict):
        tables = [
            k for k, v in data.items() if isinstance(v, list) and v and isinstance(v[0], dict)
        ]
        if tables:
            records = data[tables[0]]
            extra.facts = [(k, _cell(v)) for k, v in data.items() if k != tables[0]]
    flat = [_flat(r) for r in records if isinstance(r, dict)]
    extra.columns = list(dict.fromkeys(k for r in flat for k in r))[:MAX_COLUMNS]
    extra.rows = [[_cell(r.get(c, "")) for c in extra.columns] for r in flat[:MAX_ROWS]]
    if len(flat) > MAX_ROWS:
        extra.error = f"showing the first {MAX_ROWS} of {len(flat)} rows"
    return extra


#: bench.json's measured fields, each beside its goal: (key, column label, format).
BENCH_GOALS = (("ratio_torch", "winit/torch", "{:.2f}"), ("ratio_rng", "winit/bare RNG", "{:.2f}"),
               ("extra_memory", "extra memory", "{:.1%}"))  # fmt: skip


def _number(x: object) -> float | None:
    return float(x) if isinstance(x, int | float) and not isinstance(x, bool) else None


def bench_goal_rows(path: Path) -> list[dict[str, Any]]:
    """``bench.json``'s goals table (its ``initializers`` list, written by ``nox -s bench``) as
    rows for the performance section: per measurement its text (ratios with their spread), its
    goal and a class, ``pass-mark`` when within the goal and ``fail-mark`` when not; the row's
    verdict and reason. ``[]`` when the file is unreadable or has no such list (read loosely,
    like every extra section: a bad value shows as "—")."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return []
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


def extras_beside(results_path: Path) -> list[Extra]:
    """The bench, mutation-score and flake sections for the JSON files found next to
    ``results.json`` (verify outputs and frameworks.json have their own tables)."""
    folder = results_path.parent
    found: list[Extra] = []
    for name, section_id, title in (
        ("bench.json", "performance", "Performance"),
        ("mutants.json", "mutation-score", "Mutation score (nox -s mutants)"),
        ("flake.json", "flake-rate", "False alarms on fresh seeds (nox -s flake)"),
    ):
        if (folder / name).exists():
            found.append(extra_section(folder / name, section_id, title))
            if name == "bench.json":
                found[-1].goals = bench_goal_rows(folder / name)
    return found


def verify_beside(results_path: Path) -> list[VerifyRun]:
    """Every ``verify*.json`` next to ``results.json``, in name order."""
    return [verify_run(p) for p in sorted(results_path.parent.glob("verify*.json"))]


def conformance_beside(results_path: Path) -> Conformance | None:
    """``frameworks.json`` and its per-environment parts (``frameworks-keras-jax.json``, ...:
    ``nox -s frameworks`` runs Keras once per backend and Chainer in its own venv) as one table."""
    tables = [conformance(p) for p in sorted(results_path.parent.glob("frameworks*.json"))]
    if not tables:
        return None
    merged = tables[0]
    for part in tables[1:]:
        if part.error or part.columns != merged.columns:
            merged.error = part.error or f"{part.path}: columns differ from {merged.path}'s"
            continue
        merged.rows += part.rows
    merged.path = ", ".join(t.path for t in tables)
    return merged


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("winit", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["num"] = fmt_number
    return env


def _main_and_more(c: dict[str, Any]) -> tuple[Panel | None, list[Panel]]:
    drawn = panels(c["series"])
    wanted = c.get("main_plot")
    main = next((p for p in drawn if p.group == wanted), drawn[0] if drawn else None)
    return main, [p for p in drawn if p is not main]


def claim_view(c: dict[str, Any]) -> dict[str, Any]:
    """A claim of ``results.json`` as its card shows it."""
    status = status_of(c)
    main, more = _main_and_more(c)
    passed = sum(bool(k["passed"]) for k in c["checks"])
    return {
        **c, "status": status, "status_text": STATUS[status], "group": group_of(c),
        "title": clean_title(c["id"], c["title"]), "source": clean_source(c["source"]),
        "lead": c.get("lead") or "", "main_panel": main, "more_panels": more,
        "checks": [check_view(k) for k in c["checks"]], "checks_passed": passed,
        "tests_passed": sum(t["outcome"] == "passed" for t in c["tests"]),
        "required": c.get("required", True), "domain": c.get("domain", ""),
        "statistics": c.get("statistics", ""), "examples": c.get("examples", 0),
        "counterexample": c.get("counterexample"), "budget": c.get("budget"),
    }  # fmt: skip


def grouped(claims: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Claims by group, groups in the article's order (unknown groups after, as first seen),
    claims in their results order within a group."""
    names = list(dict.fromkeys([*GROUPS, *(c["group"] for c in claims)]))
    out = [(g, [c for c in claims if c["group"] == g]) for g in names]
    return [(g, cs) for g, cs in out if cs]


def _verdict(
    results: Results, counts: dict[str, int], reasons: list[str], verify: Sequence[VerifyRun]
) -> dict[str, Any]:
    selection = selection_of(results)
    ran = counts["claims"] - counts["not-run"]
    refuted = f"{counts['refuted']} {'was' if counts['refuted'] == 1 else 'were'} refuted as stated"
    run_ = " run" if selection["partial"] else ""
    detail = [f"{counts['held']} of {ran} claims{run_} held and {refuted}, as expected; "
              f"{counts['unexpected']} unexpected."]  # fmt: skip
    if selection["partial"]:
        detail.insert(0, f"Partial run: {_selection_text(selection, ran, counts['claims'])}; "
                         f"{counts['not-run']} not run.")  # fmt: skip
    if verify:
        bad = sum(v.failed for v in verify)
        detail.append(f"winit verify: {len(verify) - bad} of {len(verify)} outputs as expected.")
    if ran == 0:
        how = f"-k {selection['keyword']}" if selection["keyword"] else "the test selection"
        kind, title = (
            "fail",
            f"NO CLAIM SELECTED: {how} selected none of the {counts['claims']} claims",
        )
        # pytest's exit status 5 says the same: no test collected
        others = [r for r in reasons if r not in ("no claim selected", "pytest exit status 5")]
        detail = [f"The gate fails{': ' + '; '.join(others) if others else ''}."]
    elif reasons:
        kind, title = "fail", "FAIL: " + "; ".join(reasons)
    elif selection["partial"]:
        kind, title = "partial", f"PARTIAL: {ran} of {counts['claims']} claims run, all as expected"
    else:
        kind, title = "pass", "PASS: every claim as expected"
    return {"passed": not reasons, "kind": kind, "title": title, "detail": " ".join(detail),
            "partial": selection["partial"], "selection": selection}  # fmt: skip


def render_html(
    results: Results,
    previous: Results | None = None,
    extras: Sequence[Extra] = (),
    verify: Sequence[VerifyRun] = (),
    frameworks: Conformance | None = None,
) -> str:
    """The page for validated ``results`` (and optionally the previous run, ``winit verify``
    outputs, the framework conformance table and extra sections)."""
    claims = [claim_view(c) for c in results["claims"]]
    counts = {"claims": len(claims), "unexpected": 0, "held": 0, "refuted": 0, "not-run": 0}
    for c in claims:
        counts[c["status"]] += 1
    reasons = gate_failures(results, verify)
    other = [t for t in results.get("other_tests", []) if t.get("outcome") in ("failed", "error")]
    run = {"winit_version": None, "git_commit": None, "git_dirty": None, "python": None,
           "numpy": None, "hypothesis": None, "hypothesis_profile": None, "hypothesis_seed": None,
           "workers": 0, "collection_errors": [], "blas": None, **results["run"]}  # fmt: skip
    return (
        _environment()
        .get_template("report.html")
        .render(
            run=run,
            verdict=_verdict(results, counts, reasons, verify),
            counts=counts,
            groups=grouped(claims),
            claims=claims,
            other_failures=other,
            diff=verdict_diff(results, previous) if previous is not None else None,
            verify=list(verify),
            verify_status=VERIFY_STATUS,
            frameworks=frameworks,
            extras=list(extras),
            full_page=FULL_PAGE,
        )
    )


def previous_of(results_path: Path) -> tuple[Results | None, str | None]:
    """The previous run's results if present and readable, else a warning line."""
    path = results_path.with_suffix(".previous.json")
    if not path.exists():
        return None, None
    try:
        return with_not_run(load_results(path)), None
    except ReportError as e:
        return None, f"previous results ignored: {e}"


def page_for(results: Results, results_path: Path) -> Path:
    """Where a run's page goes by default: ``index.html`` beside the results for a full run,
    ``partial.html`` for a partial one (the last full page stays; a later full run's page
    replaces both, see :func:`drop_superseded_partial`)."""
    name = PARTIAL_PAGE if selection_of(results)["partial"] else FULL_PAGE
    return results_path.parent / name


def drop_superseded_partial(results_path: Path) -> Path | None:
    """Remove the ``partial.html`` beside a complete run's results when no partial run is newer
    than that complete run (the page shows an older subset); returns the page removed."""
    page, partial = results_path.parent / PARTIAL_PAGE, partial_path(results_path)
    if not page.exists() or latest_results(results_path) == partial:
        return None
    try:
        page.unlink()
    except OSError as e:
        raise ReportError(f"cannot remove the superseded {page}: {e.strerror or e}") from None
    return page


def render_report(
    results_path: Path, out_path: Path | None = None
) -> tuple[Results, Path, list[str]]:
    """Read, render and atomically write the report (to ``out_path``, else :func:`page_for`);
    returns the results, the page written and the reasons the run fails the gate."""
    results = with_not_run(load_results(results_path))
    previous, warning = previous_of(results_path)
    if warning:
        print(f"winit report: {warning}", file=sys.stderr)
    verify = verify_beside(results_path)
    out = out_path if out_path is not None else page_for(results, results_path)
    html = render_html(
        results, previous, extras_beside(results_path), verify, conformance_beside(results_path)
    )
    write_atomic(out, html)
    if out_path is None and out.name == FULL_PAGE:
        dropped = drop_superseded_partial(results_path)
        if dropped:
            print(f"winit report: removed {dropped} (an older partial run's page)", file=sys.stderr)
    return results, out, gate_failures(results, verify)


def main(argv: Sequence[str] | None = None) -> int:
    """``winit report``: render the page; with ``--check`` exit 1 when the run failed the gate."""
    parser = argparse.ArgumentParser(prog="winit report", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--results",
        type=Path,
        default=Path("reports/results.json"),
        help="the run's results (default: reports/results.json, or the newer results.partial.json "
        "a partial run wrote beside it)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"the page (default: {FULL_PAGE} beside the results, {PARTIAL_PAGE} for a partial run)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="after rendering, exit 1 if a claim is unexpected, no claim ran, a verify output "
        "failed or the pytest run failed",
    )
    args = parser.parse_args(argv)
    try:
        _, out, reasons = render_report(latest_results(args.results), args.out)
    except ReportError as e:
        print(f"winit report: {e}", file=sys.stderr)
        return 2
    print(f"winit report: {out.resolve()}")
    if args.check and reasons:
        print(f"winit report: gate failed: {'; '.join(reasons)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
