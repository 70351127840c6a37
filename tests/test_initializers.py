"""Initializers: shape, dtype, reproducibility, formulas against hand-computed values, bad input.

Statistical checks here use winit.stats with alpha = 1e-9 per check (a few dozen checks per run),
so a correct core false-alarms with probability < 1e-7 per run.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

import winit
from tests.test_initializers_generator import standard_float32
from winit import stats
from winit.initializers import Initializer

ALPHA = 1e-9
RANDOM: dict[str, Initializer] = {
    "normal": winit.normal(0.5, 2.0),
    "uniform": winit.uniform(-1.0, 3.0),
    "truncated_normal": winit.truncated_normal(0.0, 0.5),
    "variance_scaling": winit.variance_scaling(2.0, "fan_out", "uniform"),
    "glorot_normal": winit.glorot_normal,
    "glorot_uniform": winit.glorot_uniform,
    "he_normal": winit.he_normal,
    "he_uniform": winit.he_uniform,
    "lecun_normal": winit.lecun_normal,
    "lecun_uniform": winit.lecun_uniform,
    "orthogonal": winit.orthogonal(1.5),
}
ALL: dict[str, Initializer] = {
    **RANDOM,
    "zeros": winit.zeros,
    "ones": winit.ones,
    "constant": winit.constant(0.25),
    "identity": winit.identity,
}
SHAPES = [(40, 30), (30, 40), (16, 8, 3, 3)]


@pytest.mark.parametrize("name", sorted(ALL))
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_shape_and_dtype(name: str, dtype: type) -> None:
    shape = (40, 30)
    w = ALL[name](shape, 0, dtype)
    assert w.shape == shape
    assert w.dtype == dtype
    assert np.all(np.isfinite(w))


@pytest.mark.parametrize("name", sorted(ALL))
def test_default_dtype_is_float32(name: str) -> None:
    assert ALL[name]((6, 4), 0).dtype == np.float32


@pytest.mark.parametrize("name", sorted(RANDOM))
@pytest.mark.parametrize("shape", SHAPES)
def test_seed_reproduces_and_differs(name: str, shape: tuple[int, ...]) -> None:
    init = RANDOM[name]
    a = init(shape, 123)
    np.testing.assert_array_equal(a, init(shape, np.random.default_rng(123)))
    assert not np.array_equal(a, init(shape, 124))


def test_no_global_random_state() -> None:
    state = np.random.get_state()[1].copy()  # type: ignore[index]
    for init in ALL.values():
        init((8, 8), 0)
    assert np.array_equal(np.random.get_state()[1], state)  # type: ignore[index]


def test_generator_is_advanced_not_reset() -> None:
    rng = np.random.default_rng(5)
    assert not np.array_equal(winit.he_normal((20, 10), rng), winit.he_normal((20, 10), rng))


def test_constant_laws_exact() -> None:
    assert np.all(winit.zeros((3, 4), 0) == 0.0)
    assert np.all(winit.ones((3, 4), 0, np.float64) == 1.0)
    assert np.all(winit.constant(-0.75)((2, 3, 4), 0) == np.float32(-0.75))
    assert np.array_equal(winit.identity((3, 5), None, np.float64, gain=2.0), 2.0 * np.eye(3, 5))
    assert winit.eye is winit.identity


# Expected std (or uniform bound) for shape (out, in) = (40, 30) in torch layout: fan_in 30,
# fan_out 40, fan_avg 35.
@pytest.mark.parametrize(
    ("init", "kind", "expected"),
    [
        (winit.glorot_normal, "std", math.sqrt(2 / 70)),
        (winit.glorot_uniform, "bound", math.sqrt(6 / 70)),
        (winit.he_normal, "std", math.sqrt(2 / 30)),
        (winit.he_uniform, "bound", math.sqrt(6 / 30)),
        (winit.lecun_normal, "std", math.sqrt(1 / 30)),
        (winit.lecun_uniform, "bound", math.sqrt(3 / 30)),
    ],
)
def test_preset_formulas_by_hand(init: Initializer, kind: str, expected: float) -> None:
    """The formula is recovered exactly from the standard draws of the same generator."""
    shape = (40, 30)
    w = init(shape, 7, np.float64)
    rng = np.random.default_rng(7)
    if kind == "std":
        base = rng.standard_normal(shape)
        np.testing.assert_allclose(w, base * expected, rtol=1e-15)
    else:
        base = rng.random(shape)
        np.testing.assert_allclose(w, base * 2 * expected - expected, rtol=1e-14, atol=1e-16)


def test_presets_are_variance_scaling() -> None:
    shape = (12, 6, 3, 3)
    cases: list[tuple[np.ndarray, np.ndarray]] = [
        (winit.glorot_normal(shape, 1, gain=2.0), winit.variance_scaling(4.0, "fan_avg", "normal")(shape, 1)),
        (winit.he_uniform(shape, 1, mode="fan_out"), winit.variance_scaling(2.0, "fan_out", "uniform")(shape, 1)),
        (winit.he_normal(shape, 1, nonlinearity="tanh"), winit.variance_scaling(25 / 9, "fan_in", "normal")(shape, 1)),
        (winit.lecun_uniform(shape, 1, layout="keras"), winit.variance_scaling(1.0, "fan_in", "uniform", "keras")(shape, 1)),
    ]  # fmt: skip
    for a, b in cases:
        np.testing.assert_array_equal(a, b)


def test_kaiming_aliases_and_leaky_slope() -> None:
    assert winit.kaiming_normal is winit.he_normal
    assert winit.xavier_uniform is winit.glorot_uniform
    # nn.Linear's default: kaiming_uniform_(a=sqrt(5)) = U[±1/sqrt(fan_in)]
    w = winit.he_uniform((50, 25), 3, np.float64, a=math.sqrt(5), nonlinearity="leaky_relu")
    bound = 1 / math.sqrt(25)
    base = np.random.default_rng(3).random((50, 25))
    np.testing.assert_allclose(w, base * 2 * bound - bound, rtol=1e-14, atol=1e-16)


@pytest.mark.parametrize("layout", ["torch", "keras"])
def test_conv_fans_follow_layout(layout: str) -> None:
    shape = (8, 4, 3, 3) if layout == "torch" else (3, 3, 4, 8)
    w = winit.lecun_normal(shape, 2, np.float64, layout=layout)  # type: ignore[arg-type]
    base = np.random.default_rng(2).standard_normal(shape)
    np.testing.assert_allclose(w, base / math.sqrt(4 * 9), rtol=1e-15)


def _pooled(init: Initializer, shape: tuple[int, ...], n: int) -> np.ndarray:
    """At least ``n`` draws of ``init`` (several seeds pooled)."""
    size = math.prod(shape)
    return np.concatenate([init(shape, s, np.float64).ravel() for s in range(-(-n // size))])


N_VAR = stats.variance_sample_size(1.3, ALPHA, 0.999)  # χ², detects a 1.3x variance error


@pytest.mark.parametrize(
    ("init", "var"),
    [
        (winit.normal(0.5, 2.0), 4.0),
        (winit.truncated_normal(0.0, 0.5), 0.25),
        (winit.variance_scaling(2.0, "fan_avg", "truncated_normal"), 2.0 / 35.0),
        (winit.glorot_normal, 2.0 / 70.0),
    ],
)
def test_variance_of_normal_laws(init: Initializer, var: float) -> None:
    """Variance 1.3x off is rejected with power 0.999 (a truncation without the 0.88 correction
    is 0.774x); the truncated normal is not normal, so its check uses its kurtosis 2.3655."""
    x = _pooled(init, (40, 30), 2 * N_VAR)
    mean = float(np.mean(x)) if init is RANDOM["normal"] else 0.0
    truncated = "truncated" in getattr(init, "__name__", "")
    kappa = 2.3655 if truncated else 3.0  # truncated at ±2: scipy.stats.truncnorm(-2, 2)
    c = stats.variance_check("var", x - mean, var, ALPHA, kurtosis=kappa, against=1.3)
    assert c.passed, c
    assert c.power is not None and c.power > 0.999


def test_truncated_normal_support_and_std() -> None:
    w = winit.truncated_normal(1.0, 0.5)((200, 200), 0, np.float64)
    bound = 2 * 0.5 / winit.TRUNCATED_STD
    assert np.all(np.abs(w - 1.0) <= bound)
    assert np.max(np.abs(w - 1.0)) > 0.99 * bound  # the truncation points are reached


def test_uniform_support() -> None:
    w = winit.uniform(-1.0, 3.0)((300, 300), 0, np.float64)
    assert w.min() >= -1.0 and w.max() < 3.0
    assert w.min() < -0.999 and w.max() > 2.999


def test_truncated_std_constant() -> None:
    """0.8796... is the std of N(0,1) conditioned on |x| <= 2 (closed form)."""
    phi2 = math.exp(-2) / math.sqrt(2 * math.pi)
    mass = math.erf(2 / math.sqrt(2))
    assert math.sqrt(1 - 4 * phi2 / mass) == pytest.approx(winit.TRUNCATED_STD, rel=1e-15)


@pytest.mark.parametrize(
    ("shape", "layout"),
    [((30, 50), "torch"), ((50, 30), "torch"), ((8, 4, 3, 3), "torch"), ((3, 3, 4, 8), "keras")],
)
def test_orthogonal_rows_or_columns_orthonormal(shape: tuple[int, ...], layout: str) -> None:
    w = winit.orthogonal(2.0, layout)(shape, 0, np.float64)  # type: ignore[arg-type]
    m = w.reshape(shape[0], -1) if layout == "torch" else w.reshape(-1, shape[-1])
    small = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    np.testing.assert_allclose(small, 4.0 * np.eye(small.shape[0]), atol=1e-12)


def test_orthogonal_is_haar_sign_corrected() -> None:
    """Haar: the diagonal of an orthogonal matrix has mean 0; QR without the sign fix gives a
    positive-biased diagonal (E[q_ii] > 0). 400 matrices of 20x20 → 8000 diagonal entries with
    variance 1/20 each: z-test at alpha 1e-9 vs the unfixed mean (≈ 0.15 here)."""
    diag = np.concatenate(
        [np.diagonal(winit.orthogonal()((20, 20), s, np.float64)) for s in range(400)]
    )
    c = stats.mean_check("diag mean", diag, 0.0, math.sqrt(1 / 20), ALPHA, against=0.1)
    assert c.passed, c
    unfixed = []
    for s in range(400):
        q, _ = np.linalg.qr(np.random.default_rng(s).standard_normal((20, 20)))
        unfixed.append(np.diagonal(q))
    assert not stats.mean_check(
        "unfixed", np.concatenate(unfixed), 0.0, math.sqrt(1 / 20), ALPHA
    ).passed


BAD: list[tuple[Callable[[], object], str]] = [
    (lambda: winit.normal(std=-1.0), "std must be >= 0"),
    (lambda: winit.normal(std=float("nan")), "std must be finite"),
    (lambda: winit.normal(mean=float("inf")), "mean must be finite"),
    (lambda: winit.uniform(2.0, 1.0), "a <= b"),
    (lambda: winit.constant(float("nan")), "value must be finite"),
    (lambda: winit.truncated_normal(std=float("inf")), "std must be finite"),
    (lambda: winit.variance_scaling(0.0), "scale must be > 0"),
    (lambda: winit.variance_scaling(1.0, "fan_sum"), "unknown mode 'fan_sum'; accepted: fan_in"),  # type: ignore[arg-type]
    (lambda: winit.variance_scaling(1.0, "fan_in", "cauchy"), "unknown distribution 'cauchy'"),  # type: ignore[arg-type]
    (lambda: winit.variance_scaling(layout="mxnet"), "unknown layout"),  # type: ignore[arg-type]
    (lambda: winit.glorot_normal((5,), 0), "at least 2 dimensions"),
    (lambda: winit.he_normal((), 0), "at least 2 dimensions"),
    (lambda: winit.he_normal((4, 0), 0), "positive integer dimensions"),
    (lambda: winit.he_normal((4, 3), 0, mode="fan_avg"), "unknown mode 'fan_avg'"),  # type: ignore[arg-type]
    (lambda: winit.he_normal((4, 3), 0, nonlinearity="swish"), "unknown nonlinearity 'swish'"),
    (lambda: winit.glorot_uniform((4, 3), 0, gain=float("nan")), "gain must be finite"),
    (lambda: winit.orthogonal()((7,), 0), "at least 2 dimensions"),
    (lambda: winit.identity((2, 2, 2)), "2-D shape"),
    (lambda: winit.normal()((3, -2), 0), "positive integer dimensions"),
    (lambda: winit.normal()((3, 2), 0, np.int32), "dtype must be one of float16, float32, float64"),
    (lambda: winit.normal()((3, 2), "seed"), "rng must be a numpy.random.Generator"),  # type: ignore[arg-type]
    (lambda: winit.normal()((3, 2), -1), "non-negative int seed"),
]


@pytest.mark.parametrize(("call", "message"), BAD)
def test_bad_input_is_a_one_line_value_error(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        call()
    assert "\n" not in str(info.value)


def test_float32_draws_without_float64_intermediate() -> None:
    """float32 output is drawn in float32: it is the float32 Box–Muller stream times the std
    (folded into the radius: a few ulp from scaling after), not numpy's float64 stream."""
    w = winit.glorot_normal((64, 32), 9)
    std = math.sqrt(2 / 96)
    base = standard_float32(np.random.default_rng(9), (64, 32))
    np.testing.assert_allclose(w, base * np.float32(std), rtol=4 * float(np.finfo(np.float32).eps))
    float64_stream = np.random.default_rng(9).standard_normal((64, 32)) * std
    assert np.max(np.abs(w - float64_stream)) > std


@pytest.mark.parametrize("n", [83, 130, 200])
def test_orthogonal_is_orthogonal_to_a_few_eps_across_blocks(n: int) -> None:
    """Square shapes beyond one Gram–Schmidt block: WWᵀ = I within n·eps in float64, the order
    of Householder QR's own loss of orthogonality (the rows of later blocks once drifted to
    60·n·eps, which LSUV's 1e-12 check caught at 83x83; without the projection after each later
    block's QR they reach 4·n·eps)."""
    gen = np.random.default_rng(0)
    eps = float(np.finfo(np.float64).eps)
    worst = max(
        float(np.max(np.abs(w @ w.T - np.eye(n))))
        for w in (winit.orthogonal()((n, n), gen, np.float64) for _ in range(20))
    )
    assert worst <= n * eps
