"""A ``results.json`` fixture for the report tests and the browser check: five claims, one per
group of the article's argument, that held / were refuted as expected / failed (unexpected, with
a falsifying example) / went missing, with HTML in their strings and series of every kind
(coincident curves, independent seeds, a capped measurement, a log hint), assembled by the
plugin's own collector code plus the fields of the results contract
(``docs``: /work/notes/results-contract.md): ``lead``, ``group``, ``main_plot``, ``budget``, each
check's ``mde``/``mde_of``/``n``/``per_example``, ``run.selection`` and ``run.blas``.

``partial="zero"`` makes it the run of ``-k zero``: the claims whose id does not contain the
keyword are ``not-run``; ``partial="nonexistent"`` selects no claim at all.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from winit.claims import Claim, Evidence, Plan
from winit.claims.collect import TestRecord, claim_result, summarize
from winit.claims.schema import SCHEMA, VERSION, Results, dumps
from winit.stats import Check

HOSTILE = "<script>alert('x')</script><img src=x onerror=alert(1)>"
#: (id, group, expected verdict): one claim per group of the article's argument.
CLAIMS = [
    ("FX-ZERO", "Zero init", "holds"),
    ("FX-REFUTED", "Constant init", "refuted-as-stated"),
    ("FX-HOLDS", "N(0, 1) init", "holds"),
    ("FX-FAILS", "Xavier init", "holds"),
    ("FX-MISSING", "Beyond the article", "holds"),
]
IDS = [cid for cid, _, _ in CLAIMS]
#: What each check measures, its minimum detectable effect and sample size (contract fields).
CHECK_EXTRAS = {"mde": 0.1, "mde_of": "variance ratio", "n": 19000, "per_example": 1}


def _claim(cid: str, expected: str = "holds") -> Claim:
    title = f"Title of {cid} {HOSTILE}"
    return Claim(
        id=cid,
        group="Beyond the article",
        lead="",
        title=f"{cid}: {title}" if cid == "FX-MISSING" else title,
        source="Fixture, A. Author (2026), §1 (shared/source/fixture.txt)",
        quote=f"The source says {HOSTILE} & more.",
        statement=f"Precise statement of {cid}.",
        domain="seeds, widths 1-64",
        expected=expected,  # type: ignore[arg-type]
        statistics="chi-square interval for a variance against a 2x error",
    )


def _evidence(cid: str, expected: str = "holds") -> tuple[Evidence, Plan]:
    """An evidence record for the claim and a plan its statistical checks run under."""
    claim = _claim(cid, expected)
    return Evidence(claim), claim.plan("fixture checks", runs=10, power=None)


def _holds_evidence(cid: str) -> Evidence:
    ev, plan = _evidence(cid)
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
    seeds = np.arange(12.0)
    ev.add_series("steps, N(0, 1)", seeds, np.minimum(100 + 30 * seeds, 400), xlabel="seed",
                  ylabel="steps to threshold", group="steps to a loss threshold")  # fmt: skip
    ev.series["steps, N(0, 1)"] |= {"kind": "points", "cap": 400.0}
    ev.check(Check("Var(z)/n", "chi-square interval", 1.03, 1.0, 0.9, 1.1, 1e-9, power=0.999,
                   against="2x"), plan)  # fmt: skip
    ev.check(Check("ln Var(z_l), layer 2", "normal interval", -0.03, 0.0, -0.25, 0.25, 1e-9,
                   power=0.999, against="variance 2x off"), plan)  # fmt: skip
    ev.check(Check("fraction with f'(z) < 0.01", "z-test for a mean", 0.003, 0.003, -0.0033,
                   0.0088, 1e-9, power=1.0, against="mean shifted"), plan)  # fmt: skip
    ev.check(Check("success rate", "one-sided exact binomial test", 0.91, 0.5, 0.74, 1.0, 1e-9,
                   power=0.9993, against="success probability 0.85"), plan)  # fmt: skip
    ev.number("fitted slope", 1.01)
    ev.number("overflow", float("inf"))
    return ev


def _zero_evidence(cid: str) -> Evidence:
    ev, _ = _evidence(cid)
    steps = np.arange(201.0)
    for name in ("W1[0,0]", "W1[0,1]", "W1[1,0]", "W1[1,1]"):
        ev.add_series(f"zero {name}", steps, np.zeros(201), xlabel="SGD step",
                      ylabel="parameter value", group="zero init: parameters over training")  # fmt: skip
    ev.add_series("zero b2[0]", steps, 0.5 * (steps > 0), xlabel="SGD step",
                  ylabel="parameter value", group="zero init: parameters over training")  # fmt: skip
    layers = np.arange(1.0, 6.0)
    ev.add_series("zero init: Var(h_l) per layer", layers, 2.0**-layers, xlabel="layer l",
                  ylabel="Var(h_l), log scale", group="zero init: Var(h_l) per layer")  # fmt: skip
    ev.series["zero init: Var(h_l) per layer"]["shade"] = {"ranges": [[4.0, 5.0]],
                                                          "label": "saturated zone"}  # fmt: skip
    ev.check(Check("output bias after training", "exact", 0.5, 0.5, 0.5, 0.5, 0.0))
    return ev


def _test(nodeid: str, cid: str, evidence: Evidence | None = None, **kw: Any) -> TestRecord:
    examples = {"passing": 20, "failing": 0, "invalid": 0, "shrinks": 0,
                "stopped_because": "settings.max_examples=20"}  # fmt: skip
    ev = evidence.as_dict() if evidence is not None else None
    return TestRecord(nodeid, cid, evidence=ev, examples=examples, **kw)


def _tests(cid: str) -> list[TestRecord]:
    failure = {
        "message": f"AssertionError: {HOSTILE}",
        "falsifying_example": f"Falsifying example: test_fails(\n    seed=1000,\n    s='{HOSTILE}',\n)",
        "reproduce_failure": "@reproduce_failure('6.155.2', b'AEID6A==')",
        "reproduce": "nox -s properties -- properties/test_fx.py::test_fails --hypothesis-profile=ci",
    }
    refuted, _ = _evidence("FX-REFUTED", "refuted-as-stated")
    refuted.refutes_as_stated(f"not linear {HOSTILE}", "sigmoid(2) - 2 sigmoid(1) != 0")
    fails, _ = _evidence("FX-FAILS")
    fails.checks["Var(z) of Glorot normal"] = Check(
        "Var(z) of Glorot normal", "chi-square interval", 2.1, 1.0, 0.6, 1.4, 1e-9,
        power=0.999, against="2x",
    )  # fmt: skip
    return {
        "FX-ZERO": [_test("p/t.py::test_zero", cid, _zero_evidence(cid))],
        "FX-REFUTED": [_test("p/t.py::test_refuted", cid, refuted)],
        "FX-HOLDS": [_test("p/t.py::test_holds", cid, _holds_evidence(cid))],
        "FX-FAILS": [_test("p/t.py::test_fails", cid, fails, outcome="failed", failure=failure)],
        "FX-MISSING": [_test("p/t.py::test_missing", cid, outcome="skipped")],
    }[cid]


def _contract(claim: dict[str, Any], group: str, selected: bool) -> dict[str, Any]:
    """The fields the restructured plugin adds (results contract), and not-run when the
    selection left the claim out."""
    if not selected:
        claim |= {"observed": "not-run", "unexpected": False, "tests": [], "checks": [],
                  "numbers": {}, "series": {}, "examples": 0, "failure": None,
                  "refutation": None, "counterexample": None}  # fmt: skip
    groups = list(dict.fromkeys(s["group"] for s in claim["series"].values()))
    claim["checks"] = [k | CHECK_EXTRAS for k in claim["checks"]]
    claim["budget"] = {"alpha": 1e-9 * len(claim["checks"]), "limit": 1e-6}
    claim["main_plot"] = groups[0] if groups else None
    lead = f"What to see in {claim['id']}'s plot {HOSTILE}." if claim["series"] else ""
    return claim | {"group": group, "lead": lead}


def fixture_results(
    started: str = "2026-01-01T00:00:00+00:00", partial: str | None = None
) -> Results:
    claims = []
    for cid, group, expected in CLAIMS:
        selected = partial is None or partial.lower() in cid.lower()
        tests = _tests(cid) if selected else []
        definition = {"position": 0, **_claim(cid, expected).as_dict()}
        claims.append(_contract(claim_result(definition, tests), group, selected))
    ran = [c for c in claims if c["observed"] != "not-run"]
    exitstatus = 5 if not ran else int(any(c["observed"] == "fails" for c in ran))
    args = ["properties", "--hypothesis-profile=ci", *(["-k", partial] if partial else [])]
    selection = {"args": args, "selected": len(ran), "deselected": len(claims) - len(ran),
                 "partial": len(ran) < len(claims), "keyword": partial,
                 "interrupted": False}  # fmt: skip
    run = {"winit_version": "0.1.0", "git_commit": "0" * 40, "git_dirty": False,
           "python": "3.11.7", "numpy": "2.4.6", "hypothesis": "6.155.2",
           "hypothesis_profile": "ci", "hypothesis_seed": None, "started": started,
           "duration_s": 1.5, "exitstatus": exitstatus, "collection_errors": [], "workers": 0,
           "args": args, "selection": selection,
           "blas": {"name": "openblas", "version": "0.3.27", "core": "Haswell", "threads": 1}}  # fmt: skip
    summary = summarize(claims) | {"not_run": len(claims) - len(ran)}
    return {"schema": SCHEMA, "version": VERSION, "run": run, "summary": summary,
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


def passing(**kw: Any) -> dict[str, Any]:
    """The fixture's run with its failing claim passing (so the run passes the gate)."""
    data = fixture_json(**kw)
    for claim in data["claims"]:
        if claim["observed"] != "not-run":
            claim |= {"observed": claim["expected"], "unexpected": False, "failure": None}
    data["run"]["exitstatus"] = 0
    return data


def write(path: Path, data: dict[str, Any], mtime: float | None = None) -> Path:
    """``data`` as JSON at ``path`` (its folder made), last modified at ``mtime`` if given."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path
