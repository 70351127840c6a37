"""LSUV: one exact rescale per layer on the batch used, reproducibility, bad input."""

from __future__ import annotations

import numpy as np
import pytest

import winit
from winit import MLP, lsuv

SIZES = [20, 30, 30, 10]


def batch(seed: int, rows: int = 64) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((rows, SIZES[0]))


@pytest.mark.parametrize("activation", ["relu", "tanh", "linear"])
def test_one_rescale_makes_every_layer_unit_variance_on_the_batch(activation: str) -> None:
    net = MLP(SIZES, activation, rng=0)
    x = batch(1)
    assert lsuv(net, x, 2, tol=1e-12) == [1, 1, 1]
    variances = [float(np.var(z)) for z in net.forward(x).pre_activations]
    assert max(abs(v - 1.0) for v in variances) <= 1e-13


def test_weights_are_rescaled_orthonormal_matrices() -> None:
    net = MLP(SIZES, "relu", rng=0)
    lsuv(net, batch(1), 3)
    for w in net.weights:
        g = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
        scale = g[0, 0]
        assert np.allclose(g, scale * np.eye(g.shape[0]), atol=1e-12)


def test_the_same_lsuv_seed_gives_the_same_weights_and_winit_exports_lsuv() -> None:
    a, b = MLP(SIZES, "tanh", rng=0), MLP(SIZES, "tanh", rng=5)
    lsuv(a, batch(1), 7)
    winit.lsuv(b, batch(1), 7)
    assert all(np.array_equal(u, v) for u, v in zip(a.weights, b.weights, strict=True))


def test_loose_tolerance_skips_layers_already_near_one() -> None:
    net = MLP([20, 20], "linear", rng=0)
    assert lsuv(net, batch(1, 4000), 0, tol=0.5) == [0]


def test_nonzero_bias_needs_more_than_one_rescale() -> None:
    net = MLP(SIZES, "tanh", bias_init=winit.normal(0.0, 0.5), rng=0)
    counts = lsuv(net, batch(1), 2, tol=1e-12, max_iter=50)
    assert max(counts) > 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tol": 0.0}, "tol must be > 0"),
        ({"tol": float("nan")}, "tol must be finite"),
        ({"max_iter": 0}, "max_iter must be an int >= 1"),
        ({"max_iter": 2.5}, "max_iter must be an int >= 1"),
    ],
)
def test_bad_options_are_value_errors_naming_the_option(
    kwargs: dict[str, float], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        lsuv(MLP(SIZES, rng=0), batch(1), 0, **kwargs)  # type: ignore[arg-type]


def test_a_batch_too_small_misshaped_or_constant_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 2 inputs"):
        lsuv(MLP(SIZES, rng=0), batch(1, 1), 0)
    with pytest.raises(ValueError, match=r"shape \(batch, 20\)"):
        lsuv(MLP(SIZES, rng=0), np.ones((5, 3)), 0)
    with pytest.raises(ValueError, match="every layer varies"):
        lsuv(MLP(SIZES, rng=0), np.zeros((5, 20)), 0)
