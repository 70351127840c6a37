"""The signal through a torch model: one forward and backward pass with hooks recorded per seed
and mode into a :class:`~winit.signal.passes.Pass`, and the model as the checks see it
(:func:`subject`).

The input (:func:`input_for`): a shape (N(0, 1) features), a callable of a ``torch.Generator``,
or made from the model: token ids or pixel values from a ``transformers`` config, else N(0, 1)
features for a first ``nn.Linear``.

Layers are the leaf modules. Blocks (:func:`~winit.signal.checking.blocks_among`) are chosen
among the runs of modules of one class in an ``nn.ModuleList`` or ``nn.Sequential`` — the
repeated blocks of a transformer, even a stack of one — or, when there is none, the leaf
modules with a weight matrix in call order (the layers of a plain network).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from torch import nn

from winit.signal.checking import Siblings, Subject, blocks_among, framework_class, modes
from winit.signal.inputs import (
    BATCH,
    SEQUENCE,
    Draw,
    Input,
    MakeInput,
    UnmeasurableError,
    call,
    resolve,
    shaped,
)
from winit.signal.passes import Pass, is_norm_name

#: a ``torch.Generator``'s draws
TORCH = Draw(generator="torch.Generator", normal=lambda gen, dims: torch.randn(dims, generator=gen))


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
        return shaped((BATCH * SEQUENCE, first.in_features), TORCH, "from its first Linear layer")
    return None


def input_for(model: nn.Module, given: Sequence[int] | MakeInput | None) -> Input:
    """The input to use: ``given`` (a shape, or a callable of a ``torch.Generator`` returning a
    tensor, tuple or dict) or one made from the model (see the module docstring).

    Raises:
        UnmeasurableError: no input given and none can be made.
    """
    return resolve(
        given, TORCH, lambda: _config_input(model) or _first_layer_input(model),
        model=type(model).__name__,
        accepted="a transformers model with a text or vision config, a module whose first "
        "layer is nn.Linear",
    )  # fmt: skip


def is_norm(module: nn.Module) -> bool:
    """A normalisation layer: torch's layer/batch/group/instance/RMS norms or a ``...Norm`` class.

    >>> is_norm(nn.LayerNorm(4)), is_norm(nn.Linear(4, 4))
    (True, False)
    """
    torch_norms = (nn.LayerNorm, nn.GroupNorm, nn.RMSNorm, nn.modules.batchnorm._BatchNorm)
    return isinstance(module, torch_norms) or is_norm_name(type(module).__name__)


def is_batch_norm(module: nn.Module) -> bool:
    return isinstance(module, nn.modules.batchnorm._BatchNorm)


def blocks_of(model: nn.Module) -> list[str]:
    """The names of the model's blocks (see the module docstring).

    >>> blocks_of(nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)))
    ['0', '2']
    """
    runs = [
        Siblings(
            names=tuple(
                f"{name}.{child}" if name else child for child, _ in module.named_children()
            ),
            composite=bool(list(module[0].children())),
            own=not framework_class(type(module[0]), "torch"),
            depth=name.count(".") + bool(name),
        )
        for name, module in model.named_modules()
        if isinstance(module, nn.ModuleList | nn.Sequential)
        and len(module)
        and len({type(child) for child in module}) == 1
    ]
    return blocks_among(runs) or [
        name
        for name, module in model.named_modules()
        if not list(module.children())
        and isinstance(getattr(module, "weight", None), torch.Tensor)
        and module.weight.dim() >= 2
        and not isinstance(module, nn.Embedding)
    ]


def _first_tensor(value: Any) -> torch.Tensor | None:
    """The first floating tensor in a module's output or input (a tensor, tuple or dict-like)."""
    if isinstance(value, torch.Tensor):
        return value if value.is_floating_point() else None
    items = value.values() if hasattr(value, "values") else value
    if isinstance(items, tuple | list) or hasattr(value, "values"):
        for item in items:
            found = _first_tensor(item)
            if found is not None:
                return found
    return None


def _array(x: torch.Tensor) -> NDArray[np.float64]:
    array: NDArray[np.float64] = x.detach().double().cpu().numpy()
    return array


