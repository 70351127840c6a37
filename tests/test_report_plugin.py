"""The pytest plugin end to end: a small suite of claims run in a subprocess, alone and under
pytest-xdist, must give one results.json with the right verdicts, evidence, hypothesis example
counts and reproduction lines, and fail the run on an unexpected verdict; the false-alarm budget,
planned power, partial runs and an unwritable results folder are refused or reported in one
line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.cli import ctrl_c_as_at_a_terminal
from winit.claims.schema import validate

#: Each test runs pytest in a subprocess (several under xdist): integration, not the gate, whose
#: properties session runs the plugin on the real claims every time.
pytestmark = pytest.mark.integration

#: A conftest that names the plugin module as well as its entry point (it loads once).
CONFTEST = """
pytest_plugins = ["winit.claims.plugin"]
"""

SUITE = """
import numpy as np
import pytest
from hypothesis import event, given, strategies as st, target
from winit.claims import Claim
from winit.stats import Check, mean_check

def claim(cid, expected="holds"):
    return Claim(id=cid, group="Beyond the article", title=cid, source="test", quote="q",
                 statement="s", domain="d", expected=expected, lead="l")

HOLDS, REFUTED, FAILS, MISSING = (claim("PX-HOLDS"), claim("PX-REFUTED", "refuted-as-stated"),
                                  claim("PX-FAILS"), claim("PX-MISSING"))
MEAN = HOLDS.plan("mean", per_example=1)

@pytest.mark.claim(HOLDS)
@given(seed=st.integers(0, 2**32 - 1))
def test_holds(seed, evidence):
    evidence.check(Check("unit", "exact", 1.0, 1.0, 1.0, 1.0, 0.0))
    x = np.random.default_rng(seed).standard_normal(1000)
    evidence.check(mean_check("mean", x, 0.0, 1.0, MEAN.alpha, against=0.5), MEAN)
    event("even" if seed % 2 == 0 else "odd")
    target(float(seed % 7), label="seed mod 7")

@pytest.mark.claim(HOLDS)
def test_holds_series(evidence):
    evidence.add_series("curve", [1, 2], [3, 4], xlabel="n", ylabel="v", group="g")
    evidence.number("answer", 42)

@pytest.mark.claim(REFUTED)
def test_refuted(evidence):
    evidence.refutes_as_stated("wrong as stated", "x = 1")

@pytest.mark.claim(FAILS)
@given(seed=st.integers(0, 2**32 - 1))
def test_fails(seed, evidence):
    assert seed < 1000

@pytest.mark.claim(MISSING)
def test_missing(evidence):
    pytest.skip("the plugin reports a claim whose tests all skipped as missing")  # reason: that

def test_without_claim():
    pass
