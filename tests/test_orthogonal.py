"""The orthogonal initializer: the sign-fixed Q of the generator's float32 draws in every shape
(conv kernels kept), rows or columns orthonormal to a few eps across its Gram–Schmidt blocks,
and Haar-distributed (the QR sign fix applied).

The Haar check is a z-test at alpha 1e-9 with its power against the unfixed diagonal's mean;
everything else is an exact recomputation from the same seed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import winit
from tests.draws import standard_float32
from winit import stats

SEED = 11
ALPHA = 1e-9


@pytest.mark.parametrize(
    ("shape", "rows"),
    # the last three span several of orthogonal's 64-row blocks (the Gram–Schmidt projections)
    [
        ((6, 4), 6),
        ((4, 6), 4),
        ((5, 5), 5),
        ((4, 2, 3, 1), 4),
        ((150, 130), 150),
        ((130, 150), 130),
        ((160, 160), 160),
    ],
)
def test_orthogonal_is_the_sign_fixed_q_of_the_float32_draws(
    shape: tuple[int, ...], rows: int
) -> None:
    """W (as rows x cols, torch layout) is gain·Q, A = QR with A the transpose of the generator's
    float32 Gaussian draws of shape (min, max) and R's diagonal signs moved into Q: W = Qᵀ when
    rows <= cols (a square W too), else Q. Q is unique given A, so a float64 Householder QR of
    the same draws agrees to float32 rounding times cond(A) (< 1e-4 here); another stream or
    the other orientation differs by O(1)."""
    gain = 1.5
    w = winit.orthogonal(gain)(shape, SEED, np.float32)
    cols = math.prod(shape) // rows
    x = standard_float32(np.random.default_rng(SEED), (min(rows, cols), max(rows, cols)))
    q, r = np.linalg.qr(x.T.astype(np.float64))
    q = q * np.sign(np.diagonal(r))
    expected = q.T if rows <= cols else q
    assert w.dtype == np.float32
    assert w.shape == shape
    np.testing.assert_allclose(w.reshape(rows, cols), gain * expected, rtol=0, atol=1e-4)


@pytest.mark.parametrize(
    ("shape", "layout", "gain"),
    [
        ((30, 50), "torch", 2.0),
        ((50, 30), "torch", 2.0),
        ((8, 4, 3, 3), "torch", 2.0),
        ((3, 3, 4, 8), "keras", 2.0),
        # square shapes beyond one of orthogonal's 64-row Gram–Schmidt blocks
        ((83, 83), "torch", 1.0),
        ((130, 130), "torch", 1.0),
        ((200, 200), "torch", 1.0),
    ],
)
def test_orthogonal_rows_or_columns_are_orthonormal_to_n_eps(
    shape: tuple[int, ...], layout: str, gain: float
) -> None:
    """W as a matrix (rows x cols in its layout) has WWᵀ = gain²·I when rows <= cols, else
    WᵀW = gain²·I, within gain²·n·eps in float64 (n the larger side): the order of Householder
    QR's own loss of orthogonality. Without the projection after each later block's QR the rows
    of later blocks reach 4·n·eps. Twenty draws of one generator, the first of them seed 0's."""
    gen = np.random.default_rng(0)
    init = winit.orthogonal(gain, layout)  # type: ignore[arg-type]
    for _ in range(20):
        w = init(shape, gen, np.float64)
        m = w.reshape(shape[0], -1) if layout == "torch" else w.reshape(-1, shape[-1])
        small = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
        error = float(np.max(np.abs(small - gain**2 * np.eye(small.shape[0]))))
        assert error <= gain**2 * max(m.shape) * float(np.finfo(np.float64).eps)


def test_orthogonal_is_haar_sign_corrected() -> None:
    """Haar: the diagonal of an orthogonal matrix has mean 0; QR without the sign fix gives a
    positive-biased diagonal (E[q_ii] > 0). 400 matrices of 20x20 → 8000 diagonal entries with
    variance 1/20 each: z-test at alpha 1e-9 vs the unfixed mean (≈ 0.15 here)."""
    diag = np.concatenate(
        [np.diagonal(winit.orthogonal()((20, 20), s, np.float64)) for s in range(400)]
    )
    c = stats.mean_check("diag mean", diag, 0.0, math.sqrt(1 / 20), ALPHA, against=0.1)
    assert c.passed, c
    unfixed = []
    for s in range(400):
        q, _ = np.linalg.qr(np.random.default_rng(s).standard_normal((20, 20)))
        unfixed.append(np.diagonal(q))
    assert not stats.mean_check(
        "unfixed", np.concatenate(unfixed), 0.0, math.sqrt(1 / 20), ALPHA
    ).passed
