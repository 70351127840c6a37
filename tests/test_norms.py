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
X3 = GEN.standard_normal((2, 3, 5)) * 2.0 - 1.0


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
        (lambda: layer_norm(np.ones((2, 5), int), GAMMA, BETA), "non-empty float"),
        (lambda: layer_norm(X, GAMMA, np.zeros(4)), r"^beta must have shape \(5,\)"),
        (lambda: layer_norm(X3, np.ones(4), BETA), r"gamma must have shape \(5,\)"),
        (lambda: BatchNorm(3, eps=-1.0), r"^eps must be >= 0"),
        (lambda: BatchNorm(3, momentum=float("nan")), r"^momentum must be finite"),
        (lambda: BatchNorm(3.0), r"^features must be a positive int"),  # type: ignore[arg-type]
        (lambda: BatchNorm(True), r"^features must be a positive int"),
    ],
)  # fmt: skip
def test_bad_input_is_a_one_line_value_error(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("name", ["layer_norm", "rms_norm"])
def test_float32_input_stays_float32_whatever_the_dtype_of_gamma_and_beta(name: str) -> None:
    fw = NORMS[name](X.astype(np.float32), GAMMA, BETA)
    assert {fw.output.dtype, fw.x_hat.dtype, fw.inv_std.dtype} == {np.dtype(np.float32)}


def test_normalize_backward_keeps_the_dtype_of_the_pass() -> None:
    grads = normalize_backward(layer_norm(X.astype(np.float32), GAMMA, BETA), DOUT)
    assert {g.dtype for g in vars(grads).values()} == {np.dtype(np.float32)}


def test_a_single_row_is_normalized_like_a_batch_of_one_row() -> None:
    np.testing.assert_array_equal(
        layer_norm(X[0], GAMMA, BETA).output, layer_norm(X[:1], GAMMA, BETA).output[0]
    )


@pytest.mark.parametrize("name", ["layer_norm", "rms_norm"])
def test_a_3d_input_is_normalized_over_its_last_axis(name: str) -> None:
    c = X3 - X3.mean(axis=-1, keepdims=True) if name == "layer_norm" else X3
    expected = c / np.sqrt((c**2).mean(axis=-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(
        NORMS[name](X3, np.ones(5), np.zeros(5)).output, expected, rtol=1e-13
    )


def test_rms_norm_records_that_it_does_not_centre() -> None:
    assert rms_norm(X, GAMMA).center is False


def test_batch_norm_starts_as_pytorch_does() -> None:
    bn = BatchNorm(5)
    for value, expected in ((bn.gamma, 1.0), (bn.beta, 0.0), (bn.running_mean, 0.0),
                            (bn.running_var, 1.0)):  # fmt: skip
        np.testing.assert_array_equal(value, np.full(5, expected))


def test_momentum_zero_keeps_the_running_statistics() -> None:
    bn = BatchNorm(5, momentum=0.0)
    bn.forward(X)
    np.testing.assert_array_equal(
        np.stack([bn.running_mean, bn.running_var]), [[0.0] * 5, [1.0] * 5]
    )


def test_running_statistics_are_a_momentum_average_over_batches() -> None:
    bn, mean, var = BatchNorm(5, momentum=0.3), np.zeros(5), np.ones(5)
    for batch in (X, X3.reshape(6, 5)):
        bn.forward(batch)
        mean = 0.7 * mean + 0.3 * batch.mean(axis=0)
        var = 0.7 * var + 0.3 * batch.var(axis=0, ddof=1)
    np.testing.assert_allclose(np.stack([bn.running_mean, bn.running_var]), [mean, var], rtol=1e-13)


def test_running_variance_of_a_3d_batch_is_unbiased_over_all_its_rows() -> None:
    bn = BatchNorm(5, momentum=1.0)
    bn.forward(X3)
    np.testing.assert_allclose(bn.running_var, X3.reshape(6, 5).var(axis=0, ddof=1), rtol=1e-13)


def _evaluating(eps: float) -> BatchNorm:
    bn = BatchNorm(5, eps=eps)
    bn.gamma, bn.beta = GAMMA, BETA
    bn.running_mean, bn.running_var = X[0], X[1] ** 2
    return bn


def test_evaluation_applies_the_running_statistics_gamma_beta_and_eps() -> None:
    y = _evaluating(0.5).forward(X, training=False).output
    expected = (X - X[0]) / np.sqrt(X[1] ** 2 + 0.5) * GAMMA + BETA
    np.testing.assert_allclose(y, expected, rtol=1e-13)


def test_evaluation_keeps_a_float32_input_float32() -> None:
    assert _evaluating(0.5).forward(X.astype(np.float32), training=False).output.dtype == np.float32


def test_evaluation_pass_records_the_batch_axes_and_centring() -> None:
    fw = _evaluating(0.5).forward(X3, training=False)
    assert (fw.axes, fw.center) == ((0, 1), True)
