"""GPT2-LAYER-RMS: the article's Var(z) = n·σ²·E[x²] on a real architecture: transformers' GPT-2,
built from a small config, at init under its own init and under N(0, 1) weights.

Every projection of a GPT-2 block is a ``Conv1D``, y = x·W + b with W of shape (fan_in,
fan_out). At init b = 0 and W's entries are i.i.d. N(0, σ²), drawn independently of the
projection's input x (a function of the token ids and of the weights of the layers before it).
So, given x, the fan_out components of one token's y are i.i.d. N(0, σ²·‖x‖²) =
N(0, fan_in·σ²·E[x²]), E[x²] = ‖x‖²/fan_in the token's mean square: the article's law, exact at
every depth whatever the layers before did. Divided by σ·‖x‖ they are i.i.d. N(0, 1); since each
layer's W is independent of everything before it, the standardised values of different layers
and of independently built models are i.i.d. N(0, 1) too (one token per layer and model: two
tokens of one layer share W), so the sum of their squares is exactly chi-square.

σ under GPT-2's own init (transformers' ``GPT2PreTrainedModel._init_weights``, after Radford et
al. 2019): ``initializer_range`` for ``attn.c_attn`` and ``mlp.c_fc``, ``initializer_range/
√(2·n_layer)`` for the two ``c_proj`` (the outputs of the residual branches). Under N(0, 1)
weights σ = 1: every Conv1D weight and both embeddings redrawn N(0, 1), biases 0 and the
LayerNorms (weight 1, bias 0) kept. ``c_attn`` and ``c_fc`` read a LayerNorm's output, whose mean
square per token is v/(v + ε) ≤ 1 (v the token's variance across features, ε the LayerNorm's
epsilon), so their RMS is σ·√n_embd·√(v/(v + ε)) at every depth.

Needs torch and transformers: ``nox -s models`` runs it (the default gate, numpy only, skips the
module at collection and its report says so).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pytest

from properties.sources import ARTICLE, RESIDUAL
from properties.test_normal_variance import VARIANCE_ERROR
from winit.claims import Claim, Evidence
from winit.stats import NORMAL_KURTOSIS, variance_check

torch = pytest.importorskip("torch")  # reason: the model is torch's; nox -s models installs it
transformers = pytest.importorskip("transformers")  # reason: GPT-2 is transformers'; as above

#: The small config: depth, width, heads, tokens per sequence, vocabulary.
N_LAYER, N_EMBD, N_HEAD, TOKENS, VOCAB = 4, 256, 4, 16, 512
CONFIG = transformers.GPT2Config(
    n_layer=N_LAYER, n_embd=N_EMBD, n_head=N_HEAD, n_positions=TOKENS, vocab_size=VOCAB,
    bos_token_id=VOCAB - 1, eos_token_id=VOCAB - 1,
    resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
)  # fmt: skip
#: The projections of a block, in forward order, and which of them GPT-2 scales by 1/√(2L).
PROJECTIONS = ("attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj")
DEPTH_SCALED = ("attn.c_proj", "mlp.c_proj")
OWN, NORMAL = "GPT-2's own init", "N(0, 1) weights"
LAYER_PANEL = "per-layer RMS at init"
STREAM_PANEL = "residual stream RMS at init"

GPT2_LAYER_RMS = Claim(
    id="GPT2-LAYER-RMS",
    group="N(0, 1) init",
    title="On GPT-2, every projection's RMS is √fan_in·σ·RMS(input): N(0, 1) weights put it "
    "√fan_in above its input at every layer",
    source=f"{ARTICLE}; {RESIDUAL}",
    quote="Each weight is chosen randomly from a normal distribution with a mean of 0 and a "
    "variance of 1. ... With the variance of [z being n] ...",
    statement="In transformers' GPT-2 at init, every projection (attn.c_attn, attn.c_proj, "
    "mlp.c_fc, mlp.c_proj of every block) has, given its input row x, outputs y_j i.i.d. "
    "N(0, fan_in·σ²·E[x²]) with E[x²] = ‖x‖²/fan_in; σ = initializer_range for c_attn and "
    "c_fc and initializer_range/√(2·n_layer) for the two c_proj under GPT-2's own init, σ = 1 "
    "under N(0, 1) weights. c_attn and c_fc read a LayerNorm (E[x²] = v/(v + ε) ≤ 1), so their "
    "RMS is σ·√n_embd at every depth: N(0, 1) weights make it √n_embd, 1/initializer_range "
    "times GPT-2's, and the branches they feed add to the residual stream at that scale. "
    "GPT-2's own σ is a fixed number, not a fan-scaled one: its Var(z) grows with the width "
    "just as N(0, 1)'s does, and is near E[x²] only where fan_in·σ² is near 1.",
    domain=f"GPT2Model with n_layer {N_LAYER}, n_embd {N_EMBD}, n_head {N_HEAD}, "
    f"{TOKENS} tokens, vocabulary {VOCAB}, dropout 0, eval mode; fan-ins n_embd and "
    "4·n_embd; token ids uniform; as many independently built models (seeds 0, 1, …) as the "
    "checks' sample size needs, the last token of each layer checked, every token drawn.",
    expected="holds",
    lead="One small plot per projection of a block, log axis: at every block the measured RMS "
    "sits on its line σ·√fan_in·RMS(input). GPT-2's own init keeps every projection below its "
    "input's scale; N(0, 1) weights put each one √fan_in above it, and the residual stream they feed grows by orders of magnitude.",
    statistics="For each init and each projection kind, the last token's outputs divided by "
    "σ·‖x‖, pooled over the layers and the models, are i.i.d. N(0, 1) under the claim: an "
    "exact chi-square interval for their variance (known mean 0), sized to detect a variance "
    f"{VARIANCE_ERROR}× off (and 1/{VARIANCE_ERROR}×). The plot's points are every token's "
    "RMS; its lines are σ·√(mean ‖x‖²), the law's expectation given the inputs.",
    main_plot=LAYER_PANEL,
)
PLAN = GPT2_LAYER_RMS.plan("Var(y)/(σ²‖x‖²) of one projection kind", runs=len(PROJECTIONS),
                           instances=2)  # fmt: skip


def sigma(init: str, projection: str) -> float:
    """The std of the projection's weights under ``init`` (module docstring)."""
    if init == NORMAL:
        return 1.0
    scale = math.sqrt(2 * N_LAYER) if projection in DEPTH_SCALED else 1.0
    return float(CONFIG.initializer_range) / scale


