"""The flake measurement's fingerprint (tools/flake.py) covers what a property run imports: a
fresh interpreter imports the property suite and nothing the fingerprint leaves out."""

from __future__ import annotations

import subprocess
import sys

from tools import flake


def test_a_property_run_imports_nothing_the_fingerprint_leaves_out() -> None:
    modules = sorted(p.stem for p in (flake.ROOT / "properties").glob("test_*.py"))
    script = (
        "import importlib, sys\n"
        "import conftest, winit.claims.plugin\n"
        f"for m in {modules!r}: importlib.import_module('properties.' + m)\n"
        "print('\\n'.join(sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=flake.ROOT, capture_output=True,
                          text=True, check=True)  # fmt: skip
    left_out = tuple(d.replace("/", ".") for d in flake.NOT_UNDER_TEST)
    assert [m for m in done.stdout.split() if m.startswith(left_out)] == []
