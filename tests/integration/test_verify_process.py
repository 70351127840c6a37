"""``winit verify`` as a process, where only a process shows it: code under check that
swallows the time limit's alarm (the process is ended from a watchdog thread, GRACE seconds
late), and the real stdout of a process run under an ASCII-only locale. The unit tests run the
same in process (tests/test_verify_cli.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.misbehaving import SMALL, failing_record, one_line_error, passing_json, write_module


def test_an_initializer_swallowing_the_alarm_still_times_out_with_exit_5(tmp_path: Path) -> None:
    write_module(tmp_path)
    out = passing_json(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "winit", "verify", "m:hang_swallowing", "--law", "normal", *SMALL,
         "--timeout", "1", "--json", str(out)],
        cwd=tmp_path, capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert done.returncode == 5
    one_line_error(done, "did not return within 1 s (--timeout)")
    failing_record(out, 5)


@pytest.mark.parametrize(
    "env", [{"PYTHONIOENCODING": "ascii"}, {"LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0"}]
)
def test_an_ascii_only_stdout_still_passes_and_writes_json(
    tmp_path: Path, env: dict[str, str]
) -> None:
    out = tmp_path / "v.json"
    done = subprocess.run(
        [sys.executable, "-m", "winit", "verify", "winit:he_normal", "--law", "he_normal", *SMALL,
         "--json", str(out)],
        cwd=tmp_path, capture_output=True, text=True, check=False, env={**os.environ, **env},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("PASSED") and json.loads(out.read_text())["passed"]
