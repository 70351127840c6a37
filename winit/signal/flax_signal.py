"""The signal through a Flax model, nnx or linen: one forward and backward pass per seed and mode
recorded into a :class:`~winit.signal.passes.Pass`, and the model as the checks see it
(:func:`subject`).

Layers are the leaf modules, named by their path (``blocks/0/norm``; linen: its scope path,
``Block_0/Dense_1``), and the ReLUs (their dead units counted): a ReLU in an ``nnx.Sequential``
by its path, one called as ``nnx.relu``, ``nn.relu`` or ``jax.nn.relu`` by its caller's name +
``/relu``. An nnx module running its modules inside a JAX transform (``nnx.RNN``: its cell in
``nnx.scan``) is one layer, as values inside a transform belong to its trace; a model doing so
in its own call (or, in linen, anywhere) is refused. Blocks
(:func:`~winit.signal.checking.blocks_among`) are chosen among the model's lists of modules of one
class (``nnx.List`` or a list attribute; linen: sibling modules of one class) — the repeated
blocks of a transformer, even a stack of one — or, when there is none, the leaf modules with a
``kernel`` of two or more dimensions in call order.

A pass (:mod:`winit.signal.jax_pass`: zero perturbations on the recorded outputs, ``jax.grad``
of ``sum(output · g)``, compiled once per mode and run for every seed) intercepts every module
call: nnx: for the pass, each instance of the model ``nnx.merge`` rebuilt inside the traced
function is given a subclass whose ``__call__`` does it; linen: ``nn.intercept_methods``.
The input: a shape, a callable of a ``numpy.random.Generator``, or made from the model (nnx: its
first ``nnx.Linear``; linen: the ``init`` call's one floating input).

nnx: modes train and eval where an ``nnx.BatchNorm`` makes them differ (``Module.train()`` /
``eval()`` on a copy: the model's running statistics are left as they were), else eval. A model
instance is kept (each seed draws the input and ``g``); a builder taking ``rngs`` is rebuilt per
seed (:func:`winit.audit.kinds.call_builder`).

linen: variables carry no module to call, so the model is the builder ``winit audit`` takes, a
function of a key returning ``module.init(key, *inputs)``: it is rebuilt per seed and its
``init`` call gives the module, its default input's shape and the keyword arguments of its call
(``train=False``). Linen has no mode switch: the one mode is the call's (train where a batch norm
applies batch statistics, checked as a normaliser; else eval)."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import flax.linen as nn
import jax
import numpy as np
from flax import nnx

from winit.audit.kinds import call_builder, seeded
from winit.signal.checking import Siblings, Subject, blocks_among, framework_class, modes
from winit.signal.inputs import (
    BATCH,
    NUMPY,
    SEQUENCE,
    Input,
    MakeInput,
    UnmeasurableError,
    arguments,
    call,
    resolve,
    shaped,
)
from winit.signal.jax_pass import (
    Compiled,
    Forward,
    Seen,
    compile_pass,
    first_float,
    learn,
    output_of,
    run_pass,
    see,
)
from winit.signal.passes import Pass, is_norm_name

#: Flax's own normalisation layers, nnx and linen (a model's own ``...Norm`` class counts too)
NORMS = (nnx.LayerNorm, nnx.RMSNorm, nnx.BatchNorm, nnx.GroupNorm,
         nn.LayerNorm, nn.RMSNorm, nn.BatchNorm, nn.GroupNorm)  # fmt: skip


def is_norm(module: Any) -> bool:
    """A normalisation layer: Flax's layer/RMS/batch/group norms or a ``...Norm`` class.

    >>> is_norm(nnx.RMSNorm(4, rngs=nnx.Rngs(0))), is_norm(nnx.Linear(4, 4, rngs=nnx.Rngs(0)))
    (True, False)
    """
    return isinstance(module, NORMS) or is_norm_name(type(module).__name__)


def _name(path: Sequence[Any]) -> str:
    return "/".join(map(str, path))


def named_modules(model: nnx.Module) -> dict[str, nnx.Module]:
    """Every module below ``model`` by its path (the model itself is ``""``)."""
    return {_name(path): module for path, module in nnx.iter_modules(model)}


def leaves(model: nnx.Module) -> dict[str, nnx.Module]:
    """The leaf modules (no module below them), the model itself excluded."""
    found = named_modules(model)
    parents = {name.rpartition("/")[0] for name in found if name}
    return {name: m for name, m in found.items() if name and name not in parents}


def _kernel_dims(module: nnx.Module) -> int:
    return len(getattr(getattr(module, "kernel", None), "shape", ()))


def repeated(model: nnx.Module) -> list[str]:
    """The blocks among the model's lists of modules of one class
    (:func:`~winit.signal.checking.blocks_among`), in list order; ``[]`` without.

    >>> class Stack(nnx.Module):
    ...     def __init__(self, rngs):
    ...         self.layers = nnx.List([nnx.Linear(2, 2, rngs=rngs) for _ in range(3)])
    >>> repeated(Stack(nnx.Rngs(0)))
    ['layers/0', 'layers/1', 'layers/2']
    """
    runs: list[Siblings] = []
    for name, module in named_modules(model).items():
        for attribute, value in vars(module).items():
            items = list(value) if isinstance(value, list | tuple | nnx.List) else []
            if items and len({type(i) for i in items}) == 1 and isinstance(items[0], nnx.Module):
                where = f"{name}/{attribute}" if name else attribute
                runs.append(Siblings(
                    names=tuple(f"{where}/{i}" for i in range(len(items))),
                    composite=len(named_modules(items[0])) > 1,
                    own=not framework_class(type(items[0]), "flax"),
                    depth=where.count("/"),
                ))  # fmt: skip
    return blocks_among(runs)


@dataclass
class _Call:
    """A module call under way: the module's name (``None``: a copy a JAX transform made, e.g.
    ``nnx.scan`` in ``nnx.RNN``, whose arrays belong to the transform's trace) and how many
    ReLUs it called."""

    name: str | None
    relus: int = 0


@dataclass
class _Recording:
    """The recording of the pass under way (see :func:`_intercepted`).

    Attributes:
        recorded: the names of the modules whose first call is recorded (``None``: every
            module's but the model's).
        perturb: the zero perturbations to add, by name (``None``: learn the shapes).
        names: every nnx module's id → its name.
        seen: what the recorded modules and ReLUs saw, by name, in first-call order.
        relus: the ReLU calls' names.
        transforming: the modules that call copies of their modules inside a JAX transform.
        linen: each linen module called, by name: its class and whether it is checked as a
            normaliser (a norm, but not a batch norm applying its running statistics).
        calls: the module calls under way, innermost last.
    """

    recorded: frozenset[str] | None
    perturb: Mapping[str, Any] | None
    names: Mapping[int, str] = field(default_factory=dict)
    seen: Seen = field(default_factory=dict)
    relus: set[str] = field(default_factory=set)
    transforming: set[str] = field(default_factory=set)
    linen: dict[str, tuple[type, bool]] = field(default_factory=dict)
    calls: list[_Call] = field(default_factory=list)

    def inside_transform(self) -> bool:
        return bool(self.calls) and self.calls[-1].name is None

    def records(self, name: str) -> bool:
        return bool(name) if self.recorded is None else name in self.recorded


_ACTIVE: ContextVar[_Recording] = ContextVar("winit_flax_signal")


def _record(name: str, args: Any, out: Any) -> Any:
    """``out``, its first floating array perturbed and seen, on ``name``'s first call."""
    active = _ACTIVE.get()
    return see(active.seen, name, args, out, active.perturb)


