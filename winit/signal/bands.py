"""The band check every signal check is built from, and the bands themselves.

A signal statistic (a norm layer's log-RMS, a log-RMS slope through depth, a stream's total
log-growth) is measured once per seed. The check is that the seeds' mean lies in
``expected ± (band + half)``: ``band`` is a stated tolerance on the *true* value and ``half``
is the statistical margin from the seed-to-seed spread.

The spread is estimated from the seeds, so the margin uses an upper confidence bound on it:
with S seeds of sample standard deviation s, σ ≤ s·√((S−1)/χ²_{α/2}(S−1)) with probability
≥ 1 − α/2, and given that, the mean is within z_{1−α/4}·σ/√S of its true value with probability
≥ 1 − α/2. A true value inside the band therefore fails with probability ≤ α (per-seed values
normal and independent across seeds). Power against a named alternative is computed at
σ = s (a plug-in estimate, not a bound), over the law of the mean and of the margin.

The bands are judgements, not derived from a law, and every output says so:

- :data:`NORM_BAND`: a norm layer's output RMS within a factor 1.1 of 1 (the eps of a norm
  over a small-variance input pulls it below 1 by far less);
- :data:`SLOPE_BAND`: a log-RMS slope per block within ±¼·ln 2, i.e. the variance changes by at
  most √2 per block — He init on ReLU is at 0, Glorot init on ReLU (variance halved per layer)
  is at twice the band;
- :data:`BOUNDED_BAND`: a stream declared bounded grows (or shrinks) in RMS by at most 2× over
  the whole depth;
- :data:`WIDTH_BAND`: a layer's output RMS scales with width at most as width^±¼ (the mup
  coordinate check at step 0: flat is 0; N(0, 1)-like fixed-std weights give ½).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import ArrayLike, NDArray

from winit.stats import Check, chi2_ppf, detectable, norm_cdf_array, norm_ppf


@dataclass(frozen=True)
class Band:
    """A stated tolerance on a true value and the error its power is computed against.

    Args:
        half_width: the tolerance, in the statistic's units.
        why: why this tolerance, in words (a judgement, said as one).
        alternative: the statistic's value under the named error.
        against: the named error, in words.
    """

    half_width: float
    why: str
    alternative: float
    against: str


NORM_BAND = Band(
    half_width=math.log(1.1),
    why="judgement: output RMS within 1.1x of 1 (a norm's eps moves it far less)",
    alternative=math.log(2.0),
    against="norm gain 2 (e.g. x̂·(1 + weight) with weight = 1)",
)
SLOPE_BAND = Band(
    half_width=0.25 * math.log(2.0),
    why="judgement: variance changes by at most √2 per block (He on ReLU: 0; Glorot on ReLU: "
    "twice the band)",
    alternative=0.5 * math.log(2.0),
    against="variance 2x per block (exponential)",
)
BOUNDED_BAND = Band(
    half_width=math.log(2.0),
    why="judgement: a bounded stream's RMS changes by at most 2x over the whole depth",
    alternative=math.log(4.0),
    against="stream RMS 4x over the depth",
)


#: Equal-probability cells the power averages over the spread's own sampling law.
SPREAD_CELLS = 256

WIDTH_BAND = Band(
    half_width=0.25,
    why="judgement: output RMS scales with width at most as width^±1/4 (flat: 0)",
    alternative=0.5,
    against="output RMS ∝ √width (a fixed weight std)",
)


def spread_upper(sd: float, seeds: int, alpha: float) -> float:
    """An upper ``1 − alpha`` confidence bound on σ from the sample sd of ``seeds`` normal draws.

    >>> spread_upper(1.0, 31, 0.05) > 1.0
    True
    """
    df = seeds - 1
    return sd * math.sqrt(df / chi2_ppf(alpha, df))


@cache
def _spread_ratios(df: int) -> NDArray[np.float64]:
    """s/σ at the midpoints of :data:`SPREAD_CELLS` equal-probability cells of its law
    (√(χ²_df/df))."""
    cells = (np.arange(SPREAD_CELLS) + 0.5) / SPREAD_CELLS
    return np.sqrt(np.array([chi2_ppf(float(u), df) for u in cells]) / df)


def band_power(shift: float, band: float, sd: float, seeds: int, alpha: float) -> float:
    """P(:func:`band_check` rejects) when the true value is ``shift`` from the expected one and
    the per-seed values have standard deviation ``sd``: over the mean's normal law and the
    margin's (it grows with the sample sd), the latter by :data:`SPREAD_CELLS` quantiles.

    >>> band_power(1.0, 0.1, 0.0, 8, 0.05), band_power(0.05, 0.1, 0.0, 8, 0.05)
    (1.0, 0.0)
    """
    if sd == 0.0:
        return 1.0 if abs(shift) > band else 0.0
    se = sd / math.sqrt(seeds)
    margin = _margin(sd * _spread_ratios(seeds - 1), seeds, alpha)
    up = norm_cdf_array((abs(shift) - band - margin) / se)
    down = norm_cdf_array((-band - margin - abs(shift)) / se)
    return float(np.mean(up + down))


def _margin(sd: ArrayLike, seeds: int, alpha: float) -> NDArray[np.float64]:
    """The statistical margin of the band check for sample sd ``sd`` (see the module)."""
    z = norm_ppf(1.0 - alpha / 4.0)
    upper = np.asarray(sd, np.float64) * spread_upper(1.0, seeds, alpha / 2.0)
    return z * upper / math.sqrt(seeds)


def band_check(name: str, per_seed: ArrayLike, expected: float, band: Band, alpha: float) -> Check:
    """Is the mean of ``per_seed`` within ``expected ± (band + margin)``? Level ≤ ``alpha`` for
    any true value inside the band; power (:func:`band_power` at the seeds' sd) against
    ``band.alternative``.

    Raises:
        ValueError: fewer than 3 seeds (the spread needs at least 2 degrees of freedom).

    >>> band_check("x", [0.0, 0.01, -0.01, 0.02], 0.0, SLOPE_BAND, 1e-3).passed
    True
    """
    x = np.asarray(per_seed, dtype=np.float64).ravel()
    if x.size < 3:
        raise ValueError(f"check {name!r} needs at least 3 seeds, got {x.size}")
    sd = float(np.std(x, ddof=1))
    half = band.half_width + float(_margin(sd, x.size, alpha))

    def power(shift: float) -> float:
        return band_power(shift, band.half_width, sd, x.size, alpha)

    return Check(
        name=name,
        test="seed mean within a stated band plus a margin from the seed spread's upper bound",
        measured=float(np.mean(x)),
        expected=expected,
        low=expected - half,
        high=expected + half,
        alpha=alpha,
        power=power(band.alternative - expected),
        against=band.against,
        mde=detectable(power, 0.0, 100.0 * half + 1.0),
        mde_of="departure of the true value from the expected one",
        n=x.size,
    )
