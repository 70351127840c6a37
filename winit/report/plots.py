"""The report's figures, drawn only from the series the property tests exported.

Every series names a ``group``: one panel per group, its curves drawn together with the
Okabe–Ito colour-blind-safe palette (line styles tell apart curves beyond seven). What the
series say decides how they are drawn:

- an axis is logarithmic when its data are positive and span decades: more than two, or more
  than one where the series ask for it (``scale``); its label then says "log scale" (and a
  label's "log scale" is dropped on a linear axis);
- an axis whose values are all integers (layers, widths, seeds) gets integer ticks;
- curves with exactly the same points are drawn once, and the legend says how many lie on top
  of each other;
- ``"kind": "points"`` (or an x axis of seeds) marks independent measurements: markers, no
  joining line; a few points get markers and interval bars (``low``/``high``), many a line with
  a shaded band;
- ``"cap"`` (a number) is a limit the measurement was cut at: drawn as a dashed line, the points
  on it marked as "not reached"; ``"xinvert": true`` draws x from right to left;
  ``"shade": {"ranges": [[x0, x1], ...], "label": "..."}`` shades x ranges (a saturated zone);
- ``"facet": "<name>"`` draws a panel as small multiples: one plot per facet, side by side on
  shared axes, the i-th curve of every facet in the same colour and one legend for all;
- a legend entry never repeats the panel's title (a curve named like its group has none, a
  name starting with "<group>: " loses that prefix).

Panels are SVG (matplotlib, no pyplot state), embedded as data URIs; a fixed hash salt and no
date make the same series give the same bytes. Text is at least :data:`MIN_FONT_PT` points.

A drawn panel is kept in a cache folder (:func:`cache_dir`) under a key of its content: the
panel's series, this module's source and matplotlib's version, so a panel whose data did not
change is not drawn again, and any change to the data or to how it is drawn draws it anew.
:func:`prerender` draws a page's missing panels in parallel (and drops panels unused for
:data:`UNUSED_DAYS` days).

Longer than winit's other modules on purpose: these drawing rules act together on one panel,
and the content-keyed cache of drawn panels keys on this module's own source.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import importlib.metadata
import importlib.util
import io
import json
import math
import multiprocessing
import os
import re
import textwrap
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from winit.atomic import ReportError, write_atomic
from winit.claims.schema import as_float

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

# matplotlib is imported only to draw (a page whose panels are all kept draws none), but this
# module needs it installed (the report extra) and says so when imported, as an import would.
if importlib.util.find_spec("matplotlib") is None:
    raise ModuleNotFoundError("No module named 'matplotlib'", name="matplotlib")

# Okabe–Ito without its yellow, which is too faint on white for thin lines.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000")
LINESTYLES = ("-", "--", ":", "-.")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
MARKER_LIMIT = 16  # up to this many points a curve gets markers and interval bars
MAX_POINTS = 400  # longer curves are thinned evenly for drawing
DECADES = 2.0  # data spanning more than this many decades get a log axis
DECADES_HINTED = 1.0  # ... or more than this many where the series ask for one
MIN_FONT_PT = 10.0  # every text of a panel; the page shows panels at >= 1 px per point
FIG_WIDTH_IN = 6.0
FIG_HEIGHT_IN = 3.8
LEGEND_INSIDE = 4  # more legend entries (or long ones) go below the axes
LEGEND_LONG = 32  # characters: a legend with a longer entry goes below, in one column
LEGEND_ROW_IN = 0.22  # inches of figure height per legend row below the axes
MAX_LABEL = 60
AXIS_LABEL_WRAP = 44  # longer axis labels go on two lines (small panels clip one long line)
FEW_DECADES = 3.0  # a log axis spanning at most this many decades is ticked at 1, 2, 5 x 10^k
STYLE: dict[RcKeyType, Any] = {
    "svg.hashsalt": "winit-report",
    "svg.fonttype": "none",
    "font.size": MIN_FONT_PT,
    "axes.titlesize": 11,
    "axes.labelsize": MIN_FONT_PT,
    "xtick.labelsize": MIN_FONT_PT,
    "ytick.labelsize": MIN_FONT_PT,
    "legend.fontsize": MIN_FONT_PT,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
MEMO_PANELS = 512  # drawn panels a process keeps in memory (a page has about 40)
UNUSED_DAYS = 30.0  # a cached panel not used for this long is removed
#: Panels a drawing process must have to draw for :func:`prerender` to start it: a process
#: starting (Python, numpy and matplotlib imported) costs about as much as drawing this many.
POOL_PANELS = 4
#: The plotting code's version in a panel's cache key: this module's source.
_CODE = Path(__file__).read_bytes()
_LOG_WORDS = re.compile(r"\s*[,;]?\s*\blog[- ]scale\b\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Panel:
    """One figure of the report: its group name, a description and the SVG data URI, with the
    figure's width and its smallest text size in points (for checking legibility)."""

    group: str
    alt: str
    uri: str
    width_pt: float = FIG_WIDTH_IN * 72
    font_pt: float = MIN_FONT_PT