def _called(name: str | None, args: Any, call: Callable[[], Any]) -> Any:
    """``call()``, a module's call (``name``: ``None`` for a copy a JAX transform made) noted
    as under way; a recorded module's output handed to :func:`_record`; a module calling a
    copy noted as transforming."""
    active = _ACTIVE.get()
    name = None if active.inside_transform() else name
    if name is None and active.calls and active.calls[-1].name is not None:
        active.transforming.add(active.calls[-1].name)
    active.calls.append(_Call(name))
    try:
        out = call()
    finally:
        active.calls.pop()
    return _record(name, args, out) if name is not None and active.records(name) else out


@functools.cache
def _recording(cls: type) -> type:
    """``cls`` with a ``__call__`` made a :func:`_called` call (a module the recording does not
    know is a copy a JAX transform made)."""

    def recorded(self: Any, *args: Any, **kwargs: Any) -> Any:
        name = _ACTIVE.get().names.get(id(self))
        return _called(name, (args, kwargs), lambda: cls.__call__(self, *args, **kwargs))

    return type(cls.__name__, (cls,), {"__call__": recorded, "__module__": cls.__module__})


#: the ReLU every recorded pass counts the dead units of (``nnx.relu`` is ``jax.nn.relu``)
RELU = jax.nn.relu


