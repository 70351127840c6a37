"""The false-alarm budget as code: a claim's plans split RUN_ALPHA, an over-budget claim and a
check over its plan are refused, and every check a claim records names its plan."""

from __future__ import annotations

import numpy as np
import pytest

from winit import stats
from winit.claims import Claim, Evidence, PlanError
from winit.claims.record import THOROUGH_EXAMPLES
from winit.stats import NORMAL_KURTOSIS, POWER, RUN_ALPHA, mean_check, variance_check


def claim(cid: str = "T-CLAIM") -> Claim:
    return Claim(id=cid, group="Beyond the article", title="t", source="s", quote="q",
                 statement="s", domain="d", expected="holds", lead="l")  # fmt: skip


def test_the_plans_split_the_run_budget_exactly() -> None:
    c = claim()
    drawn = c.plan("drawn", per_example=3, instances=2)
    fixed = c.plan("fixed", runs=4)
    assert drawn.executions == 3 * 2 * THOROUGH_EXAMPLES and fixed.executions == 4
    assert drawn.alpha * drawn.executions == pytest.approx(RUN_ALPHA / 2)
    assert fixed.alpha * fixed.executions == pytest.approx(RUN_ALPHA / 2)
    assert c.worst_case_alpha() == pytest.approx(RUN_ALPHA)
    c.check_budget()


def test_a_claim_whose_fixed_alphas_exceed_the_budget_is_refused() -> None:
    c = claim("T-GREEDY")
    c.plan("generous", per_example=1, alpha=1e-3)
    with pytest.raises(PlanError, match="claim T-GREEDY is over its false-alarm budget"):
        c.check_budget()


