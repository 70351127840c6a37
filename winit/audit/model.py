"""Building a PyTorch model on each path and reading its tensors as regions, each with the law
that governs it: an expectation (``--expect``), else the init call that last wrote it, else its
layer's documented default, else none.

Paths: ``built`` — the builder called under the seed, init calls recorded; ``loaded`` — the path
a checkpoint with missing keys takes: transformers' ``from_pretrained(None, config=...,
state_dict={})`` (the model built on the meta device, then materialised and initialised by the
library), for plain torch the builder run on the meta device, ``to_empty`` and every module's
``reset_parameters``, each module's after its children's (the order construction runs them, so a
parent's custom init of a child stands), then the model's own ``init_weights()`` where it has one
(timm's models re-initialise themselves after ``to_empty`` by it).
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

from winit.audit.adapter import (
    TORCH_AXES,
    Axes,
    Param,
    Target,
    default_rule,
    import_module,
    target,
    user_code,
)
from winit.audit.expect import Expectation, expectation_for
from winit.audit.kinds import call_builder, is_model
from winit.audit.record import Recorder, Write, recording

PATHS = ("built", "loaded")
#: the loaded path taken one unit at a time, for a model larger than memory (asked for by name)
BY_MODULE = "by-module"
ALL_PATHS = (*PATHS, BY_MODULE)
#: the bytes of parameters and buffers the ``by-module`` path materialises at once: a subtree
#: within it as one unit, a larger one module by module
UNIT_BYTES = 1 << 30
Builder = Callable[[], Any]
#: a tensor's values as numpy in its own float dtype (half precisions as float32)
Floats = NDArray[np.floating[Any]]


@dataclass(frozen=True)
class Named:
    """The law a region is checked against and where it comes from: ``source`` is
    ``expectation``, ``call``, ``default rule`` or ``none``; ``text`` as the reader sees it."""

    source: str
    text: str
    law: str | None
    params: dict[str, Param]

    def as_dict(self) -> dict[str, object]:
        return {"source": self.source, "text": self.text, "law": self.law, "params": self.params}


NO_LAW = Named("none", "no declared law", None, {})


def pattern_of(name: str) -> str:
    """A tensor's name with every layer index replaced by ``*``: its group's pattern."""
    return re.sub(r"(?<=\.)\d+(?=\.|$)|^\d+(?=\.)", "*", name)


@dataclass(frozen=True)
class Region:
    """The elements of one tensor that one law governs (all of them, or those one call wrote
    last): ``values`` flat, ``tensor`` all of the tensor's values (flat), the law's ``target``
    for the tensor's shape (``None``: no law); ``displaced`` the law an expectation overrode."""

    name: str
    shape: tuple[int, ...]
    named: Named
    target: Target | None
    values: Floats
    tensor: Floats
    whole: bool
    eps: float
    displaced: Named | None = None
    #: where the law reads the fans and the matrix of ``law_shape`` (the tensor's shape, or the
    #: shape its initializer drew before a reshape: Flax's DenseGeneral draws a 2-d kernel)
    axes: Axes = TORCH_AXES
    law_shape: tuple[int, ...] | None = None
    #: the group's name pattern where the framework names layers otherwise than torch
    group: str | None = None

    @property
    def pattern(self) -> str:
        """The name with every layer index replaced by ``*``."""
        if self.group is not None:
            return self.group
        return pattern_of(self.name)

    @property
    def drawn(self) -> tuple[int, ...]:
        """The shape the law was applied to."""
        return self.shape if self.law_shape is None else self.law_shape

    @property
    def matrix(self) -> Floats | None:
        """The whole tensor as the matrix its law reads (out × rest for torch), where this
        region is the whole tensor."""
        if not self.whole or len(self.drawn) < 2:
            return None
        if self.axes is TORCH_AXES:
            return self.tensor.reshape(self.drawn[0], -1)
        return self.axes.matrix(self.tensor.reshape(self.drawn), self.drawn)

    @property
    def fans(self) -> tuple[int, int] | None:
        return self.axes.fans(self.drawn) if len(self.drawn) >= 2 else None


