"""The report as a reader sees it, in real headless Chromium (Debian's ``chromium`` through
Playwright, since browser downloads are not possible here), at a desktop (1280 px) and a phone
(412 px) width.

On every page, at both widths: no console error or warning, no network request but the page
itself, every plot loaded, no horizontal scroll at phone width, the table of contents lists
every claim and each of its links lands on its card, a collapsed "How this was checked" opens
and shows its check table, and a failing claim's card shows its falsifying example. At 1280 px:
plot text at least 10 px and at most :data:`MAX_MEDIAN_WORDS` visible words (outside closed
sections) in the median card. Checks a fixture report (a full run with a failing and an
unexpected claim, and a partial run) and ``reports/index.html`` / ``reports/partial.html`` when
present; saves screenshots of the top and of one card at both widths under ``reports/``.

Run by ``nox -s browser`` as ``python -m tools.browser_check [reports]``.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.report_fixture import write_fixture
from winit.claims.schema import load_results
from winit.report.inputs import beside
from winit.report.render import card_claims, page_for, render_report

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 412, "height": 915}}
MAX_MEDIAN_WORDS = 120
MIN_PLOT_TEXT_PX = 10.0
BROKEN_IMAGES = "imgs => imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt)"
# Words a reader sees before opening anything: innerText leaves out closed <details> content.
CARD_WORDS = """cards => cards.map(c => [c.dataset.claim,
    c.innerText.split(/\\s+/).filter(w => /[\\p{L}\\p{N}]/u.test(w)).length])"""
PLOT_TEXT = """imgs => imgs.filter(i => i.clientWidth > 0).map(i =>
    [i.alt.slice(0, 60), i.clientWidth / Number(i.dataset.widthPt) * Number(i.dataset.fontPt)])"""
CARD_TOP = "e => e.getBoundingClientRect().top"


@dataclass
class Measured:
    """What one page measured, for the summary line."""

    words: dict[str, int] = field(default_factory=dict)
    width_phone: int = 0
    height_desktop: int = 0
    smallest_plot_text_px: float = 0.0

    @property
    def median_words(self) -> float:
        return statistics.median(self.words.values()) if self.words else 0.0


def _watch(page: Any, url: str, problems: list[str]) -> None:
    page.on(
        "console",
        lambda m: (
            problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning")
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on(
        "request",
        lambda r: (
            None
            if r.url == url or r.url.split("#")[0] == url or r.url.startswith("data:")
            else problems.append(f"network request: {r.url}")
        ),
    )


def _toc(page: Any, claim_ids: Sequence[str] | None, width: str, problems: list[str]) -> None:
    """Every claim in the contents, in card order; each link lands on its card."""
    links = page.eval_on_selector_all("a.toc-claim", "as => as.map(a => a.dataset.claim)")
    cards = page.eval_on_selector_all("article.card", "cs => cs.map(c => c.dataset.claim)")
    if links != cards or (claim_ids is not None and sorted(links) != sorted(claim_ids)):
        problems.append(f"{width}: contents {links} != cards {cards} (claims {claim_ids})")
    for cid in links:
        page.click(f'a.toc-claim[data-claim="{cid}"]')
        top = page.locator(f"#claim-{cid}").evaluate(CARD_TOP)
        bottom = page.evaluate("document.scrollingElement.scrollHeight - innerHeight")
        at_end = page.evaluate("scrollY") >= bottom - 1
        if not (-2 <= top <= 40 or (at_end and top > 0)):
            problems.append(f"{width}: contents link {cid} left its card at y={top:.0f}")
        back = page.locator(f"#claim-{cid} .top-link a")
        if back.count() != 1:
            problems.append(f"{width}: card {cid} has no back-to-top link")
    if links:
        page.click(f"#claim-{links[-1]} .top-link a")
        if page.evaluate("scrollY") > 2:
            problems.append(f"{width}: back-to-top did not return to the top")


def _sections_open(page: Any, width: str, problems: list[str]) -> None:
    """A collapsed "How this was checked" opens on click and shows its content."""
    summaries = page.locator("details.checked > summary")
    if summaries.count() == 0:
        problems.append(f"{width}: no collapsed 'How this was checked' section")
        return
    first = summaries.first
    first.scroll_into_view_if_needed()
    first.click()
    details = page.locator("details.checked").first
    if not details.evaluate("d => d.open"):
        problems.append(f"{width}: 'How this was checked' did not open")
    inner = details.locator("p").first
    if inner.evaluate("e => e.getBoundingClientRect().height") <= 0:
        problems.append(f"{width}: 'How this was checked' opened empty")
    first.click()


def check_page(
    html: Path, claim_ids: Sequence[str] | None, failing: str | None, shots: Path | None
) -> tuple[list[str], Measured]:
    """Problems a reader would meet on ``html`` (empty when none) and what it measured;
    screenshots ``<shots>-top-<width>.png`` and ``<shots>-card-<width>.png`` when given."""
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    measured = Measured()
    url = html.resolve().as_uri()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for width, viewport in WIDTHS.items():
            page = browser.new_page(viewport=viewport)  # type: ignore[arg-type]
            _watch(page, url, problems)
            page.goto(url, wait_until="load")
            if shots is not None:
                page.screenshot(path=f"{shots}-top-{viewport['width']}.png")
            scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
            if width == "phone":
                measured.width_phone = scroll_width
                if scroll_width > viewport["width"]:
                    problems.append(
                        f"phone: page is {scroll_width} px wide (> {viewport['width']})"
                    )
            else:
                measured.height_desktop = page.evaluate("document.scrollingElement.scrollHeight")
                measured.words = dict(page.eval_on_selector_all("article.card", CARD_WORDS))
            _toc(page, claim_ids, width, problems)
            _sections_open(page, width, problems)
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            problems += [
                f"{width}: plot not loaded: {alt}"
                for alt in page.eval_on_selector_all("img", BROKEN_IMAGES)
            ]
            if width == "desktop":
                sizes = page.eval_on_selector_all("img[data-font-pt]", PLOT_TEXT)
                small = [(alt, px) for alt, px in sizes if px < MIN_PLOT_TEXT_PX]
                problems += [f"desktop: plot text {px:.1f} px in {alt}" for alt, px in small]
                measured.smallest_plot_text_px = min((px for _, px in sizes), default=0.0)
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = false)")
            if failing is not None:
                page.click(f'a.toc-claim[data-claim="{failing}"]')
                card = page.locator(f"#claim-{failing}")
                if "Falsifying example" not in card.inner_text():
                    problems.append(f"{width}: failing claim {failing}'s card lacks its example")
            if shots is not None:
                card = page.locator("article.card:has(img)").first
                if card.count():
                    card.screenshot(path=f"{shots}-card-{viewport['width']}.png")
            page.close()
        browser.close()
    if measured.median_words > MAX_MEDIAN_WORDS:
        problems.append(
            f"median card shows {measured.median_words:g} words before expanding "
            f"(> {MAX_MEDIAN_WORDS}): {measured.words}"
        )
    return [f"{html.name}: {p}" for p in problems], measured


def write_beside(folder: Path) -> None:
    """A failing ``winit verify --json`` output and a framework table next to the results."""
    from winit.verify.cli import main as verify_main

    with contextlib.redirect_stdout(io.StringIO()):
        verify_main(["winit.initializers:he_normal", "--law", "glorot_normal",
                     "--json", str(folder / "verify-he-as-glorot.json")])  # fmt: skip
    rows = [{"framework": "torch", "version": "2.13.0", "initializer": "torch.nn.init.kaiming_uniform_",
             "law": "U[±√(6/fan_in)]", "verdict": "pass", "reason": ""},
            {"framework": "keras", "version": "3.0", "initializer": "keras.initializers.GlorotNormal",
             "law": "truncated N(0, 2/(fan_in+fan_out))", "verdict": "fail",
             "reason": "a long one-line reason for the failure that a phone has to wrap somewhere"}]  # fmt: skip
    (folder / "frameworks.json").write_text(json.dumps({"rows": rows}), encoding="utf-8")


def page_claims(results: dict[str, Any], results_path: Path) -> tuple[list[str], str | None]:
    """The ids of the claims the page of ``results`` has cards for (the sessions' recorded
    beside it too, as ``winit report`` reads them) and the first failing one's."""
    cards = [c for cs in card_claims(results, beside(results_path).sessions) for c in cs]
    failing = next((c["id"] for c in cards if c["observed"] == "fails"), None)
    return [c["id"] for c in cards], failing


