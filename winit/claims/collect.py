"""Turning a pytest run's per-test records into ``results.json``: one entry per collected claim.

The pytest plugin (:mod:`winit.claims.plugin`) attaches a small record to each test report (the
claim, the test's evidence, hypothesis' example counts, the falsifying example, and the claims
its process collected); under pytest-xdist those records travel with the reports to the
controller, where :class:`Collector` gathers them. The observed verdict of a claim: a failed
test → ``fails``; else a test the run's interruption cut short (it has no teardown report:
Ctrl-C) → ``interrupted``; else a recorded refutation → ``refuted-as-stated``; else ``holds``; a
claim whose tests were all skipped → ``missing``; a claim none of whose tests was selected
(``-k``, ``-m``) or reached before an interruption → ``not-run``. A claim is *unexpected* when it ran and its observed verdict differs from
its expected one.
"""

from __future__ import annotations

import platform
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from winit.claims.record import GROUPS
from winit.claims.schema import SCHEMA, VERSION, Results

_BLOB = re.compile(r"@reproduce_failure\([^)]*\)")


@dataclass
class TestRecord:
    """What one test contributed: its outcome over setup/call/teardown and its records."""

    nodeid: str
    claim: str | None = None
    outcome: str = "passed"
    duration_s: float = 0.0
    evidence: dict[str, Any] | None = None
    examples: dict[str, Any] | None = None
    failure: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "nodeid": self.nodeid, "outcome": self.outcome, "duration_s": self.duration_s,
            "examples": self.examples, "failure": self.failure,
        }  # fmt: skip


def examples_of(stats: dict[str, Any]) -> dict[str, Any]:
    """Example counts from hypothesis' per-test statistics dictionary (``hypothesis.statistics``):
    passing / failing / invalid test cases over the explicit, reuse and generate phases, the
    shrinks tried, why hypothesis stopped, how many passing examples reported each ``event()``
    and the largest value of each ``target()``."""
    counts = {"passing": 0, "failing": 0, "invalid": 0}
    names = {
        "valid": "passing",
        "interesting": "failing",
        "invalid": "invalid",
        "overrun": "invalid",
    }
    events: dict[str, int] = {}
    for phase in ("explicit", "reuse", "generate"):
        for case in stats.get(f"{phase}-phase", {}).get("test-cases", []):
            counts[names.get(case.get("status", ""), "invalid")] += 1
            for name in case.get("events", []) if case.get("status") == "valid" else []:
                events[name] = events.get(name, 0) + 1
    shrinks = len(stats.get("shrink-phase", {}).get("test-cases", []))
    return {
        **counts, "shrinks": shrinks, "stopped_because": stats.get("stopped-because", ""),
        "events": events, "targets": dict(stats.get("targets", {})),
    }  # fmt: skip


def failure_of(exc: BaseException, nodeid: str, rerun: list[str]) -> dict[str, Any]:
    """The failure of one test from its exception: first message line, hypothesis' falsifying
    example and ``@reproduce_failure`` blob (exception notes, also inside exception groups), and a
    one-line command that reruns just this test with the same hypothesis options."""
    notes: list[str] = []
    pending = [exc]
    while pending:
        e = pending.pop()
        notes += [str(n) for n in getattr(e, "__notes__", [])]
        pending += list(getattr(e, "exceptions", []))
    # "Falsifying example: ..." up to hypothesis 6.16x, "Failing test case: ..." since
    example = next((n for n in notes if n.startswith(("Falsifying", "Failing test case"))), None)
    blob = next((m.group(0) for n in notes if (m := _BLOB.search(n))), None)
    message = f"{type(exc).__name__}: {exc}".strip().splitlines()[0]
    # through nox, which has pytest and the project installed, from the repository's root
    command = shlex.join(["nox", "-s", "properties", "--", nodeid, *rerun])
    return {"message": message, "falsifying_example": example, "reproduce_failure": blob,
            "reproduce": command}  # fmt: skip


