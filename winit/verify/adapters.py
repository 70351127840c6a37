"""Finding an initializer by import path and calling it, whatever its convention.

Three conventions are recognised (detected from the callable, or forced):

- ``numpy``: ``f(shape, rng) -> array`` (winit's own; ``rng`` is a ``numpy.random.Generator``);
- ``factory``: ``f(**params) -> initializer`` whose parameters are all law parameters
  (``winit.normal(mean, std)``, ``winit.orthogonal(gain)``), then called as ``numpy``;
- ``torch``: in place ``f(tensor, **params)`` on ``torch.empty(shape, dtype=torch.float32)``,
  seeded through its ``generator=`` argument if it has one, else ``torch.manual_seed``.

Parameters the user gave are passed to the callable when its signature names them (so a law's
defaults are checked against the callable's own defaults); ``layout`` is passed when accepted.
torch is imported lazily and only for the torch convention.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from winit._validate import Shape

Convention = Literal["numpy", "factory", "torch"]
CONVENTIONS = ("auto", "numpy", "factory", "torch")
_TENSOR_NAMES = ("tensor", "weight", "w")


def load(path: str) -> Callable[..., Any]:
    """The callable at ``MODULE:ATTR`` (ATTR may be dotted), or a one-line ``ValueError``."""
    module_name, sep, attr = path.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(
            f"initializer must be given as MODULE:ATTR (e.g. winit:he_normal), got {path!r}"
        )
    try:
        obj: Any = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        hint = "; install it with pip install torch==2.13.0" if e.name == "torch" else ""
        raise ValueError(f"cannot import module {module_name!r}: {e}{hint}") from None
    except Exception as e:  # the module itself raised while importing
        raise ValueError(f"importing {module_name!r} raised {type(e).__name__}: {e}") from None
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise ValueError(f"module {module_name!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise ValueError(f"{path} is a {type(obj).__name__}, not a callable initializer")
    return obj  # type: ignore[no-any-return]


def _parameters(fn: Callable[..., Any]) -> list[inspect.Parameter]:
    try:
        return list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return []


def name_of(fn: Callable[..., Any]) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def detect(fn: Callable[..., Any], law_params: Mapping[str, object]) -> tuple[Convention, str]:
    """The calling convention of ``fn`` and the reason it was chosen."""
    params = _parameters(fn)
    first = params[0].name if params else None
    module = getattr(fn, "__module__", "") or ""
    if module == "torch" or module.startswith("torch."):
        return "torch", f"defined in {module}"
    if first in _TENSOR_NAMES:
        return "torch", f"first parameter is {first!r}"
    if first == "shape":
        return "numpy", "first parameter is 'shape'"
    names = {p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    if names and names <= set(law_params) | {"layout"}:
        return "factory", f"its parameters ({', '.join(sorted(names))}) are all law parameters"
    return "numpy", "default: f(shape, rng)"


@dataclass(frozen=True)
class Caller:
    """Draws weights of a shape from an initializer, reproducibly from an int seed."""

    fn: Callable[..., Any]
    convention: Convention
    reason: str
    kwargs: Mapping[str, object]
    seeding: str

    def describe(self) -> str:
        sig = {
            "numpy": "f(shape, rng) -> array",
            "factory": "f(**params)(shape, rng) -> array",
            "torch": "f(tensor, **params), in place on a float32 tensor",
        }[self.convention]
        passed = ", ".join(f"{k}={v!r}" for k, v in self.kwargs.items()) or "nothing"
        return (
            f"{self.convention} convention {sig} ({self.reason}); passed {passed}; {self.seeding}"
        )

    def draw(self, shape: Shape, seed: int) -> NDArray[Any]:
        try:
            out = self._call(shape, seed)
        except Exception as e:
            raise ValueError(
                f"calling {name_of(self.fn)} in the {self.convention} convention on shape "
                f"{shape} raised {type(e).__name__}: {e}"
            ) from None
        arr = np.asarray(out)
        if not np.issubdtype(arr.dtype, np.number):
            raise ValueError(
                f"{name_of(self.fn)} returned {type(out).__name__}, not a numeric array"
            )
        return arr

    def _call(self, shape: Shape, seed: int) -> Any:
        if self.convention == "numpy":
            return self.fn(shape, np.random.default_rng(seed), **self.kwargs)
        if self.convention == "factory":
            return self.fn(**self.kwargs)(shape, np.random.default_rng(seed))
        torch = import_torch()
        tensor = torch.empty(shape, dtype=torch.float32)
        extra: dict[str, object] = {}
        if "generator" in {p.name for p in _parameters(self.fn)}:
            extra["generator"] = torch.Generator().manual_seed(seed)
        else:
            torch.manual_seed(seed)
        with torch.no_grad():
            self.fn(tensor, **self.kwargs, **extra)
        return tensor.numpy()


def import_torch() -> Any:
    """``torch``, or a one-line ``ValueError`` saying how to get it."""
    try:
        return importlib.import_module("torch")
    except ImportError:
        raise ValueError(
            "the torch convention needs PyTorch, which is not installed (pip install torch==2.13.0)"
        ) from None


def make_caller(
    fn: Callable[..., Any],
    law_params: Mapping[str, object],
    given: Mapping[str, object],
    layout: str,
    convention: str = "auto",
) -> Caller:
    """A :class:`Caller` for ``fn``: its convention (detected unless forced), and the user-given
    law parameters (plus ``layout``) that its signature accepts by name."""
    if convention not in CONVENTIONS:
        raise ValueError(f"unknown convention {convention!r}; accepted: {', '.join(CONVENTIONS)}")
    conv: Convention
    if convention == "auto":
        conv, reason = detect(fn, law_params)
    else:
        conv, reason = convention, "forced"  # type: ignore[assignment]
    if conv == "torch":
        import_torch()
    params = _parameters(fn)
    skip = {"numpy": 2, "factory": 0, "torch": 1}[conv]
    named = {p.name for p in params[skip:] if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    kwargs = {k: v for k, v in {**given, "layout": layout}.items() if k in named}
    seeding = (
        "seeded by a numpy Generator per call"
        if conv != "torch"
        else "seeded through generator="
        if "generator" in named
        else "seeded by torch.manual_seed"
    )
    return Caller(fn, conv, reason, kwargs, seeding)
