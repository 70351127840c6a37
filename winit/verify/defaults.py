"""``winit defaults SPEC``: what a framework's layer really initializes its parameters to.

``SPEC`` is ``MODULE:Layer(args)``, e.g. ``"torch.nn:Conv2d(32, 64, 3, groups=4)"``; arguments
are Python literals. The layer is built as its users build it (seeded through the framework's own
seeding), every parameter is read, and each is verified against the law the framework documents
for it, with the fans derived from the layer's configuration (groups, transposed kernels, the
packed q/k/v projection) rather than from the parameter's shape, so biases (1-d) get their law
too. One :class:`ParamReport` per parameter: name, shape, the fans used, the law, the verdict.

Supported: ``torch.nn`` Linear, Conv1d/2d/3d, ConvTranspose1d/2d/3d, MultiheadAttention;
``keras.layers`` Dense, Conv1D/2D/3D (built on an input ``in_features`` wide); ``flax.linen``
Dense (initialised on an input ``in_features`` wide); ``mlx.nn`` Linear.
"""

from __future__ import annotations

import ast
import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from winit.verify.adapters import framework
from winit.verify.api import Result, verify

#: the law of one parameter: (law name, law parameters, the text the docs state, fans)
Law = tuple[str, dict[str, float | str], str, tuple[int, int] | None]
Builder = Callable[[int], Mapping[str, NDArray[Any]]]


@dataclass(frozen=True)
class Spec:
    """A parsed ``MODULE:Layer(args)``."""

    module: str
    layer: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]

    @property
    def text(self) -> str:
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{self.module}:{self.layer}({', '.join(parts)})"


def parse_spec(text: str) -> Spec:
    """``"torch.nn:Linear(128, 256)"`` → :class:`Spec`, or a one-line ``ValueError``."""
    module, sep, call = text.partition(":")
    usage = (
        f"layer must be given as MODULE:Layer(args), e.g. 'torch.nn:Linear(128, 256)', got {text!r}"
    )
    if not sep or not module or not call:
        raise ValueError(usage)
    try:
        node = ast.parse(call.strip(), mode="eval").body
    except SyntaxError:
        raise ValueError(usage) from None
    if isinstance(node, ast.Name):
        node = ast.Call(node, [], [])
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        raise ValueError(usage)
    try:
        args = tuple(ast.literal_eval(a) for a in node.args)
        kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg}
    except ValueError:
        raise ValueError(f"{text!r}: the layer's arguments must be Python literals") from None
    return Spec(module.strip(), node.func.id, args, kwargs)


def _uniform(bound: float, text: str, fans: tuple[int, int] | None) -> Law:
    return "uniform", {"a": -bound, "b": bound}, text, fans


def _zeros(text: str = "zeros") -> Law:
    return "zeros", {}, text, None


def _glorot_uniform(fan_in: int, fan_out: int, what: str) -> Law:
    return _uniform(
        math.sqrt(6.0 / (fan_in + fan_out)),
        f"U[±√(6/(fan_in+fan_out))] ({what})",
        (fan_in, fan_out),
    )


# ---------------------------------------------------------------- torch.nn


def _torch_rules(layer: Any) -> dict[str, Law]:
    """torch.nn's documented defaults: weight and bias U[±√k], k = 1/fan_in (Linear, Conv: the
    in channels per group × kernel; ConvTranspose: the *out* channels per group × kernel, as its
    docs say); MultiheadAttention: xavier_uniform of the packed (3E, E) in-projection, zero
    biases, out_proj a Linear with a zero bias."""
    name = type(layer).__name__
    if name == "Linear":
        fan_in, fan_out = layer.in_features, layer.out_features
        law = _uniform(
            1.0 / math.sqrt(fan_in), "U[±1/√fan_in] (kaiming_uniform a=√5)", (fan_in, fan_out)
        )
        return {"weight": law, "bias": law}
    if name.startswith("Conv"):
        kernel = math.prod(layer.kernel_size)
        per_group = (layer.out_channels if layer.transposed else layer.in_channels) // layer.groups
        other = layer.in_channels if layer.transposed else layer.out_channels
        fan_in = per_group * kernel
        which = "C_out/groups" if layer.transposed else "C_in/groups"
        law = _uniform(
            1.0 / math.sqrt(fan_in),
            f"U[±1/√fan_in], fan_in = {which}·∏kernel",
            (fan_in, other * kernel),
        )
        return {"weight": law, "bias": law}
    if name == "MultiheadAttention":
        e = layer.embed_dim
        out_law = _uniform(1.0 / math.sqrt(e), "U[±1/√fan_in] (Linear)", (e, e))
        return {
            "in_proj_weight": _glorot_uniform(
                e, 3 * e, "xavier_uniform of the packed (3E, E) q/k/v matrix"
            ),
            "in_proj_bias": _zeros(),
            "out_proj.weight": out_law,
            "out_proj.bias": _zeros(),
        }
    raise ValueError(f"winit defaults knows no rule for torch.nn.{name}")


