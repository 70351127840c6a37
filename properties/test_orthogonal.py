"""ORTHOGONAL-ISOMETRY: Saxe et al. 2013; Pennington, Schoenholz & Ganguli 2017."""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import t as student_t

from properties.budget import POWER, check_alpha
from winit.evidence import Evidence
from winit.initializers import Initializer, he_normal, lecun_normal, orthogonal
from winit.mlp import MLP
from winit.stats import Check, exact_check, mean_check, norm_cdf, norm_ppf

EPS = float(np.finfo(np.float64).eps)


def gram_error(w: np.ndarray, gain: float) -> float:
    """max |WᵀW − gain²·I| / gain² over the orthonormal side (columns if tall, rows if wide)."""
    g = w.T @ w if w.shape[0] >= w.shape[1] else w @ w.T
    return float(np.max(np.abs(g / gain**2 - np.eye(g.shape[0]))))


@pytest.mark.claim("ORTHOGONAL-ISOMETRY")
@given(
    seed=st.integers(0, 2**32 - 1),
    rows=st.integers(1, 64),
    cols=st.integers(1, 64),
    gain=st.floats(0.1, 10.0),
)
def test_orthogonal_gram_is_gain_squared_identity(
    evidence: Evidence, seed: int, rows: int, cols: int, gain: float
) -> None:
    """Saxe et al. 2013: "random orthogonal initializations" — WᵀW = gain²·I. Within rounding:
    Householder QR is orthogonal to a few n·eps (tolerance 10·max(rows, cols)·eps)."""
    w = orthogonal(gain)((rows, cols), np.random.default_rng(seed), np.float64)
    tol = 10.0 * max(rows, cols) * EPS
    evidence.check(exact_check("max |W^T W / gain^2 - I|", gram_error(w, gain), 0.0, tol))


# Haar check: tr(Q) of a Haar orthogonal n×n matrix has mean 0 and variance 1 (n ≥ 2). Without
# the sign correction LAPACK's Householder QR makes every diagonal entry of Q negative-leaning,
# shifting E[tr Q] by about −0.8·√n. z-test on the mean of K traces, power against a shift of 1:
# K = ((z_{1−α/2} + z_power)/1)².
HAAR_ALPHA = check_alpha(1)
HAAR_K = math.ceil((norm_ppf(1.0 - HAAR_ALPHA / 2.0) + norm_ppf(POWER)) ** 2)


@pytest.mark.claim("ORTHOGONAL-ISOMETRY")
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 24))
def test_orthogonal_is_haar(evidence: Evidence, seed: int, n: int) -> None:
    """Saxe et al. 2013 / Mezzadri 2007: a random orthogonal matrix is Haar-distributed only with
    the signs of R's diagonal moved into Q (winit's docstring)."""
    rng = np.random.default_rng(seed)
    traces = [float(np.trace(orthogonal()((n, n), rng, np.float64))) for _ in range(HAAR_K)]
    evidence.check(
        mean_check("mean tr(Q) (Haar: 0, sd 1)", traces, 0.0, 1.0, HAAR_ALPHA, against=1.0)
    )


def jacobian(net: MLP, x: np.ndarray) -> np.ndarray:
    """d(last pre-activation)/d(input) at one input: W_L·D_{L−1}·W_{L−1}⋯D_1·W_1."""
    fw = net.forward(x[None, :])
    j = net.weights[0]
    for w, z in zip(net.weights[1:], fw.pre_activations[:-1], strict=True):
        j = w @ (net.activation.df(z[0])[:, None] * j)
    return j


@pytest.mark.claim("ORTHOGONAL-ISOMETRY")
@given(seed=st.integers(0, 2**32 - 1), width=st.integers(2, 48), depth=st.integers(1, 20))
def test_deep_linear_orthogonal_is_isometric(
    evidence: Evidence, seed: int, width: int, depth: int
) -> None:
    """Pennington et al. 2017: with orthogonal weights a deep linear network has "all singular
    values of the input-output Jacobian equal to one" — within rounding, depth·10·n·eps."""
    net = MLP([width] * (depth + 1), "linear", weight_init=orthogonal(), rng=seed)
    s = np.linalg.svd(jacobian(net, np.ones(width)), compute_uv=False)
    tol = 10.0 * depth * width * EPS
    evidence.check(
        exact_check(
            "max |singular value - 1|, linear orthogonal", float(np.max(np.abs(s - 1.0))), 0.0, tol
        )
    )


# Gaussian linear nets: the exact finite-n expectation of the spectral variance of M = JᵀJ.
# With E[WᵀW·A·WᵀW] = (1 + 1/n)·A + tr(A)/n·I (Wick, entries N(0, 1/n), A symmetric) and
# Var tr(WᵀW·A) = 2·tr(A²)/n, a = E tr(M²) and b = E (tr M)² obey a' = (1 + 1/n)·a + b/n,
# b' = b + 2a/n from a = n, b = n²; E[spectral variance] = a/n − b/n² (→ L as n → ∞).
def gaussian_spectral_variance(n: int, depth: int) -> float:
    a, b = float(n), float(n * n)
    for _ in range(depth):
        a, b = (1.0 + 1.0 / n) * a + b / n, b + 2.0 * a / n
    return a / n - b / (n * n)


