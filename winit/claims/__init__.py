"""The claims toolkit: a claim's record and planned checks, the evidence its property tests
record, the pytest plugin that gathers it, and the ``results.json`` schema the report reads.

Claims themselves live beside their property tests in ``properties/``: each file defines its
``Claim`` objects, their planned checks (:meth:`~winit.claims.Claim.plan`) and the tests that
check them.
"""

from winit.claims.evidence import Evidence
from winit.claims.record import EXPECTED_VERDICTS, GROUPS, Claim, Plan, PlanError

__all__ = ["EXPECTED_VERDICTS", "GROUPS", "Claim", "Evidence", "Plan", "PlanError"]
