"""The signal through a Keras 3 model on the jax backend: one forward and backward pass per seed
and mode recorded into a :class:`~winit.signal.passes.Pass`, and the model as the checks see it
(:func:`subject`).

Layers are the leaf layers (no sublayers; an RNN is one, its cell runs in its loop), named by their path of Keras names below the model
(``block_1/dense``). Blocks are the instances of the layer class with sublayers the model
repeats most (two or more; the outermost on a tie) — a residual block — or, when there is none,
the leaf layers with a kernel of two or more dimensions (Dense, Conv, EinsumDense) in call order.

A pass is a pure function of the variables: every recorded layer's ``call`` is intercepted on
its instance for the pass, its output (its first floating tensor, first call only) gets a zero
perturbation added, and ``jax.grad`` of ``sum(output · g)`` with respect to the perturbations,
through ``model.stateless_call``, is the gradient reaching each output (``g`` an N(0, 1) output
gradient); the forward values come out beside it. It is compiled once per mode: a train-mode
pass leaves the model's moving statistics as they were. A model instance is kept (each seed
draws the input and ``g``); a builder is rebuilt per seed under ``keras.utils.set_random_seed``
(:func:`winit.audit.keras_model.build`), and its weights go through the first build's pass.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from winit.audit.keras_model import build
from winit.signal.checking import Subject
from winit.signal.inputs import (
    BATCH,
    NUMPY,
    SEQUENCE,
    Input,
    MakeInput,
    UnmeasurableError,
    resolve,
    shaped,
)
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
    """The instances of the layer class with sublayers that ``layers`` holds most often (two or
    more; on a tie the outermost), in ``layers``' order; ``[]`` without one."""
    groups: dict[type, list[str]] = {}
    for name, layer in layers.items():
        if sublayers(layer):
            groups.setdefault(type(layer), []).append(name)
    ranked = sorted(groups.values(), key=lambda g: (-len(g), min(n.count("/") for n in g)))
    return ranked[0] if ranked and len(ranked[0]) >= 2 else []


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
    shape[0] = BATCH * SEQUENCE if len(shape) == 2 else BATCH
    dims = tuple(SEQUENCE if d is None else int(d) for d in shape)
    if "float" in str(tensor.dtype):
        return shaped(dims, NUMPY, "from its declared input")
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
        dims = (BATCH * SEQUENCE, int(first.kernel.shape[0]))
        return shaped(dims, NUMPY, "from its first Dense layer")
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

    return resolve(
        given, NUMPY, made, model=type(model).__name__,
        accepted="a Keras model with one declared input, float or token ids for an Embedding, "
        "or a built first Dense layer",
    )  # fmt: skip


def _first_float(value: Any) -> tuple[list[Any], int | None, Any]:
    """The leaves of ``value``, the index of its first floating one, and the tree's structure."""
    import jax

    leaves, tree = jax.tree_util.tree_flatten(value)
    index = next(
        (i for i, leaf in enumerate(leaves) if "float" in str(getattr(leaf, "dtype", ""))), None
    )
    return leaves, index, tree


@dataclass
class _Trace:
    """What one traced pass saw: per recorded name its output (and a block's input), in order."""

    perturb: dict[str, Any]
    out: dict[str, Any]
    inp: dict[str, Any]