REPLICATES, SMALL_WIDTH, SMALL_DEPTH = 200, 64, 8
T_ALPHA = check_alpha(1)


def spectral_variance(j: np.ndarray) -> float:
    """Variance of the eigenvalues of JJᵀ (the squared singular values)."""
    return float(np.var(np.linalg.svd(j, compute_uv=False) ** 2))


@pytest.mark.claim("ORTHOGONAL-ISOMETRY")
def test_gaussian_linear_spectrum_spreads_with_depth(evidence: Evidence) -> None:
    """Pennington et al. 2017: Gaussian weights do not give isometry — the spectrum of JJᵀ of a
    deep linear net has variance ≈ L. t-interval (linear spectral statistics are asymptotically
    normal) over 200 independent width-64 depth-8 nets around the exact expectation."""
    gen = np.random.default_rng(4)
    x = np.ones(SMALL_WIDTH)
    v = np.array([
        spectral_variance(jacobian(MLP([SMALL_WIDTH] * (SMALL_DEPTH + 1), "linear", weight_init=lecun_normal, rng=gen), x))
        for _ in range(REPLICATES)
    ])  # fmt: skip
    expected = gaussian_spectral_variance(SMALL_WIDTH, SMALL_DEPTH)
    se = float(np.std(v, ddof=1)) / math.sqrt(REPLICATES)
    half = float(student_t.ppf(1.0 - T_ALPHA / 2.0, REPLICATES - 1)) * se
    shift = SMALL_DEPTH / 2.0  # the named error: a spectral variance of L/2 instead of ≈ L
    power = norm_cdf((-half - shift) / se) + 1.0 - norm_cdf((half - shift) / se)
    evidence.check(Check(
        "mean spectral variance of JJ^T, linear Gaussian, n=64, L=8",
        f"t-interval over {REPLICATES} independent nets", float(np.mean(v)), expected,
        expected - half, expected + half, T_ALPHA, power, "spectral variance L/2 (normal approx.)",
    ))  # fmt: skip
    evidence.number("exact E[spectral variance], n=64, L=8", expected)


WIDTH, DEPTH = 400, 16
LAWS: dict[str, tuple[str, Initializer]] = {
    "linear, orthogonal": ("linear", orthogonal()),
    "linear, Gaussian N(0, 1/n)": ("linear", lecun_normal),
    "ReLU, orthogonal gain sqrt(2)": ("relu", orthogonal(math.sqrt(2.0))),
    "ReLU, Gaussian He": ("relu", he_normal),
}


@cache
def spectra() -> dict[str, tuple[np.ndarray, int]]:
    """Singular values of the input-output Jacobian (width 400, depth 16, one N(0, I) input) and
    the fewest active units in any hidden layer."""
    x = np.random.default_rng(5).standard_normal(WIDTH)
    out = {}
    for label, (act, init) in LAWS.items():
        net = MLP([WIDTH] * (DEPTH + 1), act, weight_init=init, rng=6)
        z = net.forward(x[None, :]).pre_activations[:-1]
        active = min(int(np.sum(net.activation.df(zl) > 0)) for zl in z)
        out[label] = (np.linalg.svd(jacobian(net, x), compute_uv=False), active)
    return out


@pytest.mark.claim("ORTHOGONAL-ISOMETRY")
def test_isometry_at_width_400(evidence: Evidence) -> None:
    """Pennington et al. 2017: "ReLU networks are incapable of dynamical isometry" — at least
    n − min_l(active units) singular values are exactly 0; linear orthogonal: all 1."""
    rank = np.linspace(0.0, 1.0, WIDTH)
    for label, (s, active) in spectra().items():
        evidence.number(f"spectral variance of JJ^T, {label}", float(np.var(s**2)))
        evidence.add_series(
            f"singular values, {label}", rank, np.sort(s)[::-1], xlabel="rank / width",
            ylabel="singular value of the input-output Jacobian", group="Jacobian singular values, width 400, depth 16",
        )  # fmt: skip
        if label.startswith("ReLU"):
            nonzero = int(np.sum(s > 1e-10 * s.max()))
            evidence.check(
                exact_check(
                    f"{label}: nonzero singular values <= fewest active units",
                    min(0, active - nonzero),
                    0.0,
                )
            )
    s, _ = spectra()["linear, orthogonal"]
    evidence.check(
        exact_check(
            "linear orthogonal, width 400: max |s - 1|",
            float(np.max(np.abs(s - 1.0))),
            0.0,
            10.0 * DEPTH * WIDTH * EPS,
        )
    )
