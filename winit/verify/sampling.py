"""How many draws each shape needs: the named errors a check must catch, the power of each
check against each error at ``n`` draws, and the smallest ``n`` reaching the target power.

The named errors (with the real bug each comes from) are variance ratios for the variance check
(2× either way; fan_in/fan_out swapped; gain missing; a ``scale`` taken for a gain; truncation
without the std correction, keras#8048 / tensorflow#16344, or with it where the law has none;
uniform bound from the normal formula, mlx#2001), a mean shift of 0.1 std for the z-test, a
family confusion at equal mean and variance for the KS test (uniform vs normal; truncated vs
untruncated normal, which is how Keras' and PyTorch's "he_normal" differ).

Orthogonal laws: under a Haar law W and DW have the same law for every diagonal ±1 matrix D, so
each diagonal sign is a fair coin independent of the others, and for a square W the sign of
det W is a fair coin too. The constructions that have shipped and are not Haar: numpy's QR
without the sign fix (LAPACK makes R's diagonal the opposite sign of each Householder pivot, so
Q[0, 0] < 0 always and the pooled P(diag > 0) is 0.10-0.15; tensorflow PR 9429, chainer PR
5615), a sign fix applied to some entries only, and SO(n)-only constructions (the matrix
exponential or Cayley transform of a skew matrix, ``torch.nn.utils.parametrizations
.orthogonal``; the unfixed LAPACK QR too, whose det is (-1)^(n-1)). Three tests cover them: the
pooled fraction of positive diagonal entries (power vs P(+) = 0.25), each diagonal entry's own
sign across calls (Bonferroni over the entries; power vs one entry of fixed sign), and, for square
shapes, the sign of the determinant across calls (power vs det always +1).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from winit import stats
from winit._validate import Shape
from winit.fans import fan_by_mode
from winit.initializers import TRUNCATED_STD
from winit.verify.distributions import (
    Constant,
    ElementDistribution,
    Orthogonal,
    Target,
    TruncatedNormal,
    Uniform,
    normal_like,
)
from winit.verify.laws import ResolvedLaw, keras_truncated

#: most draws pooled per shape; an error that needs more is reported with the power reached
MAX_DRAWS = 2**18
#: the P(diag > 0) the pooled Haar sign test must detect
SIGN_BIAS = 0.25
#: the named non-Haar constructions: (check, name, P(success) under the error). A success is a
#: positive diagonal entry (haar: pooled, haar-entry: one position across calls) or det > 0.
HAAR_ERRORS = (
    ("haar", "QR without the sign fix (pooled P(diag>0) = 0.25)", SIGN_BIAS),
    ("haar-entry", "a diagonal entry of fixed sign (unfixed QR: Q[0,0] < 0 always)", 0.0),
    ("haar-det", "det of one sign (SO(n) via expm/Cayley; unfixed QR: (-1)^(n-1))", 1.0),
)
#: the mean shift (in units of the law's std) the z-test must detect
MEAN_SHIFT = 0.1


@dataclass(frozen=True)
class Alternative:
    """A named wrong distribution a statistical check must reject: ``check`` is the check that
    must reject it (``variance``, ``mean``, ``ks``, ``haar``, ``haar-entry``, ``haar-det``);
    ``effect`` a variance ratio (variance), a mean shift (mean), a sup-distance of CDFs (ks) or
    a P(success) (haar)."""

    check: str
    name: str
    effect: float
    hint: str = ""


def alternatives(law: ResolvedLaw, target: Target, fan_in: int, fan_out: int) -> list[Alternative]:
    """The named errors of ``law`` that apply to ``target`` (for a shape with these fans)."""
    if isinstance(target, Constant):
        return []
    if isinstance(target, Orthogonal):
        return [
            Alternative(check, name, p)
            for check, name, p in HAAR_ERRORS
            if check != "haar-det" or target.square
        ]
    out = [
        Alternative("variance", "variance 2x too large", 2.0),
        Alternative("variance", "variance 2x too small", 0.5),
        Alternative("mean", f"mean shifted by {MEAN_SHIFT:g} std", MEAN_SHIFT * target.var**0.5),
        Alternative("ks", *_confusion(target)),
    ]
    params = law.params
    if law.family == "fan":
        mode = str(params["mode"])
        if mode != "fan_avg" and fan_in != fan_out:
            other = "fan_out" if mode == "fan_in" else "fan_in"
            ratio = fan_by_mode(fan_in, fan_out, mode) / fan_by_mode(fan_in, fan_out, other)
            out.append(Alternative("variance", "fans swapped", ratio, "check --layout"))
        g = law.gain
        if g != 1.0:
            out.append(Alternative("variance", "gain missing", 1.0 / g**2, "is the gain passed?"))
        scale = params.get("scale")
        if isinstance(scale, float) and scale != 1.0:
            out.append(Alternative("variance", "scale taken for a gain (squared)", scale))
        if params["distribution"] == "uniform":
            out.append(Alternative("variance", "uniform bound without √3 (mlx#2001)", 1.0 / 3.0))
    cut = law.truncation
    if cut == "corrected":
        out.append(
            Alternative(
                "variance", "truncated without std correction (keras#8048)", TRUNCATED_STD**2,
                "if the docs give the parent normal's std: --param truncation=uncorrected",
            )
        )  # fmt: skip
    elif cut == "uncorrected":
        out.append(
            Alternative(
                "variance", "truncated with the std correction", TRUNCATED_STD**-2,
                "if the docs give the result's std: --param truncation=corrected",
            )
        )  # fmt: skip
    return out


def _confusion(target: ElementDistribution) -> tuple[str, float]:
    """The other family at the same mean and variance, and its KS distance from ``target``."""
    alt: ElementDistribution
    if isinstance(target, Uniform):
        name, alt = "a normal", normal_like(target.mean, target.var)
    elif target.truncated:
        name, alt = "an untruncated normal", normal_like(target.mean, target.var)
    else:
        name, alt = "a ±2σ-truncated normal", keras_truncated(target.mean, target.var**0.5)
    sd = target.var**0.5
    grid = np.linspace(target.mean - 8 * sd, target.mean + 8 * sd, 16_001)
    gap = np.max(np.abs(target.cdf(grid) - alt.cdf(grid)))
    return f"{name} of the same variance", float(gap)


def units_per_call(check: str, target: Target, shape: Shape) -> int:
    """What one call adds to a check's sample: its elements, its diagonal signs (pooled Haar
    test), or one coin (a diagonal position's sign, the determinant's sign)."""
    if isinstance(target, Orthogonal):
        return min(target.rows, target.cols) if check == "haar" else 1
    return math.prod(shape)


def entry_alpha(target: Orthogonal, alpha: float) -> float:
    """Each diagonal position's share of the per-entry sign test's alpha (Bonferroni)."""
    return stats.bonferroni(alpha, min(target.rows, target.cols))


def power(alt: Alternative, target: Target, n: int, alpha: float) -> float:
    """Power of the check of ``alt.check`` at ``n`` units (draws, coins or calls; see
    :func:`units_per_call`) and level ``alpha``."""
    if alt.check.startswith("haar"):
        assert isinstance(target, Orthogonal)
        level = entry_alpha(target, alpha) if alt.check == "haar-entry" else alpha
        return stats.binomial_check("", 0, n, 0.5, level, against=alt.effect).power or 0.0
    assert isinstance(target, Uniform | TruncatedNormal)
    if alt.check == "variance":
        if target.kurtosis == 3.0:
            return stats.chi2_ratio_power(n, alpha, alt.effect)
        return stats.normal_ratio_power(n, alpha, target.kurtosis, alt.effect)
    if alt.check == "mean":
        return stats.z_power(alt.effect / (target.var**0.5 / math.sqrt(n)), alpha)
    return stats.ks_power(alt.effect, n, alpha)


@dataclass(frozen=True)
class Sampling:
    """The draws for one shape: ``calls`` calls of ``per_call`` units each (elements, or diagonal
    signs for orthogonal laws); ``needed`` calls and the error that drove it."""

    calls: int
    per_call: int
    needed: int
    driver: str
    unreachable: tuple[str, ...]

    @property
    def units(self) -> int:
        return self.calls * self.per_call


def _power_of(alt: Alternative, target: Target, alpha: float) -> Callable[[int], float]:
    return lambda n: power(alt, target, n, alpha)


def sampling(
    target: Target, alts: list[Alternative], shape: Shape, alpha: float, goal: float
) -> Sampling:
    """Enough calls that every reachable alternative is rejected with power ≥ ``goal``."""
    per_call = units_per_call("haar", target, shape)
    if not alts:
        return Sampling(1, per_call, 0, "", ())
    needed, driver, unreachable = 0, "", []
    for alt in alts:
        n = stats.sample_size(_power_of(alt, target, alpha), goal, MAX_DRAWS)
        if n is None:
            unreachable.append(alt.name)
            continue
        calls = -(-n // units_per_call(alt.check, target, shape))
        if calls > needed:
            needed, driver = calls, alt.name
    # an exact binomial test's power saws up and down with n: round the calls up until every
    # reachable error's power holds at the sample they give
    reachable = [a for a in alts if a.name not in unreachable]
    while needed < MAX_DRAWS and any(
        power(a, target, needed * units_per_call(a.check, target, shape), alpha) < goal
        for a in reachable
    ):
        needed += 1
    return Sampling(max(2, needed), per_call, needed, driver, tuple(unreachable))