@contextlib.contextmanager
def _intercepted(layers: dict[str, Any], blocks: frozenset[str], trace: _Trace) -> Iterator[None]:
    """Every layer of ``layers`` records into ``trace`` inside (its ``call`` replaced on the
    instance, put back after)."""

    def wrap(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            output = original(*args, **kwargs)
            leaves, index, tree = _first_float(output)
            if index is None or name in trace.out:
                return output
            trace.out[name] = leaves[index]
            if name in blocks:
                inputs, first, _ = _first_float(args)
                trace.inp[name] = inputs[first] if first is not None else None
            if name in trace.perturb:
                leaves[index] = leaves[index] + trace.perturb[name]
            return tree.unflatten(leaves)

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


class Recorder:
    """Records passes of ``sample``'s structure (its layers are intercepted) on the variables of
    ``model`` (``sample`` itself, or a builder's build for the seed)."""

    def __init__(self, model: Any, sample: Any, make: MakeInput) -> None:
        self.model, self.sample, self.make = model, sample, make
        every = named_layers(sample)
        self.leaves = {n: v for n, v in every.items() if not sublayers(v)}
        repeated = repeated_blocks(every)
        self.layers = self.leaves | {n: every[n] for n in repeated}
        self.repeated = repeated
        self._compiled: dict[str, Any] = {}
        self._order: list[str] = []

    def _loss(self, training: bool, perturb: dict[str, Any], trainable: Any, fixed: Any,
              value: Any, g: Any) -> tuple[Any, tuple[dict[str, Any], dict[str, Any], Any]]:  # fmt: skip
        import jax.numpy as jnp

        trace = _Trace(perturb, {}, {})
        blocks = frozenset(self.blocks)
        with _intercepted(self.layers, blocks, trace):
            output, _ = self.sample.stateless_call(trainable, fixed, value, training=training)
        self._order = list(trace.out)
        leaves, index, _ = _first_float(output)
        if index is None:
            raise UnmeasurableError("the model returned no floating tensor to back-propagate from")
        y = leaves[index]
        loss = jnp.sum(y * g) if g is not None else jnp.sum(y)
        return loss, (trace.out, {n: v for n, v in trace.inp.items() if v is not None}, y)

    @property
    def blocks(self) -> list[str]:
        """The block names (see the module docstring), in call order once a pass has run."""
        if self.repeated:
            return [n for n in self._order if n in self.repeated] or self.repeated
        kernels = [n for n, v in self.leaves.items() if _kernel_dims(v) >= 2]
        return [n for n in self._order if n in kernels] if self._order else kernels

    @contextlib.contextmanager
    def _recordable(self) -> Iterator[None]:
        """A layer called inside a JAX loop leaks its recorded output: a one-line error."""
        import jax

        try:
            yield
        except jax.errors.UnexpectedTracerError:
            raise UnmeasurableError(
                f"a layer of {type(self.sample).__name__} runs inside a JAX loop or "
                "transformation (e.g. lax.scan): its output cannot be recorded from outside"
            ) from None

    def _function(self, mode: str, values: tuple[Any, Any], value: Any) -> Any:
        """The compiled pass of ``mode`` (traced once: its shapes learnt by ``jax.eval_shape``)."""
        import jax

        if mode not in self._compiled:
            loss = partial(self._loss, mode == "train")
            with self._recordable():
                _, (outs, _, y) = jax.eval_shape(lambda: loss({}, *values, value, None))
            zeros = {n: jax.numpy.zeros(s.shape, s.dtype) for n, s in outs.items()}
            grad = jax.jit(jax.grad(loss, has_aux=True))
            self._compiled[mode] = (grad, zeros, y)
        return self._compiled[mode]

    def _values(self, seed: int) -> tuple[Any, Any]:
        """The variables' values for ``seed``: the instance's, or the builder's build's."""
        keras = _keras()
        built = self.model
        if not isinstance(built, keras.Model):
            built, _ = build(self.model, seed, "building the model for the signal")
        shapes = [tuple(v.shape) for v in built.variables]
        if shapes != [tuple(v.shape) for v in self.sample.variables]:
            raise UnmeasurableError(
                "the builder built models of different variables for different seeds: the "
                "signal needs one architecture"
            )
        return (
            [v.value for v in built.trainable_variables],
            [v.value for v in built.non_trainable_variables],
        )

    def trace(self) -> None:
        """Learn the call order (the blocks' order) from the sample's own variables."""
        values = (
            [v.value for v in self.sample.trainable_variables],
            [v.value for v in self.sample.non_trainable_variables],
        )
        self._function("eval", values, self.make(np.random.default_rng(0)))

    def record(self, seed: int, mode: str) -> Pass:
        """One recorded pass under ``seed`` in ``mode``."""
        values = self._values(seed)
        rng = np.random.default_rng(seed)
        value = self.make(rng)
        grad, zeros, y = self._function(mode, values, value)
        g = rng.standard_normal(y.shape).astype(y.dtype)
        with self._recordable():
            grads, (outs, inps, output) = grad(zeros, *values, value, g)
        record = Pass()
        blocks = set(self.blocks)
        for name in self._order:
            if name in self.leaves:
                record.layer(name, outs[name], relu=is_relu(self.leaves[name]))
            if name in blocks and name in inps:
                record.block(name, inps[name], outs[name])
        record.output(output)
        for name in self._order:
            if name in self.leaves:
                record.gradient(name, grads[name])
            if name in blocks:
                record.gradient(name, grads[name], block=True)
        return record


def modes(layers: dict[str, Any]) -> tuple[str, ...]:
    """Train and eval where they differ (a batch norm), else eval alone."""
    return ("train", "eval") if any(map(is_batch_norm, layers.values())) else ("eval",)


def subject(model: Any, sample: Any, make_input: Sequence[int] | MakeInput | None) -> Subject:
    """``model`` (a ``keras.Model``, or a builder of one) as the checks see it; ``sample`` is the
    model itself or one built by the builder, read for its layers, blocks and input.

    Raises:
        UnmeasurableError: a backend other than jax, a model not built, or no input given and none can
            be made.
    """
    _keras()
    if not sample.built:
        raise UnmeasurableError(
            f"{type(sample).__name__} is not built: the signal of a Keras model is measured once "
            "built (give it an Input, or build it in the builder)"
        )
    given = input_for(sample, make_input)
    recorder = Recorder(model, sample, given.make)
    recorder.trace()
    blocks = tuple(recorder.blocks)
    layers = recorder.layers
    return Subject(
        model=type(sample).__name__, input=given.describe, modes=modes(recorder.leaves),
        blocks=blocks, types={n: type(v).__name__ for n, v in layers.items()},
        norms=frozenset(n for n, v in recorder.leaves.items() if is_norm_name(type(v).__name__)),
        batch_norms=frozenset(n for n, v in recorder.leaves.items() if is_batch_norm(v)),
        record=recorder.record,
    )  # fmt: skip