def test_plans_are_declared_before_any_alpha_is_used() -> None:
    c = claim()
    first = c.plan("first", runs=1)
    assert first.alpha > 0
    with pytest.raises(PlanError, match="declared after an alpha was used"):
        c.plan("late", runs=1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({}, "exactly one of per_example, runs"), ({"runs": 1, "per_example": 1}, "exactly one"),
     ({"runs": 0}, "positive ints"), ({"per_example": 1, "instances": True}, "positive ints")],
)  # fmt: skip
def test_a_plan_names_how_often_it_runs(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        claim().plan("p", **kwargs)


def test_a_check_over_its_planned_alpha_is_refused() -> None:
    c = claim()
    plan = c.plan("mean", runs=1)
    x = np.random.default_rng(0).standard_normal(10_000)
    with pytest.raises(PlanError, match="more than planned"):
        Evidence(c).check(mean_check("mean", x, 0.0, 1.0, 10 * plan.alpha, against=0.5), plan)


def test_a_check_under_its_planned_power_is_refused() -> None:
    c = claim()
    plan = c.plan("mean", runs=1)
    x = np.random.default_rng(0).standard_normal(10)
    with pytest.raises(PlanError, match=r"below the planned 0\.999"):
        Evidence(c).check(mean_check("mean", x, 0.0, 1.0, plan.alpha, against=0.5), plan)


def test_a_check_run_more_often_than_planned_is_refused() -> None:
    c = claim()
    plan = c.plan("variance", runs=1)
    x = np.random.default_rng(1).standard_normal(plan.variance_draws(2.0, kurtosis=3.0))
    ev = Evidence(c)
    ev.test(plan, variance_check, "v", x, 1.0, kurtosis=NORMAL_KURTOSIS)
    with pytest.raises(PlanError, match="ran 2 times in one run; planned 1"):
        ev.test(plan, variance_check, "v", x, 1.0, kurtosis=NORMAL_KURTOSIS)


def test_a_statistical_check_without_a_plan_is_refused() -> None:
    x = np.random.default_rng(0).standard_normal(1000)
    with pytest.raises(PlanError, match="no plan"):
        Evidence(claim()).check(mean_check("mean", x, 0.0, 1.0, 1e-9, against=0.5))


def test_another_claims_plan_is_refused() -> None:
    mine, other = claim("T-MINE"), claim("T-OTHER")
    plan = other.plan("mean", runs=1)
    x = np.random.default_rng(0).standard_normal(100_000)
    with pytest.raises(PlanError, match="belongs to claim T-OTHER"):
        Evidence(mine).check(mean_check("mean", x, 0.0, 1.0, plan.alpha, against=0.5), plan)


def test_every_check_reports_its_minimum_detectable_effect() -> None:
    x = np.random.default_rng(2).standard_normal(20_000)
    v = variance_check("v", x, 1.0, 1e-9, kurtosis=NORMAL_KURTOSIS)
    assert v.mde is not None and 1.0 < v.mde < 1.2 and v.mde_of == "variance ratio"
    assert v.n == 20_000
    m = mean_check("m", x, 0.0, 1.0, 1e-9, against=0.1)
    assert m.mde == pytest.approx((6.109 + 3.090) / np.sqrt(20_000), rel=1e-3)


def test_a_plan_used_by_more_tests_than_declared_fails_its_claim() -> None:
    """Each test counts its own executions; how many tests share a plan only the collected
    results show, and a plan declared for one test but run by two fails the claim."""
    from winit.claims.collect import TestRecord, claim_result

    c = claim("T-SHARED")
    plan = c.plan("mean", runs=1)
    records = []
    for i in range(2):
        ev = Evidence(c)
        x = np.random.default_rng(i).standard_normal(100_000)
        ev.check(mean_check("mean", x, 0.0, 1.0, plan.alpha, against=0.5), plan)
        records.append(TestRecord(f"t.py::test_{i}", c.id, evidence=ev.as_dict()))
    result = claim_result({"position": 0, **c.as_dict()}, records)
    assert result["observed"] == "fails"
    assert "'mean' by 2 tests (declared 1)" in result["failure"]["message"]
    assert claim_result({"position": 0, **c.as_dict()}, records[:1])["observed"] == "holds"


def test_a_plan_sizes_each_test_for_its_named_error_at_its_own_alpha() -> None:
    c = claim()
    plan = c.plan("p", runs=1)
    assert plan.variance_draws(2.0, kurtosis=1.8) == stats.variance_sample_size(
        2.0, plan.alpha, POWER, 1.8
    )
    assert plan.ks_draws(0.05) == stats.ks_sample_size(plan.alpha, POWER, 0.05)
    assert plan.z_draws(0.1, 1.0) == stats.z_sample_size(0.1, 1.0, plan.alpha)
    assert plan.z_detectable() == stats.z_detectable(plan.alpha)
    n = plan.binomial_exceeds_trials(0.5, 0.95, 1000)
    assert n == stats.binomial_exceeds_sample_size(0.5, plan.alpha, POWER, 0.95, 1000)


def test_a_plan_that_cannot_reach_its_power_within_the_limit_is_refused() -> None:
    plan = claim("T-SMALL").plan("wins", runs=1)
    with pytest.raises(PlanError, match="T-SMALL, plan 'wins': 5 trials cannot detect"):
        plan.binomial_exceeds_trials(0.5, 0.95, 5)


def test_a_plan_without_a_power_cannot_size_a_sample() -> None:
    plan = claim().plan("reported", runs=1, power=None)
    with pytest.raises(PlanError, match="requires no power, so it cannot size a sample"):
        plan.variance_draws(2.0, kurtosis=NORMAL_KURTOSIS)


def test_evidence_test_builds_the_check_at_the_plans_alpha_and_records_it() -> None:
    c = claim()
    plan = c.plan("mean", runs=1)
    x = np.random.default_rng(3).standard_normal(100_000)
    ev = Evidence(c)
    check = ev.test(plan, mean_check, "mean", x, 0.0, 1.0, against=0.1)
    assert check == mean_check("mean", x, 0.0, 1.0, plan.alpha, against=0.1)
    assert ev.checks["mean"] is check and ev.plans["mean"] is plan


def test_a_plans_alpha_per_example_spends_its_executions_of_one_example() -> None:
    c = claim()
    drawn, fixed = c.plan("drawn", per_example=3), c.plan("fixed", runs=2)
    assert drawn.example_alpha == pytest.approx(3 * drawn.alpha)
    with pytest.raises(PlanError, match="runs per run, not per example"):
        _ = fixed.example_alpha


def test_a_variance_check_on_data_not_declared_normal_is_refused_without_a_kurtosis() -> None:
    c = claim()
    plan = c.plan("v", runs=1)
    x = np.random.default_rng(4).uniform(-1.0, 1.0, 1000)
    with pytest.raises(ValueError, match="give the data's kurtosis"):
        Evidence(c).test(plan, variance_check, "Var(w)", x, 1.0 / 3.0)
