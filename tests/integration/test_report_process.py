"""``winit report`` as a process, end to end: the exit status the shell sees, a page written to
the process' own stdout, a terminal that cannot encode the paths, and the panels a page lacks
drawn by a pool of processes. The unit tests run the same command in process
(tests/test_report_gate.py); these check what only a real process shows."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.report_fixture import passing, write, write_fixture
from winit.report import plots


def winit(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m winit ARGS`` in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "winit", *args], capture_output=True, text=True, timeout=300,
        check=False, env={**os.environ, **(env or {})},
    )  # fmt: skip


def test_the_process_exits_1_when_the_gate_fails_and_0_when_it_passes(tmp_path: Path) -> None:
    failing = write_fixture(tmp_path / "failing")
    done = winit("report", "--results", str(failing), "--check")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "gate failed: 2 unexpected claim(s): FX-FAILS, FX-MISSING" in done.stderr
    passed = write(tmp_path / "passing" / "results.json", passing())
    assert winit("report", "--results", str(passed), "--check").returncode == 0


def test_dev_stdout_is_written_through_its_name(tmp_path: Path) -> None:
    """/dev/stdout links into /proc (a pipe here): the page goes to the pipe."""
    results = write_fixture(tmp_path / "reports")
    done = winit("report", "--results", str(results), "--out", "/dev/stdout")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("<!DOCTYPE html>")


def test_an_ascii_only_terminal_gets_escaped_text_not_an_error(tmp_path: Path) -> None:
    results = write(tmp_path / "réports" / "results.json", passing())
    done = winit("report", "--results", str(results), "--check",
                 env={"LANG": "C", "LC_ALL": "C", "PYTHONIOENCODING": "ascii"})  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "r\\xe9ports" in done.stdout
    assert (tmp_path / "réports" / "index.html").exists()


def test_prerender_draws_many_missing_panels_in_a_pool_of_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One panel per process is enough here (:data:`plots.POOL_PANELS` set to 1): the pool's
    processes draw them into the folder, each once."""
    monkeypatch.setenv("WINIT_PLOT_CACHE", str(tmp_path / "plots"))
    monkeypatch.setattr(plots, "POOL_PANELS", 1)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    plots.forget()
    curve = {"x": [1, 2, 3], "y": [1.0, 4.0, 9.0], "xlabel": "n", "ylabel": "v", "group": "g"}
    pages = [{"a": curve}, {"b": curve | {"group": "h"}}, {"a": curve}]
    plots.prerender(pages)
    assert len(list((tmp_path / "plots").glob("*.json"))) == 2
    assert plots._drawn.cache_info().currsize == 0  # drawn in the pool's processes, not here
