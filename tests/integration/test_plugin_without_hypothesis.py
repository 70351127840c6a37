"""The pytest plugin that installing winit registers loads where hypothesis is not installed:
a project that installs winit (numpy only) but runs no claim still runs its tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

#: pytest with hypothesis made unimportable (its own plugin left out, as where it is absent)
RUN = """
import importlib.abc
import sys

class NoHypothesis(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.partition(".")[0] == "hypothesis":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoHypothesis())
import pytest
sys.exit(pytest.main(["-p", "no:hypothesispytest", "-p", "no:cacheprovider", "-q", sys.argv[1]]))
"""


def test_a_project_without_hypothesis_runs_its_tests_with_the_plugin_loaded(
    tmp_path: Path,
) -> None:
    test = tmp_path / "test_plain.py"
    test.write_text("def test_one_plus_one_is_two():\n    assert 1 + 1 == 2\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(test)], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
