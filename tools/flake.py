"""Flake rate of the gate: rerun the whole property suite with fresh random seeds and count the
false alarms per claim next to the count the stated alphas allow.

``python -m tools.flake [RUNS]`` (``nox -s flake -- 200``) runs ``pytest properties`` under the
``flake`` profile (the ``dev`` example count, a fresh ``--hypothesis-seed`` per run, no example
database) until RUNS runs (default 50) of the code under test are logged, and prints, per claim,
the runs in which it failed with their seeds and BLAS thread counts.

- Runs alternate over ``--blas-threads`` (default 1 and 2): a claim's pass criterion may not
  depend on the BLAS kernel's summation order, which changes with the thread count. The
  machine's ``OPENBLAS_CORETYPE``/``OPENBLAS_L2_SIZE`` are left as they are.
- ``--jobs`` runs go at a time (default 2), each on ``--workers`` xdist workers (default 1): on
  2 cores two one-process runs finish more runs per hour than one run on two workers, which
  idle while the slowest test of the other finishes.
- Every run's result is appended to ``--log`` (default ``reports/flake-log.jsonl``) as it ends,
  with a fingerprint of the code under test (``winit/`` but its report, audit and signal,
  ``properties/``, ``conftest.py``, pyproject.toml's dependencies and pytest options, and the numpy, hypothesis and Python versions). The
  count and the summary cover the logged runs of the current fingerprint, so a measurement
  cut short (``--max-seconds``, a closed session) resumes where it stopped, and a change to
  the code starts it afresh.
- ``--only FILE ...`` runs only these property files (a measurement of their claims after a
  change that can reach no other claim): such runs are logged and counted apart from runs of
  the whole suite, and their fingerprint leaves the other property test files out.
- ``--json FILE`` (the session's ``reports/flake.json``) records the tally after every run, for
  the report's "False alarms on fresh seeds" section.
- ``--shard I/N`` runs shard I of N: the runs numbered I-1, I-1+N, ... of the RUNS, each with
  the BLAS thread count of its number, logged as that shard's (a CI matrix runs the N shards
  at once). ``--seed S`` gives run number k the seed S + k (mod 2³²) instead of a fresh random
  one, so shards of one measurement draw distinct seeds, and the same seeds can be run again.
- ``--merge LOG ...`` runs nothing: it tallies the runs of the shards' logs into one summary
  (and ``--json``), refusing logs of different code (fingerprints) or of different property
  files, and a seed run twice (overlapping shards); ``--matrix N`` adds the wall time of RUNS
  runs over N shards computed from the merged runs' times.
- A failing run's results, with the falsifying example, are kept as ``reports/flake-SEED.json``.

Every claim's checks are sized so that one run false-alarms with probability at most
``RUN_ALPHA`` (under ``thorough``, which draws more examples than ``flake``), so the expected
number of failures on a correct core is at most ``RUN_ALPHA × claims × runs``. Exit status 1
if any counted run failed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from tools.shards import Shard, shard_of
from winit.atomic import ReportError, write_atomic
from winit.claims.schema import latest_results
from winit.stats import RUN_ALPHA

ROOT = Path(__file__).resolve().parents[1]
PROFILE = "flake"
#: Where a failing run's results.json is kept (``flake-SEED.json``) for diagnosis.
KEPT = ROOT / "reports"
LOG = KEPT / "flake-log.jsonl"
#: What the fingerprint reads: the code whose false-alarm rate is measured. The report (which
#: only renders results), ``winit audit`` and ``winit.signal`` are not imported by a property
#: run (a test checks it), so a change to them leaves a measurement standing.
UNDER_TEST = ("winit", "properties")
NOT_UNDER_TEST = ("winit/report", "winit/audit", "winit/signal")
#: The parts of pyproject.toml that decide a property run: its dependencies and pytest's options.
PYPROJECT_UNDER_TEST = (("project", "dependencies"), ("project", "optional-dependencies", "test"),
                        ("tool", "pytest", "ini_options"))  # fmt: skip


@dataclass(frozen=True)
class Run:
    """One logged run: its seed, BLAS threads, each claim's observed verdict, wall time, and the
    property files it ran (none named: the whole suite)."""

    fingerprint: str
    seed: int
    blas_threads: int
    verdicts: dict[str, str]
    seconds: float
    only: list[str] = field(default_factory=list)
    shard: str = ""

    @property
    def failed(self) -> list[str]:
        return sorted(c for c, v in self.verdicts.items() if v == "fails")


def fingerprint(root: Path = ROOT, only: Sequence[str] = ()) -> str:
    """A short hash of the code under test and the versions that decide its draws; with
    ``only`` (property files run alone), of those test files and none of the others."""
    digest = hashlib.sha256()
    files = sorted(
        p for d in UNDER_TEST for p in (root / d).rglob("*.py")
        if not any(p.is_relative_to(root / skip) for skip in NOT_UNDER_TEST)
        and not (only and _other_property_file(p.relative_to(root), only))
    )  # fmt: skip
    for path in [*files, root / "conftest.py"]:
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    for keys in PYPROJECT_UNDER_TEST:
        digest.update(json.dumps(_table(project, keys), sort_keys=True).encode() + b"\0")
    versions = tuple(metadata.version(p) for p in ("numpy", "hypothesis"))
    versions += (platform.python_version(),)
    digest.update(" ".join(versions).encode())
    return digest.hexdigest()[:12]


def _other_property_file(path: Path, only: Sequence[str]) -> bool:
    """Whether ``path`` is a property test file not among ``only``: run alone, the named files
    draw the same examples whatever the other test files hold."""
    is_test = path.parts[0] == "properties" and path.name.startswith("test_")
    return is_test and path.as_posix() not in only


def _table(document: dict[str, Any], keys: tuple[str, ...]) -> Any:
    """``document[keys[0]][keys[1]]...``, None where a key is absent."""
    value: Any = document
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def read_log(log: Path) -> list[Run]:
    """Every run logged in ``log``."""
    if not log.exists():
        return []
    lines = log.read_text(encoding="utf-8").splitlines()
    return [Run(**json.loads(line)) for line in lines if line]


def logged(log: Path, current: str, only: list[str], shard: str = "") -> list[Run]:
    """The runs in ``log`` made on the code of fingerprint ``current`` with the files ``only``
    (by the shard ``shard``, "" for an unsharded measurement)."""
    return [
        r for r in read_log(log) if r.fingerprint == current and r.only == only and r.shard == shard
    ]


def merged(logs: list[Path]) -> list[Run]:
    """The runs of the shards' ``logs``, one measurement: raises :class:`ValueError` (one line)
    when they ran different code or property files, or when a seed was run twice."""
    runs: list[Run] = []
    where: dict[int, Path] = {}
    for log in logs:
        if not log.is_file():
            raise ValueError(f"no log {log}")
        try:
            logged_runs = read_log(log)
        except (ValueError, TypeError) as err:
            raise ValueError(f"{log} is not a flake log: {err}") from None
        for run in logged_runs:
            first = runs[0] if runs else run
            if run.fingerprint != first.fingerprint:
                raise ValueError(
                    f"shards of different code: fingerprint {run.fingerprint} in {log}, "
                    f"{first.fingerprint} in {logs[0]}"
                )
            if run.only != first.only:
                raise ValueError(f"shards of different property files: {log} ran {run.only}")
            if run.seed in where:
                raise ValueError(
                    f"overlapping shards: seed {run.seed} is in {where[run.seed]} and {log}"
                )
            where[run.seed] = log
            runs.append(run)
    return runs


def run_once(
    seed: int,
    results: Path,
    workers: int,
    threads: int,
    current: str,
    only: list[str],
    shard: str = "",
) -> Run:
    """One run of the property suite (or of the files ``only``) with ``seed`` on ``threads`` BLAS
    threads per process."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", *(only or ["properties"]), "-q", "-p", "no:cacheprovider",
         *([f"-n{workers}"] if workers > 1 else ["-p", "no:xdist"]),
         f"--hypothesis-profile={PROFILE}", f"--hypothesis-seed={seed}",
         f"--winit-results={results}"],
        cwd=ROOT, capture_output=True, text=True, check=False,
        env={**os.environ, "OPENBLAS_NUM_THREADS": str(threads), "OMP_NUM_THREADS": str(threads)},
    )  # fmt: skip
    results = latest_results(results)  # a run of some files only writes its partial results
    if not results.exists():
        tail = " | ".join((proc.stdout + proc.stderr).strip().splitlines()[-3:])
        raise RuntimeError(f"seed {seed}: pytest exited {proc.returncode} without results: {tail}")
    data = json.loads(results.read_text(encoding="utf-8"))
    verdicts = {c["id"]: c["observed"] for c in data["claims"] if c["observed"] != "not-run"}
    seconds = round(time.perf_counter() - start, 1)
    run = Run(current, seed, threads, verdicts, seconds, only, shard)
    if run.failed:  # keep the evidence: the failing example and its reproduction
        shutil.copy2(results, KEPT / f"flake-{seed}.json")
    return run


