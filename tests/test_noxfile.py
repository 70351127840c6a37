"""The noxfile's sessions: uv builds their environments when installed, but every session that
installs torch (pinned, from the local CPU wheel that only pip's configuration points to) keeps
virtualenv + pip, read from the noxfile's syntax tree, so nox need not be installed here; and
the options a session passes on after ``--`` fail in one line naming the bad argument."""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, cast

import pytest

from benchmarks import goals
from tests.cli import in_process

ROOT = Path(__file__).resolve().parent.parent
NOXFILE = ROOT / "noxfile.py"
TREE = ast.parse(NOXFILE.read_text())


def _constant(name: str) -> object:
    """The value of a module-level ``NAME = literal`` or ``nox.options.NAME = literal``."""
    for node in TREE.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            found = target.id if isinstance(target, ast.Name) else getattr(target, "attr", None)
            if found == name:
                return ast.literal_eval(node.value)
    raise AssertionError(f"noxfile.py assigns no {name}")


def _sessions() -> dict[str, ast.FunctionDef]:
    def is_session(d: ast.expr) -> bool:
        return "nox.session" in ast.unparse(d)

    return {
        f.name: f
        for f in TREE.body
        if isinstance(f, ast.FunctionDef) and any(is_session(d) for d in f.decorator_list)
    }


def _installs_torch(fn: ast.FunctionDef) -> bool:
    """Whether the session's ``session.install`` arguments name torch or the bench extra."""
    for call in ast.walk(fn):
        if isinstance(call, ast.Call) and ast.unparse(call.func) == "session.install":
            args = [a.value if isinstance(a, ast.Starred) else a for a in call.args]
            # a module-level tuple of requirements (FRAMEWORKS) counts by its contents
            text = " ".join(
                repr(_constant(a.id)) if isinstance(a, ast.Name) else ast.unparse(a) for a in args
            )
            if "torch" in text or "bench" in text:
                return True
    return False


def _backend(fn: ast.FunctionDef) -> str | None:
    for d in fn.decorator_list:
        if isinstance(d, ast.Call):
            for kw in d.keywords:
                if kw.arg == "venv_backend":
                    value = kw.value
                    return str(_constant(value.id) if isinstance(value, ast.Name) else ast.literal_eval(value))  # fmt: skip
    return None


def test_the_sessions_cache_bytecode_in_a_folder_git_ignores() -> None:
    pycache = Path(str(_constant("PYCACHE")))
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert f"{pycache.parts[0]}/" in ignored and not pycache.is_absolute()


def test_the_goals_floor_runs_as_the_sessions_run() -> None:
    """benchmarks/goals.py times the property suite outside nox: with the sessions' settings."""
    assert _constant("ONE_BLAS_THREAD") == goals.ONE_BLAS_THREAD
    assert _constant("PYCACHE") == goals.PYCACHE


def _function(name: str) -> Callable[..., Any]:
    """A module-level function of the noxfile, compiled alone (with its module's constants)."""
    (node,) = (f for f in TREE.body if isinstance(f, ast.FunctionDef) and f.name == name)
    future = [i for i in TREE.body if isinstance(i, ast.ImportFrom) and i.module == "__future__"]
    module = ast.Module(body=[*future, node], type_ignores=[])
    names: dict[str, Any] = {"Mapping": Mapping, "CHOOSING": _constant("CHOOSING")}
    exec(compile(module, str(NOXFILE), "exec"), names)
    return cast("Callable[..., Any]", names[name])


@pytest.mark.parametrize(
    ("argv", "env", "gate"),
    [
        ([], {}, True),
        (["-R", "--", "-x"], {}, True),
        (["-s", "tests"], {}, False),
        (["--session=lint"], {}, False),
        (["-t", "gate"], {}, False),
        (["-k", "not report"], {}, False),
        ([], {"NOXSESSION": "lint"}, False),
    ],
)  # fmt: skip
def test_only_nox_alone_runs_the_gate_in_parallel(
    argv: list[str], env: dict[str, str], gate: bool
) -> None:
    assert _function("_the_gate")(argv, env) is gate


