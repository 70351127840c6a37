"""One forward and backward pass of a torch model with hooks: the RMS of every layer's output
and of the gradient reaching it, and of every block's input, output and branch.

Layers are the leaf modules. Blocks are the children of the model's longest container
(``nn.ModuleList`` or ``nn.Sequential``) of two or more modules of one class — the repeated
blocks of a transformer — or, when there is none, the leaf modules with a weight matrix in
call order (the layers of a plain network). A block's *stream* is its input and output; its
*branch* is output − input, measured where the two have one shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

#: The type names of the normalisation layers the norm check covers, besides subclasses of
#: torch's own (a model's own ``...Norm`` class, e.g. transformers' ``LlamaRMSNorm``).
NORM_SUFFIXES = ("Norm", "Norm1d", "Norm2d", "Norm3d")


def is_norm(module: nn.Module) -> bool:
    """A normalisation layer: torch's layer/batch/group/instance/RMS norms or a ``...Norm`` class.

    >>> is_norm(nn.LayerNorm(4)), is_norm(nn.Linear(4, 4))
    (True, False)
    """
    torch_norms = (nn.LayerNorm, nn.GroupNorm, nn.RMSNorm, nn.modules.batchnorm._BatchNorm)
    return isinstance(module, torch_norms) or type(module).__name__.endswith(NORM_SUFFIXES)


def blocks_of(model: nn.Module) -> list[str]:
    """The names of the model's blocks (see the module docstring).

    >>> blocks_of(nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)))
    ['0', '2']
    """
    best: list[str] = []
    for name, module in model.named_modules():
        if isinstance(module, nn.ModuleList | nn.Sequential) and len(module) >= 2:
            kinds = {type(child) for child in module}
            if len(kinds) == 1 and len(module) > len(best):
                prefix = f"{name}." if name else ""
                best = [f"{prefix}{child}" for child, _ in module.named_children()]
    if best:
        return best
    return [
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


def rms(x: torch.Tensor) -> float:
    """The root mean square of a tensor, in float64."""
    return float(x.detach().double().pow(2).mean().sqrt())


@dataclass
class Pass:
    """What one forward and backward pass recorded (the first call of each module).

    Attributes:
        forward: leaf name → RMS of its output.
        backward: leaf name → RMS of the gradient of its output.
        dead: ReLU leaf name → fraction of its units (last axis) at zero for every example.
        stream_in, stream_out: block name → RMS of its input / output.
        branch: block name → RMS of output − input (blocks whose shapes match).
        coupling: block name → regression coefficient of output on input (≈ 1 on a residual
            stream, ≈ 0 through a random layer).
        grad_out: block name → RMS of the gradient of its output.
        nonfinite: ``"name (forward)"`` or ``"name (backward)"`` for each leaf or block with a
            non-finite activation or gradient, in the order met (the forward call order first).
    """

    forward: dict[str, float] = field(default_factory=dict)
    backward: dict[str, float] = field(default_factory=dict)
    dead: dict[str, float] = field(default_factory=dict)
    stream_in: dict[str, float] = field(default_factory=dict)
    stream_out: dict[str, float] = field(default_factory=dict)
    branch: dict[str, float] = field(default_factory=dict)
    coupling: dict[str, float] = field(default_factory=dict)
    grad_out: dict[str, float] = field(default_factory=dict)
    nonfinite: dict[str, None] = field(default_factory=dict)


def _check_finite(record: Pass, name: str, x: torch.Tensor, direction: str) -> None:
    if not bool(torch.isfinite(x).all()):
        record.nonfinite[f"{name} ({direction})"] = None


def record_pass(
    model: nn.Module, call: Callable[[], Any], grad: Callable[[torch.Tensor], torch.Tensor]
) -> Pass:
    """Run ``call()`` (the model on its input) with hooks, back-propagate ``grad(output)`` from
    its first floating output tensor and return what the hooks saw."""
    record = Pass()
    blocks = set(blocks_of(model))
    handles: list[Any] = []

    def on_grad(store: dict[str, float], name: str) -> Callable[[torch.Tensor], None]:
        def hook(g: torch.Tensor) -> None:
            if name not in store:
                store[name] = rms(g)
                _check_finite(record, name, g, "backward")

        return hook

    def leaf_hook(name: str) -> Callable[[nn.Module, Any, Any], None]:
        def hook(module: nn.Module, args: Any, output: Any) -> None:
            out = _first_tensor(output)
            if out is None or name in record.forward:
                return
            record.forward[name] = rms(out)
            _check_finite(record, name, out, "forward")
            if isinstance(module, nn.ReLU):
                units = out.detach().reshape(-1, out.shape[-1])
                record.dead[name] = float((units <= 0).all(dim=0).double().mean())
            if out.requires_grad:
                out.register_hook(on_grad(record.backward, name))  # type: ignore[no-untyped-call,unused-ignore]

        return hook

    def block_hook(name: str) -> Callable[[nn.Module, Any, Any], None]:
        def hook(module: nn.Module, args: Any, output: Any) -> None:
            inp, out = _first_tensor(args), _first_tensor(output)
            if inp is None or out is None or name in record.stream_out:
                return
            record.stream_in[name], record.stream_out[name] = rms(inp), rms(out)
            _check_finite(record, name, out, "forward")
            if inp.shape == out.shape:
                x, y = inp.detach().double(), out.detach().double()
                record.branch[name] = rms(y - x)
                record.coupling[name] = float((x * y).sum() / (x * x).sum().clamp_min(1e-300))
            if out.requires_grad:
                out.register_hook(on_grad(record.grad_out, name))  # type: ignore[no-untyped-call,unused-ignore]

        return hook

    for name, module in model.named_modules():
        if not list(module.children()) and name:
            handles.append(module.register_forward_hook(leaf_hook(name)))
        if name in blocks:
            handles.append(module.register_forward_hook(block_hook(name)))
    try:
        output = _first_tensor(call())
        if output is None:
            raise ValueError("the model returned no floating tensor to back-propagate from")
        _check_finite(record, "output", output, "forward")
        if output.requires_grad:
            output.backward(grad(output))  # type: ignore[no-untyped-call,unused-ignore]
    finally:
        for handle in handles:
            handle.remove()
    return record
