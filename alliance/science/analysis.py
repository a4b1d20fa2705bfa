"""Research analysis of a long ratings table: the science core run end to end, as ``alliance
analyze`` does on a CSV.

From one rating per row (``docs/science/analysis.md``) it computes, with the product's own rules:
each episode's change and Jacobson & Truax class per outcome measure (:mod:`.change`); NHS Talking
Therapies outcomes for adults rated on PHQ-9 and GAD-7; the expected-treatment-response model per
outcome measure (:mod:`.trajectories`, fitted with :mod:`.growth` when there are enough episodes);
every alert the rules would have raised (:mod:`.signals`); case-mix adjusted clinician effects and
the within/between alliance-outcome split (:mod:`.therapists`). Work is grouped with pandas and
numpy; the alert rules run as their columnar twins over every episode at once
(:mod:`.signals_columnar`, held to the per-episode rules by tests).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from alliance.science.alert_table import AlertTable, evaluate_columns
from alliance.science.analysis_columns import session_columns
from alliance.science.analysis_outcomes import (
    class_counts,
    episode_changes,
    episode_facts,
    in_session_order,
    outcome_ratings,
    talking_therapies_table,
    talking_therapies_totals,
)
from alliance.science.analysis_records import (
    JSON_FORMAT,
    JSON_VERSION,
    AllianceOutcomeReport,
    ClinicianReport,
    EpisodeAlert,
    TrajectoryReport,
    alert_record,
    alliance_outcome_record,
    clinician_record,
    plain_object,
    trajectory_record,
)
from alliance.science.analysis_series import expected_for_ratings
from alliance.science.instruments import (
    Instrument,
    load_instruments,
)
from alliance.science.ratings_table import (
    RatingsError,
    RatingsTable,
    RowError,
    read_ratings,
    validate_ratings,
)
from alliance.science.row_records import RowRecords
from alliance.science.signals import DEFAULT_SETTINGS, SignalSettings
from alliance.science.therapists import (
    alliance_outcome_split,
    clinician_effects,
    distinguishable_groups,
)
from alliance.science.trajectories import (
    DEFAULT_BAND_PERCENTILE,
    DEFAULT_MIN_EPISODES,
    DEFAULT_MIN_RATINGS_PER_EPISODE,
    INTAKE,
    FittedOn,
    TrajectoryModel,
    default_model,
    enough_for_local_fit,
    fit_trajectory,
)
from alliance.science.trajectory_sources import ANALYSIS_CITATION

__all__ = [
    "ALLIANCE_SUMMARIES",
    "DEFAULT_ANALYSIS_SETTINGS",
    "EARLY_SESSIONS",
    "ROW_SECTIONS",
    "AllianceOutcomeReport",
    "Analysis",
    "AnalysisSettings",
    "ClinicianReport",
    "EpisodeAlert",
    "Progress",
    "RatingsError",
    "RatingsTable",
    "RowError",
    "TrajectoryReport",
    "analyze_ratings",
    "validate_ratings",
]

ALLIANCE_SUMMARIES = ("episode_mean", "early")
"""How an episode's alliance is summarised for the Baldwin split (:class:`AnalysisSettings`)."""

