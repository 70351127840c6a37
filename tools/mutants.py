"""Hand-written mutants of the core: the realistic bugs of this domain, applied to a copy of the
source, each run against the property suite. A mutant is *killed* when the suite fails.

``python -m tools.mutants [NAME ...]`` runs the catalogue (``nox -s mutants``) and prints the
score (``--mutmut-scores``: mutmut's per-module score instead); ``--json FILE`` also records the
score there (one row per module or catalogue run, merged with the rows already in the file), which
the report shows as its "Mutation score" section. ``tests/integration/test_suite_power.py``
runs four of them against the claims that must catch them.

``--shard I/N`` runs shard I of N of the catalogue (mutants I-1, I-1+N, ...): its row names
the shard and its mutants. ``--merge FILE ...`` runs nothing: it merges the shards' rows of the
score files into one row per target (in ``--json``), refusing shards made from different
commits or shards that ran the same mutant.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.shards import Shard, shard_of
from winit.atomic import ReportError, write_atomic

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutant:
    """Replace ``old`` by ``new`` (exactly once) in ``path``; ``why`` says what bug it is."""

    name: str
    path: str
    old: str
    new: str
    why: str


CATALOGUE: tuple[Mutant, ...] = (
    Mutant(
        "variance-2x",
        "winit/initializers.py",
        "std = math.sqrt(sc / _fan(shape, mode, layout))",
        "std = math.sqrt(2.0 * sc / _fan(shape, mode, layout))",
        "every variance-scaling scheme draws twice the variance",
    ),
    Mutant(
        "xavier-2x",
        "winit/initializers.py",
        'return variance_scaling(g * g, "fan_avg", "normal", layout)(shape, rng, dtype)',
        'return variance_scaling(2 * g * g, "fan_avg", "normal", layout)(shape, rng, dtype)',
        "Glorot normal with twice its variance",
    ),
    Mutant(
        "fans-swapped",
        "winit/fans.py",
        "return dims[1] * receptive, dims[0] * receptive",
        "return dims[0] * receptive, dims[1] * receptive",
        "fan_in and fan_out swapped in PyTorch's layout",
    ),
    Mutant(
        "gain-missing",
        "winit/initializers.py",
        "return gain(nonlinearity, a) ** 2",
        "return 1.0",
        "He without its gain (LeCun variance for ReLU)",
    ),
    Mutant(
        "gain-squared",
        "winit/initializers.py",
        "return gain(nonlinearity, a) ** 2",
        "return gain(nonlinearity, a) ** 4",
        "He with the gain squared in the std (pytorch#30946)",
    ),
    Mutant(
        "truncation-uncorrected",
        "winit/initializers.py",
        "return _truncated(shape, rng, dt, std / TRUNCATED_STD, 0.0)",
        "return _truncated(shape, rng, dt, std, 0.0)",
        "truncated normal without the 0.8796 std correction (keras#8048)",
    ),
    Mutant(
        "uniform-bound-no-sqrt3",
        "winit/initializers.py",
        "limit = math.sqrt(3.0) * std",
        "limit = std",
        "uniform bound from the normal formula (mlx#2001)",
    ),
    Mutant(
        "orthogonal-no-sign-fix",
        "winit/initializers.py",
        "q *= np.sign(np.diagonal(r))",
        "q *= 1.0",
        "QR without the sign correction: not Haar (tensorflow PR 9429)",
    ),
    Mutant(
        "relu-derivative",
        "winit/activations.py",
        "return (z > 0).astype(z.dtype)",
        "return 0.5 * (z > 0).astype(z.dtype)",
        "ReLU derivative wrong for z > 0",
    ),
    Mutant(
        "sigmoid-derivative",
        "winit/activations.py",
        "    s = _sigmoid(z)\n    return s * (1.0 - s)",
        "    return _sigmoid(z)",
        "sigmoid derivative σ instead of σ(1 − σ)",
    ),
    Mutant(
        "bias-gradient-axis",
        "winit/mlp.py",
        "gb[layer] = delta.sum(axis=0)",
        "gb[layer] = delta.mean(axis=0)",
        "bias gradient averaged instead of summed over the batch",
    ),
    Mutant(
        "zero-init-tiny-bias",
        "winit/initializers.py",
        "return np.full(shape_of(shape), v, dtype=float_dtype(dtype))",
        "return np.full(shape_of(shape), v, dtype=float_dtype(dtype)) + 1e-3 * np.random.default_rng(0).standard_normal(shape_of(shape)).astype(float_dtype(dtype))",
        "zero (and constant) init that leaves a tiny random part",
    ),
    Mutant(
        "attention-unscaled",
        "winit/attention.py",
        "scale = 1.0 / math.sqrt(d_k) if scaled else 1.0",
        "scale = 1.0",
        "attention without the 1/√d_k of Vaswani et al.",
    ),
    Mutant(
        "depth-scale-missing",
        "winit/residual.py",
        "self.branch_scale = 1.0 / math.sqrt(blocks) if depth_scaled else 1.0",
        "self.branch_scale = 1.0",
        "residual stack that ignores GPT-2's 1/√N depth scale",
    ),
    Mutant(
        "norm-no-epsilon",
        "winit/norms.py",
        "inv_std = 1.0 / np.sqrt(var + e)",
        "inv_std = 1.0 / np.sqrt(var)",
        "LayerNorm (and every norm) without its epsilon",
    ),
    Mutant(
        "norm-unbiased-variance",
        "winit/norms.py",
        "return mean, np.mean(c * c, axis=axes, keepdims=True)",
        "return mean, np.sum(c * c, axis=axes, keepdims=True) / (c.size // mean.size - 1)",
        "LayerNorm with the unbiased variance (torch.var's default) instead of the biased one",
    ),
    Mutant(
        "batchnorm-running-stats",
        "winit/norms.py",
        "fw = normalize(a, self.gamma, self.beta, axes=axes, center=True, eps=self.eps)",
        "fw = normalize(a, self.gamma, self.beta, axes=axes, center=True, eps=self.eps, "
        "stats=(self.running_mean, self.running_var))",
        "batch norm that normalizes by its running statistics in training mode",
    ),
)
BY_NAME = {m.name: m for m in CATALOGUE}


def mutated_copy(mutant: Mutant, dest: Path) -> Path:
    """Copy the project (sources only) to ``dest`` and apply ``mutant``; error if it no longer
    applies (the source changed under it)."""
    for part in ("winit", "properties", "tests", "tools"):
        shutil.copytree(ROOT / part, dest / part, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy2(ROOT / name, dest / name)
    target = dest / mutant.path
    text = target.read_text()
    if text.count(mutant.old) != 1:
        raise ValueError(f"mutant {mutant.name}: snippet not found exactly once in {mutant.path}")
    target.write_text(text.replace(mutant.old, mutant.new))
    return dest


def run_suite(mutant: Mutant, targets: Sequence[str], *extra: str) -> tuple[bool, float]:
    """Run pytest on ``targets`` (with ``extra`` options) in a mutated copy; return (killed,
    seconds). Killed means a test failed (exit status 1); any other error (the copy does not
    import, a bad target) raises instead of counting as a kill. The integration tests are left
    out: a mutant is scored against the gate, and the copy has no git history to install from."""
    with tempfile.TemporaryDirectory(prefix=f"winit-{mutant.name}-") as tmp:
        copy = mutated_copy(mutant, Path(tmp))
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", *targets, "-x", "-q", "-p", "no:cacheprovider",
             "--hypothesis-profile=mutants", "-m", "not integration", *extra],
            cwd=copy, capture_output=True, text=True, check=False,
            env={**_clean_env(), "PYTHONPATH": str(copy)},
        )  # fmt: skip
        if proc.returncode not in (0, 1):
            tail = (proc.stdout + proc.stderr).strip().splitlines()[-5:]
            raise RuntimeError(
                f"mutant {mutant.name}: pytest exited {proc.returncode}: " + " | ".join(tail)
            )
        return proc.returncode == 1, time.perf_counter() - start


def _clean_env() -> dict[str, str]:
    """This environment without PYTHONPATH, with one BLAS thread (runs share two cores)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return {"OPENBLAS_NUM_THREADS": "1", **env}