def _property_file(text: str) -> str:
    """``properties/test_x.py`` (as given, relative to the repository): an existing test file."""
    path = Path(text)
    if path.parent != Path("properties") or not path.name.startswith("test_") \
            or not (ROOT / path).is_file():  # fmt: skip
        raise argparse.ArgumentTypeError(
            f"expected a property test file like properties/test_zero_init.py; got {text!r}"
        )
    return path.as_posix()


def _counts(text: str) -> list[int]:
    """``"1,2"`` → [1, 2]: positive thread counts."""
    try:
        counts = [int(part) for part in text.split(",")]
    except ValueError:
        counts = []
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers like 1,2; got {text!r}")
    return counts


@dataclass
class Tally:
    """The counted runs' false alarms: per claim (with the failing seeds) and per BLAS threads."""

    runs: list[Run]

    @property
    def claims(self) -> list[str]:
        return sorted({c for r in self.runs for c, v in r.verdicts.items() if v != "missing"})

    @property
    def files(self) -> str:
        """The property files the runs ran ("" for the whole suite)."""
        return ", ".join(self.runs[0].only) if self.runs else ""

    def seeds(self, claim: str) -> list[int]:
        return [r.seed for r in self.runs if claim in r.failed]

    @property
    def failures(self) -> int:
        return sum(len(r.failed) for r in self.runs)

    @property
    def allowed(self) -> float:
        """The expected number of claim failures the stated alphas allow at most."""
        return RUN_ALPHA * len(self.claims) * len(self.runs)

    def per_threads(self) -> list[dict[str, int | str]]:
        """Per BLAS thread count: its runs, their claim failures and which (claim seed)."""
        rows: list[dict[str, int | str]] = []
        for t in sorted({r.blas_threads for r in self.runs}):
            runs = [r for r in self.runs if r.blas_threads == t]
            failed = [f"{c} {r.seed}" for r in runs for c in r.failed]
            rows.append({"BLAS threads": t, "runs": len(runs), "claim failures": len(failed),
                         "failing (claim seed)": ", ".join(failed)})  # fmt: skip
        return rows

    def verdict(self) -> str:
        return (
            f"{self.failures} claim failures in {len(self.runs)} runs of {len(self.claims)} "
            f"claims ({PROFILE} profile, fresh seeds); expected from the stated alphas at most "
            f"{RUN_ALPHA:g} x {len(self.claims)} x {len(self.runs)} = {self.allowed:.2g}"
        )


