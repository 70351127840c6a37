"""Which init call wrote which tensor, recorded while a model is built.

For the duration of a build, :class:`Recorder` replaces the init functions a model's code can
reach — ``torch.nn.init.*``, transformers' ``initialization`` helpers, every module attribute
bound to one of them under any name, and the in-place tensor methods ``normal_``, ``uniform_``,
``zero_``, ``fill_``, ``copy_`` — by wrappers that call the original and note the outermost call
with its arguments, the region of storage it wrote, and the law its name and arguments state
(:data:`CALLS`). Calls made inside a recorded call (``kaiming_uniform_`` calling
``uniform_``) are the outer call's business and are not noted. Every storage written is held
until the recorder is closed, so an address noted cannot be reused by another tensor mid-build.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from winit.audit.adapter import Param, resolve

#: torch.nn.init's functions (transformers' initialization module repeats these names)
INIT_NAMES = (
    "uniform_", "normal_", "constant_", "ones_", "zeros_", "eye_", "dirac_", "xavier_uniform_",
    "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "trunc_normal_", "orthogonal_",
    "sparse_",
)  # fmt: skip
#: model libraries' init modules, patched when imported before the build starts, with the
#: helpers recorded in each: transformers' repeat torch's names and add their own; timm's
#: (``trunc_normal_`` with torch's absolute bounds, ``trunc_normal_tf_`` with bounds in σ units,
#: ``variance_scaling_``, ``lecun_normal_``) draw through in-place tensor methods of their own
LIBRARY_MODULES: Mapping[str, tuple[str, ...]] = {
    "transformers.initialization": (*INIT_NAMES, "lecun_normal_", "default_flax_embed_init_", "copy_"),
    "timm.layers.weight_init": ("trunc_normal_", "trunc_normal_tf_", "variance_scaling_", "lecun_normal_"),
}  # fmt: skip
#: in-place tensor methods that write a whole view
TENSOR_METHODS = ("normal_", "uniform_", "zero_", "fill_", "copy_")

Args = Mapping[str, Any]
LawOf = Callable[[Args], tuple[str, dict[str, Any]] | None]


def _f(x: Any) -> float:
    return float(x)


#: an init function's short name → the law (verify's name and parameters) its name and bound
#: arguments state; ``None``: the call names no law (eye_, dirac_, sparse_, copy_). transformers'
#: ``lecun_normal_`` names Flax's lecun_normal: truncated at ±2σ, std-corrected to 1/√fan_in;
#: ``default_flax_embed_init_`` Flax's embedding default: N(0, 1/fan_in), fan_in the features.
CALLS: Mapping[str, LawOf] = {
    "uniform_": lambda a: ("uniform", {"a": _f(a["a"]), "b": _f(a["b"])}),
    "normal_": lambda a: ("normal", {"mean": _f(a["mean"]), "std": _f(a["std"])}),
    "constant_": lambda a: ("constant", {"value": _f(a["val"])}),
    "ones_": lambda a: ("ones", {}),
    "zeros_": lambda a: ("zeros", {}),
    "xavier_uniform_": lambda a: ("glorot_uniform", {"gain": _f(a["gain"])}),
    "xavier_normal_": lambda a: ("glorot_normal", {"gain": _f(a["gain"])}),
    "kaiming_uniform_": lambda a: ("he_uniform", _kaiming(a)),
    "kaiming_normal_": lambda a: ("he_normal", _kaiming(a)),
    "trunc_normal_": lambda a: ("truncated_normal", {
        "mean": _f(a["mean"]), "std": _f(a["std"]), "a": _f(a["a"]), "b": _f(a["b"])}),
    "trunc_normal_tf_": lambda a: ("truncated_normal", {
        "mean": _f(a["mean"]), "std": _f(a["std"]),
        "a": _f(a["mean"]) + _f(a["a"]) * _f(a["std"]), "b": _f(a["mean"]) + _f(a["b"]) * _f(a["std"])}),
    "variance_scaling_": lambda a: ("variance_scaling", {
        "scale": _f(a["scale"]), "mode": str(a["mode"]), "distribution": str(a["distribution"])}),
    "orthogonal_": lambda a: ("orthogonal", {"gain": _f(a["gain"])}),
    "lecun_normal_": lambda a: ("lecun_normal", {"distribution": "truncated_normal"}),
    "default_flax_embed_init_": lambda a: ("variance_scaling", {"distribution": "normal"}),
    "zero_": lambda a: ("zeros", {}),
    "fill_": lambda a: ("constant", {"value": _f(a["value"])}),
}  # fmt: skip


def _kaiming(a: Args) -> dict[str, Any]:
    return {"a": _f(a["a"] or 0.0), "mode": str(a["mode"]), "nonlinearity": str(a["nonlinearity"])}


def _tensor_args(name: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments of the C-implemented tensor methods, by their documented names."""
    names = {"normal_": ("mean", "std"), "uniform_": ("a", "b"), "fill_": ("value",)}
    defaults = {"normal_": (0.0, 1.0), "uniform_": (0.0, 1.0)}
    keys = names.get(name, ())
    out = dict(zip(keys, defaults.get(name, (None,) * len(keys)), strict=True))
    out.update(zip(keys, args, strict=False))
    aliases = {"from": "a", "to": "b"}
    out.update({aliases.get(k, k): v for k, v in kwargs.items() if aliases.get(k, k) in keys})
    return out


