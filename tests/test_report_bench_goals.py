"""The performance section's goals table: bench.json's ``initializers`` rows (``nox -s bench``)
with each measurement beside its goal, green (``pass-mark``) within it, red (``fail-mark``)
beyond it with the row's reason; a bench.json without them renders no such table."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

from tests.report_fixture import HOSTILE, write_fixture
from winit.__main__ import main as winit_main
from winit.report.tables import bench_goal_rows

MET = {
    "initializer": "glorot_normal", "dtype": "float32", "shape": [1024, 1024],
    "ratio_torch": 0.91, "ratio_rng": 0.36, "spread": {"ratio_torch": 0.04, "ratio_rng": 0.01},
    "extra_memory": 0.032, "goal": {"ratio_torch": 1.0, "ratio_rng": None, "extra_memory": 0.05},
    "met": True, "reason": "",
}  # fmt: skip
MISSED = {
    **MET, "initializer": "orthogonal", "ratio_torch": 2.03, "extra_memory": 7.0,
    "goal": {"ratio_torch": None, "ratio_rng": None, "extra_memory": 2.0},
    "met": False, "reason": f"extra_memory 7 > 2: bounded by LAPACK {HOSTILE}",
}  # fmt: skip


class _Cells(HTMLParser):
    """(classes, text) of every td inside the table of class ``goals``."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[str, str]] = []
        self._in_goals = self._in_td = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        cls = dict(attrs).get("class") or ""
        if tag == "table" and "goals" in cls.split():
            self._in_goals = True
        elif tag == "td" and self._in_goals:
            self._in_td = True
            self.cells.append((" ".join(cls.split()), ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._in_goals = False
        elif tag == "td":
            self._in_td = False

    def handle_data(self, data: str) -> None:
        if self._in_td:
            cls, text = self.cells[-1]
            self.cells[-1] = (cls, text + data)


def _page(tmp_path: Path, bench: object) -> str:
    results = write_fixture(tmp_path / "reports")
    (results.parent / "bench.json").write_text(json.dumps(bench), encoding="utf-8")
    out = results.parent / "index.html"
    assert winit_main(["report", "--results", str(results), "--out", str(out)]) == 0
    return out.read_text(encoding="utf-8")


def test_goals_sit_beside_measurements_green_or_red_with_the_reason(tmp_path: Path) -> None:
    parser = _Cells()
    parser.feed(_page(tmp_path, {"initializers": [MET, MISSED], "schema": 2}))
    cells = parser.cells
    width = len(cells) // 2
    met, missed = cells[:width], cells[width:]
    assert ("num pass-mark", "0.91 ± 0.04") in met
    assert ("num", "≤ 1.00") in met
    assert met[-1][1].strip() == "✓ met"
    assert ("num fail-mark", "700.0%") in missed
    assert ("num", "≤ 200.0%") in missed
    assert ("num", "2.03 ± 0.04") in missed  # no torch goal: neither green nor red
    assert "missed" in missed[-1][1]
    assert HOSTILE in missed[-1][1]  # the reason, escaped: text, not markup


def test_no_goals_table_without_initializer_rows(tmp_path: Path) -> None:
    parser = _Cells()
    parser.feed(_page(tmp_path, {"machine": "2 cores", "figures": [{"name": "x", "ratio": 1.07}]}))
    assert parser.cells == []


def test_bad_values_read_loosely() -> None:
    (row,) = bench_goal_rows({"initializers": [{**MET, "ratio_torch": "fast", "goal": 3}, 7]})
    assert row["cells"][0]["text"] == "—"
    assert all(c["goal"] == "—" and c["class"] == "" for c in row["cells"])
    assert bench_goal_rows("{oops") == []
