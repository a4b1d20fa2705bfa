"""An episode's progress as the client page shows it: the chart data and its text alternative.

Built from an episode whose sessions and responses are already loaded
(``selectors.episode_detail``), so it adds no query. The scores come from the episode's series,
the one the alert rules read (``alliance.feedback.series.loaded_episode_series``, which calls
``alliance.science.series.episode_series``): the outcome measure's, every other outcome
measure's (PHQ-9, GAD-7) and the client's alliance ratings. The expected path comes from the
trajectory model ``alliance.feedback.services.trajectory_model`` serves (the same path the
not-on-track alert uses), the cutoffs and reliable-change values in force (the instrument files,
the site's override applied: ``alliance.feedback.services.thresholds``, as the alerts read
them), and the reliable-change markers from ``alliance.science.change.classify_changes``: no
rule is written here. The alliance charts are in ``alliance.clinic.alliance_figures``, the
figure and the goals chart in ``alliance.clinic.figures``; their names are exported here too.
"""

from collections.abc import Callable, Sequence

from django.utils.translation import gettext as _

from alliance import charts
from alliance.care.models import Episode
from alliance.clinic.alliance_figures import alliance_figures
from alliance.clinic.explain import localized, number
from alliance.clinic.figures import (
    DataTable,
    Figure,
    GoalScore,
    goals_figure,
    responses_of,
    short_name,
)
from alliance.feedback.selectors import active_models
from alliance.feedback.series import (
    band_percentile,
    loaded_episode_series,
    thresholds,
    trajectory_model,
)
from alliance.formats import local
from alliance.formats.messages import model_citation
from alliance.measures import catalogue
from alliance.science.change import CHANGE_CLASSES, ChangeClass, classify_changes
from alliance.science.instruments import Instrument
from alliance.science.measure_scores import severity_ranges
from alliance.science.series import EpisodeSeries
from alliance.science.trajectories import TrajectoryModel, default_model

__all__ = [
    "DataTable",
    "Figure",
    "GoalScore",
    "alliance_figures",
    "baseline_point",
    "episode_figures",
    "goals_figure",
    "measure_figure",
    "outcome_figure",
    "series_scores",
    "short_name",
]


def series_scores(series: EpisodeSeries, code: str) -> list[charts.ScorePoint]:
    """The client's scores on one outcome measure, as the series holds them: the episode's own
    measure per session, or another outcome measure's (:attr:`EpisodeSeries.measures`)."""
    # The day in the reader's language ("1 dec 2026"): the chart's tooltip and its table show it.
    day = {p.number: local(p.date) for p in series.sessions}
    if code == series.measure:
        found = [(p.number, p.outcome) for p in series.sessions if p.outcome is not None]
    else:
        other = next((m for m in series.measures if m.measure == code), None)
        found = [] if other is None else list(other.scores)
    return [charts.ScorePoint(n, float(v), "", day[n]) for n, v in found if v is not None]


def _band(
    model: TrajectoryModel | None, scores: Sequence[charts.ScorePoint], last: int
) -> list[charts.BandPoint]:
    """The expected path from the intake (first) score, one session beyond the last, so the
    clinician sees where the path heads next."""
    if model is None or not scores:
        return []
    sessions = list(range(scores[0].session, last + 2))
    path = model.expected_path(
        intake=scores[0].value, sessions=sessions, percentile=band_percentile()
    )
    return [
        charts.BandPoint(s, float(e), float(lo), float(hi))
        for s, e, lo, hi in zip(sessions, path.expected, path.lower, path.upper, strict=True)
    ]


def _marker_kind(change: ChangeClass) -> str:
    if change == ChangeClass.RECOVERED:
        return _("Reliable improvement, out of the clinical range")
    if change == ChangeClass.RELIABLY_IMPROVED:
        return _("Reliable improvement")
    return _("Reliable deterioration")


def _markers(
    instrument: Instrument, age_group: str, scores: Sequence[charts.ScorePoint]
) -> list[charts.ChangeMarker]:
    """Sessions whose change from intake reaches the reliable-change value (Jacobson & Truax)."""
    found = thresholds(instrument.code, age_group)
    if found.reliable_change is None or len(scores) < 2:
        return []
    codes = classify_changes(
        [scores[0].value] * (len(scores) - 1),
        [s.value for s in scores[1:]],
        cutoff=found.cutoff,
        reliable_change=found.reliable_change,
        higher_is_better=instrument.higher_is_better,
    )
    markers = []
    for score, code in zip(scores[1:], codes, strict=True):
        kind = CHANGE_CLASSES[int(code)]
        if kind != ChangeClass.NO_RELIABLE_CHANGE:
            better = kind != ChangeClass.RELIABLY_DETERIORATED
            markers.append(
                charts.ChangeMarker(score.session, score.value, _marker_kind(kind), better)
            )
    return markers


def _provenance(model: TrajectoryModel | None) -> tuple[str, str]:
    if model is None:
        return _("This measure has no expected path yet."), ""
    if model.source == "local_fit" and model.fitted_on is not None:
        text = _("Expected path: fitted on this clinic's %(n)d closed episodes.") % {
            "n": model.fitted_on.n_episodes
        }
    else:
        text = _("Expected path: provisional default, built from published figures.")
    return text, model_citation(model)