EARLY_SESSIONS = 3
"""The "early" alliance: client ratings at sessions 1 to 3 (an assumption: Baldwin et al. 2007
took one early measurement; three sessions give most episodes at least one rating)."""

Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)`` while an analysis runs (for progress bars)."""


def _refuse_unless(ok: bool, name: str, allowed: str, value: object) -> None:
    if not ok:
        raise ValueError(f"{name}: must be {allowed}, got {value!r}")


def _count_at_least(value: object, low: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


@dataclass(frozen=True)
class AnalysisSettings:
    """Every choice an analysis makes; the defaults and their sources are in the module docs.

    Attributes
    ----------
    min_episodes_for_fit, min_ratings_per_episode
        A measure's trajectory model is fitted on the file when it has at least this many
        episodes and ratings per episode (:func:`.trajectories.enough_for_local_fit`: 300 and 3);
        otherwise the provisional :func:`.trajectories.default_model` is used.
    band_percentile
        Lower edge of the expected band, percent (25: the band holds the middle half).
    min_caseload, level
        Clinicians with fewer episodes are not shown (10); interval coverage (0.95).
    outcome_order
        Which outcome measure the alert rules read when an episode has several: the first one
        present (ORS, Child ORS, PHQ-9, GAD-7), then any other outcome measure.
    alliance_measures
        Client alliance measures on the 0-40 SRS scale that the alert thresholds are made for.
    alliance_summary
        Each episode's alliance in the Baldwin split: ``"episode_mean"`` (default: the mean of
        every client alliance rating in the episode) or ``"early"`` (the mean of those at sessions
        1 to :data:`EARLY_SESSIONS`). Baldwin, Wampold & Imel (2007) measured the alliance once,
        early in treatment; early alliance predicts outcome in Flueckiger et al.'s (2018)
        meta-analysis and cannot yet reflect much of the change it is compared with, while the
        episode mean uses every rating (more precise, but partly after the change). Both are
        reported choices: the JSON's settings say which was used.
    signals
        Thresholds of the alert rules.
    fitted_at
        Time stamped on a locally fitted model; None uses the current UTC time.
    """

    min_episodes_for_fit: int = DEFAULT_MIN_EPISODES
    min_ratings_per_episode: float = DEFAULT_MIN_RATINGS_PER_EPISODE
    band_percentile: float = DEFAULT_BAND_PERCENTILE
    min_caseload: int = 10
    level: float = 0.95
    outcome_order: tuple[str, ...] = ("ors", "cors", "phq9", "gad7")
    alliance_measures: tuple[str, ...] = ("srs", "csrs")
    alliance_summary: str = "episode_mean"
    signals: SignalSettings = field(default=DEFAULT_SETTINGS)
    fitted_at: datetime | None = None

    def __post_init__(self) -> None:
        _refuse_unless(
            0.0 < self.band_percentile < 50.0,
            "band_percentile",
            "above 0 and below 50",
            self.band_percentile,
        )
        _refuse_unless(0.0 < self.level < 1.0, "level", "above 0 and below 1", self.level)
        _refuse_unless(
            self.alliance_summary in ALLIANCE_SUMMARIES,
            "alliance_summary",
            " or ".join(ALLIANCE_SUMMARIES),
            self.alliance_summary,
        )
        _refuse_unless(
            _count_at_least(self.min_episodes_for_fit, 2),
            "min_episodes_for_fit",
            "a whole number, 2 or more",
            self.min_episodes_for_fit,
        )
        _refuse_unless(
            _count_at_least(self.min_caseload, 1),
            "min_caseload",
            "a whole number, 1 or more",
            self.min_caseload,
        )
        _refuse_unless(
            self.min_ratings_per_episode > 2,
            "min_ratings_per_episode",
            "above 2",
            self.min_ratings_per_episode,
        )

    def as_record(self) -> dict[str, Any]:
        """The settings as plain JSON (the signal thresholds as a nested object)."""
        record = {k: v for k, v in asdict(self).items() if k not in ("signals", "fitted_at")}
        record["signals"] = {k: v for k, v in asdict(self.signals).items() if k != "item_aspects"}
        return plain_object(record)


DEFAULT_ANALYSIS_SETTINGS = AnalysisSettings()


@dataclass(frozen=True, eq=False)
class Analysis:
    """Everything ``alliance analyze`` reports; :meth:`to_json_dict` gives the documented JSON.

    ``episodes`` has one row per episode and outcome measure; ``talking_therapies`` one row per
    adult episode rated on both PHQ-9 and GAD-7; the mappings are keyed by outcome measure code.
    """

    n_ratings: int
    n_episodes: int
    n_clinicians: int
    ratings_per_measure: Mapping[str, int]
    episodes: pd.DataFrame
    talking_therapies: pd.DataFrame
    trajectories: Mapping[str, TrajectoryReport]
    alerts: Sequence[EpisodeAlert]
    clinicians: Mapping[str, ClinicianReport]
    alliance_outcome: Mapping[str, AllianceOutcomeReport]
    settings: AnalysisSettings

    def to_json_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (schema in ``docs/science/analysis.md``); nothing is rounded."""
        return {
            key: list(value) if key in ROW_SECTIONS else value
            for key, value in self.json_sections()
        }

    def json_sections(self) -> Iterator[tuple[str, Any]]:
        """The JSON's top-level keys in order with their values; the :data:`ROW_SECTIONS` come
        as iterators of one plain record per row, made as they are read, so a writer can encode
        them one at a time instead of holding every record (``alliance analyze``: issue 16)."""
        yield "format", JSON_FORMAT
        yield "version", JSON_VERSION
        yield "summary", self.summary()
        yield "settings", self.settings.as_record()
        yield "episodes", _row_records(self.episodes)
        yield "nhs_talking_therapies", _row_records(self.talking_therapies)
        yield "etr", {m: trajectory_record(r) for m, r in self.trajectories.items()}
        yield "alerts", _alert_records(self.alerts)
        yield "clinicians", {m: clinician_record(r) for m, r in self.clinicians.items()}
        yield (
            "alliance_outcome",
            {m: alliance_outcome_record(r) for m, r in self.alliance_outcome.items()},
        )

    def summary(self) -> dict[str, Any]:
        """Counts: ratings, episodes, classes per measure, Talking Therapies totals, alerts."""
        rules = _rule_counts(self.alerts)
        return plain_object(
            {
                "n_ratings": self.n_ratings,
                "n_episodes": self.n_episodes,
                "n_clinicians": self.n_clinicians,
                "ratings_per_measure": dict(self.ratings_per_measure),
                "classification_counts": class_counts(self.episodes),
                "nhs_talking_therapies": talking_therapies_totals(self.talking_therapies),
                "alerts_by_rule": rules,
            }
        )


