"""LayerNorm, RMSNorm and batch norm: values, exact backward passes (central differences and
torch), running statistics, bad input."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from tests.gradcheck import assert_gradient
from winit.norms import (
    BatchNorm,
    Normalized,
    layer_norm,
    normalize_backward,
    rms_norm,
)  # fmt: skip

GEN = np.random.default_rng(5)
X = GEN.standard_normal((6, 5)) * 3.0 + 1.0
GAMMA = GEN.standard_normal(5)
BETA = GEN.standard_normal(5)
DOUT = GEN.standard_normal((6, 5))


def _batch_train(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> Normalized:
    bn = BatchNorm(x.shape[-1])
    bn.gamma, bn.beta = gamma, beta
    return bn.forward(x)


NORMS: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], Normalized]] = {
    "layer_norm": lambda x, g, b: layer_norm(x, g, b),
    "rms_norm": lambda x, g, b: rms_norm(x, g),
    "batch_norm": _batch_train,
}


def test_layer_norm_uses_the_biased_variance_and_epsilon() -> None:
    """Each row: (x − mean)/√(mean((x − mean)²) + eps)."""
    y = layer_norm(X, np.ones(5), np.zeros(5), eps=0.1).output
    c = X - X.mean(axis=1, keepdims=True)
    np.testing.assert_allclose(y, c / np.sqrt((c**2).mean(axis=1, keepdims=True) + 0.1), rtol=1e-13)


def test_rms_norm_divides_by_the_root_mean_square() -> None:
    y = rms_norm(X, np.ones(5), eps=0.1).output
    np.testing.assert_allclose(y, X / np.sqrt((X**2).mean(axis=1, keepdims=True) + 0.1), rtol=1e-13)


def test_batch_norm_in_training_normalizes_each_feature_over_the_batch() -> None:
    y = BatchNorm(5, eps=0.0).forward(X).output
    np.testing.assert_allclose(y.mean(axis=0), 0.0, atol=1e-14)
    np.testing.assert_allclose((y**2).mean(axis=0), 1.0, rtol=1e-13)


@pytest.mark.parametrize("name", sorted(NORMS))
@pytest.mark.parametrize("wrt", ["x", "gamma", "beta"])
def test_backward_matches_central_differences(name: str, wrt: str) -> None:
    """Relative error < 1e-6 for dL/dx, dL/dgamma, dL/dbeta with L = Σ output·G."""
    x, gamma, beta = X.copy(), GAMMA.copy(), BETA.copy()
    norm = NORMS[name]
    grads = normalize_backward(norm(x, gamma, beta), DOUT)
    analytic = {"x": grads.inputs, "gamma": grads.gamma, "beta": grads.beta}[wrt]
    if name == "rms_norm" and wrt == "beta":
        np.testing.assert_array_equal(analytic, DOUT.sum(axis=0))  # no beta: reported, unused
        return
    param = {"x": x, "gamma": gamma, "beta": beta}[wrt]
    assert_gradient(lambda: float(np.sum(norm(x, gamma, beta).output * DOUT)), param, analytic)


def test_evaluation_mode_uses_the_running_statistics_and_their_constant_backward() -> None:
    bn = BatchNorm(5, momentum=1.0)
    bn.forward(X)  # momentum 1: the running statistics become this batch's
    np.testing.assert_allclose(bn.running_mean, X.mean(axis=0), rtol=1e-13)
    np.testing.assert_allclose(bn.running_var, X.var(axis=0, ddof=1), rtol=1e-13)
    x = X.copy()
    fw = bn.forward(x, training=False)
    np.testing.assert_allclose(fw.output, (X - bn.running_mean) / np.sqrt(bn.running_var + 1e-5))
    assert_gradient(lambda: float(np.sum(bn.forward(x, training=False).output * DOUT)), x,
                    normalize_backward(fw, DOUT).inputs)  # fmt: skip


def test_training_mode_does_not_read_the_running_statistics() -> None:
    bn = BatchNorm(5)
    bn.running_mean, bn.running_var = np.full(5, 7.0), np.full(5, 9.0)
    np.testing.assert_array_equal(bn.forward(X).output, BatchNorm(5).forward(X).output)


def test_matches_torch() -> None:
    """LayerNorm, RMSNorm and BatchNorm1d (training) forward and backward against PyTorch."""
    torch = pytest.importorskip("torch")  # reason: torch is an optional extra (nox -s verify-torch)
    x = torch.tensor(X, requires_grad=True)
    modules = {
        "layer_norm": torch.nn.LayerNorm(5, eps=1e-5, dtype=torch.float64),
        "rms_norm": torch.nn.RMSNorm(5, eps=1e-5, dtype=torch.float64),
        "batch_norm": torch.nn.BatchNorm1d(5, eps=1e-5, dtype=torch.float64),
    }
    for name, module in modules.items():
        with torch.no_grad():
            module.weight.copy_(torch.tensor(GAMMA))
            if name != "rms_norm":
                module.bias.copy_(torch.tensor(BETA))
        x.grad = None
        y = module(x)
        (y * torch.tensor(DOUT)).sum().backward()
        fw = NORMS[name](X, GAMMA, BETA)
        grads = normalize_backward(fw, DOUT)
        np.testing.assert_allclose(fw.output, y.detach().numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(grads.inputs, x.grad.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(grads.gamma, module.weight.grad.numpy(), rtol=1e-10)
    bn = BatchNorm(5)
    bn.forward(X)
    np.testing.assert_allclose(
        bn.running_var, modules["batch_norm"].running_var.numpy(), rtol=1e-12
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: layer_norm(X, np.ones(4), np.zeros(5)), r"gamma must have shape \(5,\)"),
        (lambda: layer_norm(X, np.ones(5), np.zeros(5), eps=-1.0), "eps must be >= 0"),
        (lambda: layer_norm(np.zeros((2, 0)), np.ones(0), np.zeros(0)), "non-empty float"),
        (lambda: BatchNorm(0), "features must be a positive int"),
        (lambda: BatchNorm(3, momentum=2.0), r"momentum must be in \[0, 1\]"),
        (lambda: BatchNorm(5).forward(X[:1]), "at least 2 rows"),
        (lambda: normalize_backward(layer_norm(X, GAMMA, BETA), DOUT[:2]), "d_out must have"),
    ],
)  # fmt: skip
def test_bad_input_is_a_one_line_value_error(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