def _torch(spec: Spec) -> tuple[dict[str, Law], Builder]:
    torch = framework("torch", "torch")
    cls = getattr(torch.nn, spec.layer, None)
    if cls is None:
        raise ValueError(f"torch.nn has no layer {spec.layer!r}")

    def build(seed: int) -> dict[str, NDArray[Any]]:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            layer = cls(*spec.args, **spec.kwargs)
        return {k: v.detach().numpy() for k, v in layer.named_parameters()}

    with torch.random.fork_rng(devices=[]):
        return _torch_rules(cls(*spec.args, **spec.kwargs)), build


# ---------------------------------------------------------------- keras.layers


def _keras(spec: Spec, in_features: int) -> tuple[dict[str, Law], Builder]:
    keras = framework("keras", "keras")
    cls = getattr(keras.layers, spec.layer, None)
    if cls is None:
        raise ValueError(f"keras.layers has no layer {spec.layer!r}")

    def make(seed: int | None) -> Any:
        # Keras seeds Python's and numpy's global generators too (its unseeded initializers
        # draw their seeds from Python's): put them back once the layer is built
        saved = random.getstate(), np.random.get_state()  # noqa: NPY002
        try:
            if seed is not None:
                keras.utils.set_random_seed(seed)
            layer = cls(*spec.args, **spec.kwargs)
            kernel_size = getattr(layer, "kernel_size", ())
            layer.build((None, *([8] * len(kernel_size)), in_features))
        finally:
            random.setstate(saved[0])
            np.random.set_state(saved[1])  # noqa: NPY002
        return layer

    def build(seed: int) -> dict[str, NDArray[Any]]:
        layer = make(seed)
        return {w.path.split("/")[-1]: keras.ops.convert_to_numpy(w.value) for w in layer.weights}

    layer = make(None)
    if spec.layer not in ("Dense", "Conv1D", "Conv2D", "Conv3D"):
        raise ValueError(f"winit defaults knows no rule for keras.layers.{spec.layer}")
    kernel = math.prod(getattr(layer, "kernel_size", ()))
    units = getattr(layer, "units", None) or layer.filters
    rules = {
        "kernel": _glorot_uniform(
            in_features * kernel, units * kernel, "glorot_uniform, Keras' default"
        )
    }
    if layer.use_bias:
        rules["bias"] = _zeros()
    return rules, build


# ---------------------------------------------------------------- flax.linen


def _flax(spec: Spec, in_features: int) -> tuple[dict[str, Law], Builder]:
    nn = framework("flax.linen", "jax")
    jax = framework("jax", "jax")
    if spec.layer != "Dense":
        raise ValueError(f"winit defaults knows no rule for flax.linen.{spec.layer}")
    layer = nn.Dense(*spec.args, **spec.kwargs)

    def build(seed: int) -> dict[str, NDArray[Any]]:
        variables = layer.init(jax.random.PRNGKey(seed), jax.numpy.ones((1, in_features)))
        return {k: np.asarray(v) for k, v in variables["params"].items()}

    fan_in, fan_out = in_features, layer.features
    std = 1.0 / math.sqrt(fan_in)
    kernel: Law = (
        "truncated_normal", {"std": std},
        "lecun_normal: variance_scaling(1, fan_in, truncated_normal), std-corrected",
        (fan_in, fan_out),
    )  # fmt: skip
    rules = {"kernel": kernel}
    if layer.use_bias:
        rules["bias"] = _zeros()
    return rules, build


# ---------------------------------------------------------------- mlx.nn


