"""Per-layer pictures of a network at init, checked layer by layer with exact laws: histograms
of the activations and of the back-propagated gradients under several inits, drawn as small
multiples (one facet per init, shared axes).

Given the layer below, a unit's pre-activation is N(0, Var(w)·|h|²) independently of the other
units (Gaussian weights, zero biases), so the number of units whose f'(z) falls below a
threshold is exactly Binomial(n, p) with p from the measured |h|². Backward, with an output delta
drawn independently of the weights, (W_{l+1}ᵀδ_{l+1})_j is N(0, Var(w)·|δ_{l+1}|²) independently
of the others (W_{l+1}'s own forward pass couples them by about one degree of freedom, as in
HE-BACKWARD), so |δ_l|²/(Var(w)·|δ_{l+1}|²) follows the weighted chi-square law
Σ f'(z_j)²·g_j² given the forward pass (:func:`winit.stats.weighted_chi2_interval`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from winit.claims import Evidence, Plan
from winit.initializers import Initializer, glorot_normal, he_normal, normal
from winit.mlp import MLP
from winit.stats import Check, binomial_check, weighted_chi2_check

#: init name → (Gaussian initializer, its Var(w) for the square layers drawn).
Inits = Mapping[str, tuple[Initializer, float]]
#: The networks drawn: LAYERS hidden layers of WIDTH units, one N(0, I) input, and the three
#: inits in their Gaussian forms.
WIDTH, LAYERS = 1024, 5
INITS: Inits = {
    "N(0, 1)": (normal(0.0, 1.0), 1.0),
    "Xavier (Glorot normal)": (glorot_normal, 1.0 / WIDTH),
    "He normal": (he_normal, 2.0 / WIDTH),
}
#: Var(z) → P(f'(z) < the threshold) for z ~ N(0, Var(z)).
FlatProbability = Callable[[float], float]


def network(activation: str, init: Initializer, width: int, layers: int, seed: int) -> MLP:
    """``layers`` hidden layers of ``width`` units and a linear output of the same width."""
    return MLP([width] * (layers + 2), activation, weight_init=init, rng=seed)


def check_activations(
    evidence: Evidence, plan: Plan, activation: str, inits: Inits, *, width: int, layers: int,
    threshold: float, flat: FlatProbability, against: FlatProbability,
    values: Callable[[np.ndarray], np.ndarray], edges: np.ndarray, xlabel: str, group: str,
) -> None:  # fmt: skip
    """Per init and hidden layer: the count of units with f'(z) < ``threshold`` against its
    Binomial law ``flat`` (power reported against the probability ``against`` gives), and the
    histogram of ``values(h)`` as one facet's curve."""
    centres = 0.5 * (edges[1:] + edges[:-1])
    for label, (init, var_w) in inits.items():
        net = network(activation, init, width, layers, 21)
        fw = net.forward(np.random.default_rng(20).standard_normal((1, width)))
        for layer in range(layers):
            below = fw.inputs if layer == 0 else fw.activations[layer - 1]
            z, h = fw.pre_activations[layer][0], fw.activations[layer][0]
            variance = var_w * float(np.sum(below**2))
            count = int(np.sum(net.activation.df(z) < threshold))
            evidence.test(
                plan, binomial_check, f"{label}, layer {layer + 1}: units with f'(z) < {threshold}",
                count, width, flat(variance), against=against(variance),
            )  # fmt: skip
            density, _ = np.histogram(values(h), bins=edges, density=True)
            evidence.add_series(f"{label}: activations, layer {layer + 1}", centres, density, xlabel=xlabel,
                                ylabel="density", group=group, facet=label)  # fmt: skip


def delta_check(label: str, layer: int, ratio: float, slopes: np.ndarray, plan: Plan) -> Check:
    """|δ_l|²/(Var(w)·|δ_{l+1}|²) against Σ f'(z_j)²·g_j² (module docstring)."""
    return plan.at_alpha(
        weighted_chi2_check, f"{label}, layer {layer}: |δ_l|² / (Var(w)·|δ_(l+1)|²)", ratio,
        slopes**2, ratio=2.0, against="a back-propagated variance 2x off",
    )  # fmt: skip


def check_gradients(
    evidence: Evidence, plan: Plan, activation: str, inits: Inits, *, width: int, layers: int,
    edges: np.ndarray, group: str,
) -> None:  # fmt: skip
    """Per init: each hidden layer's delta against :func:`delta_check` (all but the last, whose
    delta comes from the output layer) and the histogram of log10 |dL/dz| (bins ``edges``) as
    one facet's curve."""
    centres = 0.5 * (edges[1:] + edges[:-1])
    for label, (init, var_w) in inits.items():
        net = network(activation, init, width, layers, 23)
        gen = np.random.default_rng(22)
        x = gen.standard_normal((1, width))
        t = net.predict(x) + gen.standard_normal((1, width))  # an output delta of N(0, I)
        fw, deltas = net.forward(x), net.gradients(x, t).deltas
        for layer in range(layers):
            d = deltas[layer][0]
            if layer < layers - 1:
                slopes = net.activation.df(fw.pre_activations[layer][0])
                ratio = float(np.sum(d**2)) / (var_w * float(np.sum(deltas[layer + 1][0] ** 2)))
                evidence.check(delta_check(label, layer + 1, ratio, slopes, plan), plan)
            with np.errstate(divide="ignore"):  # an exactly-zero gradient is -inf: off the axis
                magnitude = np.log10(np.abs(d))
            density, _ = np.histogram(magnitude, bins=edges, density=True)
            evidence.add_series(f"{label}: gradients, layer {layer + 1}", centres, density,
                                xlabel="log10 |dL/dz|", ylabel="density", group=group,
                                facet=label)  # fmt: skip
