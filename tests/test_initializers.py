"""Initializers: shape, dtype, reproducibility, documented defaults, formulas against the
generator's own draws, orthogonality, bad input.

Statistical checks here use winit.stats with alpha = 1e-9 per check (a few dozen checks per run),
so a correct core false-alarms with probability < 1e-7 per run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import winit
from tests.draws import preset_law
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
Draw = Callable[[], np.ndarray]


#: The factories called with their default arguments, beside ALL's explicit ones.
DEFAULT_FACTORIES: dict[str, Initializer] = {
    "normal()": winit.normal(),
    "uniform()": winit.uniform(),
    "truncated_normal()": winit.truncated_normal(),
    "orthogonal()": winit.orthogonal(),
    "constant(0.5)": winit.constant(0.5),
}


@pytest.mark.parametrize("name", sorted({**ALL, **DEFAULT_FACTORIES}))
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(40, 30), (6, 6)])
def test_every_initializer_gives_the_requested_shape_and_dtype_and_finite_values(
    name: str, dtype: type, shape: tuple[int, int]
) -> None:
    w = {**ALL, **DEFAULT_FACTORIES}[name](shape, 0, dtype)
    assert w.shape == shape
    assert w.dtype == dtype
    assert np.all(np.isfinite(w))


@pytest.mark.parametrize("name", sorted(ALL))
def test_default_dtype_is_float32(name: str) -> None:
    assert ALL[name]((6, 4), 0).dtype == np.float32


@pytest.mark.parametrize("name", sorted(RANDOM))
@pytest.mark.parametrize("shape", SHAPES)
def test_a_seed_reproduces_its_draws_and_another_seed_differs(
    name: str, shape: tuple[int, ...]
) -> None:
    init = RANDOM[name]
    a = init(shape, 123)
    np.testing.assert_array_equal(a, init(shape, np.random.default_rng(123)))
    assert not np.array_equal(a, init(shape, 124))


def test_initializers_leave_numpys_global_random_state_alone() -> None:
    state = np.random.get_state()[1].copy()  # type: ignore[index]
    for init in ALL.values():
        init((8, 8), 0)
    assert np.array_equal(np.random.get_state()[1], state)  # type: ignore[index]


def test_generator_is_advanced_not_reset() -> None:
    rng = np.random.default_rng(5)
    assert not np.array_equal(winit.he_normal((20, 10), rng), winit.he_normal((20, 10), rng))


def test_constant_laws_are_their_value_exactly() -> None:
    assert np.all(winit.zeros((3, 4), 0) == 0.0)
    assert np.all(winit.ones((3, 4), 0, np.float64) == 1.0)
    assert np.all(winit.constant(-0.75)((2, 3, 4), 0) == np.float32(-0.75))
    assert np.array_equal(winit.identity((3, 5), None, np.float64, gain=2.0), 2.0 * np.eye(3, 5))


# Shapes in torch layout (out, in, *kernel) unless keras: (40, 30) has fan_in 30, fan_out 40,
# fan_avg 35; the Keras conv kernel (kh, kw, in, out) = (3, 3, 4, 8) has fan_in 4·9 = 36 and fan_out
# 8·9 = 72 (read as torch's (out, in, *kernel) it would be 96, 96).
PRESET_LAWS = [
    (winit.glorot_normal, (40, 30), 7, {}, "normal", math.sqrt(2 / 70)),
    (winit.glorot_uniform, (40, 30), 7, {}, "uniform", math.sqrt(6 / 70)),
    (winit.he_normal, (40, 30), 7, {}, "normal", math.sqrt(2 / 30)),
    (winit.he_uniform, (40, 30), 7, {}, "uniform", math.sqrt(6 / 30)),
    (winit.lecun_normal, (40, 30), 7, {}, "normal", math.sqrt(1 / 30)),
    (winit.lecun_uniform, (40, 30), 7, {}, "uniform", math.sqrt(3 / 30)),
    # nn.Linear's default: kaiming_uniform_(a=√5) = U[±1/√fan_in]
    (winit.he_uniform, (50, 25), 3, {"a": math.sqrt(5), "nonlinearity": "leaky_relu"}, "uniform", 1 / math.sqrt(25)),
    (winit.lecun_normal, (8, 4, 3, 3), 2, {"layout": "torch"}, "normal", 1 / math.sqrt(4 * 9)),
    (winit.lecun_normal, (3, 3, 4, 8), 2, {"layout": "keras"}, "normal", 1 / math.sqrt(4 * 9)),
    (winit.glorot_normal, (3, 3, 4, 8), 5, {"layout": "keras"}, "normal", math.sqrt(2 / (36 + 72))),
    (winit.glorot_uniform, (3, 3, 4, 8), 5, {"layout": "keras"}, "uniform", math.sqrt(6 / (36 + 72))),
    (winit.he_normal, (3, 3, 4, 8), 5, {"layout": "keras"}, "normal", math.sqrt(2 / 36)),
    (winit.he_uniform, (3, 3, 4, 8), 5, {"layout": "keras"}, "uniform", math.sqrt(6 / 36)),
    # gain = √(2/(1+a²)) (torch.nn.init.calculate_gain("leaky_relu", a)), std = gain/√fan_in; an
    # explicit a = 0 is not replaced by calculate_gain's own default slope 0.01.
    (winit.he_normal, (40, 30), 4, {"a": 0.0, "nonlinearity": "leaky_relu"}, "normal", math.sqrt(2 / 30)),
    (winit.he_uniform, (40, 30), 4, {"a": 0.0, "nonlinearity": "leaky_relu"}, "uniform", math.sqrt(6 / 30)),
    (winit.he_normal, (40, 30), 4, {"a": 0.2, "nonlinearity": "leaky_relu"}, "normal", math.sqrt(2 / (1 + 0.2**2) / 30)),
    (winit.he_uniform, (40, 30), 4, {"a": 0.2, "nonlinearity": "leaky_relu"}, "uniform", math.sqrt(6 / (1 + 0.2**2) / 30)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("preset", "shape", "seed", "options", "kind", "scale"),
    PRESET_LAWS,
    ids=[f"{c[0].__name__}-{'x'.join(map(str, c[1]))}-{c[3]}" for c in PRESET_LAWS],
)
def test_presets_are_the_generators_draws_scaled_by_their_formula(
    preset: Callable[..., np.ndarray],
    shape: tuple[int, ...],
    seed: int,
    options: dict[str, Any],
    kind: str,
    scale: float,
) -> None:
    """In float64 a preset is the same generator's standard normal draws times its std, or its
    U[0, 1) draws mapped onto ±bound: the formula (fans, gain, layout, slope) is recovered
    exactly from the draws."""
    w = preset(shape, seed, np.float64, **options)
    expected = preset_law(kind, shape, seed, scale)
    if kind == "normal":
        np.testing.assert_allclose(w, expected, rtol=1e-15, atol=0)
    else:
        np.testing.assert_allclose(w, expected, rtol=1e-14, atol=1e-16)


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


@pytest.mark.parametrize(
    ("default", "documented"),
    [
        # U[0, 1) is PyTorch's uniform_(a=0, b=1): the generator's own random() unchanged.
        (lambda: winit.uniform()((40, 30), 3, np.float64),
         lambda: np.random.default_rng(3).random((40, 30))),
        (lambda: winit.truncated_normal()((40, 30), 3),
         lambda: winit.truncated_normal(0.0, 1.0)((40, 30), 3)),
        # Keras' and JAX's VarianceScaling defaults: scale 1, fan_in, truncated normal.
        (lambda: winit.variance_scaling()((40, 30), 3),
         lambda: winit.variance_scaling(1.0, "fan_in", "truncated_normal", "torch")((40, 30), 3)),
        # torch.nn.init.eye_ has no gain: identity defaults to gain 1.
        (lambda: winit.identity((3, 5)), lambda: np.eye(3, 5, dtype=np.float32)),
        # PyTorch's kaiming default is leaky_relu with slope a=0, the same gain √2 as relu.
        (lambda: winit.he_normal((40, 30), 3, nonlinearity="leaky_relu"),
         lambda: winit.he_normal((40, 30), 3, nonlinearity="relu")),
        (lambda: winit.he_uniform((40, 30), 3, nonlinearity="leaky_relu"),
         lambda: winit.he_uniform((40, 30), 3, nonlinearity="relu")),
    ],
    ids=["uniform", "truncated_normal", "variance_scaling", "identity", "he_normal", "he_uniform"],
)  # fmt: skip
def test_defaults_are_the_documented_ones(default: Draw, documented: Draw) -> None:
    np.testing.assert_array_equal(default(), documented())


def test_uniform_accepts_a_equal_to_b() -> None:
    """The error says ``uniform needs a <= b``: a == b is accepted and gives the constant a
    (as ``torch.nn.init.uniform_(w, a, a)``)."""
    w = winit.uniform(0.5, 0.5)((3, 4), 0)
    assert w.dtype == np.float32
    assert np.all(w == 0.5)


def test_glorot_uniform_bound_scales_with_the_gain() -> None:
    """U(±g·√(6/(n_in+n_out))): 10,000 draws all below half the bound has probability 2⁻¹⁰⁰⁰⁰."""
    limit = 2.0 * np.sqrt(6.0 / 200.0)
    w = winit.glorot_uniform((100, 100), 0, gain=2.0)
    assert limit / 2 < np.max(np.abs(w)) <= limit


def test_kaiming_and_xavier_and_eye_are_aliases() -> None:
    assert winit.kaiming_normal is winit.he_normal
    assert winit.xavier_uniform is winit.glorot_uniform
    assert winit.eye is winit.identity


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
def test_normal_laws_have_their_stated_variance(init: Initializer, var: float) -> None:
    """Variance 1.3x off is rejected with power 0.999 (a truncation without the 0.88 correction
    is 0.774x); the truncated normal is not normal, so its check uses its kurtosis 2.3655."""
    x = _pooled(init, (40, 30), 2 * N_VAR)
    mean = float(np.mean(x)) if init is RANDOM["normal"] else 0.0
    truncated = "truncated" in getattr(init, "__name__", "")
    kappa = 2.3655 if truncated else 3.0  # truncated at ±2: scipy.stats.truncnorm(-2, 2)
    c = stats.variance_check("var", x - mean, var, ALPHA, kurtosis=kappa, against=1.3)
    assert c.passed, c
    assert c.power is not None and c.power > 0.999


def test_truncated_normal_stays_within_two_stds_and_reaches_them() -> None:
    w = winit.truncated_normal(1.0, 0.5)((200, 200), 0, np.float64)
    bound = 2 * 0.5 / winit.TRUNCATED_STD
    assert np.all(np.abs(w - 1.0) <= bound)
    assert np.max(np.abs(w - 1.0)) > 0.99 * bound  # the truncation points are reached


def test_uniform_stays_within_a_b_and_reaches_both_ends() -> None:
    w = winit.uniform(-1.0, 3.0)((300, 300), 0, np.float64)
    assert w.min() >= -1.0 and w.max() < 3.0
    assert w.min() < -0.999 and w.max() > 2.999


def test_truncated_std_is_the_std_of_a_normal_within_two_stds() -> None:
    """0.8796... is the std of N(0,1) conditioned on |x| <= 2 (closed form)."""
    phi2 = math.exp(-2) / math.sqrt(2 * math.pi)
    mass = math.erf(2 / math.sqrt(2))
    assert math.sqrt(1 - 4 * phi2 / mass) == pytest.approx(winit.TRUNCATED_STD, rel=1e-15)


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
    # the message names the option and the value
    (lambda: winit.uniform(a=float("nan")), r"^a must be finite, got nan$"),
    (lambda: winit.uniform(b=float("inf")), r"^b must be finite, got inf$"),
    (lambda: winit.truncated_normal(mean=float("-inf")), r"^mean must be finite, got -inf$"),
    (lambda: winit.truncated_normal(std=-1.0), r"^std must be >= 0, got -1\.0$"),
    (lambda: winit.glorot_normal((3, 4), 0, gain=0.0), r"^gain must be > 0, got 0\.0$"),
    (lambda: winit.glorot_uniform((3, 4), 0, gain=-1.0), r"^gain must be > 0, got -1\.0$"),
    (lambda: winit.orthogonal(gain=float("nan")), r"^gain must be finite, got nan$"),
    (lambda: winit.orthogonal(layout="mxnet"), r"^unknown layout 'mxnet'; accepted: torch, keras$"),  # type: ignore[arg-type]
    (lambda: winit.identity((2, 2), gain=float("inf")), r"^gain must be finite, got inf$"),
    (lambda: winit.identity((4,)), r"^identity needs a 2-D shape \(rows, cols\), got \(4,\)$"),
    (lambda: winit.identity((2, 2, 3)), r"^identity needs a 2-D shape"),
]


@pytest.mark.parametrize(("call", "message"), BAD)
def test_bad_input_is_a_one_line_value_error(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        call()
    assert "\n" not in str(info.value)
