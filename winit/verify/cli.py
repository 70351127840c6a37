"""``winit verify MODULE:ATTR --law NAME [...]`` and ``winit defaults SPEC``: the command-line
faces of :func:`winit.verify` and :func:`winit.verify.defaults.layer_defaults`.

Both end in one of :data:`EXIT_STATUSES`; every error is one line on stderr, without a
traceback. A run that does not complete (any status but 0 and 1) with ``--json PATH`` writes a
failing record there (``passed: false``, ``completed: false``, the error and the status), so an
earlier passing file cannot stay in force; the same record stands there while the run is under
way, so a run killed (or ended by ``os._exit`` in the code under check) leaves it too. Output falls back to ASCII on a terminal that cannot
encode winit's symbols, and ``--json`` holds no bare NaN (see :func:`json_text`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn, TextIO

from winit._validate import Shape
from winit.atomic import ReportError, write_atomic
from winit.verify.adapters import CONVENTIONS, load
from winit.verify.api import verify
from winit.verify.guard import (
    DEFAULT_TIMEOUT,
    CallTimeoutError,
    UserCodeError,
    one_line,
    time_limit,
    what_it_did,
)
from winit.verify.laws import describe_laws
from winit.verify.layouts import LAYOUTS
from winit.verify.result import render

PROG = "winit verify"
#: the exit statuses of ``winit verify`` and ``winit defaults``
EXIT_STATUSES: dict[int, str] = {
    0: "every check passed (with --expect fail: one failed, as expected)",
    1: "a check failed (with --expect fail: every check passed)",
    2: "usage error: bad command line, module path, law, parameter, shape or size, or an "
    "unwritable --json",
    3: "the code under check raised, exited (sys.exit, any status) or returned no numeric array",
    4: "a call of the code under check ran past --timeout",
    5: "an unexpected error inside winit (a bug: please report it)",
    130: "interrupted (Ctrl-C)",
    143: "terminated (SIGTERM, as a CI job is cancelled)",
}
#: what stands for winit's non-ASCII symbols on an ASCII-only terminal
ASCII = str.maketrans({
    "²": "^2", "ᵀ": "^T", "σ": "sigma", "√": "sqrt", "±": "+-", "→": "->", "—": "-", "−": "-",
    "×": "x", "·": "*", "≤": "<=", "≥": ">=", "∏": "prod", "≈": "~", "α": "alpha", "Φ": "Phi",
})  # fmt: skip


#: the error of the record ``--json`` holds while a run is under way
UNFINISHED = "the run did not complete (killed, or the code under check ended the process)"


class UsageError(Exception):
    """A bad command line: printed as one line, exit status 2."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised as an interruption (the code under check passes it through)."""


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _conventions_help() -> str:
    return "calling conventions (--convention; auto detects from the callable):\n" + "\n".join(
        f"  {c.name:<11} {c.summary}" for c in CONVENTIONS.values()
    )


def _axes(text: str) -> list[int]:
    try:
        return [int(a) for a in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"axes must be comma-separated ints, got {text!r}"
        ) from None


def _exit_help() -> str:
    return "exit status:\n" + "\n".join(f"  {k:<3} {v}" for k, v in EXIT_STATUSES.items())


def _timeout(text: str) -> float | None:
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds >= 0):
        raise argparse.ArgumentTypeError(
            f"--timeout must be a number of seconds >= 0 (0: no limit), got {text!r}"
        )
    return seconds or None


def _common(p: _Parser) -> None:
    """The options both commands take."""
    p.add_argument("--seed", type=int, default=0, help="run seed (default 0)")
    p.add_argument(
        "--timeout", type=_timeout, default=DEFAULT_TIMEOUT, metavar="SECONDS",
        help=f"seconds each call of the code under check may take (default {DEFAULT_TIMEOUT:g}; "
        "0: no limit); past it, exit 4",
    )  # fmt: skip


def _parser() -> _Parser:
    p = _Parser(
        prog=PROG, description="Check an initializer against the law it documents.",
        epilog=f"{_conventions_help()}\n\n{_exit_help()}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    p.add_argument("initializer", nargs="?", help="MODULE:ATTR, e.g. winit:he_normal")
    p.add_argument("--law", help="the documented law (see --list-laws)")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="a law parameter, also passed to the initializer if it accepts it")  # fmt: skip
    p.add_argument("--shapes", help="comma-separated shapes like 256x128,64x32x3x3")
    _common(p)
    p.add_argument(
        "--layout",
        choices=tuple(LAYOUTS),
        help="where the shape keeps in/out: "
        + "; ".join(a.describe() for a in LAYOUTS.values())
        + " (default: the convention's own)",
    )
    p.add_argument("--in-axis", type=_axes, help="explicit input axes, e.g. -2 or 0,1")
    p.add_argument("--out-axis", type=_axes, help="explicit output axes, e.g. -1")
    p.add_argument("--batch-axis", type=_axes, default=[], help="axes left out of the fans")
    p.add_argument(
        "--convention",
        default="auto",
        help="force a calling convention (listed below; default auto)",
    )
    p.add_argument(
        "--rename",
        action="append",
        default=[],
        metavar="PARAM=NAME",
        help="pass law parameter PARAM under the callable's name NAME, e.g. value=val",
    )
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    p.add_argument(
        "--expect", choices=("pass", "fail"), default="pass",
        help="fail: the initializer is known not to follow this law (a documented finding); "
        "exit 0 when it fails as expected, 1 when it passes (recorded in --json)",
    )  # fmt: skip
    p.add_argument("--list-laws", action="store_true", help="print the known laws and exit")
    return p


