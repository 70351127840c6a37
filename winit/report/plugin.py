"""The winit pytest plugin: the ``claim`` marker and the ``evidence`` fixture.

A property test is marked ``@pytest.mark.claim("ID")`` and takes ``evidence``, the
:class:`winit.evidence.Evidence` shared by every test of that claim in the session.
"""

from __future__ import annotations

import pytest

from winit.claims import get_claim
from winit.evidence import Evidence

EVIDENCE = pytest.StashKey[dict[str, Evidence]]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "claim(id): the registered claim this test checks")
    config.stash[EVIDENCE] = {}


def claim_id_of(item: pytest.Item) -> str | None:
    """The claim a test item checks, from its ``claim`` marker (validated against the registry)."""
    marker = item.get_closest_marker("claim")
    if marker is None:
        return None
    return get_claim(str(marker.args[0])).id


@pytest.fixture
def evidence(request: pytest.FixtureRequest) -> Evidence:
    """The evidence record of the claim named by this test's ``claim`` marker."""
    claim_id = claim_id_of(request.node)
    if claim_id is None:
        raise pytest.UsageError(f"{request.node.nodeid} uses 'evidence' without @pytest.mark.claim")
    store = request.config.stash[EVIDENCE]
    return store.setdefault(claim_id, Evidence(claim_id))
