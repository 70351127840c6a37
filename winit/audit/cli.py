"""``winit audit MODULE:EXPR``: the command-line face of :func:`winit.audit`.

It ends as ``winit verify`` does (:func:`winit.verify.command.run`, one mechanism for every
command that runs code under check): exit status 0 when every check passes, 1 when one fails, 2
for a usage error (bad spec, a bad ``--expect``, an unwritable ``--json`` or ``--html`` path,
``--html`` without the report extra), 4 when the model's code raised or exited, 5 past
``--timeout``, 130/143 when interrupted, always one line on stderr; a failing ``--json`` record
stands until the run completes. ``--html PATH`` writes the page of :mod:`winit.audit.page`.

The signal through the model at init (:func:`winit.signal.measure`) is checked too, unless
``--signal off``: with ``--signal auto`` (the default) where the signal can be measured (else a
line on stderr says why it was not checked, the model's code raising on the input made too; a
measurement past ``--timeout`` ends the run with 5, never skipped), with ``--signal on`` or
``--input SHAPE`` (the input's shape) always: a model the signal cannot take (no input can be
made; a framework, backend, JAX transform or form of model its recorder refuses:
:class:`~winit.signal.UnmeasurableError`) is then a usage error, 2, and the model's code raising
on the input is 4. ``--bounded-stream`` declares the residual stream bounded. The signal's
checks count in the exit status and in ``--json`` (``"signal"``).

``--widths 64,128,256`` adds the mup coordinate check at step 0 (:func:`winit.signal.widths`):
EXPR writes ``{width}`` where the width goes, the model is built at each width and every layer's
RMS must be flat in width; the audit and the signal above check the first width. Its checks count
in the exit status, in ``--json`` (``"widths"``) and on the page. Fewer than two distinct positive
widths, ``--widths`` without ``{width}`` in EXPR, ``{width}`` without ``--widths``, or a model the
sweep cannot take (no input can be made), is a usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from winit.audit.adapter import (
    Parser,
    UsageError,
    common_options,
    emit,
    exit_help,
    run,
    user_code,
    write_json,
)
from winit.audit.api import AuditResult, audit, finite_json
from winit.audit.model import ALL_PATHS, PATHS, load_spec
from winit.signal.inputs import UnmeasurableError
from winit.signal.result import Signal
from winit.verify.guard import CallTimeoutError, UserCodeError

PROG = "winit audit"
#: where EXPR takes the width of a ``--widths`` sweep
WIDTH = "{width}"


def _parser() -> Parser:
    p = Parser(
        prog=PROG,
        description="Check every tensor of a PyTorch model against the law its code names.",
        epilog=exit_help(), formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    p.add_argument(
        "model", help="MODULE:EXPR, e.g. 'transformers:BertModel(BertConfig(num_hidden_layers=2))'"
    )
    common_options(p)
    p.add_argument("--expect", action="append", default=[], metavar="GLOB=LAW",
                   help="what tensors matching GLOB should follow, e.g. '*.c_proj.weight=normal(std=0.02/sqrt(24))'; repeatable")  # fmt: skip
    p.add_argument("--sample", type=int, help="most values read per tensor (default: computed for power against a 10%% std error)")  # fmt: skip
    p.add_argument("--paths", default=",".join(PATHS), help=f"comma-separated, of {', '.join(ALL_PATHS)} (default: {','.join(PATHS)}; by-module reads a model larger than memory one module at a time)")  # fmt: skip
    p.add_argument("--json", metavar="PATH", help="also write the result as JSON to PATH")
    p.add_argument("--html", metavar="PATH", help="also write the result as a self-contained page to PATH (needs winit[report])")  # fmt: skip
    p.add_argument("--expected", choices=("pass", "fail"), default="pass",
                   help="fail: the model is known to fail (a documented finding); exit 0 when it fails, 1 when it passes")  # fmt: skip
    p.add_argument("--signal", choices=("auto", "on", "off"), default="auto",
                   help="check the signal through the model at init (auto: where an input can be made)")  # fmt: skip
    p.add_argument(
        "--input", metavar="SHAPE", type=_shape, help="the input's shape for the signal, e.g. 8x64"
    )
    p.add_argument("--bounded-stream", action="store_true",
                   help="the residual stream is meant to stay bounded (GPT-2's 1/sqrt(2L)): a stream that grows fails")  # fmt: skip
    p.add_argument("--widths", metavar="W,W,...", type=_widths,
                   help=f"the mup coordinate check at step 0: build the model at each width (EXPR writes {WIDTH} where it goes, e.g. 'mypkg:MLP({WIDTH})') and check every layer's RMS flat in width")  # fmt: skip
    return p


def _widths(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(w) for w in text.split(","))
    except ValueError:
        sizes = ()
    if len(set(sizes)) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(
            f"must be at least 2 distinct positive widths like 64,128,256, got {text!r}"
        )
    return sizes


def at_width(spec: str, width: int) -> str:
    """The model spec with ``{width}`` replaced by ``width``."""
    return spec.replace(WIDTH, str(width))


def _model_spec(args: argparse.Namespace) -> str:
    """The spec the audit and the signal check: the first width's under ``--widths``; a
    ``{width}`` without ``--widths`` (or the reverse) is a usage error."""
    if args.widths is None:
        if WIDTH in args.model:
            raise UsageError(
                f"{args.model!r} has {WIDTH}: give the widths, e.g. --widths 64,128,256"
            )
        return str(args.model)
    if WIDTH not in args.model:
        raise UsageError(f"--widths: write {WIDTH} in EXPR where the width goes, e.g. 'mypkg:MLP({WIDTH})'")  # fmt: skip
    return at_width(args.model, args.widths[0])


def _shape(text: str) -> tuple[int, ...]:
    try:
        shape = tuple(int(d) for d in text.lower().split("x"))
    except ValueError:
        shape = ()
    if not shape or min(shape) < 1:
        raise argparse.ArgumentTypeError(
            f"must be a shape of positive ints like 8x64, got {text!r}"
        )
    return shape


def _measured(what: str, measure: Callable[[], Signal]) -> Signal:
    """``measure()`` run as the model's code (``what`` it does: :func:`user_code`), but a
    refusal (:class:`~winit.signal.UnmeasurableError`) is winit's own and leaves as it is.

    Raises:
        UnmeasurableError: the signal cannot take the model (a usage error).
        UserCodeError: the model's code raised.
    """

    def run() -> Signal | UnmeasurableError:
        try:
            return measure()
        except UnmeasurableError as e:
            return e

    with user_code(what):
        outcome = run()
    if isinstance(outcome, UnmeasurableError):
        raise outcome
    return outcome


def check_signal(args: argparse.Namespace, spec: str) -> Signal | None:
    """The signal through the model ``spec`` names, or None where it is not checked.

    A model the signal cannot take is a usage error under ``--signal on`` or ``--input``, and
    under ``--signal auto`` a line on stderr, as is the model's code raising on the input made;
    that code raising on an input asked for is the model's error (:class:`UserCodeError`).
    """
    if args.signal == "off":
        return None
    from winit.signal.measuring import measure

    def measured() -> Signal:
        return measure(load_spec(spec), args.input, bounded_stream=args.bounded_stream)

    try:
        return _measured("measuring the signal through the model", measured)
    except CallTimeoutError:
        raise  # a measurement that did not finish in time is not a model that cannot be measured
    except (UnmeasurableError, UserCodeError) as e:  # refused, or the input made was refused
        if args.signal == "on" or args.input is not None:
            raise
        emit(f"{PROG}: signal not checked: {e}", sys.stderr)
        return None


def check_widths(args: argparse.Namespace) -> Signal | None:
    """The width sweep of ``--widths`` (:func:`winit.signal.widths`), or None without it."""
    if args.widths is None:
        return None
    from winit.signal.width_sweep import widths

    def build(width: int) -> Any:
        return load_spec(at_width(args.model, width))()

    return _measured(
        "building the model at each width", lambda: widths(build, args.widths, args.input)
    )


def _page_writer() -> Callable[[str, AuditResult, Signal | None, Signal | None], None]:
    """What writes ``--html`` (looked up before the audit runs: a missing extra is a usage
    error, not a lost run)."""
    try:
        from winit.audit.page import write_page
    except ImportError as e:
        raise UsageError(
            f"--html needs the report extra ({e.name} is missing): pip install 'winit[report]'"
        ) from None
    return write_page


def _audit(args: argparse.Namespace) -> int:
    write_page = _page_writer() if args.html is not None else None
    spec = _model_spec(args)
    paths = [p.strip() for p in args.paths.split(",") if p.strip()]
    result = audit(spec, expect=args.expect, seed=args.seed, paths=paths, sample=args.sample)
    emit(str(result), sys.stdout)
    signal = check_signal(args, spec)
    sweep = check_widths(args)
    for measured in (signal, sweep):
        if measured is not None:
            emit(str(measured), sys.stdout)
    passed = result.passed and all(m is None or m.passed for m in (signal, sweep))
    if args.json is not None:
        write_json(args.json, _record_of(result, signal, sweep, passed, args.expected))
    if write_page is not None:
        write_page(args.html, result, signal, sweep)
    return 0 if passed == (args.expected == "pass") else 1


def _record_of(
    result: AuditResult, signal: Signal | None, sweep: Signal | None, passed: bool, expected: str
) -> dict[str, object]:
    """The result (and the signal's, and the width sweep's) with the expected outcome, as strict
    JSON data."""
    data = result.as_dict() | {"passed": passed, "expected": expected}
    if signal is not None:
        data["signal"] = signal.as_dict()
    if sweep is not None:
        data["widths"] = sweep.as_dict()
    strict = finite_json(data)
    assert isinstance(strict, dict)
    return strict


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``winit audit``; returns the exit status (:data:`~winit.verify.command.EXIT_STATUSES`)."""

    def record(args: argparse.Namespace | None) -> dict[str, object]:
        # no "expected": a run that did not complete fails the gate whatever was expected
        return {"kind": "audit", "model": getattr(args, "model", None), "groups": []}

    return run(PROG, _parser(), argv, _audit, record)
