"""Reading and validating the report's inputs: the outputs of every winit command, through one
reader.

:func:`read_input` parses a JSON file, tells its kind from its content (an explicit ``"kind"``
field, else the fields each command writes, else the file name for the loosely read tables) and
hands it to that kind's reader; :data:`KINDS` is the table, so a new command's output is one
entry. A file of no kind the place accepts gives one line saying what the file is and why it
cannot be used (:class:`~winit.atomic.ReportError`).

Beside ``results.json`` the report looks for the outputs listed in :data:`BESIDE`:
``verify*.json`` (``winit verify --json`` or ``winit defaults --json``) and ``audit*.json``
(``winit audit --json``): one row with a badge per output, each gating like a claim; an
unusable one counts as failing since the gate cannot tell it passed. ``frameworks*.json`` (the
conformance table), ``bench.json``, ``mutants.json`` and ``flake.json`` are read loosely (the
first list of objects as a table, the other values as facts; a problem is the section's error
line).

Claims that need what the gate does not install (torch, transformers) run in their own nox
session, which records them in its own results file beside ``results.json`` (:data:`SESSIONS`):
their cards join the page and their run gates like the complete run's; a missing file is
shown as not run here, never as held, and an unusable one fails the gate.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from winit.atomic import ReportError, one_line
from winit.claims.schema import SCHEMA, Results, validate
from winit.report.tables import (
    Conformance,
    Extra,
    VerifyRun,
    audit_run,
    bench_section,
    conformance,
    defaults_run,
    extra_section,
    verify_run,
)


def read_json(path: Path) -> Any:
    """The JSON value in ``path``; a missing, unreadable or malformed file is one line."""
    if not str(path).strip():
        raise ReportError("an empty path names no file; give the path of a JSON file")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportError(f"{path}: not found") from None
    except IsADirectoryError:
        raise ReportError(f"{path}: cannot read: it is a directory, not a JSON file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ReportError(f"{path}: cannot read: {one_line(e)}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ReportError(
            f"{path}: not valid JSON (truncated or hand-edited?): {e.msg} at line {e.lineno}"
        ) from None
    except RecursionError:
        raise ReportError(f"{path}: JSON nested too deeply to read") from None


# --- the kinds, and the one reader ------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """One kind of input: how to tell it, how to name it in a message, how to read it."""

    name: str
    what: str
    matches: Callable[[Path, Any], bool]
    read: Callable[[Path, Any], Any]


def _has(data: Any, **types: type | tuple[type, ...]) -> bool:
    return isinstance(data, dict) and all(isinstance(data.get(k), t) for k, t in types.items())


def _named(*names: str) -> Callable[[Path, Any], bool]:
    return lambda path, _: path.name in names


def _loose(section_id: str, title: str) -> Callable[[Path, Any], Extra]:
    return lambda path, data: extra_section(path, data, section_id, title)


def _results(path: Path, data: Any) -> Results:
    return validate(data, str(path))


KINDS: tuple[Kind, ...] = (
    Kind("results", "a winit results file (pytest --winit-results)",
         lambda _, d: _has(d) and d.get("schema") == SCHEMA, _results),
    Kind("verify", "a `winit verify --json` output",
         lambda _, d: _has(d, passed=bool, rows=list, law=str), verify_run),
    Kind("defaults", "a `winit defaults --json` output",
         lambda _, d: _has(d, layer=str, parameters=list), defaults_run),
    Kind("frameworks", "the framework conformance table (nox -s frameworks)",
         lambda p, d: p.name.startswith("frameworks") or _has(d, frameworks=list, rows=list),
         conformance),
    Kind("bench", "the benchmark (nox -s bench)", _named("bench.json"), bench_section),
    Kind("mutants", "the mutation score (nox -s mutants)",
         lambda p, d: p.name == "mutants.json" or _has(d, scores=list),
         _loose("mutation-score", "Mutation score (nox -s mutants)")),
    Kind("flake", "the false-alarm count (nox -s flake)", _named("flake.json"),
         _loose("flake-rate", "False alarms on fresh seeds (nox -s flake)")),
    Kind("audit", "a `winit audit --json` output", lambda _, d: _has(d, kind=str) and d["kind"] == "audit",
         audit_run),
)  # fmt: skip
KIND = {k.name: k for k in KINDS}


def kind_of(path: Path, data: Any) -> Kind | None:
    """The kind of ``data`` read from ``path``: its ``"kind"`` field when it names one, else the
    first kind whose fields (or file name) it has."""
    named = data.get("kind") if isinstance(data, dict) else None
    if isinstance(named, str) and named in KIND:
        return KIND[named]
    return next((k for k in KINDS if k.matches(path, data)), None)


def read_input(path: Path, accept: tuple[str, ...]) -> Any:
    """``path`` read by its kind's reader when its kind is one of ``accept``; else one line
    saying what the file is and why it cannot be used here."""
    data = read_json(path)
    kind = kind_of(path, data)
    wanted = " or ".join(KIND[a].what for a in accept)
    if kind is None:
        raise ReportError(f"{path}: JSON of no kind winit writes; expected {wanted}")
    if kind.name not in accept:
        raise ReportError(f"{path}: {kind.what}, not {wanted}")
    return kind.read(path, data)


def read_results(path: Path) -> Results:
    """A ``results.json``, validated (:func:`winit.claims.schema.validate`)."""
    data = read_json(path)
    if isinstance(data, dict) and data.get("schema") == SCHEMA:
        return _results(path, data)
    kind = kind_of(path, data)
    what = kind.what if kind is not None else "JSON of no kind winit writes"
    raise ReportError(f'{path}: {what}, not a winit results file (no "schema": "{SCHEMA}")')


# --- the outputs beside results.json ---------------------------------------------------------


@dataclass(frozen=True)
class Session:
    """A nox session that runs claims the gate's environment cannot, into its own results
    file beside the gate's: ``file`` (its name), ``command`` (what runs it), ``title`` (the
    page's heading of its cards), ``needs`` (what the gate does not install)."""

    file: str
    command: str
    title: str
    needs: str

    def rerun(self, reproduce: str) -> str:
        """The command that reruns, in this session's environment, the test ``reproduce`` (a
        failure's one-line command, its pytest arguments after ``--``) reruns.

        >>> MODELS.rerun("nox -s properties -- 'properties/models/t.py::t[a b]' -x")
        "nox -s models -- 'properties/models/t.py::t[a b]' -x"
        """
        words = shlex.split(reproduce)
        pytest_args = words[words.index("--") + 1 :] if "--" in words else words
        return shlex.join([*shlex.split(self.command), "--", *pytest_args])


