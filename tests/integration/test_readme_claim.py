"""The README's "Adding a claim" example runs: copied into a claim file of its own, pytest runs
it with the winit plugin and records the claim as holding."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def readme_claim() -> str:
    """The first python block of the README's "Adding a claim" section."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Adding a claim", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "README.md: no python block under 'Adding a claim'"
    return match.group(1)


def plugin_arguments() -> list[str]:
    """Load the winit plugin by name unless an installed entry point already loads it."""
    loaded = any(e.value.startswith("winit") for e in entry_points(group="pytest11"))
    return [] if loaded else ["-p", "winit.claims.plugin"]


def test_the_readme_claim_example_runs_and_holds(tmp_path: Path) -> None:
    """A whole run of the folder (naming the file would make it a partial run)."""
    (tmp_path / "test_my_claim.py").write_text(readme_claim(), encoding="utf-8")
    results = tmp_path / "results.json"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "-p", "no:randomly", "--hypothesis-profile=ci", f"--winit-results={results}",
         "--rootdir", str(tmp_path), *plugin_arguments()],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    claims = {c["id"]: c for c in json.loads(results.read_text(encoding="utf-8"))["claims"]}
    assert claims["MY-CLAIM"]["observed"] == "holds"
    assert [c["name"] for c in claims["MY-CLAIM"]["checks"]] == ["Var(w)"]