def _relu(x: Any, *, name: str | None = None) -> Any:
    """ReLU, recorded as a layer (not inside a transform): ``name``, or the calling module's
    name + ``/relu`` (``relu2``, … for its later ReLU calls)."""
    active = _ACTIVE.get()
    if active.inside_transform():
        return RELU(x)
    if name is None:
        call = active.calls[-1] if active.calls else _Call("")
        call.relus += 1
        local = "relu" if call.relus == 1 else f"relu{call.relus}"
        name = f"{call.name}/{local}" if call.name else local
    active.relus.add(name)
    return _record(name, ((x,), {}), RELU(x))


@contextlib.contextmanager
def _patched(owner: Any, name: str, value: Any) -> Iterator[None]:
    original = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, original)


@contextlib.contextmanager
def _active(active: _Recording) -> Iterator[_Recording]:
    """``active`` is the recording while this runs, and ``nnx.relu``, ``nn.relu`` and
    ``jax.nn.relu`` record their calls."""
    token = _ACTIVE.set(active)
    try:
        with (
            _patched(jax.nn, "relu", _relu),
            _patched(nnx, "relu", _relu),
            _patched(nn, "relu", _relu),
        ):
            yield active
    finally:
        _ACTIVE.reset(token)


@contextlib.contextmanager
def _intercepted(
    model: nnx.Module, recorded: frozenset[str], perturb: Mapping[str, Any] | None
) -> Iterator[_Recording]:
    """While it runs, the modules ``recorded`` of ``model`` and its ReLUs record their first
    call (see the module docstring): a ReLU in an ``nnx.Sequential`` named by its path, one
    called as ``nnx.relu`` or ``jax.nn.relu`` by its caller's; every module's class, the
    sequences and ``relu`` are restored afterwards, even on an error."""
    found = named_modules(model)
    active = _Recording(recorded, perturb, names={id(m): n for n, m in found.items()})
    with contextlib.ExitStack() as stack:
        for name, module in found.items():
            if callable(module):
                cls: type = type(module)
                stack.enter_context(_patched(module, "__class__", _recording(cls)))
            if isinstance(module, nnx.Sequential):
                prefix = f"{name}/layers/" if name else "layers/"
                for i, layer in enumerate(module.layers):
                    if layer is RELU:
                        relu = functools.partial(_relu, name=f"{prefix}{i}")
                        stack.enter_context(_patched(module.layers, str(i), relu))
        yield stack.enter_context(_active(active))


#: a traced forward pass and its recording: (state, input, perturbations or None) → (the
#: output's first floating array, the recording)
Run = Callable[[Any, Any, Any], tuple[Any, _Recording]]


def _run(
    graphdef: Any, names: frozenset[str], state: Any, value: Any, perturb: Any
) -> tuple[Any, _Recording]:
    """The nnx model's first floating output on ``value`` and the recording of the modules
    ``names`` and the ReLUs."""
    # a copy made in this trace: nnx mutates (batch statistics) only variables of its own trace
    model = nnx.merge(graphdef, jax.tree.map(lambda x: x, state))
    with _intercepted(model, names, perturb) as active:
        return output_of(call(model, value)), active


TRANSFORMED = (
    "the model calls layers inside a JAX transform (scan, remat, vmap, ...), where their outputs "
    "cannot be recorded: accepted are models calling their layers directly (in nnx, a module of "
    "its own that runs a transform, as nnx.RNN, is recorded as one layer)"
)


def _forward(run: Run, traced: list[_Recording] | None = None) -> Forward:
    """``run`` with what its recording saw in place of the recording (kept in ``traced``)."""

    def forward(state: Any, value: Any, perturb: Any) -> tuple[Any, Seen]:
        out, active = run(state, value, perturb)
        if traced is not None:
            traced.append(active)
        return out, active.seen

    return forward


def _learnt(run: Run, state: Any, value: Any) -> tuple[tuple[Any, Seen], _Recording]:
    """One abstract run (:func:`~winit.signal.jax_pass.learn`) and its recording (first-call
    order, ReLUs, modules), known while tracing."""
    traced: list[_Recording] = []
    return learn(_forward(run, traced), state, value, TRANSFORMED), traced[0]


