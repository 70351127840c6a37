"""``winit audit --html PATH``: the audit (and the signal through the model) as one
self-contained page in the report's style.

The page shows the verdict, every parameter group with the law it identified beside the law its
code names (failing groups first, open), the per-layer forward and backward RMS at init (the
picture of Glorot & Bengio 2010, fig. 6, for this model), and for every failing group the
histogram of its standardised values against the named law's density over the same bins. It
draws only what the audit computed: the values drawn are those its distribution checks used
(:attr:`winit.audit.api.Group.kept`). Templates, CSS, check rows and plots are the report's
(:mod:`winit.report.render`, :mod:`winit.report.views`, :mod:`winit.report.plots`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from itertools import zip_longest
from pathlib import Path
from typing import Any

import numpy as np
from markupsafe import Markup, escape

from winit.atomic import ReportError, write_atomic
from winit.audit.api import AuditResult, Group
from winit.report.plots import Panel, panels
from winit.report.render import _environment
from winit.report.views import check_view, fmt_number
from winit.signal.result import Layer, Signal

#: histogram bins of a failing group's standardised values
BINS = 40
#: the histogram spans at least ±this many σ, and at most the values' 0.1 % and 99.9 % quantiles
#: beyond that (a few values far out would squash the rest into one bin)
SPAN = 4.0
TAIL = 0.001
RMS_TITLE = {"block": "RMS at init per block", "layer": "RMS at init per layer"}
#: the suffix of a block's name in :attr:`Signal.layers` (its output, the stream)
STREAM = " (stream)"
#: where a long name (a tensor's, a layer's, the model's, an initializer's call) may wrap:
#: after a separator of its path, unless a digit follows (``blocks/0`` and ``0.02`` stay whole)
BREAKS = re.compile(r"([/.:])(?!\d)")
RMS_X = {
    "block": "block ({first} … {last} as 1 … {n})",
    "layer": "layer (index in the table below)",
}


def breakable(name: str) -> Markup:
    """``name`` escaped, free to wrap at :data:`BREAKS`, so that a long name wraps at a
    separator instead of being cut off or split inside a word.

    >>> breakable("blocks/0/attention.query")
    Markup('blocks/0/<wbr>attention.<wbr>query')
    """
    return Markup(BREAKS.sub(r"\1<wbr>", str(escape(name))))


def shared_indices(pattern: str, tensors: Sequence[str]) -> str:
    """``pattern`` with each ``*`` that stands for the same text in every one of ``tensors``
    replaced by that text: which of the pattern's layers the group holds.

    >>> shared_indices("b_*/Dense_*/kernel", ["b_0/Dense_1/kernel", "b_1/Dense_1/kernel"])
    'b_*/Dense_1/kernel'
    """
    parts = pattern.split("*")
    found = [re.fullmatch("(.+?)".join(map(re.escape, parts)), t) for t in tensors]
    if not found or None in found:
        return pattern
    texts = zip(*(m.groups() for m in found if m is not None), strict=True)
    filled = [t[0] if len(set(t)) == 1 else "*" for t in texts]
    return "".join(p + f for p, f in zip_longest(parts, filled, fillvalue=""))


def group_names(groups: Sequence[Group]) -> list[tuple[str, str]]:
    """Each group's name on the page and what else tells it apart: its pattern, and ""; where
    groups of one path share a pattern (one layer name, two initializers), the pattern with the
    indices its tensors share filled in, and, if that is still shared, its law."""
    shared = Counter((g.path, g.pattern) for g in groups)
    names = [shared_indices(g.pattern, g.tensors) if shared[g.path, g.pattern] > 1 else g.pattern
             for g in groups]  # fmt: skip
    still = Counter((g.path, n) for g, n in zip(groups, names, strict=True))
    return [(n, g.law if still[g.path, n] > 1 else "")
            for g, n in zip(groups, names, strict=True)]  # fmt: skip


def _steps(edges: np.ndarray[Any, Any], heights: np.ndarray[Any, Any]) -> dict[str, list[float]]:
    """A histogram as the outline a line plot draws: up, across each bin, down."""
    x = np.repeat(edges, 2)
    y = np.concatenate([[0.0], np.repeat(heights, 2), [0.0]])
    return {"x": x.tolist(), "y": y.tolist()}


def histogram(g: Group, name: str) -> Panel | None:
    """The kept standardised values of ``g`` (called ``name`` on the page) against its
    standardised law (the probability of each bin under the law, per unit width), or None
    without values or law."""
    if g.standard is None or not g.kept:
        return None
    z = np.asarray(g.kept)
    lo = min(-SPAN, float(np.quantile(z, TAIL)))
    hi = max(SPAN, float(np.quantile(z, 1 - TAIL)))
    edges = np.linspace(lo, hi, BINS + 1)
    counts, _ = np.histogram(z, edges)
    width = edges[1] - edges[0]
    law = np.diff(g.standard.cdf(edges)) / width
    outside = int(z.size - counts.sum())
    group = f"{name} ({g.path}): standardised values"
    axes = {"group": group, "xlabel": "value / σ of the named law, centred on its mean",
            "ylabel": "density"}  # fmt: skip
    beyond = f", {outside} beyond the axes" if outside else ""
    series = {
        f"values ({z.size} of the sample checked{beyond})": axes
        | _steps(edges, counts / (z.size * width)),
        f"named law: {g.law}": axes | _steps(edges, law),
    }
    return panels(series)[0]


def _in_order(signal: Signal, mode: str, kind: str) -> list[Layer]:
    return [la for la in signal.layers if la.mode == mode and la.kind == kind]


def rms_panel(signal: Signal, kind: str) -> Panel | None:
    """Forward and backward RMS of every ``kind`` of :class:`~winit.signal.result.Layer`
    (``"layer"``: leaf layers, the ones with a failing check marked; ``"block"``: the stream
    after each block) in the order the input reaches them, one facet per mode; None without
    any."""
    failing = {(f.subject, f.mode) for f in signal.failures}
    series: dict[str, dict[str, Any]] = {}
    for mode in signal.modes:
        layers = _in_order(signal, mode, kind)
        if not layers:
            continue
        facet = {"facet": mode} if len(signal.modes) > 1 else {}
        first, last = (la.name.removesuffix(STREAM) for la in (layers[0], layers[-1]))
        where = RMS_X[kind].format(first=first, last=last, n=len(layers))
        axes = {"group": RMS_TITLE[kind], "xlabel": where, "ylabel": "RMS", "scale": "logy",
                **facet}  # fmt: skip
        for which in ("forward", "backward"):
            at = [(i, getattr(la, which)) for i, la in enumerate(layers, 1)]
            at = [(i, v) for i, v in at if v is not None]
            if at:
                series[f"{which} ({mode})"] = axes | {"x": [i for i, _ in at],
                                                      "y": [v for _, v in at]}  # fmt: skip
        bad = [(i, la.forward) for i, la in enumerate(layers, 1)
               if (la.name, mode) in failing and la.forward is not None]  # fmt: skip
        if bad:
            series[f"failing check ({mode})"] = axes | {
                "kind": "points",
                "x": [i for i, _ in bad],
                "y": [v for _, v in bad],
            }
    return panels(series)[0] if series else None


def _group_view(i: int, g: Group, name: str, tell: str) -> dict[str, Any]:
    checks = []
    for row in g.rows:
        view = check_view(row.as_dict())
        if row.diagnosis:
            view = type(view)(**{**view.__dict__, "note": row.diagnosis})
        checks.append(view)
    return {
        "id": f"group-{i}", "path": g.path, "name": name, "tell": tell, "named": g.named.text,
        "law": g.law, "identified": g.identified, "passed": g.passed, "tensors": g.tensors,
        "count": g.values, "read": g.read, "notes": g.notes, "checks": checks,
        "failed": sum(not c.passed for c in checks),
        "histogram": None if g.passed else histogram(g, name),
    }  # fmt: skip


def layer_anchor(name: str, mode: str) -> str:
    """The id of a layer's row in the page's layers table (a subject that is no layer, such as
    "blocks: stream", has its check's row instead)."""
    return "layer-" + "".join(c if c.isalnum() or c in "._-" else "-" for c in f"{mode}-{name}")


def _failing_by_check(signal: Signal, rows: set[str]) -> list[dict[str, Any]]:
    """The failing checks grouped by check and mode, each subject with the anchor of its row:
    thirteen norm layers failing one check read as one line."""
    grouped: dict[tuple[str, str], list[dict[str, str]]] = {}
    for i, f in enumerate(signal.findings):
        if not f.passed:
            anchor = layer_anchor(f.subject, f.mode)
            grouped.setdefault((f.check.name, f.mode), []).append(
                {"subject": f.subject, "verdict": f.verdict,
                 "href": anchor if anchor in rows else f"signal-check-{i}"})  # fmt: skip
    return [{"check": check, "mode": mode, "subjects": subjects}
            for (check, mode), subjects in grouped.items()]  # fmt: skip


def _signal_view(signal: Signal) -> dict[str, Any]:
    by_layer: dict[tuple[str, str], list[str]] = {}
    for f in signal.findings:
        by_layer.setdefault((f.subject, f.mode), []).append(f.verdict)
    rows: list[dict[str, Any]] = []
    for mode in signal.modes:
        layers = _in_order(signal, mode, "layer")
        for i, la in enumerate(layers, 1):
            verdicts = by_layer.get((la.name, mode), [])
            rows.append({
                "index": i, "name": la.name, "type": la.type, "mode": mode,
                "anchor": layer_anchor(la.name, mode),
                "forward": fmt_number(la.forward), "backward": fmt_number(la.backward),
                "verdicts": verdicts,
                "failed": any(not v.startswith("pass") for v in verdicts)})  # fmt: skip
    findings = [
        {"id": f"signal-check-{i}", "subject": f.subject, "mode": f.mode,
         "check": check_view(f.check.as_dict()), "verdict": f.verdict, "band": f.band,
         "passed": f.passed}
        for i, f in sorted(enumerate(signal.findings), key=lambda p: p[1].passed)
    ]  # fmt: skip
    bands = sorted({f.band for f in signal.findings if f.band})
    return {"signal": signal, "panels": [p for k in ("block", "layer") if (p := rms_panel(signal, k))],
            "layers": rows, "findings": findings, "bands": bands,
            "failing": _failing_by_check(signal, {r["anchor"] for r in rows})}  # fmt: skip


def width_panel(sweep: Signal) -> Panel | None:
    """The width sweep's ln-RMS slope in ln width per layer (0: flat in width, the mup
    coordinate check) between its accepted bounds, failing layers marked; None without checks."""
    findings = list(sweep.findings)
    if not findings:
        return None
    x = list(range(1, len(findings) + 1))
    axes = {"group": "RMS at init against width: slope per layer", "ylabel": "slope of ln RMS on ln width",
            "xlabel": "layer, in forward order (the rows of the table below)"}  # fmt: skip
    series: dict[str, dict[str, Any]] = {
        "slope": axes | {"x": x, "y": [f.check.measured for f in findings], "kind": "points"},
        "accepted, low": axes | {"x": x, "y": [f.check.low for f in findings]},
        "accepted, high": axes | {"x": x, "y": [f.check.high for f in findings]},
    }
    bad = [(i, f.check.measured) for i, f in zip(x, findings, strict=True) if not f.passed]
    if bad:
        series["failing check"] = axes | {"kind": "points", "x": [i for i, _ in bad],
                                          "y": [v for _, v in bad]}  # fmt: skip
    return panels(series)[0]


def _width_view(sweep: Signal) -> dict[str, Any]:
    """The width sweep as the page shows it: its plot, its checks (in the plot's order), its
    notes."""
    findings = [
        {"id": f"width-check-{i}", "subject": f.subject, "mode": f.mode,
         "check": check_view(f.check.as_dict()), "verdict": f.verdict, "passed": f.passed}
        for i, f in enumerate(sweep.findings, 1)
    ]  # fmt: skip
    return {"signal": sweep, "panel": width_panel(sweep), "findings": findings,
            "bands": sorted({f.band for f in sweep.findings if f.band})}  # fmt: skip


def _verdict(
    result: AuditResult, signal: Signal | None, sweep: Signal | None = None
) -> dict[str, Any]:
    bad = [g for g in result.groups if not g.passed]
    across = [r for r in result.across if not r.passed]
    reasons = [f"{len(bad)} of {len(result.groups)} parameter groups fail"] if bad else []
    reasons += [f"{len(across)} law(s) differ between paths"] if across else []
    if signal is not None and not signal.passed:
        reasons.append(f"{len(signal.failures)} of {len(signal.findings)} signal checks fail")
    if sweep is not None and not sweep.passed:
        reasons.append(f"{len(sweep.failures)} of {len(sweep.findings)} layers not flat in width")
    checked = " and the signal through it at init is stable" if signal is not None else ""
    flat = ", and every layer's RMS is flat in width" if sweep is not None else ""
    title = f"PASS: every tensor follows the law its code names{checked}{flat}"
    if reasons:
        title = "FAIL: " + "; ".join(reasons)
    return {"kind": "fail" if reasons else "pass", "title": title}


def render_audit(
    result: AuditResult, signal: Signal | None = None, sweep: Signal | None = None
) -> str:
    """The page of ``result`` (and of ``signal``, the signal through the same model, and of
    ``sweep``, its width sweep)."""
    names = group_names(result.groups)
    groups = [
        _group_view(i, g, *n) for i, (g, n) in enumerate(zip(result.groups, names, strict=True))
    ]
    groups.sort(key=lambda g: g["passed"])  # failing first, otherwise in the audit's order
    env = _environment()
    env.filters["breakable"] = breakable
    return env.get_template("audit.html").render(
        result=result,
        several_paths=len(result.paths) > 1,
        verdict=_verdict(result, signal, sweep),
        groups=groups,
        across=[check_view(r.as_dict()) for r in result.across],
        signal=_signal_view(signal) if signal is not None else None,
        widths=_width_view(sweep) if sweep is not None else None,
    )


def write_page(
    path: str, result: AuditResult, signal: Signal | None = None, sweep: Signal | None = None
) -> None:
    """Write the page atomically to ``path``; a path that cannot be written is a one-line
    ``ValueError``."""
    if not path.strip():
        raise ValueError("--html: the path is empty; give a file name, e.g. reports/audit.html")
    try:
        write_atomic(Path(path), render_audit(result, signal, sweep))
    except ReportError as e:
        raise ValueError(f"--html: {e}") from None
