"""``winit report --check`` as CI runs it (in process here, through the command's ``main``: the
real process is tests/integration/test_report_process.py): which run decides, what each verdict
line names, how inputs of every winit command are read, and how bad input ends: one line, a
documented exit status (2 bad input, never 1, which means the gate failed), no traceback, the
previous page kept."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.cli import Done, one_line, winit
from tests.report_fixture import fixture_json, passing, write, write_fixture

GOOD_PAGE = "the last complete run's page"


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    """reports/ with the fixture's failing complete run, rendered once as index.html."""
    folder = tmp_path / "reports"
    os.utime(write_fixture(folder), (1000, 1000))
    (folder / "index.html").write_text(GOOD_PAGE, encoding="utf-8")
    return folder


# --- which run decides ------------------------------------------------------------------------


def test_a_newer_passing_partial_run_never_turns_a_failing_complete_run_green(
    reports: Path,
) -> None:
    partial = write(reports / "results.partial.json", passing(partial="zero"))
    done = winit("report", "--results", str(reports / "results.json"), "--check")
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"complete run {reports / 'results.json'} (started" in done.stderr
    assert "gate failed: 2 unexpected claim(s): FX-FAILS, FX-MISSING" in done.stderr
    assert f"partial run {partial} (started" in done.stdout + done.stderr
    assert (reports / "partial.html").exists()
    assert (reports / "index.html").read_text(encoding="utf-8") == GOOD_PAGE


