"""The mup coordinate check at step 0: each layer's output RMS against the model's width.

A model built at several widths, under each seed: per layer (leaf module, by name, present at
every width), the least-squares slope of ln RMS against ln width, checked within
:data:`~winit.signal.bands.WIDTH_BAND` (a judgement) at a Bonferroni share of ``alpha``.
Forward activations only, in eval mode.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import numpy as np
from torch import nn

from winit.signal.bands import WIDTH_BAND
from winit.signal.checking import SEEDS, Plan, finding, geometric_mean
from winit.signal.inputs import MakeInput
from winit.signal.result import Layer, Signal
from winit.signal.torch_signal import input_for, record_seeds
from winit.stats import RUN_ALPHA, bonferroni


def widths(
    build: Callable[[int], nn.Module],
    sizes: Sequence[int],
    make_input: Sequence[int] | MakeInput | None = None,
    *,
    seeds: Sequence[int] = SEEDS,
    alpha: float = RUN_ALPHA,
) -> Signal:
    """Is every layer's output RMS flat in width at init? (see the module docstring)

    Args:
        build: the model at a width, called under ``torch.manual_seed(seed)``.
        sizes: at least 2 distinct widths.
        make_input: as for :func:`~winit.signal.measure` (made from each width's model when
            ``None``).
        seeds: at least 3 seeds.
        alpha: the false-alarm budget of all the layers' checks together.

    Raises:
        ValueError: fewer than 2 widths or 3 seeds.
        UnmeasurableError: no input can be made.

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
    rms: dict[str, list[list[float]]] = {}
    kinds: dict[str, str] = {}
    described = ""
    for size in sizes:
        model = build(size)
        given = input_for(model, make_input)
        described = given.describe
        kinds.update({n: type(m).__name__ for n, m in model.named_modules()})
        recorded = record_seeds(partial(build, size), given.make, seeds, "eval")
        for name in recorded[0].forward:
            rms.setdefault(name, []).append([p.forward[name] for p in recorded])
    common = [name for name, per_width in rms.items() if len(per_width) == len(sizes)]
    ln_width = np.log(np.asarray(sizes, dtype=np.float64))
    plans = [
        Plan(name, "eval", "ln-RMS slope in ln width",
             np.polyfit(ln_width, np.log(np.maximum(np.asarray(rms[name]), 1e-300)), 1)[0],
             0.0, WIDTH_BAND, per=" per e-fold of width")
        for name in common
    ]  # fmt: skip
    check_alpha = bonferroni(alpha, max(1, len(plans)))
    layers = [
        Layer(name=f"{name} @ {size}", kind="layer", type=kinds[name], mode="eval",
              forward=geometric_mean(values), backward=None)
        for name in common
        for size, values in zip(sizes, rms[name], strict=True)
    ]  # fmt: skip
    return Signal(
        model=type(build(sizes[0])).__name__, input=described, modes=("eval",), seeds=seeds,
        alpha=alpha, check_alpha=check_alpha, bounded_stream=False, layers=tuple(layers),
        findings=tuple(finding(plan, check_alpha) for plan in plans),
        notes=(f"widths {', '.join(map(str, sizes))}: forward RMS per layer at init, eval "
               "mode (the mup coordinate check at step 0)",),
    )  # fmt: skip
