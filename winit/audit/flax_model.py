"""Flax models: linen variables and nnx modules, each variable read with the JAX initializer its
code gave it.

A JAX initializer is a closure (``jax.nn.initializers.variance_scaling(...)`` and the Glorot, He
and LeCun ones made from it, ``normal``, ``truncated_normal``, ``uniform``, ``constant``,
``orthogonal``, ``zeros``, ``ones``); :func:`jax_law` reads its law from the factory that made it
and the values it closed over. Which closure a variable got:

- linen: ``Module.param`` is wrapped while ``init`` runs, noting each parameter's ``init_fn``;
  where that is a layer's own wrapper (DenseGeneral draws its kernel flat, then reshapes), the
  layer's ``<name>_init`` field, read on the flat (inputs, features) shape it drew.
- nnx: a layer keeps no initializer once built, so the ``__init__`` of every ``nnx.Module`` class
  taking ``*_init`` arguments is wrapped while the builder runs, noting the arguments (defaults
  included) each instance got: a variable ``kernel`` has the law of ``kernel_init``.

A variable with no readable closure (BatchNorm's running statistics, a custom function) falls
back to its layer's rule in ``winit defaults``' linen or nnx table, else no declared law.

A builder takes ``key`` (linen: it returns ``module.init(key, ...)``) or ``rngs`` (nnx), given the
seed (:mod:`winit.audit.kinds`). Flax has one path, ``built``: a checkpoint restored into a model
(``flax.serialization.from_state_dict``, orbax) must hold every variable — a missing key is an
error, never initialised by a second mechanism — and ``nnx.eval_shape`` then materialising runs
the same initializers as the built path.
"""

from __future__ import annotations

import contextlib
import inspect
import math
import sys
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from winit.audit.adapter import LINEN_LAYERS, NNX_LAYERS, Initialised, framework
from winit.audit.expect import Expectation
from winit.audit.kinds import NoPathError, call_builder, is_linen_variables
from winit.audit.model import Builder, Floats, Region, call_user
from winit.audit.variables import (
    KERAS_AXES,
    Code,
    again_values,
    is_float,
    layer_rules,
    named_call,
    regions,
)

NO_LOADED_PATH = (
    "Flax has no loaded path: a checkpoint restored into a model (flax.serialization, orbax) "
    "must hold every variable, and nnx.eval_shape then materialising runs the built path's "
    "initializers; audit paths=['built']"
)
#: layers that draw a kernel flat, (inputs, features), and reshape it: their feature axes' count
GENERAL = {"DenseGeneral": "features", "LinearGeneral": "out_features"}


def _axes(axis: Any) -> tuple[int, ...]:
    return (axis,) if isinstance(axis, int) else tuple(int(a) for a in axis)


def jax_fans(
    shape: tuple[int, ...], in_axis: Any, out_axis: Any, batch_axis: Any
) -> tuple[float, float]:
    """(fan_in, fan_out) as ``jax.nn.initializers`` computes them: the in and out sizes times the
    receptive field, every other axis but the batch ones (the axes may coincide: Flax's Embed
    reads fan_in from ``in_axis=-2, out_axis=0``, which is the features axis)."""
    size = {k: math.prod(shape[a] for a in _axes(x))
            for k, x in (("in", in_axis), ("out", out_axis), ("batch", batch_axis))}  # fmt: skip
    receptive = math.prod(shape) / size["in"] / size["out"] / size["batch"]
    return size["in"] * receptive, size["out"] * receptive


def _scaled(c: Mapping[str, Any], shape: tuple[int, ...]) -> tuple[str, dict[str, Any]]:
    """The element law ``variance_scaling`` draws for ``shape``."""
    fan_in, fan_out = jax_fans(shape, c["in_axis"], c["out_axis"], c["batch_axis"])
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2,
           "fan_geo_avg": math.sqrt(fan_in * fan_out)}[c["mode"]]  # fmt: skip
    std = math.sqrt(float(c["scale"]) / fan)
    if c["distribution"] == "uniform":
        return "uniform", {"a": -math.sqrt(3.0) * std, "b": math.sqrt(3.0) * std}
    if c["distribution"] == "normal":
        return "normal", {"std": std}
    return "truncated_normal", {"std": std}  # std-corrected, cut at ±2 parent σ