def _mlx(spec: Spec) -> tuple[dict[str, Law], Builder]:
    mx = framework("mlx.core", "mlx")
    nn = framework("mlx.nn", "mlx")
    if spec.layer != "Linear":
        raise ValueError(f"winit defaults knows no rule for mlx.nn.{spec.layer}")

    def build(seed: int) -> dict[str, NDArray[Any]]:
        mx.random.seed(seed)
        layer = nn.Linear(*spec.args, **spec.kwargs)
        return {k: np.array(v) for k, v in layer.parameters().items()}

    weight = np.array(nn.Linear(*spec.args, **spec.kwargs).weight)
    fan_out, fan_in = weight.shape
    law = _uniform(1.0 / math.sqrt(fan_in), "U[±1/√fan_in] (mlx.nn.Linear)", (fan_in, fan_out))
    return {"weight": law, "bias": law}, build


# ---------------------------------------------------------------- the report


@dataclass(frozen=True)
class ParamReport:
    """One parameter of the layer, its documented law, and the verdict of verifying it."""

    name: str
    shape: tuple[int, ...]
    fans: tuple[int, int] | None
    law: str
    params: dict[str, float | str]
    documented: str
    result: Result

    @property
    def passed(self) -> bool:
        return self.result.passed

    @property
    def reason(self) -> str:
        """One line for a failure: the first failing row's diagnosis or check."""
        if self.passed:
            return ""
        row = self.result.failures[0]
        return (
            row.diagnosis
            or f"{row.check.name} {row.check.measured:.4g} outside [{row.check.low:.4g}, {row.check.high:.4g}]"
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "parameter": self.name, "shape": list(self.shape),
            "fan_in": self.fans[0] if self.fans else None,
            "fan_out": self.fans[1] if self.fans else None,
            "law": self.documented, "verified_as": f"{self.law}({self.params})",
            "verdict": "pass" if self.passed else "FAIL", "reason": self.reason,
        }  # fmt: skip


def layer_defaults(text: str, *, seed: int = 0, in_features: int = 128) -> list[ParamReport]:
    """Build the layer ``text`` names, and verify each of its parameters against its documented
    law (see the module docstring); a one-line ``ValueError`` for a bad spec or layer."""
    spec = parse_spec(text)
    top = spec.module.split(".")[0]
    readers: dict[str, Callable[[], tuple[dict[str, Law], Builder]]] = {
        "torch.nn": lambda: _torch(spec),
        "keras.layers": lambda: _keras(spec, in_features),
        "flax.linen": lambda: _flax(spec, in_features),
        "mlx.nn": lambda: _mlx(spec),
    }
    reader = readers.get(spec.module)
    if reader is None:
        raise ValueError(
            f"winit defaults reads layers of {', '.join(readers)}; got {spec.module!r} ({top})"
        )
    try:
        rules, build = reader()
        first = build(seed)
    except ValueError:
        raise
    except Exception as e:
        raise ValueError(f"building {spec.text} raised {type(e).__name__}: {e}") from None
    missing = sorted(set(first) - set(rules))
    if missing:
        raise ValueError(f"{spec.text}: no documented law for parameter(s) {', '.join(missing)}")
    reports = []
    for name, value in first.items():
        law, params, documented, fan = rules[name]

        def draw(
            shape: tuple[int, ...], rng: np.random.Generator, name: str = name
        ) -> NDArray[Any]:
            return build(int(rng.integers(2**31)))[name]

        law_params: dict[str, Any] = params
        result = verify(
            draw, law, shapes=[value.shape], seed=seed, convention="numpy",
            name=f"{spec.text}.{name}", **law_params,
        )  # fmt: skip
        reports.append(ParamReport(name, tuple(value.shape), fan, law, params, documented, result))
    return reports


def render(text: str, reports: list[ParamReport]) -> str:
    """A table: parameter, shape, fans, documented law, verdict, and a reason for each FAIL."""
    head = ("parameter", "shape", "fan_in", "fan_out", "documented law", "verdict")
    rows = [head] + [
        (
            r.name, "x".join(map(str, r.shape)),
            str(r.fans[0]) if r.fans else "-", str(r.fans[1]) if r.fans else "-",
            r.documented, "pass" if r.passed else "FAIL",
        )
        for r in reports
    ]  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = [
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    reasons = [f"  {r.name}: {r.reason}" for r in reports if not r.passed]
    failed = sum(not r.passed for r in reports)
    verdict = "PASSED" if not failed else f"FAILED ({failed} of {len(reports)} parameters)"
    return "\n".join([f"layer: {text}", "", *lines, *(["", *reasons] if reasons else []), verdict])