def sitting(tally: Tally, wall: float, new: int) -> str:
    """What this sitting added to the logged runs, and in how much wall time."""
    return (
        f"{len(tally.runs) - new} of the runs logged before this sitting; this sitting: {new} "
        f"runs in {wall:.0f}s wall" + (f" ({wall / new:.1f}s per run)" if new else "")
    )


def summary(tally: Tally, tail: str) -> str:
    """Failures per claim and per BLAS thread count, beside the count the alphas allow, then
    ``tail`` (where the runs came from)."""
    lines = [f"\nproperty files: {tally.files}"] if tally.files else []
    lines.append(f"\n{'claim':26} failures / {len(tally.runs)} runs  (seeds)")
    for c in tally.claims:
        seeds = tally.seeds(c)
        lines.append(f"{c:26} {len(seeds):8}" + (f"  ({', '.join(map(str, seeds))})" if seeds else ""))  # fmt: skip
    lines += [
        f"{row['BLAS threads']} BLAS thread(s): {row['claim failures']} claim failures in "
        f"{row['runs']} runs"
        for row in tally.per_threads()
    ]
    lines.append(f"\nflake: {tally.verdict()}; {tail}")
    return "\n".join(lines)


def record(path: Path, tally: Tally, target: int) -> None:
    """The tally as the report's "False alarms on fresh seeds" section, written atomically."""
    data = {
        "what": "claim failures of the property suite on fresh seeds (nox -s flake, "
        f"{PROFILE} profile)",
        "claim failures": f"{tally.failures} in {len(tally.runs)} runs of {len(tally.claims)} claims",
        "the alphas allow": f"at most {RUN_ALPHA:g} × {len(tally.claims)} × {len(tally.runs)} = "
        f"{tally.allowed:.2g} expected",
        "runs": f"{len(tally.runs)} of {target}",
        "code fingerprint": tally.runs[0].fingerprint if tally.runs else "",
        "property files": tally.files or "all",
        "mean wall time of one run (--jobs runs overlap)":
            f"{sum(r.seconds for r in tally.runs) / max(1, len(tally.runs)):.0f}s",
        "updated": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "per BLAS thread count": tally.per_threads(),
    }  # fmt: skip
    write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="?", type=int, default=50,
                        help="runs of the current code to have logged (default 50)")  # fmt: skip
    parser.add_argument("--jobs", type=int, default=2, help="runs at a time (default 2)")
    parser.add_argument("--workers", type=int, default=1, help="xdist workers per run (default 1)")
    parser.add_argument("--blas-threads", default="1,2", type=_counts,
                        help="BLAS thread counts the runs alternate over (default 1,2)")  # fmt: skip
    parser.add_argument("--max-seconds", type=float, default=None,
                        help="start no run after this much wall time (then report the runs done)")  # fmt: skip
    parser.add_argument("--only", nargs="+", type=_property_file, default=[], metavar="FILE",
                        help="run only these property files (counted apart from whole-suite runs)")  # fmt: skip
    parser.add_argument("--json", type=Path, default=None,
                        help="also record the tally in this file (e.g. reports/flake.json)")  # fmt: skip
    parser.add_argument("--log", type=Path, default=LOG,
                        help=f"the runs' log, appended to (default {LOG.relative_to(ROOT)})")  # fmt: skip
    parser.add_argument("--shard", type=shard_of, default=Shard(), metavar="I/N",
                        help="run shard I of N: the runs numbered I-1, I-1+N, ... (a CI matrix)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=None,
                        help="run number k draws seed SEED + k (default: a fresh random seed)")  # fmt: skip
    parser.add_argument("--merge", nargs="+", type=Path, default=[], metavar="LOG",
                        help="run nothing: tally the runs of these shard logs as one measurement")  # fmt: skip
    parser.add_argument("--matrix", type=int, default=None, metavar="N",
                        help="with --merge: the wall time of RUNS runs over N shards")  # fmt: skip
    args = parser.parse_args(argv)
    if args.runs < 1 or args.workers < 1 or args.jobs < 1:
        parser.error("runs, --jobs and --workers must be positive")
    if args.merge:
        return _merge(parser, args)
    try:
        args.log.parent.mkdir(parents=True, exist_ok=True)
        args.log.touch()
    except OSError as err:
        parser.error(f"cannot write the log {args.log}: {err.strerror}")
    only = sorted(set(args.only))
    current, shard = fingerprint(only=only), str(args.shard)
    numbers = args.shard.numbers(args.runs)
    runs = logged(args.log, current, only, shard)
    if runs:
        print(f"resuming: {len(runs)} runs of this code ({current}"
              f"{', ' + ' '.join(only) if only else ''}{', shard ' + shard if shard else ''}) "
              f"already in {args.log}")  # fmt: skip
    if args.json is not None:  # written now too: an unwritable place fails before any run
        try:
            record(args.json, Tally(runs), len(numbers))
        except ReportError as err:
            parser.error(str(err))
    start, new = time.perf_counter(), 0
    pending: set[Future[Run]] = set()
    with tempfile.TemporaryDirectory(prefix="winit-flake-") as tmp, \
            ThreadPoolExecutor(args.jobs) as pool:  # fmt: skip
        started = len(runs)
        while True:
            late = args.max_seconds is not None and time.perf_counter() - start > args.max_seconds
            while started < len(numbers) and len(pending) < args.jobs and not late:
                k = numbers[started]
                seed = secrets.randbits(32) if args.seed is None else (args.seed + k) % 2**32
                threads = args.blas_threads[k % len(args.blas_threads)]
                results = Path(tmp) / f"run-{k}.json"
                pending.add(pool.submit(run_once, seed, results, args.workers, threads, current,
                                        only, shard))  # fmt: skip
                started += 1
            if not pending:
                break
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                run = future.result()
                with args.log.open("a", encoding="utf-8") as log:
                    log.write(json.dumps(asdict(run)) + "\n")
                runs.append(run)
                new += 1
                if args.json is not None:  # kept current: a cut-short sitting still shows
                    record(args.json, Tally(runs), len(numbers))
                print(f"run {len(runs):4}/{len(numbers)} seed {run.seed:10} blas threads "
                      f"{run.blas_threads}  {'FAILED ' + ', '.join(run.failed) if run.failed else 'ok'}"
                      f"  ({run.seconds:.0f}s, {time.perf_counter() - start:.0f}s in all)", flush=True)  # fmt: skip
    if args.json is not None:
        record(args.json, Tally(runs), len(numbers))
    print(summary(Tally(runs), sitting(Tally(runs), time.perf_counter() - start, new)))
    return 1 if any(r.failed for r in runs) else 0


