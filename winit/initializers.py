"""Weight initializers: pure functions ``init(shape, rng, dtype=np.float32) -> np.ndarray``.

One mechanism, :func:`variance_scaling`, draws every fan-based scheme; Glorot/Xavier, He/Kaiming
and LeCun are named presets of it, as in Keras and JAX. Parameterised laws (``constant``,
``normal``, ``uniform``, ``truncated_normal``, ``variance_scaling``, ``orthogonal``) are factories
that return an initializer; the presets are initializers themselves, with keyword-only options.

Random draws are made directly in the requested dtype (float16 is drawn as float32 and cast,
since numpy's generators have no float16 path) and scaled in place: no float64 intermediate.
They are made a block at a time into the result (:mod:`winit.rng`), so nothing array-sized is
allocated beside it.

Longer than winit's other modules on purpose: every public initializer lives here with its
docstring and doctests, the one page a user reads to learn them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal, Protocol

import numpy as np
from numpy.typing import DTypeLike, NDArray

from winit._validate import ShapeLike, choice, finite, float_dtype, shape_of
from winit.fans import MODES, Layout, Mode, fan_by_mode, fans, gain
from winit.rng import BLOCK, Normal, RngLike, as_generator

Array = NDArray[np.floating]
Distribution = Literal["normal", "truncated_normal", "uniform"]
DISTRIBUTIONS = ("normal", "truncated_normal", "uniform")

#: std of a standard normal truncated to [-2, 2]; dividing by it restores the requested std
#: (the constant Keras' and JAX's ``variance_scaling`` use).
TRUNCATED_STD = 0.87962566103423978


class Initializer(Protocol):
    """What every initializer is: a pure function of shape, random generator and dtype."""

    def __call__(self, shape: ShapeLike, rng: RngLike, dtype: DTypeLike = ...) -> Array: ...


def _named(fn: Initializer, name: str) -> Initializer:
    fn.__name__ = fn.__qualname__ = name  # type: ignore[attr-defined]
    return fn


_FLOAT16, _FLOAT32 = np.dtype(np.float16), np.dtype(np.float32)


def _draw_dtype(dt: np.dtype[np.floating]) -> np.dtype[np.floating]:
    return _FLOAT32 if dt == _FLOAT16 else dt  # dtype-to-dtype: no conversion per call


Block = Callable[[Array], None]


def _blockwise(shape: ShapeLike, dt: np.dtype[np.floating], draw: Callable[[int], Block]) -> Array:
    """A new array of ``shape`` and ``dt`` filled a block of :data:`BLOCK` values at a time by
    ``draw(size)(block)`` (``draw`` is given the size first, to size its scratch); a float16
    result is drawn block by block in float32 and rounded once."""
    out = np.empty(shape_of(shape), dt)
    flat = out.reshape(-1)
    fill = draw(flat.size)
    stage = None if _draw_dtype(dt) == dt else np.empty(min(BLOCK, flat.size), _draw_dtype(dt))
    for start in range(0, flat.size, BLOCK):
        dst = flat[start : start + BLOCK]
        buf = dst if stage is None else stage[: dst.size]
        fill(buf)
        if stage is not None:
            dst[...] = buf
    return out


def _shifted(x: Array, shift: float) -> None:
    if shift != 0.0:
        np.add(x, x.dtype.type(shift), out=x)


def _normal_blocks(
    shape: ShapeLike, rng: RngLike, dt: np.dtype[np.floating], fill: Callable[[Normal, Array], None]
) -> Array:
    """:func:`_blockwise` with ``fill(normal, block)``, ``normal`` the call's one :class:`Normal`."""
    gen = as_generator(rng)

    def draw(size: int) -> Block:
        normal = Normal(gen, _draw_dtype(dt), size)
        return lambda x: fill(normal, x)

    return _blockwise(shape, dt, draw)


