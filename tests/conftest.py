"""The unit tests' shared setup: the report's drawn panels are kept in pytest's cache folder
(``.pytest_cache``, not the user's cache; a folder of this test session when pytest's cache is
off), shared by the tests and the runs of the suite like the report's own cache: a panel is
kept under a key of its series and of the code that draws it, so a kept panel is the one that
code would draw. ``uncached`` draws every panel afresh."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True, scope="session")
def _plot_cache(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    cache = request.config.cache
    folder = cache.mkdir("winit-plots") if cache is not None else tmp_path_factory.mktemp("plots")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WINIT_PLOT_CACHE", str(folder))
        yield


@pytest.fixture
def uncached(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No cache folder and an empty memory: panels drawn in the test are drawn, not reused."""
    from winit.report import plots  # the report extra: only the tests that draw need it

    monkeypatch.setenv("WINIT_PLOT_CACHE", "")
    plots.forget()
    yield
    plots.forget()
