"""A recorded pass through a model that runs in JAX, shared by the Keras (jax backend) and Flax
recorders: they intercept their layers' calls, this module does the rest.

A pass is a pure function of the model's state: a :data:`Forward` runs the model with each
recorded output (its first floating array, first call only) seen and a zero perturbation added
to it; ``jax.grad`` of ``sum(output · g)`` with respect to the perturbations is the gradient
reaching each output (``g`` an N(0, 1) output gradient drawn from the seed's generator after the
input), the forward values come out beside it (``has_aux``). One abstract run
(``jax.eval_shape``) learns the call order and the shapes; the pass is compiled once
(``jax.jit``) and run for every seed. jax is imported on first use: a recorder that refuses a
model (a Keras backend other than jax) does so without it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from winit.signal.inputs import UnmeasurableError
from winit.signal.passes import Pass

#: a recorded layer's first call: (its input's first floating array or None, its output's)
Seen = dict[str, tuple[Any, Any]]
#: the model on (state, input, perturbations by name or ``None`` to learn the shapes): its
#: output's first floating array and what its recorded layers saw, in first-call order
Forward = Callable[[Any, Any, Mapping[str, Any] | None], tuple[Any, Seen]]


def first_float(tree: Any) -> tuple[list[Any], int | None, Any]:
    """The leaves of ``tree``, the index of its first floating array (``None``: none), and
    the tree's structure.

    >>> import numpy as np
    >>> first_float((np.arange(2), np.ones(2)))[1]
    1
    """
    import jax
    import jax.numpy as jnp

    leaves, structure = jax.tree_util.tree_flatten(tree)
    index = next(
        (
            i
            for i, leaf in enumerate(leaves)
            if hasattr(leaf, "dtype") and jnp.issubdtype(leaf.dtype, jnp.floating)
        ),
        None,
    )
    return leaves, index, structure


def see(seen: Seen, name: str, args: Any, out: Any, perturb: Mapping[str, Any] | None) -> Any:
    """``out``, its first floating array perturbed by ``perturb[name]`` (where given) and seen
    with ``args``' first floating array, on ``name``'s first call; else ``out`` as it is."""
    leaves, index, structure = first_float(out)
    if name in seen or index is None:
        return out
    if perturb is not None and name in perturb:
        leaves[index] = leaves[index] + perturb[name]
    inputs, first, _ = first_float(args)
    seen[name] = (None if first is None else inputs[first], leaves[index])
    return structure.unflatten(leaves)


def output_of(out: Any) -> Any:
    """The model's first floating output, the one the pass back-propagates from.

    Raises:
        UnmeasurableError: the model returned none.
    """
    leaves, index, _ = first_float(out)
    if index is None:
        raise UnmeasurableError("the model returned no floating array to back-propagate from")
    return leaves[index]


@contextlib.contextmanager
def untraced(refusal: str) -> Iterator[None]:
    """A recorded output that escaped a JAX transform (a layer called inside ``lax.scan``, a
    remat, ...) is refused with ``refusal``."""
    import jax

    try:
        yield
    except jax.errors.UnexpectedTracerError:
        raise UnmeasurableError(refusal) from None


def learn(forward: Forward, state: Any, value: Any, refusal: str) -> tuple[Any, Seen]:
    """One abstract run of ``forward`` (nothing perturbed): the output and what was seen, as
    shapes and dtypes, in first-call order (``refusal``: see :func:`untraced`)."""
    import jax

    order: list[str] = []

    def shapes(state: Any, value: Any) -> tuple[Any, Seen]:
        out, seen = forward(state, value, None)
        order.extend(seen)  # the call order: a dict out of eval_shape has its keys sorted
        return out, seen

    with untraced(refusal):
        output, seen = jax.eval_shape(shapes, state, value)
    return output, {name: seen[name] for name in order}


@dataclass(frozen=True)
class Compiled:
    """One mode's pass of a model's structure: compiled once, run per seed.

    Attributes:
        structure: the model's structure (the recorder's: an nnx graphdef, the tree structure
            of linen variables, Keras variables' shapes): a model of another structure cannot
            take the pass.
        order: the recorded names, in first-call order.
        layers: the layers' names (a ReLU's too).
        relus: the ReLUs' names (their dead units are counted).
        blocks: the block names, in first-call order.
        seen: each recorded output, abstract (shape and dtype), by name.
        output: the model's output, abstract.
        refusal: the message of a pass that cannot be recorded (:func:`untraced`).
        step: (perturbations, state, input, g) → (gradients, (output, seen)), jitted.
    """

    structure: Any
    order: tuple[str, ...]
    layers: frozenset[str]
    relus: frozenset[str]
    blocks: tuple[str, ...]
    seen: Mapping[str, Any]
    output: Any
    refusal: str
    step: Callable[..., Any]


def compile_pass(
    forward: Forward,
    learnt: tuple[Any, Seen],
    *,
    structure: Any,
    layers: Collection[str],
    relus: Collection[str],
    blocks: Sequence[str],
    refusal: str,
) -> Compiled:
    """The pass of ``forward`` on models of ``structure`` (its output and what it sees
    ``learnt`` by :func:`learn`), recording ``layers``, ``relus`` and ``blocks``."""
    import jax
    import jax.numpy as jnp

    def loss(perturb: Any, state: Any, value: Any, g: Any) -> tuple[Any, tuple[Any, Seen]]:
        out, seen = forward(state, value, perturb)
        return jnp.sum(out * g), (out, seen)

    output, seen = learnt
    names = {*layers, *relus, *blocks}
    return Compiled(
        structure=structure, order=tuple(n for n in seen if n in names), layers=frozenset({*layers, *relus}),
        relus=frozenset(relus), blocks=tuple(b for b in seen if b in set(blocks)),
        seen={n: out for n, (_, out) in seen.items() if n in names}, output=output,
        refusal=refusal, step=jax.jit(jax.grad(loss, has_aux=True)),
    )  # fmt: skip


def _numpy(x: Any) -> Any:
    return np.asarray(x, dtype=np.float64)


def run_pass(
    compiled: Compiled, built: tuple[Any, Any], value: Any, seed: int, gen: np.random.Generator
) -> Pass:
    """One recorded pass under ``seed`` of the model ``built`` (its structure and state): the
    gradient of ``sum(output · g)``, g ~ N(0, 1) drawn from ``gen`` (after the input); a
    block is recorded where its input was a floating array.

    Raises:
        UnmeasurableError: the model has another structure than the pass was compiled for.
    """
    import jax.numpy as jnp

    structure, state = built
    if structure != compiled.structure:
        raise UnmeasurableError(
            f"the builder built a model of another structure under seed {seed}: the signal "
            "needs one architecture"
        )
    g = gen.standard_normal(compiled.output.shape).astype(compiled.output.dtype)
    zeros = {name: jnp.zeros(v.shape, v.dtype) for name, v in compiled.seen.items()}
    with untraced(compiled.refusal):
        grads, (out, seen) = compiled.step(zeros, state, value, g)
    record = Pass()
    blocks = [name for name in compiled.blocks if seen[name][0] is not None]
    for name in compiled.order:
        inp, y = seen[name]
        if name in compiled.layers:
            record.layer(name, _numpy(y), relu=name in compiled.relus)
        if name in blocks:
            record.block(name, _numpy(inp), _numpy(y))
    record.output(_numpy(out))
    for name in compiled.order:
        if name in compiled.layers:
            record.gradient(name, _numpy(grads[name]))
        if name in blocks:
            record.gradient(name, _numpy(grads[name]), block=True)
    return record
