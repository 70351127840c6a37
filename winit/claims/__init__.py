"""The claim registry: every claim winit checks, read by the property tests, the report and the CLI.

A claim is data (id, source, quote, precise statement, domain, tests used, expected verdict);
the property test that checks it lives in ``properties/`` and names it with
``@pytest.mark.claim("ID")``. The modules below register the claims of one source each.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Verdict = Literal["holds", "refuted-as-stated", "fails"]
EXPECTED_VERDICTS = ("holds", "refuted-as-stated")


@dataclass(frozen=True)
class Claim:
    """One statement about initialization, as its source makes it and as winit checks it.

    ``quote`` is the source's own words; ``statement`` the precise version that is tested;
    ``domain`` what hypothesis draws; ``statistics`` the tests used with their alpha and power
    (empty for exact claims); ``expected`` is ``holds``, or ``refuted-as-stated`` where the source
    overstates and ``statement`` is the true version next to it; ``plot`` names the report figure.
    """

    id: str
    title: str
    source: str
    quote: str
    statement: str
    domain: str
    expected: Verdict
    statistics: str = ""
    required: bool = True

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


REGISTRY: dict[str, Claim] = {}


def register(claim: Claim) -> Claim:
    """Add ``claim`` to the registry (ids are unique)."""
    if claim.id in REGISTRY:
        raise ValueError(f"claim id {claim.id!r} is registered twice")
    if claim.expected not in EXPECTED_VERDICTS:
        raise ValueError(
            f"claim {claim.id}: expected verdict must be one of {EXPECTED_VERDICTS}, "
            f"got {claim.expected!r}"
        )
    REGISTRY[claim.id] = claim
    return claim


def get_claim(claim_id: str) -> Claim:
    """The claim with this id, or a ValueError listing the known ids."""
    try:
        return REGISTRY[claim_id]
    except KeyError:
        raise ValueError(
            f"unknown claim {claim_id!r}; known: {', '.join(sorted(REGISTRY))}"
        ) from None


from winit.claims import article, literature  # noqa: E402, F401  (registration side effect)