@dataclass
class Curve:
    """One drawn curve: the series it stands for (several when they coincide exactly)."""

    names: list[str]
    entry: Mapping[str, Any]

    def label(self, group: str) -> str:
        shown = [_short(n, group) for n in self.names]
        if len(shown) == 1:
            return shown[0]
        cut = len(shared_prefix(shown, " "))
        ends = f"{shown[0][cut:]} {'and' if len(shown) == 2 else '…'} {shown[-1][cut:]}"
        return f"{len(shown)} curves, drawn on top of each other ({ends})"


def _short(name: str, group: str) -> str:
    """A legend label without the panel title it would repeat."""
    if name == group:
        return ""
    for sep in (": ", " — ", ", "):
        if name.startswith(group + sep):
            return name[len(group) + len(sep) :]
    return name


def shared_prefix(labels: list[str], *separators: str) -> str:
    """The words every label starts with, up to a separator (default ": " or ", "), so that
    they are said once (by the title) and not in every legend entry."""
    if len(labels) < 2 or not all(labels):
        return ""
    common = labels[0]
    for label in labels[1:]:
        while not label.startswith(common):
            common = common[:-1]
    seps = separators or (": ", ", ")
    prefix = common[
        : max((common.rfind(s) + len(s) for s in seps if common.rfind(s) > 0), default=0)
    ]
    return prefix if all(len(label) > len(prefix) for label in labels) else ""


def _values(raw: Iterable[object]) -> NDArray[np.float64]:
    values = np.array([as_float(v) for v in raw], dtype=np.float64)
    values[~np.isfinite(values)] = np.nan
    return values


def _span(data: list[NDArray[np.float64]]) -> float | None:
    """Decades spanned by the finite data, or None when some are not positive (or none)."""
    finite = np.concatenate([d[np.isfinite(d)] for d in data]) if data else np.empty(0)
    if finite.size == 0 or np.any(finite <= 0):
        return None
    return math.log10(finite.max() / finite.min())


def log_axis(hint: str | None, axis: str, data: list[NDArray[np.float64]]) -> bool:
    """Whether ``axis`` ("x" or "y") of a panel is logarithmic: only for positive data spanning
    decades (more than one when ``hint`` asks for a log axis, more than two otherwise);
    ``hint`` ``linear`` (or a log hint for the other axis) keeps it linear."""
    span = _span(data)
    if span is None:
        return False
    if hint is not None:
        asked = hint == "loglog" or hint == f"log{axis}"
        return asked and span > DECADES_HINTED
    return span > DECADES


def axis_label(label: str, log: bool) -> str:
    """``label`` saying "log scale" exactly when the axis is logarithmic."""
    if log and _LOG_WORDS.search(label):
        return label
    text = _LOG_WORDS.sub(" ", label).replace("( ", "(").replace(" )", ")").replace("()", "")
    text = re.sub(r"\(\s*,\s*", "(", re.sub(r"\s*,\s*\)", ")", text))
    text = re.sub(r"\s{2,}", " ", text).strip()
    return f"{text} (log scale)" if log else text


