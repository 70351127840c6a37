"""The result of one check, and the false-alarm budget and power every check is sized for."""

from __future__ import annotations

from dataclasses import KW_ONLY, asdict, dataclass

#: The false-alarm budget of one run of a claim (all its checks together, under the thorough
#: profile) and of one ``winit verify`` call.
RUN_ALPHA = 1e-6
#: The power every statistical check is sized for, and at which its minimum detectable effect
#: is reported.
POWER = 0.999


@dataclass(frozen=True)
class Check:
    """One statistical (or exact) check: ``measured`` must lie in ``[low, high]``.

    The interval's seven fields may be given in order; what sizes it is given by keyword.

    Args:
        name: what is measured.
        test: the test, in words (e.g. ``"chi-square interval for a variance"``).
        measured: the measured statistic.
        expected: its value under the law checked.
        low: the interval's lower end.
        high: the interval's upper end.
        alpha: the false-alarm probability of the interval for a correct law (0: exact).
        power: the probability of rejecting the error named in ``against`` (``None`` where
            not computed).
        against: the named error.
        mde: the smallest departure, in the units ``mde_of`` names, that the check detects with
            probability :data:`POWER` at its own alpha (its minimum detectable effect).
        mde_of: the units of ``mde``.
        n: the sample size the check was computed from.

    >>> Check("x", "exact", 1.0, 1.0, 1.0, 1.0, 0.0).passed
    True
    """

    name: str
    test: str
    measured: float
    expected: float
    low: float
    high: float
    alpha: float
    _: KW_ONLY
    power: float | None = None
    against: str = ""
    mde: float | None = None
    mde_of: str = ""
    n: int | None = None

    @property
    def passed(self) -> bool:
        return bool(self.low <= self.measured <= self.high)

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "passed": self.passed}


def exact_check(name: str, measured: float, expected: float, tol: float = 0.0) -> Check:
    """An exact (or rounding-level) equality: ``|measured − expected| ≤ tol``; alpha 0.

    >>> exact_check("one", 1.0 + 1e-16, 1.0, 1e-15).passed
    True
    """
    return Check(
        name=name, test="exact", measured=measured, expected=expected,
        low=expected - tol, high=expected + tol, alpha=0.0,
    )  # fmt: skip
