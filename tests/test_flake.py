"""The flake session's bookkeeping (tools/flake.py), with the property suite's runs stubbed out:
every run is logged as it ends, and a measurement resumes on the same code only."""

from __future__ import annotations

import json
import secrets
import subprocess
from dataclasses import asdict
from pathlib import Path

import pytest

from tests.cli import usage_error
from tests.report_fixture import write_fixture
from tests.report_page import rendered
from tools import flake


def _stub_runs(monkeypatch: pytest.MonkeyPatch, failing_seed: int | None = None) -> list[int]:
    """Replace the property suite's run by one that records its thread count and passes every
    claim (except at ``failing_seed``); returns the thread counts the runs were given."""
    threads_given: list[int] = []

    def run_once(
        seed: int,
        results: Path,
        workers: int,
        threads: int,
        current: str,
        only: list[str],
        shard: str = "",
    ) -> flake.Run:
        threads_given.append(threads)
        verdict = "fails" if seed == failing_seed else "holds"
        return flake.Run(current, seed, threads, {"A": verdict, "B": "holds"}, 0.0, only, shard)

    monkeypatch.setattr(flake, "run_once", run_once)
    return threads_given


@pytest.fixture
def threads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The thread counts the stubbed runs were given."""
    return _stub_runs(monkeypatch)


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return tmp_path / "log.jsonl"


def test_every_run_is_logged_with_the_fingerprint_of_the_code(
    threads: list[int], log: Path
) -> None:
    assert flake.main(["4", "--log", str(log), "--jobs", "2"]) == 0
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(lines) == 4
    assert {line["fingerprint"] for line in lines} == {flake.fingerprint()}
    assert sorted(threads) == [1, 1, 2, 2]


def test_a_second_sitting_only_adds_the_missing_runs(threads: list[int], log: Path) -> None:
    flake.main(["3", "--log", str(log)])
    flake.main(["5", "--log", str(log)])
    assert len(threads) == 5
    assert threads == [1, 2, 1, 2, 1]  # the alternation goes on across sittings


def test_runs_of_other_code_are_not_counted(threads: list[int], log: Path) -> None:
    other = flake.Run("0" * 12, 1, 1, {"A": "fails"}, 1.0)
    log.write_text(json.dumps(asdict(other)) + "\n")
    assert flake.main(["2", "--log", str(log)]) == 0  # the other code's failure is not counted
    assert len(threads) == 2


def test_runs_of_some_property_files_are_counted_apart_from_whole_suite_runs(
    threads: list[int], log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flake.main(["2", "--log", str(log)])
    only = ["--only", "properties/test_zero_init.py", "properties/test_balance.py"]
    flake.main(["3", "--log", str(log), *only])
    flake.main(["3", "--log", str(log), "--only", *reversed(only[1:])])
    assert len(threads) == 2 + 3  # the second selection is the first one: it resumes
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [line["only"] for line in lines] == [[]] * 2 + [sorted(only[1:])] * 3
    assert "property files: properties/test_balance.py, properties/test_zero_init.py" in (
        capsys.readouterr().out
    )


def test_a_run_of_some_files_runs_them_and_counts_only_their_claims(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    results, commands = tmp_path / "run.json", []

    def pytest_run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        commands.append(command)  # and the results the plugin writes for a run of some files
        claims = [{"id": "A", "observed": "holds"}, {"id": "B", "observed": "not-run"}]
        results.with_suffix(".partial.json").write_text(json.dumps({"claims": claims}))
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(subprocess, "run", pytest_run)
    run = flake.run_once(1, results, 1, 1, "f", ["properties/test_zero_init.py"])
    assert commands[0][3] == "properties/test_zero_init.py" and "properties" not in commands[0]
    assert run.verdicts == {"A": "holds"} and run.only == ["properties/test_zero_init.py"]


def test_a_failing_run_fails_the_session_and_names_its_seed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(secrets, "randbits", lambda bits: 7)
    _stub_runs(monkeypatch, failing_seed=7)
    assert flake.main(["1", "--log", str(tmp_path / "log.jsonl")]) == 1
    out = capsys.readouterr().out
    assert "A                                 1  (7)" in out
    assert "flake: 1 claim failures in 1 runs of 2 claims" in out


def test_the_fingerprint_changes_with_the_code_under_test_only(tmp_path: Path) -> None:
    for folder in flake.UNDER_TEST:
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "m.py").write_text("x = 1\n")
    (tmp_path / "conftest.py").write_text("")
    (tmp_path / "pyproject.toml").write_text('[project]\ndependencies = ["numpy"]\n')
    before = flake.fingerprint(tmp_path)
    for skipped in flake.NOT_UNDER_TEST:
        (tmp_path / skipped).mkdir()
        (tmp_path / skipped / "m.py").write_text("y = 1\n")
    with (tmp_path / "pyproject.toml").open("a") as project:
        project.write('[project.optional-dependencies]\ntorch = ["torch"]\n')
    assert flake.fingerprint(tmp_path) == before  # no property run imports or installs them
    (tmp_path / "properties" / "m.py").write_text("x = 2\n")
    assert flake.fingerprint(tmp_path) != before


def test_files_run_alone_are_fingerprinted_without_the_other_test_files(tmp_path: Path) -> None:
    for folder in flake.UNDER_TEST:
        (tmp_path / folder).mkdir()
    (tmp_path / "conftest.py").write_text("")
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "properties" / "test_a.py").write_text("x = 1\n")
    only = ["properties/test_a.py"]
    before = flake.fingerprint(tmp_path, only)
    (tmp_path / "properties" / "test_b.py").write_text("y = 1\n")
    assert flake.fingerprint(tmp_path, only) == before
    (tmp_path / "properties" / "layers.py").write_text("z = 1\n")  # a helper any file may import
    assert flake.fingerprint(tmp_path, only) != before


def test_a_dependency_of_the_property_run_changes_the_fingerprint(tmp_path: Path) -> None:
    for folder in flake.UNDER_TEST:
        (tmp_path / folder).mkdir()
    (tmp_path / "conftest.py").write_text("")
    (tmp_path / "pyproject.toml").write_text('[project]\ndependencies = ["numpy"]\n')
    before = flake.fingerprint(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\ndependencies = ["numpy<2"]\n')
    assert flake.fingerprint(tmp_path) != before


def test_the_report_shows_the_tally_of_the_logged_runs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(secrets, "randbits", lambda bits: 7)
    _stub_runs(monkeypatch, failing_seed=7)
    results = write_fixture(tmp_path / "reports")
    tally = results.parent / "flake.json"
    flake.main(["2", "--log", str(tmp_path / "log.jsonl"), "--json", str(tally)])
    page, html = rendered(results)
    assert page.find("section", id="flake-rate")
    for text in ("False alarms on fresh seeds", "2 in 2 runs of 2 claims", "2 of 2", "A 7"):
        assert text in html


def _tally(path: Path) -> dict[str, object]:
    """A flake.json without the time it was written."""
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    del data["updated"]
    return data


def test_a_shard_runs_its_share_of_the_run_numbers_with_their_seeds_and_threads(
    threads: list[int], log: Path
) -> None:
    assert flake.main(["7", "--shard", "2/3", "--seed", "5", "--log", str(log)]) == 0
    runs = flake.read_log(log)
    assert [r.seed for r in runs] == [5 + 1, 5 + 4]  # run numbers 1 and 4 of 0..6
    assert [r.blas_threads for r in runs] == [2, 1]  # as run 1 and run 4 of an unsharded run
    assert {r.shard for r in runs} == {"2/3"}


def test_two_shards_merged_give_the_tally_of_one_unsharded_run_over_the_same_seeds(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _stub_runs(monkeypatch, failing_seed=5 + 2)
    seeds = ["--seed", "5"]
    whole, one, two = (tmp_path / f"{name}.jsonl" for name in ("whole", "one", "two"))
    assert (
        flake.main(["6", *seeds, "--log", str(whole), "--json", str(tmp_path / "whole.json")]) == 1
    )
    flake.main(["6", *seeds, "--shard", "1/2", "--log", str(one)])
    flake.main(["6", *seeds, "--shard", "2/2", "--log", str(two)])
    merged = tmp_path / "merged.json"
    assert flake.main(["6", "--merge", str(one), str(two), "--json", str(merged)]) == 1
    assert _tally(merged) == _tally(tmp_path / "whole.json")
    assert sorted(r.seed for r in flake.merged([one, two])) == list(range(5, 11))


def test_merging_refuses_shards_of_different_code(
    threads: list[int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    flake.main(["4", "--seed", "5", "--shard", "1/2", "--log", str(one)])
    other = flake.Run("0" * 12, 6, 2, {"A": "holds"}, 1.0, [], "2/2")
    two.write_text(json.dumps(asdict(other)) + "\n")
    error = usage_error(flake.main, ["4", "--merge", str(one), str(two)], capsys)
    assert f"shards of different code: fingerprint {'0' * 12} in {two}" in error


def test_merging_refuses_overlapping_shards(
    threads: list[int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one, again = tmp_path / "one.jsonl", tmp_path / "again.jsonl"
    for log in (one, again):  # the same shard of the same seeds, twice
        flake.main(["4", "--seed", "5", "--shard", "1/2", "--log", str(log)])
    error = usage_error(flake.main, ["4", "--merge", str(one), str(again)], capsys)
    assert f"overlapping shards: seed 5 is in {one} and {again}" in error


def test_the_merge_computes_the_matrix_wall_time_from_the_measured_runs(
    threads: list[int], log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flake.main(["6", "--seed", "5", "--shard", "1/3", "--log", str(log)])  # 2 runs of 0 s
    capsys.readouterr()
    flake.main(["200", "--merge", str(log), "--matrix", "20", "--jobs", "2"])
    assert "200 runs over 20 shards, 2 at a time: 5 rounds x 0s" in capsys.readouterr().out
