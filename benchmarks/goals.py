"""The workflow's speed goals, timed from outside as a user meets them: ``nox`` from a fresh
clone (its environments built), ``nox`` and ``nox -s tests`` and ``nox -s report`` again once
built, and ``.ci/run`` in full (``--ci``), each against its limit and as a ratio to the property
suite's own run time, the floor no gate can beat (its claims run that long).

``nox -s bench -- goals [--repeats N] [--ci] [--readme]`` (or ``python -m benchmarks.goals``)
clones the repository's committed HEAD (as it was at the start) into a temporary folder, runs
each command ``--repeats`` times (default 3) there and prints min / median / max wall seconds,
the median CPU seconds of its processes (less sensitive than wall time to other work on the machine), and the median's
ratio to the property suite's median. A fresh-clone run gets a new clone (and an empty plot
cache) each time; package downloads come from the installer's cache as on any machine that
installed a package before. ``--json`` (default ``reports/goals.json``) records the figures
after each command's runs, marked incomplete until the last;
``--readme`` rewrites the README's numbers block from them (``--from FILE``: from a recorded
measurement, measuring nothing). Exit status 1 when a command failed (its runs are not
recorded).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from winit.atomic import ReportError, write_atomic

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "reports" / "goals.json"
README = ROOT / "README.md"
BEGIN, END = "<!-- numbers: begin (nox -s bench -- goals --readme) -->", "<!-- numbers: end -->"
#: The property suite alone, in the environment ``nox -s properties`` built: the floor. It runs
#: as the sessions run (noxfile.py): one BLAS thread, and bytecode cached in the clone's PYCACHE.
FLOOR = ("-m", "pytest", "properties", "-q", "-p", "no:cacheprovider", "-n", "2",
         "--hypothesis-profile=ci")  # fmt: skip
ONE_BLAS_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
PYCACHE = ".nox/pycache"


def _floor_env(env: dict[str, str], clone: Path) -> dict[str, str]:
    """``env`` as the clone's sessions see it: one BLAS thread, the clone's bytecode cache."""
    bytecode = {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(clone / PYCACHE)}
    return env | ONE_BLAS_THREAD | bytecode


@dataclass(frozen=True)
class Goal:
    """A command a user runs, its limit in seconds, and whether it starts from a fresh clone."""

    name: str
    command: tuple[str, ...]
    limit_s: float
    fresh: bool = False


GOALS = (
    Goal("nox, fresh clone", ("nox",), 60.0, fresh=True),
    Goal("nox, warm", ("nox",), 40.0),
    Goal("nox -s tests, warm", ("nox", "-s", "tests"), 20.0),
    Goal("nox -s report, warm", ("nox", "-s", "report"), 5.0),
)
#: as CI runs it: on a clone with no environment built (each run a clone of its own)
CI = Goal(".ci/run, fresh clone", (".ci/run",), 360.0, fresh=True)


class CommandFailedError(Exception):
    """A timed command exited non-zero: its figures would time a failure."""


@dataclass(frozen=True)
class Timing:
    """Wall and CPU seconds (the command's processes, user + system) of one run."""

    wall_s: float
    cpu_s: float


def _env(plots: Path) -> dict[str, str]:
    """This environment for a nested nox: no active virtualenv, this interpreter's scripts
    (nox, uv) first on PATH, and the report's plot cache in ``plots``."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    scripts = Path(sys.executable).parent
    return env | {"PATH": f"{scripts}{os.pathsep}{env['PATH']}", "WINIT_PLOT_CACHE": str(plots)}


def timed(command: Sequence[str], cwd: Path, env: dict[str, str], log: Path) -> Timing:
    """Run ``command`` in ``cwd`` (its output appended to ``log``) and time it."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with log.open("a", encoding="utf-8") as out:
        done = subprocess.run(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                              check=False)  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        tail = " | ".join(log.read_text(encoding="utf-8").strip().splitlines()[-3:])
        raise CommandFailedError(f"`{' '.join(command)}` exited {done.returncode}: {tail}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(round(wall, 2), round(cpu, 2))


def head() -> str:
    """The repository's committed HEAD (what a clone gets)."""
    git = ["git", "-C", str(ROOT), "rev-parse", "HEAD"]
    return subprocess.run(git, capture_output=True, text=True, check=True).stdout.strip()


def clone(dest: Path, commit: str) -> Path:
    """A fresh clone of the repository at ``commit`` in ``dest``."""
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(dest)],
                   check=True, capture_output=True)  # fmt: skip
    subprocess.run(["git", "-C", str(dest), "checkout", "--quiet", commit], check=True,
                   capture_output=True)  # fmt: skip
    return dest


def row(
    name: str, limit_s: float | None, runs: list[Timing], floor_s: float | None
) -> dict[str, Any]:
    """A goal's figures: min/median/max wall, median CPU, the ratio to the floor, met or not."""
    walls = [t.wall_s for t in runs]
    median = statistics.median(walls)
    return {
        "goal": name, "limit_s": limit_s, "runs": len(runs),
        "wall_s": {"min": min(walls), "median": median, "max": max(walls)},
        "cpu_s_median": statistics.median(t.cpu_s for t in runs),
        "ratio_to_floor": round(median / floor_s, 2) if floor_s else None,
        "met": None if limit_s is None else median <= limit_s,
    }  # fmt: skip


