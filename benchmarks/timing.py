"""Interleaved timing and peak-memory measurement.

Every call of a comparison is timed once per round and the rounds alternate (A B C A B C …), so
a change in the machine's load during the run hits all of them alike. A case's sample is the mean
time of ``number`` calls (``number`` chosen so a sample lasts about ``sample_s``); figures are
medians over rounds, spreads interquartile ranges, and a ratio is the median of the per-round
ratios (each round's candidate over the same round's baseline), which cancels slow drifts.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Samples:
    """Seconds per call of one case, one value per round."""

    seconds: list[float]

    @property
    def median(self) -> float:
        return float(np.median(self.seconds))

    @property
    def iqr(self) -> float:
        q1, q3 = np.percentile(self.seconds, [25, 75])
        return float(q3 - q1)

    def ratios_to(self, baseline: Samples) -> list[float]:
        """Per round, this case's time over the baseline's time in the same round."""
        return [s / b for s, b in zip(self.seconds, baseline.seconds, strict=True)]

    def ratio_to(self, baseline: Samples) -> float:
        """Median over rounds of this case's time over the baseline's time in the same round."""
        return float(np.median(self.ratios_to(baseline)))

    def ratio_iqr(self, baseline: Samples) -> float:
        """Interquartile range over rounds of the per-round ratios (the ratio's spread)."""
        q1, q3 = np.percentile(self.ratios_to(baseline), [25, 75])
        return float(q3 - q1)


Clock = Callable[[], float]


def _sample(fn: Callable[[], object], number: int, clock: Clock) -> float:
    """Mean seconds per call over ``number`` calls, garbage collector off (as ``timeit``).

    When a sample has several calls, one untimed call first lets the thread pool of the library
    timed before (OpenBLAS or PyTorch's OpenMP, which spin for a while after their work) go idle.
    """
    if number > 1:
        fn()
    gc.disable()
    try:
        start = clock()
        for _ in range(number):
            fn()
        return (clock() - start) / number
    finally:
        gc.enable()


def interleave(
    groups: Mapping[str, Mapping[str, Callable[[], object]]],
    *,
    budget_s: float,
    rounds: tuple[int, int] = (3, 15),
    sample_s: float = 0.02,
    clock: Clock = time.perf_counter,
) -> dict[str, dict[str, Samples]]:
    """Time groups of calls in alternating rounds; the members of a group (a candidate and what it
    is compared with) are timed back to back, in an order rotated each round, so their per-round
    ratio sees the same load. As many rounds as fit in ``budget_s`` seconds, within ``rounds`` =
    (fewest, most). A first untimed call of each member warms it up and sets its number of calls
    per sample. ``clock`` is wall time by default; ``time.process_time`` (the process' CPU time)
    measures the work of a single-threaded run without the time other processes held the CPU."""
    numbers: dict[tuple[str, str], int] = {}
    round_s = 0.0
    for group, members in groups.items():
        for name, fn in members.items():
            first = _sample(fn, 1, clock)
            n = numbers[group, name] = max(1, round(sample_s / max(first, 1e-9)))
            round_s += first * (n + (n > 1))
    fewest, most = rounds
    n_rounds = int(np.clip(budget_s // max(round_s, 1e-9), fewest, most))
    seconds: dict[tuple[str, str], list[float]] = {key: [] for key in numbers}
    for r in range(n_rounds):
        for group, members in groups.items():
            names = list(members)
            for name in names[r % len(names) :] + names[: r % len(names)]:
                seconds[group, name].append(_sample(members[name], numbers[group, name], clock))
    return {
        group: {name: Samples(seconds[group, name]) for name in members}
        for group, members in groups.items()
    }


def peak_extra_bytes(fn: Callable[[], np.ndarray]) -> tuple[int, int]:
    """``(peak bytes allocated while fn ran beyond the array it returns, that array's nbytes)``.

    numpy reports its data buffers to ``tracemalloc``; LAPACK's own workspaces (``linalg.qr``)
    are allocated outside it and are not counted.
    """
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        out = fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return max(0, peak - before - out.nbytes), out.nbytes
