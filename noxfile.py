"""nox sessions: ``nox`` runs the gate (tests, properties, report); others on demand."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "properties"]
nox.options.reuse_venv = "yes"

TEST = ".[test]"


@nox.session
def tests(session: nox.Session) -> None:
    """Unit tests of winit itself (tests/)."""
    session.install("-e", TEST)
    session.run("pytest", "tests", "--hypothesis-profile=ci", *session.posargs)


@nox.session
def properties(session: nox.Session) -> None:
    """The claims as property tests (properties/), derandomized ``ci`` hypothesis profile."""
    session.install("-e", TEST)
    session.run("pytest", "properties", "--hypothesis-profile=ci", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and format check."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over winit, tests, properties and this file."""
    session.install("-e", ".[test,report,lint]", "nox")
    session.run("mypy")
