"""The pre-norm residual stack: exact backward pass (central differences and torch), the depth
options (1/√N scale, zero-initialised last layers), reproducibility, bad input."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from tests.gradcheck import assert_gradient
from winit.initializers import glorot_normal
from winit.residual import ResidualStack

GEN = np.random.default_rng(7)
X = GEN.standard_normal((4, 5))
DOUT = GEN.standard_normal((4, 5))
PARAMS = ["gamma", "beta", "w1", "b1", "w2", "b2"]


def _stack(**options: object) -> ResidualStack:
    stack = ResidualStack(5, 6, 3, "tanh", rng=2, **options)  # type: ignore[arg-type]
    for block in stack.blocks:  # move every parameter off its init so each gradient is generic
        for name in PARAMS:
            getattr(block, name)[...] += 0.1 * GEN.standard_normal(getattr(block, name).shape)
    return stack


@pytest.mark.parametrize("block", [0, 2])
@pytest.mark.parametrize("name", PARAMS)
def test_backward_matches_central_differences(block: int, name: str) -> None:
    stack = _stack()
    grads = stack.gradients(stack.forward(X), DOUT)
    assert_gradient(lambda: float(np.sum(stack.forward(X).output * DOUT)),
                    getattr(stack.blocks[block], name), getattr(grads[block], name))  # fmt: skip


def test_input_gradient_matches_central_differences() -> None:
    stack, x = _stack(), X.copy()
    grads = stack.gradients(stack.forward(x), DOUT)
    assert_gradient(lambda: float(np.sum(stack.forward(x).output * DOUT)), x, grads[0].inputs)


def test_streams_add_each_branch() -> None:
    fw = _stack().forward(X)
    assert len(fw.streams) == 4
    for b, (before, after) in enumerate(zip(fw.streams, fw.streams[1:], strict=False)):
        np.testing.assert_array_equal(after, before + fw.blocks[b].branch)


def test_depth_scaled_multiplies_the_last_layers_by_one_over_root_blocks() -> None:
    plain, scaled = ResidualStack(5, 6, 4, rng=1), ResidualStack(5, 6, 4, depth_scaled=True, rng=1)
    for p, s in zip(plain.blocks, scaled.blocks, strict=True):
        np.testing.assert_array_equal(p.w1, s.w1)
        np.testing.assert_allclose(s.w2, p.w2 / 2.0, rtol=1e-15)


def test_zero_init_last_is_the_identity_with_only_the_last_layers_learning() -> None:
    stack = ResidualStack(5, 6, 3, zero_init_last=True, rng=1)
    fw = stack.forward(X)
    np.testing.assert_array_equal(fw.output, X)
    for g in stack.gradients(fw, DOUT):
        np.testing.assert_array_equal(g.inputs, DOUT)
        assert not np.any(g.w1) and not np.any(g.gamma) and np.any(g.w2)


def test_same_seed_same_stack() -> None:
    a, b = ResidualStack(5, 6, 3, rng=11), ResidualStack(5, 6, 3, rng=11)
    np.testing.assert_array_equal(a.forward(X).output, b.forward(X).output)


def test_matches_torch() -> None:
    """The same stack written in PyTorch (LayerNorm, Linear, ReLU), forward and backward."""
    torch = pytest.importorskip("torch")  # reason: torch is an optional extra (nox -s verify-torch)
    stack = ResidualStack(5, 6, 3, "relu", hidden_init=glorot_normal, rng=3)
    x = torch.tensor(X, requires_grad=True)
    h, mods = x, []
    for block in stack.blocks:
        ln = torch.nn.LayerNorm(5, eps=block.eps, dtype=torch.float64)
        fc1 = torch.nn.Linear(5, 6, dtype=torch.float64)
        fc2 = torch.nn.Linear(6, 5, dtype=torch.float64)
        with torch.no_grad():
            for module, w, b in ((fc1, block.w1, block.b1), (fc2, block.w2, block.b2)):
                module.weight.copy_(torch.tensor(w))
                module.bias.copy_(torch.tensor(b))
        h = h + fc2(torch.relu(fc1(ln(h))))
        mods.append((ln, fc1, fc2))
    (h * torch.tensor(DOUT)).sum().backward()
    fw = stack.forward(X)
    grads = stack.gradients(fw, DOUT)
    np.testing.assert_allclose(fw.output, h.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grads[0].inputs, x.grad.numpy(), rtol=1e-10, atol=1e-12)
    for g, (ln, fc1, fc2) in zip(grads, mods, strict=True):
        for ours, theirs in ((g.gamma, ln.weight), (g.beta, ln.bias), (g.w1, fc1.weight),
                             (g.b1, fc1.bias), (g.w2, fc2.weight), (g.b2, fc2.bias)):  # fmt: skip
            np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ResidualStack(5, 0, 3), "positive ints"),
        (lambda: ResidualStack(5, 6, 3, depth_scaled=True, zero_init_last=True), "exclude"),
        (lambda: ResidualStack(5, 6, 3).forward(X[:, :4]), r"x must have shape \(batch, 5\)"),
        (lambda: ResidualStack(5, 6, 3).forward(X * np.nan), "finite"),
        (lambda: (s := ResidualStack(5, 6, 3)).gradients(s.forward(X), DOUT[:1]), "d_out must"),
        (lambda: ResidualStack(5, 6, 3, depth_scaled=True, zero_init_last=True),
         "^depth_scaled and zero_init_last exclude each other"),
        (lambda: ResidualStack(5, 6, 3).forward(X[:0]), r"x must have shape \(batch, 5\)"),
        (lambda: ResidualStack(5, 6, 3).forward(np.zeros((4, 4))), r"got \(4, 4\)"),
        (lambda: ResidualStack(5, 6, 3).forward(X * np.nan), "^x must be finite"),
    ],
)  # fmt: skip
def test_bad_input_is_a_one_line_value_error(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_default_seed_is_zero() -> None:
    def w1(stack: ResidualStack) -> np.ndarray:
        return stack.blocks[0].w1

    np.testing.assert_array_equal(w1(ResidualStack(5, 6, 3)), w1(ResidualStack(5, 6, 3, rng=0)))
    assert not np.array_equal(w1(ResidualStack(5, 6, 3)), w1(ResidualStack(5, 6, 3, rng=1)))


@pytest.mark.parametrize("sizes", [(5.0, 6, 3), (True, 6, 3), (5, 6, 0)])
def test_sizes_that_are_not_positive_ints_are_rejected(sizes: tuple[object, ...]) -> None:
    with pytest.raises(ValueError, match="must be positive ints"):
        ResidualStack(*sizes)  # type: ignore[arg-type]


def test_eps_reaches_every_layer_norm() -> None:
    fw = ResidualStack(5, 6, 2, eps=0.5).forward(X)
    for passed in fw.blocks:
        x = passed.inputs
        np.testing.assert_allclose(
            passed.norm.inv_std, 1.0 / np.sqrt(x.var(axis=1, keepdims=True) + 0.5), rtol=1e-13
        )


def _stack32() -> ResidualStack:
    return ResidualStack(5, 6, 2, rng=2, dtype=np.float32)


def test_every_parameter_of_a_float32_stack_is_float32() -> None:
    dtypes = {getattr(block, name).dtype for block in _stack32().blocks for name in PARAMS}
    assert dtypes == {np.dtype(np.float32)}


def test_forward_casts_its_input_to_the_stack_dtype() -> None:
    assert {h.dtype for h in _stack32().forward(X).streams} == {np.dtype(np.float32)}


def test_gradients_are_in_the_stack_dtype() -> None:
    stack = _stack32()
    grads = stack.gradients(stack.forward(X), DOUT)
    assert {g.dtype for block in grads for g in vars(block).values()} == {np.dtype(np.float32)}


def test_gradients_refuse_a_pass_through_a_stack_of_another_depth() -> None:
    with pytest.raises(ValueError, match="shorter"):  # zip(strict=True)'s message
        ResidualStack(5, 6, 3).gradients(ResidualStack(5, 6, 2).forward(X), DOUT)
