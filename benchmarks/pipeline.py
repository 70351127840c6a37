"""Figure 4: wall time of the pipeline itself, the ``ci`` property suite and rendering the report
from the ``results.json`` that suite wrote, each in a subprocess (as CI runs them)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.figures import Figure
from benchmarks.timing import Samples

ROOT = Path(__file__).resolve().parent.parent
PROPERTIES = ["-m", "pytest", "properties", "-q", "--hypothesis-profile=ci", "-p", "no:cacheprovider"]  # fmt: skip
RENDER_REPEATS = 3


def _timed(args: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True)
    return time.perf_counter() - start, done


def _last_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = (done.stdout + done.stderr).strip().splitlines()
    return lines[-1][:200] if lines else ""


def _figure(name: str, seconds: list[float], note: str) -> Figure:
    s = Samples(seconds)
    return Figure("pipeline", name, None, None, s.median, s.iqr, note=note)


def _no_render(reason: str) -> list[dict[str, str]]:
    return [{"group": "pipeline", "name": "render report", "reason": reason}]


def run() -> tuple[list[Figure], list[dict[str, str]]]:
    """The two wall times (one suite run, :data:`RENDER_REPEATS` renders), and what was missing."""
    with tempfile.TemporaryDirectory(prefix="winit-bench-") as tmp:
        results = Path(tmp) / "results.json"
        seconds, done = _timed([*PROPERTIES, f"--winit-results={results}"])
        figures = [
            _figure(
                "properties suite (ci profile)",
                [seconds],
                f"one run, exit status {done.returncode}: {_last_line(done)}",
            )
        ]
        if importlib.util.find_spec("winit.__main__") is None:
            return figures, _no_render("`python -m winit report` does not exist yet")
        if not results.exists():
            return figures, _no_render("the property suite wrote no results.json")
        renders = []
        for i in range(RENDER_REPEATS):
            command = ["-m", "winit", "report", "--results", str(results), "--out", f"{tmp}/out{i}"]
            seconds, done = _timed(command)
            if done.returncode != 0:
                reason = f"`python -m winit report` failed ({done.returncode}): {_last_line(done)}"
                return figures, _no_render(reason)
            renders.append(seconds)
        figures.append(_figure("render report", renders, f"median of {RENDER_REPEATS} runs"))
    return figures, []