def _compiled(run: Run, structure: Any, learnt: tuple[Any, Seen], active: _Recording,
              layers: set[str], blocks: list[str]) -> Compiled:  # fmt: skip
    """The pass of ``run`` recording ``layers``, ``blocks`` and the ReLUs ``active`` saw."""
    return compile_pass(
        _forward(run), learnt, structure=structure, layers=layers, relus=active.relus,
        blocks=blocks, refusal=TRANSFORMED,
    )  # fmt: skip


def compile_nnx(model: nnx.Module, value: Any) -> Compiled:
    """The pass of the nnx models structured as ``model``, its call order and shapes learnt
    from one abstract run on ``value``."""
    graphdef, state = nnx.split(model)
    layers = leaves(model)
    listed = repeated(model)
    names = frozenset(layers) | frozenset(listed)
    learnt, active = _learnt(functools.partial(_run, graphdef, names), state, value)
    if "" in active.transforming:
        raise UnmeasurableError(TRANSFORMED)
    if active.transforming:  # recorded as layers, as a whole
        layers |= {n: named_modules(model)[n] for n in active.transforming}
        names |= active.transforming
        learnt, active = _learnt(functools.partial(_run, graphdef, names), state, value)
    order = list(active.seen)
    kernels = [n for n in order if n in layers and _kernel_dims(layers[n]) >= 2]
    blocks = [n for n in order if n in listed] if listed else kernels
    forward = functools.partial(_run, graphdef, names)
    return _compiled(forward, graphdef, learnt, active, set(layers), blocks)


# ---------------------------------------------------------------- inputs


def _first_leaf(module: nnx.Module) -> nnx.Module:
    """The first leaf module in the order the attributes were set (the model's definition)."""
    for value in vars(module).values():
        for item in value if isinstance(value, list | tuple) else [value]:
            if isinstance(item, nnx.Module):
                return _first_leaf(item)
    return module


def nnx_input(model: nnx.Module, given: Sequence[int] | MakeInput | None) -> Input:
    """The input to use: ``given`` (a shape, or a callable of a ``numpy.random.Generator``
    returning an array, tuple or dict) or N(0, 1) features of the model's first leaf module
    where that is an ``nnx.Linear``.

    Raises:
        UnmeasurableError: no input given and none can be made.
    """

    def made() -> Input | None:
        first = _first_leaf(model)
        if not isinstance(first, nnx.Linear):
            return None
        return shaped((BATCH * SEQUENCE, first.in_features), NUMPY, "from its first Linear layer")

    return resolve(
        given, NUMPY, made, model=type(model).__name__,
        accepted="an nnx module whose first layer is nnx.Linear",
    )  # fmt: skip


# ---------------------------------------------------------------- the model


def in_mode(model: nnx.Module, mode: str) -> nnx.Module:
    """``model`` set to ``mode`` (``Module.train()`` or ``Module.eval()``)."""
    getattr(model, mode)()
    return model


@dataclass
class Recorder:
    """The passes of ``model`` (an instance, kept, or a builder, rebuilt per seed), one
    compiled pass per mode, made from the first model built."""

    model: Any
    sample: nnx.Module
    make: MakeInput
    compiled: dict[str, Compiled] = field(default_factory=dict)
    #: an instance's state per mode (split once: it is the same for every seed)
    states: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    def compiled_in(self, mode: str, value: Any) -> Compiled:
        """The pass in ``mode``, compiled on its first use (``value``: an input)."""
        if mode not in self.compiled:
            self.compiled[mode] = compile_nnx(in_mode(nnx.clone(self.sample), mode), value)
        return self.compiled[mode]

    def state(self, seed: int, mode: str) -> tuple[Any, Any]:
        """The graphdef and state of the model in ``mode`` under ``seed``."""
        if not isinstance(self.model, nnx.Module):
            with seeded(seed):
                split: tuple[Any, Any] = nnx.split(in_mode(call_builder(self.model), mode))
                return split
        if mode not in self.states:  # a copy: the model is left in its mode
            self.states[mode] = nnx.split(in_mode(nnx.clone(self.model), mode))
        return self.states[mode]

    def record(self, seed: int, mode: str) -> Pass:
        """One recorded pass under ``seed`` (it draws the input and the output gradient)."""
        gen = np.random.default_rng(seed)
        value = self.make(gen)
        return run_pass(self.compiled_in(mode, value), self.state(seed, mode), value, seed, gen)


