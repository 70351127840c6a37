"""Bad input at the user-facing entry points, beyond what test_report_render, test_verify_cli and
test_verify already cover: each is one line on stderr without a traceback and a non-zero exit,
and a failed ``winit report`` leaves the previous page byte-identical."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

import winit.atomic
import winit.report.render
from tests.report_fixture import write_fixture
from winit.__main__ import main
from winit.claims.schema import NONFINITE

HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
PREVIOUS = "<!doctype html><p>previous good report — ✓</p>\n".encode()
#: Fields whose value is one of a fixed set (changing them is a different, validated error).
ENUMS = {"schema", "expected", "observed", "outcome", "scale"}


def one_line_error(capsys: pytest.CaptureFixture[str], starts: str) -> str:
    err = capsys.readouterr().err
    assert err.startswith(starts)
    assert err.count("\n") == 1
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "winit: missing command; known: report, verify"),
        (["frobnicate"], "winit: unknown command 'frobnicate'"),
        (["report", "--results", "no/such/results.json"], "winit report: no/such/results.json: not found"),
        (["verify", "no_such_module_xyz:f", "--law", "normal"], "winit verify: error: cannot import"),
    ],
)  # fmt: skip
def test_the_installed_entry_point_fails_in_one_line(argv: list[str], message: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "winit", *argv], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert done.stderr.startswith(message)
    assert done.stderr.count("\n") == 1


# --- winit report ---------------------------------------------------------------------------


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    """A reports/ folder with valid results.json and a previous index.html."""
    results = write_fixture(tmp_path / "reports")
    (results.parent / "index.html").write_bytes(PREVIOUS)
    return results.parent


def report(folder: Path) -> int:
    return main(["report", "--results", str(folder / "results.json"), "--out",
                 str(folder / "index.html")])  # fmt: skip


def untouched(folder: Path) -> bool:
    """The previous page is byte-identical and no temporary file was left beside it."""
    return (folder / "index.html").read_bytes() == PREVIOUS and not list(folder.glob(".*.tmp"))


def hostile(value: Any, key: str = "") -> Any:
    """``value`` with HTML appended to every free-text string, series and number names included."""
    if isinstance(value, dict):
        rename = key in ("series", "numbers")
        return {(k + HOSTILE if rename else k): hostile(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [hostile(v, key) for v in value]
    if isinstance(value, str) and key not in ENUMS and value not in NONFINITE:
        return value + HOSTILE
    return value


# The hostile names make legends wider than the figure; matplotlib says so and draws them anyway.
@pytest.mark.filterwarnings("ignore:constrained_layout not applied:UserWarning")
def test_hand_edited_html_in_every_string_is_escaped(
    reports: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = reports / "results.json"
    results.write_text(json.dumps(hostile(json.loads(results.read_text()))), encoding="utf-8")
    assert report(reports) == 0
    html = (reports / "index.html").read_text(encoding="utf-8")
    assert "<script" not in html
    assert "<img src=x" not in html
    assert html.count("&lt;script&gt;alert(1)") > 10


def test_read_only_reports_folder(
    reports: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Simulated (the suite may run as root, for whom a read-only folder is writable): creating
    the temporary file beside index.html is refused."""

    def refused(**kw: Any) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied", kw.get("dir"))

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    assert report(reports) == 2
    assert "Permission denied" in one_line_error(capsys, f"winit report: cannot write {reports}")
    assert untouched(reports)


