"""Seeded synthetic clinics built from published parameters; never a real person's data.

A simulated clinic has clinicians in teams, clients with one episode each, appointments (attended,
cancelled, no-show) and ratings in the long research format. Change follows a log-shaped curve to a
good-enough level (Baldwin, Berkeljon, Atkins, Olsen & Nielsen 2009, J Consult Clin Psychol
77(2):203-211): each episode's total change is reached at its planned last session, so clients who
finish early change faster and the end-of-episode outcome has a clean clinician share. The
generating truth is returned with the data so that every fitter can be checked against it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from datetime import date, timedelta

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.optimize import brentq
from scipy.special import expit

from alliance.science.simulate_growth import simulate_growth_ratings
from alliance.science.simulate_ratings import clinic_ratings
from alliance.science.simulate_sessions import schedule_appointments

__all__ = [
    "AGE_GROUPS",
    "ENDINGS",
    "SETTINGS",
    "ClinicParameters",
    "SimulatedClinic",
    "demo_clinic_parameters",
    "simulate_clinic",
    "simulate_growth_ratings",
]

AGE_GROUPS = ("adult", "adolescent", "child")
SETTINGS = ("individual", "couple", "family", "group", "day_programme")
ENDINGS = ("planned", "client_initiated", "ghosted", "transferred")

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]


@dataclass(frozen=True)
class ClinicParameters:
    """Everything that shapes a simulated clinic; defaults cite their source or say *assumption*.

    Sources: Miller, Duncan, Brown, Sparks & Claud 2003 (J Brief Therapy 2(2):91-100), ORS
    clinical mean 19.6 [secondary]; Baldwin et al. 2009 (above), 6.46 sessions on average [checked];
    Swift & Greenberg 2012 (J Consult Clin Psychol 80(4):547-559), dropout 19.7% [checked];
    Flueckiger, Del Re, Wampold & Horvath 2018 (Psychotherapy 55(4):316-340), alliance-outcome
    r = .278 [checked]; Wampold & Brown 2005 (J Consult Clin Psychol 73(5):914-923) and Johns,
    Barkham, Kellett & Saxon 2019 (Clin Psychol Rev 67:78-93), clinicians carry about 5% of outcome
    variance [checked]; Sharf, Primavera & Diener 2010 (Psychotherapy 47(4):637-645), weaker
    alliance goes with dropout, d about .55 [unverified]. Everything else is an assumption chosen to
    look like routine outpatient data and is marked as such in ``docs/science/simulate.md``.
    """

    n_clinicians: int = 24
    n_teams: int = 3
    n_prescribers: int = 1  # medication management only
    n_supervisors: int = 1  # carry a small caseload
    n_clients: int = 600
    observed_weeks: int = 52  # episodes start uniformly over this window
    as_of: date | None = None  # day the clinic is looked at; later appointments do not exist yet
    mean_sessions: float = 6.5  # Baldwin et al. 2009: 6.46
    max_sessions: int = 30
    intake_mean: float = 19.6  # Miller et al. 2003, adult clinical sample
    intake_sd: float = 7.5  # assumption inside the brief's 7-8
    intake_shift_adolescent: float = 3.0  # assumption: cutoff 28 vs 25 (Duncan et al. 2006)
    intake_shift_child: float = 5.0  # assumption: cutoff 32 vs 25
    mean_change: float = 7.5  # assumption: ORS points gained by a planned ending at mean intake
    intake_on_change: float = -0.5  # assumption: lower intake, more room to change
    change_sd: float = 6.5  # assumption: SD of the final score given intake
    residual_sd: float = 3.0  # assumption: session-to-session ORS noise
    clinician_variance_share: float = 0.05  # Wampold & Brown 2005; Johns et al. 2019
    alliance_outcome_correlation: float = 0.28  # Flueckiger et al. 2018
    alliance_clinician_share: float = 0.10  # assumption: clinicians' share of alliance variance
    between_share: float = 0.5  # assumption: part of the clinician effect carried by alliance
    dropout_share: float = 0.197  # Swift & Greenberg 2012
    dropout_alliance_log_odds: float = -0.6  # Sharf et al. 2010, d about .55 [unverified]
    ghosted_share_of_dropouts: float = 0.5  # assumption
    transfer_share: float = 0.05  # assumption
    miss_rate: float = 0.18  # assumption: no-shows plus cancellations per appointment
    no_show_share_of_misses: float = 0.55  # assumption
    low_alliance_miss_ratio: float = 2.5  # assumption: ghosting after a low SRS (DOMAIN.md)
    srs_mean: float = 37.5  # assumption: most SRS totals 36-40
    srs_client_sd: float = 2.0  # assumption
    srs_session_sd: float = 1.0  # assumption
    perfect_rater_share: float = 0.15  # assumption: clients who always give 40/40
    dip_rate: float = 0.07  # assumption: sessions with an alliance dip (a rupture)
    phq_gad_share: float = 0.35  # assumption: adult/adolescent episodes also rated on PHQ-9, GAD-7
    risk_client_share: float = 0.12  # assumption: PHQ-9 clients who may answer item 9 above 0
    clinician_rating_share: float = 0.3  # assumption: episodes where the clinician rates the SRS
    clinician_gap_mean: float = 1.5  # assumption: clinicians rate the session higher
    age_shares: tuple[float, float, float] = (0.82, 0.12, 0.06)  # adult, adolescent, child
    setting_shares: tuple[float, ...] = (0.76, 0.07, 0.07, 0.05, 0.05)  # SETTINGS order

    def __post_init__(self) -> None:
        _check_counts(self)
        _check_shares(self)


def _check_counts(p: ClinicParameters) -> None:
    for name, low in (("n_clinicians", 2), ("n_teams", 1), ("n_clients", 2), ("observed_weeks", 1)):
        if getattr(p, name) < low:
            raise ValueError(f"{name}: must be at least {low}, got {getattr(p, name)}")
    if p.n_prescribers + p.n_supervisors >= p.n_clinicians:
        raise ValueError("n_clinicians: must exceed n_prescribers + n_supervisors")
    if not 2 <= p.max_sessions <= 60:
        raise ValueError(f"max_sessions: must be in 2..60, got {p.max_sessions}")
    if not 1.0 < p.mean_sessions < p.max_sessions:
        raise ValueError(f"mean_sessions: must be in (1, max_sessions), got {p.mean_sessions}")
    for name in ("intake_sd", "change_sd", "residual_sd", "srs_client_sd", "srs_session_sd"):
        if not getattr(p, name) > 0:
            raise ValueError(f"{name}: must be above 0, got {getattr(p, name)}")


def _check_shares(p: ClinicParameters) -> None:
    probabilities = [f.name for f in fields(p) if "share" in f.name or f.name.endswith("_rate")]
    for name in probabilities:
        value = getattr(p, name)
        if isinstance(value, float) and not 0.0 <= value < 1.0:
            raise ValueError(f"{name}: must be in [0, 1), got {value}")
    for name in ("clinician_variance_share", "alliance_clinician_share", "between_share"):
        if getattr(p, name) == 0.0:
            raise ValueError(f"{name}: must be in (0, 1), got 0")
    if not -1.0 < p.alliance_outcome_correlation < 1.0:
        raise ValueError("alliance_outcome_correlation: must be in (-1, 1)")
    if p.dropout_share + p.transfer_share >= 1.0:
        raise ValueError("transfer_share: dropout_share + transfer_share must stay below 1")
    for name, n in (("age_shares", 3), ("setting_shares", len(SETTINGS))):
        shares = getattr(p, name)
        if len(shares) != n or min(shares) < 0 or not math.isclose(sum(shares), 1.0):
            raise ValueError(f"{name}: must be {n} non-negative shares summing to 1")
    _outcome_components(p)  # refuses parameters whose variances do not add up


def _outcome_components(p: ClinicParameters) -> dict[str, float]:
    """Split the final-score variance given intake into clinician, alliance and residual parts.

    With total variance V = change_sd**2, clinician share s, alliance clinician share q, part of
    the clinician effect carried by alliance b and correlation r (alliance in SD units):
    between slope = sqrt(b s V / q); within slope = (r sqrt(V) - between q) / (1 - q);
    clinician variance not due to alliance = (1 - b) s V; client variance = (1 - s) V -
    within**2 (1 - q) - residual_sd**2.
    """
    total = p.change_sd**2
    share, q = p.clinician_variance_share, p.alliance_clinician_share
    between = math.sqrt(p.between_share * share * total / q)
    within = (p.alliance_outcome_correlation * p.change_sd - between * q) / (1.0 - q)
    client = (1.0 - share) * total - within**2 * (1.0 - q) - p.residual_sd**2
    if client <= 0:
        raise ValueError("residual_sd: too large for change_sd and the alliance correlation")
    return {
        "clinician_variance": share * total,
        "clinician_other_variance": (1.0 - p.between_share) * share * total,
        "alliance_between_slope": between,
        "alliance_within_slope": within,
        "client_change_variance": client,
    }


@dataclass(frozen=True)
class SimulatedClinic:
    """A simulated clinic as tables; columns are documented in ``docs/science/simulate.md``.

    ``clinicians``, ``clients``, ``episodes``, ``sessions`` and ``ratings`` are pandas DataFrames
    with integer ids; ``truth`` holds the generating parameters (plain floats).
    """

    clinicians: pd.DataFrame
    clients: pd.DataFrame
    episodes: pd.DataFrame
    sessions: pd.DataFrame
    ratings: pd.DataFrame
    truth: dict[str, float]
    as_of: date


def simulate_clinic(
    params: ClinicParameters | None = None, *, seed: int, start_date: date | None = None
) -> SimulatedClinic:
    """Simulate a whole clinic from ``params`` with a seeded generator.

    Outcome model (good-enough level, Baldwin et al. 2009): client i of clinician k starts at a
    true intake I_i and gains Delta_i by the planned last session n_i, following a log curve::

        ORS_ij = I_i + Delta_i * ln(j) / ln(n_i) + e_ij,    e_ij ~ N(0, residual_sd^2)
        Delta_i = mean_change + intake_on_change * (I_i - intake_mean)
                  + beta_between * a_k + v_k + beta_within * w_i + u_i

    where a_k + w_i is the client's latent alliance (SD 1; a_k the clinician's part), v_k and u_i
    normal. The variances come from ``_outcome_components`` so that the final score given intake
    has the clinician share and alliance correlation asked for. Dropout (client-initiated or
    ghosted) has log-odds ``dropout_alliance_log_odds`` per SD of alliance, its intercept solved so
    the expected share is ``dropout_share``; those episodes stop before n_i.

    Parameters
    ----------
    params : ClinicParameters, optional
        Defaults to ``ClinicParameters()``.
    seed : int
        Seed for ``numpy.random.default_rng``; the same seed gives the same clinic.
    start_date : date, optional
        First day of the observed window; default 2025-01-06, or ``as_of`` minus
        ``observed_weeks`` when the parameters fix ``as_of``.

    Returns
    -------
    SimulatedClinic

    Examples
    --------
    >>> clinic = simulate_clinic(ClinicParameters(n_clients=50, n_clinicians=5), seed=1)
    >>> sorted(clinic.ratings["measure"].unique().tolist())[:2]
    ['cors', 'csrs']
    >>> bool((clinic.ratings["score"] <= 40).all())
    True
    """
    p = ClinicParameters() if params is None else params
    start, end = _window(p, start_date)
    rng = np.random.default_rng(seed)
    parts = _outcome_components(p)
    clinicians = _clinicians(p, rng, parts)
    episodes = _episodes(p, rng, clinicians, parts, start, end)
    visits = _attended(p, rng, episodes, parts)
    sessions, visits, episodes = schedule_appointments(
        rng,
        episodes,
        visits,
        as_of=end,
        miss_rate=p.miss_rate,
        no_show_share_of_misses=p.no_show_share_of_misses,
        low_alliance_miss_ratio=p.low_alliance_miss_ratio,
    )
    ratings = clinic_ratings(rng, episodes, visits, clinician_gap_mean=p.clinician_gap_mean)
    return SimulatedClinic(
        clinicians=clinicians,
        clients=_clients(episodes),
        episodes=_public_episodes(episodes),
        sessions=sessions,
        ratings=ratings,
        truth=_truth(p, parts),
        as_of=end,
    )


def _window(p: ClinicParameters, start_date: date | None) -> tuple[date, date]:
    span = timedelta(weeks=p.observed_weeks)
    if p.as_of is not None:
        start = start_date or p.as_of - span
        if start >= p.as_of:
            raise ValueError("start_date: must be before as_of")
        return start, p.as_of
    start = start_date or date(2025, 1, 6)
    return start, start + span


def _clinicians(
    p: ClinicParameters, rng: np.random.Generator, parts: dict[str, float]
) -> pd.DataFrame:
    k = p.n_clinicians
    role = np.full(k, "therapist", dtype=object)
    role[: p.n_supervisors] = "supervisor"
    role[p.n_supervisors : p.n_supervisors + p.n_prescribers] = "prescriber"
    alliance = rng.normal(0.0, math.sqrt(p.alliance_clinician_share), k)
    other = rng.normal(0.0, math.sqrt(parts["clinician_other_variance"]), k)
    return pd.DataFrame(
        {
            "clinician_id": np.arange(1, k + 1),
            "team": [f"team_{1 + i % p.n_teams}" for i in range(k)],
            "role": role,
            "true_effect": parts["alliance_between_slope"] * alliance + other,
            "alliance_effect": alliance,
            "caseload_weight": np.select(
                [role == "supervisor", role == "prescriber"], [0.3, 0.6], 1.0
            ),
        }
    )


def _episodes(
    p: ClinicParameters,
    rng: np.random.Generator,
    clinicians: pd.DataFrame,
    parts: dict[str, float],
    start: date,
    end: date,
) -> pd.DataFrame:
    n = p.n_clients
    weights = clinicians["caseload_weight"].to_numpy(float)
    k = rng.choice(len(clinicians), size=n, p=weights / weights.sum())
    age = rng.choice(3, size=n, p=list(p.age_shares))
    shift = np.array([0.0, p.intake_shift_adolescent, p.intake_shift_child])[age]
    intake = np.clip(rng.normal(p.intake_mean + shift, p.intake_sd), 0.0, 40.0)
    within = rng.normal(0.0, math.sqrt(1.0 - p.alliance_clinician_share), n)
    alliance = clinicians["alliance_effect"].to_numpy()[k] + within
    change = (
        p.mean_change
        + p.intake_on_change * (intake - p.intake_mean)
        + clinicians["true_effect"].to_numpy()[k]
        + parts["alliance_within_slope"] * within
        + rng.normal(0.0, math.sqrt(parts["client_change_variance"]), n)
    )
    fate = _fates(p, rng, alliance)
    planned = _planned_sessions(p, rng, n, at_least_two=fate != "planned")
    attended = np.where(fate == "planned", planned, rng.integers(1, np.maximum(planned, 2)))
    days = rng.integers(0, max((end - start).days, 1), n)
    first = np.datetime64(start, "D") + days
    # clinics see clients on weekdays, and the first visit must fall inside the window
    forward = np.busday_offset(first, 0, roll="forward")
    first = np.where(
        forward <= np.datetime64(end, "D"), forward, np.busday_offset(first, 0, roll="backward")
    )
    prescriber = clinicians["role"].to_numpy()[k] == "prescriber"
    setting = np.where(
        prescriber, "medication_management", rng.choice(SETTINGS, n, p=list(p.setting_shares))
    )
    return pd.DataFrame(
        {
            "episode_id": np.arange(1, n + 1),
            "client_id": np.arange(1, n + 1),
            "clinician_id": clinicians["clinician_id"].to_numpy()[k],
            "age_group": np.array(AGE_GROUPS)[age],
            "setting": setting,
            "first_day": first,
            "intake": intake,
            "alliance": alliance,
            "change": change,
            "planned_sessions": planned,
            "attended_sessions": attended,
            "true_ending": fate,
            "phq_gad": (age < 2) & (rng.random(n) < p.phq_gad_share),
            "risk_client": rng.random(n) < p.risk_client_share,
            "perfect_rater": rng.random(n) < p.perfect_rater_share,
            "clinician_rates": rng.random(n) < p.clinician_rating_share,
            "interval_days": np.where(prescriber, 28, 7),
            "birth_year": start.year - _ages(rng, age),
        }
    )


def _ages(rng: np.random.Generator, age: Ints) -> Ints:
    low = np.array([18, 13, 6])[age]
    high = np.array([71, 18, 13])[age]
    return rng.integers(low, high)


def _fates(p: ClinicParameters, rng: np.random.Generator, alliance: Floats) -> NDArray[np.str_]:
    """Dropout by a logistic model on alliance whose intercept gives the expected share."""
    slope = p.dropout_alliance_log_odds
    nodes, weights = np.polynomial.hermite_e.hermegauss(40)
    weights = weights / weights.sum()

    def gap(b: float) -> float:
        return float(weights @ expit(b + slope * nodes)) - p.dropout_share

    dropout = np.zeros(alliance.size, dtype=bool)
    if p.dropout_share > 0:
        intercept = brentq(gap, -30.0, 30.0)
        dropout = rng.random(alliance.size) < expit(intercept + slope * alliance)
    moved = ~dropout & (rng.random(alliance.size) < p.transfer_share / (1.0 - p.dropout_share))
    ghosted = rng.random(alliance.size) < p.ghosted_share_of_dropouts
    unplanned = np.where(ghosted, "ghosted", "client_initiated")
    return np.where(dropout, unplanned, np.where(moved, "transferred", "planned"))


def _planned_sessions(
    p: ClinicParameters, rng: np.random.Generator, n: int, at_least_two: Bools
) -> Ints:
    """Geometric lengths (many short episodes) truncated to 1..max_sessions by redrawing."""
    lengths = rng.geometric(1.0 / p.mean_sessions, n)
    bad = (lengths > p.max_sessions) | (at_least_two & (lengths < 2))
    while bad.any():
        lengths[bad] = rng.geometric(1.0 / p.mean_sessions, int(bad.sum()))
        bad = (lengths > p.max_sessions) | (at_least_two & (lengths < 2))
    return lengths.astype(np.int64)


def _attended(
    p: ClinicParameters, rng: np.random.Generator, episodes: pd.DataFrame, parts: dict[str, float]
) -> pd.DataFrame:
    """One row per attended session with the true ORS level and the client's SRS."""
    count = episodes["attended_sessions"].to_numpy()
    row = np.repeat(np.arange(len(episodes)), count)
    number = np.arange(row.size) - np.repeat(np.cumsum(count) - count, count) + 1
    planned = episodes["planned_sessions"].to_numpy()[row]
    progress = np.log(number) / np.log(np.maximum(planned, 2))
    level = episodes["intake"].to_numpy()[row] + episodes["change"].to_numpy()[row] * progress
    ors = level + rng.normal(0.0, p.residual_sd, row.size)
    undipped = (
        p.srs_mean
        + p.srs_client_sd * episodes["alliance"].to_numpy()[row]
        + rng.normal(0.0, p.srs_session_sd, row.size)
    )
    dip = (rng.random(row.size) < p.dip_rate) * rng.uniform(3.0, 10.0, row.size)
    last = number == count[row]
    ghost = (
        last & (episodes["true_ending"].to_numpy()[row] == "ghosted") & (rng.random(row.size) < 0.6)
    )
    dip = np.where(ghost, np.maximum(dip, rng.uniform(4.0, 9.0, row.size)), dip)
    perfect = episodes["perfect_rater"].to_numpy()[row]
    return pd.DataFrame(
        {
            "row": row,
            "number": number,
            "level": level,
            "ors": _tenths(ors),
            "srs": np.where(perfect, 40.0, _tenths(undipped - dip)),
            "srs_undipped": np.where(perfect, 40.0, _tenths(undipped)),
        }
    )


