"""Figure 3: one forward + backward + SGD step of winit's MLP against plain eager PyTorch
(``nn.Sequential`` of ``nn.Linear``, ``nn.MSELoss``, ``optim.SGD``) on the same network, started
from the same weights, in float32."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from benchmarks.figures import Figure, compared
from benchmarks.timing import Clock, Samples, interleave
from winit import MLP

LR = 1e-3
#: Steps per ``MLP.train`` call when timing it (its per-call setup is spread over them).
TRAIN_STEPS = 10
BUDGET_S = 4.0


@dataclass(frozen=True)
class Net:
    name: str
    sizes: tuple[int, ...]
    activation: str
    batch: int
    goal: float
    note: str


NETS = (
    Net("(a) article 2-2-1", (2, 2, 1), "relu", 4, 1.0, "Python overhead per operation dominates"),
    Net("(b) 784-256-256-10", (784, 256, 256, 10), "relu", 128, 1.5, "BLAS matmuls dominate"),
    Net("(c) 20x256 tanh", (256,) * 21, "tanh", 64, 1.5, "small matmuls and tanh, 20 layers"),
)


def _torch_step(net: MLP, torch: Any, x: np.ndarray, t: np.ndarray) -> Callable[[], float]:
    """The same network in eager PyTorch, with ``net``'s weights, and one SGD step of it."""
    layers: list[Any] = []
    activation = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh}[net.activation.name]
    for i, (w, b) in enumerate(zip(net.weights, net.biases, strict=True)):
        linear = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(w))
            linear.bias.copy_(torch.from_numpy(b))
        layers += [linear] if i == net.depth - 1 else [linear, activation()]
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = torch.nn.MSELoss()
    xt, tt = torch.from_numpy(x), torch.from_numpy(t)

    def step() -> float:
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xt), tt)
        loss.backward()
        opt.step()
        return float(loss.detach())

    return step


def _check_same(
    winit_step: Callable[[], float], torch_step: Callable[[], float], name: str
) -> None:
    """Both steps start from the same weights: their first losses agree, or the comparison is off."""
    a, b = winit_step(), torch_step()
    if not np.isclose(a, b, rtol=1e-4):
        raise RuntimeError(f"{name}: winit loss {a} != torch loss {b}; the networks differ")


def run(torch: Any, clock: Clock) -> list[Figure]:
    """Figure 3 for each network: ``sgd_step`` and ``train`` (per step) against torch's step."""
    if torch is None:
        return []
    groups: dict[str, dict[str, Callable[[], object]]] = {}
    for spec in NETS:
        rng = np.random.default_rng(0)
        x = rng.standard_normal((spec.batch, spec.sizes[0]), dtype=np.float32)
        t = rng.standard_normal((spec.batch, spec.sizes[-1]), dtype=np.float32)
        net = MLP(spec.sizes, spec.activation, dtype=np.float32, rng=1)
        torch_step = _torch_step(net, torch, x, t)
        sgd_step = partial(net.sgd_step, x, t, LR)
        _check_same(sgd_step, torch_step, spec.name)
        groups[spec.name] = {
            "torch": torch_step,
            "sgd_step": sgd_step,
            "train": partial(net.train, x, t, LR, TRAIN_STEPS),
        }
    samples = interleave(groups, budget_s=BUDGET_S, clock=clock)
    figures = []
    for spec in NETS:
        s = samples[spec.name]
        per_step = Samples([v / TRAIN_STEPS for v in s["train"].seconds])
        for name, cand in (("sgd_step", s["sgd_step"]), (f"train/{TRAIN_STEPS} steps", per_step)):
            figures.append(
                compared(
                    "step-vs-torch",
                    f"{spec.name} {name}",
                    cand,
                    "torch eager step",
                    s["torch"],
                    shape=spec.sizes,
                    dtype="float32",
                    goal=spec.goal,
                    note=f"batch {spec.batch}; {spec.note}",
                )
            )
    return figures
