"""The plugin in a project outside this repository: winit built as a wheel, installed into a
fresh virtual environment with pytest, and the README's claim test run there with
``--winit-results``; the plugin loads from the wheel's ``pytest11`` entry point alone."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import venv
from pathlib import Path

from tests.integration.test_verify_readme import ROOT, readme_block
from winit.claims.schema import validate


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False
    )


def test_a_project_outside_the_repository_loads_the_plugin_from_the_wheel(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    shutil.copytree(ROOT, checkout, ignore=shutil.ignore_patterns(
        ".nox", ".git", ".venv", "reports", "dist", "build", "*.egg-info", "mutants"))  # fmt: skip
    venv.create(tmp_path / "venv", with_pip=True)
    python = str(tmp_path / "venv" / "bin" / "python")
    built = _run([python, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "dist"),
                  str(checkout)], tmp_path)  # fmt: skip
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("winit-*.whl")
    installed = _run([python, "-m", "pip", "install", "-q", str(wheel), "pytest", "hypothesis"],
                     tmp_path)  # fmt: skip
    assert installed.returncode == 0, installed.stderr[-2000:]
    project = tmp_path / "project"
    (project / "tests").mkdir(parents=True)
    (project / "tests" / "test_claims.py").write_text(readme_block("plugin"), encoding="utf-8")
    out = project / "reports" / "results.json"
    done = _run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--winit-results={out}"],
                project)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = validate(json.loads(out.read_text(encoding="utf-8")))
    (claim,) = results["claims"]
    assert (claim["id"], claim["observed"]) == ("MY-ZERO-SUM", "holds")
    assert claim["numbers"] == {"largest |output|": 0.0}
    assert "winit: 1 claims ran: 1 held" in done.stdout
