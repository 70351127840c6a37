"""The checks of one shape, from the pooled draws of an initializer: exact ones for exact laws,
statistical ones (each with its alpha and its power against every named error) otherwise."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from winit import stats
from winit.stats import Check
from winit.verify.distributions import Constant, Orthogonal, Target
from winit.verify.sampling import Alternative, entry_alpha, power

Draw = NDArray[Any]
Powers = tuple[tuple[str, float], ...]
#: a check, its power against each named error, and the named error a failure is nearest to
Outcome = tuple[Check, Powers, str]
#: the largest fraction of equal elements two draws from different seeds may share; independent
#: continuous float32 draws agree elementwise with probability about 2⁻²³
DIFFER_LIMIT = 0.01
#: |log(measured / named ratio)| within which a failing variance ratio is called that error
VARIANCE_MATCH = 0.05


def statistical_checks(target: Target) -> int:
    """How many statistical checks (the ones that spend alpha) a shape of ``target`` runs."""
    if isinstance(target, Constant):
        return 0
    if isinstance(target, Orthogonal):
        return 3 if target.square else 2
    return 3


def _powered(kind: str, check: Check, alts: list[Alternative], target: Target, n: int) -> Outcome:
    """``check`` with its power replaced by the minimum over the named errors of ``kind``, and
    the diagnosis of a failure."""
    mine = [a for a in alts if a.check == kind]
    powers = tuple((a.name, power(a, target, n, check.alpha)) for a in mine)
    if not powers:
        return check, (), ""
    weakest = min(powers, key=lambda p: p[1])
    check = dataclasses.replace(check, power=weakest[1], against=weakest[0])
    return check, powers, diagnose(kind, check, alts)


def _exact(check: Check) -> Outcome:
    return check, (), ""


def _fraction_equal(a: Draw, b: Draw) -> float:
    return float(np.mean(a == b)) if a.shape == b.shape else 0.0


def _rounding(draw: Draw) -> float:
    return float(np.finfo(draw.dtype).eps) if np.issubdtype(draw.dtype, np.floating) else 0.0


def _fraction_at(value: float, draws: list[Draw]) -> float:
    """The fraction of elements equal to ``value`` rounded to the draws' dtype; 0 when that dtype
    cannot hold it (overflow to inf, or a fraction in an integer dtype)."""
    with np.errstate(over="ignore", invalid="ignore"):
        cast = np.asarray(value).astype(draws[0].dtype)
    held = float(cast) if np.isfinite(cast) else math.inf
    if abs(held - value) > _rounding(draws[0]) * abs(value):
        return 0.0
    return float(np.mean(np.concatenate([d.ravel() == cast for d in draws])))


def _seeds_differ(target: Target, draws: list[Draw]) -> Check:
    """The first two calls share at most :data:`DIFFER_LIMIT` of their elements. A 1x1 Haar
    matrix is a random sign times the gain, so two calls agree half the time: there the check is
    that not every call is equal, a false alarm of 2^(1 - calls)."""
    if isinstance(target, Orthogonal) and target.rows * target.cols == 1:
        same = float(all(np.array_equal(d, draws[0]) for d in draws))
        return Check(
            name="different seeds differ (all calls equal)", test="exact", measured=same,
            expected=0.0, low=0.0, high=0.0, alpha=2.0 ** (1 - len(draws)),
        )  # fmt: skip
    return Check(
        name="different seeds differ (fraction equal)", test="exact",
        measured=_fraction_equal(draws[0], draws[1]), expected=0.0, low=0.0, high=DIFFER_LIMIT,
        alpha=0.0,
    )  # fmt: skip


def shape_checks(
    target: Target,
    shape: tuple[int, ...],
    draws: list[Draw],
    again: Draw,
    alts: list[Alternative],
    alpha: float,
) -> list[Outcome]:
    """All checks of one shape: ``draws`` from the derived seeds, ``again`` a second draw with the
    first seed; ``alpha`` is each statistical check's share of the run's false-alarm budget."""
    wrong = [d.shape for d in draws if d.shape != shape]
    if wrong:
        return [_exact(stats.exact_check(f"shape (got {wrong[0]})", 0.0, 1.0))]
    rows: list[Outcome] = [
        _exact(stats.exact_check("shape", 1.0, 1.0)),
        _exact(stats.exact_check("same seed reproduces (fraction equal)", _fraction_equal(again, draws[0]), 1.0)),
    ]  # fmt: skip
    if isinstance(target, Constant):
        frac = _fraction_at(target.value, draws)
        return [*rows, _exact(stats.exact_check(f"every element = {target.value:g} (fraction)", frac, 1.0))]  # fmt: skip
    rows.append(_exact(_seeds_differ(target, draws)))
    if isinstance(target, Orthogonal):
        return rows + _orthogonal(target, shape, draws, alts, alpha)
    x = np.concatenate([d.ravel() for d in draws]).astype(np.float64)
    n, sd = x.size, target.var**0.5
    for kind, check in (
        ("mean", stats.mean_check("mean", x, target.mean, sd, alpha)),
        ("variance", stats.variance_check(
            "variance ratio", x, target.var, alpha, mean=target.mean, kurtosis=target.kurtosis
        )),
        ("ks", stats.ks_check("shape (KS distance)", x, target.cdf, alpha)),
    ):  # fmt: skip
        rows.append(_powered(kind, check, alts, target, n))
    low, high = target.support
    if np.isfinite(low) and np.isfinite(high):
        mid, half = 0.5 * (low + high), 0.5 * (high - low)
        tol = 4 * _rounding(draws[0]) * max(abs(low), abs(high)) / half
        outside = np.abs(x - mid) / half > 1.0 + tol
        far = float(np.max(np.abs(x - mid))) / half
        support = Check(
            name="support max|x-mid|/half-width", test="exact", measured=far, expected=1.0,
            low=0.0, high=1.0 + tol, alpha=0.0,
        )  # fmt: skip
        leak = (
            f"{int(outside.sum())} of {x.size} draws outside [{low:.6g}, {high:.6g}]: the "
            "bounds leak (a truncation that keeps a rejected draw?)"
        )
        rows.append((support, (), "" if support.passed else leak))
    return rows


def _orthogonal(
    target: Orthogonal,
    shape: tuple[int, ...],
    draws: list[Draw],
    alts: list[Alternative],
    alpha: float,
) -> list[Outcome]:
    """WᵀW (or WWᵀ) = gain²·I to rounding (``2·(rows + cols)`` ulps: Householder QR's loss of
    orthogonality grows with the dimension), then the Haar sign tests (see :mod:`~winit.verify.sampling`): the pooled
    fraction of positive diagonal entries, the worst diagonal position's own fraction across calls
    (each position at alpha/positions), and for square shapes the fraction of calls with det > 0."""
    mats = [target.axes.matrix(d, shape) / target.gain for d in draws]
    tall = target.rows >= target.cols
    worst = 0.0
    for m in mats:
        gram = m.T @ m if tall else m @ m.T
        worst = max(worst, float(np.max(np.abs(gram - np.eye(gram.shape[0])))))
    # each Gram entry is a dot product of up to max(rows, cols) terms (γ_n ulps) of columns that
    # Householder QR leaves orthogonal to the same order: 2·(rows + cols) ulps
    tol = 2 * (target.rows + target.cols) * _rounding(draws[0])
    ortho = stats.exact_check("orthogonality max|WᵀW/g²-I|", worst, 0.0, tol)
    signs = np.array([np.diagonal(m) > 0 for m in mats])  # calls x positions
    calls = len(mats)
    against = {a.check: a.effect for a in alts}
    haar = stats.binomial_check(
        "haar: fraction of diag > 0", int(signs.sum()), signs.size, 0.5, alpha,
        against=against["haar"],
    )  # fmt: skip
    per_entry = signs.sum(axis=0)
    pos = int(np.argmax(np.abs(per_entry - calls / 2)))
    entry = stats.binomial_check(
        f"haar: worst diagonal position's fraction > 0 (diag[{pos}])", int(per_entry[pos]),
        calls, 0.5, entry_alpha(target, alpha), against=against["haar-entry"],
    )  # fmt: skip
    out = [
        _exact(ortho),
        _powered("haar", haar, alts, target, signs.size),
        _powered("haar-entry", dataclasses.replace(entry, alpha=alpha), alts, target, calls),
    ]
    if target.square:
        positive = sum(int(np.linalg.det(m) > 0) for m in mats)
        det = stats.binomial_check(
            "haar: fraction of det > 0", positive, calls, 0.5, alpha, against=against["haar-det"]
        )
        out.append(_powered("haar-det", det, alts, target, calls))
    return out


def diagnose(kind: str, check: Check, alts: list[Alternative]) -> str:
    """For a failing check, the named error of ``kind`` its measurement is nearest to (log scale
    for a variance ratio), e.g. ``variance ratio 0.774 = truncated without std correction``."""
    mine = [a for a in alts if a.check == kind]
    if check.passed or not mine:
        return ""

    def dist(a: Alternative) -> float:
        if kind == "variance":
            return abs(math.log(max(check.measured, 1e-300) / a.effect))
        return abs(check.measured - a.effect)

    # on a tie the specific error wins over the generic "variance 2x"
    best = min(mine, key=lambda a: (round(dist(a), 9), a.name.startswith("variance 2x")))
    hint = f" — {best.hint}" if best.hint else ""
    # a variance ratio within 5% of a named one is that error; otherwise only the nearest
    link = " =" if kind == "variance" and dist(best) <= VARIANCE_MATCH else "; nearest named error:"
    return f"{check.name} {check.measured:.3g}{link} {best.name} ({best.effect:.3g}){hint}"
