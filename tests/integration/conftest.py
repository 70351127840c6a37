"""Integration tests: each re-runs the property suite, builds a wheel, clones the repository,
installs winit into a fresh virtual environment, runs pytest or ``winit`` in processes of their
own where only a process shows the behaviour (a locale, a watchdog ending it, a page written to
its stdout), or draws panels in a pool of processes (seconds to minutes, not milliseconds).
Everything under this folder is marked ``integration``: ``nox -s integration`` (and CI) runs
them, the default ``nox`` gate (``nox -s tests``) leaves them out; the unit tests cover the same
commands in process."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.integration)
