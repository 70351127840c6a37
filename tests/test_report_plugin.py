"""The pytest plugin end to end: a small suite of claims run in a subprocess, alone and under
pytest-xdist, must give one results.json with the right verdicts, evidence, hypothesis example
counts and reproduction lines, and fail the run on an unexpected verdict."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from winit.report.schema import validate

CONFTEST = """
from hypothesis import HealthCheck, settings
from winit.claims import Claim, register

settings.register_profile(
    "ci", max_examples=20, derandomize=True, database=None, print_blob=True, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
for cid, expected in [("PX-HOLDS", "holds"), ("PX-REFUTED", "refuted-as-stated"),
                      ("PX-FAILS", "holds"), ("PX-MISSING", "holds")]:
    register(Claim(id=cid, title=cid, source="test", quote="q", statement="s", domain="d",
                   expected=expected))
pytest_plugins = ["winit.report.plugin"]
"""

SUITE = """
import numpy as np
import pytest
from hypothesis import given, strategies as st
from winit.stats import Check

@pytest.mark.claim("PX-HOLDS")
@given(seed=st.integers(0, 2**32 - 1))
def test_holds(seed, evidence):
    evidence.check(Check("unit", "exact", 1.0, 1.0, 1.0, 1.0, 0.0))

@pytest.mark.claim("PX-HOLDS")
def test_holds_series(evidence):
    evidence.add_series("curve", [1, 2], [3, 4], xlabel="n", ylabel="v", group="g")
    evidence.number("answer", 42)

@pytest.mark.claim("PX-REFUTED")
def test_refuted(evidence):
    evidence.refutes_as_stated("wrong as stated", "x = 1")

@pytest.mark.claim("PX-FAILS")
@given(seed=st.integers(0, 2**32 - 1))
def test_fails(seed, evidence):
    assert seed < 1000

def test_without_claim():
    pass
"""

TIMING = ("started", "duration_s")


def run_suite(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    (tmp_path / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (tmp_path / "test_suite.py").write_text(SUITE, encoding="utf-8")
    out = tmp_path / "reports" / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--hypothesis-profile=ci",
         f"--winit-results={out}", *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert out.exists(), done.stdout + done.stderr
    data: dict[str, Any] = validate(json.loads(out.read_text(encoding="utf-8")))
    return done.returncode, data


def by_id(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in data["claims"] if c["id"].startswith("PX-")}


def without_timing(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_timing(v) for k, v in value.items() if k not in TIMING}
    if isinstance(value, list):
        return [without_timing(v) for v in value]
    return value


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, dict[str, Any]]]:
    """The suite run alone, then under two xdist workers in the same folder."""
    folder = tmp_path_factory.mktemp("suite")
    serial = run_suite(folder)
    parallel = run_suite(folder, "-n", "2")
    previous = json.loads((folder / "reports" / "results.previous.json").read_text("utf-8"))
    return {"serial": serial, "xdist": parallel, "previous": (0, previous)}


def test_verdicts_and_exit_status(runs: dict[str, tuple[int, dict[str, Any]]]) -> None:
    code, data = runs["serial"]
    claims = by_id(data)
    assert code == 1
    assert data["run"]["exitstatus"] == 1
    observed = {cid: (c["observed"], c["unexpected"]) for cid, c in claims.items()}
    assert observed == {
        "PX-HOLDS": ("holds", False),
        "PX-REFUTED": ("refuted-as-stated", False),
        "PX-FAILS": ("fails", True),
        "PX-MISSING": ("missing", True),
    }
    assert [t["nodeid"] for t in data["other_tests"]] == ["test_suite.py::test_without_claim"]


def test_evidence_examples_and_failure_are_recorded(
    runs: dict[str, tuple[int, dict[str, Any]]],
) -> None:
    data = runs["serial"][1]
    claims = by_id(data)
    holds = claims["PX-HOLDS"]
    assert holds["examples"] == 20
    assert [c["name"] for c in holds["checks"]] == ["unit"]
    assert holds["numbers"] == {"answer": 42.0}
    assert holds["series"]["curve"]["group"] == "g"
    assert claims["PX-REFUTED"]["counterexample"] == "x = 1"
    failure = claims["PX-FAILS"]["failure"]
    assert failure["nodeid"] == "test_suite.py::test_fails"
    assert "seed=1000" in failure["falsifying_example"]
    assert "Evidence('PX-FAILS')" in failure["falsifying_example"]
    assert failure["reproduce_failure"].startswith("@reproduce_failure(")
    assert failure["reproduce"].endswith(
        "test_suite.py::test_fails -p no:cacheprovider --hypothesis-profile=ci"
    )
    assert data["run"]["hypothesis_profile"] == "ci"
    assert data["run"]["winit_version"]


def test_xdist_workers_merge_into_the_same_results(
    runs: dict[str, tuple[int, dict[str, Any]]],
) -> None:
    (code, parallel), (_, serial) = runs["xdist"], runs["serial"]
    assert code == 1
    assert parallel["run"]["workers"] == 2
    assert without_timing(parallel["claims"]) == without_timing(serial["claims"])
    assert parallel["run"].keys() == serial["run"].keys()


def test_a_second_run_keeps_the_previous_results(
    runs: dict[str, tuple[int, dict[str, Any]]],
) -> None:
    assert runs["previous"][1] == runs["serial"][1]