# ---------------------------------------------------------------- building


class _Namespace(dict[str, Any]):
    """A module's public names, looked up only when the expression uses them (transformers'
    top level imports each name lazily)."""

    def __init__(self, module: Any) -> None:
        super().__init__()
        self.module = module

    def __missing__(self, key: str) -> Any:
        if key.startswith("_") or not hasattr(self.module, key):
            raise NameError(f"module {self.module.__name__!r} has no public name {key!r}")
        return getattr(self.module, key)


def load_spec(spec: str) -> Builder:
    """``"MODULE:EXPR"`` → a builder evaluating EXPR with MODULE's public names (no builtins), and
    calling the result if it is a callable rather than a module; or a one-line ``ValueError``."""
    module_name, sep, expr = spec.partition(":")
    if not sep or not module_name.strip() or not expr.strip():
        raise ValueError(
            f"model must be given as MODULE:EXPR, e.g. 'mypkg.models:build()', got {spec!r}"
        )
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except SyntaxError as e:
        raise ValueError(f"{spec!r}: EXPR is not a Python expression ({e.msg})") from None
    code = compile(tree, spec, "eval")
    module = import_module(module_name.strip())
    namespace = _Namespace(module)
    names = sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)})
    with user_code(f"reading {', '.join(names)} of {module_name.strip()}"):
        unknown = [n for n in names if n.startswith("_") or not hasattr(module, n)]
    if unknown:  # a spec naming what the module lacks is a usage error, found before any build
        raise ValueError(f"module {module.__name__!r} has no public name {unknown[0]!r}")

    def build() -> Any:
        obj = eval(code, {"__builtins__": {}}, namespace)
        # a builder named without its call (``mypkg.models:build``) is called
        return obj if is_model(obj) or not callable(obj) else call_builder(obj)

    return build


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ValueError("winit audit needs torch (pip install torch)") from None
    return torch


def call_user(builder: Builder, what: str) -> Any:
    """``builder()``: the code under check (whatever it raises, ``SystemExit`` included, becomes
    a one-line :class:`~winit.verify.guard.UserCodeError`; under ``--timeout``)."""
    with user_code(what):
        return builder()


@contextlib.contextmanager
def _quiet_transformers() -> Iterator[None]:
    """transformers' loading report and warnings off for the duration."""
    logging = sys.modules.get("transformers.utils.logging")
    if logging is None:
        yield
        return
    level, bars = logging.get_verbosity(), logging.is_progress_bar_enabled()
    logging.set_verbosity_error()
    logging.disable_progress_bar()
    try:
        yield
    finally:
        logging.set_verbosity(level)
        if bars:
            logging.enable_progress_bar()


def is_transformers(model: Any) -> bool:
    return hasattr(model, "config") and hasattr(type(model), "from_pretrained")


def _loaded_builder(builder: Builder | None, model: Any) -> tuple[Builder, str] | None:
    """How the ``loaded`` path builds the model and what it does, or ``None`` where there is
    none."""
    torch = _torch()
    if is_transformers(model):
        cls, config = type(model), model.config
        how = "from_pretrained(None, config=..., state_dict={})"
        return lambda: cls.from_pretrained(None, config=config, state_dict={}), how
    if builder is None:
        return None
    init_weights = callable(getattr(model, "init_weights", None))

    def materialised() -> Any:
        with torch.device("meta"):
            m = builder()
        m.to_empty(device="cpu")
        with torch.no_grad():
            for module in reversed(list(m.modules())):  # each module after its children
                reset = getattr(module, "reset_parameters", None)
                if callable(reset):
                    reset()
            if init_weights:
                m.init_weights()
        return m

    how = "meta device, to_empty, reset_parameters"
    return materialised, how + (", init_weights()" if init_weights else "")


class NotTorchError(ValueError):
    """A builder returned something other than a torch module (``model``: what it returned)."""

    def __init__(self, message: str, model: Any) -> None:
        super().__init__(message)
        self.model = model


