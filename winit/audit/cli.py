"""``winit audit MODULE:EXPR``: the command-line face of :func:`winit.audit`.

Exit status 0 when every check passes, 1 when one fails, 2 for a usage error (bad spec, a module
or builder that raises, a bad ``--expect``, an unwritable ``--json`` path), reported as one line
on stderr without a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

from winit.atomic import ReportError, write_atomic
from winit.audit.adapter import Parser, UsageError
from winit.audit.api import AuditResult, audit, finite_json
from winit.audit.model import PATHS

PROG = "winit audit"


def _parser() -> Parser:
    p = Parser(
        prog=PROG,
        description="Check every tensor of a PyTorch model against the law its code names.",
    )
    p.add_argument(
        "model", help="MODULE:EXPR, e.g. 'transformers:BertModel(BertConfig(num_hidden_layers=2))'"
    )
    p.add_argument("--seed", type=int, default=0, help="torch seed of every build (default 0)")
    p.add_argument("--expect", action="append", default=[], metavar="GLOB=LAW",
                   help="what tensors matching GLOB should follow, e.g. '*.c_proj.weight=normal(std=0.02/sqrt(24))'; repeatable")  # fmt: skip
    p.add_argument("--sample", type=int, help="most values read per tensor (default: computed for power against a 10%% std error)")  # fmt: skip
    p.add_argument("--paths", default=",".join(PATHS), help=f"comma-separated, of {', '.join(PATHS)} (default: both)")  # fmt: skip
    p.add_argument("--json", metavar="PATH", help="also write the result as JSON to PATH")
    p.add_argument("--expected", choices=("pass", "fail"), default="pass",
                   help="fail: the model is known to fail (a documented finding); exit 0 when it fails, 1 when it passes")  # fmt: skip
    return p


def write_json(result: AuditResult, path: str, expected: str) -> None:
    """The result and the expected outcome as strict JSON, written atomically."""
    data = finite_json({**result.as_dict(), "expected": expected})
    try:
        write_atomic(Path(path), json.dumps(data, indent=2, allow_nan=False))
    except ReportError as e:
        raise ValueError(f"--json: {e}") from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``winit audit``; returns the exit status."""
    try:
        args = _parser().parse_args(argv)
        paths = [p.strip() for p in args.paths.split(",") if p.strip()]
        result = audit(
            args.model, expect=args.expect, seed=args.seed, paths=paths, sample=args.sample
        )
        print(result)
        if args.json:
            write_json(result, args.json, args.expected)
    except (UsageError, ValueError) as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    return 0 if result.passed == (args.expected == "pass") else 1