def record_pass(
    model: nn.Module, call: Callable[[], Any], grad: Callable[[torch.Tensor], torch.Tensor]
) -> Pass:
    """Run ``call()`` (the model on its input) with hooks, back-propagate ``grad(output)`` from
    its first floating output tensor and return what the hooks saw."""
    record = Pass()
    blocks = set(blocks_of(model))
    handles: list[Any] = []

    def on_grad(name: str, block: bool) -> Callable[[torch.Tensor], None]:
        def hook(g: torch.Tensor) -> None:
            record.gradient(name, _array(g), block=block)

        return hook

    def leaf_hook(name: str) -> Callable[[nn.Module, Any, Any], None]:
        def hook(module: nn.Module, args: Any, output: Any) -> None:
            out = _first_tensor(output)
            if out is None or name in record.forward:
                return
            record.layer(name, _array(out), relu=isinstance(module, nn.ReLU))
            if out.requires_grad:
                out.register_hook(on_grad(name, False))  # type: ignore[no-untyped-call,unused-ignore]

        return hook

    def block_hook(name: str) -> Callable[[nn.Module, Any, Any], None]:
        def hook(module: nn.Module, args: Any, output: Any) -> None:
            inp, out = _first_tensor(args), _first_tensor(output)
            if inp is None or out is None or name in record.stream_out:
                return
            record.block(name, _array(inp), _array(out))
            if out.requires_grad:
                out.register_hook(on_grad(name, True))  # type: ignore[no-untyped-call,unused-ignore]

        return hook

    for name, module in model.named_modules():
        if not list(module.children()) and name:
            handles.append(module.register_forward_hook(leaf_hook(name)))
        if name in blocks:
            handles.append(module.register_forward_hook(block_hook(name)))
    try:
        output = _first_tensor(call())
        if output is None:
            raise UnmeasurableError("the model returned no floating tensor to back-propagate from")
        record.output(_array(output))
        if output.requires_grad:
            output.backward(grad(output))  # type: ignore[no-untyped-call,unused-ignore]
    finally:
        for handle in handles:
            handle.remove()
    return record


def record_seed(model: Any, make: MakeInput, seed: int, mode: str) -> Pass:
    """One recorded pass under ``seed``: a builder is rebuilt under it, an instance is copied
    (train mode updates batch-norm statistics) and kept."""
    torch.manual_seed(seed)
    if isinstance(model, nn.Module):
        net = copy.deepcopy(model) if mode == "train" else model
    else:
        net = model()
    was_training = net.training
    net.train(mode == "train")
    gen = torch.Generator().manual_seed(seed)
    value = make(gen)

    def grad(y: torch.Tensor) -> torch.Tensor:
        return torch.randn(y.shape, generator=gen, dtype=y.dtype)

    try:
        return record_pass(net, partial(call, net, value), grad)
    finally:
        net.train(was_training)


def record_seeds(model: Any, make: MakeInput, seeds: Sequence[int], mode: str) -> list[Pass]:
    """One recorded pass per seed (:func:`record_seed`)."""
    return [record_seed(model, make, seed, mode) for seed in seeds]


def subject(model: Any, sample: nn.Module, make_input: Sequence[int] | MakeInput | None) -> Subject:
    """``model`` (a module, or a builder of one) as the checks see it; ``sample`` is the module
    itself or one built by the builder, read for its layers, blocks and input."""
    given = input_for(sample, make_input)
    found = dict(sample.named_modules())
    blocks = tuple(blocks_of(sample))
    names = {n for n, m in found.items() if n and not list(m.children())} | set(blocks)
    return Subject(
        model=type(sample).__name__, input=given.describe, blocks=blocks,
        modes=modes(any(is_batch_norm(m) for m in sample.modules())),
        types={n: type(found[n]).__name__ for n in names},
        norms=frozenset(n for n in names if is_norm(found[n])),
        batch_norms=frozenset(n for n in names if is_batch_norm(found[n])),
        record=partial(record_seed, model, given.make),
    )  # fmt: skip