def _parallel(session: str) -> bool:
    """Whether the session named ``session`` (as on nox's command line) allows a parallel run."""
    fn = _sessions()[session.replace("-", "_")]
    return any("allow_parallel=True" in ast.unparse(d) for d in fn.decorator_list)


def test_the_gate_runs_tests_beside_properties_and_the_report_alone() -> None:
    gate = _constant("sessions")
    assert gate == ["tests", "properties", "report"]
    assert {n for n in gate if _parallel(n)} == {"tests", "properties"}


def test_ci_runs_its_heavy_sessions_two_at_a_time_and_the_report_after_them() -> None:
    run = (ROOT / ".ci" / "run").read_text().splitlines()
    named = next(x for x in run if x.startswith("nox -j 2 -s ")).split(" -s ")[1].split()
    assert named[-1] == "report" and not _parallel("report")
    assert all(_parallel(n) for n in named[:-1])


def test_uv_builds_the_environments_when_installed() -> None:
    assert _constant("default_venv_backend") == "uv|virtualenv"


TORCH_SESSIONS = sorted(name for name, fn in _sessions().items() if _installs_torch(fn))


def test_the_torch_sessions_are_found() -> None:
    assert {"bench", "verify_torch"} <= set(TORCH_SESSIONS)


@pytest.mark.parametrize("name", TORCH_SESSIONS)
def test_sessions_installing_torch_use_pip(name: str) -> None:
    assert _backend(_sessions()[name]) == "virtualenv"


def test_other_sessions_use_the_default() -> None:
    others = {n: _backend(f) for n, f in _sessions().items() if n not in TORCH_SESSIONS}
    assert others
    assert all(b is None for b in others.values()), others


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["tools.flake", "abc"], "flake.py: error: argument runs: invalid int value: 'abc'"),
        (["tools.flake", "0"], "flake.py: error: runs, --jobs and --workers must be positive"),
        (["tools.flake", "5", "--workers", "-1"], "flake.py: error: runs, --jobs and --workers must be positive"),
        (["tools.flake", "5", "--log", "/proc/flake.jsonl"], "flake.py: error: cannot write the log /proc/flake.jsonl"),
        (["tools.flake", "5", "--log", "/tmp/winit-flake-test.jsonl", "--json", "/proc/flake.json"], "flake.py: error: cannot write /proc/flake.json"),
        (["tools.flake", "5", "--only", "properties/data.py"], "flake.py: error: argument --only: expected a property test file like properties/test_zero_init.py; got 'properties/data.py'"),
        (["tools.flake", "5", "--blas-threads", "0"], "flake.py: error: argument --blas-threads: expected positive integers like 1,2; got '0'"),
        (["tools.flake", "5", "--shard", "3/2"], "flake.py: error: argument --shard: expected I/N with 1 <= I <= N, like 3/20; got '3/2'"),
        (["tools.flake", "5", "--merge", "/no/such.jsonl"], "flake.py: error: no log /no/such.jsonl"),
        (["tools.mutants", "quick-ish"], "mutants.py: error: unknown mutant(s) quick-ish; known: variance-2x"),
        (["benchmarks.bench", "--frobnicate"], "bench.py: error: unrecognized arguments: --frobnicate"),
    ],
)  # fmt: skip
def test_session_options_fail_in_one_line(
    argv: list[str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`nox -s flake -- ARGS`, `nox -s mutants -- ARGS`, `nox -s bench -- ARGS`: exit 2 with
    argparse's usage and one error line naming the bad argument (the module's ``main`` run in
    process as ``python -m MODULE`` runs it: its file as the program's name)."""
    module = importlib.import_module(argv[0])
    monkeypatch.setattr(sys, "argv", [str(module.__file__), *argv[1:]])
    done = in_process(module.main, argv[1:], cwd=ROOT)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith(message)
    assert "Traceback" not in done.stderr
