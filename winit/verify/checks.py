"""The checks of one shape, from the pooled draws of an initializer: exact ones for exact laws,
statistical ones (each with its alpha and its power against every named error) otherwise."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from numpy.typing import NDArray

from winit import stats
from winit.stats import Check
from winit.verify.distributions import Constant, Orthogonal, Target
from winit.verify.plan import Alternative, power

Draw = NDArray[Any]
Powers = tuple[tuple[str, float], ...]
#: the largest fraction of equal elements two draws from different seeds may share; independent
#: continuous float32 draws agree elementwise with probability about 2⁻²³
DIFFER_LIMIT = 0.01


def statistical_checks(target: Target) -> int:
    """How many statistical checks (the ones that spend alpha) a shape of ``target`` runs."""
    if isinstance(target, Constant):
        return 0
    return 1 if isinstance(target, Orthogonal) else 3


def _powered(
    kind: str, check: Check, alts: list[Alternative], target: Target, n: int
) -> tuple[Check, Powers]:
    """``check`` with its power replaced by the minimum over the named errors of ``kind``."""
    mine = [a for a in alts if a.check == kind]
    powers = tuple((a.name, power(a, target, n, check.alpha)) for a in mine)
    if not powers:
        return check, ()
    weakest = min(powers, key=lambda p: p[1])
    return dataclasses.replace(check, power=weakest[1], against=weakest[0]), powers


def _fraction_equal(a: Draw, b: Draw) -> float:
    return float(np.mean(a == b)) if a.shape == b.shape else 0.0


def _rounding(draw: Draw) -> float:
    return float(np.finfo(draw.dtype).eps) if np.issubdtype(draw.dtype, np.floating) else 0.0


def shape_checks(
    target: Target,
    shape: tuple[int, ...],
    draws: list[Draw],
    again: Draw,
    alts: list[Alternative],
    alpha: float,
) -> list[tuple[Check, Powers]]:
    """All checks of one shape: ``draws`` from the derived seeds, ``again`` a second draw with the
    first seed; ``alpha`` is each statistical check's share of the run's false-alarm budget."""
    wrong = [d.shape for d in draws if d.shape != shape]
    if wrong:
        return [(stats.exact_check(f"shape (got {wrong[0]})", 0.0, 1.0), ())]
    rows: list[tuple[Check, Powers]] = [
        (stats.exact_check("shape", 1.0, 1.0), ()),
        (stats.exact_check("same seed reproduces (fraction equal)", _fraction_equal(again, draws[0]), 1.0), ()),
    ]  # fmt: skip
    if isinstance(target, Constant):
        value = np.asarray(target.value, dtype=draws[0].dtype)
        frac = float(np.mean(np.concatenate([d.ravel() == value for d in draws])))
        return [
            *rows,
            (stats.exact_check(f"every element = {target.value:g} (fraction)", frac, 1.0), ()),
        ]
    differ = _fraction_equal(draws[0], draws[1])
    rows.append(
        (
            Check(
                "different seeds differ (fraction equal)",
                "exact",
                differ,
                0.0,
                0.0,
                DIFFER_LIMIT,
                0.0,
            ),
            (),
        )
    )
    if isinstance(target, Orthogonal):
        return rows + _orthogonal(target, draws, alts, alpha)
    x = np.concatenate([d.ravel() for d in draws]).astype(np.float64)
    n, sd = x.size, target.var**0.5
    for kind, check in (
        ("mean", stats.mean_check("mean", x, target.mean, sd, alpha)),
        ("variance", stats.variance_check(
            "variance ratio", x, target.var, alpha, mean=target.mean, kurtosis=target.kurtosis
        )),
        ("shape", stats.ks_check("shape (KS distance)", x, target.cdf, alpha)),
    ):  # fmt: skip
        rows.append(_powered(kind, check, alts, target, n))
    low, high = target.support
    if np.isfinite(low) and np.isfinite(high):
        mid, half = 0.5 * (low + high), 0.5 * (high - low)
        tol = 4 * _rounding(draws[0]) * max(abs(low), abs(high)) / half
        far = float(np.max(np.abs(x - mid))) / half
        rows.append(
            (Check("support max|x-mid|/half-width", "exact", far, 1.0, 0.0, 1.0 + tol, 0.0), ())
        )
    return rows


def _orthogonal(
    target: Orthogonal, draws: list[Draw], alts: list[Alternative], alpha: float
) -> list[tuple[Check, Powers]]:
    """WᵀW (or WWᵀ) = gain²·I to rounding (``max(rows, cols)`` ulps: Householder QR's loss of
    orthogonality grows with the dimension), and the fair-coin test of the diagonal signs."""
    mats = [d.reshape(target.rows, target.cols).astype(np.float64) / target.gain for d in draws]
    tall = target.rows >= target.cols
    worst = 0.0
    for m in mats:
        gram = m.T @ m if tall else m @ m.T
        worst = max(worst, float(np.max(np.abs(gram - np.eye(gram.shape[0])))))
    tol = max(target.rows, target.cols) * _rounding(draws[0])
    ortho = stats.exact_check("orthogonality max|WᵀW/g²-I|", worst, 0.0, tol)
    positive = sum(int(np.sum(np.diagonal(m) > 0)) for m in mats)
    coins = len(mats) * min(target.rows, target.cols)
    haar = stats.binomial_check(
        "haar: fraction of diag > 0", positive, coins, 0.5, alpha, against=0.25
    )
    return [(ortho, ()), _powered("haar", haar, alts, target, coins)]