def test_a_stale_partial_run_is_ignored(reports: Path) -> None:
    write(reports / "results.json", passing())
    write(reports / "results.partial.json", fixture_json(partial="fails"), mtime=1)
    done = winit("report", "--results", str(reports / "results.json"), "--check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "partial run" not in done.stdout + done.stderr
    assert (reports / "index.html").read_text(encoding="utf-8") != GOOD_PAGE


def test_a_newer_failing_partial_run_fails_the_gate(reports: Path) -> None:
    write(reports / "results.json", passing(), mtime=1000)
    write(reports / "results.partial.json", fixture_json(partial="fails"))
    done = winit("report", "--results", str(reports / "results.json"), "--check")
    assert done.returncode == 1
    assert "complete run" in done.stdout and "passes the gate" in done.stdout
    assert "partial run" in done.stderr and "FX-FAILS" in done.stderr


def test_without_a_complete_run_the_gate_fails(tmp_path: Path) -> None:
    partial = write(tmp_path / "results.partial.json", passing(partial="zero"))
    done = winit("report", "--results", str(tmp_path / "results.json"), "--check")
    assert done.returncode == 1
    assert "no complete run to decide from" in done.stderr
    assert (tmp_path / "partial.html").exists() and partial.exists()


def test_a_partial_run_saved_as_the_complete_one_fails_the_gate(tmp_path: Path) -> None:
    results = write(tmp_path / "results.json", passing(partial="zero"))
    done = winit("report", "--results", str(results), "--check")
    assert done.returncode == 1
    assert "it is a partial run, not a complete one" in done.stderr


def test_a_run_that_selected_no_claim_fails_the_gate(tmp_path: Path) -> None:
    data = passing(partial="nonexistent")
    data["run"]["exitstatus"] = 0
    write(tmp_path / "results.json", passing(), mtime=1000)
    write(tmp_path / "results.partial.json", data)
    done = winit("report", "--results", str(tmp_path / "results.json"), "--check")
    assert done.returncode == 1
    assert "no claim selected" in done.stderr


def test_a_run_with_no_claims_at_all_fails_the_gate(tmp_path: Path) -> None:
    data = passing()
    data["claims"], data["summary"]["claims"] = [], 0
    results = write(tmp_path / "results.json", data)
    done = winit("report", "--results", str(results), "--check")
    assert done.returncode == 1
    assert "no claim selected" in done.stderr


def test_an_interrupted_run_fails_the_gate(tmp_path: Path) -> None:
    data = passing()
    data["run"]["selection"]["interrupted"] = True
    write(tmp_path / "results.json", passing(), mtime=1000)
    write(tmp_path / "results.partial.json", data)
    done = winit("report", "--results", str(tmp_path / "results.json"), "--check")
    assert done.returncode == 1
    assert "the run was interrupted" in done.stderr


# --- the outputs of every winit command --------------------------------------------------------


def _defaults_output(verdict: str = "pass") -> dict[str, Any]:
    """What ``winit defaults 'torch.nn:Linear(64, 32)' --json`` writes (ParamReport.as_dict)."""
    row = {"parameter": "weight", "shape": [32, 64], "fan_in": 64, "fan_out": 32,
           "law": "kaiming_uniform(a=sqrt(5))", "verified_as": "uniform(bound=0.125)",
           "verdict": verdict, "reason": ""}  # fmt: skip
    return {"layer": "torch.nn:Linear(64, 32)", "seed": 0, "parameters": [row]}


def test_winit_verify_and_defaults_outputs_are_read_by_their_kind(tmp_path: Path) -> None:
    results = write(tmp_path / "results.json", passing())
    verified = winit("verify", "winit.initializers:glorot_normal", "--law", "glorot_normal",
                     "--shapes", "64x32", "--json", str(tmp_path / "verify-glorot.json"))  # fmt: skip
    assert verified.returncode == 0, verified.stderr
    write(tmp_path / "verify-defaults-linear.json", _defaults_output())
    done = winit("report", "--results", str(results), "--check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "winit verify outputs: passes the gate" in done.stdout
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "torch.nn:Linear(64, 32)" in html and "documented defaults" in html
    assert "? (?)" not in html


def test_a_failing_defaults_output_fails_the_gate(tmp_path: Path) -> None:
    results = write(tmp_path / "results.json", passing())
    write(tmp_path / "verify-defaults-linear.json", _defaults_output("FAIL"))
    done = winit("report", "--results", str(results), "--check")
    assert done.returncode == 1
    assert "torch.nn:Linear(64, 32) (documented defaults)" in done.stderr


def test_a_file_of_another_kind_says_what_it_is_and_fails_the_gate(tmp_path: Path) -> None:
    results = write(tmp_path / "results.json", passing())
    write(tmp_path / "verify-copy.json", passing())
    done = winit("report", "--results", str(results), "--check")
    assert done.returncode == 1
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "verify-copy.json: a winit results file (pytest --winit-results), not a `winit" in html
    assert "verify-copy.json (cannot be used: " in done.stderr and "? (?)" not in done.stderr


def _audit_output(passed: bool) -> dict[str, Any]:
    """What ``winit audit SPEC --json`` writes (AuditResult.as_dict), one group, one check."""
    row = {"shape": [], "name": "variance (standardised)", "test": "chi-square interval",
           "measured": 1.0 if passed else 4.0, "expected": 1.0, "low": 0.9, "high": 1.1,
           "alpha": 1e-8, "passed": passed, "powers": {}, "diagnosis": ""}  # fmt: skip
    group = {"path": "built", "pattern": "fc.weight", "passed": passed, "rows": [row]}
    return {"kind": "audit", "model": "mypkg:build()", "seed": 0, "passed": passed,
            "paths": {"built": "as users build it"}, "groups": [group], "across": []}  # fmt: skip


@pytest.mark.parametrize("passed", [True, False])
def test_an_audit_output_gates_like_a_verify_output(tmp_path: Path, passed: bool) -> None:
    results = write(tmp_path / "results.json", passing())
    write(tmp_path / "audit-mlp.json", _audit_output(passed))
    done = winit("report", "--results", str(results), "--check")
    assert done.returncode == (0 if passed else 1), done.stdout + done.stderr
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "mypkg:build()" in html and "built fc.weight: variance (standardised)" in html
    if not passed:
        assert "mypkg:build() (the laws its code names)" in done.stderr


def test_an_audit_output_that_lists_no_check_fails_the_gate(tmp_path: Path) -> None:
    results = write(tmp_path / "results.json", passing())
    write(tmp_path / "audit-empty.json", {**_audit_output(True), "groups": []})
    done = winit("report", "--results", str(results), "--check")
    assert done.returncode == 1
    assert "audit-empty.json lists no check" in (tmp_path / "index.html").read_text("utf-8")


# --- bad input: one line, exit 2, the previous page kept --------------------------------------


def _mutated(path: str, value: Any) -> dict[str, Any]:
    """The passing fixture with the field at ``path`` (dotted; ints index lists) set."""
    data = passing()
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    node: Any = data
    for p in parents:
        node = node[p]
    node[last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("run.blas", "openblas", "run.blas: expected an object"),
        ("run.workers", "two", "run.workers: expected an integer"),
        ("run.selection", None, "run.selection: expected an object"),
        ("claims.0.group", 7, "claims[0].group: expected a string"),
        ("claims.0.budget", {"alpha": "small"}, "claims[0].budget: expected an object"),
        ("claims.2.checks.0.n", [1], "claims[2].checks[0].n: expected a number"),
        ("claims.2.series.N(0,1).shade", "all", ".shade: expected an object"),
        ("claims.2.tests.0.examples", {"passing": "20"}, "examples: expected an object"),
        ("claims.2.series.N(0,1).xlabel", "$\\frac{1}$", "FX-HOLDS: its series cannot be drawn"),
    ],
)
def test_fields_of_the_wrong_type_are_one_line_and_exit_2(
    reports: Path, path: str, value: Any, message: str
) -> None:
    write(reports / "results.json", _mutated(path, value))
    done = winit("report", "--results", str(reports / "results.json"), "--check")
    assert message in one_line(done, 2)
    assert (reports / "index.html").read_text(encoding="utf-8") == GOOD_PAGE


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--results", ""], "--results: an empty path names no file"),
        (["--results", "no\nsuch.json"], "no / such.json: not found"),
        (["--results", "."], "cannot read: it is a directory"),
        (["--out", ""], "cannot write an empty path"),
    ],
)
def test_bad_paths_are_one_line_and_exit_2(reports: Path, args: list[str], message: str) -> None:
    done = winit("report", "--results", str(reports / "results.json"), *args, cwd=reports)
    assert message in one_line(done, 2)
    assert (reports / "index.html").read_text(encoding="utf-8") == GOOD_PAGE


