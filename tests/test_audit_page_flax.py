"""``winit audit --html`` on real Flax models: every parameter group's name readable whole in the
sidebar, and groups sharing a pattern told apart (by the layer index their tensors share, else
by their law)."""

from __future__ import annotations

import functools
from dataclasses import replace

import pytest

pytest.importorskip("flax", reason="a real Flax model: pip install flax")
pytest.importorskip("jinja2", reason="the page needs the report extra: pip install 'winit[report]'")

from tests.audit_page import sidebar_groups, unwrapped
from winit.audit import audit
from winit.audit.api import Group
from winit.audit.page import breakable, group_names, render_audit


@functools.cache
def linen_stack_groups() -> tuple[Group, ...]:
    """The groups of a linen residual stack whose blocks' two Dense layers have different
    initializers: two groups of pattern ``params/LinenBlock_*/Dense_*/kernel``."""
    return audit("tests.test_signal_flax:linen_stack", seed=0, paths=["built"]).groups


def test_every_sidebar_entry_of_a_flax_model_holds_its_group_name_whole_and_wrappable() -> None:
    result = audit("tests.test_audit_flax:Net", seed=0, paths=["built"])
    page = render_audit(result)
    nav = page[page.index('<nav id="toc"') : page.index("</nav>")]
    for g in result.groups:
        assert f'<span class="group-name">{breakable(g.pattern)}<' in nav


def test_two_groups_of_one_pattern_are_named_by_the_layer_index_their_tensors_share() -> None:
    groups = linen_stack_groups()
    names = zip(groups, group_names(groups), strict=True)
    dense = [n for g, n in names if g.pattern == "params/LinenBlock_*/Dense_*/kernel"]
    assert sorted(dense) == [("params/LinenBlock_*/Dense_0/kernel", ""),
                             ("params/LinenBlock_*/Dense_1/kernel", "")]  # fmt: skip


def test_a_group_whose_pattern_no_other_group_shares_keeps_its_pattern() -> None:
    groups = linen_stack_groups()
    names = zip(groups, group_names(groups), strict=True)
    bias = [n for g, n in names if g.pattern == "params/LinenBlock_*/Dense_*/bias"]
    assert bias == [("params/LinenBlock_*/Dense_*/bias", "")]


def test_two_groups_of_one_pattern_holding_the_same_indices_are_told_apart_by_their_law() -> None:
    kernel = next(g for g in linen_stack_groups() if g.pattern.endswith("kernel"))
    mixed = ("params/LinenBlock_0/Dense_0/kernel", "params/LinenBlock_1/Dense_1/kernel")
    a = replace(kernel, tensors=mixed, law="N(0, 1²)")
    b = replace(kernel, tensors=mixed[::-1], law="N(0, 2²)")
    assert group_names([a, b]) == [(a.pattern, "N(0, 1²)"), (b.pattern, "N(0, 2²)")]


def test_the_sidebar_entries_of_one_pattern_with_two_laws_differ() -> None:
    groups = linen_stack_groups()
    result = audit("tests.test_signal_flax:linen_stack", seed=0, paths=["built"])
    entries = sidebar_groups(unwrapped(render_audit(result)))
    assert len(entries) == len(groups) == len(set(entries))