def nnx_subject(model: Any, sample: nnx.Module, given: Sequence[int] | MakeInput | None) -> Subject:
    """``model`` (an nnx module, or a builder of one) as the checks see it; ``sample`` is the
    module itself or one built by the builder, read for its layers, blocks and input."""
    made = nnx_input(sample, given)
    recorder = Recorder(model=model, sample=sample, make=made.make)
    mode = modes(any(isinstance(m, nnx.BatchNorm) for _, m in nnx.iter_modules(sample)))
    compiled = recorder.compiled_in(mode[0], made.make(np.random.default_rng(0)))
    found = named_modules(sample)
    modules = {n: found[n] for n in compiled.order if n not in compiled.relus}
    return Subject(
        model=type(sample).__name__, input=made.describe, modes=mode, blocks=compiled.blocks,
        types={n: type(m).__name__ for n, m in modules.items()} | dict.fromkeys(compiled.relus, "relu"),
        norms=frozenset(n for n, m in modules.items() if is_norm(m)),
        batch_norms=frozenset(n for n, m in modules.items() if isinstance(m, nnx.BatchNorm)),
        record=recorder.record,
    )  # fmt: skip


# ---------------------------------------------------------------- linen

LINEN_ACCEPTED = (
    "Flax linen variables carry no module to call: give the builder of a key that returns "
    "module.init(key, *inputs) (its module and inputs are read from that call)"
)
#: ``Module.init``'s own keyword arguments (not the module's inputs)
_INIT_OPTIONS = frozenset({"method", "mutable", "capture_intermediates"})


@dataclass(frozen=True)
class Linen:
    """A linen model as its builder made it: the module, its variables, and the inputs and
    keyword arguments of the ``module.init`` call."""

    module: Any
    variables: Any
    inputs: tuple[Any, ...]
    kwargs: Mapping[str, Any]


