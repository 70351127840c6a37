"""A signal's verdict: it passes only when it checked something and every check passed."""

from __future__ import annotations

from winit.signal import Signal


def test_a_signal_that_checked_nothing_does_not_pass() -> None:
    empty = Signal(model="M", input="none", modes=("eval",), seeds=(0, 1, 2), alpha=1e-6,
                   check_alpha=1e-6, bounded_stream=False, layers=(), findings=(), notes=())  # fmt: skip
    assert not empty.passed and not empty
