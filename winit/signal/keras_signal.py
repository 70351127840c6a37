"""The signal through a Keras 3 model on the jax backend: one forward and backward pass per seed
and mode recorded into a :class:`~winit.signal.passes.Pass`, and the model as the checks see it
(:func:`subject`).

Layers are the leaf layers (no sublayers; an RNN is one, its cell runs in its loop), named by
their path of Keras names below the model (``block_1/dense``). Blocks
(:func:`~winit.signal.checking.blocks_among`) are the instances of a layer class with sublayers
— a residual block, even a stack of one — or, when there is none, the leaf layers with a kernel
of two or more dimensions (Dense, Conv, EinsumDense) in call order.

A pass (:mod:`winit.signal.jax_pass`: zero perturbations on the recorded outputs, ``jax.grad``
of ``sum(output · g)``, compiled once per mode) runs ``model.stateless_call`` with every
recorded layer's ``call`` intercepted on its instance: a train-mode pass leaves the model's
moving statistics as they were. A model instance is kept (each seed draws the input and ``g``);
a builder is rebuilt per seed under ``keras.utils.set_random_seed``
(:func:`winit.audit.keras_model.build`), and its weights go through the first build's pass.
The input (:func:`input_for`): a shape, a callable of a ``numpy.random.Generator``, or made from
the model's one declared input or its first Dense layer.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from winit.audit.keras_model import build
from winit.signal import inputs, jax_pass
from winit.signal.checking import Siblings, Subject, blocks_among, framework_class, modes
from winit.signal.inputs import Input, MakeInput, UnmeasurableError
from winit.signal.passes import Pass, is_norm_name


def _keras() -> Any:
    import keras

    if keras.backend.backend() != "jax":
        raise UnmeasurableError(
            "the signal of a Keras model is measured on the jax backend: set KERAS_BACKEND=jax "
            f"(this one runs on {keras.backend.backend()})"
        )
    return keras


def sublayers(layer: Any) -> list[Any]:
    """``layer``'s direct sublayers (not the input layers of a functional model); none for an
    RNN, whose cell runs inside its loop (the RNN is the leaf)."""
    keras = _keras()
    if isinstance(layer, keras.layers.RNN):
        return []
    children = layer._flatten_layers(include_self=False, recursive=False)
    return [c for c in children if not isinstance(c, keras.layers.InputLayer)]


def named_layers(model: Any) -> dict[str, Any]:
    """Every layer below ``model`` by its path of Keras names, parents before children.

    >>> import keras
    >>> list(named_layers(keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, name="d")])))
    ['d']
    """

    def walk(layer: Any, prefix: str) -> Iterator[tuple[str, Any]]:
        for child in sublayers(layer):
            yield f"{prefix}{child.name}", child
            yield from walk(child, f"{prefix}{child.name}/")

    return dict(walk(model, ""))


def _kernel_dims(layer: Any) -> int:
    try:
        kernel = getattr(layer, "kernel", None)
    except (AttributeError, ValueError):  # a layer whose kernel property needs a build
        return 0
    return len(getattr(kernel, "shape", ()))


def repeated_blocks(layers: dict[str, Any]) -> list[str]:
    """The blocks among the instances of each layer class with sublayers in ``layers``
    (:func:`~winit.signal.checking.blocks_among`), in ``layers``' order; ``[]`` without."""
    groups: dict[type, list[str]] = {}
    for name, layer in layers.items():
        if sublayers(layer):
            groups.setdefault(type(layer), []).append(name)
    return blocks_among([
        Siblings(names=tuple(names), composite=True, own=not framework_class(cls, "keras"),
            depth=min(n.count("/") for n in names))
        for cls, names in groups.items()
    ])  # fmt: skip


def is_relu(layer: Any) -> bool:
    """A ReLU layer, or a layer whose activation is ReLU (its dead units are counted)."""
    keras = _keras()
    return isinstance(layer, keras.layers.ReLU) or getattr(layer, "activation", None) is (
        keras.activations.relu
    )


