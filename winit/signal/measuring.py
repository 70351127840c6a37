"""Measure a model's signal at init over several seeds and check it (see :mod:`winit.signal`):
the model's framework records the passes, :func:`winit.signal.checking.check` judges them."""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import Any

from winit.audit.kinds import call_builder, framework_of, seeded
from winit.signal.checking import SEEDS, Subject, check
from winit.signal.inputs import UnmeasurableError
from winit.signal.result import Signal
from winit.stats import RUN_ALPHA

#: each framework's recorder (a module with ``subject(model, sample, make_input)``, imported on
#: first use), by the framework's name in :data:`winit.audit.kinds.MODELS`
RECORDERS: Mapping[str, str] = {
    "torch": "winit.signal.torch_signal",
    "keras": "winit.signal.keras_signal",
    "flax.nnx": "winit.signal.flax_signal",
    "flax.linen": "winit.signal.flax_signal",
}
ACCEPTED = (
    "a torch.nn.Module, a keras.Model (jax backend), a flax.nnx.Module or a builder of one, "
    "or a builder of Flax linen variables"
)


def subject_of(model: Any, make_input: Any, seed: int) -> Subject:
    """``model`` (a model, or a builder called under ``seed``) as its framework's recorder sees it.

    Raises:
        UnmeasurableError: a model of no framework the signal is measured in, or one its
            recorder refuses.
    """
    sample = model
    if framework_of(model) is None and callable(model):
        with seeded(seed):
            sample = call_builder(model)
    name = framework_of(sample)
    if name is None or name not in RECORDERS:
        what = name or type(sample).__name__
        raise UnmeasurableError(f"cannot measure the signal through a {what}: accepted {ACCEPTED}")
    recorder = importlib.import_module(RECORDERS[name])
    made: Subject = recorder.subject(model, sample, make_input)
    return made


def measure(
    model: Any,
    make_input: Any = None,
    *,
    seeds: Sequence[int] = SEEDS,
    alpha: float = RUN_ALPHA,
    bounded_stream: bool = False,
) -> Signal:
    """The forward and backward signal through ``model`` at init, checked.

    Per layer and per block: the RMS of the output forward and of its gradient backward (an
    N(0, 1) output gradient), over ``seeds``. Checks, Bonferroni over all of them at a joint
    ``alpha``; the bands are judgements and each is stated on the output
    (:mod:`winit.signal.bands`):

    - every norm layer's output RMS is 1 (or exactly 0: a deliberately zero gain);
    - the ln-RMS slope per block, forward and backward, is within a band: of the branches on a
      residual stream (the stream's √depth growth is then named and passes), of the layers'
      outputs otherwise; with ``bounded_stream`` the stream's total growth is within a band;
    - no activation or gradient is non-finite (exact).

    The fraction of dead ReLU units per layer is reported, not checked.

    Args:
        model: a ``torch.nn.Module`` (kept; each seed draws an input and an output gradient)
            or a builder called under ``torch.manual_seed(seed)`` (re-initialised per seed);
            likewise a ``keras.Model`` on the jax backend, a builder of one rebuilt under
            ``keras.utils.set_random_seed(seed)`` (:mod:`winit.signal.keras_signal`; its
            ``make_input`` callable takes a ``numpy.random.Generator``); a
            ``flax.nnx.Module``, a builder taking ``rngs``, or a builder of a key returning
            linen variables (:mod:`winit.signal.flax_signal`).
        make_input: a shape (N(0, 1) features) or a callable of a ``torch.Generator``
            returning a tensor, tuple or dict (Keras, Flax: of a ``numpy.random.Generator``,
            returning an array, tuple or dict); by default made from the model's config or its
            first ``nn.Linear`` (``nnx.Linear``).
        seeds: at least 3 seeds.
        alpha: the false-alarm budget of all the checks together.
        bounded_stream: the author declares the residual stream bounded (e.g. GPT-2's
            1/√(2L) projections): a growing stream then fails.

    Raises:
        ValueError: fewer than 3 seeds.
        UnmeasurableError: a model the signal cannot take (one line saying why and what is
            accepted): of no supported framework, no input given and none can be made, or a
            backend, JAX transform or form of model its recorder refuses.

    >>> import torch
    >>> torch.manual_seed(0) and None
    >>> net = torch.nn.Sequential(*[torch.nn.Linear(32, 32) for _ in range(4)])
    >>> result = measure(net, seeds=range(8))  # torch's default Linear init: variance /3 a layer
    >>> bool(result), result.failures[0].verdict
    (False, 'FAIL: RMS x0.644 per block, outside x[0.718, 1.39]')
    """
    seeds = tuple(seeds)
    subject = subject_of(model, make_input, seeds[0] if seeds else 0)
    return check(subject, seeds=seeds, alpha=alpha, bounded_stream=bounded_stream)
