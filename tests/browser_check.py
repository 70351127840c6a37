"""The report as a reader sees it: open it in real headless Chromium (Debian's ``chromium`` through
Playwright, since browser downloads are not possible here) and check there are no console errors,
no network request but the page itself, every image loaded, every claim row present, and a
failing claim's card shown when its row is clicked. Checks a fixture report with a failing and an
unexpected claim, and ``reports/index.html`` when present; saves ``reports/screenshot.png``.

Run by ``nox -s browser`` as ``python -m tests.browser_check``.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tests.report_fixture import write_fixture
from winit.report.render import render_report

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
VIEWPORT = {"width": 1280, "height": 1600}
VISIBLE = "e => { const r = e.getBoundingClientRect(); return r.height > 0 && r.top < innerHeight && r.bottom > 0; }"
BROKEN_IMAGES = "imgs => imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt)"


def check_page(
    html: Path, claim_ids: Sequence[str], failing: str | None, screenshot: Path | None
) -> list[str]:
    """Problems a reader would meet on ``html`` (empty when none)."""
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    url = html.resolve().as_uri()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=VIEWPORT)  # type: ignore[arg-type]
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
                if r.url in (url,) or r.url.startswith("data:")
                else problems.append(f"network request: {r.url}")
            ),
        )
        page.goto(url, wait_until="load")
        problems += [
            f"image not loaded: {alt}" for alt in page.eval_on_selector_all("img", BROKEN_IMAGES)
        ]
        rows = page.eval_on_selector_all("tr.claim-row", "rs => rs.map(r => r.dataset.claim)")
        if list(rows) != list(claim_ids):
            problems.append(f"claim rows {rows} != claims {list(claim_ids)}")
        if screenshot is not None:
            page.screenshot(path=str(screenshot))
        if failing is not None:
            page.click(f'tr.claim-row a[href="#claim-{failing}"]')
            card = page.locator(f"#claim-{failing}")
            if not card.evaluate(VISIBLE) or "Falsifying example" not in card.inner_text():
                problems.append(
                    f"the card of failing claim {failing} is not shown with its example"
                )
        browser.close()
    return [f"{html}: {p}" for p in problems]


def main(argv: Sequence[str] | None = None) -> int:
    reports = Path(argv[0] if argv else "reports")
    if shutil.which("chromium") is None and not Path(CHROMIUM).exists():
        print(f"browser check: {CHROMIUM} not found; install it: apt-get install -y chromium")
        return 2
    reports.mkdir(parents=True, exist_ok=True)
    real = reports / "index.html"
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        results = write_fixture(Path(tmp))
        fixture = render_report(results, Path(tmp) / "index.html")
        ids = [c["id"] for c in fixture["claims"]]
        shot = None if real.exists() else reports / "screenshot.png"
        problems += check_page(Path(tmp) / "index.html", ids, "FX-FAILS", shot)
    if real.exists():
        data = json.loads((reports / "results.json").read_text(encoding="utf-8"))
        failing = next((c["id"] for c in data["claims"] if c["observed"] == "fails"), None)
        ids = [c["id"] for c in data["claims"]]
        problems += check_page(real, ids, failing, reports / "screenshot.png")
    for line in problems:
        print(line)
    checked = "the fixture report" + (f" and {real}" if real.exists() else "")
    print(
        f"browser check: {len(problems)} problem(s) in {checked}; screenshot {reports / 'screenshot.png'}"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
