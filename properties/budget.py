"""The statistical budget of the property suite and the hypothesis profiles that spend it.

Every statistical check is sized so that one whole run of a claim false-alarms with probability
at most ``RUN_ALPHA``, even under the ``thorough`` profile: a check executed ``k`` times per
hypothesis example gets ``RUN_ALPHA / (k · MAX_EXAMPLES["thorough"])``.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

from winit.stats import bonferroni

RUN_ALPHA = 1e-6
POWER = 0.999

MAX_EXAMPLES = {"ci": 20, "dev": 60, "thorough": 500}
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
settings.register_profile("thorough", _BASE, max_examples=MAX_EXAMPLES["thorough"])


def check_alpha(checks_per_example: int) -> float:
    """Per-check false-alarm rate for a property that runs ``checks_per_example`` checks on each
    hypothesis example: the run's budget divided over the largest number of executions."""
    return bonferroni(RUN_ALPHA, checks_per_example * MAX_EXAMPLES["thorough"])
