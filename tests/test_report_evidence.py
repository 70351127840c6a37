"""What the report needs from Evidence.add_series: 1-D curves of equal length, known scales."""

from __future__ import annotations

import pytest

from winit.claims import Claim, Evidence

X = Claim(
    id="X",
    group="Beyond the article",
    title="t",
    source="s",
    quote="q",
    statement="s",
    domain="d",
    expected="holds",
    lead="l",
)


@pytest.mark.parametrize(
    ("x", "y", "low"),
    [
        ([1.0, 2.0], [1.0], None),
        ([[1.0, 2.0]], [[1.0, 3.0]], None),
        ([1.0, 2.0], [1.0, 3.0], [0.0]),
    ],
)
def test_series_must_be_one_dimensional_and_of_equal_length(
    x: list[float], y: list[float], low: list[float] | None
) -> None:
    with pytest.raises(ValueError, match="1-D of equal length"):
        Evidence(X).add_series("s", x, y, xlabel="n", ylabel="v", low=low)


def test_series_scale_hint_is_checked_and_kept() -> None:
    ev = Evidence(X)
    with pytest.raises(ValueError, match="scale must be one of"):
        ev.add_series("s", [1.0], [2.0], xlabel="n", ylabel="v", scale="log")  # type: ignore[arg-type]
    ev.add_series("s", [1.0], [2.0], xlabel="n", ylabel="v", scale="loglog", low=[1.0], high=[3.0])
    assert ev.as_dict()["series"]["s"] == {
        "x": [1.0], "y": [2.0], "xlabel": "n", "ylabel": "v", "group": "s",
        "low": [1.0], "high": [3.0], "scale": "loglog", "kind": "line",
    }  # fmt: skip
