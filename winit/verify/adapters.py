"""Finding an initializer by import path and calling it in its framework's own convention, with no
hand-written adapter: the convention (:data:`~winit.verify.conventions.CONVENTIONS`) is detected
from the callable's module and signature, or forced with ``convention=``; all calls of the code
under check go through :func:`~winit.verify.guard.user_code`.

Law parameters the user gave are passed to the callable under the framework's own name
(:data:`~winit.verify.conventions.SYNONYMS`: ``value`` → ``val``/``constant``/``fill_value``, ``std`` → ``stddev``/``scale``,
``a``/``b`` → ``low``/``high``/``minval``/``maxval``, ``gain`` → ``scale``, ...; ``renames``
overrides), when the receiving signature names them, so a law's defaults are checked against the
callable's own; a parameter it takes under none of its names is passed nowhere, and
:meth:`Caller.describe` says so. Every draw is reproducible from an int seed; frameworks seeded
through global state (torch, numpy for Chainer) have it restored afterwards where they allow.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from winit._validate import Shape
from winit.verify.conventions import (
    CONVENTION_NAMES,
    CONVENTIONS,
    Convention,
    Draw,
    Router,
    framework,
    parameters_of,
)
from winit.verify.guard import UserCodeError, user_code
from winit.verify.laws import ResolvedLaw, did_you_mean

__all__ = [
    "CONVENTIONS",
    "Caller",
    "Convention",
    "choose",
    "detect",
    "framework",
    "load",
    "make_caller",
]


_TENSOR_NAMES = ("tensor", "weight", "w")


def load(path: str) -> Callable[..., Any]:
    """The callable at ``MODULE:ATTR`` (ATTR may be dotted), or a one-line ``ValueError``. The
    working directory is on the import path, as with ``python -m``. Importing the module runs
    the user's code: see :func:`~winit.verify.guard.user_code`."""
    module_name, sep, attr = path.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(
            f"initializer must be given as MODULE:ATTR (e.g. winit:he_normal), got {path!r}"
        )
    if "" not in sys.path:
        sys.path.insert(0, "")
    missing: ModuleNotFoundError | None = None
    with user_code(f"importing {module_name!r}"):
        try:
            obj: Any = importlib.import_module(module_name)
        except ModuleNotFoundError as e:
            missing = e
    if missing is not None:
        raise ValueError(
            f"cannot import module {module_name!r}: {missing}{_install_hint(missing.name)}"
        )
    for part in attr.split("."):
        with user_code(f"reading {module_name}:{attr}"):
            found = hasattr(obj, part)
            obj = getattr(obj, part) if found else obj
        if not found:
            names = [n for n in dir(obj) if not n.startswith("_")]
            raise ValueError(
                f"module {module_name!r} has no attribute {attr!r}{did_you_mean(part, names)}"
            )
    if not callable(obj):
        raise ValueError(f"{path} is a {type(obj).__name__}, not a callable initializer")
    return obj  # type: ignore[no-any-return]


def _install_hint(module: str | None) -> str:
    top = (module or "").split(".")[0]
    for c in CONVENTIONS.values():
        if top in c.modules:
            return f"; install it with pip install '{c.package}'"
    return ""


def name_of(fn: Any) -> str:
    """``module.qualname`` of a function or class; for an instance, its class's."""
    try:
        owner = fn if isinstance(getattr(fn, "__qualname__", None), str) else type(fn)
    except Exception:  # an attribute lookup of the code under check's object that raised
        owner = type(fn)
    return f"{getattr(owner, '__module__', '?')}.{owner.__qualname__}"


def _module(fn: Any) -> str:
    owner = fn if callable(fn) and (inspect.isroutine(fn) or inspect.isclass(fn)) else type(fn)
    return getattr(owner, "__module__", "") or ""


