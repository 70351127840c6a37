"""A ``results.json`` fixture for the report tests and the browser check: four claims that
held / refuted as expected / failed (unexpected, with a falsifying example) / went missing, with
HTML in their strings and series of every kind, assembled by the plugin's own collector code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from winit.claims import Claim, Evidence
from winit.claims.collect import TestRecord, claim_result, summarize
from winit.claims.schema import SCHEMA, VERSION, Results, dumps
from winit.stats import Check

HOSTILE = "<script>alert('x')</script><img src=x onerror=alert(1)>"


def _claim(cid: str, expected: str = "holds") -> Claim:
    return Claim(
        id=cid,
        group="Beyond the article",
        lead=f"What to see in {cid}'s plot {HOSTILE}.",
        main_plot="Var(z) against fan-in",
        title=f"Title of {cid} {HOSTILE}",
        source="fixture",
        quote=f"The source says {HOSTILE} & more.",
        statement=f"Precise statement of {cid}.",
        domain="seeds, widths 1-64",
        expected=expected,  # type: ignore[arg-type]
        statistics="chi-square interval",
    )


def _entry(claim: Claim, tests: list[TestRecord]) -> dict[str, Any]:
    return claim_result({"position": 0, **claim.as_dict()}, tests)


def _evidence(cid: str) -> Evidence:
    claim = _claim(cid)
    plan = claim.plan("variance", runs=1)
    ev = Evidence(claim)
    n = np.array([4.0, 16.0, 64.0, 256.0, 1024.0])
    ev.add_series("N(0,1)", n, n * 1.03, low=n * 0.9, high=n * 1.1, xlabel="fan-in n",
                  ylabel="Var(z)", group="Var(z) against fan-in")  # fmt: skip
    ev.add_series("Xavier", n, np.ones(5), low=np.full(5, 0.9), high=np.full(5, 1.1),
                  xlabel="fan-in n", ylabel="Var(z)", group="Var(z) against fan-in")  # fmt: skip
    steps = np.arange(200.0)
    for i in range(10):
        ev.add_series(f"w{i}", steps, np.tanh(steps / 40.0) * (i - 4.5) / 5.0,
                      xlabel="SGD step", ylabel="weight", group="weights over training")  # fmt: skip
    ev.add_series(f"loss {HOSTILE}", steps, np.exp(-steps / 50.0), xlabel="SGD step",
                  ylabel="loss", group="loss", scale="logy")  # fmt: skip
    ev.check(Check("Var(z)/n", "chi-square interval", 1.03, 1.0, 0.9, 1.1, 1e-9, 0.999, "2x",
                   1.08, "variance ratio", 282), plan)  # fmt: skip
    ev.number("fitted slope", 1.01)
    ev.number("overflow", float("inf"))
    return ev


def _test(nodeid: str, cid: str, evidence: Evidence | None = None, **kw: Any) -> TestRecord:
    examples = {"passing": 20, "failing": 0, "invalid": 0, "shrinks": 0,
                "stopped_because": "settings.max_examples=20"}  # fmt: skip
    ev = evidence.as_dict() if evidence is not None else None
    return TestRecord(nodeid, cid, evidence=ev, examples=examples, **kw)


def fixture_results(started: str = "2026-01-01T00:00:00+00:00") -> Results:
    refuted = Evidence(_claim("FX-REFUTED", "refuted-as-stated"))
    refuted.refutes_as_stated(f"not linear {HOSTILE}", "sigmoid(2) - 2 sigmoid(1) != 0")
    failure = {
        "message": f"AssertionError: {HOSTILE}",
        "falsifying_example": f"Falsifying example: test_fails(\n    seed=1000,\n    s='{HOSTILE}',\n)",
        "reproduce_failure": "@reproduce_failure('6.155.2', b'AEID6A==')",
        "reproduce": "nox -s properties -- properties/test_fx.py::test_fails --hypothesis-profile=ci",
    }
    claims = [
        _entry(_claim("FX-HOLDS"), [_test("p/t.py::test_holds", "FX-HOLDS", _evidence("FX-HOLDS"))]),
        _entry(_claim("FX-REFUTED", "refuted-as-stated"),
               [_test("p/t.py::test_refuted", "FX-REFUTED", refuted)]),
        _entry(_claim("FX-FAILS"), [_test("p/t.py::test_fails", "FX-FAILS", outcome="failed",
                                          failure=failure)]),
        _entry(_claim("FX-MISSING"), [_test("p/t.py::test_missing", "FX-MISSING",
                                            outcome="skipped")]),
    ]  # fmt: skip
    run = {"winit_version": "0.1.0", "git_commit": "0" * 40, "git_dirty": False,
           "python": "3.11.7", "numpy": "2.4.6", "hypothesis": "6.155.2",
           "hypothesis_profile": "ci", "hypothesis_seed": None, "started": started,
           "duration_s": 1.5, "exitstatus": 1, "collection_errors": [], "workers": 0}  # fmt: skip
    return {"schema": SCHEMA, "version": VERSION, "run": run, "summary": summarize(claims),
            "claims": claims, "other_tests": []}  # fmt: skip


def write_fixture(folder: Path, **kw: Any) -> Path:
    """``folder/results.json`` with :func:`fixture_results`; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "results.json"
    path.write_text(dumps(fixture_results(**kw)), encoding="utf-8")
    return path


def fixture_json(**kw: Any) -> dict[str, Any]:
    """The fixture as it reads back from disk (non-finite numbers as strings)."""
    data: dict[str, Any] = json.loads(dumps(fixture_results(**kw)))
    return data