ROW_SECTIONS = frozenset({"episodes", "nhs_talking_therapies", "alerts"})
"""The JSON's arrays with one record per row of the input (episodes, alerts): the large ones."""


def _rule_counts(alerts: Sequence[EpisodeAlert]) -> dict[str, int]:
    if isinstance(alerts, AlertTable):
        return alerts.rule_counts()
    rules: dict[str, int] = {}
    for found in alerts:
        rules[found.alert.rule] = rules.get(found.alert.rule, 0) + 1
    return rules


def _alert_records(alerts: Sequence[EpisodeAlert]) -> Iterable[dict[str, Any]]:
    """The alerts' JSON records; a table of alerts makes them without an object per alert."""
    if isinstance(alerts, AlertTable):
        return alerts.records()
    return (alert_record(found) for found in alerts)


def _row_records(frame: pd.DataFrame) -> RowRecords:
    """:func:`records` of the table, a batch of rows at a time (or as JSON text: ``encoded``)."""
    return RowRecords(frame)


def analyze_ratings(
    frame: pd.DataFrame | RatingsTable,
    *,
    instruments: Mapping[str, Instrument] | None = None,
    settings: AnalysisSettings = DEFAULT_ANALYSIS_SETTINGS,
    progress: Progress | None = None,
) -> Analysis:
    """Run the science core over a long ratings table.

    Parameters
    ----------
    frame : pandas.DataFrame or RatingsTable
        One rating per row: ``episode_id, clinician_id, session, measure, score`` and optionally
        ``client_id, date, rater, age_group, item_1 ... item_k`` (text as read from a CSV, or
        numbers), checked by :func:`validate_ratings` first; or a table already checked by
        :func:`alliance.science.ratings_table.read_ratings`.
    instruments : mapping of code to Instrument, optional
        Defaults to the shipped instrument files.
    settings : AnalysisSettings
    progress : callable, optional
        ``progress(stage, done, total)``, called as each stage advances.

    Returns
    -------
    Analysis

    Raises
    ------
    RatingsError
        If any row is bad; ``.errors`` lists every bad cell with its row and column.

    Notes
    -----
    Change = last - first client score of an outcome measure in the episode (by session number);
    the class follows Jacobson & Truax (1991) with the instrument's cutoff and reliable-change
    value for the episode's age group (:func:`.change.classify_changes`): *recovered* needs a
    reliable improvement from the clinical into the non-clinical range. The expected path of a
    rating is the model's mean at t = ln(session) given the episode's intake (its first score),
    after Finch, Lambert & Schaalje (2001). Clinician effects use the last score with the intake
    as case mix (Saxon & Barkham 2012); the alliance split is Baldwin, Wampold & Imel (2007).
    Full citations are in the modules named.

    Examples
    --------
    >>> frame = pd.DataFrame({
    ...     "episode_id": ["e1"] * 4, "clinician_id": ["c1"] * 4,
    ...     "session": ["1", "1", "2", "2"], "measure": ["ors", "srs", "ors", "srs"],
    ...     "score": ["18.0", "39.0", "27.5", "35.0"]})
    >>> analysis = analyze_ratings(frame)
    >>> episode = analysis.to_json_dict()["episodes"][0]
    >>> episode["measure"], episode["first"], episode["last"], episode["classification"]
    ('ors', 18.0, 27.5, 'recovered')
    >>> sorted({found.alert.rule for found in analysis.alerts})
    ['alliance_drop', 'low_alliance']
    """
    report = progress or _silent
    catalogue = dict(load_instruments() if instruments is None else instruments)
    report("checking rows", 0, 1)
    table = frame if isinstance(frame, RatingsTable) else read_ratings(frame, instruments=catalogue)
    report("checking rows", 1, 1)
    report("changes", 0, 1)
    ratings = in_session_order(table.ratings)
    episodes = episode_facts(ratings)
    outcome = outcome_ratings(ratings, catalogue)
    changes = episode_changes(outcome, episodes, catalogue)
    report("changes", 1, 1)
    trajectories = _trajectories(outcome, catalogue, settings, report)
    alerts = _alerts(ratings, changes, trajectories, catalogue, settings, report)
    clinicians, split = _clinician_reports(ratings, changes, catalogue, settings, report)
    return Analysis(
        n_ratings=len(ratings),
        n_episodes=len(episodes),
        n_clinicians=int(ratings["clinician_id"].nunique()),
        ratings_per_measure={
            str(code): int(count)
            for code, count in ratings["measure"].value_counts().sort_index().items()
        },
        episodes=changes.drop(columns=["n_sessions"]),
        talking_therapies=talking_therapies_table(changes),
        trajectories=trajectories,
        alerts=alerts,
        clinicians=clinicians,
        alliance_outcome=split,
        settings=settings,
    )