def integer_valued(data: list[NDArray[np.float64]]) -> bool:
    """All finite values are whole numbers (layers, widths, seeds, steps)."""
    finite = np.concatenate([d[np.isfinite(d)] for d in data]) if data else np.empty(0)
    return bool(finite.size) and bool(np.all(finite == np.round(finite)))


def coincident(curves: list[tuple[str, Mapping[str, Any]]]) -> list[Curve]:
    """The curves to draw: series with exactly the same x, y (and band) merged into one."""
    out: list[Curve] = []
    keys: dict[tuple[Any, ...], Curve] = {}
    for name, entry in curves:
        key = tuple(  # + 0.0: -0.0 and 0.0 are drawn at the same place
            (_values(entry[k]) + 0.0).tobytes() if k in entry else None
            for k in ("x", "y", "low", "high")
        )
        if key in keys:
            keys[key].names.append(name)
        else:
            keys[key] = Curve([name], entry)
            out.append(keys[key])
    return out


def _is_points(entry: Mapping[str, Any]) -> bool:
    kind = entry.get("kind")
    if kind is not None:
        return bool(kind == "points")
    return bool(re.search(r"\bseeds?\b", str(entry.get("xlabel", "")), re.IGNORECASE))


def _labels(curves: list[Curve], key: str) -> str:
    return " / ".join(dict.fromkeys(str(c.entry[key]) for c in curves))


def _wrap(label: str) -> str:
    return "\n".join(textwrap.wrap(label, AXIS_LABEL_WRAP)) or label


