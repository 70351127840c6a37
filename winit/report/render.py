"""The report's page: ``results.json`` (and the outputs beside it) as one self-contained HTML
file.

One page (jinja2, autoescaped; plots inlined as SVG data URIs; no network): the run's verdict, a
table of contents, a card per claim grouped as the article argues (the point first, the audit in
a collapsed "How this was checked"), the verdict changes since the previous run
(``results.previous.json``, kept by the pytest plugin), and the outputs read beside the results
(:mod:`winit.report.inputs`), with the claims of the sessions the gate does not run (``nox -s
models``) as cards of their own section, or that section saying they did not run here. A
complete run's page is ``index.html``; a partial run's is
``partial.html`` beside it, so the last complete page stays. The page never runs an experiment:
it draws what the property tests exported. Reading the inputs is :mod:`winit.report.inputs`,
deciding the gate :mod:`winit.report.gate`, the command :mod:`winit.report.cli`.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from winit.atomic import ReportError, one_line, write_atomic
from winit.claims.record import GROUPS
from winit.claims.schema import Results, previous_path
from winit.report.gate import gate_failures, newer_partial, status_of
from winit.report.inputs import Beside, Session, SessionRun, beside, read_results
from winit.report.plots import Panel, panels, prerender
from winit.report.tables import VERIFY_STATUS, Conformance, Extra, VerifyRun
from winit.report.views import check_view, clean_source, clean_title, fmt_number

STATUS = {
    "held": "✓ held",
    "refuted": "✓ refuted as expected",
    "unexpected": "✗ unexpected",
    "not-run": "– not run",
}
FULL_PAGE = "index.html"
PARTIAL_PAGE = "partial.html"


def selection_of(results: Results) -> dict[str, Any]:
    """``run.selection``, with the ``-k`` keyword (None without one)."""
    given = results["run"]["selection"]
    return {**given, "keyword": given.get("keyword"), "partial": bool(given["partial"])}


def _selection_text(selection: dict[str, Any], ran: int, total: int) -> str:
    how = f"-k {selection['keyword']}" if selection["keyword"] else "a test selection"
    tests = ""
    if selection["selected"] is not None:
        tests = (
            f" ({selection['selected']} tests selected, {selection['deselected'] or 0} deselected)"
        )
    return f"{how} ran {ran} of {total} claims{tests}"


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


@functools.cache  # one per process: its templates are compiled once, reloaded when edited
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
    try:
        drawn = panels(c["series"])
    except (ValueError, TypeError, OverflowError) as e:  # e.g. a label matplotlib cannot parse
        raise ReportError(f"claim {c['id']}: its series cannot be drawn: {one_line(e)}") from None
    wanted = c.get("main_plot")
    main = next((p for p in drawn if p.group == wanted), drawn[0] if drawn else None)
    return main, [p for p in drawn if p is not main]


def claim_view(c: dict[str, Any]) -> dict[str, Any]:
    """A claim of ``results.json`` as its card shows it."""
    status = status_of(c)
    main, more = _main_and_more(c)
    passed = sum(bool(k["passed"]) for k in c["checks"])
    return {
        **c, "status": status, "status_text": STATUS[status], "group": c["group"],
        "title": clean_title(c["id"], c["title"]), "source": clean_source(c["source"]),
        "lead": c.get("lead") or "", "main_panel": main, "more_panels": more,
        "checks": [check_view(k) for k in c["checks"]], "checks_passed": passed,
        "tests_passed": sum(t["outcome"] == "passed" for t in c["tests"]),
        "domain": c.get("domain", ""),
        "statistics": c.get("statistics", ""), "examples": c.get("examples", 0),
        "counterexample": c.get("counterexample"), "budget": c.get("budget"),
    }  # fmt: skip


def grouped(claims: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Claims by group, groups in the article's order (unknown groups after, as first seen),
    claims in their results order within a group."""
    names = list(dict.fromkeys([*GROUPS, *(c["group"] for c in claims)]))
    out = [(g, [c for c in claims if c["group"] == g]) for g in names]
    return [(g, cs) for g, cs in out if cs]


def session_claim_view(c: dict[str, Any], session: Session) -> dict[str, Any]:
    """A claim a session recorded, as its card shows it: where it comes from, and a failure's
    reproduce line rerunning it in that session (the only environment that can)."""
    view = claim_view(c) | {"origin": session.command}
    failure = c.get("failure")
    if failure is not None:
        view["failure"] = failure | {"reproduce": session.rerun(failure["reproduce"])}
    return view


def card_claims(results: Results, sessions: Sequence[SessionRun]) -> list[list[dict[str, Any]]]:
    """The claims the page has a card for: the run's, then each session's but those the run
    ran (it decides them), one list per session."""
    shown = {c["id"] for c in results["claims"] if status_of(c) != "not-run"}
    found = [[] if s.results is None else s.results["claims"] for s in sessions]
    return [results["claims"], *([c for c in cs if c["id"] not in shown] for cs in found)]