def _silent(stage: str, done: int, total: int) -> None:
    """The progress report when nobody is listening."""


def _trajectories(
    outcome: pd.DataFrame,
    catalogue: Mapping[str, Instrument],
    settings: AnalysisSettings,
    report: Progress,
) -> dict[str, TrajectoryReport]:
    reports: dict[str, TrajectoryReport] = {}
    measures = sorted(outcome["measure"].unique())
    report("expected trajectories", 0, len(measures))
    for done, measure in enumerate(measures):
        rows = outcome[outcome["measure"] == measure]
        model, note = _trajectory_model(measure, rows, catalogue[measure], settings)
        path = _observed_path(rows, model, settings.band_percentile)
        reports[measure] = TrajectoryReport(
            measure, model, note, int(rows["episode_id"].nunique()), len(rows), path
        )
        report("expected trajectories", done + 1, len(measures))
    return reports


def _trajectory_model(
    measure: str, rows: pd.DataFrame, instrument: Instrument, settings: AnalysisSettings
) -> tuple[TrajectoryModel | None, str]:
    n_episodes, n_ratings = int(rows["episode_id"].nunique()), len(rows)
    enough = enough_for_local_fit(
        n_episodes,
        n_ratings,
        min_episodes=settings.min_episodes_for_fit,
        min_ratings_per_episode=settings.min_ratings_per_episode,
    )
    fallback = f"{n_episodes} episodes with {n_ratings} ratings are too few for a local fit"
    if enough:
        try:
            model = _local_model(measure, rows, instrument, settings)
        except ValueError as error:
            fallback = f"the local fit failed ({error})"
        else:
            return model, "fitted on this file" + (_SINGULAR_NOTE if model.singular else "")
    try:
        return default_model(measure), f"provisional default: {fallback}"
    except ValueError:
        return None, f"no model: {fallback} and {measure} has no provisional default"