#: mutmut 3's exit codes per mutant (mutmut.stats.status_by_exit_code): 1 failed tests and 3 a
#: pytest internal error are kills, 0 a survivor; the rest (no tests, timeouts) are counted apart.
MUTMUT_KILLED = (1, 3)


def mutmut_scores(folder: Path) -> list[dict[str, Any]]:
    """One score row per module mutmut mutated under ``folder`` (its ``mutants/``), from the
    ``*.py.meta`` files ``mutmut run`` leaves."""
    rows = []
    for meta in sorted(folder.rglob("*.py.meta")):
        codes = list(json.loads(meta.read_text())["exit_code_by_key"].values())
        killed, survived = sum(c in MUTMUT_KILLED for c in codes), codes.count(0)
        module = meta.relative_to(folder).as_posix().removesuffix(".meta")
        listed = (
            [f"{survived}: `mutmut results`, reasons in docs/mutmut-survivors.md"]
            if survived
            else []
        )
        other = len(codes) - killed - survived
        rows.append(score_row(f"mutmut: {module}", "tests + properties", killed, len(codes),
                              listed, other))  # fmt: skip
    return rows


def score_row(
    mutants: str, against: str, killed: int, total: int, survivors: list[str], other: int = 0
) -> dict[str, Any]:
    """One row of the mutation-score table (``other``: mutmut's not run, no tests, timeouts)."""
    return {
        "mutants": mutants, "run against": against, "killed": killed, "total": total,
        "score": f"{killed}/{total}", "other": other, "survivors": ", ".join(survivors) or "none",
    }  # fmt: skip


