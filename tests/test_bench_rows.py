"""The bench's goals table rows (benchmarks.initializers.Row): both ratios from the same rounds,
the goals beside them, met only when every measured goal is, and a reason naming the miss, its
bound and the floor's ratio to torch; a goal whose measurement is missing is said so, not met."""

from __future__ import annotations

import json

import pytest

from benchmarks.initializers import CASES, Row, _figures
from benchmarks.timing import Samples

CASE = {c.name: c for c in CASES}
SHAPE = (512, 256, 3, 3)  # the bench's conv shape: its extra memory is measured for real


def _row(name: str, seconds: dict[str, list[float]]) -> Row:
    samples = {k: Samples(v) for k, v in seconds.items()}
    return _figures(CASE[name], SHAPE, "float32", samples)[1]


def test_met_row_has_both_ratios_and_no_reason() -> None:
    row = _row("glorot_uniform", {"winit": [1.0, 1.0, 1.0], "limit": [1.0, 0.95, 1.0], "torch": [2.0, 2.0, 2.0]})  # fmt: skip
    assert row.ratio_torch == pytest.approx(0.5)
    assert row.ratio_rng == pytest.approx(1.0)
    assert row.goal == {"ratio_torch": 1.0, "ratio_rng": 1.1, "extra_memory": 0.05}
    assert row.met is True
    assert row.reason == ""
    assert row.floor == {"what": "the bare rng.random", "ratio_torch": pytest.approx(0.5)}
    assert json.loads(json.dumps(row.as_dict()))["shape"] == list(SHAPE)


def test_missed_ratio_names_the_goal_the_bound_and_the_floor() -> None:
    row = _row("glorot_normal", {"winit": [3.0] * 3, "limit": [6.0] * 3, "uniforms": [1.5] * 3, "torch": [2.0] * 3})  # fmt: skip
    assert row.met is False
    assert row.reason.startswith("ratio_torch 1.5 > 1: bounded by float32: numpy's float32 uniforms")  # fmt: skip
    assert row.reason.endswith("the float32 uniforms (rng.random) alone: 0.75x torch's time")
    assert row.spread == {"ratio_torch": 0.0, "ratio_rng": 0.0}


def test_a_goal_without_its_measurement_is_reported() -> None:
    row = _row("uniform(-0.05, 0.05)", {"winit": [1.0] * 3, "limit": [1.0] * 3})
    assert row.ratio_torch is None
    assert row.met is True  # the goals that were measured are met
    assert row.reason == "ratio_torch not measured here (torch not timed)"


def test_memory_alone_decides_when_no_ratio_goal_is_measured() -> None:
    row = _row("normal(0.1, 0.02)", {"winit": [1.0] * 3, "limit": [2.0] * 3})
    assert row.goal["ratio_rng"] is None
    assert row.met is True  # its memory goal (5 %) is measured and met
