"""How ``winit verify`` and ``winit defaults`` end: :func:`run` parses a command line, runs the
command, and maps whatever ends it early to one of :data:`EXIT_STATUSES` and one line on stderr,
without a traceback (messages with newlines joined, warnings of the code under check one line
each). With ``--json PATH``, a failing record (``passed: false``, ``completed: false``, the error
and the status) stands there from the start until the run completes, so an earlier passing file
never survives a run that failed, was interrupted, killed or ended by the code under check.
Output falls back to ASCII on a terminal that cannot encode winit's symbols, and ``--json`` holds
no bare NaN (see :func:`json_text`).
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
from typing import NoReturn, TextIO

from winit.__main__ import INTERNAL_ERROR, INTERRUPTED
from winit.atomic import ReportError, one_line, write_atomic
from winit.verify.guard import CallTimeoutError, UserCodeError, time_limit, what_it_did

#: the code under check raised, exited or returned no numeric array
CODE_FAILED = 4
#: a call of the code under check ran past ``--timeout``
TIMED_OUT = 5
#: SIGTERM (a cancelled CI job), as a shell reports it
TERMINATED = 143
#: the exit statuses of ``winit verify`` and ``winit defaults``
EXIT_STATUSES: dict[int, str] = {
    0: "every check passed (with --expect fail: one failed, as expected)",
    1: "a check failed (with --expect fail: every check passed)",
    2: "usage error: bad command line, module path, law, parameter, shape or size, or an "
    "unwritable --json",
    INTERNAL_ERROR: "an unexpected error inside winit (a bug: please report it)",
    CODE_FAILED: "the code under check raised, exited (sys.exit, any status) or returned no "
    "numeric array",
    TIMED_OUT: "a call of the code under check ran past --timeout",
    INTERRUPTED: "interrupted (Ctrl-C)",
    TERMINATED: "terminated (SIGTERM, as a CI job is cancelled)",
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


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are :class:`UsageError` (one line, status 2)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def exit_help() -> str:
    return "exit status:\n" + "\n".join(f"  {k:<3} {v}" for k, v in EXIT_STATUSES.items())


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


def write_json(path: str, data: dict[str, object]) -> None:
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
        return TERMINATED, "terminated"
    if isinstance(error, KeyboardInterrupt):
        return INTERRUPTED, "interrupted"
    if isinstance(error, CallTimeoutError):
        return TIMED_OUT, str(error)
    if isinstance(error, UserCodeError):
        return CODE_FAILED, str(error)
    if isinstance(error, SystemExit):  # only the code under check calls sys.exit after parsing
        return CODE_FAILED, f"the code under check {what_it_did(error)}"
    if isinstance(error, UsageError | ValueError):
        return 2, str(error)
    return INTERNAL_ERROR, f"unexpected {what_it_did(error)} (a bug in winit: please report it)"


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
    parser: Parser,
    argv: Sequence[str] | None,
    body: Callable[[argparse.Namespace], int],
    record: Callable[[argparse.Namespace | None], dict[str, object]],
) -> int:
    """Parse ``argv`` and run ``body``; map whatever ends it early to an exit status and one
    line on stderr, and then leave a failing ``record`` (with the error) at ``--json``."""
    args: argparse.Namespace | None = None

    def fail(status: int, message: str) -> int:
        message = one_line(message)
        interrupted = status in (INTERRUPTED, TERMINATED)
        emit(f"{prog}: {message if interrupted else 'error: ' + message}", sys.stderr)
        path = args.json if args is not None else _json_option(argv)
        if path:
            _leave_failing(path, {**record(args), "error": message, "exit_status": status})
        return status

    def stuck(message: str) -> None:
        # the code under check ignored the timeout: report, and end the process from here
        os._exit(fail(TIMED_OUT, message))

    def warn(message: Warning | str, category: type[Warning], *_: object, **__: object) -> None:
        emit(f"{prog}: warning: {category.__name__}: {one_line(str(message))}", sys.stderr)

    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if main_thread else None
    try:
        args = parser.parse_args(argv)
        if args.json is not None:  # stands until the run completes; an unwritable place fails now
            write_json(
                args.json, _failing({**record(args), "error": UNFINISHED, "exit_status": None})
            )
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
        write_json(path, _failing(data))
    except ValueError:
        place = Path(path)
        with contextlib.suppress(OSError):
            if place.is_symlink() or place.is_file():
                place.unlink()
