"""The terminal rendering of a :class:`~winit.verify.api.Result`: a header saying what was
called and expected, then one row per check and shape."""

from __future__ import annotations

import math

from winit.verify.api import Result, Row

COLUMNS = ("shape", "check", "measured", "expected", "interval", "power (weakest vs)", "verdict")


def _num(x: float) -> str:
    return f"{x:.6g}" if math.isfinite(x) else str(x)


def _cells(row: Row) -> tuple[str, ...]:
    c = row.check
    pw = "-" if c.power is None else f"{c.power:.6f} vs {c.against}"
    return (
        "x".join(map(str, row.shape)), c.name, _num(c.measured), _num(c.expected),
        f"[{_num(c.low)}, {_num(c.high)}]", pw, "pass" if row.passed else "FAIL",
    )  # fmt: skip


def render(result: Result) -> str:
    """Header lines, then an aligned table, then the verdict line."""
    params = ", ".join(f"{k}={v}" for k, v in result.params.items() if v is not None)
    head = [
        f"initializer: {result.name}",
        f"law: {result.law}({params}), layout {result.layout}, seed {result.seed}",
        f"calling: {result.calling}",
        f"alpha: {result.alpha:g} per run, Bonferroni -> {result.check_alpha:.3g} per statistical check"
        if result.check_alpha
        else "alpha: 0, exact law: no statistical checks",
        *(f"  {s.describe()}" for s in result.shapes),
    ]
    cells = [COLUMNS, *(_cells(r) for r in result.rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    lines = [
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    weakest: dict[tuple[str, str], float] = {}
    for r in result.rows:
        for error, p in r.powers:
            key = (r.check.name.split(" (diag[")[0], error)
            weakest[key] = min(p, weakest.get(key, 1.0))
    powers = [f"  {name} vs {error}: {p:.6f}" for (name, error), p in weakest.items()]
    if powers:
        powers.insert(0, "power against each named error (weakest shape):")
    diagnoses = [
        f"  {'x'.join(map(str, r.shape))}: {r.diagnosis}" for r in result.failures if r.diagnosis
    ]
    if diagnoses:
        diagnoses.insert(0, "nearest named error of each failing check:")
    n_fail = len(result.failures)
    verdict = "PASSED" if result.passed else f"FAILED ({n_fail} of {len(result.rows)} checks)"
    return "\n".join([*head, "", *lines, "", *powers, *diagnoses, verdict])
