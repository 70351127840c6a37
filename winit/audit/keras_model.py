"""Keras 3 models (any backend): each variable read with the initializer ``add_weight`` gave it.

While a model is built, ``keras.layers.Layer.add_weight`` — however a layer reaches it
(``add_variable``, a cell inside an RNN) — is wrapped to note the initializer each variable got;
its law is read from the initializer's class and configuration (:func:`initializer_law`). A
variable no recorded call made (a model instance built outside the audit) is read with the
initializer its layer holds (``kernel_initializer`` for ``kernel``), else its layer's rule in
``winit defaults``' Keras table. Builds run under
``keras.utils.set_random_seed(seed)``; Python's and numpy's global generators, which it seeds too,
are put back afterwards.

Paths: ``built`` — the builder under the seed; ``loaded`` — what ``keras.saving.load_model``
does before it reads a file's weights: the model deserialized from its serialization (config
and build config), so every variable a checkpoint lacks keeps the value this path gives it
(Keras skips and warns on a missing variable; it never initialises it another way).
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import random
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from winit.audit import variables
from winit.audit.adapter import KERAS_LAYERS, Axes, framework
from winit.audit.expect import Expectation
from winit.audit.kinds import call_builder
from winit.audit.model import Builder, Floats, Named, Region, call_user
from winit.audit.variables import KERAS_AXES, Code, named_call

#: Keras' ``distribution`` names → verify's (untruncated_normal is a plain normal)
DISTRIBUTIONS = {"untruncated_normal": "normal"}


def _keras() -> Any:
    return framework("keras", "keras")


def _config(init: Any) -> dict[str, Any]:
    return {k: v for k, v in init.get_config().items() if k != "seed" and v is not None}


def initializer_law(init: Any) -> tuple[str, dict[str, Any], Axes] | None:
    """The law (verify's name and parameters) a Keras initializer object draws, and the axes its
    fans are read with; ``None`` for one that names no law (Identity, a custom one).

    >>> import keras
    >>> initializer_law(keras.initializers.RandomNormal(stddev=0.5))[:2]
    ('normal', {'mean': 0.0, 'std': 0.5})
    """
    i = _keras().initializers
    axes = KERAS_AXES
    if isinstance(init, i.VarianceScaling):
        ins, outs = getattr(init, "input_axes", None), getattr(init, "output_axes", None)
        if ins is not None and outs is not None:  # Keras reads no receptive field then
            axes = Axes(tuple(ins), tuple(outs), name=f"input_axes={ins}, output_axes={outs}")
        distribution = DISTRIBUTIONS.get(init.distribution, init.distribution)
        params = {"scale": float(init.scale), "mode": init.mode, "distribution": distribution}
        return "variance_scaling", params, axes
    c = _config(init)
    if isinstance(init, i.Zeros | i.Ones):
        return ("zeros" if isinstance(init, i.Zeros) else "ones"), {}, axes
    if isinstance(init, i.Constant) and np.ndim(c["value"]) == 0:
        return "constant", {"value": float(c["value"])}, axes
    if isinstance(init, i.RandomNormal):
        return "normal", {"mean": float(c["mean"]), "std": float(c["stddev"])}, axes
    if isinstance(init, i.TruncatedNormal):  # cut at ±2 stddev, stddev the parent's
        params = {"mean": float(c["mean"]), "std": float(c["stddev"]), "truncation": "uncorrected"}
        return "truncated_normal", params, axes
    if isinstance(init, i.RandomUniform):
        return "uniform", {"a": float(c["minval"]), "b": float(c["maxval"])}, axes
    if isinstance(init, i.Orthogonal):
        return "orthogonal", {"gain": float(c["gain"])}, axes
    return None


def _code(init: Any) -> Code:
    """The recorded initializer as the law the code names (``none`` where it names none)."""
    if not isinstance(init, _keras().initializers.Initializer):  # a function
        name = getattr(init, "__qualname__", type(init).__name__)
        return Code(Named("call", f"{name}: names no law", None, {}), unread=True)
    shown = ", ".join(f"{k}={v!r}" for k, v in _config(init).items())
    text = f"keras.initializers.{type(init).__name__}({shown})"
    found = initializer_law(init)
    if found is None:
        return Code(Named("call", f"{text}: names no law", None, {}), unread=True)
    law, params, axes = found
    return Code(named_call(text, law, params), axes)


@contextlib.contextmanager
def _recording() -> Iterator[dict[int, tuple[Any, Any]]]:
    """``{id(variable): (variable, initializer)}`` of every ``add_weight`` call inside."""
    keras = _keras()
    layer_cls = keras.layers.Layer
    original = layer_cls.add_weight
    signature = inspect.signature(original)
    made: dict[int, tuple[Any, Any]] = {}

    def add_weight(self: Any, *args: Any, **kwargs: Any) -> Any:
        variable = original(self, *args, **kwargs)
        bound = signature.bind(self, *args, **kwargs).arguments
        init = bound.get("initializer")
        if init is None and len(args) > 1:  # Keras 2's add_weight(shape, initializer)
            init = args[1]
        state = random.getstate()  # a string initializer made here must not draw a seed
        try:
            init = keras.initializers.get(init if init is not None else "glorot_uniform")
        finally:
            random.setstate(state)
        made[id(variable)] = (variable, init)
        return variable

    layer_cls.add_weight = add_weight
    try:
        yield made
    finally:
        layer_cls.add_weight = original


def build(builder: Builder, seed: int, what: str) -> tuple[Any, dict[int, tuple[Any, Any]]]:
    """``builder()`` under ``keras.utils.set_random_seed(seed)``, its ``add_weight`` calls
    recorded (see the module docstring)."""
    keras = _keras()
    saved = random.getstate(), np.random.get_state()  # noqa: NPY002
    try:
        keras.utils.set_random_seed(seed)
        with _recording() as made:
            model = call_user(lambda: call_builder(builder), what)
    finally:
        random.setstate(saved[0])
        np.random.set_state(saved[1])  # noqa: NPY002
    if not isinstance(model, keras.Model):
        raise ValueError(f"{what} returned a {type(model).__name__}, not a keras.Model")
    return model, made


def float_variables(model: Any) -> list[Any]:
    """Every floating variable of ``model``, each once."""
    seen: set[int] = set()
    out = []
    for v in model.weights:
        if id(v) not in seen and variables.is_float(v):
            seen.add(id(v))
            out.append(v)
    if not out:
        raise ValueError(
            f"{type(model).__name__} has no floating variables: a Keras model is audited once "
            "built (give it an Input, or build it in the builder)"
        )
    return out


def _rules(model: Any) -> dict[str, tuple[Any, ...]]:
    """Every variable's layer rule by variable path, with its layer's class name."""
    out: dict[str, tuple[Any, ...]] = {}
    for layer in model._flatten_layers(include_self=False):
        found = variables.layer_rules(KERAS_LAYERS, layer, layer, f"{layer.path}/")
        out |= {k: (v, type(layer).__name__) for k, v in found.items()}
    return out


def _axes_at_build(layer: Any, v: Any) -> bool:
    """An EinsumDense kernel: the layer gives its initializer the einsum's axes only when it
    builds, so the initializer it holds reads other fans (its rule states the einsum's)."""
    return isinstance(layer, _keras().layers.EinsumDense) and v.name == "kernel"


def model_regions(
    model: Any, made: Mapping[int, tuple[Any, Any]], expectations: list[Expectation]
) -> list[Region]:
    """Every variable's regions: the initializer recorded for it, else the one its layer holds
    as ``<name>_initializer`` (a model built outside the audit), else its layer's rule — which
    also beats a held initializer where it covers some rows only (LSTM's forget-gate bias: the
    layer holds the other rows' initializer) and for an EinsumDense kernel."""
    keras = _keras()
    rules = _rules(model)
    layers = {layer.path: layer for layer in model._flatten_layers(include_self=False)}
    out: list[Region] = []
    for v in float_variables(model):
        found, layer = rules.get(v.path, ((), ""))
        recorded = made.get(id(v))
        init = recorded[1] if recorded is not None else None
        owner = layers.get(str(v.path).rpartition("/")[0])
        if init is None and not any(r.rows for r in found) and not _axes_at_build(owner, v):
            held = getattr(owner, f"{v.name}_initializer", None)
            init = held if isinstance(held, keras.initializers.Initializer) else None
        code = _code(init) if init is not None else None
        array = keras.ops.convert_to_numpy(v.value)
        out += variables.regions(_name(model, v), array, code, found, layer, expectations)
    return out


def _name(model: Any, v: Any) -> str:
    """The variable's path below the model (a deserialized model's layers are made before the
    model, so their paths do not start with its name)."""
    return str(v.path).removeprefix(f"{model.name}/")


def _again(model: Any, again: Any) -> Mapping[str, Floats]:
    keras = _keras()
    names = [_name(model, v) for v in float_variables(model)]
    return variables.again_values(
        names, [keras.ops.convert_to_numpy(v.value) for v in float_variables(again)]
    )


LOADED = "keras.saving.deserialize_keras_object(serialize_keras_object(model)): load_model's build"


def build_path(
    path: str, builder: Builder | None, model: Any | None, seed: int,
    expectations: list[Expectation],
) -> tuple[list[Region], Mapping[str, Floats] | None, str, Any]:  # fmt: skip
    """The regions of one path of a Keras model (see :func:`winit.audit.frameworks.build_path`)."""
    if path == "built":
        if builder is None:
            assert model is not None
            note = "a model instance: built outside the audit, no add_weight call recorded, not rebuilt"
            return model_regions(model, {}, expectations), None, note, model
        model, made = build(builder, seed, "building the model")
        again, _ = build(builder, seed, "building the model again")
        return (
            model_regions(model, made, expectations),
            _again(model, again),
            "the builder, under the seed",
            model,
        )
    if model is None:
        assert builder is not None
        model, _ = build(builder, seed, "building the model")
    saving = _keras().saving
    try:
        serialized = saving.serialize_keras_object(model)
    except Exception as e:
        raise ValueError(
            f"the loaded path rebuilds a Keras model from its serialization; "
            f"{type(model).__name__} has none ({type(e).__name__}: {e}); audit paths=['built']"
        ) from None

    def loaded() -> Any:
        return saving.deserialize_keras_object(copy.deepcopy(serialized))  # it consumes it

    first, made = build(loaded, seed, "the loaded path (deserialized)")
    again, _ = build(loaded, seed, "the loaded path (deserialized) again")
    return model_regions(first, made, expectations), _again(first, again), LOADED, model