def build(init: str, seed: int) -> object:
    """A GPT2Model built under ``seed`` by transformers (its own init), eval mode; for N(0, 1)
    weights every matrix (Conv1D weights, embeddings) then redrawn from a generator of ``seed``."""
    torch.manual_seed(seed)
    model = transformers.GPT2Model(CONFIG).eval()
    if init == NORMAL:
        gen = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for p in model.parameters():
                if p.ndim == 2:
                    p.normal_(0.0, 1.0, generator=gen)
    return model


@dataclass(frozen=True)
class Pass:
    """One forward pass: per projection (``h.i.attn.c_attn``, …, in forward order) its input and
    output of every token, and the residual stream after each block (embeddings first)."""

    io: dict[str, tuple[np.ndarray, np.ndarray]]
    stream: list[np.ndarray]


@contextmanager
def recording(model: object, io: dict[str, tuple[np.ndarray, np.ndarray]],
              stream: list[np.ndarray]) -> Iterator[None]:  # fmt: skip
    """Forward hooks filling ``io`` (projections) and ``stream`` (block outputs) while open."""

    def projection(name: str) -> object:
        def hook(_: object, inputs: tuple[object, ...], output: object) -> None:
            io[name] = (inputs[0][0].double().numpy(), output[0].double().numpy())  # type: ignore[index]

        return hook

    def block(_: object, __: object, output: object) -> None:
        out = output[0] if isinstance(output, tuple) else output
        stream.append(out[0].double().numpy())  # type: ignore[index]

    modules = dict(model.named_modules())  # type: ignore[attr-defined]
    handles = [m.register_forward_hook(projection(n)) for n, m in modules.items()
               if n.endswith(PROJECTIONS)]  # fmt: skip
    handles += [m.register_forward_hook(block) for m in model.h]  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def forward(init: str, seed: int) -> Pass:
    """The recorded forward pass of the model ``build(init, seed)`` on uniform token ids."""
    model = build(init, seed)
    ids = torch.randint(0, VOCAB, (1, TOKENS), generator=torch.Generator().manual_seed(seed))
    io: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    stream: list[np.ndarray] = []
    with torch.no_grad(), recording(model, io, stream):
        embedded = model.wte(ids) + model.wpe(torch.arange(TOKENS)[None])  # type: ignore[attr-defined]
        stream.append(embedded[0].double().numpy())
        model(ids)  # type: ignore[operator]
    return Pass(io=io, stream=stream)


