"""The MLP's options as a user meets them: documented defaults, the dtype a network computes in,
1-D targets for a single output, and exact one-line errors from ``train`` and ``gradients``.

Each test closes a gap that mutmut's survivors of winit/mlp.py showed (issue 7): the claims and
the other tests pass every seed, shape and dtype explicitly, so none of them noticed a changed
default, a float64 intermediate or a rejected 1-D target.
"""

from __future__ import annotations

import numpy as np
import pytest

import winit
from winit import MLP

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
T = np.array([[0.0], [1.0], [1.0], [0.0]])


def _same_parameters(a: MLP, b: MLP) -> bool:
    return all(
        np.array_equal(p, q)
        for p, q in zip([*a.weights, *a.biases], [*b.weights, *b.biases], strict=True)
    )


def test_article_network_defaults_to_relu() -> None:
    """The article's example network is a ReLU one ("When a ReLU activation function is used,
    the activation ..."), so ``MLP.article()`` without arguments is the 2-2-1 ReLU network."""
    net = MLP.article()
    assert net.sizes == (2, 2, 1)
    assert net.activation is winit.relu


def test_default_seed_is_zero() -> None:
    """``rng=0`` is the documented default of both the constructor and ``train``: a network built
    or trained without a seed is the one seeded 0, so default-seeded results reproduce across
    versions. Seed 1 gives different weights and a different mini-batch order here, so neither
    equality holds by accident."""
    sizes = (2, 3, 1)
    assert _same_parameters(MLP(sizes), MLP(sizes, rng=0))
    assert not _same_parameters(MLP(sizes), MLP(sizes, rng=1))

    def trained(net: MLP, *, seeded: int | None) -> list[float]:
        if seeded is None:
            return net.train(X, T, 0.1, 8, batch_size=1).losses
        return net.train(X, T, 0.1, 8, batch_size=1, rng=seeded).losses

    default = trained(MLP(sizes, rng=5), seeded=None)
    assert default == trained(MLP(sizes, rng=5), seeded=0)
    assert default != trained(MLP(sizes, rng=5), seeded=1)


def test_train_records_parameters_only_when_asked() -> None:
    """``History`` holds parameter snapshots only "if asked for" (``record_params=True``)."""
    history = MLP((2, 3, 1)).train(X, T, 0.1, 3)
    assert len(history.losses) == 3
    assert history.weights == []
    assert history.biases == []


def test_float32_network_computes_in_float32() -> None:
    """``dtype`` is the dtype of every parameter and of everything computed from float64 data:
    no float64 intermediate (weights, biases, pre-activations, output, gradients)."""
    net = MLP((2, 3, 1), "tanh", dtype=np.float32)
    fw = net.forward(X)  # float64 data
    g = net.gradients(X, T)
    arrays = [*net.weights, *net.biases, *fw.pre_activations, *fw.activations, fw.inputs]
    arrays += [*g.weights, *g.biases, *g.deltas]
    assert [a.dtype for a in arrays] == [np.dtype(np.float32)] * len(arrays)


def test_single_output_takes_1d_targets() -> None:
    """For one output unit, targets of shape (batch,) mean the column (batch, 1): the same loss,
    gradients and training run. Inputs keep their documented (batch, sizes[0]) shape, and a
    network with several outputs needs 2-D targets."""
    net = MLP((2, 3, 1), "tanh", rng=2)
    column, flat = net.gradients(X, T), net.gradients(X, T.ravel())
    assert flat.loss == column.loss
    assert all(
        np.array_equal(a, b)
        for a, b in zip(
            [*flat.weights, *flat.biases], [*column.weights, *column.biases], strict=True
        )
    )
    run = [MLP((2, 3, 1), rng=2).train(X, t, 0.1, 4, batch_size=2).losses for t in (T, T.ravel())]
    assert run[0] == run[1]
    with pytest.raises(ValueError, match=r"^inputs must have shape \(batch, 1\), got \(4,\)$"):
        MLP((1, 1)).forward(np.ones(4))
    with pytest.raises(ValueError, match=r"^targets must have shape \(batch, 2\), got \(4,\)$"):
        MLP((2, 2)).gradients(X, np.ones(4))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: MLP((2, 1)).train(np.ones((4, 3)), T, 0.1, 1),
         r"^inputs must have shape \(batch, 2\), got \(4, 3\)$"),
        (lambda: MLP((2, 1)).train(X, np.ones((4, 2)), 0.1, 1),
         r"^targets must have shape \(batch, 1\), got \(4, 2\)$"),
        (lambda: MLP((2, 1)).train(X, T, 0.1, 1, batch_size=True),
         r"^batch_size must be an int in \[1, 4\] or None, got True$"),
        (lambda: MLP((2, 1)).train(X, T, 0.1, 1, batch_size=2.0),  # type: ignore[arg-type]
         r"^batch_size must be an int in \[1, 4\] or None, got 2\.0$"),
        (lambda: MLP((2, 1)).gradients(X, np.ones((3, 1))),
         r"^inputs and targets must have the same batch size, got 4 and 3$"),
    ],
)  # fmt: skip
def test_errors_name_the_argument_and_the_values(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]
