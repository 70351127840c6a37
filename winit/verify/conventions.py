"""The calling conventions of the frameworks, in one table (:data:`CONVENTIONS`): how each
framework's initializers are called, bound to the user's law parameters under the framework's own
names (:data:`SYNONYMS`), and seeded from an int. Each framework is imported lazily, only when its
convention is used; without it, :func:`framework` raises a one-line ``ValueError`` naming the
package to install.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from winit._validate import Shape
from winit.verify.guard import user_code

Draw = Callable[[Shape, int], Any]
_ARRAY_NAMES = ("a", "arr", "array", "x")

#: winit's parameter names → the names frameworks use for them, tried in order; ``(family,
#: name)`` keys override for one law family (a uniform's ``a``, ``b`` are its bounds, a He law's
#: ``a`` is the leaky slope)
SYNONYMS: Mapping[str | tuple[str, str], tuple[str, ...]] = {
    "value": ("value", "val", "constant", "fill_value"),
    "std": ("std", "stddev", "scale"),
    "mean": ("mean", "loc"),
    "gain": ("gain", "scale"),
    "mode": ("mode", "fan_option"),
    ("uniform", "a"): ("a", "low", "minval"),
    ("uniform", "b"): ("b", "high", "maxval"),
}
#: values a framework spells differently: (convention, parameter, winit's value) → theirs
VALUES: Mapping[tuple[str, str, str], str] = {
    ("keras", "distribution", "normal"): "untruncated_normal",
    ("tensorflow", "distribution", "normal"): "untruncated_normal",
}
#: winit-only parameters (no framework takes them): never passed, never reported as dropped
WINIT_ONLY = ("truncation",)


def framework(module: str, convention: str) -> Any:
    """``module`` imported, or a one-line ``ValueError`` naming the package to install (a
    framework that fails to import otherwise is a :class:`~winit.verify.guard.UserCodeError`)."""
    with user_code(f"importing {module}"):
        try:
            return importlib.import_module(module)
        except ImportError:
            pass
    package = CONVENTIONS[convention].package
    raise ValueError(
        f"the {convention} convention needs {module}, which is not installed "
        f"(pip install '{package}')"
    )


def parameters_of(fn: Any) -> list[inspect.Parameter]:
    """``fn``'s signature's parameters (none if it has no signature Python can read)."""
    try:
        return list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return []


def _named(params: list[inspect.Parameter]) -> list[str]:
    return [p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


@dataclass
class Router:
    """Hands the user's law parameters to the signatures that take them, under their names."""

    convention: str
    family: str
    given: dict[str, object]
    renames: Mapping[str, str] = field(default_factory=dict)
    passed: dict[str, str] = field(default_factory=dict)

    def names_for(self, key: str) -> tuple[str, ...]:
        if key in self.renames:
            return (self.renames[key],)
        return SYNONYMS.get((self.family, key), SYNONYMS.get(key, (key,)))

    def take(self, params: list[inspect.Parameter], skip: int = 0) -> dict[str, object]:
        """The keyword arguments for a signature (its first ``skip`` parameters are not for law
        parameters), removing what it takes from the parameters still to place."""
        accepted = _named(params[skip:])
        out: dict[str, object] = {}
        for key in list(self.given):
            if key in WINIT_ONLY:
                continue
            name = next((n for n in self.names_for(key) if n in accepted and n not in out), None)
            if name is None:
                continue
            value = self.given.pop(key)
            value = VALUES.get((self.convention, key, str(value)), value)
            out[name] = value
            self.passed[key] = f"{name}={value!r}" if name != key else f"{key}={value!r}"
        return out

    @property
    def dropped(self) -> list[str]:
        return [k for k in self.given if k not in WINIT_ONLY]


def _seed31(seed: int) -> int:
    """The seed folded into [0, 2³¹), for frameworks that take an int32 seed."""
    return seed % 2**31


def _instance(fn: Any, r: Router) -> Any:
    """A class built with the law parameters it takes; an instance as it is."""
    cls: Any = fn
    return cls(**r.take(parameters_of(cls))) if inspect.isclass(fn) else fn


def _bind_numpy(fn: Any, r: Router) -> Draw:
    kw = r.take(parameters_of(fn), skip=2)
    return lambda shape, seed: fn(shape, np.random.default_rng(seed), **kw)


def _bind_factory(fn: Any, r: Router) -> Draw:
    init = fn(**r.take(parameters_of(fn)))
    return lambda shape, seed: init(shape, np.random.default_rng(seed))


def _bind_torch(fn: Any, r: Router) -> Draw:
    torch = framework("torch", "torch")
    params = parameters_of(fn)
    kw = r.take(params, skip=1)
    own_generator = "generator" in _named(params)

    def draw(shape: Shape, seed: int) -> Any:
        tensor = torch.empty(shape, dtype=torch.float32)
        with torch.no_grad(), torch.random.fork_rng(devices=[]):
            if own_generator:
                fn(tensor, **kw, generator=torch.Generator().manual_seed(seed))
            else:
                torch.manual_seed(seed)
                fn(tensor, **kw)
        return tensor.numpy()

    return draw


def _bind_jax(fn: Any, r: Router) -> Draw:
    jax = framework("jax", "jax")
    params = parameters_of(fn)
    init = fn if params and params[0].name == "key" else fn(**r.take(params))
    return lambda shape, seed: init(jax.random.PRNGKey(_seed31(seed)), shape, jax.numpy.float32)


def _rebuild(obj: Any, seed: int) -> Any:
    """A Keras/TF initializer instance rebuilt from its config with ``seed`` (itself if it has
    no seed: deterministic ones such as Zeros)."""
    config = obj.get_config() if hasattr(obj, "get_config") else {}
    if "seed" not in config:
        return obj
    return type(obj).from_config({**config, "seed": seed})


