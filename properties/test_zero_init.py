"""ZERO-RELU, ZERO-TANH, ZERO-SIGMOID: all weights and biases initialised to zero (the article's
"naive strategy")."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

from properties.data import (
    XOR_LR,
    XOR_STEPS,
    XOR_T,
    XOR_X,
    Run,
    heads,
    record_parameter_paths,
    runs,
    snapshots,
)
from properties.sources import ARTICLE
from properties.symmetry import ROUNDING, gaps_and_bounds
from winit.claims import Claim, Evidence
from winit.initializers import zeros
from winit.mlp import MLP
from winit.stats import exact_check

DOMAIN = (
    "1–4 hidden layers of 1–9 units, 1–4 inputs, 1–3 outputs, 1–16 samples and targets in "
    "[-1, 1] from a drawn seed, output linear+MSE, sigmoid+MSE or sigmoid+BCE, lr in "
    "[1e-3, 1], full batch or mini-batches, 1–20 steps; plus the article's 2-2-1 network "
    f"trained on XOR ({XOR_STEPS} steps at lr {XOR_LR}) for the picture."
)
PATHS = "zero init, {}: parameters over training"

ZERO_RELU = Claim(
    id="ZERO-RELU",
    group="Zero init",
    title="Zero init with ReLU: no weight ever moves",
    source=ARTICLE,
    quote="However, since all the weights are 0 (including the bias), both [activations are 0] "
    "... during backpropagation ... they never change and remain as 0.",
    statement="With all weights and biases 0 and ReLU hidden units, for any data, targets, "
    "widths, depth, learning rate and number of (mini-)batch gradient steps, every weight matrix "
    "and every hidden bias stays exactly 0 (bitwise, ==: a product with an exact 0 is 0 on every "
    "machine); the output bias is the only parameter that moves, so the output equals "
    "f_out(output bias) for every input; with full batches it moves exactly as gradient descent "
    "on a constant predictor, b ← b − lr·Σ_rows ∂L/∂z at z = b (to rounding). On XOR it moves "
    "to XOR's mean target, MSE's best constant.",
    domain=DOMAIN,
    expected="holds",
    lead="Every weight of the article's network stays on the zero line for the whole run; only "
    "the output bias moves, to the mean target, so the network answers the same for every input.",
    statistics="Exact checks (==) at every step of every drawn run; the output bias against "
    "gradient descent on a constant predictor to a relative 1e-12.",
    main_plot=PATHS.format("relu"),
)
ZERO_TANH = Claim(
    id="ZERO-TANH",
    group="Zero init",
    title="Zero init with tanh: no weight ever moves",
    source=ARTICLE,
    quote="As was the case with ReLU, when the weights are updated during backpropagation, "
    "they never change and remain as 0.",
    statement="Same as ZERO-RELU with tanh (tanh(0) = 0; tanh'(0) = 1 does not help since the "
    "weights above are 0): every weight and hidden bias stays exactly 0 (==), only the output "
    "bias moves, the output is the same for every input.",
    domain=DOMAIN,
    expected="holds",
    lead="As with ReLU: the weights never leave zero, only the output bias learns.",
    statistics=ZERO_RELU.statistics,
    main_plot=PATHS.format("tanh"),
)
ZERO_SIGMOID = Claim(
    id="ZERO-SIGMOID",
    group="Zero init",
    title="Zero init with sigmoid: the hidden layer acts as a single neuron",
    source=ARTICLE,
    quote="Now, all the neurons in a given layer will have the same non-zero activation value "
    "(0.5 in this example). ... Since the activations of all the neurons in the hidden "
    "layer are the same, the entire hidden layer acts as a single neuron.",
    statement="With zero init and sigmoid hidden units every hidden activation is exactly 0.5 "
    "(==) for every input; the weights do move, but the units of every hidden layer keep "
    "identical incoming rows, biases and outgoing weights at every step, within the rounding "
    "bound below at every width (whether they stay bitwise identical depends on the BLAS kernel, "
    "so it is not a pass criterion). " + ROUNDING,
    domain=DOMAIN + " Learning rate divided by the product of fan-ins.",
    expected="holds",
    lead="The weights do move now, but the two hidden units' curves lie on top of each other "
    "for the whole run: the layer behaves as one neuron.",
    statistics="Exact checks (== 0.5) and the derived rounding bound at every step; no statistics.",
    main_plot=PATHS.format("sigmoid"),
)

VANISHING = [
    pytest.param("relu", marks=pytest.mark.claim(ZERO_RELU), id="relu"),
    pytest.param("tanh", marks=pytest.mark.claim(ZERO_TANH), id="tanh"),
]


def zero_net(run_sizes: tuple[int, ...], activation: str, head: tuple[str, str]) -> MLP:
    return MLP(run_sizes, activation, head[0], head[1], weight_init=zeros, bias_init=zeros)


@pytest.mark.parametrize("activation", VANISHING)
@given(run=runs(), head=heads)
def test_zero_weights_never_move(
    activation: str, run: Run, head: tuple[str, str], evidence: Evidence
) -> None:
    """Article: "As was the case with ReLU, when the weights are updated during backpropagation, they
    never change and remain as 0." Every weight matrix and every hidden bias stays exactly 0 at
    every step, and the output is the output bias for every input. With full batches the output
    bias moves exactly as gradient descent on a constant predictor: b ← b − lr·Σ_rows ∂L/∂z at
    z = b (within rounding, 1e-12 relative)."""
    net = zero_net(run.sizes, activation, head)
    history = run.train(net)
    steps = snapshots(history)
    for step, (ws, bs) in enumerate(steps):
        moved = [float(np.max(np.abs(p))) for p in (*ws, *bs[:-1])]
        assert max(moved) == 0.0, f"step {step}: a weight or hidden bias left 0: {moved}"
        if step and run.batch_size in (None, run.x.shape[0]):
            b = steps[step - 1][1][-1]
            z = np.broadcast_to(b, run.t.shape).copy()
            _, dz = net.loss_fn.value_and_grad(z, net.output(z), run.t, net.output)
            expected = b - run.lr * dz.sum(axis=0)
            np.testing.assert_allclose(bs[-1], expected, rtol=1e-12, atol=1e-300)
    out = net.predict(run.x)
    expected = net.output(np.broadcast_to(net.biases[-1], out.shape).copy())
    assert np.array_equal(out, expected), "the output is not the output bias for every input"


@pytest.mark.parametrize("activation", [*VANISHING, pytest.param("sigmoid", marks=pytest.mark.claim(ZERO_SIGMOID), id="sigmoid")])  # fmt: skip
def test_zero_init_on_xor_paths(activation: str, evidence: Evidence) -> None:
    """Report figure 1: the article's network from zero init on XOR. Under ReLU and tanh only
    the output bias moves, to XOR's mean target (MSE's minimum over constants); under
    sigmoid the weights move but the two hidden units stay identical within the rounding bound
    (bitwise on most BLAS builds; the bound is what holds on every one)."""
    net = zero_net((2, 2, 1), activation, ("linear", "mse"))
    history = net.train(XOR_X, XOR_T, XOR_LR, XOR_STEPS, record_params=True)
    record_parameter_paths(evidence, history, PATHS.format(activation), "zero", layers=(0, 1))
    evidence.number("zero init XOR: final output bias", float(net.biases[-1][0]))
    if activation == "sigmoid":
        evidence.number("zero init XOR: final |W2|", float(np.max(np.abs(net.weights[-1]))))
        assert np.max(np.abs(net.weights[-1])) > 0.0, "sigmoid: output weights did not move"
        gaps = gaps_and_bounds(net, snapshots(history), XOR_X, XOR_T, XOR_LR, None)
        for step, (gap, bound) in enumerate(gaps):
            assert gap <= bound, f"step {step}: hidden units differ by {gap:.3g} > {bound:.3g}"
    else:
        # the bias error shrinks by (1 - 2·lr) per step (MSE on 4 points): after XOR_STEPS it
        # is below rounding
        evidence.check(exact_check("output bias after training = XOR's mean target",
                                   float(net.biases[-1][0]), float(XOR_T.mean()), 1e-12))  # fmt: skip


@pytest.mark.claim(ZERO_SIGMOID)
@given(run=runs(stable_lr=True), head=heads)
def test_zero_sigmoid_hidden_layer_acts_as_one_neuron(
    run: Run, head: tuple[str, str], evidence: Evidence
) -> None:
    """Article: "All the neurons in a given layer will have the same non-zero activation value (0.5 in
    this example)" and "the entire hidden layer acts as a single neuron". Every hidden activation
    is exactly 0.5 for every input at init; the weights move, but the units of each hidden
    layer stay identical at every step within the rounding bound 4·m·L·ε·S_t
    (properties/symmetry.py), at every width: whether they stay *bitwise* identical depends on
    the BLAS kernel, not on the claim."""
    net = zero_net(run.sizes, "sigmoid", head)
    hidden = net.forward(run.x).activations[:-1]
    assert all(np.all(h == 0.5) for h in hidden), "a hidden activation is not exactly 0.5"
    history = run.train(net)
    gaps = gaps_and_bounds(net, snapshots(history), run.x, run.t, run.lr, run.batch_size)
    for step, (gap, bound) in enumerate(gaps):
        assert gap <= bound, f"step {step}: units differ by {gap:.3g} > bound {bound:.3g}"
    worst = max(gap / bound if bound else 0.0 for gap, bound in gaps)
    evidence.check(exact_check("largest unit gap / its rounding bound, any step", worst, 0.5, 0.5))
    moved = max(float(np.max(np.abs(w))) for w in net.weights)
    assert moved > 0.0, "no weight moved under sigmoid"