def test_disk_full_mid_write(
    reports: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    assert report(reports) == 2
    assert "No space left on device" in one_line_error(capsys, "winit report: cannot write")
    assert untouched(reports)


@pytest.mark.parametrize("interruption", [RuntimeError("plotting crashed"), KeyboardInterrupt()])
def test_interrupted_render_keeps_the_previous_page(
    reports: Path, monkeypatch: pytest.MonkeyPatch, interruption: BaseException
) -> None:
    """An exception in the middle of rendering (a bug: exit 3, or Ctrl-C: exit 130) is one
    line; nothing is written."""

    def interrupted(series: Any) -> Any:
        raise interruption

    monkeypatch.setattr(winit.report.render, "panels", interrupted)
    assert report(reports) == (130 if isinstance(interruption, KeyboardInterrupt) else 3)
    assert untouched(reports)


def test_results_path_is_a_folder(reports: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--results", str(reports), "--out", str(reports / "index.html")]) == 2
    one_line_error(capsys, f"winit report: {reports}: cannot read")
    assert untouched(reports)


# --- winit verify ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["winit:normal", "--law", "normal", "--param", "std=nan"], "std must be finite, got nan"),
        (["winit:normal", "--law", "normal", "--param", "mean=-inf"], "mean must be finite, got -inf"),
        (["winit:uniform", "--law", "uniform", "--param", "a=nan"], "a must be finite, got nan"),
        (["winit:he_normal", "--law", "he_normal", "--param", "a=inf"], "a must be finite, got inf"),
        (["winit:normal", "--law", "normal", "--shapes", ","], "bad shape '' in --shapes"),
        (["winit:normal", "--law", "normal", "--shapes", "64x"], "bad shape '64x' in --shapes"),
        (["winit:normal", "--law", "normal", "--shapes", "x"], "bad shape 'x' in --shapes"),
        (["winit:normal", "--law", "normal", "--shapes=-3x4"], "dimensions must be positive"),
        (["winit:normal", "--law", "normal", "--seed", "-5"], "seed must be a non-negative int"),
        (["winit:normal", "--law", "normal", "--seed", "1.5"], "invalid int value: '1.5'"),
        (["winit:he_normal", "--law", "he_normal", "--param", "nonlinearity=gelu"],
         "unknown nonlinearity 'gelu'; accepted: linear"),
    ],
)  # fmt: skip
def test_verify_rejects_non_finite_params_and_malformed_shapes(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", *argv]) == 2
    assert message in one_line_error(capsys, "winit verify: error: ")


# --- the nox sessions' options (the modules they call with the arguments after `--`) ----------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["tools.flake", "abc"], "flake.py: error: argument runs: invalid int value: 'abc'"),
        (["tools.flake", "0"], "flake.py: error: runs, --jobs and --workers must be positive"),
        (["tools.flake", "5", "--workers", "-1"], "flake.py: error: runs, --jobs and --workers must be positive"),
        (["tools.flake", "5", "--log", "/proc/flake.jsonl"], "flake.py: error: cannot write the log /proc/flake.jsonl"),
        (["tools.flake", "5", "--log", "/tmp/winit-flake-test.jsonl", "--json", "/proc/flake.json"], "flake.py: error: cannot write /proc/flake.json"),
        (["tools.flake", "5", "--only", "properties/data.py"], "flake.py: error: argument --only: expected a property test file like properties/test_zero_init.py; got 'properties/data.py'"),
        (["tools.flake", "5", "--blas-threads", "0"], "flake.py: error: argument --blas-threads: expected positive integers like 1,2; got '0'"),
        (["tools.flake", "5", "--shard", "3/2"], "flake.py: error: argument --shard: expected I/N with 1 <= I <= N, like 3/20; got '3/2'"),
        (["tools.flake", "5", "--merge", "/no/such.jsonl"], "flake.py: error: no log /no/such.jsonl"),
        (["tools.mutants", "quick-ish"], "mutants.py: error: unknown mutant(s) quick-ish; known: variance-2x"),
        (["benchmarks.bench", "--frobnicate"], "bench.py: error: unrecognized arguments: --frobnicate"),
    ],
)  # fmt: skip
def test_session_options_fail_in_one_line(argv: list[str], message: str) -> None:
    """`nox -s flake -- ARGS`, `nox -s mutants -- ARGS`, `nox -s bench -- ARGS`: exit 2 with
    argparse's usage and one error line naming the bad argument."""
    done = subprocess.run(
        [sys.executable, "-m", *argv], capture_output=True, text=True, check=False,
        cwd=Path(__file__).resolve().parents[1],
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith(message)
    assert "Traceback" not in done.stderr


def test_report_without_the_report_extra_says_which_extra_to_install() -> None:
    """`winit report --help` on a plain install (no jinja2): one line naming the extra, exit 2."""
    hide = "import sys; sys.modules['jinja2'] = None; from winit.__main__ import main; "
    done = subprocess.run(
        [sys.executable, "-c", hide + "raise SystemExit(main(['report', '--help']))"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "winit report: needs the report extra (jinja2 is not installed); install it with "
        "`pip install 'winit[report]'` (nox -s report does)"
    ]


def test_plain_pytest_from_the_repository_root_runs_the_default_profile(tmp_path: Path) -> None:
    """Plain `python -m pytest` with no profile flag and no CI variable: the project's default
    profile loads (no FailedHealthCheck for the `evidence` fixture)."""
    root = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "properties/test_selu.py", "-q", "-p", "no:cacheprovider",
         "-k", "quadrature or mean_1"],
        cwd=root, env=env, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "FailedHealthCheck" not in done.stdout
