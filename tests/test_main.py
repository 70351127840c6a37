"""The ``winit`` command as a user runs it: a bad command or argument fails in one line with
exit 2, and ``winit report`` without its extra says which extra to install."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.cli import not_installed, one_line, winit

CASES = [
    ([], "winit: missing command; known: report, verify"),
    (["frobnicate"], "winit: unknown command 'frobnicate'"),
    (["report", "--results", "no/such/results.json"], "winit report: no/such/results.json: not found"),
    (["verify", "no_such_module_xyz:f", "--law", "normal"], "winit verify: error: cannot import"),
]  # fmt: skip


@pytest.mark.parametrize(("argv", "message"), CASES)
def test_a_bad_command_line_fails_in_one_line(argv: list[str], message: str) -> None:
    assert one_line(winit(*argv), 2).startswith(message)


def test_the_installed_entry_point_fails_in_one_line() -> None:
    """``python -m winit`` as a process: the exit status and the stderr the shell sees."""
    argv, message = CASES[1]
    done = subprocess.run(
        [sys.executable, "-m", "winit", *argv], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert done.stderr.startswith(message)
    assert done.stderr.count("\n") == 1


def test_report_without_the_report_extra_says_which_extra_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`winit report --help` on a plain install (no jinja2): one line naming the extra, exit 2."""
    not_installed(monkeypatch, "jinja2")
    for module in ("winit.report.cli", "winit.report.render"):  # the command imports jinja2 in
        monkeypatch.delitem(sys.modules, module, raising=False)  # these: imported again, failing
    assert one_line(winit("report", "--help"), 2) == (
        "winit report: needs the report extra (jinja2 is not installed); install it with "
        "`pip install 'winit[report]'` (nox -s report does)"
    )
