"""Plumbing for tests of command-line tools: a command run in process as its process would run
it (exit status, stdout, stderr), and its usage errors."""

from __future__ import annotations

import contextlib
import io
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from winit.__main__ import main as winit_main


@dataclass(frozen=True)
class Done:
    """What a command left, as :class:`subprocess.CompletedProcess` has it."""

    returncode: int
    stdout: str
    stderr: str


def _status(code: object) -> int:
    """A process' exit status for ``sys.exit(code)``: None is 0, an int itself, anything else
    (a message, which Python prints on stderr) 1."""
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def in_process(
    main: Callable[[list[str]], int],
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    encoding: str = "utf-8",
) -> Done:
    """``main(argv)`` run in this process as ``sys.exit(main(argv))`` runs in its own: its exit
    status (a ``SystemExit`` included), and what it wrote on stdout and stderr, written through
    streams of ``encoding`` (``"ascii"``: a ``LANG=C`` terminal, which fails on what it cannot
    encode) and run in ``cwd``."""
    raw = [io.BytesIO(), io.BytesIO()]
    streams = [io.TextIOWrapper(b, encoding=encoding, newline="") for b in raw]
    chdir = contextlib.chdir(cwd) if cwd is not None else contextlib.nullcontext()
    with chdir, contextlib.redirect_stdout(streams[0]), contextlib.redirect_stderr(streams[1]):
        try:
            status = main(list(argv))
        except SystemExit as e:
            status = _status(e.code)
            if isinstance(e.code, str):
                print(e.code, file=sys.stderr)
    for stream in streams:
        stream.flush()
    out, err = (b.getvalue().decode(encoding) for b in raw)
    return Done(status, out, err)


def winit(*args: str, cwd: Path | None = None, encoding: str = "utf-8") -> Done:
    """``python -m winit ARGS``, in process (:func:`in_process`)."""
    return in_process(winit_main, args, cwd=cwd, encoding=encoding)


def one_line(done: Done, code: int) -> str:
    """The one stderr line of a run that exited ``code``, with no traceback."""
    assert done.returncode == code, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def usage_error(
    main: Callable[[list[str]], int], argv: list[str], capsys: pytest.CaptureFixture[str]
) -> str:
    """What ``main(argv)`` wrote on stderr; it must have exited 2, a usage error."""
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    return capsys.readouterr().err


def not_installed(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    """Make the modules ``names`` unimportable for the test, as where they are not installed,
    whether or not they are and whether or not they (or their submodules) were imported
    before: each, and each submodule already loaded, reads as None in ``sys.modules``."""
    hidden = [m for m in sys.modules if any(m.startswith(f"{name}.") for name in names)]
    for module in [*names, *hidden]:
        monkeypatch.setitem(sys.modules, module, None)


def ctrl_c_as_at_a_terminal() -> None:
    """A child process's ``preexec_fn``: Ctrl-C's default action, as at a terminal, even where
    this runner ignores SIGINT (a background job of a shell without job control), which the
    child would inherit."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
