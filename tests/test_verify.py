"""winit.verify: every winit initializer passes its own law; initializers with real, published
bugs are rejected by the check that names the bug, with the power the plan promised."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import stats as ss

import winit
from winit.fans import fans
from winit.initializers import TRUNCATED_STD
from winit.stats import POWER, binom_cdf, binomial_check, ks_power
from winit.verify import LAWS, Result, verify
from winit.verify.adapters import detect
from winit.verify.distributions import TruncatedNormal, Uniform
from winit.verify.guard import UserCodeError

Array = NDArray[np.floating]
Init = Callable[[tuple[int, ...], np.random.Generator], Array]

# ---------------------------------------------------------------- winit passes its own laws

OWN: list[tuple[str, Callable[..., Any], str, dict[str, Any]]] = [
    ("zeros", winit.zeros, "zeros", {}),
    ("ones", winit.ones, "ones", {}),
    ("constant", winit.constant(0.1), "constant", {"value": 0.1}),
    ("normal", winit.normal(0.1, 0.3), "normal", {"mean": 0.1, "std": 0.3}),
    ("uniform", winit.uniform(-0.2, 0.4), "uniform", {"a": -0.2, "b": 0.4}),
    ("truncated_normal", winit.truncated_normal(0.1, 0.5), "truncated_normal", {"mean": 0.1, "std": 0.5}),
    ("glorot_normal gain", winit.glorot_normal, "glorot_normal", {"gain": 5 / 3}),
    ("glorot_uniform", winit.glorot_uniform, "glorot_uniform", {}),
    ("he_normal", winit.he_normal, "he_normal", {}),
    ("he_normal fan_out tanh", winit.he_normal, "he_normal", {"mode": "fan_out", "nonlinearity": "tanh"}),
    ("he_uniform selu", winit.he_uniform, "he_uniform", {"nonlinearity": "selu"}),
    ("lecun_normal", winit.lecun_normal, "lecun_normal", {}),
    ("lecun_uniform", winit.lecun_uniform, "lecun_uniform", {}),
    ("orthogonal", winit.orthogonal(0.5), "orthogonal", {"gain": 0.5}),
    ("keras he_normal", winit.variance_scaling(2.0, "fan_in", "truncated_normal"), "he_normal",
     {"distribution": "truncated_normal"}),
    ("keras glorot_normal", winit.variance_scaling(1.0, "fan_avg", "truncated_normal"), "glorot_normal",
     {"distribution": "truncated_normal"}),
    ("variance_scaling uniform fan_out", winit.variance_scaling(2.0, "fan_out", "uniform"),
     "variance_scaling", {"scale": 2.0, "mode": "fan_out", "distribution": "uniform"}),
    ("variance_scaling truncated", winit.variance_scaling(0.5, "fan_avg", "truncated_normal"),
     "variance_scaling", {"scale": 0.5, "mode": "fan_avg"}),
]  # fmt: skip


def _explain(result: Result) -> str:
    return "; ".join(f"{r.shape} {r.check.name}={r.check.measured:.6g}" for r in result.failures)


@pytest.mark.parametrize(("fn", "law", "params"), [c[1:] for c in OWN], ids=[c[0] for c in OWN])
def test_winit_initializer_passes_its_law(
    fn: Callable[..., Any], law: str, params: dict[str, Any]
) -> None:
    result = verify(fn, law, **params)
    assert result.passed, _explain(result)
    stat_rows = [r for r in result.rows if r.powers]
    assert all(p >= POWER for r in stat_rows for _, p in r.powers)


def test_every_law_has_a_winit_case() -> None:
    assert {c[2] for c in OWN} == set(LAWS)


def test_keras_layout_reads_fans_from_the_end() -> None:
    result = verify(winit.he_normal, "he_normal", layout="keras")
    assert result.passed, _explain(result)
    assert [s.fans for s in result.shapes] == [(128, 256), (512, 128), (288, 576)]


# ---------------------------------------------------------------- real bugs are rejected


def fan_normal(std: Callable[[int, int], float]) -> Init:
    """A numpy-style N(0, std(fan_in, fan_out)²) initializer (torch layout)."""

    def init(shape: tuple[int, ...], rng: np.random.Generator) -> Array:
        return std(*fans(shape)) * rng.standard_normal(shape)

    return init


def fan_uniform(bound: Callable[[int, int], float]) -> Init:
    """A numpy-style U[±bound(fan_in, fan_out)] initializer (torch layout)."""

    def init(shape: tuple[int, ...], rng: np.random.Generator) -> Array:
        b = bound(*fans(shape))
        return rng.uniform(-b, b, shape)

    return init


def truncated_without_correction(shape: tuple[int, ...], rng: np.random.Generator) -> Array:
    """keras#8048 / tensorflow#16344: N(0, 2/(fi+fo)) cut at ±2σ, σ not divided by 0.8796."""
    fi, fo = fans(shape)
    z = rng.standard_normal(shape)
    while np.any(bad := np.abs(z) > 2):
        z[bad] = rng.standard_normal(int(bad.sum()))
    return math.sqrt(2 / (fi + fo)) * z


