"""Demonstrated power (issue 3): the property suite fails on a core broken on purpose.

Each case applies one mutant of :mod:`tools.mutants` to a copy of the source and runs only the
property file of the claim that must catch it (the ``mutants`` hypothesis profile: the ``ci``
draws, no shrinking), then checks that the run failed *and* that the failing claim is the one
that should have caught the bug. A control run of the same files on the unmutated copy passes,
so the failures come from the mutants, not from the files. About 20 s on two cores.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools.mutants import BY_NAME, Mutant, run_suite
from winit.claims.schema import partial_path

#: (mutant, property file that must catch it, the claims allowed to be the one that fails)
CASES = [
    ("xavier-2x", "properties/test_normal_variance.py", {"XAVIER-VARIANCE"}),
    ("fans-swapped", "properties/test_glorot_paper.py", {"GLOROT-UNIFORM"}),
    ("zero-init-tiny-bias", "properties/test_zero_init.py", {"ZERO-RELU", "ZERO-TANH", "ZERO-SIGMOID"}),
    # σ instead of σ(1−σ); the ReLU-derivative mutant (0.5 for z > 0) is caught by the unit
    # tests' finite-difference check but by no claim: every claim that trains a ReLU network
    # is a symmetry claim, invariant to a per-layer rescaling of the gradient.
    ("sigmoid-derivative", "properties/test_saturation.py", {"NORMAL-SATURATION"}),
]  # fmt: skip


def verdicts(mutant: Mutant, targets: list[str], tmp_path: Path) -> dict[str, str]:
    """Each claim's observed verdict when ``targets`` ran against ``mutant``. (Read from the
    results, not the exit status; ``-x`` stops at the first failure, which makes the run partial,
    so its results are the ``.partial.json`` ones then.)"""
    results = tmp_path / f"{mutant.name}.json"
    run_suite(mutant, targets, f"--winit-results={results}")
    written = results if results.exists() else partial_path(results)
    data = json.loads(written.read_text(encoding="utf-8"))
    return {c["id"]: c["observed"] for c in data["claims"]}


@pytest.mark.parametrize(("name", "target", "claims"), CASES, ids=[c[0] for c in CASES])
def test_property_suite_catches_the_broken_core(
    name: str, target: str, claims: set[str], tmp_path: Path
) -> None:
    failed = {c for c, v in verdicts(BY_NAME[name], [target], tmp_path).items() if v == "fails"}
    assert failed, f"no claim failed with the {name} mutant"
    assert failed <= claims


def test_the_same_files_pass_on_the_unmutated_core(tmp_path: Path) -> None:
    some = BY_NAME["fans-swapped"]
    control = Mutant("control", some.path, some.old, some.old, "no change")
    observed = verdicts(control, sorted({c[1] for c in CASES}), tmp_path)
    assert {observed[c] for case in CASES for c in case[2]} == {"holds"}
