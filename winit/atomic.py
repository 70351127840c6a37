"""Atomic file writes for winit's outputs (report, verify and bench JSON): a reader never sees
a half-written file. Standard library only, so the CLI can use it without the report's deps."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class ReportError(Exception):
    """A one-line, user-facing problem with winit's inputs or outputs (results, reports, JSON)."""


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same directory and a rename,
    so an interrupted write leaves the previous file intact. Creates missing parent directories;
    raises :class:`ReportError` with one line when the place cannot be written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise ReportError(f"cannot write {path}: {e.strerror or e}") from None
    try:
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise ReportError(f"cannot write {path}: {e.strerror or e}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