"""

TIMING = ("started", "duration_s")


def pytest_in(
    folder: Path,
    *args: str,
    suite: str = SUITE,
    env: dict[str, str] | None = None,
    conftest: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """pytest on ``suite`` in ``folder`` (the plugin from its entry point; a ``conftest``
    given is written beside)."""
    if conftest is not None:
        (folder / "conftest.py").write_text(conftest, encoding="utf-8")
    (folder / "test_suite.py").write_text(suite, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=folder, capture_output=True, text=True, timeout=120, check=False,
        env=env if env is not None else {**os.environ, "PYTHONPATH": str(folder)},
    )  # fmt: skip


def run_suite(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "reports" / "results.json"
    done = pytest_in(tmp_path, "--hypothesis-profile=ci", f"--winit-results={out}", *args)
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
    assert not data["run"]["selection"]["partial"]
    assert [t["nodeid"] for t in data["other_tests"]] == ["test_suite.py::test_without_claim"]


def test_evidence_examples_and_failure_are_recorded(
    runs: dict[str, tuple[int, dict[str, Any]]],
) -> None:
    data = runs["serial"][1]
    claims = by_id(data)
    holds = claims["PX-HOLDS"]
    assert holds["examples"] == 20
    assert [c["name"] for c in holds["checks"]] == ["unit", "mean"]
    mean = holds["checks"][1]
    assert mean["plan"] == "mean" and mean["per_example"] == 1 and mean["mde_of"] == "mean shift"
    assert holds["budget"]["alpha"] == pytest.approx(1e-6)
    examples = holds["tests"][0]["examples"]
    assert sum(examples["events"].values()) == 20 and set(examples["events"]) == {"even", "odd"}
    assert examples["targets"]["seed mod 7"] <= 6
    assert holds["numbers"] == {"answer": 42.0}
    assert holds["series"]["curve"]["group"] == "g"
    assert claims["PX-REFUTED"]["counterexample"] == "x = 1"
    failure = claims["PX-FAILS"]["failure"]
    assert failure["nodeid"] == "test_suite.py::test_fails"
    assert "seed=1000" in failure["falsifying_example"]
    assert "Evidence('PX-FAILS')" in failure["falsifying_example"]
    assert failure["reproduce_failure"].startswith("@reproduce_failure(")
    assert failure["reproduce"] == (
        "nox -s properties -- test_suite.py::test_fails --hypothesis-profile=ci"
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


def test_a_partial_run_marks_the_rest_not_run_and_keeps_the_previous_full_run(
    tmp_path: Path,
) -> None:
    _, full = run_suite(tmp_path)
    out = tmp_path / "reports" / "results.json"
    done = pytest_in(tmp_path, "--hypothesis-profile=ci", f"--winit-results={out}", "-k", "refuted")
    code = done.returncode
    part = validate(json.loads(out.with_suffix(".partial.json").read_text("utf-8")))
    observed = {cid: c["observed"] for cid, c in by_id(part).items()}
    assert observed == {"PX-HOLDS": "not-run", "PX-REFUTED": "refuted-as-stated",
                        "PX-FAILS": "not-run", "PX-MISSING": "not-run"}  # fmt: skip
    assert code == 0 and part["summary"]["not_run"] == 3 and part["summary"]["unexpected"] == 0
    assert part["run"]["selection"]["partial"] and part["run"]["selection"]["keyword"] == "refuted"
    kept = json.loads(out.read_text("utf-8"))
    assert without_timing(kept["claims"]) == without_timing(full["claims"])
    assert "3 not run (partial run)" in done.stdout


def test_selecting_no_claim_says_so(tmp_path: Path) -> None:
    out = tmp_path / "reports" / "results.json"
    done = pytest_in(tmp_path, "--hypothesis-profile=ci", f"--winit-results={out}", "-k", "nothing")
    assert "winit: no claim selected" in done.stdout
    assert json.loads(out.with_suffix(".partial.json").read_text("utf-8"))["claims"] == []
    assert not out.exists()


def test_an_unwritable_results_folder_is_a_one_line_usage_error(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    reports.chmod(0o555)
    try:
        if os.access(reports, os.W_OK):  # root ignores permission bits: use a file as the folder
            reports.chmod(0o755)
            reports.rmdir()
            reports.write_text("not a folder", encoding="utf-8")
        done = pytest_in(tmp_path, f"--winit-results={reports / 'results.json'}")
    finally:
        if reports.is_dir():
            reports.chmod(0o755)
    assert done.returncode == 4
    assert "INTERNALERROR" not in done.stdout + done.stderr
    lines = [ln for ln in (done.stdout + done.stderr).splitlines() if "--winit-results" in ln]
    assert len(lines) == 1 and "reports" in lines[0], done.stdout + done.stderr


OVER_BUDGET = """
import pytest
from winit.claims import Claim
GREEDY = Claim(id="PX-GREEDY", group="Beyond the article", title="t", source="s", quote="q",
               statement="s", domain="d", expected="holds", lead="l")
GREEDY.plan("generous", per_example=1, alpha=1e-3)

@pytest.mark.claim(GREEDY)
def test_greedy(evidence):
    pass
"""


def test_a_claim_over_its_false_alarm_budget_is_refused_naming_it(tmp_path: Path) -> None:
    done = pytest_in(tmp_path, suite=OVER_BUDGET)
    assert done.returncode == 4
    assert "claim PX-GREEDY is over its false-alarm budget" in done.stdout + done.stderr


OVERSTATED = """
import numpy as np
import pytest
from winit.claims import Claim
from winit.stats import mean_check
WEAK = Claim(id="PX-WEAK", group="Beyond the article", title="t", source="s", quote="q",
             statement="s", domain="d", expected="holds", lead="l")
MEAN = WEAK.plan("mean", runs=1)

@pytest.mark.claim(WEAK)
def test_weak(evidence):
    x = np.random.default_rng(0).standard_normal(10)  # far too few draws for power 0.999
    evidence.check(mean_check("mean", x, 0.0, 1.0, MEAN.alpha, against=0.5), MEAN)