def is_batch_norm(layer: Any) -> bool:
    return isinstance(layer, _keras().layers.BatchNormalization)


def _declared_input(model: Any, layers: dict[str, Any]) -> Input | None:
    """From the model's one declared input: N(0, 1) features of its shape, or token ids
    uniform over its first Embedding's vocabulary for an integer input; ``None`` without."""
    try:
        declared = list(model.inputs or ())
    except (AttributeError, ValueError):  # a subclassed model declares none
        declared = []
    if len(declared) != 1:
        return None
    (tensor,) = declared
    shape = list(tensor.shape)
    shape[0] = inputs.BATCH * inputs.SEQUENCE if len(shape) == 2 else inputs.BATCH
    dims = tuple(inputs.SEQUENCE if d is None else int(d) for d in shape)
    if "float" in str(tensor.dtype):
        return inputs.shaped(dims, inputs.NUMPY, "from its declared input")
    keras = _keras()
    embedding = next((v for v in layers.values() if isinstance(v, keras.layers.Embedding)), None)
    if embedding is None:
        return None
    vocab = int(embedding.input_dim)
    return Input(
        make=lambda g: g.integers(0, vocab, dims).astype(str(tensor.dtype)),
        describe=f"token ids uniform over {vocab}, {'x'.join(map(str, dims))}, from its "
        "declared input and its first Embedding",
    )


def _first_dense_input(layers: dict[str, Any]) -> Input | None:
    """N(0, 1) features for a model whose first leaf layer is a built Dense layer."""
    keras = _keras()
    first = next((v for v in layers.values() if not sublayers(v)), None)
    if isinstance(first, keras.layers.Dense) and _kernel_dims(first) == 2:
        dims = (inputs.BATCH * inputs.SEQUENCE, int(first.kernel.shape[0]))
        return inputs.shaped(dims, inputs.NUMPY, "from its first Dense layer")
    return None


def input_for(model: Any, given: Sequence[int] | MakeInput | None) -> Input:
    """The input to use: ``given`` (a shape, or a callable of a ``numpy.random.Generator``
    returning an array, a tuple or a dict — the model's one input argument) or one made from
    the model.

    Raises:
        UnmeasurableError: no input given and none can be made.
    """

    def made() -> Input | None:
        layers = named_layers(model)
        return _declared_input(model, layers) or _first_dense_input(layers)

    return inputs.resolve(
        given, inputs.NUMPY, made, model=type(model).__name__,
        accepted="a Keras model with one declared input, float or token ids for an Embedding, "
        "or a built first Dense layer",
    )  # fmt: skip


