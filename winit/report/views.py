"""The report's numbers and checks as a reader reads them: each number formatted once
(:func:`fmt_number`), each check as a row whose interval, null hypothesis and sample size are
explained in words (:func:`check_view`), titles and citations cleaned for the page.

Used by the page (:mod:`winit.report.render`) and by the readers of other commands' outputs
(:mod:`winit.report.inputs`), whose checks are shown in the same rows.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from winit.claims.schema import as_float

# A file path in a citation ("Article (shared/source/article.txt)"): a reader does not have it.
_PATH_IN_PARENS = re.compile(r"\s*\((?:[\w.~-]+/)+[\w.-]+\)")
# A check whose measured value is a probability or a fraction: its interval is shown in [0, 1].
_PROBABILITY = re.compile(r"\bfraction\b|\bP\(|probability|success rate|\brate\b", re.IGNORECASE)
_LOG = re.compile(r"^ln\b|\bln [A-Za-z(]|\blog\b", re.IGNORECASE)


def fmt_number(value: object) -> str:
    """A number for the page: integers as they are, floats to 4 significant digits, non-finite
    spelled out, None as a dash."""
    if value is None:
        return "—"
    if isinstance(value, bool | int) or not isinstance(value, float | str):
        return str(value)
    try:
        x = as_float(value)
    except KeyError:
        return str(value)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    return f"{x:.4g}"


def clean_title(cid: str, title: str) -> str:
    """The title without a leading repetition of the id ("LSUV: LSUV: ..." on the card)."""
    prefix = f"{cid}:"
    return title[len(prefix) :].lstrip() if title.upper().startswith(prefix.upper()) else title


def clean_source(source: str) -> str:
    """The citation without file paths a reader does not have."""
    return _PATH_IN_PARENS.sub("", source).strip()


def _finite(x: float) -> bool:
    return math.isfinite(x)


def is_probability(check: dict[str, Any]) -> bool:
    """Whether the check measures a probability or fraction (so lies in [0, 1])."""
    text = f"{check.get('name', '')} {check.get('mde_of') or ''}"
    return bool(_PROBABILITY.search(text))


def is_log(check: dict[str, Any]) -> bool:
    """Whether the measured value is a natural log (of a ratio) by its name or what it measures."""
    text = f"{check.get('name', '')} {check.get('mde_of') or ''}"
    return bool(_LOG.search(text))


def one_sided(check: dict[str, Any]) -> str | None:
    """``"upper"`` when only large values are accepted (``[low, ∞)``), ``"lower"`` for
    ``(−∞, high]``, None for a two-sided or exact check. A one-sided test of a probability
    (its name says "one-sided") has the bound 1 where the other side would be ∞."""
    low, high = as_float(check["low"]), as_float(check["high"])
    if math.isinf(high) and _finite(low):
        return "upper"
    if math.isinf(low) and _finite(high):
        return "lower"
    if "one-sided" in str(check.get("test", "")):
        expected = as_float(check.get("expected"))
        if _finite(expected) and expected < low:
            return "upper"
        if _finite(expected) and expected > high:
            return "lower"
    return None


@dataclass(frozen=True)
class CheckView:
    """One row of a card's check table, with every number explained in words."""

    name: str
    test: str
    measured: str
    interval: str
    expected: str
    note: str
    alpha: str
    power: str
    against: str
    detects: str
    n: str
    passed: bool


def _log_note(check: dict[str, Any], interval: tuple[float, float]) -> str:
    m = as_float(check["measured"])
    lo, hi = interval
    return (
        f"natural log of a ratio: measured ratio {fmt_number(math.exp(m))}, accepted "
        f"{fmt_number(math.exp(lo))} to {fmt_number(math.exp(hi))}"
    )


def check_view(check: dict[str, Any]) -> CheckView:
    """The reader's row for one check of ``results.json``."""
    low, high = as_float(check["low"]), as_float(check["high"])
    notes: list[str] = []
    if is_probability(check):
        low, high = max(low, 0.0), min(high, 1.0)
    side = one_sided(check)
    expected = as_float(check.get("expected"))
    if side == "upper":
        interval = f"≥ {fmt_number(low)}"
        h0 = f"H0: ≤ {fmt_number(expected)}" if _finite(expected) and expected <= low else "—"
        notes.append("one-sided: passes when the measured value is at least the bound")
    elif side == "lower":
        interval = f"≤ {fmt_number(high)}"
        h0 = f"H0: ≥ {fmt_number(expected)}" if _finite(expected) and expected >= high else "—"
        notes.append("one-sided: passes when the measured value is at most the bound")
    else:
        interval = f"[{fmt_number(low)}, {fmt_number(high)}]"
        h0 = fmt_number(check.get("expected"))
    if is_log(check) and _finite(low) and _finite(high):
        notes.append(_log_note(check, (low, high)))
    mde, mde_of = check.get("mde"), check.get("mde_of")
    detects = (
        f"detects a {mde_of} of {fmt_number(mde)} or more" if mde is not None and mde_of else "—"
    )
    n, per_example = check.get("n"), check.get("per_example")
    n_text = fmt_number(n) if n is not None else "—"
    if per_example not in (None, 1) and n is not None:
        n_text += f" ({fmt_number(per_example)} per example)"
    power = check.get("power")
    return CheckView(
        name=str(check["name"]),
        test=str(check["test"]),
        measured=fmt_number(check["measured"]),
        interval=interval,
        expected=h0,
        note="; ".join(notes),
        alpha=fmt_number(check["alpha"]),
        power="—" if power is None else fmt_number(power),
        against=str(check.get("against") or ""),
        detects=detects,
        n=n_text,
        passed=bool(check["passed"]),
    )