def measure(repeats: int, ci: bool, log: Path, out: Path) -> dict[str, Any]:
    """Every goal (and ``.ci/run`` when ``ci``) ``repeats`` times, and the floor, recorded in
    ``out`` after each command's runs (``"complete": false`` until the last): one fresh-clone
    run of ``nox`` first builds the clone the warm goals run in, its other runs come last; each
    run of ``.ci/run`` gets a clone of its own, removed after it (its environments take
    gigabytes)."""
    load_start, commit = os.getloadavg()[0], head()
    timings: dict[Goal, list[Timing]] = {}
    floor: list[Timing] = []
    fresh, later = GOALS[0], [*GOALS[1:], *([CI] if ci else [])]

    def record(complete: bool) -> dict[str, Any]:
        floor_s = statistics.median(t.wall_s for t in floor) if floor else None
        data = {
            "what": "wall seconds (min/median/max) of the workflow's commands, the median CPU "
            "seconds of their processes, and the median's ratio to the property suite's own run",
            "complete": complete,
            "floor": row("property suite alone (pytest properties -n 2, ci profile)", None,
                         floor, None) if floor else None,
            "goals": [row(g.name, g.limit_s, timings[g], floor_s)
                      for g in (fresh, *later) if g in timings],
            "machine": {
                "cores": os.cpu_count(), "python": platform.python_version(),
                "load_average_1m": [round(load_start, 2), round(os.getloadavg()[0], 2)],
                "PYTHONDONTWRITEBYTECODE": bool(os.environ.get("PYTHONDONTWRITEBYTECODE")),
            },
            "commit": commit[:7],
            "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        }  # fmt: skip
        write_atomic(out, json.dumps(data, indent=2) + "\n")
        return data

    with tempfile.TemporaryDirectory(prefix="winit-goals-") as tmp:
        base = Path(tmp)

        def fresh_run(goal: Goal, name: str) -> Path:
            here = clone(base / name, commit)
            env = _env(base / f"plots-{name}")  # a new user: no plot drawn yet
            timings.setdefault(goal, []).append(timed(goal.command, here, env, log))
            record(complete=False)
            return here

        warm, env = fresh_run(fresh, "fresh-0"), _env(base / "plots-fresh-0")
        python = str(warm / ".nox" / "properties" / "bin" / "python")
        floor += [timed([python, *FLOOR], warm, _floor_env(env, warm), log) for _ in range(repeats)]
        record(complete=False)
        for goal in later:
            for i in range(repeats):
                if goal.fresh:
                    shutil.rmtree(fresh_run(goal, f"ci-{i}"))
                else:
                    timings.setdefault(goal, []).append(timed(goal.command, warm, env, log))
            record(complete=False)
        for i in range(1, repeats):
            fresh_run(fresh, f"fresh-{i}")
    return record(complete=True)


def _seconds(x: float) -> str:
    return f"{x:.1f}"


def table(data: dict[str, Any]) -> str:
    """The measurement as the README's numbers block (markdown)."""
    m = data["machine"]
    load = " → ".join(map(str, m["load_average_1m"]))
    lines = [
        f"Measured {data['measured']} at commit {data['commit']} on {m['cores']} cores (Python "
        f"{m['python']}; 1-minute load average {load}"
        + ("; PYTHONDONTWRITEBYTECODE set" if m["PYTHONDONTWRITEBYTECODE"] else "")
        + ")"
        + ("" if data["complete"] else "; **incomplete**: the measurement was cut short")
        + ":",
        "",
        "| command | goal | runs | wall s: min / median / max | CPU s (median) | median / property suite | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in [data["floor"], *data["goals"]] if data["floor"] else data["goals"]:
        w, limit = r["wall_s"], r["limit_s"]
        lines.append(
            f"| {r['goal']} | {'—' if limit is None else f'≤ {limit:g} s'} | {r['runs']} | "
            f"{_seconds(w['min'])} / {_seconds(w['median'])} / {_seconds(w['max'])} | "
            f"{_seconds(r['cpu_s_median'])} | "
            f"{'—' if r['ratio_to_floor'] is None else r['ratio_to_floor']} | "
            f"{ {True: 'yes', False: '**no**', None: '—'}[r['met']] } |"
        )
    return "\n".join(lines)


def rewrite_readme(readme: Path, block: str) -> None:
    """Replace the text between the numbers markers of ``readme`` by ``block``."""
    text = readme.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(BEGIN) + r"\n.*?" + re.escape(END), re.DOTALL)
    if not pattern.search(text):
        raise ReportError(f"{readme} has no numbers block ({BEGIN} ... {END})")
    write_atomic(readme, pattern.sub(lambda _: f"{BEGIN}\n{block}\n{END}", text))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs of each command (default 3)")
    parser.add_argument("--ci", action="store_true", help="time .ci/run too (minutes per run)")
    parser.add_argument("--json", type=Path, default=OUT, help=f"record (default {OUT})")
    parser.add_argument("--readme", action="store_true", help="rewrite the README's numbers")
    parser.add_argument("--from", dest="source", type=Path, default=None, metavar="FILE",
                        help="measure nothing: use this recorded measurement")  # fmt: skip
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats must be positive, got {args.repeats}")
    if args.source is not None:
        try:
            data = json.loads(args.source.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            parser.error(f"cannot read the measurement {args.source}: {err}")
    else:
        log = Path(tempfile.mkstemp(prefix="winit-goals-", suffix=".log")[1])
        print(f"timing {args.repeats} runs of each command; their output: {log}", flush=True)
        try:
            data = measure(args.repeats, args.ci, log, args.json)
        except CommandFailedError as err:
            print(f"goals: {err} (the runs before it are in {args.json})", file=sys.stderr)
            return 1
    block = table(data)
    print(block)
    if args.readme:
        try:
            rewrite_readme(README, block)
        except ReportError as err:
            print(f"goals: {err}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