def detect(fn: Any, law_params: Mapping[str, object]) -> tuple[str, str]:
    """The calling convention of ``fn`` and the reason it was chosen."""
    module = _module(fn)
    top = module.split(".")[0]
    for c in CONVENTIONS.values():
        if top in c.modules:
            return c.name, f"defined in {module}"
    params = parameters_of(fn)
    first = params[0].name if params else None
    if first == "key":
        return "jax", "first parameter is 'key'"
    if first in _TENSOR_NAMES:
        return "torch", f"first parameter is {first!r}"
    if first == "shape":
        return "numpy", "first parameter is 'shape'"
    names = {p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    if names and names <= set(law_params) | {"layout"}:
        return "factory", f"its parameters ({', '.join(sorted(names))}) are all law parameters"
    return "numpy", "default: f(shape, rng)"


def _backend(convention: str) -> str:
    if convention != "keras":
        return ""
    return f", backend {framework('keras', 'keras').backend.backend()} (KERAS_BACKEND)"


@dataclass(frozen=True)
class Caller:
    """Draws weights of a shape from an initializer, reproducibly from an int seed."""

    fn: Any
    convention: Convention
    reason: str
    passed: Mapping[str, str]
    dropped: tuple[str, ...]
    draw_fn: Draw

    def describe(self) -> str:
        passed = ", ".join(self.passed.values()) or "nothing"
        text = (
            f"{self.convention.name} convention: {self.convention.summary} "
            f"({self.reason}{_backend(self.convention.name)}); passed {passed}"
        )
        if self.dropped:
            text += (
                f"; not passed (the callable takes none of their names: a check of the "
                f"callable's own default): {', '.join(self.dropped)}"
            )
        return text

    def draw(self, shape: Shape, seed: int) -> NDArray[Any]:
        """One draw as a numeric numpy array; a one-line
        :class:`~winit.verify.guard.UserCodeError` if the call or its result fails."""
        name = name_of(self.fn)
        with user_code(f"calling {name} in the {self.convention.name} convention on shape {shape}"):
            out = self.draw_fn(shape, seed)
        if callable(out) and not hasattr(out, "__array__"):
            raise UserCodeError(
                f"{name} returned a function, not a numeric array (a factory? "
                f"try --convention factory, jax or mlx)"
            )
        with user_code(f"converting the {type(out).__name__} {name} returned to a numpy array"):
            arr = np.asarray(out)
        if not np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.complexfloating):
            of = f" of {arr.dtype}" if hasattr(out, "dtype") else ""
            raise UserCodeError(f"{name} returned {type(out).__name__}{of}, not a numeric array")
        return arr


def choose(fn: Any, law_params: Mapping[str, object], convention: str) -> tuple[Convention, str]:
    """The convention to call ``fn`` in (``auto``: detected) and why."""
    if convention not in CONVENTION_NAMES:
        raise ValueError(
            f"unknown convention {convention!r}; accepted: {', '.join(CONVENTION_NAMES)}"
            f"{did_you_mean(convention, CONVENTION_NAMES)}"
        )
    if convention == "auto":
        name, reason = detect(fn, law_params)
        return CONVENTIONS[name], reason
    return CONVENTIONS[convention], "forced"


def make_caller(
    fn: Any,
    law: ResolvedLaw,
    convention: Convention,
    reason: str,
    *,
    extra: Mapping[str, object] | None = None,
    renames: Mapping[str, str] | None = None,
) -> Caller:
    """A :class:`Caller` for ``fn`` in ``convention`` (chosen by :func:`choose` for ``reason``),
    with the user-given parameters of ``law`` (and ``extra`` ones such as ``layout`` or
    ``in_axis``, passed only where accepted and never reported as dropped) under the names its
    signatures take."""
    settable = law.law.params
    renames = dict(renames or {})
    unknown = [k for k in renames if k not in settable]
    if unknown:
        raise ValueError(
            f"--rename {unknown[0]}=...: not a parameter of this law; accepted: "
            f"{', '.join(settable) or 'none'}"
        )
    for module in convention.requires:
        framework(module, convention.name)
    extras = dict(extra or {})
    router = Router(convention.name, law.law.family, {**law.given, **extras}, renames)
    with user_code(f"building {name_of(fn)} in the {convention.name} convention"):
        draw = convention.bind(fn, router)
    missing = [k for k in renames if k in router.given]
    if missing:
        raise ValueError(
            f"--rename {missing[0]}={renames[missing[0]]}: {name_of(fn)} takes no parameter "
            f"{renames[missing[0]]!r}"
        )
    dropped = tuple(k for k in router.dropped if k not in extras)
    return Caller(fn, convention, reason, dict(router.passed), dropped, draw)
