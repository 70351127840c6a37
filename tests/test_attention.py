"""Scaled dot-product and multi-head attention: values, the 1/√d_k scale, exact backward passes
(central differences and torch), bad input."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from tests.gradcheck import assert_gradient
from winit.attention import (
    MultiHeadAttention,
    attention,
    attention_backward,
    softmax,
    softmax_backward,
    softmax_jacobian,
)  # fmt: skip
from winit.initializers import glorot_normal

GEN = np.random.default_rng(3)
Q, K, V = (
    GEN.standard_normal((2, 3, 4)),
    GEN.standard_normal((2, 5, 4)),
    GEN.standard_normal((2, 5, 6)),
)
DOUT = GEN.standard_normal((2, 3, 6))
X = GEN.standard_normal((2, 3, 8))
XKV = GEN.standard_normal((2, 5, 8))


def test_scores_are_divided_by_the_square_root_of_d_k() -> None:
    np.testing.assert_allclose(attention(Q, K, V).scores, Q @ K.swapaxes(-1, -2) / 2.0, rtol=1e-14)
    np.testing.assert_allclose(attention(Q, K, V, scaled=False).scores, Q @ K.swapaxes(-1, -2))


def test_weights_are_a_softmax_and_the_output_their_average_of_values() -> None:
    fw = attention(Q, K, V)
    np.testing.assert_allclose(fw.weights.sum(axis=-1), 1.0, rtol=1e-14)
    np.testing.assert_allclose(fw.output, fw.weights @ V, rtol=1e-14)


def test_softmax_does_not_overflow_and_its_backward_is_its_jacobian() -> None:
    s = np.array([[1000.0, 0.0, -1000.0]])
    np.testing.assert_array_equal(softmax(s), [[1.0, 0.0, 0.0]])
    p, d = softmax(Q[0]), GEN.standard_normal((3, 4))
    np.testing.assert_allclose(
        softmax_backward(p, d), np.einsum("nij,nj->ni", softmax_jacobian(p), d)
    )


@pytest.mark.parametrize("scaled", [True, False])
@pytest.mark.parametrize("wrt", ["q", "k", "v"])
def test_attention_backward_matches_central_differences(scaled: bool, wrt: str) -> None:
    q, k, v = Q.copy(), K.copy(), V.copy()
    grads = dict(
        zip("qkv", attention_backward(attention(q, k, v, scaled=scaled), DOUT), strict=True)
    )

    def loss() -> float:
        return float(np.sum(attention(q, k, v, scaled=scaled).output * DOUT))

    assert_gradient(loss, {"q": q, "k": k, "v": v}[wrt], grads[wrt])


def _mha(heads: int = 2) -> MultiHeadAttention:
    return MultiHeadAttention(8, heads, weight_init=glorot_normal, rng=4)


@pytest.mark.parametrize("cross", [False, True], ids=["self", "cross"])
@pytest.mark.parametrize("wrt", ["w_q", "w_k", "w_v", "w_o", "x_q", "x_kv"])
def test_multi_head_backward_matches_central_differences(cross: bool, wrt: str) -> None:
    mha = _mha()
    x, xkv = X.copy(), XKV.copy()
    out = np.random.default_rng(9).standard_normal((2, 3, 8))

    def loss() -> float:
        return float(np.sum(mha.forward(x, xkv if cross else None).output * out))

    g = mha.gradients(mha.forward(x, xkv if cross else None), out)
    if wrt.startswith("x"):
        if not cross:  # self-attention: one input, both gradients reach it
            analytic = g.x_q + g.x_kv
            assert_gradient(loss, x, analytic)
            return
        assert_gradient(loss, x if wrt == "x_q" else xkv, getattr(g, wrt))
        return
    assert_gradient(loss, getattr(mha, wrt), getattr(g, wrt))


def test_one_head_is_single_head_attention_between_projections() -> None:
    mha = _mha(heads=1)
    fw = mha.forward(X)
    ref = attention(X @ mha.w_q.T, X @ mha.w_k.T, X @ mha.w_v.T).output @ mha.w_o.T
    np.testing.assert_allclose(fw.output, ref, rtol=1e-13)
    assert fw.heads.scale == 1.0 / math.sqrt(8)


def test_matches_torch() -> None:
    """scaled_dot_product_attention and nn.MultiheadAttention (no biases), forward and backward."""
    torch = pytest.importorskip("torch")  # reason: torch is an optional extra (nox -s verify-torch)
    q, k, v = (torch.tensor(a, requires_grad=True) for a in (Q, K, V))
    out = torch.nn.functional.scaled_dot_product_attention(q, k, v)
    (out * torch.tensor(DOUT)).sum().backward()
    fw = attention(Q, K, V)
    np.testing.assert_allclose(fw.output, out.detach().numpy(), rtol=1e-12, atol=1e-12)
    for grad, leaf in zip(attention_backward(fw, DOUT), (q, k, v), strict=True):
        np.testing.assert_allclose(grad, leaf.grad.numpy(), rtol=1e-10, atol=1e-12)
    mha = _mha()
    ref = torch.nn.MultiheadAttention(8, 2, bias=False, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        ref.in_proj_weight.copy_(torch.tensor(np.concatenate([mha.w_q, mha.w_k, mha.w_v])))
        ref.out_proj.weight.copy_(torch.tensor(mha.w_o))
    x = torch.tensor(X, requires_grad=True)
    y, _ = ref(x, x, x, need_weights=False)
    g_out = np.random.default_rng(9).standard_normal((2, 3, 8))
    (y * torch.tensor(g_out)).sum().backward()
    ours_fw = mha.forward(X)
    ours = mha.gradients(ours_fw, g_out)
    np.testing.assert_allclose(ours_fw.output, y.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.x_q + ours.x_kv, x.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(np.concatenate([ours.w_q, ours.w_k, ours.w_v]),
                               ref.in_proj_weight.grad.numpy(), rtol=1e-10, atol=1e-12)  # fmt: skip
    np.testing.assert_allclose(ours.w_o, ref.out_proj.weight.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: attention(Q, K[..., :3], V), "same d_k"),
        (lambda: attention(Q, K, V[:, :4]), "one row per key"),
        (lambda: attention_backward(attention(Q, K, V), DOUT[:1]), "d_out must have"),
        (lambda: MultiHeadAttention(8, 3), "heads dividing d_model"),
        (lambda: _mha().forward(X[0]), r"x_q must have shape \(batch, n, 8\)"),
        (lambda: _mha().forward(X, XKV[:1]), "same batch"),
        (lambda: _mha().forward(X[:0]), r"x_q must have shape \(batch, n, 8\)"),
        (lambda: _mha().forward(X, XKV[..., :4]), r"^x_kv must have shape \(batch, n, 8\)"),
        (lambda: (m := _mha()).gradients(m.forward(X), X[:1]), "d_out must have the output"),
        (lambda: attention(Q, K, V[:, :4]), r"one row per key \(5\)"),
        (lambda: attention(Q[..., :0], K[..., :0], V), r"same d_k > 0"),
    ],
)  # fmt: skip
def test_bad_input_is_a_one_line_value_error(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_softmax_jacobian_of_a_batch_of_rows_is_diag_p_minus_p_p_transposed() -> None:
    p = softmax(GEN.standard_normal((2, 3, 4)))
    expected = np.stack([[np.diag(row) - np.outer(row, row) for row in rows] for rows in p])
    np.testing.assert_allclose(softmax_jacobian(p), expected, rtol=1e-14, atol=1e-17)


@pytest.mark.parametrize("flat", ["q", "k", "v"])
def test_attention_rejects_an_input_with_fewer_than_two_axes(flat: str) -> None:
    inputs = {"q": Q[0], "k": K[0], "v": V[0]}
    inputs[flat] = inputs[flat][0]
    with pytest.raises(ValueError, match=r"must be \(\.\.\., n, d_k\)"):
        attention(inputs["q"], inputs["k"], inputs["v"])


def test_attention_takes_unbatched_two_axis_inputs() -> None:
    np.testing.assert_array_equal(attention(Q[0], K[0], V[0]).output, attention(Q, K, V).output[0])


def test_attention_backward_keeps_the_dtype_of_the_pass() -> None:
    fw = attention(*(a.astype(np.float32) for a in (Q, K, V)))
    assert {g.dtype for g in attention_backward(fw, DOUT)} == {np.dtype(np.float32)}


def test_default_seed_is_zero() -> None:
    np.testing.assert_array_equal(MultiHeadAttention(8, 2).w_q, MultiHeadAttention(8, 2, rng=0).w_q)
    assert not np.array_equal(MultiHeadAttention(8, 2).w_q, MultiHeadAttention(8, 2, rng=1).w_q)


@pytest.mark.parametrize(("d_model", "heads"), [(8.0, 2), (True, 1), (0, 2), (8, 0)])
def test_sizes_that_are_not_positive_ints_are_rejected(d_model: object, heads: object) -> None:
    with pytest.raises(ValueError, match="must be positive ints"):
        MultiHeadAttention(d_model, heads)  # type: ignore[arg-type]


def _mha32() -> MultiHeadAttention:
    return MultiHeadAttention(8, 2, rng=4, dtype=np.float32)


def test_weights_are_made_in_the_requested_dtype() -> None:
    mha = _mha32()
    assert {w.dtype for w in (mha.w_q, mha.w_k, mha.w_v, mha.w_o)} == {np.dtype(np.float32)}


def test_forward_casts_its_inputs_to_the_layer_dtype() -> None:
    assert _mha32().forward(X, XKV).output.dtype == np.float32


def test_gradients_are_in_the_layer_dtype() -> None:
    mha = _mha32()
    grads = mha.gradients(mha.forward(X), np.ones((2, 3, 8)))
    assert {g.dtype for g in vars(grads).values()} == {np.dtype(np.float32)}


def test_unscaled_heads_attend_with_scale_one() -> None:
    assert MultiHeadAttention(8, 2, scaled=False).forward(X).heads.scale == 1.0
