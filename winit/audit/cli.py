"""``winit audit MODULE:EXPR``: the command-line face of :func:`winit.audit`.

Exit status 0 when every check passes, 1 when one fails, 2 for a usage error (bad spec, a module
or builder that raises, a bad ``--expect``, an unwritable ``--json`` path), reported as one line
on stderr without a traceback.

The signal through the model at init (:func:`winit.signal.measure`) is checked too, unless
``--signal off``: with ``--signal auto`` (the default) where an input can be made from the model
or where the model refuses the input made (a line says why it was not checked), with
``--signal on`` always (no input, or a model that refuses it, is a usage error). ``--input SHAPE`` gives the input's shape; ``--bounded-stream`` declares the residual
stream bounded. The signal's checks count in the exit status and in ``--json`` (``"signal"``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from winit.atomic import ReportError, one_line, write_atomic
from winit.audit.adapter import Parser, UsageError
from winit.audit.api import AuditResult, audit, finite_json
from winit.audit.model import PATHS, load_spec
from winit.signal.result import Signal

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
    p.add_argument("--signal", choices=("auto", "on", "off"), default="auto",
                   help="check the signal through the model at init (auto: where an input can be made)")  # fmt: skip
    p.add_argument("--input", metavar="SHAPE", help="the input's shape for the signal, e.g. 8x64")
    p.add_argument("--bounded-stream", action="store_true",
                   help="the residual stream is meant to stay bounded (GPT-2's 1/sqrt(2L)): a stream that grows fails")  # fmt: skip
    p.add_argument("--expected", choices=("pass", "fail"), default="pass",
                   help="fail: the model is known to fail (a documented finding); exit 0 when it fails, 1 when it passes")  # fmt: skip
    return p


def write_json(result: AuditResult, signal: Signal | None, path: str, expected: str) -> None:
    """The result, the signal's, and the expected outcome as strict JSON, written atomically."""
    data = result.as_dict()
    if signal is not None:
        data |= {"signal": signal.as_dict(), "passed": result.passed and signal.passed}
    strict = finite_json({**data, "expected": expected})
    try:
        write_atomic(Path(path), json.dumps(strict, indent=2, allow_nan=False))
    except ReportError as e:
        raise ValueError(f"--json: {e}") from None


def _shape(text: str) -> tuple[int, ...]:
    try:
        shape = tuple(int(d) for d in text.lower().split("x"))
    except ValueError:
        shape = ()
    if not shape or min(shape) < 1:
        raise ValueError(f"--input must be a shape of positive ints like 8x64, got {text!r}")
    return shape


def check_signal(args: argparse.Namespace) -> Signal | None:
    """The signal through the model ``args`` name, or None where it is not checked (said on
    stderr when ``--signal auto`` found no input to make)."""
    if args.signal == "off":
        return None
    from winit.signal.measuring import measure

    shape = _shape(args.input) if args.input else None
    try:
        return measure(load_spec(args.model), shape, bounded_stream=args.bounded_stream)
    except Exception as e:  # no input could be made, or the model refused the one made
        why = str(e) if isinstance(e, ValueError) else f"running the model raised {e!r}"
        if args.signal == "on" or args.input:
            raise ValueError(f"signal: {why}") from None
        print(f"{PROG}: signal not checked: {one_line(why)}", file=sys.stderr)
        return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``winit audit``; returns the exit status."""
    try:
        args = _parser().parse_args(argv)
        paths = [p.strip() for p in args.paths.split(",") if p.strip()]
        result = audit(
            args.model, expect=args.expect, seed=args.seed, paths=paths, sample=args.sample
        )
        print(result)
        signal = check_signal(args)
        if signal is not None:
            print(signal)
        if args.json:
            write_json(result, signal, args.json, args.expected)
    except (UsageError, ValueError) as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    passed = result.passed and (signal is None or signal.passed)
    return 0 if passed == (args.expected == "pass") else 1
