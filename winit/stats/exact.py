"""Checks from exact finite-sample laws: binomial counts, order statistics and the maximum of
uniforms. Their alphas hold exactly (or conservatively) at every sample size, with no normal
approximation.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from winit.stats.check import Check
from winit.stats.sizing import binomial_exceeds_critical, detectable
from winit.stats.special import binom_cdf, norm_cdf


def _first(pred: Callable[[int], bool], top: int) -> int:
    """Smallest k in [0, ``top``] with ``pred(k)`` (monotone), by bisection."""
    a, b = 0, top
    while a < b:
        mid = (a + b) // 2
        if pred(mid):
            b = mid
        else:
            a = mid + 1
    return a


def _fraction_check(
    name: str,
    test: str,
    successes: int,
    trials: int,
    p: float,
    alpha: float,
    accepted: tuple[int, int],
    *,
    power: float,
    against: float,
    mde: float | None,
    mde_of: str,
) -> Check:
    """``successes``/``trials`` against the ``accepted`` counts of a success probability ``p``,
    as fractions."""
    return Check(
        name=name,
        test=test,
        measured=successes / trials,
        expected=p,
        low=accepted[0] / trials,
        high=accepted[1] / trials,
        alpha=alpha,
        power=power,
        against=f"success probability {against:g}",
        mde=mde,
        mde_of=mde_of,
        n=trials,
    )


def binomial_check(
    name: str, successes: int, trials: int, p: float, alpha: float, *, against: float
) -> Check:
    """Exact two-sided binomial test that ``successes`` of ``trials`` has success probability
    ``p``, reported as a fraction; power against a true success probability ``against``."""
    # accepted region lo <= successes <= hi: each tail outside it has probability <= alpha/2
    lo = _first(lambda k: binom_cdf(k, trials, p) > alpha / 2.0, trials)
    hi = _first(lambda k: 1.0 - binom_cdf(k, trials, p) <= alpha / 2.0, trials)

    def pw(q: float) -> float:
        return binom_cdf(lo - 1, trials, q) + 1.0 - binom_cdf(hi, trials, q)

    up = detectable(lambda e: pw(min(1.0, p + e)), 0.0, 1.0 - p) if p < 1.0 else None
    down = detectable(lambda e: pw(max(0.0, p - e)), 0.0, p) if p > 0.0 else None
    shifts = [e for e in (up, down) if e is not None]
    return _fraction_check(
        name,
        "exact binomial test",
        successes,
        trials,
        p,
        alpha,
        (lo, hi),
        power=pw(against),
        against=against,
        mde=max(shifts) if shifts else None,
        mde_of="success-probability shift",
    )


def binomial_exceeds_check(
    name: str, successes: int, trials: int, p: float, alpha: float, *, against: float
) -> Check:
    """One-sided exact binomial test that the success probability exceeds ``p``: passes when
    ``successes`` reaches the smallest k with P(Bin(trials, p) ≥ k) ≤ ``alpha``. Reported as a
    fraction; power is P(Bin(trials, against) ≥ k)."""
    k = binomial_exceeds_critical(trials, p, alpha)

    def pw(q: float) -> float:
        return 1.0 - binom_cdf(k - 1, trials, q)

    return _fraction_check(
        name,
        "one-sided exact binomial test",
        successes,
        trials,
        p,
        alpha,
        (k, trials),
        power=pw(against),
        against=against,
        mde=detectable(lambda e: pw(min(1.0, p + e)), 0.0, 1.0 - p),
        mde_of="success-probability gain",
    )


def median_band_check(
    name: str,
    sample: ArrayLike,
    band: tuple[float, float],
    expected: float,
    alpha: float,
    *,
    alternative: tuple[float, float],
    against: str,
) -> Check:
    """Is the median of the law behind ``sample`` (i.i.d. replicates) inside ``band``?

    Distribution-free: with k the largest order with 2·P(Bin(R, ½) ≤ k − 1) ≤ ``alpha``, the
    interval [X_(k), X_(R−k+1)] covers the true median with probability ≥ 1 − alpha for every
    continuous law, so the check fails only if that interval misses the band. Reported as the
    sample median against the band widened by the median's distances to those order statistics.
    ``alternative`` = (mean, sd) of the law the named error predicts, modelled as normal for the
    power: the check fails when at least R − k + 1 draws land beyond the band's far edge. The
    minimum detectable effect is how far beyond the band's nearer edge, in that sd, such a
    law's mean must lie."""
    x = np.sort(np.asarray(sample, dtype=np.float64).ravel())
    r = x.size
    orders = [k for k in range(1, r // 2 + 1) if 2.0 * binom_cdf(k - 1, r, 0.5) <= alpha]
    if not orders:
        raise ValueError(f"{r} replicates cannot reach alpha={alpha:g}; need more replicates")
    k = orders[-1]
    lo_band, hi_band = band
    median = float(np.median(x))
    m, sd = alternative

    def pw(beyond: float) -> float:
        """P(fail) for a normal law whose mean is ``beyond`` sd past the band edge: fewer than
        k of its R draws land on the band's side."""
        return binom_cdf(k - 1, r, norm_cdf(-beyond))

    edge = hi_band if m > hi_band else lo_band
    return Check(
        name=name,
        test=f"order-statistic interval of the median ([X_({k}), X_({r - k + 1})] of {r})",
        measured=median,
        expected=expected,
        low=lo_band - (float(x[r - k]) - median),
        high=hi_band + (median - float(x[k - 1])),
        alpha=alpha,
        power=pw(abs(m - edge) / sd),
        against=against,
        mde=detectable(pw, 0.0, 100.0),
        mde_of="median beyond the band (alternative sd)",
        n=r,
    )


def uniform_maximum_check(name: str, w: ArrayLike, limit: float, alpha: float) -> Check:
    """max|w|/limit for i.i.d. U[−limit, limit]: P(max < c) = c^N exactly, so the level-alpha
    interval is [alpha^(1/N), 1] (plus 4 ulp of rounding). Power against a limit 1/√2 too small
    (variance 2x off) is 1 when that limit lies below the interval; the detectable shrink of the
    limit is 1 − alpha^(1/N)."""
    x = np.asarray(w, dtype=np.float64).ravel()
    low = alpha ** (1.0 / x.size)
    return Check(
        name=name,
        test="exact law of the maximum of N uniforms",
        measured=float(np.max(np.abs(x))) / limit,
        expected=1.0,
        low=low,
        high=1.0 + 4 * np.finfo(float).eps,
        alpha=alpha,
        power=1.0 if low > math.sqrt(0.5) else 0.0,
        against="a limit 1/sqrt(2) too small",
        mde=1.0 - low,
        mde_of="relative shrink of the limit",
        n=x.size,
    )
