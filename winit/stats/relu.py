"""The exact law of the second-moment ratio through a deep square ReLU network (one input), and
the Chernoff intervals and checks built on it (:class:`~winit.stats.chernoff.LogMgf`).

For one input, width ``n`` and i.i.d. N(0, σ²) weights, let s_l = mean of y_l² over the n
pre-activations of layer l. Given layer l−1, y_l is an isotropic Gaussian vector, so
y_l = √v_l·g_l with g_l ~ N(0, I_n) independent of everything before. Writing
R_l = |relu(g_l)|²/|g_l|² (a function of the direction of g_l, so independent of G_l = |g_l|²)::

    s_L / s_1 = σ^{2(L−1)} · R_1 · Π_{l=2}^{L−1} (R_l·G_l) · G_L,

with R_l·G_l = |relu(g_l)|² ~ χ²_K, K ~ Binomial(n, ½) positive units; R_1 ~ Beta(K/2, (n−K)/2)
given K; G_L ~ χ²_n. All factors are independent, so the ln-ratio is a sum of independent terms
with known moment generating functions (E[X^t] of χ² and Beta laws are Gamma-function ratios).

To first order each middle term has variance 5/n (|relu(g)|² has mean n/2 and variance 5n/4),
R_1 3/n and G_L/n 2/n: Var(ln ratio) ≈ 5(L−1)/n, and E[ln ratio] ≈ (L−1)·ln(nσ²/2) − 5(L−1)/(2n)
(−Var/2 per term). But the law is left-skewed (a Monte Carlo at n=100, L=10 gives skewness −0.2),
so a normal quantile at the 6σ a 1e-9 alpha needs would be off by about one σ in the lower
tail. The Chernoff bound holds for every law and costs only ~7 % of width over a normal quantile
at these alphas.

Positive-unit counts below k_min are excluded and their mass (≤ alpha/4) charged to alpha; each
Chernoff tail gets 3·alpha/8.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
from numpy.typing import NDArray

from winit.stats.check import Check
from winit.stats.chernoff import LogMgf
from winit.stats.sizing import detectable
from winit.stats.special import lgamma_array, log_binomial_half, logsumexp

_T_GRID = np.concatenate([-np.geomspace(1e-3, 1e3, 400)[::-1], np.geomspace(1e-3, 1e3, 400)])


@cache
def _log_mgfs(
    n: int, k_min: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """ln E[e^{tX}] on the t grid for X = ln χ²_K, ln R_1, ln χ²_n, with K ≥ k_min (the rest of
    the binomial mass is charged to alpha by the caller). Infinite where a moment does not exist."""
    t = _T_GRID[:, None]
    k = np.arange(k_min, n + 1, dtype=np.float64)[None, :]
    logp = log_binomial_half(n)[k_min:][None, :]
    with np.errstate(invalid="ignore"):
        ok = k / 2.0 + t > 0
        a = np.where(ok, k / 2.0 + t, 1.0)
        chi_k = t * math.log(2) + lgamma_array(a) - lgamma_array(k / 2.0)
        chi_k = np.where(ok, chi_k, np.inf)
        beta = np.where(ok, chi_k - t * math.log(2) + math.lgamma(n / 2.0), np.inf)
        beta = beta - np.where(
            n / 2.0 + t > 0, lgamma_array(np.maximum(n / 2.0 + t, 1e-300)), np.inf
        )
    m_chi = logsumexp(chi_k + logp, axis=1)
    m_beta = logsumexp(beta + logp, axis=1)
    tt = _T_GRID
    ok_n = n / 2.0 + tt > 0
    m_n = np.where(
        ok_n,
        tt * math.log(2) + lgamma_array(np.where(ok_n, n / 2.0 + tt, 1.0)) - math.lgamma(n / 2.0),
        np.inf,
    )
    # the binomial mass below k_min is excluded: renormalise to a conditional law
    log_kept = float(logsumexp(log_binomial_half(n)[k_min:][None, :], axis=1)[0])
    return m_chi - log_kept, m_beta - log_kept, m_n


@cache
def _k_min(n: int, depth: int, alpha: float) -> int:
    """Smallest positive-unit count kept: the binomial mass below it, over the L−1 factors
    that have one, is at most alpha/4."""
    log_cdf = np.logaddexp.accumulate(log_binomial_half(n))
    return max(1, int(np.searchsorted(log_cdf, math.log(alpha / (4.0 * depth)), side="right")))


def _log_mgf(n: int, depth: int, var_w: float, alpha: float) -> NDArray[np.float64]:
    """ln E[e^{t·ln(s_L/s_1)}] on the t grid, conditional on every K ≥ k_min."""
    if n < 2 or depth < 2:
        raise ValueError(f"need width n >= 2 and depth >= 2, got n={n}, depth={depth}")
    m_chi, m_beta, m_n = _log_mgfs(n, _k_min(n, depth, alpha))
    out = m_beta + (depth - 2) * m_chi + m_n + _T_GRID * (depth - 1) * math.log(var_w)
    return np.where(np.isnan(out), np.inf, out)  # inf − inf where a moment does not exist


def _tail(alpha: float) -> float:
    """Each Chernoff tail's share of alpha (the excluded counts take the other alpha/4)."""
    return 3.0 * alpha / 8.0