def orthogonal_without_sign_fix(shape: tuple[int, ...], rng: np.random.Generator) -> Array:
    """tensorflow PR 9429 / chainer PR 5615: Q of a Gaussian QR, R's diagonal signs left in."""
    rows, cols = shape[0], math.prod(shape[1:])
    q, _ = np.linalg.qr(rng.standard_normal((max(rows, cols), min(rows, cols))))
    return (q.T if rows < cols else q).reshape(shape)


RELU_GAIN = math.sqrt(2.0)
BUGS: list[tuple[str, Init, str, dict[str, Any], str, str]] = [
    ("keras#8048 truncation without std correction", truncated_without_correction, "glorot_normal",
     {"distribution": "truncated_normal"}, "variance ratio", "truncated without std correction (keras#8048)"),
    ("mlx#2001 uniform bound missing sqrt(3)", fan_uniform(lambda fi, fo: math.sqrt(2 / (fi + fo))),
     "glorot_uniform", {}, "variance ratio", "uniform bound without √3 (mlx#2001)"),
    ("tf PR 9429 / chainer PR 5615 orthogonal without sign fix", orthogonal_without_sign_fix,
     "orthogonal", {}, "haar: worst diagonal position's fraction > 0 (diag[0])",
     "a diagonal entry of fixed sign (unfixed QR: Q[0,0] < 0 always)"),
    ("pytorch#30946 std = gain^2/sqrt(fan)", fan_normal(lambda fi, fo: RELU_GAIN**2 / math.sqrt(fi)),
     "he_normal", {}, "variance ratio", "variance 2x too large"),
    ("variance 2x", fan_normal(lambda fi, fo: math.sqrt(2 * 2 / fi)), "he_normal", {},
     "variance ratio", "variance 2x too large"),
    ("fans swapped", fan_normal(lambda fi, fo: RELU_GAIN / math.sqrt(fo)), "he_normal", {},
     "variance ratio", "fans swapped"),
    ("gain missing", fan_normal(lambda fi, fo: 1 / math.sqrt(fi)), "he_normal", {},
     "variance ratio", "gain missing"),
    ("gain missing, tanh", fan_uniform(lambda fi, fo: math.sqrt(6 / (fi + fo))), "glorot_uniform",
     {"gain": 5 / 3}, "variance ratio", "gain missing"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("fn", "law", "params", "check", "error"), [b[1:] for b in BUGS], ids=[b[0] for b in BUGS]
)
def test_real_bug_is_rejected_by_its_check(
    fn: Init, law: str, params: dict[str, Any], check: str, error: str
) -> None:
    result = verify(fn, law, **params)
    assert not result.passed
    failing = [r for r in result.rows if r.check.name == check]
    assert failing, f"no {check} rows"
    for row in failing:
        assert not row.passed, f"{row.shape}: {row.check}"
        assert dict(row.powers)[error] >= POWER


def test_pytorch_kaiming_std_gain_over_sqrt_fan_passes() -> None:
    """pytorch#30946: PyTorch's own std = gain/√fan is he_normal; gain²/√fan (above) is not."""
    result = verify(fan_normal(lambda fi, fo: RELU_GAIN / math.sqrt(fi)), "he_normal")
    assert result.passed, _explain(result)


def test_orthogonal_without_sign_fix_is_still_orthogonal() -> None:
    """The sign bug keeps WᵀW = I: only the Haar check can see it."""
    rows = verify(orthogonal_without_sign_fix, "orthogonal").rows
    assert all(r.passed for r in rows if r.check.name.startswith("orthogonality"))


def test_seed_ignored_fails_the_differ_check() -> None:
    def fixed(shape: tuple[int, ...], rng: np.random.Generator) -> Array:
        return np.random.default_rng(1).standard_normal(shape)

    result = verify(fixed, "normal", shapes=[(64, 32)])
    assert result.failures[0].check.name == "different seeds differ (fraction equal)"


def test_unseeded_draws_fail_the_reproduce_check() -> None:
    state = np.random.default_rng(7)

    def stateful(shape: tuple[int, ...], rng: np.random.Generator) -> Array:
        return state.standard_normal(shape)

    result = verify(stateful, "normal", shapes=[(64, 32)])
    assert [r.check.name for r in result.failures] == ["same seed reproduces (fraction equal)"]


def test_wrong_shape_fails() -> None:
    result = verify(
        lambda shape, rng: rng.standard_normal(shape[::-1]), "normal", shapes=[(64, 32)]
    )
    assert [r.check.name for r in result.failures] == ["shape (got (32, 64))"]


def test_wrong_family_fails_the_ks_check_only() -> None:
    """Keras' he_normal truncates, PyTorch's does not: same variance, different law."""
    result = verify(winit.variance_scaling(2.0, "fan_in", "truncated_normal"), "he_normal")
    assert {r.check.name for r in result.failures} == {"shape (KS distance)"}


def test_same_seed_same_result() -> None:
    a = verify(winit.he_uniform, "he_uniform", seed=3).as_dict()
    b = verify(winit.he_uniform, "he_uniform", seed=3).as_dict()
    assert a == b


# ---------------------------------------------------------------- statistics behind the plan


def test_truncated_normal_moments_and_cdf_match_scipy() -> None:
    t = TruncatedNormal(0.3, 1.7, -1.0, 4.0)
    ref = ss.truncnorm((-1.0 - 0.3) / 1.7, (4.0 - 0.3) / 1.7, loc=0.3, scale=1.7)
    mean, var, _, excess = ref.stats(moments="mvsk")
    assert t.mean == pytest.approx(float(mean), rel=1e-12)
    assert t.var == pytest.approx(float(var), rel=1e-12)
    assert t.kurtosis == pytest.approx(float(excess) + 3.0, rel=1e-10)
    x = np.linspace(-2.0, 5.0, 41)
    assert np.max(np.abs(t.cdf(x) - ref.cdf(x))) < 1e-14
    assert math.sqrt(TruncatedNormal(0.0, 1.0, -2.0, 2.0).var) == pytest.approx(
        TRUNCATED_STD, rel=1e-15
    )
    assert Uniform(-1.0, 1.0).var == pytest.approx(1 / 3)


def test_binomial_check_region_and_power_are_exact() -> None:
    n, alpha = 256, 1e-6 / 3
    c = binomial_check("", 128, n, 0.5, alpha, against=0.25)
    lo, hi = round(c.low * n), round(c.high * n)
    assert ss.binom.cdf(lo - 1, n, 0.5) <= alpha / 2 < ss.binom.cdf(lo, n, 0.5)
    assert ss.binom.sf(hi, n, 0.5) <= alpha / 2 < ss.binom.sf(hi - 1, n, 0.5)
    assert c.power == pytest.approx(
        ss.binom.cdf(lo - 1, n, 0.25) + ss.binom.sf(hi, n, 0.25), rel=1e-9
    )
    assert binom_cdf(700, 2000, 0.3) == pytest.approx(ss.binom.cdf(700, 2000, 0.3), rel=1e-9)


def test_ks_power_bound_is_conservative() -> None:
    """The DKW bound used to size KS samples never promises more power than the KS test has:
    100 seeded KS tests of a uniform law on normal draws reject at least as often as promised."""
    n, alpha = 3000, 1e-3
    law, alt = Uniform(-math.sqrt(3), math.sqrt(3)), ss.norm()
    grid = np.linspace(-5, 5, 20_001)
    delta = float(np.max(np.abs(law.cdf(grid) - alt.cdf(grid))))
    promised = ks_power(delta, n, alpha)
    rng = np.random.default_rng(0)
    rejected = np.mean(
        [ss.kstest(rng.standard_normal(n), law.cdf).pvalue < alpha for _ in range(100)]
    )
    assert promised > 0.5
    assert rejected >= promised - 3 * math.sqrt(promised * (1 - promised) / 100)


# ---------------------------------------------------------------- calling conventions, bad usage


def test_conventions_are_detected() -> None:
    def torch_style(tensor: Any, gain: float = 1.0) -> None: ...

    assert detect(winit.he_normal, LAWS["he_normal"].params)[0] == "numpy"
    assert detect(winit.normal, LAWS["normal"].params)[0] == "factory"
    assert detect(torch_style, LAWS["orthogonal"].params)[0] == "torch"


def test_torch_convention_without_torch_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)

    def torch_style(tensor: Any) -> None: ...

    with pytest.raises(ValueError, match=r"needs torch.*pip install 'torch'"):
        verify(torch_style, "normal")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"law": "bogus"}, "unknown law 'bogus'"),
        ({"law": "glorot_uniform", "mode": "fan_in"}, "has no parameter 'mode'"),
        ({"law": "he_normal", "mode": "fan_avg"}, "unknown mode 'fan_avg'"),
        ({"law": "uniform", "a": 1.0, "b": 0.0}, "needs a < b"),
        ({"law": "truncated_normal", "a": -2.0}, "needs both a and b"),
        ({"law": "he_normal", "shapes": [(7,)]}, "at least 2 dimensions"),
        ({"law": "normal", "shapes": [(0, 3)]}, "positive integer dimensions"),
        ({"law": "normal", "seed": -1}, "seed must be"),
        ({"law": "normal", "layout": "jax"}, "unknown layout"),
    ],
)
def test_bad_usage_is_a_one_line_value_error(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        verify(winit.normal(), **kwargs)
    assert "\n" not in str(info.value)


def test_initializer_that_raises_or_returns_nothing_is_a_user_code_error() -> None:
    with pytest.raises(UserCodeError, match=r"raised ZeroDivisionError"):
        verify(lambda shape, rng: 1 / 0, "normal")
    with pytest.raises(UserCodeError, match=r"returned NoneType, not a numeric array"):
        verify(lambda shape, rng: None, "normal")


# ---------------------------------------------------------------- the Haar law itself


def _haar(shape: tuple[int, ...], rng: np.random.Generator) -> NDArray[np.float64]:
    """A Haar (semi-)orthogonal matrix in torch layout: QR with R's diagonal signs fixed."""
    rows, cols = shape[0], math.prod(shape[1:])
    q, r = np.linalg.qr(rng.standard_normal((max(rows, cols), min(rows, cols))))
    q = q * np.sign(np.diag(r))
    return (q.T if rows < cols else q).reshape(shape)


def special_orthogonal(shape: tuple[int, ...], rng: np.random.Generator) -> Array:
    """Haar, then a column flipped whenever det < 0: SO(n) only for square shapes (as the matrix
    exponential or Cayley transform of a skew matrix gives)."""
    w = _haar(shape, rng)
    if w.ndim == 2 and w.shape[0] == w.shape[1] and np.linalg.det(w) < 0:
        w[:, -1] *= -1
    return w


def first_entry_positive(shape: tuple[int, ...], rng: np.random.Generator) -> Array:
    """Haar, then the first row signed so W[0, 0] > 0: every other diagonal sign stays fair, so
    the pooled fraction barely moves; only the per-position test sees it."""
    w = _haar(shape, rng)
    w[0] *= np.sign(w.reshape(shape[0], -1)[0, 0])
    return w


HAAR_BUGS = [
    ("unfixed QR", orthogonal_without_sign_fix, "haar: worst diagonal position's fraction > 0"),
    ("SO(n) only", special_orthogonal, "haar: fraction of det > 0"),
    ("W[0,0] > 0 always", first_entry_positive, "haar: worst diagonal position's fraction > 0"),
]


@pytest.mark.parametrize(("fn", "check"), [b[1:] for b in HAAR_BUGS], ids=[b[0] for b in HAAR_BUGS])
def test_non_haar_orthogonal_constructions_fail_with_stated_power(fn: Init, check: str) -> None:
    result = verify(fn, "orthogonal")
    assert not result
    caught = [r for r in result.rows if r.check.name.startswith(check)]
    assert caught and any(not r.passed for r in caught)
    assert all(p >= POWER for r in caught for _, p in r.powers)
    assert all(r.passed for r in result.rows if r.check.name.startswith("orthogonality"))


def test_first_entry_bias_is_invisible_to_the_pooled_fraction() -> None:
    """Why the per-position test exists: the pooled fraction passes on the large shapes."""
    result = verify(first_entry_positive, "orthogonal", shapes=[(256, 128), (128, 512)])
    pooled = [r for r in result.rows if r.check.name == "haar: fraction of diag > 0"]
    assert pooled and all(r.passed for r in pooled)
    assert not result


def test_det_check_runs_on_square_shapes_only() -> None:
    result = verify(_haar, "orthogonal", shapes=[(8, 8), (8, 4)])
    assert result, _explain(result)
    dets = {r.shape for r in result.rows if r.check.name == "haar: fraction of det > 0"}
    assert dets == {(8, 8)}


def test_orthogonal_defaults_include_small_squares() -> None:
    shapes = {s.shape for s in verify(winit.orthogonal(), "orthogonal").shapes}
    assert {(2, 2), (16, 16)} <= shapes


# ---------------------------------------------------------------- laws, aliases, layouts


def test_aliases_resolve_to_their_law() -> None:
    result = verify(winit.kaiming_uniform, "kaiming_uniform")
    assert result and result.law == "he_uniform"


def test_typos_get_a_did_you_mean() -> None:
    with pytest.raises(ValueError, match=r"did you mean 'glorot_normal'\?"):
        verify(winit.glorot_normal, "glorot_norml")
    with pytest.raises(ValueError, match=r"did you mean 'distribution'\?"):
        verify(winit.glorot_normal, "glorot_normal", distrbution="normal")
    with pytest.raises(ValueError, match=r"did you mean 'fan_avg'\?"):
        verify(winit.glorot_normal, "variance_scaling", mode="fan_agv")


def test_uncorrected_truncation_is_the_parent_std() -> None:
    def parent_cut(shape: tuple[int, ...], rng: np.random.Generator) -> Array:
        z = rng.standard_normal(shape)
        while np.any(bad := np.abs(z) > 2):
            z[bad] = rng.standard_normal(int(bad.sum()))
        return 0.3 * z

    assert verify(parent_cut, "truncated_normal", std=0.3, truncation="uncorrected")
    wrong = verify(parent_cut, "truncated_normal", std=0.3)
    assert "= truncated without std correction" in str(wrong)


def test_gain_on_every_fan_law_and_geo_avg() -> None:
    def geo(shape: tuple[int, ...], rng: np.random.Generator) -> Array:
        fi, fo = fans(shape)
        return rng.normal(0.0, 1.5 * math.sqrt(2.0 / math.sqrt(fi * fo)), size=shape)

    assert verify(
        geo, "variance_scaling", scale=2.0, gain=1.5, mode="fan_geo_avg", distribution="normal"
    )
    assert verify(fan_normal(lambda fi, fo: 0.5 / math.sqrt(fi)), "lecun_normal", gain=0.5)
    assert verify(fan_normal(lambda fi, fo: 3.0 / math.sqrt(fi)), "he_normal", gain=3.0)


def mlx_glorot(shape: tuple[int, ...], rng: np.random.Generator) -> Array:
    """Glorot normal with MLX's fans: (out, *kernel, in)."""
    fan_in, fan_out = shape[-1] * math.prod(shape[1:-1]), shape[0] * math.prod(shape[1:-1])
    return rng.normal(0.0, math.sqrt(2.0 / (fan_in + fan_out)), size=shape)


def test_mlx_layout_and_explicit_axes_read_the_fans() -> None:
    shapes = [(64, 3, 3, 32), (128, 16)]
    assert verify(mlx_glorot, "glorot_normal", layout="mlx", shapes=shapes)
    assert verify(mlx_glorot, "glorot_normal", in_axis=[-1], out_axis=[0], shapes=shapes)
    wrong = verify(mlx_glorot, "glorot_normal", layout="torch", shapes=shapes)
    assert not wrong


def test_batch_axes_are_left_out_of_the_fans() -> None:
    def batched(shape: tuple[int, ...], rng: np.random.Generator) -> Array:
        return rng.normal(0.0, math.sqrt(1.0 / shape[1]), size=shape)  # (batch, in, out)

    assert verify(
        batched, "lecun_normal", in_axis=[1], out_axis=[2], batch_axis=[0], shapes=[(6, 64, 32)]
    )


def test_explicit_axes_need_shapes_and_do_not_overlap() -> None:
    with pytest.raises(ValueError, match="need --shapes"):
        verify(mlx_glorot, "glorot_normal", in_axis=[0, 1], out_axis=[2])
    with pytest.raises(ValueError, match="overlap"):
        verify(mlx_glorot, "glorot_normal", in_axis=[0], out_axis=[0], shapes=[(4, 4)])


@pytest.mark.parametrize("shape", [(7, 5), (4, 6, 3), (2, 3, 5, 7), (8, 1, 1)])
def test_named_layouts_give_winits_fans(shape: tuple[int, ...]) -> None:
    from winit.verify.layouts import LAYOUTS as AXES

    assert AXES["torch"].fans(shape) == fans(shape, "torch")
    assert AXES["keras"].fans(shape) == fans(shape, "keras")


# ---------------------------------------------------------------- failures name their error


def test_failing_checks_name_the_nearest_error() -> None:
    trunc = verify(truncated_without_correction, "glorot_normal", distribution="truncated_normal")
    assert any(
        r.diagnosis.startswith("variance ratio 0.77")
        and "= truncated without std correction" in r.diagnosis
        for r in trunc.failures
    ), str(trunc)
    swapped = verify(fan_normal(lambda fi, fo: RELU_GAIN / math.sqrt(fo)), "he_normal")
    rows = [r for r in swapped.failures if r.check.name == "variance ratio"]
    assert rows and all("= fans swapped (" in r.diagnosis and r.diagnosis.endswith("check --layout") for r in rows), str(swapped)  # fmt: skip


# ---------------------------------------------------------------- the result in a test


def test_result_is_falsy_on_failure_and_prints_as_its_table() -> None:
    good = verify(winit.he_normal, "he_normal", shapes=[(64, 32)])
    bad = verify(winit.he_normal, "lecun_normal", shapes=[(64, 32)])
    assert good and not bad
    assert str(bad).splitlines()[-1].startswith("FAILED") and "variance ratio" in str(bad)
    assert "\n" not in repr(bad) and "variance ratio" in repr(bad)


def test_winit_verify_is_callable_and_still_the_subpackage() -> None:
    assert "glorot_normal" in winit.verify.LAWS  # type: ignore[attr-defined]
    assert winit.verify(winit.he_normal, law="he_normal", shapes=[(64, 32)])
    assert winit.verify.verify is verify  # type: ignore[attr-defined]


def test_parameters_go_under_the_callables_names_or_nowhere() -> None:
    def stddev_named(
        shape: tuple[int, ...], rng: np.random.Generator, stddev: float = 1.0
    ) -> Array:
        return rng.normal(0.0, stddev, size=shape)

    ok = verify(stddev_named, "normal", std=0.5, shapes=[(64, 32)])
    assert ok and "passed stddev=0.5" in ok.calling
    dropped = verify(
        lambda shape, rng: rng.normal(0.0, 0.5, size=shape), "normal", std=0.5, shapes=[(64, 32)]
    )
    assert "not passed" in dropped.calling and "std" in dropped.calling

    def val_named(shape: tuple[int, ...], rng: np.random.Generator, val: float = 0.0) -> Array:
        return np.full(shape, val)

    renamed = verify(val_named, "constant", value=0.5, renames={"value": "val"}, shapes=[(4, 4)])
    assert renamed and "passed val=0.5" in renamed.calling
    with pytest.raises(ValueError, match="takes no parameter 'value2'"):
        verify(val_named, "constant", value=0.5, renames={"value": "value2"}, shapes=[(4, 4)])
    with pytest.raises(ValueError, match="not a parameter of this law"):
        verify(val_named, "constant", renames={"std": "val"}, shapes=[(4, 4)])


# ---------------------------------------------------------------- the conformance catalogue


def test_conformance_catalogue_states_valid_laws() -> None:
    """Every documented law in the table resolves (a typo would only show in nox -s frameworks)."""
    from winit.verify.conformance import CATALOGUE
    from winit.verify.laws import resolve

    for _, entries in CATALOGUE.values():
        for entry in entries:
            resolve(entry.law, entry.params)


def test_conformance_row_for_a_missing_framework_names_its_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib.util

    from winit.verify import conformance

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    (row,) = conformance.rows_for("haiku")
    assert (row["verdict"], row["reason"]) == ("skipped", "pip install dm-haiku")


def test_support_leak_is_counted() -> None:
    """Keras' torch backend keeps the first of 4 normal draws when none is inside ±2σ: values
    past the cut, which the support check counts."""

    def leaky(shape: tuple[int, ...], rng: np.random.Generator) -> Array:
        x = rng.uniform(-1.0, 1.0, size=shape)
        x.flat[0] = 1.5
        return x

    result = verify(leaky, "uniform", a=-1.0, b=1.0, shapes=[(64, 32)])
    (row,) = [r for r in result.failures if r.check.name.startswith("support")]
    calls = result.shapes[0].sampling.calls  # one leaked value per call
    assert row.diagnosis.startswith(f"{calls} of {calls * 64 * 32} draws outside [-1, 1]")


def test_a_call_past_the_timeout_raises_call_timeout_error() -> None:
    import time

    from winit.verify.guard import CallTimeoutError

    def hang(shape: tuple[int, ...], rng: np.random.Generator) -> Array:
        time.sleep(60)
        return rng.normal(size=shape)

    start = time.monotonic()
    with pytest.raises(CallTimeoutError, match=r"did not return within 0.5 s"):
        verify(hang, "normal", shapes=[(4, 4)], timeout=0.5)
    assert time.monotonic() - start < 10


def test_sys_exit_in_an_initializer_raises_user_code_error() -> None:
    def leave(shape: tuple[int, ...], rng: np.random.Generator) -> Array:
        sys.exit(0)

    with pytest.raises(UserCodeError, match=r"exited with sys.exit\(0\)"):
        verify(leave, "normal", shapes=[(4, 4)])


def test_a_constant_the_draws_dtype_cannot_hold_is_not_matched() -> None:
    """1e308 overflows float32 to inf, and an int array cannot hold 0.4: neither is the constant."""

    def float32_of_1e308(shape: tuple[int, ...], rng: np.random.Generator) -> Array:
        return np.full(shape, np.inf, dtype=np.float32)  # what float32(1e308) rounds to

    overflow = verify(float32_of_1e308, "constant", value=1e308, shapes=[(4, 4)])
    assert [r.check.name for r in overflow.failures] == ["every element = 1e+308 (fraction)"]

    def int_zeros(shape: tuple[int, ...], rng: np.random.Generator) -> NDArray[np.int64]:
        return np.zeros(shape, dtype=np.int64)

    assert not verify(int_zeros, "constant", value=0.4, shapes=[(4, 4)])
    assert verify(int_zeros, "zeros", shapes=[(4, 4)])
