"""The profiled REML criterion of the growth model, in closed-form 2x2 algebra.

The criterion of Bates et al. (2015, section 3), evaluated from per-episode sums regrouped by
distinct time pattern (:class:`_PatternSums`), vectorised over patterns; see
:func:`alliance.science.growth.fit_growth_from_statistics` for the formulae.

References
----------
Bates, D., Maechler, M., Bolker, B., & Walker, S. (2015). Fitting linear mixed-effects models using
lme4. Journal of Statistical Software, 67(1), 1-48. https://doi.org/10.18637/jss.v067.i01
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from alliance.science.growth_statistics import GrowthStatistics

FloatArray = NDArray[np.float64]


Sym2 = tuple[FloatArray, FloatArray, FloatArray]
"""A batch of symmetric 2x2 matrices as their (11, 12, 22) entries."""


class _PatternSums:
    """The REML sums regrouped by distinct Z'Z (the pattern of an episode's times).

    Episodes sharing Z'Z (with t = ln(session), every episode with sessions 1..n shares it with
    all others of length n) share A_i and P_i, and enter the criterion only through sums that are
    linear in a a', Z'y kron a and Z'y y'Z. Summing those once per pattern makes each evaluation of
    the criterion cost O(number of patterns) instead of O(number of episodes), and stays exact.
    """

    def __init__(self, stats: GrowthStatistics) -> None:
        keys = np.column_stack([stats.count, stats.sum_time, stats.sum_time_sq])
        unique, index = group_rows(keys)
        self.zz: Sym2 = (unique[:, 0], unique[:, 1], unique[:, 2])
        a = np.column_stack([np.ones(stats.n_groups), stats.covariate_values])
        zy = np.column_stack([stats.sum_outcome, stats.sum_time_outcome])
        self.q = int(a.shape[1])
        self.aa = _sum_by(index, (a[:, :, None] * a[:, None, :]).reshape(stats.n_groups, -1))
        self.zya = _sum_by(index, (zy[:, :, None] * a[:, None, :]).reshape(stats.n_groups, -1))
        zyzy = _sum_by(index, np.column_stack([zy[:, 0] ** 2, zy[:, 0] * zy[:, 1], zy[:, 1] ** 2]))
        self.zyzy: Sym2 = (zyzy[:, 0], zyzy[:, 1], zyzy[:, 2])
        self.episodes = _sum_by(index, np.ones((stats.n_groups, 1)))[:, 0]
        self.yy = float(stats.sum_outcome_sq.sum())

    def cross_product(self, w: Sym2) -> FloatArray:
        """sum over episodes of W kron a a', for W a function of Z'Z, in X's Kronecker order."""
        blocks = np.column_stack([w[0], w[1], w[1], w[2]]).T @ self.aa
        q = self.q
        return blocks.reshape(2, 2, q, q).transpose(0, 2, 1, 3).reshape(2 * q, 2 * q)


def group_rows(keys: FloatArray) -> tuple[FloatArray, NDArray[np.intp]]:
    """The distinct rows of ``keys`` in lexicographic order, and each row's index among them.

    The same result as ``np.unique(keys, axis=0, return_inverse=True)`` (rows ordered by the first
    column, then the second, ...; equal rows share one index), found by one stable
    :func:`numpy.lexsort` and a comparison of neighbours instead of numpy's structured-row sort,
    which is about 20 times slower on a million rows of floats (issue 16, point 8). Keys must be
    free of NaN (counts and sums of times are).
    """
    keys = np.asarray(keys, dtype=np.float64)
    n = keys.shape[0]
    if n == 0:
        return keys.copy(), np.zeros(0, dtype=np.intp)
    order = np.lexsort(keys.T[::-1])
    ordered = keys[order]
    starts = np.empty(n, dtype=bool)
    starts[0] = True
    np.any(ordered[1:] != ordered[:-1], axis=1, out=starts[1:])
    index = np.empty(n, dtype=np.intp)
    index[order] = np.cumsum(starts) - 1
    return ordered[starts], index