def _clip(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def _draw_curve(ax: Axes, i: int, curve: Curve, label: str) -> None:
    c = curve.entry
    x, y = _values(c["x"]), _values(c["y"])
    color = OKABE_ITO[i % len(OKABE_ITO)]
    dash = LINESTYLES[i // len(OKABE_ITO) % len(LINESTYLES)]
    marker = MARKERS[i % len(MARKERS)]
    band = [_values(c[k]) for k in ("low", "high") if k in c]
    if _is_points(c):
        # above every line (a law drawn through them must not hide them), a white rim apart
        ax.plot(x, y, marker=marker, markersize=6, linestyle="none", label=label, color=color,
                alpha=0.9, markeredgecolor="white", markeredgewidth=0.6, zorder=3)  # fmt: skip
        if len(band) == 2:
            err = np.abs(np.vstack([y - band[0], band[1] - y]))
            ax.errorbar(x, y, yerr=err, fmt="none", capsize=2, color=color, alpha=0.6)
    elif len(x) <= MARKER_LIMIT:
        ax.plot(x, y, marker=marker, markersize=4, label=label, color=color, linestyle=dash)
        if len(band) == 2:
            err = np.abs(np.vstack([y - band[0], band[1] - y]))
            ax.errorbar(x, y, yerr=err, fmt="none", capsize=3, color=color)
    else:
        step = max(1, math.ceil(len(x) / MAX_POINTS))
        width = 2.4 if len(curve.names) > 1 else 1.4
        ax.plot(x[::step], y[::step], linewidth=width, label=label, color=color, linestyle=dash)
        if len(band) == 2:
            ax.fill_between(x[::step], band[0][::step], band[1][::step], color=color, alpha=0.18)
    shade = c.get("shade")
    if isinstance(shade, Mapping):
        for k, (lo, hi) in enumerate(shade.get("ranges", [])):
            ax.axvspan(as_float(lo), as_float(hi), color="#999999", alpha=0.15, linewidth=0,
                       label=str(shade.get("label", "")) if k == 0 else "_nolegend_")  # fmt: skip
    cap = c.get("cap")
    if cap is not None:
        capped = y >= as_float(cap)
        ax.axhline(as_float(cap), color="#555555", linestyle="--", linewidth=1)
        if np.any(capped):
            ax.plot(x[capped], y[capped], marker="^", markersize=7, linestyle="none",
                    markerfacecolor="none", color=color)  # fmt: skip


def _facets(series: list[tuple[str, Mapping[str, Any]]]) -> dict[str, list[Curve]]:
    """The panel's curves per facet (one facet, "", when none is named), coinciding curves
    merged within a facet."""
    named: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    for name, entry in series:
        named.setdefault(str(entry.get("facet", "")), []).append((name, entry))
    return {facet: coincident(members) for facet, members in named.items()}


def _draw(
    fig: Figure, group: str, series: list[tuple[str, Mapping[str, Any]]]
) -> tuple[list[Curve], int]:
    """Draw one panel (small multiples on shared axes when its series name facets); returns the
    curves drawn and the legend rows put below the axes."""
    from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator

    facets = _facets(series)
    grid = fig.subplots(1, len(facets), sharex=True, sharey=True, squeeze=False)[0]
    curves = [c for members in facets.values() for c in members]
    xs = [_values(c.entry["x"]) for c in curves]
    ys = [_values(c.entry[k]) for c in curves for k in ("y", "low", "high") if k in c.entry]
    hint = next((c.entry["scale"] for c in curves if "scale" in c.entry), None)
    logs = {a: log_axis(hint, a, d) for a, d in (("x", xs), ("y", ys))}
    for k, (ax, (facet, members)) in enumerate(zip(grid, facets.items(), strict=True)):
        labels = [curve.label(group) for curve in members]
        prefix = "" if any(len(c.names) > 1 for c in members) else shared_prefix(labels)
        for i, (curve, label) in enumerate(zip(members, labels, strict=True)):
            shown = _clip(label[len(prefix) :]) if k == 0 else ""  # one legend for all facets
            _draw_curve(ax, i, curve, shown or "_nolegend_")
        if facet:
            ax.set_title(facet, fontsize=MIN_FONT_PT)
    ax = grid[0]
    caps = [as_float(c.entry["cap"]) for c in curves if c.entry.get("cap") is not None]
    if caps:
        ax.plot([], [], marker="^", linestyle="--", markerfacecolor="none", color="#555555",
                label=f"cut at {caps[0]:g}: not reached")  # fmt: skip
    for name, axis, data in (("x", ax.xaxis, xs), ("y", ax.yaxis, ys)):
        if logs[name]:
            (ax.set_xscale if name == "x" else ax.set_yscale)("log")
            if (_span(data) or 0.0) <= FEW_DECADES:  # too few powers of ten to read values
                axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
                axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        elif integer_valued(data):
            axis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    if any(c.entry.get("xinvert") for c in curves):
        ax.invert_xaxis()
    xlabel = _wrap(axis_label(_labels(curves, "xlabel"), logs["x"]))
    if len(grid) > 1:  # the shared x label under the middle plot, the legend below it
        fig.suptitle(group, fontsize=11)
        grid[len(grid) // 2].set_xlabel(xlabel)
    else:
        ax.set_title(group)
        ax.set_xlabel(xlabel)
    ax.set_ylabel(_wrap(axis_label(_labels(curves, "ylabel"), logs["y"])))
    entries = ax.get_legend_handles_labels()[1]
    longest = max(map(len, entries), default=0)
    if not entries:
        return curves, 0
    if len(entries) <= LEGEND_INSIDE and longest <= LEGEND_LONG:
        ax.legend(framealpha=0.85)
        return curves, 0
    ncol = 1 if longest > LEGEND_LONG else 2
    fig.legend(loc="outside lower center", ncol=ncol, frameon=False)
    return curves, math.ceil(len(entries) / ncol)


def _groups(series: Mapping[str, Mapping[str, Any]]) -> dict[str, list[tuple[str, Any]]]:
    """``series`` by group, in first-seen order."""
    groups: dict[str, list[tuple[str, Any]]] = {}
    for name, entry in series.items():
        groups.setdefault(str(entry["group"]), []).append((name, entry))
    return groups


def _content(group: str, members: list[tuple[str, Any]]) -> str:
    """A panel's input as canonical JSON: what its picture depends on, besides this code."""
    return json.dumps([group, members], sort_keys=True, allow_nan=True, default=str)


@functools.cache
def matplotlib_version() -> str:
    """The installed matplotlib's version, read without importing it."""
    return importlib.metadata.version("matplotlib")


def _key(content: str) -> str:
    """The cache key of a panel: its input, the plotting code and matplotlib's version."""
    digest = hashlib.sha256(content.encode())
    digest.update(b"\0" + _CODE + b"\0" + matplotlib_version().encode())
    return digest.hexdigest()


def cache_dir() -> Path | None:
    """Where drawn panels are kept between runs: ``$WINIT_PLOT_CACHE`` (empty: nowhere), else
    ``winit/plots`` in the user's cache folder (``$XDG_CACHE_HOME`` or ``~/.cache``), as
    matplotlib keeps its font cache."""
    chosen = os.environ.get("WINIT_PLOT_CACHE")
    if chosen is not None:
        return Path(chosen) if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "winit" / "plots"


def _stored(key: str) -> tuple[str, str] | None:
    """The (alt, svg) kept under ``key``, if any and readable (an unreadable entry is redrawn)."""
    folder = cache_dir()
    if folder is None:
        return None
    path = folder / f"{key}.json"
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
        os.utime(path)  # used now: kept by :func:`prune`
        return str(kept["alt"]), str(kept["svg"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def prune(folder: Path, days: float = UNUSED_DAYS) -> None:
    """Remove the panels of ``folder`` not used for ``days`` days (drawn by older code, or of
    data that changed)."""
    cutoff = time.time() - days * 86400
    for path in folder.glob("*.json"):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < cutoff:
                path.unlink()


def _store(key: str, drawn: tuple[str, str]) -> None:
    """Keep a drawn panel under ``key``; a cache that cannot be written is only not used."""
    folder = cache_dir()
    if folder is not None:
        with contextlib.suppress(ReportError):
            write_atomic(folder / f"{key}.json", json.dumps({"alt": drawn[0], "svg": drawn[1]}))


@functools.lru_cache(maxsize=MEMO_PANELS)
def _drawn(content: str) -> tuple[str, str]:
    """(alt text, SVG) of the panel whose input is ``content`` (:func:`_content`): from the
    cache folder when drawn before by this code, else drawn (and kept)."""
    key = _key(content)
    kept = _stored(key)
    if kept is not None:
        return kept
    import matplotlib
    from matplotlib.figure import Figure

    group, members = json.loads(content)
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(FIG_WIDTH_IN, FIG_HEIGHT_IN), layout="constrained")
        curves, rows = _draw(fig, group, [(name, entry) for name, entry in members])
        fig.set_size_inches(FIG_WIDTH_IN, FIG_HEIGHT_IN + LEGEND_ROW_IN * rows)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    described = [
        c.names[0]
        if len(c.names) == 1
        else f"{len(c.names)} identical curves ({', '.join(c.names)})"
        for c in curves
    ]
    drawn = f"{group}: " + "; ".join(described), buf.getvalue()
    _store(key, drawn)
    return drawn


def forget() -> None:
    """Empty this process' memory of drawn panels (the cache folder stays)."""
    _drawn.cache_clear()


def panels(series: Mapping[str, Mapping[str, Any]]) -> list[Panel]:
    """One panel per group of ``series`` (a claim's exported series), in first-seen order."""
    out = []
    for group, members in _groups(series).items():
        alt, svg = _drawn(_content(group, members))
        uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
        out.append(Panel(group, alt, uri))
    return out


def prerender(all_series: Iterable[Mapping[str, Mapping[str, Any]]]) -> None:
    """Draw the panels of every claim's ``series`` that are not drawn yet, so that the
    :func:`panels` calls that follow find them drawn: in parallel (one process per core) when
    each process has at least :data:`POOL_PANELS` to draw, else here."""
    contents = list(
        dict.fromkeys(_content(g, m) for series in all_series for g, m in _groups(series).items())
    )
    folder = cache_dir()
    if folder is None:
        return
    prune(folder)
    missing = [c for c in contents if _stored(_key(c)) is None]
    workers = min(len(missing) // POOL_PANELS, os.cpu_count() or 1)
    if workers < 2:  # few panels or one core: a pool would only add its start-up
        for content in missing:
            _draw_ahead(content)
        return
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_draw_ahead, missing))


def _draw_ahead(content: str) -> None:
    """Draw a panel before its page asks for it; one that cannot be drawn is left to
    :func:`panels`, whose caller names the claim whose series failed."""
    with contextlib.suppress(Exception):
        _drawn(content)