def standardised(passes: list[Pass], init: str, projection: str) -> np.ndarray:
    """The last token's outputs of every layer of kind ``projection`` over ``passes``, divided
    by σ·‖x‖: i.i.d. N(0, 1) under the claim."""
    parts = [y[-1] / (sigma(init, projection) * np.linalg.norm(x[-1]))
             for p in passes for name, (x, y) in p.io.items() if name.endswith(projection)]  # fmt: skip
    return np.concatenate(parts)


def rms(values: np.ndarray) -> float:
    return float(np.sqrt(np.mean(values**2)))


def draw(evidence: Evidence, init: str, passes: list[Pass]) -> None:
    """Per-layer RMS (every token of every model) against σ·√(mean ‖x‖²), one small plot per
    projection kind, and the residual stream."""
    blocks = np.arange(1, N_LAYER + 1)
    labels = {"xlabel": "block", "ylabel": "RMS of the projection's output",
              "group": LAYER_PANEL, "scale": "logy"}  # fmt: skip
    for projection in PROJECTIONS:
        names = [f"h.{b - 1}.{projection}" for b in blocks]
        measured = [rms(np.concatenate([p.io[n][1] for p in passes])) for n in names]
        law = [sigma(init, projection) * rms(np.concatenate(
            [np.linalg.norm(p.io[n][0], axis=-1) for p in passes])) for n in names]  # fmt: skip
        evidence.add_series(f"{projection}: {init}, measured", blocks, measured, kind="points",
                            facet=projection, **labels)  # type: ignore[arg-type]  # fmt: skip
        evidence.add_series(f"{projection}: {init}, σ·√fan_in·RMS(x)", blocks, law,
                            facet=projection, **labels)  # type: ignore[arg-type]  # fmt: skip
    after = np.arange(len(passes[0].stream))
    stream = [rms(np.concatenate([p.stream[b] for p in passes])) for b in after]
    evidence.add_series(f"{init}: residual stream", after, stream, group=STREAM_PANEL,
                        xlabel="after block (0: the embeddings)", ylabel="RMS of the residual stream",
                        scale="logy")  # fmt: skip
    evidence.number(f"RMS of the residual stream after the last block, {init}", stream[-1])


@pytest.mark.parametrize(
    "init", [pytest.param(i, marks=pytest.mark.claim(GPT2_LAYER_RMS), id=i) for i in (OWN, NORMAL)]
)
def test_every_projection_has_variance_fan_in_sigma2_input_mean_square(
    init: str, evidence: Evidence
) -> None:
    """The article's Var(z) = n·σ²·E[x²], given the input, at every projection of GPT-2 (exact
    chi-square on the standardised outputs); the report's per-layer RMS and stream plots."""
    draws = PLAN.variance_draws(VARIANCE_ERROR, kurtosis=NORMAL_KURTOSIS)
    fewest = N_LAYER * N_EMBD  # values per model of the kinds with the fewest (the c_proj)
    passes = [forward(init, seed) for seed in range(math.ceil(draws / fewest))]
    for projection in PROJECTIONS:
        evidence.test(PLAN, variance_check, f"Var(y)/(σ²‖x‖²), {projection}, {init}",
                      standardised(passes, init, projection), 1.0, kurtosis=NORMAL_KURTOSIS,
                      against=VARIANCE_ERROR)  # fmt: skip
    draw(evidence, init, passes)