def relu_ln_ratio_interval(n: int, depth: int, var_w: float, alpha: float) -> tuple[float, float]:
    """An interval that holds ln(s_L/s_1) with probability ≥ 1 − alpha for one input through
    ``depth`` square ReLU layers of width ``n`` with N(0, ``var_w``) weights (module docstring)."""
    return LogMgf(_T_GRID, _log_mgf(n, depth, var_w, alpha)).interval(_tail(alpha))


def relu_ln_ratio_power(n: int, depth: int, var_w: float, alpha: float, true_var_w: float) -> float:
    """A lower bound on P(ln(s_L/s_1) falls outside :func:`relu_ln_ratio_interval` for ``var_w``)
    when the weights really have variance ``true_var_w`` (e.g. Glorot's 1/n instead of He's
    2/n): the ratio law just shifts by (L−1)·ln(true/var_w), so one Chernoff bound on the far
    side gives P(inside) ≤ min_t exp(−t·edge)·M(t) (+ the excluded binomial mass)."""
    low, high = relu_ln_ratio_interval(n, depth, var_w, alpha)
    true = LogMgf(_T_GRID, _log_mgf(n, depth, true_var_w, alpha))
    below = true_var_w < var_w  # the alternative sits below: inside only if it exceeds `low`
    return true.miss_power(low if below else high, upper=below, excluded=alpha / 4.0)


def relu_ln_ratio_check(
    name: str, ln_ratio: float, n: int, depth: int, var_w: float, alpha: float, *,
    true_var_w: float, against: str,
) -> Check:  # fmt: skip
    """Is ``ln_ratio`` = ln(s_L/s_1) of one input a draw of the exact law (expected: its first
    order (L−1)·ln(n·var_w/2))? Power against weights of variance ``true_var_w``, a Chernoff
    lower bound; the detectable effect is the weight-variance ratio it detects both ways."""

    def power(ratio: float) -> float:
        return min(
            relu_ln_ratio_power(n, depth, var_w, alpha, var_w * r) for r in (ratio, 1 / ratio)
        )

    low, high = relu_ln_ratio_interval(n, depth, var_w, alpha)
    return Check(
        name=name,
        test="Chernoff interval of the exact one-input law",
        measured=ln_ratio,
        expected=(depth - 1) * math.log(n * var_w / 2.0),
        low=low,
        high=high,
        alpha=alpha,
        power=relu_ln_ratio_power(n, depth, var_w, alpha, true_var_w),
        against=against,
        mde=detectable(power, 1.0, 4.0),
        mde_of="weight-variance ratio",
        n=n,
    )


def _relu_chi2_mgf(n: int, alpha: float) -> LogMgf:
    """ln M of ln χ²_K, K ~ Binomial(n, ½) (K ≥ k_min)."""
    return LogMgf(_T_GRID, _log_mgfs(n, _k_min(n, 2, alpha))[0])


def relu_chi2_interval(n: int, alpha: float) -> tuple[float, float]:
    """An interval that holds ln χ²_K, K ~ Binomial(n, ½), with probability ≥ 1 − alpha: the law
    of ln |relu-masked g|² for g ~ N(0, I_n), i.e. of one ReLU layer's factor on a squared norm
    (forward: the middle layers above; backward: |(Wᵀδ) ⊙ 1[z > 0]|² = Var(w)·|δ|²·χ²_K)."""
    return _relu_chi2_mgf(n, alpha).interval(_tail(alpha))


def relu_chi2_power(n: int, alpha: float, shift: float) -> float:
    """A lower bound on P(ln χ²_K + ``shift`` falls outside :func:`relu_chi2_interval`): the
    power against an error that moves the factor by ``shift``. X + shift is inside only if it
    is beyond the near edge: X > low − shift (shift < 0) or X < high − shift (shift > 0)."""
    low, high = relu_chi2_interval(n, alpha)
    edge = low - shift if shift < 0 else high - shift
    return _relu_chi2_mgf(n, alpha).miss_power(edge, upper=shift < 0, excluded=alpha / 4.0)


def relu_chi2_check(
    name: str, ln_ratio: float, n: int, centre: float, alpha: float, *, shift: float, against: str
) -> Check:
    """Is ``ln_ratio`` − ``centre`` a draw of ln χ²_K, K ~ Bin(``n``, ½)
    (:func:`relu_chi2_interval`; expected: centre + ln(n/2))? Power against a ``shift`` of the
    ratio; the detectable effect is the shift it detects either way."""

    def power(s: float) -> float:
        return min(relu_chi2_power(n, alpha, s), relu_chi2_power(n, alpha, -s))

    low, high = relu_chi2_interval(n, alpha)
    return Check(
        name=name,
        test="Chernoff interval of the exact one-input law (ln chi-square of a Binomial count)",
        measured=ln_ratio,
        expected=centre + math.log(n / 2.0),
        low=centre + low,
        high=centre + high,
        alpha=alpha,
        power=relu_chi2_power(n, alpha, shift),
        against=against,
        mde=detectable(power, 0.0, 10.0),
        mde_of="shift of the ln ratio (either way)",
        n=n,
    )
