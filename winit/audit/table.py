"""The terminal rendering of an :class:`~winit.audit.api.AuditResult`: a header, one row per
group (named law beside the law its values look like), the failing checks with the nearest named
error, the notes, and the verdict."""

from __future__ import annotations

from winit.audit.api import AuditResult, Group

COLUMNS = ("path", "group", "tensors", "named law", "source", "values look like", "verdict")


def _cells(g: Group) -> tuple[str, ...]:
    failed = sum(not r.passed for r in g.rows)
    verdict = "pass" if g.passed else f"FAIL ({failed} of {len(g.rows)})"
    group = g.pattern if len(g.tensors) > 1 else g.tensors[0]
    return (g.path, group, str(len(g.tensors)), g.law, g.named.source, g.identified, verdict)


def render(result: AuditResult) -> str:
    """Header, aligned table, failing checks, notes, verdict line."""
    head = [
        f"model: {result.name}, seed {result.seed}",
        *(f"path {p}: {how}" for p, how in result.paths),
        f"alpha: {result.alpha:g} per run, Bonferroni -> {result.check_alpha:.3g} per statistical "
        f"check; power {result.power:g} each; at most {result.sample} values read per tensor",
    ]
    powered = [(r.check.power, r.check.against, g) for g in result.groups for r in g.rows
               if r.check.power is not None and r.check.alpha > 0]  # fmt: skip
    if powered:
        p, against, g = min(powered, key=lambda x: x[0])
        head.append(
            f"weakest power of a statistical check: {p:.3g} vs {against} ({g.path} {g.pattern}, {g.read} values read)"
        )
    cells = [COLUMNS, *(_cells(g) for g in result.groups)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    lines = [
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    failing = []
    for where, r in result.failures:
        c = r.check
        text = r.diagnosis or f"{c.name} {c.measured:.4g} not in [{c.low:.4g}, {c.high:.4g}]"
        failing.append(f"  {where}: {text}")
    if failing:
        failing.insert(0, "failing checks:")
    notes = [f"  {g.path} {g.pattern}: {n}" for g in result.groups for n in g.notes]
    if notes:
        notes.insert(0, "notes:")
    checks = sum(len(g.rows) for g in result.groups) + len(result.across)
    n_fail = len(result.failures)
    verdict = (
        f"PASSED ({checks} checks)" if result.passed else f"FAILED ({n_fail} of {checks} checks)"
    )
    return "\n".join([*head, "", *lines, "", *failing, *notes, verdict])
