"""A claim and its planned checks: the false-alarm budget as code.

A claim is defined once, in the ``properties/`` file whose property tests check it::

    CLAIM = Claim(id="NORMAL-VARIANCE-GROWS", group=N01, title=..., source=ARTICLE, quote=...,
                  statement=..., domain=..., expected="holds", lead=...)
    VARIANCE = CLAIM.plan("Var(z)", per_example=1, instances=4)

    @pytest.mark.claim(CLAIM)
    @given(...)
    def test_...(evidence):
        draws = VARIANCE.variance_draws(2.0, kurtosis=NORMAL_KURTOSIS)  # detects 2x off
        z = ...  # `draws` pre-activations, normal
        evidence.test(VARIANCE, variance_check, "Var(z)", z, n, kurtosis=NORMAL_KURTOSIS)

Every statistical check runs under a :class:`Plan` that says how often it runs: ``per_example``
times in each hypothesis example of ``instances`` parametrized tests, or ``runs`` times in a
fixed-seed test. Under the thorough profile (``THOROUGH_EXAMPLES`` examples) a plan executes at
most :attr:`Plan.executions` times, and the claim's run budget :data:`winit.stats.RUN_ALPHA` is
divided equally among its plans, each share spread over the plan's executions, so the claim's
worst-case false-alarm probability per run (:meth:`Claim.worst_case_alpha`, a Bonferroni sum)
never exceeds the budget. A plan may fix its own ``alpha`` instead; then the sum can exceed the
budget, and the pytest plugin refuses to run such a claim.

The plan does the arithmetic: it sizes the sample for the error a check must detect
(:meth:`Plan.variance_draws`, :meth:`Plan.ks_draws`, ...) and builds the check at its own
alpha (:meth:`winit.claims.Evidence.test`), so a claim file says the claim and its
measurement. At run time :class:`Evidence` rejects a check that uses more alpha than its plan,
less power than the plan requires, or runs more often than planned (:class:`PlanError`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from winit import stats
from winit.stats import POWER, RUN_ALPHA

T = TypeVar("T")
Verdict = Literal["holds", "refuted-as-stated"]
EXPECTED_VERDICTS: tuple[str, ...] = ("holds", "refuted-as-stated")
#: The report's sections, in the order the article argues, then the literature.
GROUPS: tuple[str, ...] = (
    "Zero init", "Constant init", "N(0, 1) init", "Xavier init", "Beyond the article",
    "Attention and residual networks",
)  # fmt: skip
#: Examples per hypothesis test under the thorough profile, the most any profile draws: the
#: budget is spent against this count.
THOROUGH_EXAMPLES = 500


class PlanError(Exception):
    """A claim's checks break its declared plan: over budget, under-powered, or run more often
    than declared. Fails the test (and so the claim) loudly, naming the claim."""


@dataclass(frozen=True, eq=False)
class Plan:
    """One planned statistical check of a claim (see the module docstring)."""

    claim: Claim = field(repr=False)
    name: str
    per_example: int | None = None
    runs: int | None = None
    instances: int = 1
    power: float | None = POWER
    fixed_alpha: float | None = None

    @property
    def executions(self) -> int:
        """The most times this check runs in one run of the suite, under the thorough profile."""
        if self.per_example is not None:
            return self.per_example * self.instances * THOROUGH_EXAMPLES
        assert self.runs is not None
        return self.runs * self.instances

    @property
    def alpha(self) -> float:
        """The false-alarm rate of one execution of this check."""
        return self.claim.alpha_of(self)

    @property
    def example_alpha(self) -> float:
        """The false-alarm rate of one hypothesis example's ``per_example`` executions."""
        if self.per_example is None:
            raise PlanError(
                f"claim {self.claim.id}, plan {self.name!r} runs per run, not per example"
            )
        return self.per_example * self.alpha

    def at_alpha(self, statistic: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``statistic(*args, alpha=<this plan's alpha>, **kwargs)``: a check, interval or
        power of :mod:`winit.stats` at the plan's level."""
        return statistic(*args, alpha=self.alpha, **kwargs)

    @property
    def _power(self) -> float:
        if self.power is None:
            raise PlanError(
                f"claim {self.claim.id}, plan {self.name!r} requires no power, so it cannot size "
                "a sample; declare it with a power"
            )
        return self.power

    def variance_draws(self, against: float, *, kurtosis: float) -> int:
        """Draws whose variance interval detects a variance ``against`` × (and 1/``against`` ×)
        off for data of kurtosis ``kurtosis``
        (:data:`~winit.stats.NORMAL_KURTOSIS` for data declared normal)."""
        return stats.variance_sample_size(against, self.alpha, self._power, kurtosis)

    def ks_draws(self, distance: float) -> int:
        """Draws whose KS test detects a law ``distance`` away in sup norm (a power of two)."""
        return stats.ks_sample_size(self.alpha, self._power, distance)

    def z_draws(self, shift: float, sd: float) -> int:
        """Draws of standard deviation ``sd`` whose mean's z-test detects a ``shift``."""
        return stats.z_sample_size(shift, sd, self.alpha, self._power)

    def z_detectable(self) -> float:
        """The shift, in standard errors, the plan's z-tests detect."""
        return stats.z_detectable(self.alpha, self._power)

    def binomial_exceeds_trials(self, p: float, against: float, limit: int) -> int:
        """Trials whose one-sided exact binomial test of a success probability above ``p``
        detects a true ``against``, at most ``limit``."""
        n = stats.binomial_exceeds_sample_size(p, self.alpha, self._power, against, limit)
        if n is None:
            raise PlanError(
                f"claim {self.claim.id}, plan {self.name!r}: {limit} trials cannot detect a success "
                f"probability {against:g} against {p:g}"
            )
        return n

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "per_example": self.per_example, "runs": self.runs,
            "instances": self.instances, "executions": self.executions, "alpha": self.alpha,
            "power": self.power,
        }  # fmt: skip


@dataclass(eq=False)
class Claim:
    """One statement about initialization, as its source makes it and as winit checks it.

    Args:
        id: unique id, e.g. ``"ZERO-RELU"``.
        group: the report section (one of :data:`GROUPS`).
        title: one line.
        source: the citation (authors, title, section); no file paths.
        quote: the source's own words.
        statement: the precise version that is tested. Numbers that are part of the claim
            come from named constants; numbers the run measures never appear here.
        domain: what hypothesis draws and the fixed cases.
        expected: ``"holds"``, or ``"refuted-as-stated"`` where the source overstates and
            ``statement`` is the true version next to it.
        lead: one or two plain sentences saying what the reader should see in the main plot.
        statistics: how it is checked, in words (alpha, power and N come from the checks).
        main_plot: the name of the report panel (series ``group``) that carries the point.
    """

    id: str
    group: str
    title: str
    source: str
    quote: str
    statement: str
    domain: str
    expected: Verdict
    lead: str
    statistics: str = ""
    main_plot: str | None = None
    plans: list[Plan] = field(default_factory=list, init=False, repr=False)
    _frozen: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.expected not in EXPECTED_VERDICTS:
            raise ValueError(
                f"claim {self.id}: expected must be one of {EXPECTED_VERDICTS}, "
                f"got {self.expected!r}"
            )
        if self.group not in GROUPS:
            raise ValueError(f"claim {self.id}: group must be one of {GROUPS}, got {self.group!r}")

    def plan(
        self,
        name: str,
        *,
        per_example: int | None = None,
        runs: int | None = None,
        instances: int = 1,
        power: float | None = POWER,
        alpha: float | None = None,
    ) -> Plan:
        """Declare a statistical check: ``per_example`` times per hypothesis example of each of
        ``instances`` parametrized tests, or ``runs`` times per run of a fixed-seed test.
        ``power`` is the least power its checks must compute against their named error (None:
        no requirement, e.g. a check whose power is reported against an alternative it cannot
        be sized for); ``alpha`` fixes its level instead of taking an equal share."""
        if (per_example is None) == (runs is None):
            raise ValueError(
                f"claim {self.id}, plan {name!r}: give exactly one of per_example, runs"
            )
        counts = [c for c in (per_example, runs, instances) if c is not None]
        if any(isinstance(c, bool) or not isinstance(c, int) or c < 1 for c in counts):
            raise ValueError(f"claim {self.id}, plan {name!r}: counts must be positive ints")
        if self._frozen:
            raise PlanError(
                f"claim {self.id}: plan {name!r} declared after an alpha was used; declare "
                "every plan at import, beside the claim"
            )
        if any(p.name == name for p in self.plans):
            raise ValueError(f"claim {self.id}: plan {name!r} declared twice")
        made = Plan(self, name, per_example, runs, instances, power, alpha)
        self.plans.append(made)
        return made

    def alpha_of(self, plan: Plan) -> float:
        """A plan's per-execution alpha: its fixed alpha, or an equal share of what the fixed
        ones leave of the run budget, divided by its executions."""
        self._frozen = True
        if plan.fixed_alpha is not None:
            return plan.fixed_alpha
        fixed = sum(p.fixed_alpha * p.executions for p in self.plans if p.fixed_alpha is not None)
        shared = [p for p in self.plans if p.fixed_alpha is None]
        return max(0.0, RUN_ALPHA - fixed) / len(shared) / plan.executions

    def worst_case_alpha(self) -> float:
        """The probability bound (Bonferroni) that a correct core fails one run of this claim:
        Σ over its plans of alpha × executions, under the thorough profile."""
        return sum(p.alpha * p.executions for p in self.plans)

    def check_budget(self) -> None:
        """Raise :class:`PlanError` when the claim's worst case exceeds the run budget."""
        worst = self.worst_case_alpha()
        if worst > RUN_ALPHA * (1.0 + 1e-9):
            raise PlanError(
                f"claim {self.id} is over its false-alarm budget: its plans sum to {worst:.3g} per "
                f"run under the thorough profile, more than {RUN_ALPHA:g} ("
                + ", ".join(f"{p.name}: {p.alpha:.3g} x {p.executions}" for p in self.plans)
                + ")"
            )

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "group": self.group, "title": self.title, "source": self.source,
            "quote": self.quote, "statement": self.statement, "domain": self.domain,
            "expected": self.expected, "lead": self.lead, "statistics": self.statistics,
            "main_plot": self.main_plot,
            "budget": {"alpha": self.worst_case_alpha(), "limit": RUN_ALPHA,
                       "plans": [p.as_dict() for p in self.plans]},
        }  # fmt: skip