def test_an_ascii_only_terminal_gets_escaped_text_not_an_error(tmp_path: Path) -> None:
    results = write(tmp_path / "réports" / "results.json", passing())
    done = winit("report", "--results", str(results), "--check", encoding="ascii")
    assert done.returncode == 0, done.stderr
    assert "r\\xe9ports" in done.stdout
    assert (tmp_path / "réports" / "index.html").exists()


# --- outputs are what the user named --------------------------------------------------------


def test_a_symlinked_page_is_written_through_to_its_target(reports: Path, tmp_path: Path) -> None:
    target, link = tmp_path / "site" / "page.html", reports / "link.html"
    target.parent.mkdir()
    target.write_text("old", encoding="utf-8")
    link.symlink_to(target)
    done = winit("report", "--results", str(reports / "results.json"), "--out", str(link))
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and "<!DOCTYPE html>" in target.read_text(encoding="utf-8")


def test_a_fifo_is_written_directly_not_replaced(reports: Path) -> None:
    fifo = reports / "page.fifo"
    os.mkfifo(fifo)
    done: list[Done] = []
    args = ("report", "--results", str(reports / "results.json"), "--out", str(fifo))
    writer = threading.Thread(target=lambda: done.append(winit(*args)))
    writer.start()
    page = fifo.read_text(encoding="utf-8")  # opening blocks until the writer opens it
    writer.join(timeout=300)
    assert [d.returncode for d in done] == [0]
    assert page.startswith("<!DOCTYPE html>")
    assert fifo.is_fifo()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can make a device node")  # reason: mknod
def test_a_device_is_written_directly_not_replaced(reports: Path) -> None:
    """A null device node in the test's folder stands in for /dev/null (a regression must not
    replace the machine's)."""
    import stat

    null = reports / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    done = winit("report", "--results", str(reports / "results.json"), "--out", str(null))
    assert done.returncode == 0, done.stderr
    assert stat.S_ISCHR(os.stat(null).st_mode)


def test_an_existing_directory_as_the_page_is_refused_and_kept(reports: Path) -> None:
    folder = reports / "site"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine", encoding="utf-8")
    done = winit("report", "--results", str(reports / "results.json"), "--out", str(folder))
    assert "it is a directory" in one_line(done, 2)
    assert (folder / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_temporaries_of_a_killed_writer_are_cleaned(reports: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = reports / f".index.html.{dead.pid}.abc123.tmp"
    stale.write_text("half a page", encoding="utf-8")
    done = winit("report", "--results", str(reports / "results.json"))
    assert done.returncode == 0, done.stderr
    assert not stale.exists()
    assert not list(reports.glob(".*.tmp"))
