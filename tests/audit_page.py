"""Plumbing of the audit page's tests: the page's text without its wrap points, and the sidebar's
parameter-group entries."""

from __future__ import annotations

import re


def unwrapped(html: str) -> str:
    return html.replace("<wbr>", "")


def sidebar_groups(page: str) -> list[str]:
    """The text of each parameter group's entry in the sidebar, tags removed."""
    nav = page[page.index('<nav id="toc"') : page.index("</nav>")]
    groups = nav[nav.index("Parameter groups") :]
    return [re.sub(r"<[^>]+>", " ", e).split(maxsplit=1)[1]
            for e in re.findall(r"<li>(.*?)</li>", groups)]  # fmt: skip