def build_linen(builder: Any, seed: int) -> Linen:
    """The builder's model under ``seed``, its module read from its first ``init`` call.

    Raises:
        UnmeasurableError: the builder made no ``module.init`` call.
    """
    calls: list[tuple[Any, tuple[Any, ...], dict[str, Any]]] = []
    original = nn.Module.init

    def init(self: Any, rngs: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append((self, args, {k: v for k, v in kwargs.items() if k not in _INIT_OPTIONS}))
        return original(self, rngs, *args, **kwargs)

    with seeded(seed), _patched(nn.Module, "init", init):
        variables = call_builder(builder)
    if not calls:
        raise UnmeasurableError(f"the builder made no module.init call: {LINEN_ACCEPTED}")
    module, inputs, kwargs = calls[0]
    return Linen(module=module, variables=variables, inputs=inputs, kwargs=kwargs)


def _interceptor(active: _Recording) -> Callable[..., Any]:
    """The ``nn.intercept_methods`` interceptor making each module's ``__call__`` a
    :func:`_called` call, named by its scope path."""

    def intercept(next_fun: Callable[..., Any], args: Any, kwargs: Any, context: Any) -> Any:
        if context.method_name != "__call__":
            return next_fun(*args, **kwargs)
        module = context.module
        name = _name(module.scope.path)
        running = isinstance(module, nn.BatchNorm) and nn.merge_param(
            "use_running_average", module.use_running_average,
            args[1] if len(args) > 1 else kwargs.get("use_running_average"),
        )  # fmt: skip
        active.linen.setdefault(name, (type(module), is_norm(module) and not running))
        return _called(name, (args, kwargs), lambda: next_fun(*args, **kwargs))

    return intercept


def _apply(
    model: Linen, recorded: frozenset[str] | None, variables: Any, value: Any, perturb: Any
) -> tuple[Any, _Recording]:
    """The linen model's first floating output on ``value`` (its variables ``variables``) and
    the recording of the modules ``recorded`` and the ReLUs."""
    active = _Recording(recorded, perturb)
    args, kwargs = arguments(value)
    with _active(active), nn.intercept_methods(_interceptor(active)):
        out, _ = model.module.apply(variables, *args, **kwargs, **model.kwargs, mutable=True)
    return output_of(out), active


def _siblings(order: list[str], classes: Mapping[str, type]) -> list[str]:
    """The blocks among the runs of modules of one class under one parent
    (:func:`~winit.signal.checking.blocks_among`), in call order."""
    groups: dict[tuple[str, type], list[str]] = {}
    for name in order:
        groups.setdefault((name.rpartition("/")[0], classes[name]), []).append(name)
    return blocks_among([
        Siblings(names=tuple(names), composite=any(o.startswith(f"{names[0]}/") for o in order),
            own=not framework_class(cls, "flax"), depth=parent.count("/") + bool(parent))
        for (parent, cls), names in groups.items()
    ])  # fmt: skip


def _linen_kernel_dims(variables: Any, name: str) -> int:
    params: Any = variables.get("params", {})
    for part in name.split("/"):
        params = params.get(part, {}) if isinstance(params, Mapping) else {}
    kernel = params.get("kernel") if isinstance(params, Mapping) else None
    return len(getattr(kernel, "shape", ()))


def compile_linen(model: Linen, value: Any) -> tuple[Compiled, _Recording]:
    """The pass of ``model``'s module, its modules and call order learnt from one abstract
    run on ``value`` recording every module (blocks: the longest run of siblings of one class,
    else the leaf modules with a kernel of two or more dimensions)."""
    everything = functools.partial(_apply, model, None)
    learnt, active = _learnt(everything, model.variables, value)
    called = [n for n in active.seen if n not in active.relus]
    layers = {n for n in called if not any(o.startswith(f"{n}/") for o in called)}
    classes = {n: active.linen[n][0] for n in called}
    kernels = [n for n in called if n in layers and _linen_kernel_dims(model.variables, n) >= 2]
    blocks = _siblings(called, classes) or kernels
    forward = functools.partial(_apply, model, frozenset(layers | set(blocks)))
    structure = jax.tree.structure(model.variables)
    return _compiled(forward, structure, learnt, active, layers, blocks), active


def linen_input(model: Linen, given: Sequence[int] | MakeInput | None) -> Input:
    """The input to use: ``given`` (as for :func:`nnx_input`), else N(0, 1) features shaped as
    the ``init`` call's input where that is one floating array.

    Raises:
        UnmeasurableError: no input given and none can be made.
    """

    def made() -> Input | None:
        if len(model.inputs) != 1 or first_float(model.inputs[0])[1] is None:
            return None
        return shaped(model.inputs[0].shape, NUMPY, "shaped as the init call's")

    return resolve(
        given, NUMPY, made, model=type(model.module).__name__,
        accepted="an init call on one floating array",
    )  # fmt: skip


@dataclass
class LinenRecorder:
    """The passes of a linen model's builder, rebuilt per seed, compiled once."""

    builder: Any
    make: MakeInput
    compiled: Compiled

    def record(self, seed: int, mode: str) -> Pass:
        """One recorded pass under ``seed`` (it draws the weights, the input and the output
        gradient); ``mode`` is the one the model's call takes."""
        gen = np.random.default_rng(seed)
        value = self.make(gen)
        variables = build_linen(self.builder, seed).variables
        built = (jax.tree.structure(variables), variables)
        return run_pass(self.compiled, built, value, seed, gen)


def linen_subject(builder: Any, given: Sequence[int] | MakeInput | None) -> Subject:
    """A linen model's builder (see :func:`build_linen`) as the checks see it: one mode, the
    one its call takes (``train`` where a batch norm applies batch statistics, else ``eval``);
    a norm is checked unless it is a batch norm applying its running statistics.

    Raises:
        UnmeasurableError: linen variables without their builder, a builder making no ``init``
            call, or no input given and none can be made.
    """
    if not callable(builder):
        raise UnmeasurableError(LINEN_ACCEPTED)
    sample = build_linen(builder, 0)
    made = linen_input(sample, given)
    compiled, active = compile_linen(sample, made.make(np.random.default_rng(0)))
    names = [n for n in compiled.order if n not in compiled.relus]
    kinds = {n: active.linen[n] for n in names}
    training = any(issubclass(cls, nn.BatchNorm) and checked for cls, checked in kinds.values())
    return Subject(
        model=type(sample.module).__name__, input=made.describe,
        modes=("train",) if training else ("eval",), blocks=compiled.blocks,
        types={n: cls.__name__ for n, (cls, _) in kinds.items()} | dict.fromkeys(compiled.relus, "relu"),
        norms=frozenset(n for n, (_, checked) in kinds.items() if checked), batch_norms=frozenset(),
        record=LinenRecorder(builder=builder, make=made.make, compiled=compiled).record,
    )  # fmt: skip


def subject(model: Any, sample: Any, given: Sequence[int] | MakeInput | None) -> Subject:
    """``model`` (an nnx module, a builder of one, or a linen model's builder) as the checks
    see it; ``sample`` is the nnx module itself or one built by the builder (linen: the
    variables the builder returned), read for its layers, blocks and input."""
    if isinstance(sample, nnx.Module):
        return nnx_subject(model, sample, given)
    return linen_subject(model, given)
