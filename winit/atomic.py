"""Writing winit's outputs (results, report, verify/defaults/bench JSON) as the user named them.

Every writer goes through :func:`write_atomic`, so each output path means the same everywhere:

- a regular file (or a new one) is replaced atomically: the text goes to a hidden temporary file
  beside it, is flushed to disk, and only then renamed over the old file, so a kill or a full disk
  at any moment leaves either the old file or the new one, never a half-written or missing one;
- a symlink is written through to its target (the link stays a link);
- a device or FIFO (``/dev/null``, ``/dev/stdout``) is written directly, never replaced;
- an empty path or an existing directory is a usage error (:class:`ReportError`), never renamed.

Temporary files carry the writer's process id; a later write removes the ones whose writer is
gone (killed mid-write), so no hidden ``.tmp`` file outlives its writer. Standard library only,
so the CLI can use it without the report's dependencies.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


class ReportError(Exception):
    """A one-line, user-facing problem with winit's inputs or outputs (exit status 2)."""


def one_line(text: object) -> str:
    """``text`` on one line: line breaks (and the whitespace around them) become ``" / "``."""
    return " / ".join(part.strip() for part in str(text).splitlines() if part.strip())


def output_path(name: str | os.PathLike[str]) -> Path:
    """The file an output named ``name`` is written to: a symlink's target, else ``name``.

    Raises :class:`ReportError` for an empty name or an existing directory (a file path is
    needed; a directory is never replaced).

    >>> output_path("")
    Traceback (most recent call last):
    winit.atomic.ReportError: cannot write an empty path: give a file path
    """
    text = os.fspath(name)
    if not text.strip():
        raise ReportError("cannot write an empty path: give a file path")
    path = Path(text)
    if _special(path):  # /dev/stdout's link leads to /proc/self/fd/1: write through the name
        return path
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    if target.is_dir():
        raise ReportError(
            f"cannot write {text}: it is a directory; give a file path (e.g. {path / 'out.json'})"
        )
    return target


def _special(path: Path) -> bool:
    """Whether ``path`` (through symlinks) exists and is neither a regular file nor a directory
    (a device, a FIFO, a pipe)."""
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def clean_stale_temporaries(target: Path) -> list[Path]:
    """Remove the hidden temporary files of ``target`` left by writers that no longer run (a
    kill -9 mid-write); returns the files removed."""
    removed = []
    for tmp in target.parent.glob(f".{glob_escape(target.name)}.*.tmp"):
        pid = tmp.name[len(target.name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


def glob_escape(name: str) -> str:
    """``name`` with the glob metacharacters ``*?[`` matching themselves."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def _stage(target: Path, data: bytes) -> Path:
    """``data`` in a hidden temporary file beside ``target``, flushed to disk."""
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temporaries(target)
    fd, tmp = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp"
    )
    try:
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def write_atomic(path: str | os.PathLike[str], text: str, previous: Path | None = None) -> None:
    """Write ``text`` (UTF-8) to the output named ``path`` (see the module docstring).

    With ``previous``, the file that was there is copied (atomically too) to ``previous`` once
    the new text is safely on disk, just before the new file replaces it: at no moment is there
    no file at ``path``. Creates missing parent directories; raises :class:`ReportError` with one
    line when the output cannot be written.
    """
    target = output_path(path)
    data = text.encode("utf-8")
    staged: list[Path] = []
    try:
        if _special(target):
            with open(target, "wb") as f:
                f.write(data)
            return
        staged.append(_stage(target, data))
        if previous is not None and target.is_file():
            keep = output_path(previous)
            staged.append(_stage(keep, target.read_bytes()))
            os.replace(staged[-1], keep)
            staged.pop()
        os.replace(staged[-1], target)
        staged.pop()
    except OSError as e:
        raise ReportError(f"cannot write {path}: {e.strerror or e}") from None
    finally:
        for tmp in staged:
            tmp.unlink(missing_ok=True)