def parse_shapes(text: str) -> list[Shape]:
    """``"256x128,64x32x3x3"`` → ``[(256, 128), (64, 32, 3, 3)]``, or a one-line ``ValueError``."""
    if not text.strip():
        raise ValueError(
            "--shapes is empty; write e.g. 256x128,64x32x3x3 (omit it for the defaults)"
        )
    shapes = []
    for part in text.split(","):
        try:
            dims = tuple(int(d) for d in part.strip().lower().split("x"))
        except ValueError:
            raise ValueError(
                f"bad shape {part!r} in --shapes; write e.g. 256x128,64x32x3x3"
            ) from None
        if any(d <= 0 for d in dims):
            raise ValueError(f"bad shape {part!r} in --shapes: dimensions must be positive")
        shapes.append(dims)
    return shapes


def parse_params(items: Sequence[str], option: str = "--param") -> dict[str, str]:
    """``["gain=2", ...]`` → ``{"gain": "2"}`` (values are converted by the law's table)."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"{option} must be KEY=VALUE, got {item!r}")
        out[key.strip()] = value.strip()
    return out


def json_text(data: dict[str, object]) -> str:
    """``data`` as JSON without bare NaN or infinity: each non-finite number becomes ``null``
    and ``non_finite`` maps its place (``rows/3/measured``) to what it was (``nan``, ``inf``)."""
    found: dict[str, str] = {}

    def clean(value: object, where: str) -> object:
        if isinstance(value, float) and not math.isfinite(value):
            found[where.lstrip("/")] = str(value)
            return None
        if isinstance(value, dict):
            return {k: clean(v, f"{where}/{k}") for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [clean(v, f"{where}/{i}") for i, v in enumerate(value)]
        return value

    cleaned = clean(data, "")
    assert isinstance(cleaned, dict)
    if found:
        cleaned["non_finite"] = found
    return json.dumps(cleaned, indent=2, default=str, allow_nan=False)


def _write(path: str, data: dict[str, object]) -> None:
    if not path.strip():
        raise ValueError("--json: the path is empty; give a file name, e.g. reports/verify-x.json")
    try:
        write_atomic(Path(path), json_text(data))
    except ReportError as e:
        raise ValueError(f"--json: {e}") from None


def emit(text: str, stream: TextIO) -> None:
    """Print ``text``; on a stream that cannot encode it, its ASCII stand-in (:data:`ASCII`,
    then backslash escapes). A stream that is closed or whose reader went away (``| head``)
    is skipped: the exit status and ``--json`` still carry the outcome."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        text = text.translate(ASCII).encode("ascii", "backslashreplace").decode("ascii")
    with contextlib.suppress(OSError, ValueError):  # a broken pipe, a closed stream
        print(text, file=stream, flush=True)


def _status(error: BaseException) -> tuple[int, str]:
    """The exit status and one-line message for an error that ended a command."""
    if isinstance(error, Terminated):
        return 143, "terminated"
    if isinstance(error, KeyboardInterrupt):
        return 130, "interrupted"
    if isinstance(error, CallTimeoutError):
        return 4, str(error)
    if isinstance(error, UserCodeError):
        return 3, str(error)
    if isinstance(error, SystemExit):  # only the code under check calls sys.exit after parsing
        return 3, f"the code under check {what_it_did(error)}"
    if isinstance(error, UsageError | ValueError):
        return 2, str(error)
    return 5, f"unexpected {what_it_did(error)} (a bug in winit: please report it)"


def _json_option(argv: Sequence[str] | None) -> str | None:
    """The ``--json`` path of a command line that failed to parse, if it names one."""
    p = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    p.add_argument("--json")
    try:
        return p.parse_known_args(argv)[0].json  # type: ignore[no-any-return]
    except (argparse.ArgumentError, SystemExit):
        return None