def _severity_of(value: float, ranges: Sequence[charts.SeverityRange]) -> str:
    """The name of the severity band a score falls in (the last band starting at or below it)."""
    return next((r.label for r in reversed(ranges) if value >= r.lower), "")


def _outcome_table(
    name: str,
    scores: Sequence[charts.ScorePoint],
    band: Sequence[charts.BandPoint],
    markers: Sequence[charts.ChangeMarker],
    severity: Sequence[charts.SeverityRange] = (),
    baseline: charts.ScorePoint | None = None,
) -> DataTable:
    by_session = {b.session: b for b in band}
    marked = {m.session: m.kind for m in markers}
    rows = []
    for score in ([baseline] if baseline is not None else []) + list(scores):
        expected = by_session.get(score.session)
        row = [
            _("0 (before treatment)") if score is baseline else str(score.session),
            score.date,
            number(score.value),
            f"{number(expected.lower)}–{number(expected.upper)}" if expected else "",
            marked.get(score.session, ""),
        ]
        if severity:
            row.insert(3, _severity_of(score.value, severity))
        rows.append(row)
    headers = [_("Session"), _("Date"), name, _("Expected range"), _("Reliable change")]
    if severity:
        headers.insert(3, _("Severity"))
    return DataTable(_("%(measure)s scores by session") % {"measure": name}, headers, rows)


def _outcome_summary(
    name: str,
    scores: Sequence[charts.ScorePoint],
    band: Sequence[charts.BandPoint],
    severity: Sequence[charts.SeverityRange] = (),
) -> str:
    if not scores:
        return _("No %(measure)s scores yet.") % {"measure": name}
    latest = scores[-1]
    text = _("Latest %(measure)s %(score)s at session %(n)d; intake %(intake)s.") % {
        "measure": name,
        "score": number(latest.value),
        "n": latest.session,
        "intake": number(scores[0].value),
    }
    if severity:
        text += " " + _("Severity now: %(band)s.") % {"band": _severity_of(latest.value, severity)}
    edge = next((b for b in band if b.session == latest.session), None)
    if edge is not None:
        text += " " + _("Expected range at that session: %(low)s to %(high)s.") % {
            "low": number(edge.lower),
            "high": number(edge.upper),
        }
    return text


_MODEL_IN_USE = object()


def _cutoff_line(instrument: Instrument, age_group: str) -> charts.Line | None:
    """The clinical cutoff in force (the instrument file, the site's override applied:
    ``feedback.services.thresholds``), in the words of its direction: below the ORS's 25 is
    clinical; from the PHQ-9's 10 and the GAD-7's 8 up is caseness (NHS Talking Therapies
    manual)."""
    cutoff = thresholds(instrument.code, age_group).cutoff
    if cutoff is None:
        return None
    value = number(cutoff, 0)
    if instrument.higher_is_better:
        return charts.Line(cutoff, _("Clinical cutoff %(value)s") % {"value": value})
    return charts.Line(cutoff, _("Caseness: %(value)s or above") % {"value": value})


def _key(
    band: Sequence[charts.BandPoint],
    severity: Sequence[charts.SeverityRange],
    has_change_value: bool,
) -> str:
    parts = [_("Solid line with dots: the client's scores.")]
    if band:
        parts.append(
            _(
                "Dashed line: the expected path; shaded band: where the middle half of clients "
                "who started at the same score are."
            )
        )
    if severity:
        parts.append(_("Grey strips: the severity bands, named on the right."))
    if has_change_value:
        parts.append(_("Triangles: a reliable change since the first score."))
    return " ".join(parts)


def measure_figure(
    episode: Episode,
    code: str,
    *,
    model: TrajectoryModel | None,
    series: EpisodeSeries | None = None,
    key: str = "",
    title: str = "",
) -> Figure:
    """The chart of one outcome measure of an episode (the episode's own, or PHQ-9 and GAD-7
    next to it): the client's scores, the severity bands and the cutoff or caseness line from
    the instrument file, reliable-change markers, and the expected path and band where
    ``model`` (the trajectory model in use for the measure) exists. The scores are the
    episode's series' (``series``, built here when not given)."""
    instrument = catalogue.instrument(code)
    age_group = episode.client.age_group
    name = localized(instrument.name, instrument.code.upper())
    if series is None:
        series = loaded_episode_series(episode)
    scores = series_scores(series, code)
    baseline = baseline_point(series, code)
    last = max([s.session for s in scores] + [1])
    # The expected path and the reliable-change markers start from the first session's score,
    # never from the baseline (issue 19: ``scores`` holds sessions 1 and on only).
    band = _band(model, scores, last)
    markers = _markers(instrument, age_group, scores)
    line = _cutoff_line(instrument, age_group)
    severity = [
        charts.SeverityRange(r.lower, r.upper, localized(r.label, r.code))
        for r in severity_ranges(instrument)
    ]
    direction = _("higher is better") if instrument.higher_is_better else _("lower is better")
    text = charts.OutcomeText(
        description=_("%(measure)s scores by session against the expected path")
        % {"measure": name},
        session=_("Session"),
        score=f"{short_name(instrument)} ({direction})",
        expected=_("Expected"),
        band=_("Expected range"),
        scores=name,
        baseline=_("Before treatment (when the first session was booked)"),
    )
    spec = charts.outcome_spec(
        scores=scores,
        band=band,
        cutoff=line,
        markers=markers,
        domain=(instrument.scoring.min, instrument.scoring.max),
        text=text,
        severity=severity,
        baseline=baseline,
    )
    provenance, citation = _provenance(model)
    has_change_value = thresholds(instrument.code, age_group).reliable_change is not None
    notes = [_key(band, severity, has_change_value), provenance] + (
        [line.label + "."] if line else []
    )
    if baseline is not None:
        notes.insert(1, _baseline_note())
    return Figure(
        key=key or f"chart-{code}",
        title=title or name,
        spec=spec,
        summary=_baseline_summary(baseline) + _outcome_summary(name, scores, band, severity),
        table=_outcome_table(name, scores, band, markers, severity, baseline),
        notes=notes,
        citation=citation,
        has_data=bool(scores) or baseline is not None,
    )


