"""What a model is in each framework ``winit audit`` reads, and how a builder is given the seed.

A builder is called with no argument, except one whose only required parameter is named
``rngs`` (given ``flax.nnx.Rngs(seed)``) or ``key`` (given ``jax.random.key(seed)``, for a
function returning ``module.init(key, ...)``): JAX has no global seed to set. The checks read
``sys.modules`` only: an object can be a framework's model only once the framework is imported.

>>> is_model(object())
False
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import sys
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any

#: the seed of the build under way (set by :func:`seeded`)
_SEED: ContextVar[int] = ContextVar("winit_audit_seed", default=0)


def _jax_key(seed: int) -> Any:
    return sys.modules["jax"].random.key(seed)


def _nnx_rngs(seed: int) -> Any:
    from flax import nnx

    return nnx.Rngs(seed)


#: a builder's one required parameter, by name → what it is given for a seed
SEED_ARGUMENTS: Mapping[str, Callable[[int], Any]] = {"rngs": _nnx_rngs, "key": _jax_key}


def _instance(module: str, *path: str) -> Callable[[Any], bool]:
    def owns(obj: Any) -> bool:
        found: Any = sys.modules.get(module)
        for part in path:
            found = getattr(found, part, None)
        return isinstance(found, type) and isinstance(obj, found)

    return owns


def is_linen_variables(obj: Any) -> bool:
    """Flax linen's variables: a mapping with a ``params`` collection."""
    return "flax.linen" in sys.modules and isinstance(obj, Mapping) and "params" in obj


#: each framework's model objects, by the framework's name
MODELS: Mapping[str, Callable[[Any], bool]] = {
    "torch": _instance("torch.nn", "Module"),
    "keras": _instance("keras", "Model"),
    "flax.nnx": _instance("flax.nnx", "Module"),
    "flax.linen": is_linen_variables,
}


def framework_of(obj: Any) -> str | None:
    """The name (in :data:`MODELS`) of the framework ``obj`` is a model of, or ``None``."""
    return next((name for name, owns in MODELS.items() if owns(obj)), None)


def is_model(obj: Any) -> bool:
    return framework_of(obj) is not None


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Builders called inside get ``seed`` (see the module docstring)."""
    token = _SEED.set(seed)
    try:
        yield
    finally:
        _SEED.reset(token)


def call_builder(fn: Callable[..., Any]) -> Any:
    """``fn()``, or ``fn(rngs)`` / ``fn(key)`` for the seed under way (module docstring); ``fn``
    may be a ``functools.partial`` of such a builder (the width sweep's ``build(width, rngs)``)."""
    base, bound, named = fn, 0, set[str]()
    while isinstance(base, functools.partial):
        bound, named, base = bound + len(base.args), named | set(base.keywords), base.func
    target = base.__init__ if isinstance(base, type) else base  # type: ignore[misc]
    try:  # a class by its __init__ (nnx's metaclass hides it), without self
        parameters = list(inspect.signature(target).parameters.values())
    except (TypeError, ValueError):  # a builtin without a signature: called bare
        return fn()
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    unbound = [p for p in parameters[isinstance(base, type) :] if p.kind in kinds][bound:]
    required = [p for p in unbound if p.default is p.empty and p.name not in named]
    if len(required) == 1 and required[0].name in SEED_ARGUMENTS:
        return fn(SEED_ARGUMENTS[required[0].name](_SEED.get()))
    return fn()


class NoPathError(ValueError):
    """The framework has no such path (the message says why)."""
