"""An input a torch model accepts: made from its config, from its first layer, from a shape, or
by a callable of a ``torch.Generator``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

#: The batch and sequence length of a made input.
BATCH, SEQUENCE = 4, 16

MakeInput = Callable[[torch.Generator], Any]


@dataclass(frozen=True)
class Input:
    """How to make one input per seed, and what it is, in words."""

    make: MakeInput
    describe: str


def _config_input(model: nn.Module) -> Input | None:
    """Token ids for a language-model config (``vocab_size``), pixel values for a vision config
    (``image_size``, ``num_channels``); ``None`` for a model without a config."""
    config = getattr(model, "config", None)
    if config is None:
        return None
    vision = getattr(config, "vision_config", config)
    if hasattr(vision, "image_size") and hasattr(vision, "num_channels"):
        side = vision.image_size if isinstance(vision.image_size, int) else vision.image_size[0]
        shape = (BATCH, vision.num_channels, side, side)
        return Input(
            make=lambda g: {"pixel_values": torch.randn(shape, generator=g)},
            describe=f"pixel_values N(0, 1) {'x'.join(map(str, shape))} from the config",
        )
    vocab = getattr(config, "vocab_size", None)
    if isinstance(vocab, int):
        length = min(SEQUENCE, getattr(config, "max_position_embeddings", SEQUENCE))
        return Input(
            make=lambda g: {"input_ids": torch.randint(vocab, (BATCH, length), generator=g)},
            describe=f"input_ids uniform over {vocab} tokens, {BATCH}x{length}, from the config",
        )
    return None


def _first_layer_input(model: nn.Module) -> Input | None:
    """N(0, 1) features for a model whose first leaf module is ``nn.Linear``."""
    first = next((m for m in model.modules() if not list(m.children())), None)
    if isinstance(first, nn.Linear):
        shape = (BATCH * SEQUENCE, first.in_features)
        return shaped(shape, "from its first Linear layer")
    return None


def shaped(shape: Sequence[int], where: str = "given") -> Input:
    """N(0, 1) features of ``shape``."""
    dims = tuple(int(d) for d in shape)
    return Input(
        make=lambda g: torch.randn(dims, generator=g),
        describe=f"N(0, 1) features {'x'.join(map(str, dims))} {where}",
    )


def resolve(model: nn.Module, given: Sequence[int] | MakeInput | None) -> Input:
    """The input to use: ``given`` (a shape or a callable of a generator) or one made from the
    model.

    Raises:
        ValueError: no input given and none can be made.
    """
    if callable(given):
        return Input(make=given, describe="made by the given callable")
    if given is not None:
        return shaped(given)
    made = _config_input(model) or _first_layer_input(model)
    if made is None:
        raise ValueError(
            f"cannot make an input for {type(model).__name__}: give make_input as a shape or a "
            "callable of a torch.Generator (accepted without one: a transformers model with a "
            "text or vision config, a module whose first layer is nn.Linear)"
        )
    return made


def call(model: nn.Module, value: Any) -> Any:
    """The model on ``value``: keyword arguments from a dict, positional ones from a tuple."""
    if isinstance(value, dict):
        return model(**value)
    if isinstance(value, tuple):
        return model(*value)
    return model(value)