def run(
    prog: str,
    parser: _Parser,
    argv: Sequence[str] | None,
    body: Callable[[argparse.Namespace], int],
    record: Callable[[argparse.Namespace | None], dict[str, object]],
) -> int:
    """Parse ``argv`` and run ``body``; map whatever ends it early to an exit status and one
    line on stderr, and then leave a failing ``record`` (with the error) at ``--json``."""
    args: argparse.Namespace | None = None

    def fail(status: int, message: str) -> int:
        message = one_line(message)
        emit(f"{prog}: {message if status in (130, 143) else 'error: ' + message}", sys.stderr)
        path = args.json if args is not None else _json_option(argv)
        if path:
            _leave_failing(path, {**record(args), "error": message, "exit_status": status})
        return status

    def stuck(message: str) -> None:
        # the code under check ignored the timeout: report, and end the process from here
        os._exit(fail(4, message))

    def warn(message: Warning | str, category: type[Warning], *_: object, **__: object) -> None:
        emit(f"{prog}: warning: {category.__name__}: {one_line(str(message))}", sys.stderr)

    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if main_thread else None
    try:
        args = parser.parse_args(argv)
        if args.json is not None:  # stands until the run completes; an unwritable place fails now
            _write(args.json, _failing({**record(args), "error": UNFINISHED, "exit_status": None}))
        with time_limit(args.timeout, stuck), warnings.catch_warnings():
            warnings.showwarning = warn  # the code under check's warnings, one line each
            return body(args)
    except SystemExit as e:
        if args is None:  # --help: argparse's own exit
            raise
        return fail(*_status(e))
    except BaseException as e:
        return fail(*_status(e))
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)


def _failing(data: dict[str, object]) -> dict[str, object]:
    return {**data, "passed": False, "completed": False, "rows": []}


def _leave_failing(path: str, data: dict[str, object]) -> None:
    """Write the failing record, or if that fails remove the file or link there (never a device
    or a directory; quietly: the error is already on stderr)."""
    try:
        _write(path, _failing(data))
    except ValueError:
        place = Path(path)
        with contextlib.suppress(OSError):
            if place.is_symlink() or place.is_file():
                place.unlink()


def _verify(args: argparse.Namespace) -> int:
    if args.list_laws:
        emit(describe_laws(), sys.stdout)
        return 0
    if not args.initializer or not args.law:
        raise UsageError("give an initializer MODULE:ATTR and --law NAME (or --list-laws)")
    fn = load(args.initializer)
    params: dict[str, Any] = parse_params(args.param)
    result = verify(
        fn,
        args.law,
        shapes=parse_shapes(args.shapes) if args.shapes is not None else None,
        seed=args.seed,
        layout=args.layout,
        in_axis=args.in_axis,
        out_axis=args.out_axis,
        batch_axis=args.batch_axis,
        convention=args.convention,
        renames=parse_params(args.rename, "--rename"),
        name=args.initializer,
        **params,
    )
    emit(render(result), sys.stdout)
    if args.json is not None:
        _write(args.json, {**result.as_dict(), "expected": args.expect})
    return 0 if result.passed == (args.expect == "pass") else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``winit verify``; returns the exit status (:data:`EXIT_STATUSES`)."""

    def record(args: argparse.Namespace | None) -> dict[str, object]:
        # no "expected": a run that did not complete fails the gate whatever was expected
        return {
            "initializer": getattr(args, "initializer", None),
            "law": getattr(args, "law", None),
        }

    return run(PROG, _parser(), argv, _verify, record)


def _defaults_parser() -> _Parser:
    p = _Parser(
        prog="winit defaults", description="What a layer's parameters really initialise to.",
        epilog=_exit_help(), formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    p.add_argument("layer", help="MODULE:Layer(args), e.g. 'torch.nn:Conv2d(32, 64, 3, groups=4)'")
    p.add_argument("--in-features", type=int, default=128,
                   help="input width for layers built on an input (keras, flax; default 128)")  # fmt: skip
    _common(p)
    p.add_argument("--json", metavar="PATH", help="also write the rows as JSON to PATH")
    return p


def _defaults(args: argparse.Namespace) -> int:
    from winit.verify.defaults import layer_defaults
    from winit.verify.defaults import render as render_defaults

    if args.in_features <= 0:
        raise UsageError(f"--in-features must be positive, got {args.in_features}")
    reports = layer_defaults(args.layer, seed=args.seed, in_features=args.in_features)
    emit(render_defaults(args.layer, reports), sys.stdout)
    if args.json is not None:
        payload = {
            "layer": args.layer,
            "seed": args.seed,
            "parameters": [r.as_dict() for r in reports],
        }
        _write(args.json, payload)
    return 0 if all(r.passed for r in reports) else 1


def defaults_main(argv: Sequence[str] | None = None) -> int:
    """Run ``winit defaults SPEC``; returns the exit status (:data:`EXIT_STATUSES`; 1: a
    parameter fails its documented law)."""

    def record(args: argparse.Namespace | None) -> dict[str, object]:
        return {"layer": getattr(args, "layer", None), "parameters": []}

    return run("winit defaults", _defaults_parser(), argv, _defaults, record)