@contextlib.contextmanager
def _intercepted(
    layers: dict[str, Any], seen: jax_pass.Seen, perturb: Mapping[str, Any] | None
) -> Iterator[None]:
    """Every layer of ``layers`` is seen into ``seen`` inside (its ``call`` replaced on the
    instance, put back after; :func:`~winit.signal.jax_pass.see`)."""

    def wrap(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            return jax_pass.see(seen, name, (args, kwargs), original(*args, **kwargs), perturb)

        return call

    held = {name: vars(layer).get("call") for name, layer in layers.items()}
    try:
        for name, layer in layers.items():
            object.__setattr__(layer, "call", wrap(name, layer.call))
        yield
    finally:
        for name, layer in layers.items():
            if held[name] is None:
                vars(layer).pop("call", None)
            else:
                object.__setattr__(layer, "call", held[name])


def _built(model: Any) -> tuple[Any, Any]:
    """A built model's structure (its variables' shapes) and state (the values of its trainable
    and non-trainable variables)."""
    structure = tuple(tuple(v.shape) for v in model.variables)
    trainable = [v.value for v in model.trainable_variables]
    return structure, (trainable, [v.value for v in model.non_trainable_variables])


class Recorder:
    """Records passes of ``sample``'s structure (its layers are intercepted) on the variables of
    ``model`` (``sample`` itself, or a builder's build for the seed), one compiled pass per
    mode."""

    def __init__(self, model: Any, sample: Any, make: MakeInput) -> None:
        self.model, self.sample, self.make = model, sample, make
        every = named_layers(sample)
        self.leaves = {n: v for n, v in every.items() if not sublayers(v)}
        self.repeated = repeated_blocks(every)
        self.layers = self.leaves | {n: every[n] for n in self.repeated}
        self.refusal = (
            f"a layer of {type(sample).__name__} runs inside a JAX loop or transformation "
            "(e.g. lax.scan): its output cannot be recorded from outside"
        )
        self._compiled: dict[str, jax_pass.Compiled] = {}

    def _forward(self, training: bool) -> jax_pass.Forward:
        """The sample's ``stateless_call`` on a state of its structure, its layers seen."""

        def forward(state: Any, value: Any, perturb: Any) -> tuple[Any, jax_pass.Seen]:
            seen: jax_pass.Seen = {}
            with _intercepted(self.layers, seen, perturb):
                output, _ = self.sample.stateless_call(*state, value, training=training)
            return jax_pass.output_of(output), seen

        return forward

    def compiled(self, mode: str, value: Any) -> jax_pass.Compiled:
        """The pass in ``mode``, compiled on its first use (``value``: an input); the blocks
        (see the module docstring) in call order."""
        if mode not in self._compiled:
            forward = self._forward(mode == "train")
            structure, state = _built(self.sample)
            learnt = jax_pass.learn(forward, state, value, self.refusal)
            kernels = [n for n, v in self.leaves.items() if _kernel_dims(v) >= 2]
            self._compiled[mode] = jax_pass.compile_pass(
                forward, learnt, structure=structure, layers=self.leaves,
                relus=[n for n, v in self.leaves.items() if is_relu(v)],
                blocks=self.repeated or kernels, refusal=self.refusal,
            )  # fmt: skip
        return self._compiled[mode]

    def _state(self, seed: int) -> tuple[Any, Any]:
        """The structure and state for ``seed``: the instance's, or the builder's build's."""
        if isinstance(self.model, _keras().Model):
            return _built(self.model)
        return _built(build(self.model, seed, "building the model for the signal")[0])

    def record(self, seed: int, mode: str) -> Pass:
        """One recorded pass under ``seed`` in ``mode``."""
        built = self._state(seed)
        gen = np.random.default_rng(seed)
        value = self.make(gen)
        return jax_pass.run_pass(self.compiled(mode, value), built, value, seed, gen)


def subject(model: Any, sample: Any, make_input: Sequence[int] | MakeInput | None) -> Subject:
    """``model`` (a ``keras.Model``, or a builder of one) as the checks see it; ``sample`` is the
    model itself or one built by the builder, read for its layers, blocks and input.

    Raises:
        UnmeasurableError: a backend other than jax, a model not built, or no input given and
            none can be made.
    """
    _keras()
    if not sample.built:
        raise UnmeasurableError(
            f"{type(sample).__name__} is not built: the signal of a Keras model is measured once "
            "built (give it an Input, or build it in the builder)"
        )
    given = input_for(sample, make_input)
    recorder = Recorder(model, sample, given.make)
    mode = modes(any(map(is_batch_norm, recorder.leaves.values())))
    compiled = recorder.compiled(mode[0], given.make(np.random.default_rng(0)))
    layers = recorder.layers
    return Subject(
        model=type(sample).__name__, input=given.describe, modes=mode,
        blocks=compiled.blocks, types={n: type(v).__name__ for n, v in layers.items()},
        norms=frozenset(n for n, v in recorder.leaves.items() if is_norm_name(type(v).__name__)),
        batch_norms=frozenset(n for n, v in recorder.leaves.items() if is_batch_norm(v)),
        record=recorder.record,
    )  # fmt: skip