#: The claims on real architectures (properties/models): torch and transformers.
MODELS = Session("results-models.json", "nox -s models", "On a real architecture",
                 "torch and transformers")  # fmt: skip
SESSIONS = (MODELS,)


@dataclass(frozen=True)
class SessionRun:
    """What the report found of one :class:`Session`: its results, or None when the file is
    absent (not run here), or the one line saying why the file cannot be used."""

    session: Session
    path: Path
    results: Results | None = None
    error: str | None = None


def session_run(session: Session, folder: Path) -> SessionRun:
    """``session``'s results in ``folder``; never fails: a file that cannot be used carries its
    one line."""
    path = folder / session.file
    if not path.exists():
        return SessionRun(session, path)
    try:
        return SessionRun(session, path, results=read_results(path))
    except ReportError as e:
        return SessionRun(session, path, error=str(e).replace(f"{path}: ", f"{path.name}: ", 1))


@dataclass
class Beside:
    """What the report found beside the results it renders."""

    verify: list[VerifyRun] = field(default_factory=list)
    frameworks: Conformance | None = None
    extras: list[Extra] = field(default_factory=list)
    sessions: list[SessionRun] = field(default_factory=list)


#: (file pattern, the kinds accepted there), in the page's order of sections.
BESIDE = (("verify*.json", ("verify", "defaults")), ("frameworks*.json", ("frameworks",)),
          ("bench.json", ("bench",)), ("mutants.json", ("mutants",)),
          ("flake.json", ("flake",)), ("audit*.json", ("audit",)))  # fmt: skip


def _unusable(path: Path, accept: tuple[str, ...], line: str) -> Any:
    """The placeholder of an input that cannot be used, carrying its one line."""
    if "verify" in accept or "audit" in accept:
        return VerifyRun(f"verify-{path.stem}", path.name, status="unreadable", error=line)
    if "frameworks" in accept:
        return Conformance(path.name, error=line)
    kind = KIND[accept[0]]
    placeholder: Extra = kind.read(path, {})
    placeholder.error = line
    return placeholder


def _merged(tables: list[Conformance]) -> Conformance | None:
    """``frameworks.json`` and its per-environment parts (``frameworks-keras-jax.json``, ...:
    ``nox -s frameworks`` runs Keras once per backend and Chainer in its own venv) as one
    table."""
    if not tables:
        return None
    merged = tables[0]
    for part in tables[1:]:
        if part.error or part.columns != merged.columns:
            merged.error = part.error or f"{part.path}: columns differ from {merged.path}'s"
            continue
        merged.rows += part.rows
    merged.path = ", ".join(t.path for t in tables)
    return merged


def beside(results_path: Path) -> Beside:
    """Every output of :data:`BESIDE` in the folder of ``results_path``, in name order, and the
    runs of :data:`SESSIONS` (but the one ``results_path`` is); never fails: a file that cannot be
    used carries its one line."""
    found = Beside()
    tables: list[Conformance] = []
    for pattern, accept in BESIDE:
        for path in sorted(results_path.parent.glob(pattern)):
            try:
                item = read_input(path, accept)
            except ReportError as e:
                item = _unusable(path, accept, str(e).replace(f"{path}: ", f"{path.name}: ", 1))
            if isinstance(item, VerifyRun):
                found.verify.append(item)
            elif isinstance(item, Conformance):
                tables.append(item)
            else:
                found.extras.append(item)
    found.frameworks = _merged(tables)
    found.sessions = [session_run(s, results_path.parent) for s in SESSIONS
                      if s.file != results_path.name]  # fmt: skip
    return found
