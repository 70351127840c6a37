"""Hypothesis strategies and fixed data shared by the article's claims: seeds, network shapes,
training runs, and the XOR problem the article's 2-2-1 network is meant to solve."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from winit.claims import Evidence
from winit.initializers import Initializer
from winit.mlp import MLP, History

Array = np.ndarray

#: Every random thing a property draws comes from one of these seeds.
seeds = st.integers(0, 2**32 - 1)
#: Output nonlinearity and loss pairs the MLP accepts.
heads = st.sampled_from([("linear", "mse"), ("sigmoid", "mse"), ("sigmoid", "bce")])

#: XOR on centred inputs (±1): the four points, targets 0/1; a hyperplane gets at most 3 right.
XOR_X = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
XOR_T = np.array([[0.0], [1.0], [1.0], [0.0]])
#: The article's network trained on XOR: tanh hidden layer, linear output, MSE, full-batch GD.
XOR_LR = 0.5
XOR_STEPS = 200
#: Every hidden nonlinearity winit has (all monotone, so a one-unit layer thresholds a·x + b).
ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear", "leaky_relu", "selu")


#: Nielsen's example (Neural Networks and Deep Learning, ch. 3): 1000 inputs, half of them 1,
#: the rest 0, one N(0, 1) bias: Var(z) = ONES·Var(w) + 1.
NIELSEN_INPUTS, NIELSEN_ONES = 1000, 500
NIELSEN = (
    f"Nielsen's example ({NIELSEN_INPUTS} inputs, {NIELSEN_ONES} of them 1, the rest 0, an "
    "N(0, 1) bias)"
)


def nielsen_z(init: Initializer, draws: int, gen: np.random.Generator) -> Array:
    """``draws`` pre-activations of Nielsen's example with weights from ``init``."""
    x = np.repeat([1.0, 0.0], [NIELSEN_ONES, NIELSEN_INPUTS - NIELSEN_ONES])
    w = init((draws, NIELSEN_INPUTS), gen, np.float64)
    bias: Array = gen.standard_normal(draws)
    return np.asarray(w @ x + bias)


def xor_accuracy(net: MLP) -> float:
    """Fraction of the four XOR points on the right side of 0.5."""
    return float(np.mean((net.predict(XOR_X) > 0.5) == (XOR_T > 0.5)))


@dataclass(frozen=True)
class Run:
    """A drawn training problem: layer sizes, data, targets, learning rate, steps, batch."""

    sizes: tuple[int, ...]
    x: Array
    t: Array
    lr: float
    steps: int
    batch_size: int | None
    seed: int

    def train(self, net: MLP) -> History:
        """Train ``net`` on this problem, recording the parameters before and after every step."""
        return net.train(
            self.x, self.t, self.lr, self.steps, self.batch_size, self.seed, record_params=True
        )


@st.composite
def runs(
    draw: st.DrawFn, *, max_depth: int = 4, max_width: int = 9, stable_lr: bool = False
) -> Run:
    """Any small MLP problem: 1–``max_depth`` hidden layers of 1–``max_width`` units, data and
    targets in [-1, 1] from a drawn seed, full batch or mini-batches, 1–20 steps. With
    ``stable_lr`` the rate is divided by the product of all fan-ins, which keeps gradient descent
    from diverging for weights up to 1 in size (a constant init of c makes every layer gain
    about fan_in·|c|)."""
    n_in = draw(st.integers(1, 4))
    hidden = draw(st.lists(st.integers(1, max_width), min_size=1, max_size=max_depth))
    n_out = draw(st.integers(1, 3))
    sizes = (n_in, *hidden, n_out)
    batch = draw(st.integers(1, 16))
    seed = draw(seeds)
    gen = np.random.default_rng(seed)
    x = gen.uniform(-1.0, 1.0, (batch, n_in))
    t = gen.uniform(-1.0, 1.0, (batch, n_out))
    lr = draw(st.floats(1e-3, 1.0))
    if stable_lr:
        lr /= float(np.prod(sizes[:-1]))
    batch_size = draw(st.none() | st.integers(1, batch))
    return Run(sizes, x, t, lr, draw(st.integers(1, 20)), batch_size, seed)


def record_parameter_paths(
    evidence: Evidence, history: History, group: str, label: str, *, layers: Sequence[int]
) -> None:
    """Record every weight and bias of the given layers over the training steps as curves of
    one report panel (``group``), named ``label W1[j,i]``, ``label b1[j]`` (layers from 1)."""
    steps = np.arange(len(history.weights))
    for layer in layers:
        w = np.array([ws[layer] for ws in history.weights])
        b = np.array([bs[layer] for bs in history.biases])
        paths = {f"W{layer + 1}[{j},{i}]": w[:, j, i] for j, i in np.ndindex(*w.shape[1:])}
        paths |= {f"b{layer + 1}[{j}]": b[:, j] for j in range(b.shape[1])}
        for name, values in paths.items():
            evidence.add_series(
                f"{label} {name}", steps, values, xlabel="SGD step", ylabel="parameter value",
                group=group,
            )  # fmt: skip


def snapshots(history: History) -> list[tuple[list[Array], list[Array]]]:
    """The recorded (weights, biases) before the first step and after every step."""
    return list(zip(history.weights, history.biases, strict=True))


#: A parameter beyond this size means gradient descent has diverged (data, targets and constant
#: inits are all within ±1 here).
DIVERGED = 1e6


def may_diverge() -> np.errstate:
    """Training under a drawn learning rate can diverge (overflow, then inf − inf = NaN): that is
    outside the symmetry claims' domain and cut off by :func:`until_divergence`, so numpy's
    overflow and invalid-value warnings of such a run are expected and silenced here."""
    return np.errstate(over="ignore", invalid="ignore")


def until_divergence(history: History) -> list[tuple[list[Array], list[Array]]]:
    """The snapshots before the first one with a parameter that is not finite or exceeds
    :data:`DIVERGED`. A learning rate that makes gradient descent blow up (the fresh-seed reruns
    found linear, c = 1, lr = 1 on a 1-1-1 net) ends in inf/NaN, where units compare as NaN ≠ NaN
    and forward passes overflow: divergence is outside the symmetry claims' domain, so they are
    checked on every step up to it, and the tests count the examples it cut short."""
    kept = []
    for ws, bs in snapshots(history):
        if not all(np.all(np.abs(a) <= DIVERGED) for a in (*ws, *bs)):  # NaN fails <= too
            break
        kept.append((ws, bs))
    return kept
