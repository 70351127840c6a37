"""``winit report``: render the page of the latest run and, with ``--check``, gate on the runs.

The latest run is the complete run's ``results.json`` or, when newer, the partial run's
``results.partial.json`` beside it; its page is written (``index.html``, or ``partial.html`` for
a partial run). ``--check`` then prints the gate's verdict on each run it decides from, naming
the run (:func:`winit.report.gate.decide`), and exits 1 when one fails. Exit statuses: 0 pass,
1 the gate failed, 2 bad input or an unwritable output (one line), 3 an unexpected error in
winit itself (one line), 130 interrupted; the previous page stays in every case but 0 and 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from winit.atomic import ReportError, one_line, output_path
from winit.claims.schema import Results
from winit.report.gate import complete_path, decide, newer_partial
from winit.report.inputs import beside, read_results
from winit.report.render import FULL_PAGE, PARTIAL_PAGE, render_page

PROG = "winit report"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument(
        "--results",
        default="reports/results.json",
        help="the complete run's results (default: reports/results.json); a newer "
        "results.partial.json beside them is the run whose page is written",
    )
    parser.add_argument(
        "--out",
        default=None,
        help=f"the page (default: {FULL_PAGE} beside the results, {PARTIAL_PAGE} for a partial run)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="after rendering, exit 1 unless the last complete run (and a newer partial run) "
        "passed: no unexpected claim, some claim ran, not interrupted, pytest exit 0, no failing "
        "verify output",
    )
    return parser


def report(results_arg: str, out_arg: str | None, check: bool) -> int:
    """Render the latest run's page; with ``check``, print each verdict and return 1 when the
    gate fails. Raises :class:`ReportError` for bad input or an unwritable output."""
    if not results_arg.strip():
        raise ReportError("--results: an empty path names no file; give a results.json")
    if Path(results_arg).is_dir():
        raise ReportError(f"{results_arg}: cannot read: it is a directory, not a results.json")
    out_path = output_path(out_arg) if out_arg is not None else None  # refused before rendering
    complete = complete_path(Path(results_arg))
    partial = newer_partial(complete)
    latest = partial if partial is not None else complete
    results = read_results(latest)
    found = beside(latest)
    out = render_page(results, latest, found, out_path)
    print(f"{PROG}: {out.resolve()}")
    if not check:
        return 0
    decided: Results | None = None
    if partial is None:
        decided = results
    elif complete.exists():
        decided = read_results(complete)
    verdicts = decide(
        (complete, decided),
        None if partial is None else (partial, results),
        found.verify,
        found.sessions,
    )
    for verdict in verdicts:
        print(f"{PROG}: {verdict.line()}", file=sys.stdout if verdict.passed else sys.stderr)
    return 0 if all(v.passed for v in verdicts) else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``winit report``; returns the exit status (see the module docstring)."""
    args = _parser().parse_args(argv)
    try:
        return report(args.results, args.out, args.check)
    except ReportError as e:
        print(f"{PROG}: {one_line(e)}", file=sys.stderr)
        return 2