def merge_evidence(claim_id: str, parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One claim's evidence from its tests' records, in node-id order (later names replace
    earlier ones, as within a test), so the result does not depend on xdist's scheduling."""
    checks: dict[str, Any] = {}
    numbers: dict[str, Any] = {}
    series: dict[str, Any] = {}
    findings: dict[str, Any] = {}
    refutation = counterexample = None
    for part in parts:
        checks.update({c["name"]: c for c in part["checks"]})
        numbers.update(part["numbers"])
        series.update(part["series"])
        findings.update(part.get("findings", {}))
        if part["refutation"] is not None and refutation is None:
            refutation, counterexample = part["refutation"], part["counterexample"]
    return {"claim": claim_id, "checks": list(checks.values()), "numbers": numbers,
            "series": series, "findings": findings, "refutation": refutation, "counterexample": counterexample}  # fmt: skip


def observed_verdict(tests: list[TestRecord], refutation: str | None) -> str:
    ran = [t for t in tests if t.outcome != "skipped"]
    if not ran:
        return "missing"
    if any(t.outcome in ("failed", "error") for t in ran):
        return "fails"
    if any(t.outcome == "interrupted" for t in ran):
        return "interrupted"
    return "refuted-as-stated" if refutation is not None else "holds"


def plan_overuse(claim: dict[str, Any], tests: list[TestRecord]) -> str | None:
    """Why the claim's plans were used by more tests than they declared (``instances``), or
    None: a plan's budget covers ``instances`` tests, each checked per example or per run where
    it runs, so only here, with every test's record, can their number be counted."""
    declared = {p["name"]: p["instances"] for p in claim.get("budget", {}).get("plans", [])}
    users: dict[str, set[str]] = {}
    for t in tests:
        for check in (t.evidence or {}).get("checks", []):
            if check.get("plan") is not None:
                users.setdefault(check["plan"], set()).add(t.nodeid)
    over = [f"{name!r} by {len(ids)} tests (declared {declared[name]})"
            for name, ids in users.items() if name in declared and len(ids) > declared[name]]  # fmt: skip
    if not over:
        return None
    return f"PlanError: {claim['id']}: plans used by more tests than declared: {'; '.join(over)}"


def claim_result(claim: dict[str, Any], tests: list[TestRecord]) -> dict[str, Any]:
    """The ``results.json`` entry of one claim (``claim``: its definition, as collected)."""
    tests = sorted(tests, key=lambda t: t.nodeid)
    evidence = merge_evidence(claim["id"], [t.evidence for t in tests if t.evidence is not None])
    observed = observed_verdict(tests, evidence["refutation"]) if tests else "not-run"
    failures = [t.failure | {"nodeid": t.nodeid} for t in tests if t.failure is not None]
    overused = plan_overuse(claim, tests)
    if overused:  # the budget counted fewer executions than ran: the claim's alpha is not met
        observed = "fails"
        failures.insert(0, {"message": overused, "nodeid": "", "falsifying_example": None,
                            "reproduce_failure": None, "reproduce": ""})  # fmt: skip
    examples = sum(t.examples["passing"] for t in tests if t.examples is not None)
    return {
        **{k: v for k, v in claim.items() if k != "position"},
        "observed": observed,
        "unexpected": observed not in (claim["expected"], "not-run"),
        "examples": examples,
        "tests": [t.as_dict() for t in tests],
        **{k: v for k, v in evidence.items() if k != "claim"},
        "failure": failures[0] if failures else None,
    }


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def blas_metadata() -> dict[str, Any]:
    """The BLAS numpy runs on: build name and version (``numpy.show_config``), and where
    threadpoolctl is installed the loaded library's core type and thread count, with the
    ``OPENBLAS_*`` variables the machine set. Floating-point sums depend on these, so a finding
    such as bitwise identity is a finding of this BLAS."""
    import os

    import numpy as np

    build = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    info: dict[str, Any] = {"name": build.get("name"), "version": build.get("version"),
                            "core": None, "threads": None}  # fmt: skip
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        pass
    else:
        blas = [lib for lib in threadpool_info() if lib.get("user_api") == "blas"]
        if blas:
            info["core"] = blas[0].get("architecture")
            info["threads"] = blas[0].get("num_threads")
    info["env"] = {k: v for k, v in sorted(os.environ.items()) if k.startswith("OPENBLAS_")}
    return info


def run_metadata(root: Path, profile: str, seed: str | None, args: list[str]) -> dict[str, Any]:
    """Versions, commit and hypothesis settings of this run (times are added at the end)."""
    status = _git(root, "status", "--porcelain", "--untracked-files=no")
    return {
        "winit_version": _version("winit"),
        "git_commit": _git(root, "rev-parse", "HEAD"),
        "git_dirty": None if status is None else bool(status),
        "python": platform.python_version(),
        "numpy": _version("numpy"),
        "hypothesis": _version("hypothesis"),
        "pytest": _version("pytest"),
        "platform": f"{sys.platform}-{platform.machine()}",
        "blas": blas_metadata(),
        "hypothesis_profile": profile,
        "hypothesis_seed": seed,
        "args": args,
    }


@dataclass
class Collector:
    """Gathers test records (from any xdist worker) and assembles ``results.json``."""

    tests: dict[str, TestRecord] = field(default_factory=dict)
    known: dict[str, dict[str, Any]] = field(default_factory=dict)
    deselected: int = 0

    def add(
        self, nodeid: str, when: str, outcome: str, duration: float, data: dict[str, Any]
    ) -> None:
        """Fold one phase report of a test into its record."""
        # a test is interrupted until its teardown reports
        rec = self.tests.get(nodeid) or self.tests.setdefault(
            nodeid, TestRecord(nodeid, outcome="interrupted")
        )
        rec.duration_s = round(rec.duration_s + duration, 4)
        rec.claim = data.get("claim", rec.claim)
        if outcome == "failed":
            rec.outcome = "failed" if when == "call" else "error"
        elif outcome == "skipped" and rec.outcome == "interrupted":
            rec.outcome = "skipped"
        elif when == "teardown" and rec.outcome == "interrupted":
            rec.outcome = "passed"
        rec.evidence = data.get("evidence", rec.evidence)
        rec.examples = data.get("examples", rec.examples)
        rec.failure = data.get("failure", rec.failure)
        self.known.update(data.get("known", {}))
        self.deselected = max(self.deselected, int(data.get("deselected", 0)))

    def results(
        self,
        run: dict[str, Any],
        *,
        keyword: str | None = None,
        narrowed: bool = False,
        interrupted: bool = False,
    ) -> Results:
        """Every collected claim in report order (group, then collection order), the run's
        selection (partial when a collected claim did not run, none was collected, the run was
        ``narrowed`` to named files or tests or ``interrupted``), and the tests naming no
        claim."""
        order = sorted(self.known.values(), key=lambda c: (GROUPS.index(c["group"]), c["position"]))
        by_claim: dict[str, list[TestRecord]] = {c["id"]: [] for c in order}
        other: list[TestRecord] = []
        for rec in self.tests.values():
            by_claim.get(rec.claim or "", other).append(rec)
        claims = [claim_result(c, by_claim[c["id"]]) for c in order]
        not_run = sum(c["observed"] == "not-run" for c in claims)
        interrupted = interrupted or any(t.outcome == "interrupted" for t in self.tests.values())
        run["selection"] = {
            "args": run.get("args", []), "selected": len(self.tests),
            "deselected": self.deselected, "keyword": keyword,
            "partial": not_run > 0 or not claims or narrowed or interrupted,
            "interrupted": interrupted,
        }  # fmt: skip
        return {
            "schema": SCHEMA,
            "version": VERSION,
            "run": run,
            "summary": summarize(claims),
            "claims": claims,
            "other_tests": [t.as_dict() for t in sorted(other, key=lambda t: t.nodeid)],
        }


def summarize(claims: list[dict[str, Any]]) -> dict[str, int]:
    """Counts for the verdict at a glance."""
    expected = [c for c in claims if not c["unexpected"]]
    return {
        "claims": len(claims),
        "held": sum(c["observed"] == "holds" for c in expected),
        "refuted_as_expected": sum(c["observed"] == "refuted-as-stated" for c in expected),
        "unexpected": len(claims) - len(expected),
        "not_run": sum(c["observed"] == "not-run" for c in claims),
    }