def _summary(name: str, m: Measured) -> str:
    over = sum(w > MAX_MEDIAN_WORDS for w in m.words.values())
    return (
        f"{name}: median {m.median_words:g} visible words per card at 1280 px "
        f"(max {max(m.words.values(), default=0)}, {over} of {len(m.words)} cards over "
        f"{MAX_MEDIAN_WORDS}); page {m.height_desktop} px tall at 1280 px; "
        f"{m.width_phone} px wide at 412 px; "
        + (
            f"smallest plot text {m.smallest_plot_text_px:.1f} px"
            if m.smallest_plot_text_px
            else "no plots"
        )
    )


def main(argv: Sequence[str] | None = None) -> int:
    reports = Path(argv[0] if argv else "reports")
    if shutil.which("chromium") is None and not Path(CHROMIUM).exists():
        print(f"browser check: {CHROMIUM} not found; install it: apt-get install -y chromium")
        return 2
    reports.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind, kw in (("full", {}), ("partial", {"partial": "zero"})):
            folder = Path(tmp) / kind
            path = write_fixture(folder, **kw)
            if kind == "full":  # the verify and framework tables must fit a phone too
                write_beside(folder)
            results, page, _ = render_report(path)
            found, measured = check_page(page, *page_claims(results, path), None)
            problems += [f"fixture {kind} {p}" for p in found]
            lines.append(_summary(f"fixture {kind} run", measured))
    real = [reports / name for name in ("index.html", "partial.html") if (reports / name).exists()]
    current = None
    if real:
        path = reports / "results.json"
        results = load_results(path)
        current = (page_for(results, path), *page_claims(results, path))
    for html in real:
        shots = reports / f"screenshot-{html.stem}"
        # the other page is from an earlier run: its cards are its own, the results are not
        ids, failing = current[1:] if current and current[0] == html else (None, None)
        found, measured = check_page(html, ids, failing, shots)
        problems += found
        lines.append(_summary(str(html), measured))
    for line in [*problems, *lines]:
        print(line)
    checked = "the fixture reports" + "".join(f" and {h}" for h in real)
    saved = ", ".join(str(p) for p in sorted(reports.glob("screenshot-*.png")))
    print(f"browser check: {len(problems)} problem(s) in {checked}; screenshots: {saved}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