def _tenths(values: Floats) -> Floats:
    return np.round(np.clip(values, 0.0, 40.0), 1)


def _public_episodes(episodes: pd.DataFrame) -> pd.DataFrame:
    columns = [
        "episode_id",
        "client_id",
        "clinician_id",
        "setting",
        "start_date",
        "end_date",
        "ending",
        "intake",
        "alliance",
        "change",
        "planned_sessions",
        "true_ending",
        "phq_gad",
        "risk_client",
        "perfect_rater",
        "clinician_rates",
    ]
    return episodes[columns].reset_index(drop=True)


def _clients(episodes: pd.DataFrame) -> pd.DataFrame:
    return episodes[["client_id", "age_group", "birth_year"]].reset_index(drop=True)


def _truth(p: ClinicParameters, parts: dict[str, float]) -> dict[str, float]:
    """The generating parameters as plain floats (names in ``docs/science/simulate.md``)."""
    return {
        "intake_mean": p.intake_mean,
        "intake_sd": p.intake_sd,
        "mean_change": p.mean_change,
        "intake_on_change": p.intake_on_change,
        "change_sd": p.change_sd,
        "residual_sd": p.residual_sd,
        "clinician_variance_share": p.clinician_variance_share,
        "clinician_variance": parts["clinician_variance"],
        "within_variance": p.change_sd**2 - parts["clinician_variance"],
        "alliance_between_slope": parts["alliance_between_slope"],
        "alliance_within_slope": parts["alliance_within_slope"],
        "alliance_clinician_share": p.alliance_clinician_share,
        "alliance_outcome_correlation": p.alliance_outcome_correlation,
        "client_change_variance": parts["client_change_variance"],
        "dropout_share": p.dropout_share,
        "dropout_alliance_log_odds": p.dropout_alliance_log_odds,
    }


def demo_clinic_parameters(today: date | None = None) -> ClinicParameters:
    """Parameters of the product demo: one organisation, two teams, eight clinicians, 120 clients.

    Six therapists, one prescriber (medication management) and one supervisor with a small
    caseload; clients start over the 40 weeks before ``today``, so the latest are still in care.
    All clinical parameters are the cited defaults of ``ClinicParameters``.

    Parameters
    ----------
    today : date, optional
        The day the demo is looked at (``as_of``); default ``date.today()``.

    Returns
    -------
    ClinicParameters

    Examples
    --------
    >>> params = demo_clinic_parameters(date(2026, 3, 2))
    >>> params.n_clinicians, params.n_teams, params.n_clients, params.as_of
    (8, 2, 120, datetime.date(2026, 3, 2))
    """
    return ClinicParameters(
        n_clinicians=8,
        n_teams=2,
        n_prescribers=1,
        n_supervisors=1,
        n_clients=120,
        observed_weeks=40,
        as_of=today or date.today(),
    )