def describe(row: dict[str, Any]) -> str:
    """The row as one line of the console summary."""
    other = f", {row['other']} other (not run, no tests, timeout)" if row["other"] else ""
    return (f"{row['mutants']:34} {row['score']:>9} killed by {row['run against']}{other}; "
            f"survivors: {row['survivors']}")  # fmt: skip


def source_commit() -> str:
    """The commit the mutants were made from (``+changes`` if the sources differ from it), so
    the report shows when a score is older than the code."""
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                          check=False)  # fmt: skip
    if head.returncode != 0:
        return "unknown (not a git checkout)"
    status = subprocess.run([*git, "status", "--porcelain", "--", "winit", "properties", "tests"],
                            capture_output=True, text=True, check=False)  # fmt: skip
    return head.stdout.strip() + ("+changes" if status.stdout.strip() else "")


def record(path: Path, rows: list[dict[str, Any]]) -> None:
    """Merge ``rows`` into the score file at ``path`` (a row replaces the one with the same
    mutants and target), written atomically."""
    try:
        old = json.loads(path.read_text(encoding="utf-8"))["scores"] if path.exists() else []
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ReportError(
            f"{path}: not a mutation-score file ({e}); delete it to start anew"
        ) from None
    commit = source_commit()
    rows = [{"commit": commit, **r} for r in rows]  # merged shards keep the commit they ran
    key = {(r["mutants"], r["run against"]) for r in rows}
    kept = [r for r in old if (r.get("mutants"), r.get("run against")) not in key]
    data = {"what": "killed/total per mutated module and per run of the hand-written catalogue",
            "updated": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "scores": kept + rows}  # fmt: skip
    write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


CATALOGUE_ROW = "hand-written catalogue"