def jax_law(fn: Any, shape: tuple[int, ...]) -> tuple[str, str, dict[str, Any]] | None:
    """The call as it reads, and the law (verify's name and parameters) a JAX initializer draws
    for ``shape``; ``None`` for anything else.

    >>> import jax
    >>> jax_law(jax.nn.initializers.he_normal(), (32, 8))[1:]
    ('truncated_normal', {'std': 0.25})
    """
    if not callable(fn) or not str(getattr(fn, "__module__", "")).startswith("jax"):
        return None
    qualname = str(getattr(fn, "__qualname__", ""))
    code = getattr(fn, "__code__", None)
    cells = dict(zip(code.co_freevars if code else (), fn.__closure__ or (), strict=True))
    c = {k: cell.cell_contents for k, cell in cells.items()}
    factory = qualname.removesuffix(".<locals>.init")
    shown = ", ".join(f"{k}={v!r}" for k, v in sorted(c.items()) if k != "dtype")
    text = f"jax.nn.initializers.{factory}({shown})"
    if qualname in ("zeros", "ones"):
        return text, qualname, {}
    if factory == "variance_scaling":
        return (text, *_scaled(c, shape))
    if factory == "normal":
        return text, "normal", {"std": float(c["stddev"])}
    if factory == "uniform":  # U[0, scale)
        return text, "uniform", {"a": 0.0, "b": float(c["scale"])}
    if factory == "truncated_normal":  # stddev × a standard normal cut at [lower, upper]
        std, low, high = float(c["stddev"]), float(c["lower"]), float(c["upper"])
        if (low, high) == (-2.0, 2.0):
            return text, "truncated_normal", {"std": std, "truncation": "uncorrected"}
        return text, "truncated_normal", {"std": std, "a": low * std, "b": high * std}
    if factory == "constant" and getattr(c["value"], "ndim", 0) == 0:
        return text, "constant", {"value": float(c["value"])}
    if factory == "orthogonal" and c["column_axis"] == -1:
        return text, "orthogonal", {"gain": float(c["scale"])}
    return None


def _code(fn: Any, shape: tuple[int, ...], drawn: tuple[int, ...] | None) -> Code | None:
    found = jax_law(fn, shape if drawn is None else drawn)
    if found is None:
        return None
    text, law, params = found
    return Code(named_call(text, law, params), KERAS_AXES, drawn)


def _flat(module: Any, local: str, shape: tuple[int, ...]) -> tuple[int, ...] | None:
    """The flat shape a General layer drew its kernel in (``None``: the kernel's own)."""
    field = GENERAL.get(type(module).__name__)
    if field is None or local != "kernel":
        return None
    n_out = len(_axes(getattr(module, field)))
    return math.prod(shape[:-n_out]), math.prod(shape[-n_out:])


def _declared(module: Any, local: str, shape: tuple[int, ...], given: Any) -> Code | None:
    """The law of the closure ``given`` (the init_fn passed), else of the layer's own
    ``<local>_init`` field (drawn flat for a General layer)."""
    flat = _flat(module, local, shape)
    return _code(given, shape, flat) or _code(getattr(module, f"{local}_init", None), shape, flat)


# ---------------------------------------------------------------- linen


@contextlib.contextmanager
def _patched(owner: Any, name: str, wrap: Callable[[Any], Any]) -> Iterator[None]:
    original = owner.__dict__[name]
    setattr(owner, name, wrap(original))
    try:
        yield
    finally:
        setattr(owner, name, original)