def _sum_by(index: NDArray[np.intp], values: FloatArray) -> FloatArray:
    n = int(index.max()) + 1
    return np.column_stack([np.bincount(index, weights=col, minlength=n) for col in values.T])


class _RemlCriterion:
    """-2 REML log-likelihood profiled over beta and sigma^2, as a function of theta."""

    def __init__(self, stats: GrowthStatistics, patterns: _PatternSums) -> None:
        self.stats = stats
        self.patterns = patterns
        self.dof = stats.n_obs - 2 * patterns.q

    def __call__(self, theta: FloatArray) -> float:
        terms = self.terms(theta)
        if terms is None:
            return float("inf")
        logdet_a, logdet_m, _, _, rss = terms
        return logdet_a + logdet_m + self.dof * (1.0 + float(np.log(2.0 * np.pi * rss / self.dof)))

    def terms(self, theta: FloatArray) -> tuple[float, float, FloatArray, FloatArray, float] | None:
        """sum log|A_i|, log|M|, M^-1, beta and r^2 at theta (None if M is not positive)."""
        pat = self.patterns
        logdet_a, p = _episode_penalty(theta, pat.zz)
        r = _residual_maker(pat.zz, p)
        m = pat.cross_product(_general_times_sym(r, pat.zz))
        zy0a, zy1a = pat.zya[:, : pat.q], pat.zya[:, pat.q :]
        c = np.concatenate([r[0] @ zy0a + r[1] @ zy1a, r[2] @ zy0a + r[3] @ zy1a])
        yvy = pat.yy - float(
            np.sum(p[0] * pat.zyzy[0] + 2 * p[1] * pat.zyzy[1] + p[2] * pat.zyzy[2])
        )
        try:
            chol = np.linalg.cholesky(m)
        except np.linalg.LinAlgError:
            return None
        m_inv = np.linalg.inv(m)
        beta = m_inv @ c
        rss = yvy - float(c @ beta)
        if not rss > 0:
            return None
        logdet_m = 2.0 * float(np.sum(np.log(np.diag(chol))))
        return float(pat.episodes @ logdet_a), logdet_m, m_inv, beta, rss


def _episode_penalty(theta: FloatArray, zz: Sym2) -> tuple[FloatArray, Sym2]:
    """log|A| and P = Lambda A^-1 Lambda' with A = Lambda' Z'Z Lambda + I, per pattern."""
    l11, l21, l22 = (float(v) for v in theta)
    n, st, stt = zz
    a11 = 1.0 + l11 * l11 * n + 2.0 * l11 * l21 * st + l21 * l21 * stt
    a12 = l22 * (l11 * st + l21 * stt)
    a22 = 1.0 + l22 * l22 * stt
    det = a11 * a22 - a12 * a12
    i11, i12, i22 = a22 / det, -a12 / det, a11 / det
    p11 = l11 * l11 * i11
    p12 = l11 * (l21 * i11 + l22 * i12)
    p22 = l21 * l21 * i11 + 2.0 * l21 * l22 * i12 + l22 * l22 * i22
    return np.log(det), (p11, p12, p22)


Gen2 = tuple[FloatArray, FloatArray, FloatArray, FloatArray]
"""A batch of general 2x2 matrices as their (11, 12, 21, 22) entries."""


def _residual_maker(zz: Sym2, p: Sym2) -> Gen2:
    """R = I - Z'Z P, so that Z' sigma^2 V^-1 = R Z' and Z' sigma^2 V^-1 Z = R Z'Z."""
    n, st, stt = zz
    return (
        1.0 - (n * p[0] + st * p[1]),
        -(n * p[1] + st * p[2]),
        -(st * p[0] + stt * p[1]),
        1.0 - (st * p[1] + stt * p[2]),
    )


def _general_times_sym(r: Gen2, s: Sym2) -> Sym2:
    """R S for general R and symmetric S when the product is known to be symmetric."""
    return r[0] * s[0] + r[1] * s[1], r[0] * s[1] + r[1] * s[2], r[2] * s[1] + r[3] * s[2]
