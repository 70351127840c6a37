"""The workflow's speed goals (benchmarks/goals.py): figures from timed runs, a failed command
records nothing, and the README's numbers block is rewritten from a measurement, never typed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from benchmarks import goals
from winit.atomic import ReportError

RUNS = [goals.Timing(12.0, 20.0), goals.Timing(10.0, 18.0), goals.Timing(30.0, 19.0)]


def _measurement() -> dict[str, object]:
    return {
        "floor": goals.row("property suite alone", None, [goals.Timing(5.0, 9.0)], None),
        "goals": [goals.row("nox -s tests, warm", 20.0, RUNS, 5.0)],
        "machine": {"cores": 2, "python": "3.11.7", "load_average_1m": [1.0, 2.0],
                    "PYTHONDONTWRITEBYTECODE": False},
        "commit": "abc1234", "measured": "2026-12-06 11:00 UTC", "complete": True,
    }  # fmt: skip


def test_a_goal_row_gives_min_median_max_and_the_ratio_of_the_median_to_the_floor() -> None:
    r = goals.row("nox -s tests, warm", 20.0, RUNS, 5.0)
    assert r["wall_s"] == {"min": 10.0, "median": 12.0, "max": 30.0}
    assert r["cpu_s_median"] == 19.0
    assert r["ratio_to_floor"] == 2.4
    assert r["met"] is True  # the median, not one slow run, is held to the limit
    assert goals.row("x", 11.0, RUNS, 5.0)["met"] is False


def test_a_failed_command_is_an_error_not_a_time(tmp_path: Path) -> None:
    with pytest.raises(goals.CommandFailedError, match="exited 3: oops"):
        goals.timed([sys.executable, "-c", "print('oops'); raise SystemExit(3)"], tmp_path,
                    {}, tmp_path / "log")  # fmt: skip


def test_the_readme_block_is_rewritten_from_the_measurement(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"before\n{goals.BEGIN}\nold numbers\n{goals.END}\nafter\n")
    goals.rewrite_readme(readme, goals.table(_measurement()))
    text = readme.read_text()
    assert "old numbers" not in text and text.startswith("before\n") and text.endswith("after\n")
    assert "| nox -s tests, warm | ≤ 20 s | 3 | 10.0 / 12.0 / 30.0 | 19.0 | 2.4 | yes |" in text
    assert "at commit abc1234 on 2 cores (Python 3.11.7; 1-minute load average 1.0 → 2.0):" in text


def test_an_incomplete_measurement_says_so() -> None:
    assert "**incomplete**" in goals.table(_measurement() | {"complete": False})
    assert "**incomplete**" not in goals.table(_measurement())


def test_a_readme_without_the_block_is_refused(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("no block\n")
    with pytest.raises(ReportError, match="has no numbers block"):
        goals.rewrite_readme(readme, "x")


def test_the_projects_readme_has_the_block() -> None:
    assert goals.BEGIN in goals.README.read_text(encoding="utf-8")
