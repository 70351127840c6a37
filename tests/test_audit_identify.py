"""The law a tensor's values look like, read from the values alone (no torch needed)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from winit.audit.identify import identify

N = 20_000
FANS = (256, 128)


def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def test_a_constant_is_named_with_its_value() -> None:
    assert identify(np.full(100, 0.5), None, None) == "constant 0.5"


def test_torchs_default_uniform_is_named_uniform_with_that_preset() -> None:
    x = rng().uniform(-1, 1, N) / math.sqrt(FANS[0])
    assert identify(x, None, FANS).startswith("uniform")
    assert "torch's default" in identify(x, None, FANS)


def test_a_he_normal_is_named_normal_he_fan_in() -> None:
    x = rng().normal(0.0, math.sqrt(2.0 / FANS[0]), N)
    text = identify(x, None, FANS)
    assert text.startswith("normal,") and "He, fan_in" in text


def test_a_2_sigma_truncated_normal_is_named_with_its_cut_in_sigma_units() -> None:
    z = rng().normal(size=4 * N)
    x = 0.02 * z[np.abs(z) <= 2.0][:N]
    text = identify(x, None, None)
    assert text.startswith("truncated normal cut at ±")
    cut = float(text.split("±")[1].split("σ")[0])
    assert cut == pytest.approx(2.0, abs=0.05)


def test_an_orthogonal_matrix_is_named_with_its_gain() -> None:
    q, _ = np.linalg.qr(rng().normal(size=(64, 64)))
    assert identify((2 * q).ravel(), 2 * q, (64, 64)) == "orthogonal, gain 2"


def test_a_std_far_from_every_preset_gives_the_nearest_with_its_ratio() -> None:
    text = identify(rng().normal(0.0, 0.05, N), None, None)
    assert "nearest preset 0.02" in text
    ratio = float(text.split("× ")[1].rstrip(")"))
    assert ratio == pytest.approx(2.5, rel=4 / math.sqrt(2 * N))  # 4 standard errors of a std