"""


def test_a_check_below_its_planned_power_fails_its_claim(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    done = pytest_in(tmp_path, f"--winit-results={out}", suite=OVERSTATED)
    assert done.returncode == 1
    weak = json.loads(out.read_text("utf-8"))["claims"][0]
    assert weak["observed"] == "fails"
    assert "is below the planned 0.999" in weak["failure"]["message"]


HYPOTHESIS_SUITE = """
import pytest
from hypothesis import given, strategies as st
from winit.claims import Claim
C = Claim(id="PX-PLAIN", group="Beyond the article", title="t", source="s", quote="q",
          statement="s", domain="d", expected="holds", lead="l")

@pytest.mark.claim(C)
@given(x=st.integers())
def test_plain(x, evidence):
    assert isinstance(x, int)
"""


def test_plain_pytest_needs_no_profile_flag(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CI"} | {"PYTHONPATH": str(tmp_path)}
    done = pytest_in(tmp_path, suite=HYPOTHESIS_SUITE, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "FailedHealthCheck" not in done.stdout


def test_a_run_of_named_tests_is_partial_and_keeps_the_complete_run(tmp_path: Path) -> None:
    """A failing card's reproduction line names one test: its results go beside, not over, the
    complete run's (the other files' claims are not even known to such a run)."""
    _, full = run_suite(tmp_path)
    out = tmp_path / "reports" / "results.json"
    pytest_in(tmp_path, "--hypothesis-profile=ci", f"--winit-results={out}",
              "test_suite.py::test_refuted")  # fmt: skip
    part = json.loads(out.with_suffix(".partial.json").read_text("utf-8"))
    assert part["run"]["selection"]["partial"]
    assert without_timing(json.loads(out.read_text("utf-8"))["claims"]) == without_timing(
        full["claims"]
    )


# --- the run's results are never lost, and an interrupted run is at most partial -------------

SLOW_LAST = """
import pathlib, time
import pytest
from winit.claims import Claim
C = Claim(id="PX-FIRST", group="Beyond the article", title="t", source="s", quote="q",
          statement="s", domain="d", expected="holds", lead="l")
D = Claim(id="PX-LAST", group="Beyond the article", title="t", source="s", quote="q",
          statement="s", domain="d", expected="holds", lead="l")

@pytest.mark.claim(C)
def test_first(evidence):
    pass

@pytest.mark.claim(D)
def test_last(evidence):
    if {slow}:
        pathlib.Path("started").touch()
        time.sleep(60)
"""


def test_an_interrupted_run_is_partial_and_its_cut_test_is_interrupted(tmp_path: Path) -> None:
    """Ctrl-C (SIGINT) during the last test of a complete run."""
    out = tmp_path / "reports" / "results.json"
    assert (
        pytest_in(tmp_path, f"--winit-results={out}", suite=SLOW_LAST.format(slow=False)).returncode
        == 0
    )
    complete = out.read_text(encoding="utf-8")
    (tmp_path / "test_suite.py").write_text(SLOW_LAST.format(slow=True), encoding="utf-8")
    with subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--winit-results={out}"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=ctrl_c_as_at_a_terminal,
    ) as proc:  # fmt: skip
        _wait_for(tmp_path / "started", proc)
        proc.send_signal(signal.SIGINT)
        stdout, _ = proc.communicate(timeout=60)
    assert proc.returncode == pytest.ExitCode.INTERRUPTED
    assert out.read_text(encoding="utf-8") == complete
    assert not out.with_suffix(".previous.json").exists()
    part = validate(json.loads(out.with_suffix(".partial.json").read_text("utf-8")))
    assert (
        part["run"]["selection"] | {"interrupted": True, "partial": True}
        == part["run"]["selection"]
    )
    observed = {
        c["id"]: (c["observed"], [t["outcome"] for t in c["tests"]]) for c in part["claims"]
    }
    assert observed == {
        "PX-FIRST": ("holds", ["passed"]),
        "PX-LAST": ("interrupted", ["interrupted"]),
    }
    assert "interrupted (partial run" in stdout


def _wait_for(marker: Path, proc: subprocess.Popen[str]) -> None:
    for _ in range(600):
        if marker.exists():
            return
        assert proc.poll() is None, "the run ended before its last test started"
        time.sleep(0.1)
    raise AssertionError("the last test never started")


#: A conftest that stands for a kill -9 (or a full disk) at the worst moment of writing the
#: results: the new file is written and flushed, and the process dies before the rename.
DIE_MID_WRITE = """
import os, signal
real_fsync = os.fsync

