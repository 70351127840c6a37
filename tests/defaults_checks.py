"""Assertions the ``winit defaults`` tests of every framework share."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from winit.verify.defaults import layer_defaults, layer_rules


def assert_every_parameter_passes(spec: str, in_features: int = 128) -> None:
    """Every parameter and buffer of the layer is covered by a rule and passes it."""
    reports = layer_defaults(spec, in_features=in_features)
    assert reports and all(r.checked and r.passed for r in reports), [
        (r.name, r.verdict, r.reason) for r in reports if r.verdict != "pass"
    ]


def assert_citations_hold(specs: Sequence[str], root: Path, in_features: int = 128) -> None:
    """Each rule's cited line, read from the installed package under ``root``, holds its quote."""
    for spec in specs:
        for name, rules in layer_rules(spec, in_features=in_features).rules.items():
            for rule in rules:
                line = (root / rule.source.path).read_text().splitlines()[rule.source.line - 1]
                assert rule.source.quote in line, (spec, name, str(rule.source))
