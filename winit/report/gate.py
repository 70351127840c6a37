"""Deciding the gate: which runs decide, and why each fails.

The project's verdict comes from its last *complete* run (``results.json``). A partial run
(``results.partial.json``: ``-k``, named files, an interrupted run) newer than it is judged too,
so it can fail the gate but never make a failing complete run pass; an older one is stale and
ignored. Without a complete run there is no verdict on the project: the gate fails. A run fails
when a claim that ran is unexpected, when no claim ran at all, when it was interrupted, or when
pytest's exit status is not 0; ``winit verify`` outputs fail it when one failed or cannot be read.
The run of a session that runs claims the gate cannot (``nox -s models``) is judged the same way
when its results are there and fails the gate when they cannot be read; when they are absent
its claims are not run here, which decides nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from winit.claims.schema import Results, partial_path
from winit.report.inputs import SessionRun
from winit.report.tables import VerifyRun

PARTIAL_SUFFIX = ".partial.json"


def status_of(claim: dict[str, Any]) -> str:
    """``held``, ``refuted`` (as expected), ``not-run`` (not selected) or ``unexpected``."""
    if claim["observed"] == "not-run":
        return "not-run"
    if claim["observed"] != claim["expected"]:
        return "unexpected"
    return "refuted" if claim["observed"] == "refuted-as-stated" else "held"


def run_failures(results: Results) -> list[str]:
    """Why one run fails the gate (empty when it passes)."""
    unexpected = [c["id"] for c in results["claims"] if status_of(c) == "unexpected"]
    reasons = (
        [f"{len(unexpected)} unexpected claim(s): {', '.join(unexpected)}"] if unexpected else []
    )
    if all(status_of(c) == "not-run" for c in results["claims"]):
        reasons.append("no claim selected")
    if results["run"]["selection"].get("interrupted"):
        reasons.append("the run was interrupted")
    if results["run"]["exitstatus"] != 0:
        reasons.append(f"pytest exit status {results['run']['exitstatus']}")
    return reasons


def verify_failures(verify: Sequence[VerifyRun]) -> list[str]:
    """Why the ``winit verify`` outputs fail the gate (empty when every one is as expected)."""
    failed = [v for v in verify if v.failed]
    if not failed:
        return []
    names = ", ".join(
        f"{v.path} (cannot be used: {v.error})"
        if v.status == "unreadable"
        else f"{v.initializer} ({v.law})"
        for v in failed
    )
    return [f"{len(failed)} failing verify, defaults or audit output(s): {names}"]


def session_failures(run: SessionRun) -> list[str]:
    """Why a session's run fails the gate: its results cannot be read, or its run fails as a
    complete run would (:func:`run_failures`); nothing when it did not run here."""
    if run.error is not None:
        return [f"cannot be used: {run.error}"]
    return [] if run.results is None else run_failures(run.results)


def gate_failures(
    results: Results, verify: Sequence[VerifyRun] = (), sessions: Sequence[SessionRun] = ()
) -> list[str]:
    """Why a run, with the ``winit verify`` outputs and the sessions' runs beside it, fails the
    gate (its page's banner says the same)."""
    return (
        run_failures(results)
        + verify_failures(verify)
        + [f"{s.session.command} run: {r}" for s in sessions for r in session_failures(s)]
    )


def complete_path(path: Path) -> Path:
    """The complete run's results for ``path`` (``results.partial.json`` → ``results.json``)."""
    if path.name.endswith(PARTIAL_SUFFIX):
        return path.with_name(path.name[: -len(PARTIAL_SUFFIX)] + ".json")
    return path


def newer_partial(path: Path) -> Path | None:
    """The partial run's results beside the complete run's ``path`` when they are at least as
    new (or the complete run's are missing); None when absent or stale."""
    partial = partial_path(path)
    if not partial.exists():
        return None
    if path.exists() and partial.stat().st_mtime < path.stat().st_mtime:
        return None
    return partial


@dataclass(frozen=True)
class RunVerdict:
    """The gate's verdict on one run, or on the verify outputs: what it is and why it fails."""

    what: str
    reasons: list[str]

    @property
    def passed(self) -> bool:
        return not self.reasons

    def line(self) -> str:
        return f"{self.what}: " + (
            "passes the gate" if self.passed else "gate failed: " + "; ".join(self.reasons)
        )


def _run_name(kind: str, path: Path, results: Results) -> str:
    return f"{kind} run {path} (started {results['run']['started']})"


def decide(
    complete: tuple[Path, Results | None],
    partial: tuple[Path, Results] | None,
    verify: Sequence[VerifyRun],
    sessions: Sequence[SessionRun] = (),
) -> list[RunVerdict]:
    """The verdicts the gate decides from: the complete run (a missing one fails: there is
    nothing to decide from), the newer partial run if any, the verify outputs if any, and each
    session's run found beside them."""
    path, results = complete
    if results is None:
        verdicts = [
            RunVerdict(f"complete run {path}", ["not found: no complete run to decide from"])
        ]
    else:
        reasons = run_failures(results)
        if results["run"]["selection"]["partial"]:
            reasons.insert(0, "it is a partial run, not a complete one")
        verdicts = [RunVerdict(_run_name("complete", path, results), reasons)]
    if partial is not None:
        ppath, presults = partial
        verdicts.append(RunVerdict(_run_name("partial", ppath, presults), run_failures(presults)))
    if verify:
        verdicts.append(RunVerdict("winit verify outputs", verify_failures(verify)))
    for s in sessions:
        if s.results is not None:
            what = _run_name(s.session.command, s.path, s.results)
        elif s.error is not None:
            what = f"{s.session.command} run {s.path}"
        else:  # not run here: nothing to decide
            continue
        verdicts.append(RunVerdict(what, session_failures(s)))
    return verdicts
