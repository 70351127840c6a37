"""The mutation score's bookkeeping (tools/mutants.py): mutmut's per-module counts, the merged
score file nox -s mutants writes, and the report section that shows it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli import usage_error
from tests.report_fixture import write_fixture
from tests.report_page import rendered
from tools import mutants


def write_meta(folder: Path, module: str, codes: list[int]) -> None:
    meta = folder / f"{module}.meta"
    meta.parent.mkdir(parents=True, exist_ok=True)
    by_key = {f"{module}.x_f__mutmut_{i}": c for i, c in enumerate(codes)}
    meta.write_text(json.dumps({"exit_code_by_key": by_key}), encoding="utf-8")


def test_mutmut_scores_count_kills_survivors_and_the_rest(tmp_path: Path) -> None:
    # mutmut 3's codes: 1 failed tests and 3 pytest internal error are kills, 0 a survivor,
    # 33 no tests, 36 timeout.
    write_meta(tmp_path, "winit/fans.py", [1, 1, 3])
    write_meta(tmp_path, "winit/mlp.py", [1, 0, 0, 33, 36])
    fans, mlp = mutants.mutmut_scores(tmp_path)
    assert (fans["mutants"], fans["score"], fans["survivors"]) == (
        "mutmut: winit/fans.py",
        "3/3",
        "none",
    )
    assert (mlp["killed"], mlp["total"], mlp["other"]) == (1, 5, 2)
    assert mlp["survivors"].startswith("2: ")


def test_scores_merge_by_mutants_and_target(tmp_path: Path) -> None:
    path = tmp_path / "reports" / "mutants.json"
    mutants.record(
        path, [mutants.score_row("catalogue", "properties", 11, 12, ["relu-derivative"])]
    )
    mutants.record(path, [mutants.score_row("catalogue", "tests + properties", 12, 12, [])])
    mutants.record(path, [mutants.score_row("catalogue", "properties", 12, 12, [])])
    rows = json.loads(path.read_text(encoding="utf-8"))["scores"]
    assert [(r["run against"], r["score"]) for r in rows] == [
        ("tests + properties", "12/12"),
        ("properties", "12/12"),
    ]
    assert all(r["commit"] for r in rows)  # the commit the score belongs to
    assert [p.name for p in path.parent.iterdir()] == ["mutants.json"]  # no temp file left


def test_a_foreign_score_file_is_one_line_error_and_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "mutants.json"
    path.write_text("{truncated", encoding="utf-8")
    write_meta(tmp_path / "mutants", "winit/fans.py", [1])
    monkeypatch.setattr(mutants, "ROOT", tmp_path)
    assert mutants.main(["--mutmut-scores", "--json", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "not a mutation-score file" in err
    assert path.read_text(encoding="utf-8") == "{truncated"


def test_no_mutmut_run_is_an_error_not_an_empty_score(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mutants, "ROOT", tmp_path)
    assert mutants.main(["--mutmut-scores"]) == 2
    assert "run `mutmut run` first" in capsys.readouterr().err


def test_unknown_mutant_name_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        mutants.main(["variance-3x"])
    assert exit_.value.code == 2
    assert "unknown mutant(s) variance-3x; known: variance-2x" in capsys.readouterr().err


def test_the_report_shows_the_score(tmp_path: Path) -> None:
    results = write_fixture(tmp_path / "reports")
    write_meta(tmp_path / "mutants", "winit/fans.py", [1, 1, 0])
    mutants.record(results.parent / "mutants.json", mutants.mutmut_scores(tmp_path / "mutants"))
    page, html = rendered(results)
    assert page.find("section", id="mutation-score")
    for text in ("Mutation score", "mutmut: winit/fans.py", "2/3", "1: `mutmut results`"):
        assert text in html


def test_a_file_where_the_reports_folder_should_be(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "reports").write_text("not a folder", encoding="utf-8")
    write_meta(tmp_path / "mutants", "winit/fans.py", [1])
    monkeypatch.setattr(mutants, "ROOT", tmp_path)
    assert mutants.main(["--mutmut-scores", "--json", str(tmp_path / "reports" / "m.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write") and err.count("\n") == 1


@pytest.fixture
def stubbed_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Catalogue runs stubbed: every mutant is killed but ``gain-missing``; returns the mutants
    run."""
    ran: list[str] = []

    def run_suite(mutant: mutants.Mutant, targets: list[str], *extra: str) -> tuple[bool, float]:
        ran.append(mutant.name)
        return mutant.name != "gain-missing", 0.0

    monkeypatch.setattr(mutants, "run_suite", run_suite)
    return ran


def _rows(path: Path) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = json.loads(path.read_text(encoding="utf-8"))["scores"]
    return rows


def test_two_catalogue_shards_merged_give_the_score_of_one_whole_run(
    stubbed_runs: list[str], tmp_path: Path
) -> None:
    whole, one, two, merged = (tmp_path / f"{n}.json" for n in ("whole", "one", "two", "merged"))
    mutants.main(["--json", str(whole)])
    mutants.main(["--shard", "1/2", "--json", str(one)])
    mutants.main(["--shard", "2/2", "--json", str(two)])
    assert sorted(stubbed_runs) == sorted(2 * [m.name for m in mutants.CATALOGUE])
    assert mutants.main(["--merge", str(one), str(two), "--json", str(merged)]) == 1
    assert _rows(merged) == _rows(whole)
    assert _rows(merged)[0]["survivors"] == "gain-missing"


def test_merging_refuses_catalogue_shards_of_different_commits(
    stubbed_runs: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    mutants.main(["--shard", "1/2", "--json", str(one)])
    mutants.main(["--shard", "2/2", "--json", str(two)])
    data = json.loads(two.read_text(encoding="utf-8"))
    data["scores"][0]["commit"] = "0000000"
    two.write_text(json.dumps(data), encoding="utf-8")
    error = usage_error(mutants.main, ["--merge", str(one), str(two)], capsys)
    assert f"shards of different code: commit 0000000 in {two}" in error


def test_merging_refuses_overlapping_catalogue_shards(
    stubbed_runs: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one, again = tmp_path / "one.json", tmp_path / "again.json"
    for path in (one, again):
        mutants.main(["--shard", "1/2", "--json", str(path)])
    error = usage_error(mutants.main, ["--merge", str(one), str(again)], capsys)
    assert "overlapping shards: mutant variance-2x against properties" in error
