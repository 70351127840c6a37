"""Plumbing for tests of command-line tools: their usage errors."""

from __future__ import annotations

from collections.abc import Callable

import pytest


def usage_error(
    main: Callable[[list[str]], int], argv: list[str], capsys: pytest.CaptureFixture[str]
) -> str:
    """What ``main(argv)`` wrote on stderr; it must have exited 2, a usage error."""
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    return capsys.readouterr().err
