"""Shards of the heavy runs (tools/shards.py): each item goes to exactly one shard, and the
results of property-file shards merge into the run that ran them all, refusing shards of
different code or a claim run twice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.report_fixture import fixture_json
from tools import shards
from winit.atomic import ReportError
from winit.claims.schema import dumps

#: The fixture's claims as two shards would have run them (its tests are all in p/t.py).
SPLIT = ([0, 2, 4], [1, 3])


def _shard(whole: dict[str, Any], picked: list[int], path: Path) -> Path:
    """The results a shard that ran the claims ``picked`` of ``whole`` writes (named files: a
    partial run)."""
    claims = [whole["claims"][i] for i in picked]
    run = whole["run"] | {"selection": whole["run"]["selection"] | {"partial": True}}
    path.write_text(dumps(whole | {"run": run, "claims": claims}), encoding="utf-8")
    return path


def test_every_item_goes_to_exactly_one_shard() -> None:
    taken = [k for i in range(1, 4) for k in shards.Shard(i, 3).numbers(10)]
    assert sorted(taken) == list(range(10))


def test_two_shards_merged_give_the_run_that_ran_them_all(tmp_path: Path) -> None:
    whole = json.loads(dumps(fixture_json()))
    paths = [_shard(whole, p, tmp_path / f"{i}.json") for i, p in enumerate(SPLIT)]
    merged = shards.merge_results(paths, every={"p/t.py"})
    assert merged["claims"] == whole["claims"]
    assert merged["summary"] == whole["summary"]
    assert merged["run"]["exitstatus"] == whole["run"]["exitstatus"]
    assert merged["run"]["selection"]["partial"] is False


def test_a_property_file_no_shard_ran_makes_the_merge_partial(tmp_path: Path) -> None:
    whole = json.loads(dumps(fixture_json()))
    paths = [_shard(whole, p, tmp_path / f"{i}.json") for i, p in enumerate(SPLIT)]
    merged = shards.merge_results(paths, every={"p/t.py", "p/other.py"})
    assert merged["run"]["selection"]["partial"] is True


def test_shards_of_different_code_are_refused(tmp_path: Path) -> None:
    whole = json.loads(dumps(fixture_json()))
    one = _shard(whole, SPLIT[0], tmp_path / "one.json")
    other = whole | {"run": whole["run"] | {"git_commit": "1" * 40}}
    two = _shard(other, SPLIT[1], tmp_path / "two.json")
    with pytest.raises(ReportError, match=f"shards of different code: git_commit 1+ in {two}"):
        shards.merge_results([one, two], every={"p/t.py"})


def test_a_claim_run_by_two_shards_is_refused(tmp_path: Path) -> None:
    whole = json.loads(dumps(fixture_json()))
    one = _shard(whole, [0, 1], tmp_path / "one.json")
    two = _shard(whole, [1, 2], tmp_path / "two.json")
    with pytest.raises(ReportError, match="overlapping shards: claim FX-REFUTED ran in"):
        shards.merge_results([one, two], every={"p/t.py"})


def test_the_property_files_are_shared_out_in_name_order() -> None:
    every = shards.property_files(shards.ROOT, shards.Shard())
    parts = [shards.property_files(shards.ROOT, shards.Shard(i, 3)) for i in (1, 2, 3)]
    assert sorted(f for part in parts for f in part) == every
    assert parts[0][0] == every[0] and parts[1][0] == every[1]
