"""The profiled REML criterion of the growth model and its gradient, in closed-form 2x2 algebra.

The criterion of Bates et al. (2015, section 3), evaluated from per-episode sums regrouped by
distinct time pattern (:class:`_PatternSums`); see
:func:`alliance.science.growth.fit_growth_from_statistics` for the formulae. Each evaluation
computes three numbers per pattern (the entries of S_p = Z'V^-1 Z sigma^2) and contracts them,
and their pairwise products, with the patterns' sums in one matrix product: everything else is
2x2 and q x q algebra whose size does not grow with the data (:class:`_RemlCriterion`).

References
----------
Bates, D., Maechler, M., Bolker, B., & Walker, S. (2015). Fitting linear mixed-effects models using
lme4. Journal of Statistical Software, 67(1), 1-48. https://doi.org/10.18637/jss.v067.i01

Lindstrom, M. J., & Bates, D. M. (1988). Newton-Raphson and EM algorithms for linear
mixed-effects models for repeated-measures data. Journal of the American Statistical
Association, 83(404), 1014-1022. https://doi.org/10.1080/01621459.1988.10478693
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from alliance.science.growth_statistics import GrowthStatistics

FloatArray = NDArray[np.float64]


Sym2 = tuple[FloatArray, FloatArray, FloatArray]
"""A batch of symmetric 2x2 matrices as their (11, 12, 22) entries."""

# Where entry (j, k) of a symmetric 2x2 matrix is kept among its (11, 12, 22) entries.
_SYM = np.array([[0, 1], [1, 2]], dtype=np.intp)
# Where the product of entries u and v (u, v in 0..2) is kept among the contraction's rows: rows
# 0-2 hold the entries of S, rows 3-8 their six distinct products, row 9 log|A|.
_PRODUCT = np.array([[3, 4, 5], [4, 6, 7], [5, 7, 8]], dtype=np.intp)
# The pairs (u, v) of S's entries whose products are rows 3-8, in order.
_PRODUCT_ORDER = ((0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2))
# S_ab S_cd for full indices (a, b, c, d).
_PAIRS = _PRODUCT[_SYM[:, :, None, None], _SYM[None, None, :, :]]
# The entries of theta in Lambda = [[theta_0, 0], [theta_1, theta_2]].
_THETA_ENTRIES = (np.array([0, 1, 1]), np.array([0, 0, 1]))


class _PatternSums:
    """The REML sums regrouped by distinct Z'Z (the pattern of an episode's times).

    Episodes sharing Z'Z (with t = ln(session), every episode with sessions 1..n shares it with
    all others of length n) share A_i and S_i, and enter the criterion only through sums that
    are linear in a a', Z'y kron a and Z'y y'Z. Summing those once per pattern makes each
    evaluation of the criterion cost O(number of patterns) instead of O(number of episodes), and
    stays exact. ``data`` holds, per pattern, the number of episodes, sum a a', sum Z'y kron a and
    the (11, 12, 22) entries of sum Z'y y'Z, the columns every evaluation contracts with.
    """

    def __init__(self, stats: GrowthStatistics) -> None:
        keys = np.column_stack([stats.count, stats.sum_time, stats.sum_time_sq])
        unique, index = group_rows(keys)
        self.zz: Sym2 = (unique[:, 0], unique[:, 1], unique[:, 2])
        # |Z'Z| = n sum (t - mean t)^2 >= 0, zero for an episode with one rating.
        self.det_zz = np.maximum(unique[:, 0] * unique[:, 2] - unique[:, 1] ** 2, 0.0)
        a = np.column_stack([np.ones(stats.n_groups), stats.covariate_values])
        zy = np.column_stack([stats.sum_outcome, stats.sum_time_outcome])
        q = self.q = int(a.shape[1])
        # Per episode: 1, a a', Z'y kron a, the entries of Z'y y'Z; each column made as it is
        # summed, so that no episodes-by-columns table is held.
        columns = itertools.chain(
            [a[:, 0]],
            (a[:, j] * a[:, k] for j in range(q) for k in range(q)),
            (zy[:, j] * a[:, k] for j in range(2) for k in range(q)),
            (zy[:, j] * zy[:, k] for j, k in ((0, 0), (0, 1), (1, 1))),
        )
        self.data = _sum_by(index, columns, 1 + q * q + 2 * q + 3)
        # Views into data, by name.
        self.episodes = self.data[:, 0]
        self.aa = self.data[:, 1 : 1 + q * q]
        self.zya = self.data[:, 1 + q * q : 1 + q * q + 2 * q]
        zyzy = self.data[:, 1 + q * q + 2 * q :]
        self.zyzy: Sym2 = (zyzy[:, 0], zyzy[:, 1], zyzy[:, 2])
        self.yy = float(stats.sum_outcome_sq.sum())
        self.totals = _Contracted.of(self.data.sum(axis=0), q)

    def cross_product(self, w: Sym2) -> FloatArray:
        """sum over episodes of W kron a a', for W a function of Z'Z, in X's Kronecker order."""
        blocks = np.column_stack([w[0], w[1], w[1], w[2]]).T @ self.aa
        q = self.q
        return blocks.reshape(2, 2, q, q).transpose(0, 2, 1, 3).reshape(2 * q, 2 * q)


