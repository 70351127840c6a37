"""The report's figures, drawn only from the series the property tests exported.

Every series names a ``group``: one panel per group, its curves drawn together with the
Okabe–Ito colour-blind-safe palette (line styles tell apart curves beyond seven). An
axis is logarithmic when the series say so (``scale``) or when its data are positive and span
more than two decades. A few points are drawn as markers with interval bars (``low``/``high``),
many as lines with a shaded band. Panels are SVG (matplotlib, no pyplot state), embedded as data
URIs; a fixed hash salt and no date make the same series give the same bytes.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np
from matplotlib.figure import Figure
from matplotlib.typing import RcKeyType
from numpy.typing import NDArray

from winit.claims.schema import as_float

# Okabe–Ito without its yellow, which is too faint on white for thin lines.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000")
LINESTYLES = ("-", "--", ":", "-.")
MARKER_LIMIT = 16  # up to this many points a curve gets markers and interval bars
MAX_POINTS = 400  # longer curves are thinned evenly for drawing
DECADES = 2.0  # data spanning more than this many decades get a log axis
STYLE: dict[RcKeyType, Any] = {
    "svg.hashsalt": "winit-report",
    "svg.fonttype": "none",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@dataclass(frozen=True)
class Panel:
    """One figure of the report: its group name, a description and the SVG data URI."""

    group: str
    alt: str
    uri: str


def _values(raw: Iterable[object]) -> NDArray[np.float64]:
    values = np.array([as_float(v) for v in raw], dtype=np.float64)
    values[~np.isfinite(values)] = np.nan
    return values


def log_axis(hint: str | None, axis: str, data: list[NDArray[np.float64]]) -> bool:
    """Whether ``axis`` ("x" or "y") of a panel is logarithmic."""
    if hint is not None:
        return hint == "loglog" or hint == f"log{axis}"
    finite = np.concatenate([d[np.isfinite(d)] for d in data]) if data else np.empty(0)
    if finite.size == 0 or np.any(finite <= 0):
        return False
    return bool(math.log10(finite.max() / finite.min()) > DECADES)


def _labels(curves: list[Mapping[str, Any]], key: str) -> str:
    return " / ".join(dict.fromkeys(str(c[key]) for c in curves))


def _draw(fig: Figure, group: str, curves: list[tuple[str, Mapping[str, Any]]]) -> None:
    ax = fig.add_subplot()
    xs = [_values(c["x"]) for _, c in curves]
    ys = [_values(c[k]) for _, c in curves for k in ("y", "low", "high") if k in c]
    hint = next((c["scale"] for _, c in curves if "scale" in c), None)
    for i, (name, c) in enumerate(curves):
        x, y = _values(c["x"]), _values(c["y"])
        step = max(1, math.ceil(len(x) / MAX_POINTS))
        color = OKABE_ITO[i % len(OKABE_ITO)]
        dash = LINESTYLES[i // len(OKABE_ITO) % len(LINESTYLES)]
        band = [_values(c[k])[::step] for k in ("low", "high") if k in c]
        if len(x) <= MARKER_LIMIT:
            ax.plot(x, y, marker="o", markersize=4, label=name, color=color, linestyle=dash)
            if len(band) == 2:
                err = np.abs(np.vstack([y - band[0], band[1] - y]))
                ax.errorbar(x, y, yerr=err, fmt="none", capsize=3, color=color)
        else:
            ax.plot(x[::step], y[::step], linewidth=1.4, label=name, color=color, linestyle=dash)
            if len(band) == 2:
                ax.fill_between(x[::step], band[0], band[1], color=color, alpha=0.18)
    if log_axis(hint, "x", xs):
        ax.set_xscale("log")
    if log_axis(hint, "y", ys):
        ax.set_yscale("log")
    ax.set_title(group)
    ax.set_xlabel(_labels([c for _, c in curves], "xlabel"))
    ax.set_ylabel(_labels([c for _, c in curves], "ylabel"))
    if len(curves) <= 8:
        ax.legend(fontsize=8, framealpha=0.85)
    else:
        ax.legend(fontsize=7, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False)


def panels(series: Mapping[str, Mapping[str, Any]]) -> list[Panel]:
    """One panel per group of ``series`` (a claim's exported series), in first-seen order."""
    groups: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    for name, entry in series.items():
        groups.setdefault(str(entry["group"]), []).append((name, entry))
    out = []
    for group, curves in groups.items():
        rows = math.ceil(len(curves) / 3) if len(curves) > 8 else 0
        with matplotlib.rc_context(STYLE):
            fig = Figure(figsize=(6.4, 3.8 + 0.22 * rows), layout="constrained")
            _draw(fig, group, curves)
            buf = io.StringIO()
            fig.savefig(buf, format="svg", metadata={"Date": None})
        uri = "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue().encode()).decode()
        alt = f"{group}: " + ", ".join(name for name, _ in curves)
        out.append(Panel(group, alt, uri))
    return out