def build(builder: Builder, seed: int, what: str) -> tuple[Any, list[Write]]:
    """``builder()`` under torch seed ``seed`` (torch's global RNG state restored afterwards),
    with the init calls it makes recorded; built again when the first build imported a model
    library's init module (its helpers are patched only once imported)."""
    torch = _torch()
    missed = Recorder.missed()
    with torch.random.fork_rng(devices=[]), _quiet_transformers():
        torch.manual_seed(seed)
        with recording() as rec:
            model = call_user(builder, what)
    if Recorder.missed() != missed:  # the build imported a library's init helpers: again
        return build(builder, seed, what)
    if not isinstance(model, torch.nn.Module):
        raise NotTorchError(
            f"{what} returned a {type(model).__name__}, not a torch.nn.Module", model
        )
    return model, rec.writes


# ---------------------------------------------------------------- regions


def _numpy(t: Any) -> Floats:
    """The tensor's values, sharing its memory where torch allows (float32, float64)."""
    torch = _torch()
    t = t.detach().cpu()
    if t.dtype not in (torch.float32, torch.float64):
        t = t.float()
    return t.numpy()  # type: ignore[no-any-return]


def _parts(t: Any, writes: list[Write]) -> dict[int, NDArray[np.bool_] | None]:
    """Per write index (-1: no write), the mask of the elements of ``t`` (flat) it wrote last;
    ``None``: every element (one write covered the whole tensor after every other, or none
    did), so a tensor written whole costs no per-element bookkeeping."""
    ptr, off = t.untyped_storage().data_ptr(), t.storage_offset()
    shape, stride = tuple(t.shape), tuple(t.stride())
    whole, partial = -1, list[tuple[int, Write]]()
    for i, w in enumerate(writes):
        if w.storage != ptr:
            continue
        if w.offset == off and w.shape == shape and w.stride == stride:
            whole, partial = i, []
        elif t.is_contiguous():
            partial.append((i, w))
    if not partial:
        return {whole: None}
    n = t.numel()
    owner = np.full(n, whole, dtype=np.int64)
    for i, w in partial:
        pos = np.array(w.offset - off, dtype=np.int64)
        for size, step in zip(w.shape, w.stride, strict=True):
            pos = pos[..., None] + np.arange(size, dtype=np.int64) * step
        pos = pos.ravel()
        owner[pos[(pos >= 0) & (pos < n)]] = i
    ids = np.unique(owner)
    if ids.size == 1:
        return {int(ids[0]): None}
    return {int(i): owner == i for i in ids}


def _named_of(w: Write) -> Named:
    return Named("call", w.call, w.law, w.params)


def _default(module: Any, local: str) -> Named:
    rule = default_rule(module, local)
    if rule is None:
        return NO_LAW
    law, params, text = rule
    return Named("default rule", f"{type(module).__name__} default: {text}", law, params)


def law_target(
    named: Named, shape: tuple[int, ...], axes: Axes = TORCH_AXES
) -> tuple[Named, Target | None]:
    """The distribution ``named`` prescribes for ``shape`` read with ``axes``; a law that has
    none for the shape becomes no law, saying why."""
    if named.law is None:
        return named, None
    try:  # a 0-d tensor is one element
        return named, target(named.law, named.params, shape or (1,), axes)
    except ValueError as e:
        return Named(named.source, f"{named.text} (no law for shape {shape}: {e})", None, {}), None


def whole_region(
    name: str, shape: tuple[int, ...], values: Floats, code: Named,
    expectations: list[Expectation], *, axes: Axes = TORCH_AXES,
    drawn: tuple[int, ...] | None = None, group: str | None = None,
) -> Region:  # fmt: skip
    """The region of a tensor one law governs whole: the expectation matching ``name``, which
    displaces the law the code names, else that law (``drawn``: the shape it was applied to)."""
    expected = expectation_for(name, expectations)
    displaced = None
    if expected is not None:
        code, displaced = Named("expectation", expected.text, expected.law, expected.params), code
    named, tgt = law_target(code, shape if drawn is None else drawn, axes)
    eps = float(np.finfo(values.dtype).eps)
    return Region(name, shape, named, tgt, values, values, True, eps, displaced, axes, drawn, group)