def _linen_recording() -> tuple[contextlib.ExitStack, dict[tuple[str, ...], tuple[Any, Any]]]:
    """Notes ``{(collection, *scope path, name): (module, init_fn)}`` of every ``param`` and
    ``variable`` call."""
    nn = sys.modules["flax.linen"]
    made: dict[tuple[str, ...], tuple[Any, Any]] = {}

    def param(original: Any) -> Any:
        def recorded(self: Any, name: str, init_fn: Any, *args: Any, **kwargs: Any) -> Any:
            made.setdefault(("params", *self.scope.path, name), (self, init_fn))
            return original(self, name, init_fn, *args, **kwargs)

        return recorded

    def variable(original: Any) -> Any:
        def recorded(
            self: Any, col: str, name: str, init_fn: Any = None, *args: Any, **kwargs: Any
        ) -> Any:
            made.setdefault((col, *self.scope.path, name), (self, init_fn))
            return original(self, col, name, init_fn, *args, **kwargs)

        return recorded

    stack = contextlib.ExitStack()
    stack.enter_context(_patched(nn.Module, "param", param))
    stack.enter_context(_patched(nn.Module, "variable", variable))
    return stack, made


def _flatten(
    tree: Mapping[str, Any], prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Any]]:
    for k, v in tree.items():
        if isinstance(v, Mapping):
            yield from _flatten(v, (*prefix, str(k)))
        else:
            yield (*prefix, str(k)), v


def _linen_arrays(variables: Mapping[str, Any]) -> list[tuple[tuple[str, ...], Any]]:
    return [(path, v) for path, v in _flatten(variables) if is_float(v)]


def _name(path: tuple[str, ...]) -> str:
    return "/".join(path)


def _build_linen(builder: Builder, what: str) -> tuple[Any, dict[tuple[str, ...], tuple[Any, Any]]]:
    stack, made = _linen_recording()
    with stack:
        variables = call_user(lambda: call_builder(builder), what)
    if not is_linen_variables(variables):
        raise ValueError(f"{what} returned a {type(variables).__name__}, not Flax linen variables")
    return variables, made


def _in_features(module: Any, variables: Mapping[str, Any], path: tuple[str, ...]) -> int:
    """The input width a linen layer's rule reads: its kernel's input axis (times the groups)."""
    params: Any = variables.get("params", {})
    for part in path:
        params = params.get(part, {}) if isinstance(params, Mapping) else {}
    kernel = params.get("kernel") if isinstance(params, Mapping) else None
    if kernel is None or len(kernel.shape) < 2:
        return 1
    return int(kernel.shape[-2]) * int(getattr(module, "feature_group_count", 1))


def _linen_regions(
    variables: Mapping[str, Any], made: Mapping[tuple[str, ...], tuple[Any, Any]],
    expectations: list[Expectation],
) -> list[Region]:  # fmt: skip
    out: list[Region] = []
    for path, array in _linen_arrays(variables):
        col, scope, local = path[0], path[1:-1], path[-1]
        module, init_fn = made.get(path, (None, None))
        shape = tuple(int(d) for d in array.shape)
        code = _declared(module, local, shape, init_fn) if module is not None else None
        rules: tuple[Any, ...] = ()
        if code is None and module is not None:
            key = local if col == "params" else f"{col}/{local}"
            built = Initialised(module, _in_features(module, variables, scope))
            rules = layer_rules(LINEN_LAYERS, module, built, "").get(key, ())
        layer = type(module).__name__ if module is not None else ""
        out += regions(_name(path), array, code, rules, layer, expectations)
    if not out:
        raise ValueError("the Flax linen variables hold no floating array to check")
    return out


def linen_path(
    path: str, builder: Builder | None, model: Any | None, seed: int,
    expectations: list[Expectation],
) -> tuple[list[Region], Mapping[str, Floats] | None, str, Any]:  # fmt: skip
    """The built path of a function of a key returning linen variables (see the module
    docstring; variables given as such are read with no recorded call)."""
    if path != "built":
        raise NoPathError(NO_LOADED_PATH)
    if builder is None:
        assert model is not None
        note = "linen variables: initialised outside the audit, no init_fn recorded, not rebuilt"
        return _linen_regions(model, {}, expectations), None, note, model
    variables, made = _build_linen(builder, "building the model")
    again, _ = _build_linen(builder, "building the model again")
    names = [_name(p) for p, _ in _linen_arrays(variables)]
    values = again_values(names, [a for _, a in _linen_arrays(again)])
    how = "the builder (module.init) under jax.random.key(seed), param calls recorded"
    return _linen_regions(variables, made, expectations), values, how, variables


# ---------------------------------------------------------------- nnx