def _bind_keras(fn: Any, r: Router) -> Draw:
    keras = framework("keras", "keras")
    to_numpy = keras.ops.convert_to_numpy
    if inspect.isclass(fn):
        cls: Any = fn
        params = parameters_of(cls)
        kw = r.take(params)
        seeded = "seed" in _named(params)

        def draw_class(shape: Shape, seed: int) -> Any:
            init = cls(**kw, seed=_seed31(seed)) if seeded else cls(**kw)
            return to_numpy(init(shape, dtype="float32"))

        return draw_class
    return lambda shape, seed: to_numpy(_rebuild(fn, _seed31(seed))(shape, dtype="float32"))


def _bind_tensorflow(fn: Any, r: Router) -> Draw:
    tf = framework("tensorflow", "tensorflow")
    init = _instance(fn, r)

    def draw(shape: Shape, seed: int) -> Any:
        tf.random.set_seed(_seed31(seed))  # the eager kernels' seed state starts over
        return _rebuild(init, _seed31(seed))(shape, dtype=tf.float32).numpy()

    return draw


def _bind_haiku(fn: Any, r: Router) -> Draw:
    hk = framework("haiku", "haiku")
    jax = framework("jax", "haiku")
    init = _instance(fn, r)

    def draw(shape: Shape, seed: int) -> Any:
        program = hk.transform(lambda: init(shape, jax.numpy.float32))
        return program.apply({}, jax.random.PRNGKey(_seed31(seed)))

    return draw


def _bind_mlx(fn: Any, r: Router) -> Draw:
    mx = framework("mlx.core", "mlx")
    params = parameters_of(fn)
    init = fn if params and params[0].name in _ARRAY_NAMES else fn(**r.take(params))
    kw = r.take(parameters_of(init), skip=1)

    def draw(shape: Shape, seed: int) -> Any:
        mx.random.seed(seed)
        return np.array(init(mx.zeros(shape, dtype=mx.float32), **kw))

    return draw


def _bind_tinygrad(fn: Any, r: Router) -> Draw:
    tinygrad = framework("tinygrad", "tinygrad")
    kw = r.take(parameters_of(fn))

    def draw(shape: Shape, seed: int) -> Any:
        tinygrad.Tensor.manual_seed(seed)
        return fn(*shape, **kw).numpy()

    return draw


def _bind_chainer(fn: Any, r: Router) -> Draw:
    framework("chainer", "chainer")
    init = _instance(fn, r)

    def draw(shape: Shape, seed: int) -> Any:
        array = np.empty(shape, dtype=np.float32)
        saved = np.random.get_state()  # noqa: NPY002 -- chainer draws from numpy's global state
        try:
            np.random.seed(_seed31(seed))  # noqa: NPY002
            init(array)
        finally:
            np.random.set_state(saved)  # noqa: NPY002
        return array

    return draw


@dataclass(frozen=True)
class Convention:
    """How one framework's initializers are called: ``summary`` (for ``--help``), ``bind`` (the
    callable and the router → a draw function), the pip ``package`` it needs, the top-level
    ``modules`` it is detected by, the ``requires`` it imports, its native ``layout``."""

    name: str
    summary: str
    bind: Callable[[Any, Router], Draw]
    package: str = ""
    modules: tuple[str, ...] = ()
    layout: str = "torch"
    requires: tuple[str, ...] = ()


CONVENTIONS: Mapping[str, Convention] = {
    c.name: c
    for c in (
        Convention("numpy", "f(shape, rng) -> array, rng a numpy Generator (winit's own)",
                   _bind_numpy),
        Convention("factory", "f(**params) -> f(shape, rng) (winit.normal(mean, std), ...)",
                   _bind_factory),
        Convention("torch", "f(tensor, **params) in place on a float32 tensor; generator= or "
                   "torch.manual_seed (state restored)", _bind_torch, "torch",
                   ("torch",), requires=("torch",)),
        Convention("jax", "init(key, shape, dtype), or a factory returning one (jax.nn."
                   "initializers, flax); key = jax.random.PRNGKey(seed)", _bind_jax, "jax[cpu]",
                   ("jax", "flax"), "keras", ("jax",)),
        Convention("keras", "Keras 3 class (built with seed=) or instance (rebuilt from its "
                   "config with seed=), __call__(shape, dtype); any KERAS_BACKEND; tf.keras",
                   _bind_keras, "keras", ("keras", "tf_keras"), "keras", ("keras",)),
        Convention("tensorflow", "tf.compat.v1 / tf.* initializer class or instance, "
                   "__call__(shape, dtype), seeded by tf.random.set_seed", _bind_tensorflow,
                   "tensorflow-cpu", ("tensorflow",), "keras", ("tensorflow",)),
        Convention("haiku", "hk.initializers class or instance, called inside hk.transform "
                   "with PRNGKey(seed)", _bind_haiku, "dm-haiku", ("haiku",), "keras",
                   ("haiku", "jax")),
        Convention("mlx", "mlx.nn.init factory -> init(array) -> array (or init itself), "
                   "seeded by mx.random.seed", _bind_mlx, "mlx[cpu]", ("mlx",), "mlx",
                   ("mlx.core",)),
        Convention("tinygrad", "Tensor.method(*shape, **params), seeded by Tensor.manual_seed",
                   _bind_tinygrad, "tinygrad", ("tinygrad",), requires=("tinygrad",)),
        Convention("chainer", "initializer class or instance filling a float32 numpy array in "
                   "place, seeded by numpy's global state (restored afterwards)", _bind_chainer,
                   "chainer", ("chainer",), requires=("chainer",)),
    )
}  # fmt: skip
CONVENTION_NAMES = ("auto", *CONVENTIONS)
