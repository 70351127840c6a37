"""The unit tests' shared setup: the report's drawn panels are kept in a folder of this test
session (not the user's cache), shared by its tests; ``uncached`` draws every panel afresh."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True, scope="session")
def _plot_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WINIT_PLOT_CACHE", str(tmp_path_factory.mktemp("plots")))
        yield


@pytest.fixture
def uncached(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No cache folder and an empty memory: panels drawn in the test are drawn, not reused."""
    from winit.report import plots  # the report extra: only the tests that draw need it

    monkeypatch.setenv("WINIT_PLOT_CACHE", "")
    plots.forget()
    yield
    plots.forget()