def _normal(
    shape: ShapeLike, rng: RngLike, dt: np.dtype[np.floating], std: float, mean: float
) -> Array:
    """N(mean, std²): the std folded into each block's draws, the mean added in the cache."""

    def fill(normal: Normal, x: Array) -> None:
        normal.fill(x, std)
        _shifted(x, mean)

    return _normal_blocks(shape, rng, dt, fill)


def _standard_normal(shape: ShapeLike, rng: RngLike, dt: np.dtype[np.floating]) -> Array:
    return _normal(shape, rng, dt, 1.0, 0.0)


def _redraw_outside(x: Array, normal: Normal) -> None:
    """N(0, 1) draws in ``x`` conditioned on |x| <= 2: the ~4.6 % outside are replaced by fresh
    draws until none is left, a chunk of ``normal.scratch``'s length at a time (the scratch
    holds the chunk's |x|, then serves the redraws)."""
    step = normal.scratch.size
    for start in range(0, x.size, step):
        chunk = x[start : start + step]
        bad = np.flatnonzero(np.abs(chunk, out=normal.scratch[: chunk.size]) > 2.0)
        while bad.size:
            fresh: Array = np.empty(bad.size, x.dtype)
            normal.fill(fresh)
            chunk[bad] = fresh
            bad = bad[np.abs(fresh) > 2.0]


def _truncated(
    shape: ShapeLike, rng: RngLike, dt: np.dtype[np.floating], scale: float, shift: float
) -> Array:
    """N(0, 1) conditioned on |x| <= 2, times ``scale`` plus ``shift``, block by block."""

    def fill(normal: Normal, x: Array) -> None:
        normal.fill(x)
        _redraw_outside(x, normal)
        _affine(x, scale, shift)

    return _normal_blocks(shape, rng, dt, fill)


def _uniform(
    shape: ShapeLike, rng: RngLike, dt: np.dtype[np.floating], lo: float, hi: float
) -> Array:
    """U[lo, hi): numpy's uniforms of the draw dtype, scaled and shifted in the cache (the same
    numbers as one ``random`` call of the whole size, scaled)."""
    gen = as_generator(rng)

    def fill(x: Array) -> None:
        gen.random(dtype=x.dtype, out=x)
        _affine(x, hi - lo, lo)

    return _blockwise(shape, dt, lambda size: fill)


def _affine(x: Array, scale: float, shift: float) -> None:
    """``x * scale + shift`` in place, in ``x``'s dtype."""
    if scale != 1.0:
        np.multiply(x, x.dtype.type(scale), out=x)
    _shifted(x, shift)


def constant(value: float) -> Initializer:
    """Every element equals ``value`` (``torch.nn.init.constant_``, ``keras.initializers.Constant``)."""
    v = finite("value", value)

    def init(shape: ShapeLike, rng: RngLike | None = None, dtype: DTypeLike = np.float32) -> Array:
        return np.full(shape_of(shape), v, dtype=float_dtype(dtype))

    return _named(init, f"constant({v!r})")


zeros = _named(constant(0.0), "zeros")
zeros.__doc__ = "All zeros (``torch.nn.init.zeros_``, ``keras.initializers.Zeros``)."
ones = _named(constant(1.0), "ones")
ones.__doc__ = "All ones (``torch.nn.init.ones_``, ``keras.initializers.Ones``)."


def normal(mean: float = 0.0, std: float = 1.0) -> Initializer:
    """N(mean, std²), untruncated.

    Defaults are PyTorch's ``normal_(mean=0, std=1)`` (the article's N(0, 1));
    ``keras.initializers.RandomNormal`` defaults to std 0.05.
    """
    m, s = finite("mean", mean), finite("std", std, nonnegative=True)

    def init(shape: ShapeLike, rng: RngLike, dtype: DTypeLike = np.float32) -> Array:
        return _normal(shape, rng, float_dtype(dtype), s, m)

    return _named(init, f"normal(mean={m!r}, std={s!r})")


