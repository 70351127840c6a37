"""The audit rows: ``winit audit`` on both paths (build included) of a resnet50-size model and of
GPT-2 124M, transformers' own classes at their default sizes, against one plain build of the same
model timed in the same rounds; and the ``by-module`` path of an 8-billion-parameter Llama-style
model (larger than memory in float32), once, in a process of its own whose peak resident memory
is measured. The goals are the issue's absolute seconds on this 2-core machine, held against the
run's clock (CPU time with one thread), and for the 8B model its peak memory; the wall time is in
the note."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from benchmarks.figures import Figure
from benchmarks.timing import Samples

#: (name, spec, goal in seconds)
MODELS = (
    (
        "resnet50-size: 25.6M parameters, 161 tensors",
        "transformers:ResNetForImageClassification(ResNetConfig(num_labels=1000))",
        10.0,
    ),
    ("GPT-2 124M", "transformers:GPT2Model(GPT2Config())", 20.0),
)
#: rounds per model, each one build and one audit
ROUNDS = 2
#: the model larger than memory: (name, spec, goal in seconds, peak memory goal in bytes)
HUGE = (
    "Llama-style 8B, by-module",
    "transformers:LlamaForCausalLM(LlamaConfig(hidden_size=4096, intermediate_size=14336, "
    "num_hidden_layers=32, num_attention_heads=32, num_key_value_heads=8, vocab_size=128256))",
    300.0,
    8 << 30,
)
#: the audit in a process of its own: its CPU seconds, peak RSS (bytes) and verdict on one line
CHILD = (
    "import resource, sys, time\n"
    "from winit.audit import audit\n"
    "start = time.process_time()\n"
    "result = audit(sys.argv[1], seed=0, paths=['by-module'])\n"
    "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024\n"
    "print(time.process_time() - start, peak, 'passed' if result else 'FAILED')\n"
)


def _row(name: str, spec: str, goal: float, clock: Callable[[], float]) -> Figure:
    from winit.audit import audit
    from winit.audit.model import load_spec

    builder = load_spec(spec)
    builds, audits, walls, verdicts = [], [], [], set()
    for _ in range(ROUNDS):
        start = clock()
        builder()
        builds.append(clock() - start)
        start, wall = clock(), time.perf_counter()
        result = audit(spec, seed=0)
        audits.append(clock() - start)
        walls.append(time.perf_counter() - wall)
        verdicts.add("passed" if result else f"FAILED: {result!r}"[:200])
    s, base, wall_s = Samples(audits), Samples(builds), Samples(walls)
    return Figure(
        "audit", name, None, "float32", s.median, s.iqr, "one build", base.median,
        s.ratio_to(base), s.ratio_iqr(base), seconds_goal=goal,
        note=f"{spec}; both paths; wall median {wall_s.median:.3g} s; audit {', '.join(sorted(verdicts))}",
    )  # fmt: skip


def _huge() -> tuple[Figure | None, str]:
    """The 8B row, or the reason it was not measured. Timed by the child's CPU clock whatever
    the run's clock (one round: a build of it cannot be a baseline, it does not fit)."""
    name, spec, goal, memory = HUGE
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, spec], capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        lines = (done.stdout + done.stderr).strip().splitlines()
        return None, f"the audit exited {done.returncode}: {lines[-1][:200] if lines else ''}"
    cpu, peak, verdict = done.stdout.split()[-3:]
    return Figure(
        "audit", name, None, "float32", float(cpu), 0.0, extra_bytes=int(peak),
        extra_fraction=int(peak) / memory, memory_goal=1.0, seconds_goal=goal,
        note=f"{spec}; by-module path, one run, CPU seconds; mem: peak RSS / 8 GiB; "
        f"wall {wall:.3g} s; audit {verdict}",
    ), ""  # fmt: skip


def run(torch: Any, clock: Callable[[], float]) -> tuple[list[Figure], list[dict[str, str]]]:
    """The audit rows, and what was not measured (torch or transformers missing)."""
    missing = [m for m in ("torch", "transformers") if importlib.util.find_spec(m) is None]
    if torch is None or missing:
        reason = f"{' and '.join(missing or ['torch'])} not installed"
        names = [name for name, _, _ in MODELS] + [HUGE[0]]
        return [], [{"group": "audit", "name": name, "reason": reason} for name in names]
    figures = [_row(name, spec, goal, clock) for name, spec, goal in MODELS]
    huge, reason = _huge()
    if huge is None:
        return figures, [{"group": "audit", "name": HUGE[0], "reason": reason}]
    return [*figures, huge], []