@dataclass(frozen=True)
class _Contracted:
    """Weighted sums over patterns of the columns of ``_PatternSums.data``, as tensors.

    For weights w_p (leading axes of the input), ``episodes`` = sum w_p m_p, ``aa[l, m]`` =
    sum w_p (sum a a')_lm, ``zya[k, l]`` = sum w_p (sum Z'y a')_kl and ``zyzy[m, n]`` =
    sum w_p (sum Z'y y'Z)_mn.
    """

    episodes: FloatArray
    aa: FloatArray
    zya: FloatArray
    zyzy: FloatArray

    @classmethod
    def of(cls, sums: FloatArray, q: int) -> _Contracted:
        lead = sums.shape[:-1]
        zyzy = sums[..., 1 + q * q + 2 * q :]
        return cls(
            episodes=sums[..., 0],
            aa=sums[..., 1 : 1 + q * q].reshape(*lead, q, q),
            zya=sums[..., 1 + q * q : 1 + q * q + 2 * q].reshape(*lead, 2, q),
            zyzy=zyzy[..., _SYM],
        )


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


def _sum_by(index: NDArray[np.intp], columns: Iterable[FloatArray], width: int) -> FloatArray:
    n = int(index.max()) + 1
    sums = np.empty((n, width))
    for j, column in enumerate(columns):
        sums[:, j] = np.bincount(index, weights=column, minlength=n)
    return sums


@dataclass(frozen=True)
class _Terms:
    """The parts of the criterion at one theta (see :meth:`_RemlCriterion.terms`)."""

    logdet_a: float
    logdet_m: float
    m_inv: FloatArray
    beta: FloatArray
    rss: float
    psi: FloatArray  # Lambda Lambda'
    by_s: _Contracted  # sum over patterns of S_p[a, b] times the pattern's sums: axes (a, b)