def tensors(model: Any) -> Iterator[tuple[str, Any, Any, str]]:
    """(name, tensor, owning module, local name) of every floating parameter and buffer, each
    shared tensor once."""
    modules = dict(model.named_modules())
    seen: set[int] = set()
    for name, t in [*model.named_parameters(), *model.named_buffers()]:
        if t is None or not t.is_floating_point() or id(t) in seen:
            continue
        seen.add(id(t))
        owner, _, local = name.rpartition(".")
        yield name, t, modules[owner], local


def regions(model: Any, writes: list[Write], expectations: list[Expectation]) -> list[Region]:
    """Every tensor of ``model`` cut into the regions one law governs (see the module
    docstring)."""
    return regions_of(tensors(model), writes, expectations)


def regions_of(
    items: Iterable[tuple[str, Any, Any, str]], writes: list[Write], expectations: list[Expectation]
) -> list[Region]:
    """The regions of the tensors ``items`` (as :func:`tensors` yields them)."""
    out = []
    for name, t, module, local in items:
        shape = tuple(t.shape)
        values = _numpy(t).ravel()
        eps = float(np.finfo(values.dtype).eps)
        parts = _parts(t, writes)
        if expectation_for(name, expectations) is not None:
            size = {i: values.size if m is None else int(m.sum()) for i, m in parts.items()}
            most = max(size, key=size.__getitem__)
            code = _named_of(writes[most]) if most >= 0 else _default(module, local)
            out.append(whole_region(name, shape, values, code, expectations))
            continue
        for i, mask in parts.items():
            named, tgt = law_target(
                _named_of(writes[i]) if i >= 0 else _default(module, local), shape
            )
            part = values if mask is None else values[mask]
            out.append(Region(name, shape, named, tgt, part, values, mask is None, eps))
    return out


def build_path(
    path: str,
    builder: Builder | None,
    model: Any | None,
    seed: int,
    expectations: list[Expectation],
) -> tuple[list[Region], Mapping[str, Floats] | None, str, Any]:
    """The regions of one path, the values of a second build under the same seed (``None``
    where the path cannot rebuild), a note saying how the path was built, and the model built
    (``model``: one built before, if any, which the loaded path reads its class and config
    from)."""
    if path == "built":
        if builder is None:
            assert model is not None
            note = "a model instance: built outside the audit, no init call recorded, not rebuilt"
            return regions(model, [], expectations), None, note, model
        model, writes = build(builder, seed, "building the model")
        again, _ = build(builder, seed, "building the model again")
        how = "the builder, under the seed"
        return regions(model, writes, expectations), _values(again), how, model
    if model is None:
        assert builder is not None
        model, _ = build(builder, seed, "building the model")
    found = _loaded_builder(builder, model)
    if found is None:
        raise ValueError("the loaded path needs a builder or a transformers model")
    loaded, how = found
    first, writes = build(loaded, seed, f"the loaded path ({how})")
    again, _ = build(loaded, seed, f"the loaded path ({how}) again")
    return regions(first, writes, expectations), _values(again), how, model


def _values(model: Any) -> dict[str, Floats]:
    return {name: _numpy(t).ravel() for name, t, _, _ in tensors(model)}


# ---------------------------------------------------------------- module by module

Unit = list[tuple[str, Any, Any]]


def _nbytes(module: Any) -> int:
    tensors = [*module.parameters(), *module.buffers()]
    return sum(t.numel() * t.element_size() for t in tensors)


def _post_order(module: Any, name: str, owner: Any, hf: Any) -> Iterator[tuple[str, Any, Any]]:
    """(name, module, owner) of the subtree, each module after its children; ``owner`` the
    nearest transformers model above or at it (its ``_initialize_weights`` inits the module)."""
    owner = module if hf is not None and isinstance(module, hf) else owner
    for child_name, child in module.named_children():
        yield from _post_order(child, f"{name}.{child_name}" if name else child_name, owner, hf)
    yield name, module, owner


