"""Clinician effects, fairly: case-mix adjusted, shrunken, with intervals, never a league table.

Episodes are nested in clinicians. A random-intercept model with the case mix (e.g. intake score)
as fixed effects separates how ill a clinician's clients were from how they fared; empirical-Bayes
shrinkage keeps small caseloads from looking extreme by chance; and clinicians are only told
apart where an interval says so (Goldstein & Spiegelhalter 1996, J R Stat Soc A 159(3):385-443;
Brown, Lambert, Jones & Minami 2005, Am J Manag Care 11(8):513-520; Saxon & Barkham 2012,
J Consult Clin Psychol 80(4):535-546). The share of outcome variance due to clinicians is about 5%
(Wampold & Brown 2005, J Consult Clin Psychol 73(5):914-923; Johns, Barkham, Kellett & Saxon 2019,
Clin Psychol Rev 67:78-93; Saxon et al. 2017: 5.8% after case-mix adjustment).

The model is fitted by our own REML for one variance component, profiled over the variance ratio
(Patterson & Thompson 1971, Biometrika 58(3):545-554); the tests check it against statsmodels
``MixedLM``.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import optimize, stats

__all__ = [
    "AllianceOutcomeSplit",
    "ClinicianEffect",
    "ClinicianEffects",
    "Coefficient",
    "DistinguishableGroups",
    "alliance_outcome_split",
    "clinician_effects",
    "distinguishable_groups",
]

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]


@dataclass(frozen=True)
class Coefficient:
    """A fixed effect with its standard error and a t interval on ``df`` degrees of freedom."""

    estimate: float
    se: float
    lower: float
    upper: float
    df: float


@dataclass(frozen=True)
class ClinicianEffect:
    """One clinician's case-mix adjusted effect; ``shown`` is False below the minimum caseload.

    ``raw_mean_residual`` is the mean of (outcome - fixed-effects prediction) over their episodes;
    ``estimate`` is the shrunken BLUP (= ``reliability`` * raw mean residual); ``se`` is the root
    prediction error variance; ``lower``/``upper`` the interval at the chosen level.
    """

    clinician: Hashable
    n_episodes: int
    raw_mean_residual: float
    estimate: float
    se: float
    lower: float
    upper: float
    reliability: float
    shown: bool


@dataclass(frozen=True)
class ClinicianEffects:
    """Result of ``clinician_effects``; ``clinicians`` in clinician-id order, never by effect."""

    clinicians: tuple[ClinicianEffect, ...]
    clinician_variance: float
    residual_variance: float
    variance_share: float
    coefficients: Mapping[str, Coefficient]
    n_episodes: int
    n_clinicians: int
    min_caseload: int
    level: float
    reml_loglik: float

    def to_frame(self) -> pd.DataFrame:
        """One row per clinician, in clinician-id order (for templates and exports)."""
        return pd.DataFrame([vars(effect) for effect in self.clinicians])


@dataclass(frozen=True)
class DistinguishableGroups:
    """Shown clinicians whose interval lies wholly above or below 0, the rest ``within``.

    ``above``/``below`` mean the outcome is higher/lower than the case mix predicts: for a measure
    where lower is better (PHQ-9) ``below`` is the better side. Ids keep clinician-id order.
    """

    above: tuple[Hashable, ...]
    within: tuple[Hashable, ...]
    below: tuple[Hashable, ...]
    hidden: tuple[Hashable, ...]
    level: float


@dataclass(frozen=True)
class AllianceOutcomeSplit:
    """Within- and between-clinician alliance slopes, and the plain alliance-outcome correlation."""

    within: Coefficient
    between: Coefficient
    coefficients: Mapping[str, Coefficient]
    correlation: float
    correlation_lower: float
    correlation_upper: float
    n_clients: int
    n_clinicians: int
    clinician_variance: float
    residual_variance: float
    level: float


@dataclass(frozen=True)
class _Fit:
    """A fitted random-intercept model in the group-sum form used throughout."""

    beta: Floats
    beta_cov: Floats
    ratio: float  # clinician variance / residual variance
    sigma2: float
    loglik: float
    counts: Ints
    group_x: Floats  # per clinician, sum of the design rows
    group_residual: Floats  # per clinician, sum of y - X beta
    df: Floats


def clinician_effects(
    data: pd.DataFrame,
    *,
    clinician: str,
    outcome: str,
    covariates: Sequence[str] = (),
    min_caseload: int = 10,
    level: float = 0.95,
) -> ClinicianEffects:
    """Case-mix adjusted clinician effects with empirical-Bayes shrinkage and intervals.

    Model, one row per episode i of clinician k, fitted by REML::

        y_ik = x_ik' beta + u_k + e_ik,   u_k ~ N(0, tau^2),   e_ik ~ N(0, sigma^2)

    With lambda = tau^2 / sigma^2, the BLUP is u_k = R_k * mean_i(y_ik - x_ik' beta) with
    reliability R_k = n_k lambda / (1 + n_k lambda) (small caseloads shrink most toward 0, the
    average clinician), and its prediction error variance, including the uncertainty of beta
    (Henderson 1975, Biometrics 31(2):423-447), is::

        PEV_k = sigma^2 (w_k + w_k^2 s_k' A^-1 s_k),  w_k = lambda / (1 + n_k lambda)

    where s_k sums clinician k's design rows and A = X' H^-1 X with H = V / sigma^2. The
    interval is u_k +/- z * sqrt(PEV_k). ``variance_share`` = tau^2 / (tau^2 + sigma^2), the
    intraclass correlation: about 5% in routine care (Wampold & Brown 2005; Johns et al. 2019;
    Saxon et al. 2017).
    Brown et al. 2005 compared clinicians on mean residualised change (our raw mean residual);
    the BLUP shrinks it by its reliability. Everyone's episodes inform the model; clinicians with
    fewer than ``min_caseload`` episodes are marked ``shown=False`` and must not be displayed
    (the default 10 is an assumption: below it an estimate is mostly noise).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per episode.
    clinician, outcome : str
        Column names: clinician id, outcome (e.g. final ORS, or change).
    covariates : sequence of str
        Case-mix columns, fixed effects (e.g. ``("intake",)``).
    min_caseload : int
        Fewest episodes for a clinician's estimate to be shown (default 10).
    level : float
        Interval coverage (default 0.95).

    Returns
    -------
    ClinicianEffects

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> frame = pd.DataFrame({"clinician": np.repeat(["a", "b", "c", "d"], 30),
    ...                       "intake": rng.normal(20, 7, 120)})
    >>> frame["final"] = 10 + 0.6 * frame["intake"] + rng.normal(0, 6, 120)
    >>> effects = clinician_effects(frame, clinician="clinician", outcome="final",
    ...                             covariates=["intake"])
    >>> [effect.clinician for effect in effects.clinicians]
    ['a', 'b', 'c', 'd']
    >>> 0.0 <= effects.variance_share < 1.0
    True
    """
    _check_settings(min_caseload, level)
    codes, labels = _clinician_codes(data, clinician)
    names = ["intercept", *covariates]
    x = _design(data, covariates, len(data))
    fit = _fit(_numeric(data, outcome), x, codes, len(labels), names)
    z = float(stats.norm.ppf(0.5 + level / 2))
    weight = fit.ratio / (1.0 + fit.counts * fit.ratio)
    spread = np.einsum("kp,pq,kq->k", fit.group_x, fit.beta_cov / fit.sigma2, fit.group_x)
    pev = fit.sigma2 * (weight + weight**2 * spread)
    blup = weight * fit.group_residual
    effects = tuple(
        ClinicianEffect(
            clinician=labels[k],
            n_episodes=int(fit.counts[k]),
            raw_mean_residual=float(fit.group_residual[k] / fit.counts[k]),
            estimate=float(blup[k]),
            se=float(math.sqrt(pev[k])),
            lower=float(blup[k] - z * math.sqrt(pev[k])),
            upper=float(blup[k] + z * math.sqrt(pev[k])),
            reliability=float(weight[k] * fit.counts[k]),
            shown=bool(fit.counts[k] >= min_caseload),
        )
        for k in range(len(labels))
    )
    tau2 = fit.ratio * fit.sigma2
    return ClinicianEffects(
        clinicians=effects,
        clinician_variance=tau2,
        residual_variance=fit.sigma2,
        variance_share=tau2 / (tau2 + fit.sigma2),
        coefficients=_coefficients(fit, names, level),
        n_episodes=len(data),
        n_clinicians=len(labels),
        min_caseload=min_caseload,
        level=level,
        reml_loglik=fit.loglik,
    )


def distinguishable_groups(effects: ClinicianEffects) -> DistinguishableGroups:
    """Sort shown clinicians into above / within / below the agency average; never rank them.

    A clinician is ``above`` only if the whole interval of their BLUP lies above 0 (the average
    clinician, i.e. the fixed intercept), ``below`` only if it lies wholly below 0; everyone
    else, including every pair whose intervals overlap, stays ``within``. Clinicians under the
    minimum caseload are ``hidden``. With many clinicians some will cross 0 by chance (about
    1 - level of them): report the level alongside (Goldstein & Spiegelhalter 1996).

    Parameters
    ----------
    effects : ClinicianEffects

    Returns
    -------
    DistinguishableGroups

    Examples
    --------
    >>> effect = ClinicianEffect("a", 40, 3.0, 2.5, 1.0, 0.54, 4.46, 0.83, True)
    >>> effects = ClinicianEffects((effect,), 4.0, 40.0, 4 / 44, {}, 40, 1, 10, 0.95, 0.0)
    >>> distinguishable_groups(effects).above
    ('a',)
    """
    groups: dict[str, list[Hashable]] = {"above": [], "within": [], "below": [], "hidden": []}
    for effect in effects.clinicians:
        if not effect.shown:
            groups["hidden"].append(effect.clinician)
        elif effect.lower > 0:
            groups["above"].append(effect.clinician)
        elif effect.upper < 0:
            groups["below"].append(effect.clinician)
        else:
            groups["within"].append(effect.clinician)
    return DistinguishableGroups(
        above=tuple(groups["above"]),
        within=tuple(groups["within"]),
        below=tuple(groups["below"]),
        hidden=tuple(groups["hidden"]),
        level=effects.level,
    )


def alliance_outcome_split(
    data: pd.DataFrame,
    *,
    clinician: str,
    alliance: str,
    outcome: str,
    covariates: Sequence[str] = (),
    level: float = 0.95,
) -> AllianceOutcomeSplit:
    """Split the alliance-outcome link into within- and between-clinician parts.

    Baldwin, Wampold & Imel 2007 (J Consult Clin Psychol 75(6):842-852): each client's alliance
    a_ik is split into the clinician mean abar_k (between) and the deviation a_ik - abar_k
    (within); both enter a random-intercept model, fitted by REML::

        y_ik = b0 + b_w (a_ik - abar_k) + b_b abar_k + covariates + u_k + e_ik

    Baldwin et al. found only the between part predicted outcome; a large primary-care study
    found the within part did (Psychother Res 2019, doi:10.1080/10503307.2018.1516306): both
    are estimated and the data decide. Intervals use t with containment degrees of freedom
    (clinician-level terms: clinicians minus clinician-level terms; client-level terms: clients
    minus clinicians minus client-level terms). The plain Pearson correlation of alliance and
    outcome comes with a Fisher-z interval, tanh(atanh(r) +/- z / sqrt(n - 3)), to compare with
    r = .278 [.256, .299] (Flueckiger, Del Re, Wampold & Horvath 2018, Psychotherapy
    55(4):316-340).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per client (episode).
    clinician, alliance, outcome : str
        Column names.
    covariates : sequence of str
        Case-mix columns (e.g. ``("intake",)``).
    level : float
        Interval coverage (default 0.95).

    Returns
    -------
    AllianceOutcomeSplit

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> frame = pd.DataFrame({"clinician": np.repeat(np.arange(8), 25),
    ...                       "srs": rng.normal(36, 3, 200)})
    >>> frame["final"] = 20 + 0.5 * frame["srs"] + rng.normal(0, 6, 200)
    >>> split = alliance_outcome_split(frame, clinician="clinician", alliance="srs",
    ...                                outcome="final")
    >>> split.n_clients, split.n_clinicians, split.between.df
    (200, 8, 6.0)
    """
    _check_settings(1, level)
    codes, labels = _clinician_codes(data, clinician)
    score = _numeric(data, alliance)
    mean = np.bincount(codes, weights=score) / np.bincount(codes)
    if np.allclose(score, mean[codes]):
        raise ValueError(f"{alliance}: does not vary within any clinician")
    terms = {"within": score - mean[codes], "between": mean[codes]}
    x = np.column_stack([_design(data, covariates, len(data)), *terms.values()])
    names = ["intercept", *covariates, *terms]
    fit = _fit(_numeric(data, outcome), x, codes, len(labels), names)
    coefficients = _coefficients(fit, names, level)
    r, lower, upper = _fisher_interval(score, _numeric(data, outcome), level)
    return AllianceOutcomeSplit(
        within=coefficients["within"],
        between=coefficients["between"],
        coefficients=coefficients,
        correlation=r,
        correlation_lower=lower,
        correlation_upper=upper,
        n_clients=len(data),
        n_clinicians=len(labels),
        clinician_variance=fit.ratio * fit.sigma2,
        residual_variance=fit.sigma2,
        level=level,
    )


def _check_settings(min_caseload: int, level: float) -> None:
    if isinstance(min_caseload, bool) or not isinstance(min_caseload, int) or min_caseload < 1:
        raise ValueError(f"min_caseload: must be a whole number of at least 1, got {min_caseload}")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level: must be in (0, 1), got {level}")


def _column(data: pd.DataFrame, name: str) -> pd.Series:
    if not isinstance(data, pd.DataFrame):
        raise ValueError("data: must be a pandas DataFrame with one row per episode")
    if name not in data.columns:
        raise ValueError(f"{name}: no such column in data")
    column = data[name]
    if column.isna().any():
        raise ValueError(f"{name}: has {int(column.isna().sum())} missing values (NaN)")
    return column


def _numeric(data: pd.DataFrame, name: str) -> Floats:
    column = _column(data, name)
    if not pd.api.types.is_numeric_dtype(column):
        raise ValueError(f"{name}: must be numeric, got {column.dtype}")
    values = column.to_numpy(dtype=float)
    if not np.isfinite(values).all():
        raise ValueError(f"{name}: must be finite numbers")
    return values


def _clinician_codes(data: pd.DataFrame, name: str) -> tuple[Ints, list[Hashable]]:
    codes, labels = pd.factorize(_column(data, name), sort=True)
    if len(labels) < 2:
        raise ValueError(f"{name}: needs at least 2 clinicians, got {len(labels)}")
    return codes.astype(np.int64), list(labels)


def _design(data: pd.DataFrame, covariates: Sequence[str], n: int) -> Floats:
    if isinstance(covariates, str):
        raise ValueError("covariates: must be a sequence of column names, not one string")
    columns = [np.ones(n)]
    for name in covariates:
        values = _numeric(data, name)
        if np.ptp(values) == 0:
            raise ValueError(f"{name}: is constant, so it cannot adjust for case mix")
        columns.append(values)
    return np.column_stack(columns)


def _fit(y: Floats, x: Floats, codes: Ints, k: int, names: list[str]) -> _Fit:
    """REML for the random-intercept model, profiled over lambda = tau^2 / sigma^2."""
    n, p = x.shape
    if np.linalg.matrix_rank(x) < p:
        raise ValueError(f"covariates: {names[1:]} are collinear with each other or the intercept")
    if n - p < 2:
        raise ValueError(f"data: needs more than {p + 1} rows, got {n}")
    counts = np.bincount(codes, minlength=k)
    group_x = np.stack([np.bincount(codes, weights=x[:, j], minlength=k) for j in range(p)], 1)
    group_y = np.bincount(codes, weights=y, minlength=k)
    sums = (x.T @ x, x.T @ y, float(y @ y), counts, group_x, group_y)

    def criterion(s: float) -> float:
        return _profile(s / (1.0 - s), sums, n - p)[0]

    # lambda = s / (1 - s) maps the bounded search onto [0, inf); the boundary is tried apart
    best = optimize.minimize_scalar(
        criterion, bounds=(0.0, 1.0 - 1e-9), method="bounded", options={"xatol": 1e-12}
    )
    ratio = float(best.x / (1.0 - best.x)) if criterion(float(best.x)) < criterion(0.0) else 0.0
    neg2, beta, sigma2, a = _profile(ratio, sums, n - p)
    return _Fit(
        beta=beta,
        beta_cov=sigma2 * np.linalg.inv(a),
        ratio=ratio,
        sigma2=sigma2,
        loglik=-0.5 * neg2,
        counts=counts,
        group_x=group_x,
        group_residual=group_y - group_x @ beta,
        df=_containment_df(x, codes, k),
    )


def _profile(
    ratio: float,
    sums: tuple[Floats, Floats, float, Ints, Floats, Floats],
    dof: int,
) -> tuple[float, Floats, float, Floats]:
    """-2 REML log-likelihood at lambda, from group sums only (no n-by-n matrices).

    With w_k = lambda / (1 + n_k lambda): A = X'X - sum w_k s_k s_k', b = X'y - sum w_k s_k t_k,
    q = y'y - sum w_k t_k^2 - b' A^-1 b, sigma^2 = q / (N - p), and
    -2 l = (N - p)(log(2 pi sigma^2) + 1) + sum log(1 + n_k lambda) + log det A.
    """
    xtx, xty, yty, counts, group_x, group_y = sums
    w = ratio / (1.0 + counts * ratio)
    a = xtx - (group_x * w[:, None]).T @ group_x
    b = xty - group_x.T @ (w * group_y)
    beta = np.linalg.solve(a, b)
    sigma2 = (yty - float(w @ group_y**2) - float(b @ beta)) / dof
    _, logdet = np.linalg.slogdet(a)
    neg2 = dof * (math.log(2 * math.pi * sigma2) + 1) + float(np.log1p(counts * ratio).sum())
    return neg2 + logdet, beta, sigma2, a


def _containment_df(x: Floats, codes: Ints, k: int) -> Floats:
    """Clinician-level columns get k - (their count) df, the rest N - k - (their count)."""
    means = np.stack([np.bincount(codes, weights=col) / np.bincount(codes) for col in x.T], 1)
    between = np.all(np.isclose(x, means[codes]), axis=0)
    n_between = int(between.sum())
    low = float(max(k - n_between, 1))
    high = float(max(len(x) - k - (x.shape[1] - n_between), 1))
    return np.where(between, low, high)


def _coefficients(fit: _Fit, names: list[str], level: float) -> dict[str, Coefficient]:
    se = np.sqrt(np.diag(fit.beta_cov))
    result = {}
    for j, name in enumerate(names):
        t_df = float(fit.df[j])
        t = float(stats.t.ppf(0.5 + level / 2, t_df))
        estimate = float(fit.beta[j])
        half = t * float(se[j])
        result[name] = Coefficient(estimate, float(se[j]), estimate - half, estimate + half, t_df)
    return result


def _fisher_interval(a: Floats, b: Floats, level: float) -> tuple[float, float, float]:
    """Pearson r with tanh(atanh(r) +/- z / sqrt(n - 3)) (Fisher 1921)."""
    if len(a) < 4:
        raise ValueError(f"data: needs at least 4 rows for a correlation interval, got {len(a)}")
    r = float(np.corrcoef(a, b)[0, 1])
    half = float(stats.norm.ppf(0.5 + level / 2)) / math.sqrt(len(a) - 3)
    centre = math.atanh(max(min(r, 1 - 1e-15), -1 + 1e-15))
    return r, math.tanh(centre - half), math.tanh(centre + half)