class _RemlCriterion:
    """-2 REML log-likelihood profiled over beta and sigma^2, as a function of theta.

    Notes
    -----
    With Psi = Lambda Lambda' and H_p = Z'Z of pattern p,
    S_p = Z' sigma^2 V_p^-1 Z = (H_p^-1 + Psi)^-1 = (H_p + |H_p| adj Psi) / |A_p|, where
    |A_p| = |I + H_p Psi| = 1 + tr(H_p Psi) + |H_p| |Psi| (2x2 identities, exact also for
    singular H_p or Psi). Then Z' sigma^2 V^-1 = (I - S_p Psi) Z' and sigma^2 V^-1 =
    I - Z P_p Z' with P_p = Psi - Psi S_p Psi, so that M, c and y' sigma^2 V^-1 y are sums over
    patterns of S_p times the patterns' sums, plus constants: one contraction per evaluation.
    """

    def __init__(self, stats: GrowthStatistics, patterns: _PatternSums) -> None:
        self.stats = stats
        self.patterns = patterns
        self.dof = stats.n_obs - 2 * patterns.q

    def __call__(self, theta: FloatArray) -> float:
        terms = self.terms(theta)
        return float("inf") if terms is None else self._value(terms)

    def _value(self, terms: _Terms) -> float:
        deviance = self.dof * (1.0 + float(np.log(2.0 * np.pi * terms.rss / self.dof)))
        return terms.logdet_a + terms.logdet_m + deviance

    def terms(self, theta: FloatArray) -> _Terms | None:
        """The criterion's parts at theta (None if M is not positive definite or r^2 <= 0)."""
        return self._terms(theta, with_products=False)[0]

    def value_and_gradient(self, theta: FloatArray) -> tuple[float, FloatArray]:
        """The criterion and its gradient in theta (infinity and zeros where undefined).

        Notes
        -----
        Differentiating with dV^-1 = -V^-1 Z dPsi Z' V^-1 (Lindstrom & Bates 1988, section 3):
        d f = tr(G dPsi) with

            G = sum_i S_i - sum_i S_i K_i S_i - (n - p) / r^2 sum_i u_i u_i',

        from sum log|A_i|, log|M| and (n - p) log r^2 in turn; K_i = (I kron a_i') M^-1
        (I kron a_i) and u_i = Z_i' sigma^2 V_i^-1 (y_i - X_i beta) = Z'y_i - S_i (Psi Z'y_i +
        B a_i), with B the 2 x q matrix of beta (r^2 is minimal in beta, so beta's own change
        does not enter). With Psi = Lambda Lambda', df / d Lambda = 2 G Lambda, whose lower
        triangle is the gradient in theta. The sums over episodes are contractions of S_p and of
        the products S_p[a, j] S_p[k, b] with the patterns' sums.
        """
        terms, by_ss = self._terms(theta, with_products=True)
        if terms is None or by_ss is None:
            return float("inf"), np.zeros(3)
        psi_grad = self._psi_gradient(terms, by_ss)
        lam = np.array([[theta[0], 0.0], [theta[1], theta[2]]])
        return self._value(terms), 2.0 * (psi_grad @ lam)[_THETA_ENTRIES]

    def _terms(
        self, theta: FloatArray, *, with_products: bool
    ) -> tuple[_Terms | None, _Contracted | None]:
        pat, q = self.patterns, self.patterns.q
        lam = np.array([[theta[0], 0.0], [theta[1], theta[2]]], dtype=np.float64)
        psi = lam @ lam.T
        # The rows to contract, written in place: S's entries, their products, log|A|.
        rows = np.empty((10 if with_products else 4, pat.det_zz.shape[0]))
        det_psi = float((lam[0, 0] * lam[1, 1]) ** 2)
        _relative_precision(pat.zz, pat.det_zz, psi, det_psi, out=rows)
        if with_products:
            for row, (u, v) in enumerate(_PRODUCT_ORDER, start=3):
                np.multiply(rows[u], rows[v], out=rows[row])
        sums = rows @ pat.data
        by_s = _Contracted.of(sums[_SYM], q)
        logdet_a = float(sums[-1, 0])
        tot = pat.totals
        m = by_s.aa.transpose(0, 2, 1, 3).reshape(2 * q, 2 * q)
        c = (tot.zya - np.einsum("mk,jmkl->jl", psi, by_s.zya)).reshape(2 * q)
        yvy = (
            pat.yy
            - float(np.sum(psi * tot.zyzy))
            + float(np.einsum("jk,mn,kmnj->", psi, psi, by_s.zyzy))
        )
        try:
            chol = np.linalg.cholesky(m)
        except np.linalg.LinAlgError:
            return None, None
        m_inv = np.linalg.inv(m)
        beta = m_inv @ c
        rss = yvy - float(c @ beta)
        if not rss > 0:
            return None, None
        logdet_m = 2.0 * float(np.sum(np.log(np.diag(chol))))
        terms = _Terms(logdet_a, logdet_m, m_inv, beta, rss, psi, by_s)
        by_ss = _Contracted.of(sums[_PAIRS], q) if with_products else None
        return terms, by_ss

    def _psi_gradient(self, terms: _Terms, by_ss: _Contracted) -> FloatArray:
        """G of :meth:`value_and_gradient`; ``by_ss`` carries axes (a, j, k, b) of S_aj S_kb."""
        q = self.patterns.q
        psi, b = terms.psi, terms.beta.reshape(2, q)
        by_s, tot = terms.by_s, self.patterns.totals
        m_inv = terms.m_inv.reshape(2, q, 2, q)
        penalty = by_s.episodes - np.einsum("jlkm,ajkblm->ab", m_inv, by_ss.aa)
        # sum_i S_i h_i zy_i' with h_i = Psi zy_i + B a_i, and sum_i S_i h_i h_i' S_i.
        cross = np.einsum("jk,ajkb->ab", psi, by_s.zyzy) + np.einsum("jl,ajbl->ab", b, by_s.zya)
        mixed = np.einsum("jm,kl,ajkbml->ab", psi, b, by_ss.zya)
        square = (
            np.einsum("jm,kn,ajkbmn->ab", psi, psi, by_ss.zyzy)
            + mixed
            + mixed.T
            + np.einsum("jl,km,ajkblm->ab", b, b, by_ss.aa)
        )
        residual = tot.zyzy - cross - cross.T + square
        grad: FloatArray = penalty - (self.dof / terms.rss) * residual
        return grad


def _relative_precision(
    zz: Sym2, det_zz: FloatArray, psi: FloatArray, det_psi: float, *, out: FloatArray
) -> None:
    """S = (H + |H| adj Psi) / |A| into out[0:3] and log|A| into out[-1], per pattern.

    |A| = |I + H Psi| = 1 + tr(H Psi) + |H| |Psi| for 2x2 H = Z'Z and Psi.
    """
    n, st, stt = zz
    det_a = 1.0 + n * psi[0, 0] + (2.0 * psi[0, 1]) * st + stt * psi[1, 1] + det_zz * det_psi
    inv = 1.0 / det_a
    np.log(det_a, out=out[-1])
    for row, (diagonal, entry) in enumerate(((n, psi[1, 1]), (st, -psi[0, 1]), (stt, psi[0, 0]))):
        np.multiply(det_zz, entry, out=out[row])
        out[row] += diagonal
        out[row] *= inv