def _units(module: Any, name: str, owner: Any, hf: Any) -> Iterator[Unit]:
    """The subtree in units of at most :data:`UNIT_BYTES` (a module larger alone is a unit
    alone), in the order construction initialises them: children first."""
    if _nbytes(module) <= UNIT_BYTES:
        yield list(_post_order(module, name, owner, hf))
        return
    owner = module if hf is not None and isinstance(module, hf) else owner
    for child_name, child in module.named_children():
        yield from _units(child, f"{name}.{child_name}" if name else child_name, owner, hf)
    yield [(name, module, owner)]


def _own_tensors(unit: Unit) -> list[tuple[str, Any, Any, str]]:
    """The unit's floating parameters and buffers, as :func:`tensors` yields them."""
    out = []
    for name, module, _ in unit:
        own = [*module.named_parameters(recurse=False), *module.named_buffers(recurse=False)]
        for local, t in own:
            if t is not None and t.is_floating_point():
                out.append((f"{name}.{local}" if name else local, t, module, local))
    return out


def _initialise(unit: Unit, transformers_init: Any) -> None:
    """Materialise the unit's own tensors and initialise them as the library does: transformers'
    ``_initialize_weights`` of each module's owner (with its init functions guarded, as
    ``from_pretrained`` does), for plain torch each module's ``reset_parameters``."""
    torch = _torch()
    for _, module, _ in unit:
        module.to_empty(device="cpu", recurse=False)
        module.__dict__.pop("_is_hf_initialized", None)
    with torch.no_grad():
        if transformers_init is None:
            for _, module, _ in unit:
                reset = getattr(module, "reset_parameters", None)
                if callable(reset):
                    reset()
            return
        with transformers_init.guard_torch_init_functions():
            for _, module, owner in unit:
                custom = getattr(owner, "is_custom_code", lambda: False)()
                owner._initialize_weights(module, custom)


def by_module(
    builder: Builder, seed: int, expectations: list[Expectation]
) -> tuple[str, list[str], Iterator[tuple[list[Region], dict[str, Floats]]]]:
    """The ``by-module`` path: the model built on the meta device, then one unit at a time
    (:data:`UNIT_BYTES`) materialised, initialised by the library's own per-module init,
    initialised a second time from the same random state into fresh memory, read and returned
    to the meta device; never more than one unit's tensors (twice) in memory. Returns how the
    path is built, the names of the model's tensors and an iterator of each unit's regions and
    second values."""
    torch = _torch()
    with torch.device("meta"), _quiet_transformers():
        model = call_user(builder, "building the model on the meta device")
    if not isinstance(model, torch.nn.Module):
        raise ValueError(f"the builder returned a {type(model).__name__}, not a torch.nn.Module")
    hf_init: Any = None
    hf: Any = None
    if is_transformers(model):
        import transformers

        hf_init = importlib.import_module("transformers.initialization")
        hf = transformers.PreTrainedModel
    how = (
        "meta device, then per unit of <= 1 GiB: to_empty, "
        + ("the model's _initialize_weights" if hf else "reset_parameters")
        + ", read, back to meta"
    )

    def units() -> Iterator[tuple[list[Region], dict[str, Floats]]]:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            for unit in _units(model, "", model, hf):
                state = torch.random.get_rng_state()
                with recording() as rec:
                    call_user(partial(_initialise, unit, hf_init), "initialising a module")
                # detached: materialising again may swap the parameters' data in place
                first = [(n, t.detach(), m, local) for n, t, m, local in _own_tensors(unit)]
                torch.random.set_rng_state(state)
                call_user(partial(_initialise, unit, hf_init), "initialising it again")
                again = {name: _numpy(t).ravel() for name, t, _, _ in _own_tensors(unit)}
                yield regions_of(first, rec.writes, expectations), again
                for _, module, _ in unit:
                    module.to_empty(device="meta", recurse=False)

    return how, [name for name, _, _, _ in tensors(model)], units()
