"""Plumbing of the tests of ``winit verify`` on code under check that misbehaves: a module
``m.py`` of initializers that exit, raise, hang or return NaN, run in a process of its own, and
what a run that does not complete must leave at ``--json``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.cli import Done

#: small shapes, quick to verify
SMALL = ["--shapes", "64x32,16x8x3x3"]

#: initializers that misbehave, each as the body of ``def f(shape, rng)``; ``hang`` marks the
#: call under way by a file ``started`` (tests wait for it)
MISBEHAVING = {
    "exit_0": "sys.exit(0)",
    "exit_3": "sys.exit(3)",
    "raise_multiline": "raise ValueError('first line\\nsecond line')",
    "hang": "open('started', 'w').close()\n    while True:\n        time.sleep(0.05)",
    "hang_swallowing": "while True:\n        try:\n            time.sleep(0.05)\n"
    "        except BaseException:\n            pass",
    "interrupt": "raise KeyboardInterrupt",
    "os_exit": "os._exit(0)",
    "nan": "return np.full(shape, np.nan)",
    "good": "return rng.normal(0.0, 1.0, size=shape)",
}


def write_module(tmp_path: Path, text: str = "") -> None:
    """``tmp_path/m.py`` with one function per :data:`MISBEHAVING` entry, and ``text``."""
    funcs = "".join(
        f"\n\ndef {name}(shape, rng):\n    {body}\n" for name, body in MISBEHAVING.items()
    )
    head = "import os\nimport sys\nimport time\n\nimport numpy as np\n"
    (tmp_path / "m.py").write_text(f"{head}{text}{funcs}")


def process(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """``python -m winit ARGV`` as a process of its own, in ``tmp_path``."""
    return subprocess.run(
        [sys.executable, "-m", "winit", *argv], cwd=tmp_path, capture_output=True, text=True,
        check=False, timeout=120,
    )  # fmt: skip


def passing_json(tmp_path: Path) -> Path:
    """A passing ``--json`` from an earlier run, which a run that does not complete must not
    leave in force."""
    path = tmp_path / "verify-m.json"
    path.write_text(json.dumps({"passed": True, "rows": [], "expected": "pass"}))
    return path


def one_line_error(done: Done | subprocess.CompletedProcess[str], text: str) -> None:
    """The run wrote ``text`` on stderr, in one line, with no traceback."""
    assert done.stderr.count("\n") == 1, done.stderr
    assert text in done.stderr and "Traceback" not in done.stderr, done.stderr


def failing_record(path: Path, status: int | None) -> None:
    """The record at ``path`` fails the run, which did not complete, with exit ``status``."""
    data = json.loads(path.read_text())
    assert (data["passed"], data["completed"], data["exit_status"]) == (False, False, status)
    assert "expected" not in data  # a run that did not complete fails whatever was expected
