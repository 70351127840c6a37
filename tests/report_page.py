"""Plumbing of the report's tests: the page rendered through the ``winit report`` command, and
read back as its elements and cards."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from winit.__main__ import main as winit_main


class Page(HTMLParser):
    """Elements with their attributes, the text inside each card (``article``), and the card
    text outside its ``<details>`` (what a reader sees before opening anything)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.cards: dict[str, list[str]] = {}
        self.visible: dict[str, list[str]] = {}
        self.sequence: dict[str, list[str]] = {}  # per card: the classes of its parts, in order
        self._card: str | None = None
        self._details = 0
        self._summary = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        if tag == "article":
            self._card = a["data-claim"]
            for d in (self.cards, self.visible, self.sequence):
                d.setdefault(self._card, [])
        elif self._card is not None:
            if tag == "details":
                self._details += 1
            self._summary = self._summary or tag == "summary"
            if self._details == 0 and a.get("class") and tag != "span":
                self.sequence[self._card].append(a["class"])
            if tag == "blockquote" and self._details == 0:
                self.sequence[self._card].append("quote")

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self._card = None
        elif tag == "details":
            self._details -= 1
        elif tag == "summary":
            self._summary = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._card is not None:
            self.cards[self._card].append(data)
            if self._details == 0 or (self._details == 1 and self._summary):
                self.visible[self._card].append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [
            a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())
        ]

    def card(self, cid: str) -> str:
        return "".join(self.cards[cid])

    def seen(self, cid: str) -> str:
        return "".join(self.visible[cid])


def run_main(*args: str) -> int:
    """``python -m winit report ARGS`` in process."""
    return winit_main(["report", *args])


def rendered(results: Path, name: str = "index.html") -> tuple[Page, str]:
    out = results.parent / name
    assert run_main("--results", str(results), "--out", str(out)) == 0
    html = out.read_text(encoding="utf-8")
    return Page(html), html