def session_view(
    run: SessionRun, claims: list[dict[str, Any]], commit: str | None
) -> dict[str, Any]:
    """A session's section: the cards of its ``claims`` (:func:`card_claims`), where they come
    from, and whether that run was on another commit than the page's."""
    found = run.results
    ran = {} if found is None else found["run"]
    return {
        "title": run.session.title, "command": run.session.command, "file": run.path.name,
        "needs": run.session.needs,
        "error": run.error, "ran": found is not None,
        "claims": [session_claim_view(c, run.session) for c in claims],
        "started": ran.get("started"), "commit": (ran.get("git_commit") or "unknown")[:12],
        "other_commit": found is not None and ran.get("git_commit") != commit,
    }  # fmt: skip


def _sessions_text(sessions: Sequence[dict[str, Any]]) -> list[str]:
    """One sentence per session for the verdict: how its claims went, or that they did not run
    here."""
    lines = []
    for s in sessions:
        if s["error"]:
            lines.append(f"{s['title']} ({s['command']}): its results cannot be used.")
        elif not s["ran"]:
            lines.append(f"{s['title']}: not run here — {s['command']} runs it.")
        else:
            held = sum(c["status"] in ("held", "refuted") for c in s["claims"])
            lines.append(f"{s['title']} ({s['command']}): {held} of {len(s['claims'])} claims "
                         "as expected.")  # fmt: skip
    return lines


def _verdict(
    results: Results,
    counts: dict[str, int],
    reasons: list[str],
    verify: Sequence[VerifyRun],
    sessions: Sequence[dict[str, Any]] = (),
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
    detail += _sessions_text(sessions)
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
    sessions: Sequence[SessionRun] = (),
) -> str:
    """The page for validated ``results`` (and optionally the previous run, ``winit verify``
    outputs, the framework conformance table, extra sections and the runs of the sessions the
    gate does not run)."""
    own, *found = card_claims(results, sessions)
    claims = [claim_view(c) for c in own]
    commit = results["run"].get("git_commit")
    views = [session_view(s, cs, commit) for s, cs in zip(sessions, found, strict=True)]
    counts = {"claims": 0, "unexpected": 0, "held": 0, "refuted": 0, "not-run": 0}
    for c in [*claims, *(c for v in views for c in v["claims"])]:
        counts["claims"] += 1
        counts[c["status"]] += 1
    reasons = gate_failures(results, verify, sessions)
    other = [t for t in results.get("other_tests", []) if t.get("outcome") in ("failed", "error")]
    run = {"winit_version": None, "git_commit": None, "git_dirty": None, "python": None,
           "numpy": None, "hypothesis": None, "hypothesis_profile": None, "hypothesis_seed": None,
           "workers": 0, "collection_errors": [], "blas": None, **results["run"]}  # fmt: skip
    return (
        _environment()
        .get_template("report.html")
        .render(
            run=run,
            verdict=_verdict(results, counts, reasons, verify, views),
            counts=counts,
            groups=[*grouped(claims), *((v["title"], v["claims"]) for v in views)],
            session_of={v["title"]: v for v in views},
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
    path = previous_path(results_path)
    if not path.exists():
        return None, None
    try:
        return read_results(path), None
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
    page = results_path.parent / PARTIAL_PAGE
    if not page.exists() or newer_partial(results_path) is not None:
        return None
    try:
        page.unlink()
    except OSError as e:
        raise ReportError(f"cannot remove the superseded {page}: {e.strerror or e}") from None
    return page


def render_page(
    results: Results, results_path: Path, found: Beside, out_path: Path | None = None
) -> Path:
    """Render validated ``results`` (read from ``results_path``) with the outputs ``found``
    beside them, and write the page atomically (to ``out_path``, else :func:`page_for`)."""
    previous, warning = previous_of(results_path)
    if warning:
        print(f"winit report: {one_line(warning)}", file=sys.stderr)
    out = out_path if out_path is not None else page_for(results, results_path)
    found_claims = [c for s in found.sessions if s.results for c in s.results["claims"]]
    prerender(c["series"] for c in [*results["claims"], *found_claims])
    page = render_html(results, previous, found.extras, found.verify, found.frameworks,
                       found.sessions)  # fmt: skip
    write_atomic(out, page)
    if out_path is None and out.name == FULL_PAGE:
        dropped = drop_superseded_partial(results_path)
        if dropped:
            print(f"winit report: removed {dropped} (an older partial run's page)", file=sys.stderr)
    return out


def render_report(
    results_path: Path, out_path: Path | None = None
) -> tuple[Results, Path, list[str]]:
    """Read, render and atomically write the report for the results at ``results_path``;
    returns the results, the page written and the reasons the run fails the gate."""
    results = read_results(results_path)
    found = beside(results_path)
    out = render_page(results, results_path, found, out_path)
    return results, out, gate_failures(results, found.verify, found.sessions)
