"""Integration tests: each re-runs the property suite, builds a wheel, clones the repository or
installs winit into a fresh virtual environment (minutes, not seconds). Everything under this
folder is marked ``integration``: ``nox -s integration`` (and CI) runs them, the default ``nox``
gate (``nox -s tests``) leaves them out."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.integration)