def _init_classes(root: type) -> list[type]:
    """``root`` and its subclasses whose own ``__init__`` takes ``*_init`` arguments."""
    out, todo, seen = [], [root], set()
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        todo += cls.__subclasses__()
        init = cls.__dict__.get("__init__")
        if init is not None and any(
            p.endswith("_init") for p in inspect.signature(init).parameters
        ):
            out.append(cls)
    return out


def _nnx_recording() -> tuple[contextlib.ExitStack, dict[int, tuple[Any, dict[str, Any]]]]:
    """Notes ``{id(module): (module, {argument: value})}`` of the ``*_init`` arguments each nnx
    module was constructed with (the outermost class's first, as Python binds them)."""
    nnx = sys.modules["flax.nnx"]
    made: dict[int, tuple[Any, dict[str, Any]]] = {}

    def wrap(original: Any) -> Any:
        signature = inspect.signature(original)

        def recorded(self: Any, *args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(self, *args, **kwargs)
            bound.apply_defaults()
            inits = made.setdefault(id(self), (self, {}))[1]
            for k, v in bound.arguments.items():
                if k.endswith("_init"):
                    inits.setdefault(k, v)
            return original(self, *args, **kwargs)

        recorded.__signature__ = signature  # type: ignore[attr-defined]
        return recorded

    stack = contextlib.ExitStack()
    for cls in _init_classes(nnx.Module):
        stack.enter_context(_patched(cls, "__init__", wrap))
    return stack, made


def _build_nnx(builder: Builder, what: str) -> tuple[Any, dict[int, tuple[Any, dict[str, Any]]]]:
    nnx = framework("flax.nnx", "jax")
    stack, made = _nnx_recording()
    with stack:
        model = call_user(lambda: call_builder(builder), what)
    if not isinstance(model, nnx.Module):
        raise ValueError(f"{what} returned a {type(model).__name__}, not a flax.nnx.Module")
    return model, made


def _nnx_arrays(model: Any) -> list[tuple[tuple[str, ...], Any, Any]]:
    """(path, owning module, array) of every floating variable."""
    nnx = sys.modules["flax.nnx"]
    modules = {tuple(map(str, p)): m for p, m in nnx.iter_modules(model)}
    out = []
    for path, state in nnx.to_flat_state(nnx.state(model)):
        array = state.get_value()
        if is_float(array):
            names = tuple(map(str, path))
            out.append((names, modules.get(names[:-1]), array))
    return out


def _nnx_regions(
    model: Any, made: Mapping[int, tuple[Any, dict[str, Any]]], expectations: list[Expectation]
) -> list[Region]:
    out: list[Region] = []
    for path, module, array in _nnx_arrays(model):
        local = path[-1]
        shape = tuple(int(d) for d in array.shape)
        given = made.get(id(module), (None, {}))[1].get(f"{local}_init")
        code = _declared(module, local, shape, given) if module is not None else None
        rules: tuple[Any, ...] = ()
        if code is None and module is not None:
            rules = layer_rules(NNX_LAYERS, module, module, "").get(local, ())
        layer = type(module).__name__ if module is not None else ""
        out += regions(_name(path), array, code, rules, layer, expectations)
    if not out:
        raise ValueError(f"{type(model).__name__} has no floating variable to check")
    return out


def nnx_path(
    path: str, builder: Builder | None, model: Any | None, seed: int,
    expectations: list[Expectation],
) -> tuple[list[Region], Mapping[str, Floats] | None, str, Any]:  # fmt: skip
    """The built path of an nnx module (see the module docstring)."""
    if path != "built":
        raise NoPathError(NO_LOADED_PATH)
    if builder is None:
        assert model is not None
        note = (
            "a module instance: built outside the audit, no *_init argument recorded, not rebuilt"
        )
        return _nnx_regions(model, {}, expectations), None, note, model
    model, made = _build_nnx(builder, "building the model")
    again, _ = _build_nnx(builder, "building the model again")
    names = [_name(p) for p, _, _ in _nnx_arrays(model)]
    values = again_values(names, [a for _, _, a in _nnx_arrays(again)])
    how = "the builder under nnx.Rngs(seed), *_init arguments recorded"
    return _nnx_regions(model, made, expectations), values, how, model
