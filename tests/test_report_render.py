"""The report renderer on a fixture results.json: structure (parsed as HTML), escaping, bad input,
unwritable destinations, atomic writes, determinism, the diff and the loose extra sections."""

from __future__ import annotations

import base64
import json
import os
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.report_fixture import HOSTILE, fixture_json, write_fixture
from winit.__main__ import main as winit_main
from winit.atomic import write_atomic
from winit.claims.schema import dumps
from winit.report.plots import log_axis, panels

IDS = ["FX-HOLDS", "FX-REFUTED", "FX-FAILS", "FX-MISSING"]


class Page(HTMLParser):
    """Elements with their attributes and the text inside each element id'd article."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.cards: dict[str, list[str]] = {}
        self._card: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        if tag == "article":
            self._card = self.cards.setdefault(a["id"], [])

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self._card = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._card is not None:
            self._card.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [
            a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())
        ]


def run_main(*args: str) -> int:
    """``python -m winit report ARGS`` in process."""
    return winit_main(["report", *args])


@pytest.fixture
def results(tmp_path: Path) -> Path:
    return write_fixture(tmp_path / "reports")


def rendered(results: Path) -> tuple[Page, str]:
    out = results.parent / "index.html"
    assert run_main("--results", str(results), "--out", str(out)) == 0
    html = out.read_text(encoding="utf-8")
    return Page(html), html


@pytest.fixture(scope="module")
def fixture_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Page, str]:
    """The fixture report, rendered once for the tests that only read it."""
    return rendered(write_fixture(tmp_path_factory.mktemp("page") / "reports"))


def test_every_claim_has_a_row_a_link_and_a_card(fixture_page: tuple[Page, str]) -> None:
    page = fixture_page[0]
    assert [a["data-claim"] for a in page.find("tr", **{"class": "claim-row"})] == IDS
    for cid in IDS:
        assert page.find("a", href=f"#claim-{cid}")
        assert f"claim-{cid}" in page.cards
    assert page.find("section", **{"class": "verdict fail"})


def test_failing_claim_card_shows_the_example_and_reproduction(
    fixture_page: tuple[Page, str],
) -> None:
    page = fixture_page[0]
    assert page.find("article", id="claim-FX-FAILS", **{"class": "card unexpected"})
    card = "".join(page.cards["claim-FX-FAILS"])
    assert "Falsifying example: test_fails(" in card
    assert "nox -s properties -- properties/test_fx.py::test_fails --hypothesis-profile=ci" in card
    assert "@reproduce_failure('6.155.2', b'AEID6A==')" in card
    assert "No test of this claim ran." in "".join(page.cards["claim-FX-MISSING"])


def test_plots_are_inline_svg_one_per_group(fixture_page: tuple[Page, str]) -> None:
    page, html = fixture_page
    images = page.find("img")
    assert len(images) == 3  # groups: Var(z) against fan-in, weights over training, loss
    for img in images:
        assert img["src"].startswith("data:image/svg+xml;base64,")
        svg = base64.b64decode(img["src"].split(",", 1)[1]).decode()
        assert "<svg" in svg
        assert "<script" not in svg
    assert "http://" not in html.replace("http://www.w3.org/", "")
    assert "https://" not in html


def test_strings_from_results_are_escaped(fixture_page: tuple[Page, str]) -> None:
    page, html = fixture_page
    assert not page.find("script")
    assert not [a for t, a in page.tags if t == "img" and "onerror" in a]
    assert HOSTILE in "".join(page.text)
    assert "&lt;script&gt;" in html


def test_check_table_and_non_finite_numbers(fixture_page: tuple[Page, str]) -> None:
    card = "".join(fixture_page[0].cards["claim-FX-HOLDS"])
    for text in ("chi-square interval", "[0.9, 1.1]", "1e-09", "0.999", "∞", "✓ pass"):
        assert text in card


def _truncated(text: str) -> str:
    return text[: len(text) // 2]


def _bump_version(text: str) -> str:
    data = json.loads(text)
    data["version"] = 99
    return json.dumps(data)


def _bad_series(text: str) -> str:
    data = json.loads(text)
    data["claims"][0]["series"]["N(0,1)"]["y"] = [1.0]
    return json.dumps(data)


def _bad_verdict(text: str) -> str:
    data = json.loads(text)
    data["claims"][1]["observed"] = "<b>maybe</b>"
    return json.dumps(data)


@pytest.mark.parametrize(
    ("corrupt", "message"),
    [
        (_truncated, "not valid JSON"),
        (_bump_version, "unknown schema version 99"),
        (_bad_series, "expected 5 numbers like x"),
        (_bad_verdict, "observed: expected one of"),
        (lambda _: "[1, 2]", "not a winit results file"),
        (lambda _: "\xff\xfe", "not valid JSON"),
    ],
)
def test_bad_results_give_one_line_and_keep_the_old_page(
    results: Path, capsys: pytest.CaptureFixture[str], corrupt: Any, message: str
) -> None:
    out = results.parent / "index.html"
    out.write_text("previous good page", encoding="utf-8")
    results.write_text(corrupt(results.read_text(encoding="utf-8")), encoding="utf-8")
    assert run_main("--results", str(results), "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
    assert out.read_text(encoding="utf-8") == "previous good page"


def test_missing_results_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        run_main("--results", str(tmp_path / "nope.json"), "--out", str(tmp_path / "i.html")) == 2
    )
    assert "not found" in capsys.readouterr().err


@pytest.mark.parametrize("place", ["file-as-parent", "directory-as-out"])
def test_unwritable_destination(
    results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], place: str
) -> None:
    blocker = tmp_path / "blocker"
    if place == "file-as-parent":
        blocker.write_text("a file where reports/ should be", encoding="utf-8")
        out = blocker / "index.html"
    else:
        blocker.mkdir()
        out = blocker
    assert run_main("--results", str(results), "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert err.startswith("winit report: cannot write")
    assert err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker", "reports"]


def test_interrupted_write_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "index.html"
    target.write_text("old", encoding="utf-8")

    def interrupted(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]


def test_render_is_deterministic_except_timestamp_lines(tmp_path: Path) -> None:
    first = rendered(write_fixture(tmp_path / "a"))[1]
    again = rendered(write_fixture(tmp_path / "a"))[1]
    later = rendered(write_fixture(tmp_path / "b", started="2026-02-02T00:00:00+00:00"))[1]
    assert first == again
    differ = [(a, b) for a, b in zip(first.splitlines(), later.splitlines(), strict=True) if a != b]
    assert differ
    assert all('class="timestamp"' in a for a, _ in differ)


def test_diff_against_previous_run(results: Path) -> None:
    previous = fixture_json(started="2025-12-31T00:00:00+00:00")
    previous["claims"][2]["observed"] = "holds"
    (results.parent / "results.previous.json").write_text(json.dumps(previous), encoding="utf-8")
    page, html = rendered(results)
    assert page.find("section", id="diff")
    assert "<td>holds</td><td>fails</td>" in html.replace('<a href="#claim-FX-FAILS">', "")


def test_unreadable_previous_run_is_ignored_with_a_warning(
    results: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (results.parent / "results.previous.json").write_text("{", encoding="utf-8")
    page, _ = rendered(results)
    assert not page.find("section", id="diff")
    assert "previous results ignored" in capsys.readouterr().err


def test_verify_and_bench_sections_are_read_loosely(results: Path) -> None:
    folder = results.parent
    verify = {"target": "torch.nn.init:xavier_uniform_", "results": [
        {"law": "glorot_uniform", "shape": [256, 128], "verdict": "pass", "stats": {"p": 0.41}},
        {"law": "glorot_uniform", "shape": [64, 32, 3, 3], "verdict": HOSTILE, "stats": {"p": 0.2}},
    ]}  # fmt: skip
    (folder / "verify.json").write_text(json.dumps(verify), encoding="utf-8")
    (folder / "verify-broken.json").write_text("{oops", encoding="utf-8")
    bench = {"machine": "2 cores", "benchmarks": [{"name": "he_normal", "ratio": 1.07}]}
    (folder / "bench.json").write_text(json.dumps(bench), encoding="utf-8")
    page, html = rendered(results)
    assert page.find("section", id="verify-verify")
    assert page.find("section", id="verify-verify-broken")
    assert page.find("section", id="performance")
    for text in ("stats.p", "0.41", "torch.nn.init:xavier_uniform_", "could not read", "1.07"):
        assert text in html
    assert not page.find("script")


def test_check_flag_fails_the_gate_only_when_something_is_unexpected(results: Path) -> None:
    out = str(results.parent / "index.html")
    assert run_main("--results", str(results), "--out", out, "--check") == 1
    good = fixture_json()
    good["claims"] = good["claims"][:2]
    good["run"]["exitstatus"] = 0
    results.write_text(dumps(good), encoding="utf-8")
    assert run_main("--results", str(results), "--out", out, "--check") == 0


def test_log_axes_follow_the_data_or_the_hint() -> None:
    wide, narrow = np.array([1.0, 10.0, 1000.0]), np.array([1.0, 2.0, 50.0])
    assert log_axis(None, "x", [wide])
    assert not log_axis(None, "x", [narrow])
    assert not log_axis(None, "y", [np.array([-1.0, 1000.0])])
    assert log_axis("logy", "y", [narrow])
    assert not log_axis("logy", "x", [wide])


def test_panels_are_deterministic() -> None:
    series = fixture_json()["claims"][0]["series"]
    assert panels(series) == panels(series)
