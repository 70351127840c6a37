"""Flake rate of the gate: rerun the whole property suite with fresh random seeds and count the
false alarms per claim next to the count the stated alphas allow.

``python -m tests.flake [RUNS]`` (``nox -s flake -- 200``) runs ``pytest properties`` RUNS times
(default 50) under the ``flake`` profile (the ``dev`` example count, a fresh
``--hypothesis-seed`` per run, no example database) on two xdist workers, reads each run's
``results.json`` and prints, per claim, the runs in which it failed with their seeds and BLAS
thread counts (runs alternate over ``--blas-threads``, default 1 and 2: a claim's pass criterion
may not depend on the BLAS kernel's summation order, which changes with the thread count; the
machine's ``OPENBLAS_CORETYPE``/``OPENBLAS_L2_SIZE`` are left as they are) (a failing
run's results, with the falsifying example, are kept as ``reports/flake-SEED.json``). Every
claim's checks are sized so that one run false-alarms with probability at most ``RUN_ALPHA``
(under ``thorough``, which draws more examples than ``flake``), so the expected number of
failures on a correct core is at most ``RUN_ALPHA × claims × runs``. Exit status 1 if any run
failed.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from winit.stats import RUN_ALPHA

ROOT = Path(__file__).resolve().parents[1]
PROFILE = "flake"
#: Where a failing run's results.json is kept (``flake-SEED.json``) for diagnosis.
KEPT = ROOT / "reports"


def run_once(seed: int, results: Path, workers: int, threads: int) -> dict[str, str]:
    """One run of the property suite with ``seed`` on ``threads`` BLAS threads per process; each
    claim's observed verdict."""
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "properties", "-q", "-p", "no:cacheprovider",
         f"-n{workers}", f"--hypothesis-profile={PROFILE}", f"--hypothesis-seed={seed}",
         f"--winit-results={results}"],
        cwd=ROOT, capture_output=True, text=True, check=False,
        env={**os.environ, "OPENBLAS_NUM_THREADS": str(threads), "OMP_NUM_THREADS": str(threads)},
    )  # fmt: skip
    if not results.exists():
        tail = " | ".join((proc.stdout + proc.stderr).strip().splitlines()[-3:])
        raise RuntimeError(f"seed {seed}: pytest exited {proc.returncode} without results: {tail}")
    data = json.loads(results.read_text(encoding="utf-8"))
    return {c["id"]: c["observed"] for c in data["claims"]}


def _counts(text: str) -> list[int]:
    """``"1,2"`` → [1, 2]: positive thread counts."""
    try:
        counts = [int(part) for part in text.split(",")]
    except ValueError:
        counts = []
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers like 1,2; got {text!r}")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="?", type=int, default=50, help="reruns (default 50)")
    parser.add_argument("--workers", type=int, default=2, help="xdist workers (default 2)")
    parser.add_argument("--blas-threads", default="1,2", type=_counts,
                        help="BLAS thread counts the runs alternate over (default 1,2)")  # fmt: skip
    parser.add_argument("--max-seconds", type=float, default=None,
                        help="start no run after this much wall time (then report the runs done)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.runs < 1 or args.workers < 1:
        parser.error("runs and --workers must be positive")
    runs = 0
    failures: Counter[str] = Counter()
    failing_seeds: dict[str, list[int]] = {}
    claims: set[str] = set()
    per_threads: Counter[int] = Counter()
    failing_threads: Counter[int] = Counter()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="winit-flake-") as tmp:
        for i in range(args.runs):
            if args.max_seconds is not None and time.perf_counter() - start > args.max_seconds:
                break
            runs = i + 1
            seed = secrets.randbits(32)
            threads = args.blas_threads[i % len(args.blas_threads)]
            verdicts = run_once(seed, Path(tmp) / f"run-{i}.json", args.workers, threads)
            per_threads[threads] += 1
            claims |= {c for c, v in verdicts.items() if v != "missing"}
            bad = sorted(c for c, v in verdicts.items() if v == "fails")
            if bad:  # keep the evidence: the failing example and its reproduction
                shutil.copy2(Path(tmp) / f"run-{i}.json", KEPT / f"flake-{seed}.json")
            for c in bad:
                failures[c] += 1
                failing_seeds.setdefault(c, []).append(seed)
                failing_threads[threads] += 1
            print(f"run {i + 1:4}/{args.runs} seed {seed:10} blas threads {threads}  "
                  f"{'FAILED ' + ', '.join(bad) if bad else 'ok'}  "
                  f"({time.perf_counter() - start:.0f}s)", flush=True)  # fmt: skip
    wall = time.perf_counter() - start
    print(f"\n{'claim':26} failures / {runs} runs  (seeds)")
    for c in sorted(claims):
        seeds = ", ".join(map(str, failing_seeds.get(c, [])))
        print(f"{c:26} {failures[c]:8}" + (f"  ({seeds})" if seeds else ""))
    for threads, count in sorted(per_threads.items()):
        print(
            f"{threads} BLAS thread(s): {failing_threads[threads]} claim failures in {count} runs"
        )
    expected = RUN_ALPHA * len(claims) * runs
    print(
        f"\nflake: {sum(failures.values())} claim failures in {runs} runs of "
        f"{len(claims)} claims ({PROFILE} profile, fresh seeds); expected from the stated "
        f"alphas at most {RUN_ALPHA:g} x {len(claims)} x {runs} = {expected:.2g}; "
        f"wall time {wall:.0f}s ({wall / runs:.1f}s per run)"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