def matrix_wall(runs: list[Run], target: int, shards: int, jobs: int) -> str:
    """The wall time of ``target`` runs spread over ``shards`` jobs of a CI matrix, each running
    ``jobs`` at a time, computed from the measured ``runs``: rounds per shard × the median run.

    >>> ran = [Run("f", s, 1, {}, seconds, [], "1/2") for s, seconds in ((1, 100.0), (2, 140.0))]
    >>> matrix_wall(ran, 200, 20, 2)
    '200 runs over 20 shards, 2 at a time: 5 rounds x 120s (the median of 2 measured runs) = 600s per shard, plus its set-up'
    """
    rounds = math.ceil(math.ceil(target / shards) / jobs)
    median = statistics.median(r.seconds for r in runs)
    return (
        f"{target} runs over {shards} shards, {jobs} at a time: {rounds} rounds x {median:.0f}s "
        f"(the median of {len(runs)} measured runs) = {rounds * median:.0f}s per shard, plus "
        "its set-up"
    )


def _merge(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """``--merge``: the shards' runs tallied as one measurement of ``args.runs`` runs (and, with
    ``--matrix N``, the wall time of that many runs over N shards)."""
    try:
        runs = merged(args.merge)
        if args.json is not None:
            record(args.json, Tally(runs), args.runs)
    except (ValueError, ReportError) as err:
        parser.error(str(err))
    shards = sorted({r.shard for r in runs})
    print(summary(Tally(runs), f"merged from {len(args.merge)} logs (shards {', '.join(shards)})"))
    if args.matrix is not None and runs:
        print(matrix_wall(runs, args.runs, args.matrix, args.jobs))
    return 1 if any(r.failed for r in runs) else 0


if __name__ == "__main__":
    raise SystemExit(main())
