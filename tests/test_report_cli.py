"""``winit report`` on a user's files: hand-edited HTML in every string is escaped, and a run
that cannot finish (a read-only folder, a full disk, a crash or Ctrl-C while rendering, a folder
given as the results) is one line on stderr without a traceback and a non-zero exit, and leaves the
previous page byte-identical."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

import winit.report.render
from tests.report_fixture import write_fixture
from winit.__main__ import main
from winit.claims.schema import NONFINITE

HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
PREVIOUS = "<!doctype html><p>previous good report — ✓</p>\n".encode()
#: Fields whose value is one of a fixed set (changing them is a different, validated error).
ENUMS = {"schema", "expected", "observed", "outcome", "scale"}


def one_line_error(capsys: pytest.CaptureFixture[str], starts: str) -> str:
    err = capsys.readouterr().err
    assert err.startswith(starts)
    assert err.count("\n") == 1
    assert "Traceback" not in err
    return err


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    """A reports/ folder with valid results.json and a previous index.html."""
    results = write_fixture(tmp_path / "reports")
    (results.parent / "index.html").write_bytes(PREVIOUS)
    return results.parent


def report(folder: Path) -> int:
    return main(["report", "--results", str(folder / "results.json"), "--out",
                 str(folder / "index.html")])  # fmt: skip


def untouched(folder: Path) -> bool:
    """The previous page is byte-identical and no temporary file was left beside it."""
    return (folder / "index.html").read_bytes() == PREVIOUS and not list(folder.glob(".*.tmp"))


def hostile(value: Any, key: str = "") -> Any:
    """``value`` with HTML appended to every free-text string, series and number names included."""
    if isinstance(value, dict):
        rename = key in ("series", "numbers")
        return {(k + HOSTILE if rename else k): hostile(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [hostile(v, key) for v in value]
    if isinstance(value, str) and key not in ENUMS and value not in NONFINITE:
        return value + HOSTILE
    return value


# The hostile names make legends wider than the figure; matplotlib says so and draws them anyway.
@pytest.mark.filterwarnings("ignore:constrained_layout not applied:UserWarning")
def test_hand_edited_html_in_every_string_is_escaped(
    reports: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = reports / "results.json"
    results.write_text(json.dumps(hostile(json.loads(results.read_text()))), encoding="utf-8")
    assert report(reports) == 0
    html = (reports / "index.html").read_text(encoding="utf-8")
    assert "<script" not in html
    assert "<img src=x" not in html
    assert html.count("&lt;script&gt;alert(1)") > 10


def test_a_read_only_reports_folder_fails_in_one_line_and_keeps_the_page(
    reports: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Simulated (the suite may run as root, for whom a read-only folder is writable): creating
    the temporary file beside index.html is refused."""

    def refused(**kw: Any) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied", kw.get("dir"))

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    assert report(reports) == 2
    assert "Permission denied" in one_line_error(capsys, f"winit report: cannot write {reports}")
    assert untouched(reports)


def test_a_disk_full_mid_write_fails_in_one_line_and_keeps_the_page(
    reports: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    assert report(reports) == 2
    assert "No space left on device" in one_line_error(capsys, "winit report: cannot write")
    assert untouched(reports)


@pytest.mark.parametrize("interruption", [RuntimeError("plotting crashed"), KeyboardInterrupt()])
def test_interrupted_render_keeps_the_previous_page(
    reports: Path, monkeypatch: pytest.MonkeyPatch, interruption: BaseException
) -> None:
    """An exception in the middle of rendering (a bug: exit 3, or Ctrl-C: exit 130) is one
    line; nothing is written."""

    def interrupted(series: Any) -> Any:
        raise interruption

    monkeypatch.setattr(winit.report.render, "panels", interrupted)
    assert report(reports) == (130 if isinstance(interruption, KeyboardInterrupt) else 3)
    assert untouched(reports)


def test_a_folder_given_as_the_results_fails_in_one_line_and_keeps_the_page(
    reports: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--results", str(reports), "--out", str(reports / "index.html")]) == 2
    one_line_error(capsys, f"winit report: {reports}: cannot read")
    assert untouched(reports)
