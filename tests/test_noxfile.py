"""The noxfile's environments: uv builds them when installed, but every session that installs
torch (pinned, from the local CPU wheel that only pip's configuration points to) keeps
virtualenv + pip. Read from the noxfile's syntax tree, so nox need not be installed here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

NOXFILE = Path(__file__).resolve().parent.parent / "noxfile.py"
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