_SINGULAR_NOTE = (
    "; singular fit: the random-effect covariance is on the boundary (a variance of zero or a "
    "correlation of +-1), so the band's spread rests on a simplified model"
)


def _local_model(
    measure: str, rows: pd.DataFrame, instrument: Instrument, settings: AnalysisSettings
) -> TrajectoryModel:
    fit = fit_trajectory(rows, group="episode_id", session="session", score="score")
    dates = rows["date"].dropna()
    fitted_on = FittedOn(
        n_episodes=fit.n_groups,
        n_ratings=fit.n_obs,
        first_rating=None if dates.empty else dates.min().date(),
        last_rating=None if dates.empty else dates.max().date(),
    )
    return TrajectoryModel.from_fit(
        measure,
        fit,
        fitted_on=fitted_on,
        fitted_at=settings.fitted_at or datetime.now(UTC),
        score_range=(instrument.scoring.min, instrument.scoring.max),
        citation=ANALYSIS_CITATION,
    )


def _observed_path(
    rows: pd.DataFrame, model: TrajectoryModel | None, percentile: float
) -> pd.DataFrame:
    frame = rows[["session", "score"]].copy()
    if model is None:
        frame["expected"] = frame["lower"] = frame["upper"] = np.nan
    else:
        expected, lower, upper = expected_for_ratings(
            model, rows[INTAKE].to_numpy(), rows["session"].to_numpy(), percentile
        )
        frame = frame.assign(expected=expected, lower=lower, upper=upper)
    return (
        frame.groupby("session")
        .agg(
            n_ratings=("score", "size"),
            observed_mean=("score", "mean"),
            expected_mean=("expected", "mean"),
            lower_mean=("lower", "mean"),
            upper_mean=("upper", "mean"),
        )
        .reset_index()
    )


def _primary_outcomes(changes: pd.DataFrame, order: tuple[str, ...]) -> pd.Series:
    """Per episode, the outcome measure the alert rules read: first in ``order``, then the most
    rated other measure (ties by code)."""
    rank = changes["measure"].map({code: i for i, code in enumerate(order)}).fillna(len(order))
    ranked = changes.assign(_rank=rank, _count=-changes["n_ratings"])
    ranked = ranked.sort_values(["_rank", "_count", "measure"], kind="stable")
    return ranked.groupby("episode_id", sort=False)["measure"].first()


