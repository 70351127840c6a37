"""The report's drawn panels are kept under a key of their content (series, plotting code,
matplotlib version): an unchanged panel is read back, not drawn; any change draws it anew."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from winit.report import plots

SERIES = {
    "curve": {"x": [1, 2, 3], "y": [1.0, 4.0, 9.0], "xlabel": "n", "ylabel": "v", "group": "g"}
}


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of this test, and an empty memory."""
    monkeypatch.setenv("WINIT_PLOT_CACHE", str(tmp_path / "plots"))
    plots.forget()
    return tmp_path / "plots"


def _drawings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The groups drawn from now on (rather than read back from the cache)."""
    drawn: list[str] = []
    draw = plots._draw

    def counting(fig: Any, group: str, series: Any) -> Any:
        drawn.append(group)
        return draw(fig, group, series)

    monkeypatch.setattr(plots, "_draw", counting)
    return drawn


def test_an_unchanged_panel_is_read_back_from_the_folder_not_drawn(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = plots.panels(SERIES)
    drawn = _drawings(monkeypatch)
    plots.forget()  # a new process: only the folder remembers
    assert plots.panels(SERIES) == first
    assert drawn == []
    assert len(list(folder.glob("*.json"))) == 1


def test_a_change_of_the_data_draws_the_panel_anew(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = plots.panels(SERIES)
    drawn = _drawings(monkeypatch)
    changed = {"curve": SERIES["curve"] | {"y": [1.0, 4.0, 9.5]}}
    assert plots.panels(changed) != first
    assert drawn == ["g"]


def test_the_key_changes_with_the_plotting_code_and_matplotlib(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    content = plots._content("g", list(SERIES.items()))
    key = plots._key(content)
    monkeypatch.setattr(plots, "_CODE", plots._CODE + b"# changed\n")
    assert plots._key(content) != key
    monkeypatch.undo()
    monkeypatch.setattr(plots, "matplotlib_version", lambda: "0.0.0")
    assert plots._key(content) != key


def test_an_unreadable_entry_is_drawn_again(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = plots.panels(SERIES)
    (entry,) = folder.glob("*.json")
    entry.write_text("{not json", encoding="utf-8")
    plots.forget()
    drawn = _drawings(monkeypatch)
    assert plots.panels(SERIES) == first
    assert drawn == ["g"]


def test_prerender_draws_a_few_missing_panels_here_each_once(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fewer than :data:`plots.POOL_PANELS` per process: no pool is started (the one drawing
    in processes is tests/integration/test_report_process.py)."""
    drawn = _drawings(monkeypatch)
    pages = [SERIES, {"other": SERIES["curve"] | {"group": "h"}}, SERIES]
    plots.prerender(pages)
    assert drawn == ["g", "h"]
    assert len(list(folder.glob("*.json"))) == 2


def test_no_folder_means_no_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WINIT_PLOT_CACHE", "")
    assert plots.cache_dir() is None
    monkeypatch.delenv("WINIT_PLOT_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert plots.cache_dir() == tmp_path / "winit" / "plots"


def test_panels_unused_for_a_month_are_pruned(folder: Path) -> None:
    plots.panels(SERIES)
    (entry,) = folder.glob("*.json")
    old = entry.stat().st_mtime - (plots.UNUSED_DAYS + 1) * 86400
    os.utime(entry, (old, old))
    plots.prune(folder)
    assert not entry.exists()
    plots.panels({"other": SERIES["curve"] | {"group": "h"}})
    plots.prune(folder)
    assert len(list(folder.glob("*.json"))) == 1  # used now: kept


def test_prerender_leaves_a_panel_that_cannot_be_drawn_to_the_page(folder: Path) -> None:
    """The page draws it again and names the claim whose series failed (render.claim_view)."""
    bad = {"curve": SERIES["curve"] | {"xlabel": "$\\frac{1}$"}}
    plots.prerender([bad, SERIES])
    assert len(list(folder.glob("*.json"))) == 1
    with pytest.raises(ValueError, match="frac"):
        plots.panels(bad)