def uniform(a: float = 0.0, b: float = 1.0) -> Initializer:
    """U[a, b). Defaults are PyTorch's ``uniform_(a=0, b=1)``; Keras' RandomUniform uses ±0.05."""
    lo, hi = finite("a", a), finite("b", b)
    if hi < lo:
        raise ValueError(f"uniform needs a <= b, got a={lo}, b={hi}")

    def init(shape: ShapeLike, rng: RngLike, dtype: DTypeLike = np.float32) -> Array:
        return _uniform(shape, rng, float_dtype(dtype), lo, hi)

    return _named(init, f"uniform(a={lo!r}, b={hi!r})")


def truncated_normal(mean: float = 0.0, std: float = 1.0) -> Initializer:
    """A normal truncated at ±2 of its own std, rescaled so the *result* has std ``std``.

    The draws lie in ``mean ± 2·std/0.8796`` and have exactly the requested std. This is what
    Keras' and JAX's ``variance_scaling(distribution="truncated_normal")`` do. It differs from
    ``keras.initializers.TruncatedNormal(stddev)`` and ``jax.nn.initializers.truncated_normal``,
    whose ``stddev`` is that of the untruncated normal (result std 0.88·stddev), and from
    ``torch.nn.init.trunc_normal_(mean, std, a=-2, b=2)``, which cuts at the *absolute* values
    a and b with no correction (for std=1 the result std is 0.88; for std ≪ 1 it barely truncates).
    """
    m, s = finite("mean", mean), finite("std", std, nonnegative=True)

    def init(shape: ShapeLike, rng: RngLike, dtype: DTypeLike = np.float32) -> Array:
        return _truncated(shape, rng, float_dtype(dtype), s / TRUNCATED_STD, m)

    return _named(init, f"truncated_normal(mean={m!r}, std={s!r})")


def _fan(shape: ShapeLike, mode: str, layout: Layout) -> float:
    return fan_by_mode(*fans(shape, layout), mode)


def variance_scaling(
    scale: float = 1.0,
    mode: Mode = "fan_in",
    distribution: Distribution = "truncated_normal",
    layout: Layout = "torch",
) -> Initializer:
    """Draws with variance ``scale / n``, ``n`` the fan chosen by ``mode`` (fan_avg = mean of both).

    ``distribution``: ``normal`` (std √(scale/n)), ``truncated_normal`` (±2σ, std-corrected so the
    result has std √(scale/n)), ``uniform`` (U[±√(3·scale/n)]). Same formula and defaults as
    ``keras.initializers.VarianceScaling`` and ``jax.nn.initializers.variance_scaling``.
    ``layout`` says how to read fans from the shape (see :func:`winit.fans`).
    """
    sc = finite("scale", scale, positive=True)
    choice("mode", mode, MODES)
    choice("distribution", distribution, DISTRIBUTIONS)
    choice("layout", layout, ("torch", "keras"))

    def init(shape: ShapeLike, rng: RngLike, dtype: DTypeLike = np.float32) -> Array:
        dt = float_dtype(dtype)
        std = math.sqrt(sc / _fan(shape, mode, layout))
        if distribution == "uniform":
            limit = math.sqrt(3.0) * std
            return _uniform(shape, rng, dt, -limit, limit)
        if distribution == "normal":
            return _normal(shape, rng, dt, std, 0.0)
        return _truncated(shape, rng, dt, std / TRUNCATED_STD, 0.0)

    return _named(init, f"variance_scaling({sc!r}, {mode!r}, {distribution!r}, {layout!r})")


def glorot_normal(
    shape: ShapeLike,
    rng: RngLike,
    dtype: DTypeLike = np.float32,
    *,
    gain: float = 1.0,
    layout: Layout = "torch",
) -> Array:
    """Glorot/Xavier normal: N(0, gain²·2/(fan_in+fan_out)), untruncated.

    Matches ``torch.nn.init.xavier_normal_(gain)``. Keras' and JAX's ``glorot_normal`` truncate:
    that is ``variance_scaling(1.0, "fan_avg", "truncated_normal")``.
    """
    g = finite("gain", gain, positive=True)
    return variance_scaling(g * g, "fan_avg", "normal", layout)(shape, rng, dtype)