def _alerts(
    ratings: pd.DataFrame,
    changes: pd.DataFrame,
    trajectories: Mapping[str, TrajectoryReport],
    catalogue: Mapping[str, Instrument],
    settings: AnalysisSettings,
    report: Progress,
) -> AlertTable:
    """Every alert, from the rules' columnar twins over all episodes at once (the per-episode
    rules on each episode's series are their reference: tests/science/test_signals_columnar.py)."""
    total = int(ratings["episode_id"].nunique())  # the bar counts episodes, as it always has
    report("alert rules", 0, total)  # every stage reports when it starts, then as it goes
    primary = _primary_outcomes(changes, settings.outcome_order)
    models = {m: r.model for m, r in trajectories.items() if r.model is not None}
    columns = session_columns(
        ratings,
        primary,
        models,
        catalogue,
        alliance_measures=settings.alliance_measures,
        percentile=settings.band_percentile,
        settings=settings.signals,
    )
    report("alert rules", total // 2, total)  # the inputs take about as long as the rules

    def advance(done: int, rules: int) -> None:
        report("alert rules", total // 2 + (total - total // 2) * done // rules, total)

    found = evaluate_columns(columns, settings.signals, advance)
    return found


def _clinician_reports(
    ratings: pd.DataFrame,
    changes: pd.DataFrame,
    catalogue: Mapping[str, Instrument],
    settings: AnalysisSettings,
    report: Progress,
) -> tuple[dict[str, ClinicianReport], dict[str, AllianceOutcomeReport]]:
    alliance = _client_alliance(ratings, settings.alliance_measures, settings.alliance_summary)
    effects: dict[str, ClinicianReport] = {}
    splits: dict[str, AllianceOutcomeReport] = {}
    measures = sorted(changes["measure"].unique())
    report("clinician effects", 0, len(measures))
    for done, measure in enumerate(measures, start=1):
        rows = changes[(changes["measure"] == measure) & (changes["n_ratings"] >= 2)]
        rows = rows.rename(columns={"first": "intake", "last": "final"})
        higher = catalogue[measure].higher_is_better
        effects[measure] = _clinician_report(measure, higher, rows, settings)
        with_alliance = rows.join(alliance, on="episode_id", how="inner")
        splits[measure] = _split_report(measure, with_alliance, settings)
        report("clinician effects", done, len(measures))
    return effects, splits


def _client_alliance(
    ratings: pd.DataFrame, measures: tuple[str, ...], summary: str = "episode_mean"
) -> pd.Series:
    rows = ratings[ratings["measure"].isin(list(measures)) & (ratings["rater"] == "client")]
    if summary == "early":
        rows = rows[rows["session"] <= EARLY_SESSIONS]
    return rows.groupby("episode_id", sort=False)["score"].mean().rename("alliance")


def _clinician_report(
    measure: str, higher: bool, rows: pd.DataFrame, settings: AnalysisSettings
) -> ClinicianReport:
    try:
        effects = clinician_effects(
            rows,
            clinician="clinician_id",
            outcome="final",
            covariates=["intake"],
            min_caseload=settings.min_caseload,
            level=settings.level,
        )
    except ValueError as error:
        return ClinicianReport(measure, higher, len(rows), None, None, f"not estimated: {error}")
    note = "last score adjusted for the intake score, episodes with 2 or more ratings"
    return ClinicianReport(
        measure, higher, len(rows), effects, distinguishable_groups(effects), note
    )


def _split_report(
    measure: str, rows: pd.DataFrame, settings: AnalysisSettings
) -> AllianceOutcomeReport:
    try:
        split = alliance_outcome_split(
            rows,
            clinician="clinician_id",
            alliance="alliance",
            outcome="final",
            covariates=["intake"],
            level=settings.level,
        )
    except ValueError as error:
        return AllianceOutcomeReport(
            measure, settings.alliance_measures, len(rows), None, f"not estimated: {error}"
        )
    how = {
        "episode_mean": "mean client alliance per episode",
        "early": f"mean client alliance at sessions 1 to {EARLY_SESSIONS}",
    }[settings.alliance_summary]
    note = f"{how}; last score adjusted for the intake score"
    return AllianceOutcomeReport(measure, settings.alliance_measures, len(rows), split, note)
