"""The report renderer on a fixture results.json: structure (parsed as HTML), the card's order
(the point first, the audit collapsed), numbers explained, partial runs, verify and framework
tables, escaping, bad input, unwritable destinations, atomic writes, determinism, the diff, the
loose extra sections, and results from before the results contract (no group, lead, ...)."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.report_fixture import HOSTILE, IDS, fixture_json, write_fixture
from tests.report_page import Page, rendered, run_main
from winit.atomic import write_atomic
from winit.claims.record import GROUPS
from winit.claims.schema import dumps
from winit.report import plots
from winit.report.plots import (
    axis_label,
    coincident,
    integer_valued,
    log_axis,
    panels,
    shared_prefix,
)
from winit.report.render import render_report
from winit.report.views import check_view, clean_source, clean_title
from winit.verify.cli import main as verify_main

#: The fixture's claims in the article's order of groups (FX-MISSING has none: last).
ORDER = ["FX-ZERO", "FX-REFUTED", "FX-HOLDS", "FX-FAILS", "FX-MISSING"]


@pytest.fixture
def results(tmp_path: Path) -> Path:
    return write_fixture(tmp_path / "reports")


@pytest.fixture(scope="module")
def fixture_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Page, str]:
    """The fixture report, rendered once for the tests that only read it."""
    return rendered(write_fixture(tmp_path_factory.mktemp("page") / "reports"))


def test_contents_and_cards_follow_the_articles_groups(fixture_page: tuple[Page, str]) -> None:
    page = fixture_page[0]
    assert [a["data-claim"] for a in page.find("a", **{"class": "toc-claim"})] == ORDER
    assert list(page.cards) == ORDER
    shown = [g for g in GROUPS if g != "Attention and residual networks"]  # none in the fixture
    titles = [t for t in page.text if t in GROUPS]
    assert titles[: len(shown)] == shown  # the contents, then the card headings
    for cid in IDS:
        assert page.find("a", href=f"#claim-{cid}")
        assert "↑ back to top" in page.card(cid)
    assert page.find("section", **{"class": "verdict fail"})
    assert page.find("section", id="how-to-read")


def test_a_card_says_the_point_first_and_keeps_the_audit_collapsed(
    fixture_page: tuple[Page, str],
) -> None:
    page = fixture_page[0]
    parts = page.sequence["FX-HOLDS"]
    order = [parts.index(k) for k in ("lead", "main-plot", "verdict-line", "quote")]
    assert order == sorted(order), parts
    seen, whole = page.seen("FX-HOLDS"), page.card("FX-HOLDS")
    assert f"What to see in FX-HOLDS's plot {HOSTILE}." in seen
    assert "How this was checked" in seen
    for audit in ("Precise statement of FX-HOLDS.", "seeds, widths 1-64", "chi-square interval",
                  "detects a variance ratio of 0.1 or more", "19000", "False-alarm budget"):  # fmt: skip
        assert audit not in seen
        assert audit in whole
    assert len(seen.split()) <= 120


def test_failing_claim_card_shows_the_example_and_reproduction(
    fixture_page: tuple[Page, str],
) -> None:
    page = fixture_page[0]
    assert page.find("article", id="claim-FX-FAILS", **{"class": "card unexpected"})
    seen = page.seen("FX-FAILS")
    assert "Falsifying example: test_fails(" in seen
    assert "nox -s properties -- properties/test_fx.py::test_fails --hypothesis-profile=ci" in seen
    assert "@reproduce_failure('6.155.2', b'AEID6A==')" in seen
    assert "Var(z) of Glorot normal: measured 2.1, accepted [0.6, 1.4]" in seen
    assert "No test of this claim ran." in page.card("FX-MISSING")


def test_plots_are_inline_svg_the_main_one_first(fixture_page: tuple[Page, str]) -> None:
    page, html = fixture_page
    images = page.find("img")
    # FX-ZERO: parameters, Var per layer; FX-HOLDS: Var(z), weights, loss, steps
    assert len(images) == 6
    mains = [a for a in page.tags if a[0] == "figure" and a[1].get("class") == "main-plot"]
    assert len(mains) == 2
    for img in images:
        assert img["src"].startswith("data:image/svg+xml;base64,")
        svg = base64.b64decode(img["src"].split(",", 1)[1]).decode()
        assert "<svg" in svg
        assert "<script" not in svg
        assert float(img["data-font-pt"]) >= 10
    assert "http://" not in html.replace("http://www.w3.org/", "")
    assert "https://" not in html


def test_strings_from_results_are_escaped(fixture_page: tuple[Page, str]) -> None:
    page, html = fixture_page
    assert not page.find("script")
    assert not [a for t, a in page.tags if t == "img" and "onerror" in a]
    assert HOSTILE in "".join(page.text)
    assert "&lt;script&gt;" in html


def test_check_table_explains_its_numbers(fixture_page: tuple[Page, str]) -> None:
    card = fixture_page[0].card("FX-HOLDS")
    for text in ("chi-square interval", "[0.9, 1.1]", "1e-09", "0.999", "∞", "✓ pass",
                 "H0: ≤ 0.5", "≥ 0.74", "one-sided", "[0, 0.0088]",
                 "natural log of a ratio: measured ratio 0.9704"):  # fmt: skip
        assert text in card, text
    assert "[−0.0033" not in card and "[-0.0033" not in card


def test_check_view_one_sided_by_infinite_bound() -> None:
    upper = {"name": "steps", "test": "binomial", "measured": 0.9, "expected": 0.5, "low": 0.7,
             "high": "Infinity", "alpha": 1e-9, "power": 0.999, "passed": True}  # fmt: skip
    view = check_view(upper)
    assert (view.interval, view.expected) == ("≥ 0.7", "H0: ≤ 0.5")
    lower = upper | {"low": "-Infinity", "high": 0.2, "expected": 0.5, "measured": 0.1}
    assert (check_view(lower).interval, check_view(lower).expected) == ("≤ 0.2", "H0: ≥ 0.5")
    two = upper | {"high": 1.1, "test": "z-test"}
    assert check_view(two).interval == "[0.7, 1.1]"


def test_titles_and_sources_read_as_citations(fixture_page: tuple[Page, str]) -> None:
    page, html = fixture_page
    assert "FX-MISSING: FX-MISSING" not in html
    assert "Title of FX-MISSING" in page.card("FX-MISSING")
    assert "shared/source" not in html
    assert "Fixture, A. Author (2026), §1" in page.card("FX-HOLDS")
    assert clean_title("LSUV", "LSUV: orthonormal init") == "orthonormal init"
    assert clean_source("Article (shared/source/a.txt)") == "Article"


def test_blas_and_selection_in_the_header(fixture_page: tuple[Page, str]) -> None:
    html = fixture_page[1]
    assert "BLAS openblas 0.3.27 (Haswell), 1 thread" in html


# --- partial runs ---------------------------------------------------------------------------


def test_a_partial_run_renders_beside_the_last_full_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "reports"
    results = write_fixture(folder, partial="zero").rename(folder / "results.partial.json")
    complete = _passing_complete_run(folder)
    os.utime(complete, (1, 1))  # the complete run came first
    (folder / "index.html").write_text("last full page", encoding="utf-8")
    assert run_main("--results", str(complete), "--check") == 0
    assert (folder / "index.html").read_text(encoding="utf-8") == "last full page"
    out = capsys.readouterr().out
    assert str(folder / "partial.html") in out
    assert f"complete run {complete} (started" in out and f"partial run {results} (started" in out
    page = Page((folder / "partial.html").read_text(encoding="utf-8"))
    assert page.find("section", **{"class": "verdict partial"})
    text = "".join(page.text)
    assert "PARTIAL: 1 of 5 claims run, all as expected" in text
    assert "-k zero ran 1 of 5 claims" in text
    assert "4 not run" in text.replace("\n", " ") or "4not run" in text.replace(" ", "")
    assert "✗ unexpected" not in "".join(t for c in page.cards for t in page.visible[c])
    for cid in ORDER[1:]:
        assert page.find("article", id=f"claim-{cid}", **{"class": "card not-run"})
        assert "Not run:" in page.seen(cid)
    assert page.find("a", href="index.html")


def _passing_complete_run(folder: Path) -> Path:
    """``folder/results.json``: the fixture's complete run with its failing claim passing."""
    data = fixture_json()
    for claim in data["claims"]:
        claim |= {"observed": claim["expected"], "unexpected": False, "failure": None}
    data["run"]["exitstatus"] = 0
    path = folder / "results.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_later_full_run_replaces_the_partial_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "reports"
    partial = write_fixture(folder, partial="zero").rename(folder / "results.partial.json")
    assert run_main("--results", str(folder / "results.json")) == 0  # only the partial exists
    assert (folder / "partial.html").exists()
    full = write_fixture(folder)
    os.utime(partial, (1, 1))  # the partial run came first
    assert run_main("--results", str(full)) == 0
    assert (folder / "index.html").exists()
    assert not (folder / "partial.html").exists()
    assert "removed" in capsys.readouterr().err


