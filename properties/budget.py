"""The statistical budget of the property suite and the hypothesis profiles that spend it.

Every statistical check is sized so that one whole run of a claim false-alarms with probability
at most ``RUN_ALPHA``, even under the ``thorough`` profile: a check executed ``k`` times per
hypothesis example gets ``RUN_ALPHA / (k · MAX_EXAMPLES["thorough"])``.
"""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings

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
# Mutation runs (tests/mutants.py): the ci draws without shrinking. A mutant is killed by the
# first failing example; shrinking it to a minimal one only costs time (minutes per mutant).
settings.register_profile(
    "mutants", settings.get_profile("ci"), phases=[Phase.explicit, Phase.reuse, Phase.generate]
)
settings.register_profile("thorough", _BASE, max_examples=MAX_EXAMPLES["thorough"])
# Flake measurement (tests/flake.py): dev's draws from a fresh seed per run, and no example
# database, so one run's false alarm is not replayed by every later run.
settings.register_profile("flake", settings.get_profile("dev"), database=None)


def check_alpha(checks_per_example: int) -> float:
    """Per-check false-alarm rate for a property that runs ``checks_per_example`` checks on each
    hypothesis example: the run's budget divided over the largest number of executions."""
    return bonferroni(RUN_ALPHA, checks_per_example * MAX_EXAMPLES["thorough"])