def merge_shards(files: list[Path]) -> list[dict[str, Any]]:
    """One row per target from the shard rows of the score ``files``: killed, totals and
    survivors added up. Raises :class:`ReportError` (one line) on shards of different commits
    or shards that ran the same mutant."""
    rows: dict[str, dict[str, Any]] = {}
    ran: dict[tuple[str, str], Path] = {}
    commit: tuple[str, Path] | None = None
    for path in files:
        try:
            shards = [r for r in json.loads(path.read_text(encoding="utf-8"))["scores"]
                      if r.get("shard")]  # fmt: skip
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise ReportError(f"{path}: not a mutation-score file ({e})") from None
        for r in shards:
            commit = commit or (r["commit"], path)
            if r["commit"] != commit[0]:
                raise ReportError(f"shards of different code: commit {r['commit']} in {path}, "
                                  f"{commit[0]} in {commit[1]}")  # fmt: skip
            for name in r["names"]:
                if (r["run against"], name) in ran:
                    raise ReportError(f"overlapping shards: mutant {name} against "
                                      f"{r['run against']} is in {ran[r['run against'], name]} "
                                      f"and {path}")  # fmt: skip
                ran[r["run against"], name] = path
            m = rows.setdefault(r["run against"], {"killed": 0, "total": 0, "survivors": []})
            m["killed"] += r["killed"]
            m["total"] += r["total"]
            m["survivors"] += [] if r["survivors"] == "none" else r["survivors"].split(", ")
    if commit is None:
        raise ReportError(f"no shard rows in {', '.join(map(str, files))}")
    return [
        {**score_row(f"{CATALOGUE_ROW} ({m['total']} domain bugs)", against, m["killed"],
                     m["total"], m["survivors"]), "commit": commit[0]}
        for against, m in rows.items()
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="mutants to run (default: all)")
    parser.add_argument("--targets", nargs="*", default=["properties"], help="pytest targets")
    parser.add_argument(
        "--mutmut-scores",
        action="store_true",
        help="only print the per-module score of the last `mutmut run`",
    )
    parser.add_argument("--json", type=Path, default=None,
                        help="also record the score in this file (e.g. reports/mutants.json)")  # fmt: skip
    parser.add_argument("--shard", type=shard_of, default=Shard(), metavar="I/N",
                        help="run shard I of N of the catalogue (mutants I-1, I-1+N, ...)")  # fmt: skip
    parser.add_argument("--merge", nargs="+", type=Path, default=[], metavar="FILE",
                        help="run nothing: merge the shard rows of these score files")  # fmt: skip
    args = parser.parse_args(argv)
    if args.merge:
        try:
            rows = merge_shards(args.merge)
        except ReportError as e:
            parser.error(str(e))
    elif args.mutmut_scores:
        rows = mutmut_scores(ROOT / "mutants")
        if not rows:
            print("no mutmut results under mutants/: run `mutmut run` first", file=sys.stderr)
            return 2
    else:
        unknown = [n for n in args.names if n not in BY_NAME]
        if unknown:
            parser.error(f"unknown mutant(s) {', '.join(unknown)}; known: {', '.join(BY_NAME)}")
        chosen = args.shard.share([BY_NAME[n] for n in args.names] or list(CATALOGUE))
        survivors = []
        for m in chosen:
            dead, secs = run_suite(m, args.targets)
            survivors += [] if dead else [m.name]
            print(
                f"{'killed ' if dead else 'SURVIVED'} {m.name:26} {secs:6.1f}s  {m.why}", flush=True
            )
        what = CATALOGUE_ROW + ("" if args.names else f" ({len(chosen)} domain bugs)")
        rows = [score_row(what, " + ".join(args.targets), len(chosen) - len(survivors),
                          len(chosen), survivors)]  # fmt: skip
        if args.shard.count > 1:  # a part of the catalogue, merged by --merge
            rows = [rows[0] | {"mutants": f"{CATALOGUE_ROW}, shard {args.shard}",
                               "shard": str(args.shard), "names": [m.name for m in chosen]}]  # fmt: skip
    print("\n".join(f"mutation score: {describe(r)}" for r in rows))
    if args.json is not None:
        try:
            record(args.json, rows)
        except ReportError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    return 0 if all(r["survivors"] == "none" for r in rows) or args.mutmut_scores else 1


if __name__ == "__main__":
    raise SystemExit(main())