def test_a_newer_partial_page_stays_beside_the_full_page(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    partial = write_fixture(folder, partial="zero").rename(folder / "results.partial.json")
    full = write_fixture(folder)
    (folder / "partial.html").write_text("newer partial page", encoding="utf-8")
    os.utime(full, (1, 1))  # the complete run came first
    render_report(full)  # rendered as such (`winit report` would pick the newer partial run)
    assert (folder / "index.html").exists()
    assert (folder / "partial.html").read_text(encoding="utf-8") == "newer partial page"
    assert partial.exists()


def test_no_claim_selected_says_so_and_fails_the_check(tmp_path: Path) -> None:
    results = write_fixture(tmp_path / "reports", partial="nonexistent")
    assert run_main("--results", str(results), "--check") == 1
    text = "".join(Page((tmp_path / "reports" / "partial.html").read_text("utf-8")).text)
    assert "NO CLAIM SELECTED: -k nonexistent selected none of the 5 claims" in text
    assert not (tmp_path / "reports" / "index.html").exists()


# --- verify outputs and the framework table ---------------------------------------------------


def _verify(folder: Path, name: str, law: str = "glorot_normal") -> Path:
    out = folder / name
    argv = ["winit.initializers:glorot_normal", "--law", law, "--shapes", "64x32", "--json",
            str(out)]  # fmt: skip
    verify_main(argv)
    return out


def test_verify_outputs_are_tables_with_a_badge(results: Path) -> None:
    _verify(results.parent, "verify-glorot.json")
    page, html = rendered(results)
    rows = page.find("tr", **{"class": "verify-row"})
    assert [r["data-status"] for r in rows] == ["pass"]
    assert "winit.initializers:glorot_normal" in html
    assert "64×32: variance ratio" in html
    assert "\\u00b2" not in html and "²" in html
    assert page.find("details", id="verify-verify-glorot")


def test_a_failing_verify_fails_the_banner_and_the_check(
    results: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = fixture_json()
    good["claims"] = [c for c in good["claims"] if c["id"] in ("FX-ZERO", "FX-HOLDS")]
    good["run"]["exitstatus"] = 0
    results.write_text(dumps(good), encoding="utf-8")
    out = str(results.parent / "index.html")
    assert run_main("--results", str(results), "--out", out, "--check") == 0
    assert _verify(results.parent, "verify-he.json", law="he_normal").exists()  # wrong law
    assert run_main("--results", str(results), "--out", out, "--check") == 1
    assert (
        "1 failing verify, defaults or audit output(s): winit.initializers:glorot_normal (he_normal)"
        in (capsys.readouterr().err)
    )
    page = Page(Path(out).read_text(encoding="utf-8"))
    assert page.find("section", **{"class": "verdict fail"})
    assert [r["data-status"] for r in page.find("tr", **{"class": "verify-row"})] == ["fail"]
    assert "failing: variance ratio" in "".join(page.text)
    # a verify run that is meant to fail (a documented law the initializer does not follow)
    data = json.loads((results.parent / "verify-he.json").read_text(encoding="utf-8"))
    data["expected"] = "fail"
    (results.parent / "verify-he.json").write_text(json.dumps(data), encoding="utf-8")
    assert run_main("--results", str(results), "--out", out, "--check") == 0


def test_an_unreadable_verify_output_counts_as_failing(results: Path) -> None:
    (results.parent / "verify-broken.json").write_text("{oops", encoding="utf-8")
    (results.parent / "verify-other.json").write_text('{"results": []}', encoding="utf-8")
    page, html = rendered(results)
    statuses = [r["data-status"] for r in page.find("tr", **{"class": "verify-row"})]
    assert statuses == ["unreadable", "unreadable"]
    assert "verify-broken.json: not valid JSON" in html
    assert "verify-other.json: JSON of no kind winit writes; expected a `winit verify" in html
    assert "2 failing verify, defaults or audit output(s)" in html


def test_the_framework_table_has_a_badge_per_initializer(results: Path) -> None:
    rows = [
        {"framework": "torch", "version": "2.13.0", "initializer": "xavier_uniform_",
         "law": "U[±√(6/(fan_in+fan_out))]", "verdict": "pass", "reason": ""},
        {"framework": "keras", "version": "3.0", "initializer": HOSTILE, "law": "N(0, 1)",
         "verdict": "FAIL", "reason": "variance 2x off"},
    ]  # fmt: skip
    (results.parent / "frameworks.json").write_text(json.dumps({"rows": rows}), encoding="utf-8")
    page, html = rendered(results)
    statuses = [r["data-status"] for r in page.find("tr", **{"class": "framework-row"})]
    assert statuses == ["fail", "pass", "fail"]  # the findings first, then every row
    assert "U[±√(6/(fan_in+fan_out))]" in html
    assert "framework findings" in html
    assert "&lt;script&gt;" in html and not page.find("script")


def test_bench_and_mutation_sections_are_read_loosely(results: Path) -> None:
    folder = results.parent
    bench = {"machine": "2 cores", "benchmarks": [{"name": "he_normal", "ratio": 1.07}]}
    (folder / "bench.json").write_text(json.dumps(bench), encoding="utf-8")
    (folder / "mutants.json").write_text("{oops", encoding="utf-8")
    page, html = rendered(results)
    assert page.find("section", id="performance")
    assert page.find("section", id="mutation-score")
    for text in ("he_normal", "1.07", "2 cores", "mutants.json: not valid JSON"):
        assert text in html
    assert not page.find("script")


# --- bad input, atomic writes, determinism --------------------------------------------------


def _truncated(text: str) -> str:
    return text[: len(text) // 2]


def _bump_version(text: str) -> str:
    data = json.loads(text)
    data["version"] = 99
    return json.dumps(data)


def _bad_series(text: str) -> str:
    data = json.loads(text)
    data["claims"][2]["series"]["N(0,1)"]["y"] = [1.0]
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


def test_a_missing_results_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        run_main("--results", str(tmp_path / "nope.json"), "--out", str(tmp_path / "i.html")) == 2
    )
    assert "not found" in capsys.readouterr().err


@pytest.mark.parametrize("place", ["file-as-parent", "directory-as-out"])
def test_an_unwritable_destination_fails_in_one_line_and_writes_nothing(
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
    assert blocker.exists()
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


@pytest.mark.integration  # three whole pages, two of them drawn afresh
def test_render_is_deterministic_except_timestamp_lines(tmp_path: Path, uncached: None) -> None:
    first = rendered(write_fixture(tmp_path / "a"))[1]
    plots.forget()  # the plots drawn again, not remembered
    again = rendered(write_fixture(tmp_path / "a"))[1]
    later = rendered(write_fixture(tmp_path / "b", started="2026-02-02T00:00:00+00:00"))[1]
    assert first == again
    differ = [(a, b) for a, b in zip(first.splitlines(), later.splitlines(), strict=True) if a != b]
    assert differ
    assert all('class="timestamp"' in a for a, _ in differ)


def test_the_page_shows_the_diff_against_the_previous_run(results: Path) -> None:
    previous = fixture_json(started="2025-12-31T00:00:00+00:00")
    previous["claims"][3]["observed"] = "holds"
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


def test_check_flag_fails_the_gate_only_when_something_is_unexpected(results: Path) -> None:
    out = str(results.parent / "index.html")
    assert run_main("--results", str(results), "--out", out, "--check") == 1
    good = fixture_json()
    good["claims"] = good["claims"][:3]
    good["run"]["exitstatus"] = 0
    results.write_text(dumps(good), encoding="utf-8")
    assert run_main("--results", str(results), "--out", out, "--check") == 0


# --- plots ----------------------------------------------------------------------------------


def test_log_axes_only_where_the_data_span_decades() -> None:
    wide, narrow = np.array([1.0, 10.0, 1000.0]), np.array([1.0, 2.0, 50.0])
    assert log_axis(None, "x", [wide])
    assert not log_axis(None, "x", [narrow])
    assert not log_axis(None, "y", [np.array([-1.0, 1000.0])])
    assert log_axis("logy", "y", [narrow])  # 1.7 decades, asked for
    assert not log_axis("logy", "y", [np.array([0.9, 1.1])])  # asked for, but flat
    assert not log_axis("logy", "x", [wide])
    assert not log_axis("linear", "y", [wide])


def test_axis_labels_say_log_scale_exactly_when_it_is() -> None:
    assert axis_label("fan-in n (inputs, log scale)", False) == "fan-in n (inputs)"
    assert axis_label("Var(z), log scale", False) == "Var(z)"
    assert axis_label("fan-in n (inputs, log scale)", True) == "fan-in n (inputs, log scale)"
    assert axis_label("Var(z)", True) == "Var(z) (log scale)"


def test_integer_axes_and_coincident_curves() -> None:
    assert integer_valued([np.array([1.0, 2.0, 3.0])])
    assert not integer_valued([np.array([1.0, 1.5])])
    same = {"x": [0.0, 1.0], "y": [0.0, 0.0], "xlabel": "step", "ylabel": "w", "group": "g"}
    other = same | {"y": [0.0, 0.5]}
    drawn = coincident([("zero W[0]", same), ("zero W[1]", same), ("zero b", other)])
    assert [c.names for c in drawn] == [["zero W[0]", "zero W[1]"], ["zero b"]]
    assert drawn[0].label("g") == "2 curves, drawn on top of each other (W[0] and W[1])"
    assert shared_prefix(["steps, N(0, 1)", "steps, Xavier"]) == "steps, "
    assert shared_prefix(["a", "b"]) == ""


def _svg(series: dict[str, Any]) -> str:
    (panel,) = panels(series)
    return base64.b64decode(panel.uri.split(",", 1)[1]).decode()


def test_panels_say_what_coincides_and_tick_layers_as_integers() -> None:
    layers = [1.0, 2.0, 3.0]
    flat = {"x": layers, "y": [0.0, 0.0, 0.0], "xlabel": "layer l", "ylabel": "w", "group": "g"}
    svg = _svg({f"unit {i}": flat for i in range(4)} | {"g": flat | {"y": [1.0, 2.0, 3.0]}})
    assert "4 curves, drawn on top of each other" in svg
    assert ">1.5<" not in svg and ">2.5<" not in svg
    assert ">g<" in svg  # the title, once: the curve named like it has no legend entry


def test_optional_series_fields_are_drawn() -> None:
    claims = fixture_json()["claims"]
    zero = [_svg({k: v}) for k, v in claims[0]["series"].items() if "shade" in v]
    assert "saturated zone" in zero[0]
    steps = {k: v for k, v in claims[2]["series"].items() if v.get("kind") == "points"}
    assert "cut at 400: not reached" in _svg(steps)


def test_panels_are_deterministic(uncached: None) -> None:
    series = fixture_json()["claims"][2]["series"]
    first = panels(series)
    plots.forget()  # drawn again, not remembered
    assert panels(series) == first


def test_facets_draw_small_multiples_on_shared_axes_with_one_legend() -> None:
    """Series naming a facet: one panel, a plot per facet (its title), and each curve's legend
    entry once however many facets draw it."""
    x = [0.0, 1.0, 2.0]
    series = {
        f"{init}: layer {k}": {"x": x, "y": [k, k + 1.0, k + 2.0], "xlabel": "v",
                               "ylabel": "density", "group": "per layer", "facet": init}
        for init in ("init A", "init B") for k in (1, 2)
    }  # fmt: skip
    (panel,) = panels(series)
    svg = base64.b64decode(panel.uri.split(",", 1)[1]).decode()
    assert "init A" in svg and "init B" in svg
    assert svg.count(">layer 1<") == 1 and svg.count(">layer 2<") == 1
