"""What every recorder feeds its model, in one place (it imports no framework): the input of a
pass, made per seed from the model or given as a shape or a callable; the model called on it;
and :class:`UnmeasurableError`, the one-line refusal of a model the signal cannot take.

A recorder draws through its framework's generator (:class:`Draw`: torch's in
:mod:`winit.signal.torch_signal`, numpy's :data:`NUMPY` for Keras and Flax) and knows how to make
an input from its models (a config, a declared input, a first dense layer); the rest is here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

#: The batch and sequence length of a made input (rows of features: their product).
BATCH, SEQUENCE = 4, 16

#: a callable of the framework's generator returning the input: an array (tensor), a tuple
#: (positional arguments) or a dict (keyword arguments)
MakeInput = Callable[[Any], Any]


class UnmeasurableError(ValueError):
    """The signal of this model cannot be measured: one line saying why and what is accepted.

    A usage error (``winit audit`` exits 2), not the model's code failing: every refusal of a
    recorder raises it (no input can be made, a framework, backend or JAX transform the
    recorder does not take, linen variables without their builder).
    """


@dataclass(frozen=True)
class Input:
    """How to make one input per seed, and what it is, in words."""

    make: MakeInput
    describe: str


@dataclass(frozen=True)
class Draw:
    """A framework's random inputs.

    Attributes:
        generator: the generator a ``make_input`` callable takes, named for messages.
        normal: N(0, 1) features of a shape, drawn from a generator.
    """

    generator: str
    normal: Callable[[Any, tuple[int, ...]], Any]


def _float32_normal(gen: np.random.Generator, dims: tuple[int, ...]) -> Any:
    return gen.standard_normal(dims).astype(np.float32)


#: a ``numpy.random.Generator``'s float32 draws (Keras' and JAX's default float)
NUMPY = Draw(generator="numpy.random.Generator", normal=_float32_normal)


def shaped(shape: Sequence[int], draw: Draw, where: str = "given") -> Input:
    """N(0, 1) features of ``shape`` drawn by ``draw``; ``where`` says where the shape is from.

    >>> shaped((2, 3), NUMPY).describe
    'N(0, 1) features 2x3 given'
    >>> shaped((2, 3), NUMPY).make(np.random.default_rng(0)).dtype
    dtype('float32')
    """
    dims = tuple(int(d) for d in shape)
    return Input(
        make=lambda g: draw.normal(g, dims),
        describe=f"N(0, 1) features {'x'.join(map(str, dims))} {where}",
    )


def resolve(
    given: Sequence[int] | MakeInput | None,
    draw: Draw,
    made: Callable[[], Input | None],
    *,
    model: str,
    accepted: str,
) -> Input:
    """The input to use: ``given`` (a callable of ``draw``'s generator, or a shape of N(0, 1)
    features), else ``made()``, the input the recorder makes from the model.

    Args:
        given: what the user gave, or ``None``.
        draw: the framework's generator and N(0, 1) draws.
        made: the input made from the model, or ``None`` where none can be (called only
            without ``given``).
        model: the model's name, for the message.
        accepted: the models an input is made for, for the message.

    Raises:
        UnmeasurableError: no input given and none can be made.

    >>> resolve(None, NUMPY, lambda: None, model="Net", accepted="a first Dense layer")
    Traceback (most recent call last):
    ...
    winit.signal.inputs.UnmeasurableError: cannot make an input for Net: give make_input as a shape or a callable of a numpy.random.Generator (accepted without one: a first Dense layer)
    """
    if callable(given):
        return Input(make=given, describe="made by the given callable")
    if given is not None:
        return shaped(given, draw)
    found = made()
    if found is None:
        raise UnmeasurableError(
            f"cannot make an input for {model}: give make_input as a shape or a callable of a "
            f"{draw.generator} (accepted without one: {accepted})"
        )
    return found


def arguments(value: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The positional and keyword arguments an input stands for: a dict's items as keywords, a
    tuple's items as positionals, anything else as the one positional.

    >>> arguments({"x": 1}), arguments((1, 2)), arguments(1)
    (((), {'x': 1}), ((1, 2), {}), ((1,), {}))
    """
    if isinstance(value, dict):
        return (), dict(value)
    if isinstance(value, tuple):
        return value, {}
    return (value,), {}


def call(model: Callable[..., Any], value: Any) -> Any:
    """The model on ``value`` (see :func:`arguments`)."""
    args, kwargs = arguments(value)
    return model(*args, **kwargs)