@dataclass(frozen=True)
class Write:
    """One recorded call: ``call`` as it reads (``torch.nn.init.normal_(std=0.02)``), the law it
    names (verify's name and resolved parameters, or ``None``), and the storage region written."""

    call: str
    law: str | None
    params: dict[str, Param]
    storage: int
    offset: int
    shape: tuple[int, ...]
    stride: tuple[int, ...]


def _call_text(qualname: str, args: Args) -> str:
    shown = {k: v for k, v in args.items() if k not in ("tensor", "generator") and v is not None}
    inner = ", ".join(f"{k}={_short(v)}" for k, v in shown.items())
    return f"{qualname}({inner})"


def _short(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    if hasattr(v, "shape"):
        return "<tensor>"
    return repr(v)


@dataclass
class Recorder:
    """Notes the writes of the init calls made between :meth:`start` and :meth:`stop`."""

    writes: list[Write] = field(default_factory=list)
    _depth: int = 0
    _held: list[Any] = field(default_factory=list)
    _undo: list[tuple[Any, str, Any]] = field(default_factory=list)

    def _note(self, qualname: str, short: str, args: Args, tensor: Any) -> None:
        torch = sys.modules["torch"]
        if not isinstance(tensor, torch.Tensor) or tensor.device.type == "meta":
            return
        storage = tensor.untyped_storage()
        self._held.append(storage)
        law_of = CALLS.get(short)
        law, params = None, {}
        named = law_of(args) if law_of else None
        if named is not None:
            try:
                params = resolve(named[0], named[1])
                law = named[0]
            except ValueError:
                law, params = None, {}
        self.writes.append(
            Write(
                _call_text(qualname, args), law, params, storage.data_ptr(),
                tensor.storage_offset(), tuple(tensor.shape), tuple(tensor.stride()),
            )
        )  # fmt: skip

    def _wrap_function(
        self, fn: Callable[..., Any], qualname: str, short: str
    ) -> Callable[..., Any]:
        signature = inspect.signature(fn)
        guarded = qualname.startswith("transformers.")

        def recorded(*args: Any, **kwargs: Any) -> Any:
            if self._depth:
                return fn(*args, **kwargs)
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            tensor = next(iter(bound.arguments.values()), None)
            # transformers' helpers leave a tensor flagged as initialised untouched
            skipped = guarded and getattr(tensor, "_is_hf_initialized", False)
            self._depth += 1
            try:
                out = fn(*args, **kwargs)
            finally:
                self._depth -= 1
            if not skipped:
                self._note(qualname, short, dict(bound.arguments), tensor)
            return out

        recorded.__wrapped__ = fn  # type: ignore[attr-defined]
        return recorded

    def _wrap_method(self, fn: Callable[..., Any], short: str) -> Callable[..., Any]:
        def recorded(tensor: Any, *args: Any, **kwargs: Any) -> Any:
            if self._depth:
                return fn(tensor, *args, **kwargs)
            self._depth += 1
            try:
                out = fn(tensor, *args, **kwargs)
            finally:
                self._depth -= 1
            self._note(f"Tensor.{short}", short, _tensor_args(short, args, kwargs), tensor)
            return out

        return recorded

    def _patch(self, owner: Any, name: str, new: Any) -> None:
        self._undo.append((owner, name, getattr(owner, name)))
        setattr(owner, name, new)

    @staticmethod
    def missed() -> tuple[str, ...]:
        """The model libraries' init modules not imported yet: a build that imports one first
        calls its helpers unrecorded (:func:`winit.audit.model.build` then builds again)."""
        return tuple(m for m in LIBRARY_MODULES if m not in sys.modules)

    def start(self) -> None:
        """Replace the init functions (see the module docstring); :meth:`stop` restores them."""
        torch = sys.modules["torch"]
        originals: dict[int, Callable[..., Any]] = {}
        sources: list[tuple[Any, str, tuple[str, ...]]] = [
            (torch.nn.init, "torch.nn.init", INIT_NAMES)
        ]
        for prefix, library_names in LIBRARY_MODULES.items():
            library = sys.modules.get(prefix)
            if library is not None:
                sources.append((library, prefix, library_names))
        for module, prefix, names in sources:
            for short in names:
                fn = getattr(module, short, None)
                if fn is None or id(fn) in originals:
                    continue
                originals[id(fn)] = self._wrap_function(fn, f"{prefix}.{short}", short)
        # every other name bound to one of these functions (``from torch.nn.init import
        # xavier_uniform_`` in torch's own modules, ``trunc_normal_ as tn`` in a model's)
        for module in list(sys.modules.values()):
            namespace = getattr(module, "__dict__", None)
            if not isinstance(namespace, dict):
                continue
            for key, value in list(namespace.items()):
                if callable(value) and id(value) in originals:
                    self._patch(module, key, originals[id(value)])
        for short in TENSOR_METHODS:
            self._patch(torch.Tensor, short, self._wrap_method(getattr(torch.Tensor, short), short))

    def stop(self) -> None:
        """Put every replaced function back (in reverse order)."""
        while self._undo:
            owner, name, old = self._undo.pop()
            setattr(owner, name, old)


@contextmanager
def recording() -> Iterator[Recorder]:
    """A started :class:`Recorder`, stopped on leaving (also on an exception)."""
    recorder = Recorder()
    recorder.start()
    try:
        yield recorder
    finally:
        recorder.stop()