def glorot_uniform(
    shape: ShapeLike,
    rng: RngLike,
    dtype: DTypeLike = np.float32,
    *,
    gain: float = 1.0,
    layout: Layout = "torch",
) -> Array:
    """Glorot/Xavier uniform: U[±gain·√(6/(fan_in+fan_out))] (Glorot & Bengio 2010, eq. 16).

    Matches ``torch.nn.init.xavier_uniform_(gain)`` and, at gain 1, Keras' and JAX's
    ``glorot_uniform``.
    """
    g = finite("gain", gain, positive=True)
    return variance_scaling(g * g, "fan_avg", "uniform", layout)(shape, rng, dtype)


def _he_scale(a: float, mode: str, nonlinearity: str) -> float:
    choice("mode", mode, ("fan_in", "fan_out"))
    return gain(nonlinearity, a) ** 2


def he_normal(
    shape: ShapeLike,
    rng: RngLike,
    dtype: DTypeLike = np.float32,
    *,
    a: float = 0.0,
    mode: Literal["fan_in", "fan_out"] = "fan_in",
    nonlinearity: str = "relu",
    layout: Layout = "torch",
) -> Array:
    """He/Kaiming normal: N(0, gain²/fan), gain from ``nonlinearity`` (√2 for relu), untruncated.

    Matches ``torch.nn.init.kaiming_normal_(a, mode, nonlinearity)`` (``a`` is the leaky_relu
    slope; PyTorch's default nonlinearity is leaky_relu with a=0, the same √2). Keras' and JAX's
    ``he_normal`` truncate: ``variance_scaling(2.0, "fan_in", "truncated_normal")``.
    """
    scale = _he_scale(a, mode, nonlinearity)
    return variance_scaling(scale, mode, "normal", layout)(shape, rng, dtype)


def he_uniform(
    shape: ShapeLike,
    rng: RngLike,
    dtype: DTypeLike = np.float32,
    *,
    a: float = 0.0,
    mode: Literal["fan_in", "fan_out"] = "fan_in",
    nonlinearity: str = "relu",
    layout: Layout = "torch",
) -> Array:
    """He/Kaiming uniform: U[±gain·√(3/fan)].

    Matches ``torch.nn.init.kaiming_uniform_(a, mode, nonlinearity)`` and, for relu,
    Keras' and JAX's ``he_uniform``. (``nn.Linear``'s default init is kaiming_uniform_ with
    a=√5, i.e. U[±1/√fan_in]: ``he_uniform(..., a=5 ** 0.5, nonlinearity="leaky_relu")``.)
    """
    scale = _he_scale(a, mode, nonlinearity)
    return variance_scaling(scale, mode, "uniform", layout)(shape, rng, dtype)


def lecun_normal(
    shape: ShapeLike, rng: RngLike, dtype: DTypeLike = np.float32, *, layout: Layout = "torch"
) -> Array:
    """LeCun normal: N(0, 1/fan_in), untruncated (what SELU networks expect).

    Keras' and JAX's ``lecun_normal`` truncate: ``variance_scaling(1.0, "fan_in",
    "truncated_normal")``. PyTorch has no preset; ``kaiming_normal_(nonlinearity="linear")`` is it.
    """
    return variance_scaling(1.0, "fan_in", "normal", layout)(shape, rng, dtype)


def lecun_uniform(
    shape: ShapeLike, rng: RngLike, dtype: DTypeLike = np.float32, *, layout: Layout = "torch"
) -> Array:
    """LeCun uniform: U[±√(3/fan_in)], as Keras' and JAX's ``lecun_uniform``."""
    return variance_scaling(1.0, "fan_in", "uniform", layout)(shape, rng, dtype)


#: Rows per block of :func:`_orthonormal_rows`: each block's QR and projections are (64 × cols).
ORTHO_BLOCK = 64


