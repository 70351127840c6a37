"""nox sessions: ``nox`` runs the gate (tests, properties, report); others on demand."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "properties", "report"]
nox.options.reuse_venv = "yes"

TEST = ".[test]"
RESULTS = "reports/results.json"


@nox.session
def tests(session: nox.Session) -> None:
    """Unit tests of winit itself (tests/), including the report's."""
    session.install("-e", ".[test,report]")
    session.run("pytest", "tests", "--hypothesis-profile=ci", *session.posargs)


@nox.session
def properties(session: nox.Session) -> None:
    """The claims as property tests (ci profile) -> reports/results.json; failures gate in report."""
    session.install("-e", TEST)
    session.run(
        "pytest", "properties", "--hypothesis-profile=ci", f"--winit-results={RESULTS}",
        "--junitxml=reports/junit.xml", *session.posargs,
        success_codes=[0, 1],  # failing claims: `report` renders them, then fails the gate
    )  # fmt: skip


@nox.session
def report(session: nox.Session) -> None:
    """Render reports/index.html from the results; fails if a claim or test failed."""
    session.install("-e", ".[report]")
    session.run("python", "-m", "winit", "report", "--results", RESULTS, "--check")


@nox.session
def browser(session: nox.Session) -> None:
    """Open the report in headless Chromium (Debian's) and check it; reports/screenshot.png."""
    session.install("-e", ".[report,browser]")
    session.run("python", "-m", "tests.browser_check", "reports")


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
