"""The MLP: exact backprop (finite-difference check), SGD, training history, bad input, XOR."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import winit
from winit import MLP

ARCHITECTURES = [(3, 1), (2, 2, 1), (4, 5, 3, 2), (3, 6, 6, 6, 1)]
HEADS = [("linear", "mse"), ("sigmoid", "mse"), ("sigmoid", "bce")]
XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_T = np.array([[0.0], [1.0], [1.0], [0.0]])


def _data(net: MLP, seed: int, batch: int = 7) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, net.sizes[0]))
    t = rng.random((batch, net.sizes[-1]))
    return x, t


@pytest.mark.parametrize(
    ("activation", "head", "sizes"),
    list(itertools.product(sorted(winit.ACTIVATIONS), HEADS, ARCHITECTURES)),
)
def test_backprop_matches_central_differences(
    activation: str, head: tuple[str, str], sizes: tuple[int, ...]
) -> None:
    """Relative error < 1e-6 between backprop and float64 central differences, every parameter."""
    output, loss = head
    net = MLP(sizes, activation, output, loss, winit.glorot_normal, winit.normal(0, 0.1), rng=1)
    x, t = _data(net, 2)
    grads = net.gradients(x, t)
    eps = 1e-6
    params = [*net.weights, *net.biases]
    analytic = [*grads.weights, *grads.biases]
    for p, g in zip(params, analytic, strict=True):
        numeric = np.empty_like(p)
        for i in np.ndindex(p.shape):
            old = p[i]
            p[i] = old + eps
            up = net.gradients(x, t).loss
            p[i] = old - eps
            down = net.gradients(x, t).loss
            p[i] = old
            numeric[i] = (up - down) / (2 * eps)
        scale = float(np.linalg.norm(g) + np.linalg.norm(numeric))
        err = float(np.linalg.norm(g - numeric)) / max(scale, 1e-12)
        assert err < 1e-6, (activation, head, sizes, err)


def test_forward_exposes_every_layer() -> None:
    net = MLP((3, 4, 2), "tanh", rng=0)
    x = np.ones((5, 3))
    fw = net.forward(x)
    assert [z.shape for z in fw.pre_activations] == [(5, 4), (5, 2)]
    np.testing.assert_allclose(fw.activations[0], np.tanh(x @ net.weights[0].T + net.biases[0]))
    np.testing.assert_array_equal(fw.output, fw.pre_activations[-1])  # linear output
    assert net.depth == 2


def test_deltas_are_dloss_dz() -> None:
    net = MLP((2, 3, 1), "sigmoid", rng=0)
    g = net.gradients(XOR_X, XOR_T)
    fw = net.forward(XOR_X)
    np.testing.assert_allclose(g.weights[0], g.deltas[0].T @ fw.inputs)
    np.testing.assert_allclose(g.biases[1], g.deltas[1].sum(axis=0))


def test_article_preset() -> None:
    net = MLP.article("sigmoid", weight_init=winit.zeros)
    assert net.sizes == (2, 2, 1)
    assert net.activation is winit.sigmoid
    assert all(np.all(w == 0) for w in net.weights)


def test_sgd_step_updates_in_place() -> None:
    net = MLP((2, 2, 1), "tanh", rng=3)
    w0 = net.weights[0]
    before = w0.copy()
    g = net.gradients(XOR_X, XOR_T)
    loss = net.sgd_step(XOR_X, XOR_T, 0.5)
    assert net.weights[0] is w0
    np.testing.assert_allclose(w0, before - 0.5 * g.weights[0])
    assert loss == g.loss


def test_train_history_and_reproducibility() -> None:
    def run() -> winit.History:
        net = MLP((2, 3, 1), "tanh", rng=4)
        return net.train(
            np.tile(XOR_X, (3, 1)),
            np.tile(XOR_T, (3, 1)),
            0.1,
            10,
            batch_size=5,
            rng=9,
            record_params=True,
        )

    a, b = run(), run()
    assert len(a.losses) == 10
    assert len(a.weights) == len(a.biases) == 11
    assert a.losses == b.losses
    assert not np.array_equal(a.weights[0][0], a.weights[-1][0])


def test_minibatches_cover_each_epoch() -> None:
    """With batch_size 3 on 12 rows, 4 steps are one epoch: each epoch uses every row once."""
    net = MLP((1, 1), "linear", rng=0, weight_init=winit.zeros)
    x = np.arange(12.0)[:, None]
    seen: list[float] = []
    orig = net.sgd_step

    def spy(xb: np.ndarray, tb: np.ndarray, lr: float) -> float:
        seen.extend(np.asarray(xb).ravel().tolist())
        return orig(xb, tb, lr)

    net.sgd_step = spy  # type: ignore[method-assign, assignment]
    net.train(x, x, 0.0, 8, batch_size=3, rng=1)
    assert sorted(seen[:12]) == sorted(seen[12:]) == list(np.arange(12.0))


def test_bce_needs_sigmoid_output() -> None:
    net = MLP((2, 1), output="linear", loss="bce")
    with pytest.raises(ValueError, match="sigmoid output"):
        net.gradients(XOR_X, XOR_T)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: MLP((2,)), "sizes must be at least two positive ints"),
        (lambda: MLP((2, 0, 1)), "sizes must be at least two positive ints"),
        (lambda: MLP((2, 1), activation="gelu"), "unknown activation 'gelu'"),
        (lambda: MLP((2, 1), output="tanh"), "output must be 'linear' or 'sigmoid'"),
        (lambda: MLP((2, 1), loss="hinge"), "unknown loss 'hinge'; accepted: mse, bce"),
        (lambda: MLP((2, 1), dtype=np.int64), "dtype must be one of"),
        (lambda: MLP((2, 1)).forward(np.ones((4, 3))), r"inputs must have shape \(batch, 2\)"),
        (lambda: MLP((2, 1)).forward(np.ones(2)), r"inputs must have shape \(batch, 2\)"),
        (lambda: MLP((2, 1)).forward([[1.0, np.nan]]), "inputs must be finite"),
        (lambda: MLP((2, 1)).gradients(XOR_X, np.ones((3, 1))), "same batch size"),
        (lambda: MLP((2, 1)).gradients(XOR_X, np.ones((4, 2))), r"targets must have shape"),
        (lambda: MLP((2, 1)).sgd_step(XOR_X, XOR_T, float("inf")), "lr must be finite"),
        (lambda: MLP((2, 1)).train(XOR_X, XOR_T, 0.1, -1), "steps must be a non-negative int"),
        (lambda: MLP((2, 1)).train(XOR_X, XOR_T, 0.1, 1, batch_size=5), r"batch_size must be an int in \[1, 4\]"),
    ],
)  # fmt: skip
def test_bad_input(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


def test_article_network_learns_xor_with_xavier() -> None:
    """The 2-2-1 tanh network with a sigmoid/BCE head and Xavier-normal weights fits XOR on
    most seeds (a 2-unit XOR net has known local minima): at least 50 of seeds 0-99 (measured:
    61/100 at lr 1.0 after 500 steps, 62/100 after 2000). Deterministic: fixed seeds."""
    solved = 0
    for seed in range(100):
        net = MLP.article(
            "tanh", output="sigmoid", loss="bce", weight_init=winit.glorot_normal, rng=seed
        )
        net.train(XOR_X, XOR_T, 1.0, 500)
        solved += int(np.array_equal(net.predict(XOR_X) > 0.5, XOR_T > 0.5))
    assert solved >= 50, solved
