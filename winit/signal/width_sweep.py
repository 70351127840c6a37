"""The mup coordinate check at step 0: each layer's output RMS against the model's width.

A model of any framework :func:`~winit.signal.measure` takes, built at several widths under each
seed: per layer (by name, present at every width), the least-squares slope of ln RMS against
ln width, checked within :data:`~winit.signal.bands.WIDTH_BAND` (a judgement) at a Bonferroni
share of ``alpha``. Forward activations only, in eval mode (the one mode a model without a batch
norm has).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np

from winit.signal.bands import WIDTH_BAND
from winit.signal.checking import SEEDS, Plan, finding, geometric_mean
from winit.signal.inputs import MakeInput, UnmeasurableError
from winit.signal.measuring import subject_of
from winit.signal.result import Layer, Signal
from winit.stats import RUN_ALPHA, bonferroni


def _aligned(
    per_width: list[list[tuple[str, str, list[float]]]],
) -> tuple[dict[str, list[list[float]]], dict[str, str]]:
    """Each layer's RMS per width, by the first width's names: by position where every width has
    the same layer types in call order (Keras numbers a default name by the layers built before
    it: ``dense_3`` at one width is ``dense_7`` at the next), else by name."""
    first = per_width[0]
    by_position = all([t for _, t, _ in w] == [t for _, t, _ in first] for w in per_width)
    rms: dict[str, list[list[float]]] = {}
    kinds: dict[str, str] = {}
    for layers in per_width:
        for i, (name, kind, values) in enumerate(layers):
            key = first[i][0] if by_position else name
            rms.setdefault(key, []).append(values)
            kinds[key] = kind
    return rms, kinds


def widths(
    build: Callable[..., Any],
    sizes: Sequence[int],
    make_input: Sequence[int] | MakeInput | None = None,
    *,
    seeds: Sequence[int] = SEEDS,
    alpha: float = RUN_ALPHA,
) -> Signal:
    """Is every layer's output RMS flat in width at init? (see the module docstring)

    Args:
        build: the model at a width: ``build(width)``, or for Flax ``build(width, rngs)`` /
            ``build(width, key)``, called under each seed as :func:`~winit.signal.measure`
            calls a builder.
        sizes: at least 2 distinct widths.
        make_input: as for :func:`~winit.signal.measure` (made from each width's model when
            ``None``).
        seeds: at least 3 seeds.
        alpha: the false-alarm budget of all the layers' checks together.

    Raises:
        ValueError: fewer than 2 widths or 3 seeds.
        UnmeasurableError: no input can be made, or no layer is found at every width.

    >>> import torch
    >>> def mlp(width):
    ...     return torch.nn.Sequential(torch.nn.Linear(16, width), torch.nn.Linear(width, 1))
    >>> bool(widths(mlp, [32, 128], seeds=range(4)))
    True
    """
    sizes, seeds = tuple(sizes), tuple(seeds)
    if len(set(sizes)) < 2 or len(seeds) < 3:
        raise ValueError(
            f"widths: need at least 2 distinct widths and 3 seeds, got {sizes} and {len(seeds)}"
        )
    per_width: list[list[tuple[str, str, list[float]]]] = []  # (name, type, RMS per seed)
    for size in sizes:
        subject = subject_of(partial(build, size), make_input, seeds[0])
        mode = "eval" if "eval" in subject.modes else subject.modes[0]  # linen: its call's
        recorded = [subject.record(seed, mode) for seed in seeds]
        per_width.append([(name, subject.types[name], [p.forward[name] for p in recorded])
                          for name in recorded[0].forward])  # fmt: skip
    rms, kinds = _aligned(per_width)
    common = [name for name, values in rms.items() if len(values) == len(sizes)]
    if not common:
        raise UnmeasurableError(
            f"widths: no layer is found at every width, by name or by position in call order "
            f"({', '.join(map(str, sizes))}); name the layers independently of the width"
        )
    ln_width = np.log(np.asarray(sizes, dtype=np.float64))
    plans = [
        Plan(name, mode, "ln-RMS slope in ln width",
             np.polyfit(ln_width, np.log(np.maximum(np.asarray(rms[name]), 1e-300)), 1)[0],
             0.0, WIDTH_BAND, per=" per e-fold of width")
        for name in common
    ]  # fmt: skip
    check_alpha = bonferroni(alpha, max(1, len(plans)))
    layers = [
        Layer(name=f"{name} @ {size}", kind="layer", type=kinds[name], mode=mode,
              forward=geometric_mean(values), backward=None)
        for name in common
        for size, values in zip(sizes, rms[name], strict=True)
    ]  # fmt: skip
    return Signal(
        model=subject.model, input=subject.input, modes=(mode,), seeds=seeds,
        alpha=alpha, check_alpha=check_alpha, bounded_stream=False, layers=tuple(layers),
        findings=tuple(finding(plan, check_alpha) for plan in plans),
        notes=(f"widths {', '.join(map(str, sizes))}: forward RMS per layer at init, {mode} "
               "mode (the mup coordinate check at step 0)",),
    )  # fmt: skip