def _orthonormal_rows(x: Array) -> None:
    """Make the k rows of ``x`` (k ≤ cols) orthonormal in place: the Qᵀ of the QR decomposition
    a = xᵀ = QR with R's diagonal positive (unique, so the sign-corrected Householder Q).

    Block Gram–Schmidt with reorthogonalisation (two projections on the rows already done, in
    BLAS matrix products), each block then finished by a Householder QR with the signs of its R
    diagonal moved into its Q, projected and QR'd once more (the first QR's division by small
    diagonal entries of R amplifies rounding left along the rows done): orthogonal to a few eps. The work is
    in ``x`` and block-sized temporaries, where numpy's full QR would copy a in float64 and
    return Q and R beside it.
    """
    for start in range(0, x.shape[0], ORTHO_BLOCK):
        block, done = x[start : start + ORTHO_BLOCK], x[:start]
        for _ in range(2 if start else 0):
            block -= (block @ done.T) @ done
        _sign_fixed_qr(block)
        if start:  # the QR divides by R's diagonal, which amplifies what is left along `done`
            block -= (block @ done.T) @ done  # (up to 60 n·eps at 83x83): project once more
            _sign_fixed_qr(block)


def _sign_fixed_qr(block: Array) -> None:
    """Replace the rows of ``block`` by the Qᵀ of ``block``ᵀ = QR, R's diagonal made positive."""
    q, r = np.linalg.qr(block.T)
    q *= np.sign(np.diagonal(r))
    block[...] = q.T


def orthogonal(gain: float = 1.0, layout: Layout = "torch") -> Initializer:
    """A Haar-random (semi-)orthogonal matrix times ``gain``: QR of a Gaussian matrix, with the
    signs of R's diagonal moved into Q (without that correction Q is not Haar-distributed).

    ``layout="torch"`` flattens to ``(shape[0], prod(shape[1:]))`` as ``torch.nn.init.orthogonal_``;
    ``layout="keras"`` to ``(prod(shape[:-1]), shape[-1])`` as ``keras.initializers.Orthogonal``.
    The rows (if fewer) or the columns are orthonormal: WWᵀ = gain²·I or WᵀW = gain²·I.
    """
    g = finite("gain", gain)
    choice("layout", layout, ("torch", "keras"))

    def init(shape: ShapeLike, rng: RngLike, dtype: DTypeLike = np.float32) -> Array:
        dt = float_dtype(dtype)
        dims = shape_of(shape, min_ndim=2)
        rows = dims[0] if layout == "torch" else math.prod(dims[:-1])
        cols = math.prod(dims) // rows
        x = _standard_normal((min(rows, cols), max(rows, cols)), rng, _draw_dtype(dt))
        _orthonormal_rows(x)  # x = Qᵀ for the QR of the Gaussian matrix a = xᵀ
        w = (x if rows <= cols else np.ascontiguousarray(x.T)).reshape(dims)
        _affine(w, g, 0.0)
        return w.astype(dt, copy=False)

    return _named(init, f"orthogonal(gain={g!r})")


def identity(
    shape: ShapeLike,
    rng: RngLike | None = None,
    dtype: DTypeLike = np.float32,
    *,
    gain: float = 1.0,
) -> Array:
    """``gain`` times the identity (ones on the main diagonal of a 2-D, possibly non-square
    shape): ``torch.nn.init.eye_`` at gain 1, ``keras.initializers.Identity(gain)``."""
    dims = shape_of(shape)
    if len(dims) != 2:
        raise ValueError(f"identity needs a 2-D shape (rows, cols), got {shape!r}")
    g = finite("gain", gain)
    # Made in the target dtype (no float64 intermediate); the zeros carry the sign of gain·0.
    positive = math.copysign(1.0, g) > 0
    out = (
        np.zeros(dims, float_dtype(dtype)) if positive else np.full(dims, -0.0, float_dtype(dtype))
    )
    np.fill_diagonal(out, g)
    return out


xavier_normal = glorot_normal
xavier_uniform = glorot_uniform
kaiming_normal = he_normal
kaiming_uniform = he_uniform
eye = identity
