"""The ``winit`` command as a user runs it: a bad command or argument fails in one line with
exit 2, ``winit report`` without its extra says which extra to install, and plain
``python -m pytest`` from the repository root loads the project's default hypothesis profile."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "winit: missing command; known: report, verify"),
        (["frobnicate"], "winit: unknown command 'frobnicate'"),
        (["report", "--results", "no/such/results.json"], "winit report: no/such/results.json: not found"),
        (["verify", "no_such_module_xyz:f", "--law", "normal"], "winit verify: error: cannot import"),
    ],
)  # fmt: skip
def test_the_installed_entry_point_fails_in_one_line(argv: list[str], message: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "winit", *argv], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert done.stderr.startswith(message)
    assert done.stderr.count("\n") == 1


def test_report_without_the_report_extra_says_which_extra_to_install() -> None:
    """`winit report --help` on a plain install (no jinja2): one line naming the extra, exit 2."""
    hide = "import sys; sys.modules['jinja2'] = None; from winit.__main__ import main; "
    done = subprocess.run(
        [sys.executable, "-c", hide + "raise SystemExit(main(['report', '--help']))"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "winit report: needs the report extra (jinja2 is not installed); install it with "
        "`pip install 'winit[report]'` (nox -s report does)"
    ]


def test_plain_pytest_from_the_repository_root_runs_the_default_profile(tmp_path: Path) -> None:
    """Plain `python -m pytest` with no profile flag and no CI variable: the project's default
    profile loads (no FailedHealthCheck for the `evidence` fixture)."""
    root = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "properties/test_selu.py", "-q", "-p", "no:cacheprovider",
         "-k", "quadrature or mean_1"],
        cwd=root, env=env, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "FailedHealthCheck" not in done.stdout
