"""The result of :func:`winit.signal.measure`: per-layer RMS, the checks, a table and JSON."""

from __future__ import annotations

import math
from dataclasses import dataclass

from winit.stats import Check


@dataclass(frozen=True)
class Layer:
    """One layer's or block's signal in one mode: geometric means over the seeds.

    Args:
        name: the module's name (a block's ``name + " (stream)"`` and ``" (branch)"``, a layer
            at a width ``name + " @ width"``).
        kind: ``"layer"`` (a leaf module), ``"block"`` (a block's output, the stream) or
            ``"branch"`` (a block's output − input, forward only).
        type: the module's class name.
        mode: ``"train"`` or ``"eval"``.
        forward: RMS of the output (``None``: not a tensor).
        backward: RMS of the gradient of the output (``None``: none reached it).
        dead: for a ReLU, the fraction of its units at zero for every example (seed mean).
    """

    name: str
    kind: str
    type: str
    mode: str
    forward: float | None
    backward: float | None
    dead: float | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name, "kind": self.kind, "type": self.type, "mode": self.mode,
            "forward_rms": self.forward, "backward_rms": self.backward, "dead_fraction": self.dead,
        }  # fmt: skip


@dataclass(frozen=True)
class Finding:
    """One check on a subject, its verdict in words, and whether it passes.

    Args:
        subject: what is checked (a layer's name, or the blocks' stream or branch).
        mode: ``"train"`` or ``"eval"``.
        check: the statistical or exact check.
        verdict: ``"pass"``, ``"FAIL: ..."`` or a named pass (``"pass: √depth growth ..."``).
        band: the stated band and why (empty for exact checks).
        passed: the verdict as a boolean.
    """

    subject: str
    mode: str
    check: Check
    verdict: str
    band: str
    passed: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "subject": self.subject, "mode": self.mode, "check": _finite(self.check.as_dict()),
            "verdict": self.verdict, "band": self.band, "passed": self.passed,
        }  # fmt: skip


def _finite(d: dict[str, object]) -> dict[str, object]:
    """Strict JSON: infinities become ``None``."""
    return {k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in d.items()}


@dataclass(frozen=True)
class Signal:
    """The signal through a model at init: falsy when a check failed.

    Args:
        model: the model's class name.
        input: the input, in words.
        modes: the modes measured (train and eval where they differ: batch norm).
        seeds: the seeds (each draws an input and an output gradient; a builder also re-inits).
        alpha: the false-alarm budget of all the checks together.
        check_alpha: each statistical check's level (Bonferroni over all of them).
        bounded_stream: whether the author declared the residual stream bounded.
        layers: per-layer and per-block RMS.
        findings: the checks.
        notes: what was measured how, in words (mode differences, blocks found, skips).
    """

    model: str
    input: str
    modes: tuple[str, ...]
    seeds: tuple[int, ...]
    alpha: float
    check_alpha: float
    bounded_stream: bool
    layers: tuple[Layer, ...]
    findings: tuple[Finding, ...]
    notes: tuple[str, ...]

    @property
    def passed(self) -> bool:
        """Every check passed, and there was one (a signal that checked nothing never passes)."""
        return bool(self.findings) and all(f.passed for f in self.findings)

    def __bool__(self) -> bool:
        """False when a check failed: ``assert winit.signal.measure(model)`` fails on it."""
        return self.passed

    @property
    def failures(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.passed)

    def __repr__(self) -> str:
        state = "PASSED" if self.passed else f"FAILED {len(self.failures)} of"
        failed = "; ".join(f"{f.subject} [{f.mode}] {f.verdict}" for f in self.failures)
        return f"<signal {self.model}: {state} {len(self.findings)} checks{': ' if failed else ''}{failed}>"

    def __str__(self) -> str:
        """The table: layer, forward RMS, backward RMS, check, verdict; then the notes."""
        by_layer: dict[tuple[str, str], list[Finding]] = {}
        for f in self.findings:
            by_layer.setdefault((f.subject, f.mode), []).append(f)
        head = ("layer", "mode", "forward RMS", "backward RMS", "check", "verdict")
        rows = [head]
        for layer in self.layers:
            mine = by_layer.pop((layer.name, layer.mode), [None])
            dead = "" if layer.dead is None else f" dead {layer.dead:.0%}"
            forward, backward = _num(layer.forward), _num(layer.backward)
            for found in mine:  # a layer's checks on its own rows, its RMS on the first
                rows.append((layer.name + dead, layer.mode, forward, backward, _describe(found),
                             "" if found is None else found.verdict))  # fmt: skip
                forward = backward = ""
        for rest in by_layer.values():  # checks of the blocks, of all layers, of the modules
            rows += [(f.subject, f.mode, "", "", _describe(f), f.verdict) for f in rest]
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        lines = [
            f"signal {self.model} | input: {self.input} | seeds {len(self.seeds)} | "
            f"alpha {self.alpha:g} (per check {self.check_alpha:.3g}, Bonferroni) | "
            f"{'PASSED' if self.passed else 'FAILED'}"
        ]
        lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
        bands = sorted({f.band for f in self.findings if f.band})
        lines += [f"band: {b}" for b in bands] + [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": "signal", "model": self.model, "input": self.input, "modes": list(self.modes),
            "seeds": list(self.seeds), "alpha": self.alpha, "check_alpha": self.check_alpha,
            "bounded_stream": self.bounded_stream, "passed": self.passed,
            "layers": [layer.as_dict() for layer in self.layers],
            "findings": [f.as_dict() for f in self.findings], "notes": list(self.notes),
        }  # fmt: skip


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:.4g}"


def _describe(f: Finding | None) -> str:
    if f is None:
        return ""
    c = f.check
    power = "" if c.power is None else f", power {c.power:.3g}"
    return f"{c.name} {c.measured:.4g} in [{c.low:.4g}, {c.high:.4g}]{power}"