def baseline_point(series: EpisodeSeries, code: str) -> charts.ScorePoint | None:
    """The score before treatment as session 0 of the episode's own outcome chart, or None."""
    if code != series.measure or series.baseline is None or series.baseline_date is None:
        return None
    return charts.ScorePoint(0, series.baseline, "", f"{series.baseline_date:%Y-%m-%d}")


def _baseline_note() -> str:
    return _(
        "Open circle at session 0: the score before treatment, from the form sent when the "
        "first session was booked. The expected path starts from the first session's score."
    )


def _baseline_summary(baseline: charts.ScorePoint | None) -> str:
    if baseline is None:
        return ""
    return _("Before treatment (session 0): %(score)s.") % {"score": number(baseline.value)} + " "


def outcome_figure(episode: Episode, model: object = _MODEL_IN_USE) -> Figure:
    """The outcome chart of an episode: scores, expected path and band, the clinical cutoff for
    the client's age group, reliable-change markers and the model's provenance. ``model``
    defaults to the trajectory model in use for the episode's outcome measure."""
    if model is _MODEL_IN_USE:
        model = trajectory_model(episode.outcome_measure, episode.client.organisation_id)
    name = localized(
        catalogue.instrument(episode.outcome_measure).name, episode.outcome_measure.upper()
    )
    return measure_figure(
        episode,
        episode.outcome_measure,
        model=model if isinstance(model, TrajectoryModel) else None,
        key="chart-outcome",
        title=_("Outcome: %(measure)s") % {"measure": name},
    )


def _models(
    episode: Episode, local: dict[tuple[int, str], TrajectoryModel]
) -> Callable[[str], TrajectoryModel | None]:
    """The trajectory model in use for any measure of the episode, from the organisation's
    active local fits (``local``): that fit, else the provisional default, else None (as
    ``alliance.feedback.services.trajectory_model`` chooses, without a query per measure)."""
    organisation = episode.client.organisation_id

    def model(measure: str) -> TrajectoryModel | None:
        found = local.get((organisation, measure))
        if found is not None:
            return found
        try:
            return default_model(measure)
        except ValueError:
            return None

    return model


def episode_figures(episode: Episode, goals: Sequence[GoalScore] = ()) -> list[Figure]:
    """Every chart of the client page: the episode's outcome measure, its alliance measure,
    then every other measure the episode has (PHQ-9, GAD-7 next to the ORS; a WAI-SR next to
    the SRS) and the goals. One query (the trajectory models) on an episode loaded by
    ``selectors.episode_detail``, however many measures and sessions."""
    local = active_models([episode.client.organisation_id])
    series = loaded_episode_series(episode, local_models=local)
    model = _models(episode, local)
    figures = [
        measure_figure(
            episode,
            episode.outcome_measure,
            model=model(episode.outcome_measure),
            series=series,
            key="chart-outcome",
            title=_("Outcome: %(measure)s")
            % {
                "measure": localized(
                    catalogue.instrument(episode.outcome_measure).name,
                    episode.outcome_measure.upper(),
                )
            },
        ),
        *alliance_figures(episode, series=series),
    ]
    known = catalogue.instruments()
    others = [
        code
        for code in dict.fromkeys(response.instrument for _n, _d, response in responses_of(episode))
        if code in known and code not in (episode.outcome_measure, episode.alliance_measure)
    ]
    scored = {m.measure for m in series.measures}
    # Outcome measures first (PHQ-9, GAD-7), then other alliance measures, in the order rated.
    for code in sorted(others, key=lambda c: known[c].kind != "outcome"):
        if known[code].kind == "outcome" and code in scored:
            figures.append(measure_figure(episode, code, model=model(code), series=series))
        elif known[code].kind == "alliance":
            figures.extend(alliance_figures(episode, code))
    if goals:
        figures.append(goals_figure(goals))
    return figures
