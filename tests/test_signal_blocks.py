"""Which of a model's modules are its blocks, whatever the framework: a run of composite modules
(a transformer's blocks, even a stack of one) before a run of leaves (attention's projections
side by side), and a depth check only where there are blocks enough to fit a slope."""

from __future__ import annotations

from winit.signal.checking import Siblings, Subject, blocks_among, check
from winit.signal.passes import Pass

PROJECTIONS = Siblings(("attn/q", "attn/k", "attn/v", "attn/o"), False, False, depth=2)


def blocks(*names: str, composite: bool = True, own: bool = True, depth: int = 1) -> Siblings:
    return Siblings(names, composite, own, depth)


def test_two_blocks_are_the_blocks_beside_four_projections_of_one_class() -> None:
    assert blocks_among([PROJECTIONS, blocks("h/0", "h/1")]) == ["h/0", "h/1"]


def test_a_stack_of_one_block_of_the_models_own_class_is_its_blocks() -> None:
    assert blocks_among([PROJECTIONS, blocks("h/0")]) == ["h/0"]


def test_one_framework_container_wrapping_layers_is_no_block() -> None:
    assert blocks_among([PROJECTIONS, blocks("wrapper", own=False)]) == list(PROJECTIONS.names)


def test_without_composite_modules_the_longest_run_of_two_or_more_leaves_is_taken() -> None:
    pair = blocks("fc/0", "fc/1", composite=False, depth=1)
    assert blocks_among([pair, PROJECTIONS]) == list(PROJECTIONS.names)


def test_a_single_leaf_is_no_run_and_none_gives_no_blocks() -> None:
    assert blocks_among([blocks("head", composite=False)]) == []
    assert blocks_among([]) == []


def test_runs_of_one_length_go_to_the_outermost_then_the_first() -> None:
    inner, outer = blocks("a/b/0", "a/b/1", depth=2), blocks("c/0", "c/1", depth=1)
    assert blocks_among([inner, outer]) == ["c/0", "c/1"]
    assert blocks_among([outer, blocks("d/0", "d/1", depth=1)]) == ["c/0", "c/1"]


def _subject(names: tuple[str, ...]) -> Subject:
    def record(seed: int, mode: str) -> Pass:
        p = Pass()
        for name in names:
            p.block(name, [1.0, -1.0], [1.5, -0.5])
            p.gradient(name, [1.0, 1.0], block=True)
        return p

    return Subject(model="M", input="x", modes=("eval",), blocks=names,
                   types=dict.fromkeys(names, "Block"), norms=frozenset(),
                   batch_norms=frozenset(), record=record)  # fmt: skip


def test_fewer_than_three_blocks_fit_no_depth_slope_and_the_notes_say_so() -> None:
    result = check(_subject(("h/0", "h/1")), seeds=range(3))
    assert [f.subject for f in result.findings] == ["all modules"]
    assert "eval: blocks h/0, h/1: the depth slopes need 3 or more, not checked" in result.notes


def test_three_blocks_fit_the_depth_slopes() -> None:
    result = check(_subject(("h/0", "h/1", "h/2")), seeds=range(3))
    assert {f.subject for f in result.findings} > {"all modules"}
    assert not any("not checked" in note for note in result.notes)
