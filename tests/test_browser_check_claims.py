"""The browser check expects the cards the report's page has: the claims of ``results.json``
and those a session recorded beside it (``results-models.json``), read as ``winit report``
reads them."""

from __future__ import annotations

import re
from pathlib import Path

from tests.report_fixture import passing, write
from tests.test_report_sessions import MODEL_CLAIM, session_results
from tools.browser_check import page_claims
from winit.claims.schema import load_results
from winit.report.inputs import MODELS
from winit.report.render import render_report


def cards_on_the_page(results_path: Path) -> list[str]:
    """The claim ids of the cards of the page ``winit report`` renders for ``results_path``."""
    _, page, _ = render_report(results_path)
    return re.findall(r'<article class="card [^"]*" id="claim-[^"]*" data-claim="([^"]*)"',
                      page.read_text(encoding="utf-8"))  # fmt: skip


def test_the_browser_check_expects_a_sessions_cards_beside_the_runs(tmp_path: Path) -> None:
    path = write(tmp_path / "results.json", passing())
    write(tmp_path / MODELS.file, session_results("fails"))
    ids, failing = page_claims(load_results(path), path)
    assert MODEL_CLAIM in ids and failing == MODEL_CLAIM
    assert sorted(ids) == sorted(cards_on_the_page(path))
