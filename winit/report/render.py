"""Render ``reports/index.html`` from ``results.json``: ``python -m winit report``.

One self-contained page (jinja2, autoescaped; plots inlined as SVG data URIs; no network): the
run's verdict, a table of every claim, a card per claim, the verdict changes since the previous
run (``results.previous.json``, kept by the pytest plugin), and, when present beside the results,
``winit verify`` outputs (``verify*.json``), ``bench.json`` and ``mutants.json`` as tables. A bad results file or an
unwritable destination is a one-line error and leaves the previous page untouched.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from winit.atomic import ReportError, write_atomic
from winit.report.plots import panels
from winit.report.schema import Results, as_float, load_results

STATUS = {
    "held": "✓ held",
    "refuted": "✓ refuted as expected",
    "unexpected": "✗ unexpected",
}
MAX_COLUMNS = 12
MAX_ROWS = 200
MAX_CELL = 120


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
    if claim["observed"] != claim["expected"]:
        return "unexpected"
    return "refuted" if claim["observed"] == "refuted-as-stated" else "held"


def gate_failures(results: Results) -> list[str]:
    """Why the run fails the gate (empty when it passes): unexpected claims, a bad exit status."""
    unexpected = [c["id"] for c in results["claims"] if status_of(c) == "unexpected"]
    reasons = (
        [f"{len(unexpected)} unexpected claim(s): {', '.join(unexpected)}"] if unexpected else []
    )
    if results["run"]["exitstatus"] != 0:
        reasons.append(f"pytest exit status {results['run']['exitstatus']}")
    return reasons


def verdict_diff(results: Results, previous: Results) -> dict[str, Any]:
    """Claims whose observed verdict differs from the previous run's (new and dropped too)."""
    before = {c["id"]: c["observed"] for c in previous["claims"]}
    now = {c["id"]: c["observed"] for c in results["claims"]}
    changes = [
        {"id": cid, "before": before.get(cid, "not in that run"), "now": now.get(cid, "removed")}
        for cid in dict.fromkeys([*now, *before])
        if before.get(cid) != now.get(cid)
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
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
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
    """The verify, bench and mutation-score sections for the JSON files found next to
    ``results.json``."""
    folder = results_path.parent
    found = [extra_section(p, f"verify-{p.stem}", f"Verified initializers ({p.name})")
             for p in sorted(folder.glob("verify*.json"))]  # fmt: skip
    for name, section_id, title in (
        ("bench.json", "performance", "Performance"),
        ("mutants.json", "mutation-score", "Mutation score (nox -s mutants)"),
    ):
        if (folder / name).exists():
            found.append(extra_section(folder / name, section_id, title))
            if name == "bench.json":
                found[-1].goals = bench_goal_rows(folder / name)
    return found


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("winit", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["num"] = fmt_number
    return env


def render_html(
    results: Results, previous: Results | None = None, extras: Sequence[Extra] = ()
) -> str:
    """The page for validated ``results`` (and optionally the previous run and extra sections)."""
    claims = []
    for c in results["claims"]:
        status = status_of(c)
        passed = sum(t["outcome"] == "passed" for t in c["tests"])
        claims.append({
            **c, "status": status, "status_text": STATUS[status], "tests_passed": passed,
            "panels": panels(c["series"]), "required": c.get("required", True),
            "domain": c.get("domain", ""), "statistics": c.get("statistics", ""),
            "examples": c.get("examples", 0), "counterexample": c.get("counterexample"),
        })  # fmt: skip
    counts = {"claims": len(claims), "unexpected": 0, "held": 0, "refuted": 0}
    for c in claims:
        counts[c["status"]] += 1
    reasons = gate_failures(results)
    verdict = {
        "passed": not reasons,
        "title": "PASS: every claim as expected" if not reasons else "FAIL: " + "; ".join(reasons),
        "detail": (
            f"{counts['held']} of {counts['claims']} claims held and {counts['refuted']} "
            f"{'was' if counts['refuted'] == 1 else 'were'} refuted as stated, as expected; "
            f"{counts['unexpected']} unexpected."
        ),
    }
    other = [t for t in results.get("other_tests", []) if t.get("outcome") in ("failed", "error")]
    run = {"winit_version": None, "git_commit": None, "git_dirty": None, "python": None,
           "numpy": None, "hypothesis": None, "hypothesis_profile": None, "hypothesis_seed": None,
           "workers": 0, "collection_errors": [], **results["run"]}  # fmt: skip
    return (
        _environment()
        .get_template("report.html")
        .render(
            run=run,
            verdict=verdict,
            counts=counts,
            claims=claims,
            other_failures=other,
            diff=verdict_diff(results, previous) if previous is not None else None,
            extras=list(extras),
        )
    )


def previous_of(results_path: Path) -> tuple[Results | None, str | None]:
    """The previous run's results if present and readable, else a warning line."""
    path = results_path.with_suffix(".previous.json")
    if not path.exists():
        return None, None
    try:
        return load_results(path), None
    except ReportError as e:
        return None, f"previous results ignored: {e}"


def render_report(results_path: Path, out_path: Path) -> Results:
    """Read, render and atomically write the report; returns the results it rendered."""
    results = load_results(results_path)
    previous, warning = previous_of(results_path)
    if warning:
        print(f"winit report: {warning}", file=sys.stderr)
    write_atomic(out_path, render_html(results, previous, extras_beside(results_path)))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """``winit report``: render the page; with ``--check`` exit 1 when the run failed the gate."""
    parser = argparse.ArgumentParser(prog="winit report", description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=Path("reports/results.json"))
    parser.add_argument("--out", type=Path, default=Path("reports/index.html"))
    parser.add_argument(
        "--check",
        action="store_true",
        help="after rendering, exit 1 if a claim is unexpected or the pytest run failed",
    )
    args = parser.parse_args(argv)
    try:
        results = render_report(args.results, args.out)
    except ReportError as e:
        print(f"winit report: {e}", file=sys.stderr)
        return 2
    print(f"winit report: {args.out.resolve()}")
    reasons = gate_failures(results)
    if args.check and reasons:
        print(f"winit report: gate failed: {'; '.join(reasons)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
