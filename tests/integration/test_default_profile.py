"""Plain ``python -m pytest`` from the repository root (no profile flag, no CI variable) loads
the project's default hypothesis profile: a pytest run in a process of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_plain_pytest_from_the_repository_root_runs_the_default_profile() -> None:
    """No FailedHealthCheck for the ``evidence`` fixture."""
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "properties/test_selu.py", "-q", "-p", "no:cacheprovider",
         "-k", "quadrature or mean_1"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "FailedHealthCheck" not in done.stdout
