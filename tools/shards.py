"""Shards of a heavy run (``--shard I/N`` of ``tools.flake`` and ``tools.mutants``): shard I of
N takes the items numbered I-1, I-1+N, ... so that N jobs of a CI matrix share the work and
their outputs merge into one result."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

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
