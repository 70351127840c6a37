"""How many draws each shape needs: the named errors a check must catch, the power of each
check against each error at ``n`` draws, and the smallest ``n`` reaching the target power.

The named errors (with the real bug each comes from) are variance ratios for the variance check
(2× either way; fan_in/fan_out swapped; gain missing; truncation without the std correction,
keras#8048 / tensorflow#16344; uniform bound from the normal formula, mlx#2001), a mean shift of
0.1 std for the z-test, a family confusion at equal mean and variance for the KS test (uniform
vs normal; truncated vs untruncated normal, which is how Keras' and PyTorch's "he_normal" differ),
and, for orthogonal laws, diagonal signs biased to P(+) = 0.25 (numpy's QR without the sign fix
gives 0.10-0.15: LAPACK makes R's diagonal the opposite sign of each pivot, so Q[0, 0] < 0
always; tensorflow PR 9429, chainer PR 5615). Under a Haar law each diagonal sign is a fair coin,
independent of the others (W and DW have the same law for any diagonal ±1 matrix D).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from winit import stats
from winit.initializers import TRUNCATED_STD
from winit.verify.distributions import (
    Constant,
    ElementLaw,
    Orthogonal,
    Target,
    TruncatedNormal,
    Uniform,
    normal_like,
)
from winit.verify.laws import Param, fan_of, get_law, is_winit_truncation, keras_truncated, law_gain

#: most draws pooled per shape; an error that needs more is reported with the power reached
MAX_DRAWS = 2**18
#: the P(diag > 0) the Haar sign test must detect
SIGN_BIAS = 0.25
#: the mean shift (in units of the law's std) the z-test must detect
MEAN_SHIFT = 0.1

CHECKS = ("mean", "variance", "shape", "haar")


@dataclass(frozen=True)
class Alternative:
    """A named wrong law a statistical check must reject: ``effect`` is a variance ratio
    (variance), a mean shift (mean), a sup-distance of CDFs (shape) or P(diag > 0) (haar)."""

    check: str
    name: str
    effect: float


def alternatives(
    law_name: str, params: Mapping[str, Param], law: Target, fan_in: int, fan_out: int
) -> list[Alternative]:
    """The named errors that apply to ``law`` (for a shape with these fans)."""
    if isinstance(law, Constant):
        return []
    if isinstance(law, Orthogonal):
        return [Alternative("haar", "QR without the sign fix", SIGN_BIAS)]
    out = [
        Alternative("variance", "variance 2x too large", 2.0),
        Alternative("variance", "variance 2x too small", 0.5),
        Alternative("mean", f"mean shifted by {MEAN_SHIFT:g} std", MEAN_SHIFT * law.var**0.5),
        Alternative("shape", *_confusion(law)),
    ]
    if get_law(law_name).family == "fan":
        mode = str(params["mode"])
        if mode != "fan_avg" and fan_in != fan_out:
            other = "fan_out" if mode == "fan_in" else "fan_in"
            ratio = fan_of(mode, fan_in, fan_out) / fan_of(other, fan_in, fan_out)
            out.append(Alternative("variance", "fan_in/fan_out swapped", ratio))
        g = law_gain(params)
        if g != 1.0:
            out.append(Alternative("variance", "gain missing", 1.0 / g**2))
        if params["distribution"] == "uniform":
            out.append(Alternative("variance", "uniform bound without √3 (mlx#2001)", 1.0 / 3.0))
    if is_winit_truncation(law_name, params):
        out.append(
            Alternative(
                "variance", "truncation without std correction (keras#8048)", TRUNCATED_STD**2
            )
        )
    return out


def _confusion(law: ElementLaw) -> tuple[str, float]:
    """The other family at the same mean and variance, and its KS distance from ``law``."""
    alt: ElementLaw
    if isinstance(law, Uniform):
        name, alt = "a normal", normal_like(law.mean, law.var)
    elif law.truncated:
        name, alt = "an untruncated normal", normal_like(law.mean, law.var)
    else:
        name, alt = "a ±2σ-truncated normal", keras_truncated(law.mean, law.var**0.5)
    sd = law.var**0.5
    grid = np.linspace(law.mean - 8 * sd, law.mean + 8 * sd, 16_001)
    return f"{name} of the same variance", float(np.max(np.abs(law.cdf(grid) - alt.cdf(grid))))


def power(alt: Alternative, law: Target, n: int, alpha: float) -> float:
    """Power of the check of ``alt.check`` at ``n`` draws (coins for haar) and level ``alpha``."""
    if alt.check == "haar":
        return stats.binomial_check("", 0, n, 0.5, alpha, against=alt.effect).power or 0.0
    assert isinstance(law, Uniform | TruncatedNormal)
    if alt.check == "variance":
        if law.kurtosis == 3.0:
            return stats.chi2_ratio_power(n, alpha, alt.effect)
        return stats.normal_ratio_power(n, alpha, law.kurtosis, alt.effect)
    if alt.check == "mean":
        se = law.var**0.5 / math.sqrt(n)
        half = stats.norm_ppf(1.0 - alpha / 2.0) * se
        return (
            stats.norm_cdf((-half - alt.effect) / se)
            + 1.0
            - stats.norm_cdf((half - alt.effect) / se)
        )
    return stats.ks_power(alt.effect, n, alpha)


@dataclass(frozen=True)
class Plan:
    """The draws for one shape: ``calls`` calls of ``per_call`` units each (elements, or diagonal
    coins for orthogonal laws); ``needed`` units and the error that drove it."""

    calls: int
    per_call: int
    needed: int
    driver: str
    unreachable: tuple[str, ...]

    @property
    def units(self) -> int:
        return self.calls * self.per_call


def _power_of(alt: Alternative, law: Target, alpha: float) -> Callable[[int], float]:
    return lambda n: power(alt, law, n, alpha)


def plan(law: Target, alts: list[Alternative], per_call: int, alpha: float, target: float) -> Plan:
    """Enough calls that every reachable alternative is rejected with power ≥ ``target``."""
    if not alts:
        return Plan(1, per_call, 0, "", ())
    needed, driver, unreachable = 0, "", []
    for alt in alts:
        n = stats.sample_size(_power_of(alt, law, alpha), target, MAX_DRAWS)
        if n is None:
            unreachable.append(alt.name)
        elif n > needed:
            needed, driver = n, alt.name
    calls = max(2, -(-needed // per_call))
    return Plan(calls, per_call, needed, driver, tuple(unreachable))
