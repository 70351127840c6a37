"""Shards of a heavy run (``--shard I/N`` of ``tools.flake`` and ``tools.mutants``, and of the
``thorough`` session's property files): shard I of N takes the items numbered I-1, I-1+N, ...
so that N jobs of a CI matrix share the work and their outputs merge into one result.

``python -m tools.shards files I/N`` prints shard I/N's property files;
``python -m tools.shards merge-results SHARD.json ... --out results.json`` merges the results of
property-file shards into one run, refusing shards of different code or a claim run twice.
Exit status 1 when a merged claim is unexpected, 2 on a usage error or refused shards."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from winit.atomic import ReportError, write_atomic
from winit.claims.collect import summarize
from winit.claims.record import GROUPS
from winit.claims.schema import Results, dumps, load_results, validate

ROOT = Path(__file__).resolve().parents[1]

T = TypeVar("T")


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``: the items numbered ``index - 1`` modulo ``count``.

    >>> Shard(2, 3).numbers(7)
    [1, 4]
    >>> str(Shard(2, 3)), str(Shard())
    ('2/3', '')
    """

    index: int = 1
    count: int = 1

    def __str__(self) -> str:
        return "" if self.count == 1 else f"{self.index}/{self.count}"

    def numbers(self, total: int) -> list[int]:
        """The item numbers (0-based, of ``total`` in all) this shard takes."""
        return list(range(self.index - 1, total, self.count))

    def share(self, items: Sequence[T]) -> list[T]:
        """This shard's share of ``items``."""
        return [items[k] for k in self.numbers(len(items))]


def shard_of(text: str) -> Shard:
    """``"3/20"`` → shard 3 of 20 (an argparse type: a bad value is a one-line usage error)."""
    index, _, count = text.partition("/")
    if not (index.isdigit() and count.isdigit() and 1 <= int(index) <= int(count)):
        raise argparse.ArgumentTypeError(f"expected I/N with 1 <= I <= N, like 3/20; got {text!r}")
    return Shard(int(index), int(count))


def property_files(root: Path, shard: Shard) -> list[str]:
    """This shard's share of the property test files under ``root`` (in name order)."""
    files = sorted(p.relative_to(root).as_posix() for p in (root / "properties").glob("test_*.py"))
    return shard.share(files)


#: What makes two shards' results one run: the same code and the same draws.
IDENTITY = ("git_commit", "git_dirty", "winit_version", "python", "numpy", "hypothesis",
            "hypothesis_profile", "hypothesis_seed")  # fmt: skip


def _order(claim: dict[str, Any], index: int) -> tuple[int, str, int]:
    """A merged claim's place: its group, then the file of its first test, then its place in
    its shard (the order of an unsharded run)."""
    first = claim["tests"][0]["nodeid"].split("::")[0] if claim["tests"] else ""
    group = claim.get("group")
    return GROUPS.index(group) if group in GROUPS else len(GROUPS), first, index


def _partial(
    claims: list[dict[str, Any]], selections: list[dict[str, Any]], every: set[str]
) -> bool:
    """Whether merged shards left something out: tests deselected in a shard, or a file of
    ``every`` that no shard ran."""
    ran = {t["nodeid"].split("::")[0] for c in claims for t in c["tests"]}
    return not claims or any(s["deselected"] for s in selections) or not every <= ran


def merge_results(paths: list[Path], every: set[str] | None = None) -> Results:
    """The results of property-file shards as one run (partial unless they ran all of
    ``every``, by default the property files): raises :class:`ReportError` (one line) on shards
    of different code (:data:`IDENTITY`) or a claim run by two shards."""
    every = set(property_files(ROOT, Shard())) if every is None else every
    shards = [(path, load_results(path)) for path in paths]
    first_path, first = shards[0]
    ran: dict[str, Path] = {}
    placed: list[tuple[tuple[int, str, int], dict[str, Any]]] = []
    for path, results in shards:
        for key in IDENTITY:
            if results["run"].get(key) != first["run"].get(key):
                raise ReportError(f"shards of different code: {key} {results['run'].get(key)} "
                                  f"in {path}, {first['run'].get(key)} in {first_path}")  # fmt: skip
        for index, claim in enumerate(results["claims"]):
            if claim["observed"] == "not-run":
                continue
            if claim["id"] in ran:
                raise ReportError(f"overlapping shards: claim {claim['id']} ran in "
                                  f"{ran[claim['id']]} and {path}")  # fmt: skip
            ran[claim["id"]] = path
            placed.append((_order(claim, index), claim))
    claims = [c for _, c in sorted(placed, key=lambda p: p[0])]
    runs = [r["run"] for _, r in shards]
    selections = [r["selection"] for r in runs]
    run = {
        **first["run"],
        "args": [str(a) for r in runs for a in r.get("args", [])],
        "started": min(r["started"] for r in runs),
        "duration_s": max(r["duration_s"] for r in runs),
        "exitstatus": max(r["exitstatus"] for r in runs),
        "collection_errors": [e for r in runs for e in r.get("collection_errors", [])],
        "selection": {
            "args": [f"merged from {len(paths)} shards"],
            "selected": sum(s["selected"] for s in selections),
            "deselected": sum(s["deselected"] for s in selections),
            "keyword": None,
            "partial": _partial(claims, selections, every),
        },
    }
    return validate({**first, "run": run, "summary": summarize(claims), "claims": claims,
                     "other_tests": [t for _, r in shards for t in r.get("other_tests", [])]})  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    files = sub.add_parser("files", help="print shard I/N's property files")
    files.add_argument("shard", type=shard_of, metavar="I/N")
    merge = sub.add_parser("merge-results", help="merge property-file shards' results")
    merge.add_argument("results", nargs="+", type=Path)
    merge.add_argument("--out", type=Path, required=True, help="the merged results.json")
    args = parser.parse_args(argv)
    if args.command == "files":
        print(" ".join(property_files(ROOT, args.shard)))
        return 0
    try:
        merged = merge_results(args.results)
        write_atomic(args.out, dumps(merged))
    except ReportError as err:
        parser.error(str(err))
    summary = merged["summary"]
    print(f"merged {len(args.results)} shards: {summary['claims']} claims, "
          f"{summary['unexpected']} unexpected -> {args.out}")  # fmt: skip
    return 1 if summary["unexpected"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