def fsync(fd):
    real_fsync(fd)
    if os.environ.get("DIE") == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    raise OSError(28, "No space left on device")

def pytest_sessionfinish(session):
    if os.environ.get("DIE"):
        os.fsync = fsync
"""


@pytest.mark.parametrize("how", ["kill", "full-disk"])
def test_a_write_cut_short_loses_no_results(tmp_path: Path, how: str) -> None:
    out = tmp_path / "reports" / "results.json"
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    first = pytest_in(tmp_path, f"--winit-results={out}", suite=SLOW_LAST.format(slow=False),
                      conftest=DIE_MID_WRITE, env=env)  # fmt: skip
    assert first.returncode == 0, first.stdout + first.stderr
    complete = out.read_text(encoding="utf-8")
    cut = pytest_in(tmp_path, f"--winit-results={out}", suite=SLOW_LAST.format(slow=False),
                    env=env | {"DIE": how})  # fmt: skip
    assert cut.returncode == (-signal.SIGKILL if how == "kill" else pytest.ExitCode.USAGE_ERROR)
    assert out.read_text(encoding="utf-8") == complete
    if how == "full-disk":
        assert "winit: results not written: cannot write" in cut.stdout
        assert not list(out.parent.glob(".*.tmp"))
    again = pytest_in(tmp_path, f"--winit-results={out}", suite=SLOW_LAST.format(slow=False),
                      env=env)  # fmt: skip
    assert again.returncode == 0
    assert not list(out.parent.glob(".*.tmp"))  # the killed writer's temporary is cleaned


# --- what --winit-results accepts -----------------------------------------------------------


@pytest.mark.parametrize("value", ["", "existing-dir"])
def test_an_empty_or_directory_results_path_is_a_one_line_usage_error(
    tmp_path: Path, value: str
) -> None:
    (tmp_path / "existing-dir").mkdir()
    (tmp_path / "existing-dir" / "tracked.txt").write_text("kept", encoding="utf-8")
    done = pytest_in(tmp_path, f"--winit-results={value}", suite=SLOW_LAST.format(slow=False))
    assert done.returncode == pytest.ExitCode.USAGE_ERROR
    lines = [ln for ln in (done.stdout + done.stderr).splitlines() if "--winit-results" in ln]
    assert len(lines) == 1 and "give a file path" in lines[0], done.stdout + done.stderr
    assert (tmp_path / "existing-dir" / "tracked.txt").read_text(encoding="utf-8") == "kept"


def test_a_results_symlink_is_written_through(tmp_path: Path) -> None:
    target = tmp_path / "store" / "results.json"
    target.parent.mkdir()
    link = tmp_path / "results.json"
    link.symlink_to(target)
    assert (
        pytest_in(
            tmp_path, f"--winit-results={link}", suite=SLOW_LAST.format(slow=False)
        ).returncode
        == 0
    )
    assert link.is_symlink() and validate(json.loads(target.read_text("utf-8")))


def test_a_conftest_naming_the_plugin_does_not_load_it_twice(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    done = pytest_in(tmp_path, f"--winit-results={out}", suite=SLOW_LAST.format(slow=False),
                     conftest=CONFTEST)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(validate(json.loads(out.read_text("utf-8")))["claims"]) == 2


def test_the_record_travels_in_user_properties_and_stays_out_of_junit_xml(tmp_path: Path) -> None:
    out, junit = tmp_path / "results.json", tmp_path / "junit.xml"
    done = pytest_in(tmp_path, f"--winit-results={out}", f"--junitxml={junit}",
                     suite=SLOW_LAST.format(slow=False))  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert 'name="winit"' not in junit.read_text(encoding="utf-8")


def test_a_run_of_files_without_claims_fails_the_report_gate(tmp_path: Path) -> None:
    """`pytest tests/test_fans.py --winit-results=...` after a complete run: no claim ran."""
    out = tmp_path / "reports" / "results.json"
    assert (
        pytest_in(tmp_path, f"--winit-results={out}", suite=SLOW_LAST.format(slow=False)).returncode
        == 0
    )
    (tmp_path / "test_plain.py").write_text("def test_plain():\n    pass\n", encoding="utf-8")
    assert pytest_in(tmp_path, f"--winit-results={out}", "test_plain.py",
                     suite=SLOW_LAST.format(slow=False)).returncode == 0  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "winit", "report", "--results", str(out), "--check"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "partial run" in done.stderr and "no claim selected" in done.stderr
