"""The claims a nox session runs beside the gate (``nox -s models``: torch and transformers) on
the report: their cards in a section of their own, their run gated like the complete run's, and
their absence shown as not run here, never as held."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.report_fixture import IDS, passing, write
from winit.report.cli import main
from winit.report.inputs import MODELS

MODEL_CLAIM = "FX-ON-A-MODEL"


def session_results(observed: str = "holds") -> dict[str, Any]:
    """A session's complete run of one claim (not one of the gate's) that was ``observed``."""
    data = passing()
    claim = next(c for c in data["claims"] if c["observed"] == "holds") | {"id": MODEL_CLAIM}
    claim |= {"observed": observed, "unexpected": observed != claim["expected"]}
    data["claims"] = [claim]
    data["run"]["exitstatus"] = int(observed != claim["expected"])
    return data


def gate(folder: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``winit report --check`` on ``folder``'s results: exit status, the page, the output."""
    status = main(["--results", str(folder / "results.json"), "--check"])
    out = capsys.readouterr()
    return status, (folder / "index.html").read_text(encoding="utf-8"), out.out + out.err


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    """reports/ with a complete run that passes the gate."""
    write(tmp_path / "reports" / "results.json", passing())
    return tmp_path / "reports"


def test_without_the_sessions_results_its_claims_show_as_not_run_here(
    reports: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, page, out = gate(reports, capsys)
    assert status == 0, out
    assert f"{MODELS.title}: not run here — {MODELS.command} runs it." in page
    assert f'id="session-{MODELS.file}"' in page and MODEL_CLAIM not in page
    assert MODELS.command not in out  # no verdict on a run that is not here


def test_a_session_claim_that_held_is_a_card_and_its_run_passes_the_gate(
    reports: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(reports / MODELS.file, session_results())
    status, page, out = gate(reports, capsys)
    assert status == 0, out
    assert f'id="claim-{MODEL_CLAIM}"' in page and "not run here" not in page
    assert f"{MODELS.command} run {reports / MODELS.file}" in out and "passes the gate" in out
    assert f"{MODELS.title} ({MODELS.command}): 1 of 1 claims as expected." in page


def test_a_session_claim_that_failed_fails_the_gate_and_names_the_run(
    reports: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(reports / MODELS.file, session_results("fails"))
    status, page, out = gate(reports, capsys)
    assert status == 1
    assert f"{MODELS.command} run {reports / MODELS.file}" in out
    assert f"unexpected claim(s): {MODEL_CLAIM}" in out
    assert f'class="card unexpected" id="claim-{MODEL_CLAIM}"' in page


def test_a_failing_session_claims_reproduce_line_reruns_it_in_that_session(
    reports: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    failed = session_results("fails")
    nodeid = "properties/models/test_fx.py::test_on_a_model[gpt2]"
    failed["claims"][0]["failure"] = {
        "message": "AssertionError: RMS grew", "nodeid": nodeid, "falsifying_example": None,
        "reproduce_failure": None, "reproduce": f"nox -s properties -- '{nodeid}' --hypothesis-profile=ci",
    }  # fmt: skip
    write(reports / MODELS.file, failed)
    _, page, _ = gate(reports, capsys)
    assert f"{MODELS.command} -- &#39;{nodeid}&#39; --hypothesis-profile=ci" in page
    assert "nox -s properties --" not in page


def test_an_unreadable_session_results_file_fails_the_gate_in_one_line(
    reports: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (reports / MODELS.file).write_text("{", encoding="utf-8")
    status, page, out = gate(reports, capsys)
    assert status == 1
    assert f"cannot be used: {MODELS.file}: not valid JSON" in out
    assert "not run here" not in page


def test_a_claim_the_gates_run_ran_is_shown_once_as_that_run_decided(
    reports: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    both = session_results()
    both["claims"][0]["id"] = IDS[0]
    write(reports / MODELS.file, both)
    _, page, _ = gate(reports, capsys)
    assert page.count(f'id="claim-{IDS[0]}"') == 1


def test_a_session_run_on_another_commit_says_so(
    reports: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = session_results()
    other["run"]["git_commit"] = "1" * 40
    write(reports / MODELS.file, other)
    _, page, _ = gate(reports, capsys)
    assert "not this page's commit" in page
