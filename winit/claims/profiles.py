"""The hypothesis profiles the claims run under (``--hypothesis-profile ci|dev|thorough|...``).

The false-alarm budget is spent against the ``thorough`` profile's example count
(:data:`winit.claims.record.THOROUGH_EXAMPLES`), the most any profile draws, so every profile
stays within it.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

from winit.claims.record import THOROUGH_EXAMPLES

MAX_EXAMPLES = {"ci": 20, "dev": 60, "thorough": THOROUGH_EXAMPLES}
# The `evidence` fixture is shared by all examples of a test on purpose; statistical properties
# are slow by design (their sample sizes come from the power calculation), hence no deadline.
_BASE = settings(
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "ci", _BASE, max_examples=MAX_EXAMPLES["ci"], derandomize=True, database=None
)
settings.register_profile("dev", _BASE, max_examples=MAX_EXAMPLES["dev"])
# Mutation runs (tools/mutants.py): the ci draws without shrinking. A mutant is killed by the
# first failing example; shrinking it to a minimal one only costs time (minutes per mutant).
settings.register_profile(
    "mutants", settings.get_profile("ci"), phases=[Phase.explicit, Phase.reuse, Phase.generate]
)
settings.register_profile("thorough", _BASE, max_examples=MAX_EXAMPLES["thorough"])
# Flake measurement (tools/flake.py): dev's draws from a fresh seed per run, and no example
# database, so one run's false alarm is not replayed by every later run.
settings.register_profile("flake", settings.get_profile("dev"), database=None)


def load_default() -> None:
    """The profile of a run that names none: ``ci`` (derandomized) where the ``CI`` variable is
    set, as hypothesis itself decides, else ``dev``."""
    settings.load_profile("ci" if os.environ.get("CI") else "dev")
