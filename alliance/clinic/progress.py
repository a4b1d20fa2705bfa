"""An episode's progress as the client page shows it: the chart data and its text alternative.

Built from an episode whose sessions and responses are already loaded
(``selectors.episode_detail``), so it adds no query. The expected path comes from the trajectory
model ``alliance.feedback.services.trajectory_model`` serves (the same path the not-on-track
alert uses), the cutoffs and reliable-change values in force (the instrument files, the site's
override applied: ``alliance.feedback.services.thresholds``, as the alerts read them), and the
reliable-change markers from ``alliance.science.change.classify_changes``: no rule is written
here.
"""

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from alliance.care.models import Episode
from alliance.clinic import charts
from alliance.clinic.explain import localized, number
from alliance.feedback.selectors import active_models
from alliance.feedback.services import band_percentile, thresholds, trajectory_model
from alliance.measures import catalogue
from alliance.measures.models import STAFF_RATERS, Rater, Response
from alliance.science.change import CHANGE_CLASSES, ChangeClass, classify_changes
from alliance.science.instruments import Instrument
from alliance.science.measure_scores import (
    Rating,
    client_series,
    measures_rated,
    severity_ranges,
    subscale_range,
)
from alliance.science.trajectories import TrajectoryModel, default_model

__all__ = [
    "DataTable",
    "Figure",
    "GoalScore",
    "alliance_figures",
    "episode_figures",
    "goals_figure",
    "measure_figure",
    "outcome_figure",
    "short_name",
]


@dataclass(frozen=True)
class DataTable:
    """The numbers behind a chart, for screen readers (and anyone who prefers a table)."""

    caption: str
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]


@dataclass(frozen=True)
class Figure:
    """One chart on the page: its Vega-Lite spec, a visible summary and the table behind it."""

    key: str
    title: str
    spec: charts.Spec
    summary: str
    table: DataTable
    notes: Sequence[str] = field(default_factory=tuple)
    citation: str = ""
    has_data: bool = True


def _client_rating(response: Response, measure: str) -> bool:
    return bool(response.instrument == measure and response.rater == Rater.CLIENT)


def _responses(episode: Episode) -> Iterable[tuple[int, str, Response]]:
    for session in episode.sessions.all():
        if session.number is None:
            continue  # cancelled or withdrawn: not a session of the chart (issue 11)
        date = f"{session.starts_at:%Y-%m-%d}"
        for response in session.responses.all():
            yield session.number, date, response


def _ratings(episode: Episode) -> list[Rating]:
    """Every response of the episode as plain data for ``alliance.science.measure_scores``."""
    return [
        Rating(
            session=number_,
            measure=response.instrument,
            total=float(response.total),
            rater=str(response.rater),
            about_member=response.about_member_id is not None,
            subscales={
                code: float(value)
                for code, value in (response.subscales or {}).items()
                if isinstance(value, int | float) and not isinstance(value, bool)
            },
            date=date,
        )
        for number_, date, response in _responses(episode)
    ]


def _measure_scores(ratings: Sequence[Rating], measure: str) -> list[charts.ScorePoint]:
    """The client's own total per session (the first one recorded, as the alerts use)."""
    return [
        charts.ScorePoint(r.session, r.total, "", r.date) for r in client_series(ratings, measure)
    ]


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
    return text, model.citation


def _severity_of(value: float, ranges: Sequence[charts.SeverityRange]) -> str:
    """The name of the severity band a score falls in (the last band starting at or below it)."""
    return next((r.label for r in reversed(ranges) if value >= r.lower), "")


def _outcome_table(
    name: str,
    scores: Sequence[charts.ScorePoint],
    band: Sequence[charts.BandPoint],
    markers: Sequence[charts.ChangeMarker],
    severity: Sequence[charts.SeverityRange] = (),
) -> DataTable:
    by_session = {b.session: b for b in band}
    marked = {m.session: m.kind for m in markers}
    rows = []
    for score in scores:
        expected = by_session.get(score.session)
        row = [
            str(score.session),
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

_ABBREVIATION = re.compile(r"\(([^()]+)\)")


def short_name(instrument: Instrument) -> str:
    """The instrument's short name as clinicians write it: the abbreviation its file's name
    gives in brackets ("Patient Health Questionnaire (PHQ-9)": PHQ-9; WAI-SR, GAD-7, GBO), else
    its code in capitals (ORS, SRS)."""
    found = _ABBREVIATION.search(localized(instrument.name, ""))
    return found.group(1).strip() if found else instrument.code.upper()


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
    ratings: Sequence[Rating] | None = None,
    key: str = "",
    title: str = "",
) -> Figure:
    """The chart of one outcome measure of an episode (the episode's own, or PHQ-9 and GAD-7
    next to it): the client's scores, the severity bands and the cutoff or caseness line from
    the instrument file, reliable-change markers, and the expected path and band where
    ``model`` (the trajectory model in use for the measure) exists."""
    instrument = catalogue.instrument(code)
    age_group = episode.client.age_group
    name = localized(instrument.name, instrument.code.upper())
    scores = _measure_scores(_ratings(episode) if ratings is None else ratings, code)
    last = max([s.session for s in scores] + [1])
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
    )
    spec = charts.outcome_spec(
        scores=scores,
        band=band,
        cutoff=line,
        markers=markers,
        domain=(instrument.scoring.min, instrument.scoring.max),
        text=text,
        severity=severity,
    )
    provenance, citation = _provenance(model)
    has_change_value = thresholds(instrument.code, age_group).reliable_change is not None
    notes = [_key(band, severity, has_change_value), provenance] + (
        [line.label + "."] if line else []
    )
    return Figure(
        key=key or f"chart-{code}",
        title=title or name,
        spec=spec,
        summary=_outcome_summary(name, scores, band, severity),
        table=_outcome_table(name, scores, band, markers, severity),
        notes=notes,
        citation=citation,
        has_data=bool(scores),
    )


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


def _person(user: object) -> str:
    full_name = getattr(user, "get_full_name", lambda: "")()
    return str(full_name or user)


def _alliance_series(code: str, response: Response) -> str | None:
    """Which line a rating belongs on: the client about the team, about a named member, or a
    member of staff's own rating. Ratings about a person and about the team never mix."""
    if response.instrument != code:
        return None
    if response.rater == Rater.CLIENT and response.about_member_id is None:
        return _("Client, about the care")
    if response.rater == Rater.CLIENT:
        return _("Client, about %(name)s") % {"name": _person(response.about_member)}
    if response.rater in STAFF_RATERS:
        return _("%(name)s's own rating") % {"name": _person(response.rater_user)}
    return None


def _alliance_scores(episode: Episode, code: str | None = None) -> list[charts.ScorePoint]:
    scores: dict[tuple[int, str], charts.ScorePoint] = {}
    for number_, date, response in _responses(episode):
        series = _alliance_series(code or episode.alliance_measure, response)
        if series is not None:
            scores.setdefault(
                (number_, series), charts.ScorePoint(number_, response.total, series, date)
            )
    return list(scores.values())


def _item_scores(episode: Episode, instrument: Instrument) -> list[charts.ScorePoint]:
    labels = {item.code: localized(item.label, item.code) for item in instrument.scored_items}
    scores: list[charts.ScorePoint] = []
    seen: set[int] = set()
    for number_, date, response in _responses(episode):
        whole_team = response.about_member_id is None
        if _client_rating(response, instrument.code) and whole_team and number_ not in seen:
            seen.add(number_)
            scores.extend(
                charts.ScorePoint(number_, float(response.items[code]), label, date)
                for code, label in labels.items()
                if code in response.items
            )
    return scores


def _subscale_scores(
    ratings: Sequence[Rating], instrument: Instrument, rater: str
) -> list[charts.ScorePoint]:
    """One line per subscale (WAI-SR goal, task, bond) of the first rating per session by
    ``rater`` about the whole team."""
    names = {s.code: localized(s.name, s.code) for s in instrument.subscales}
    first: dict[int, Rating] = {}
    for rating in ratings:
        if rating.measure == instrument.code and rating.rater == rater and not rating.about_member:
            first.setdefault(rating.session, rating)
    return [
        charts.ScorePoint(n, first[n].subscales[code], name, first[n].date)
        for n in sorted(first)
        for code, name in names.items()
        if code in first[n].subscales
    ]


def _series_table(
    caption: str, scores: Sequence[charts.ScorePoint], first_header: str
) -> DataTable:
    series = list(dict.fromkeys(s.series for s in scores))
    sessions = sorted({s.session for s in scores})
    value = {(s.session, s.series): number(s.value) for s in scores}
    rows = [[str(n), *(value.get((n, name), "") for name in series)] for n in sessions]
    return DataTable(caption, [first_header, *series], rows)


def _alliance_summary(name: str, scores: Sequence[charts.ScorePoint]) -> str:
    if not scores:
        return _("No %(measure)s ratings yet.") % {"measure": name}
    latest_session = max(s.session for s in scores)
    latest = "; ".join(
        f"{s.series} {number(s.value)}" for s in scores if s.session == latest_session
    )
    return _("Session %(n)d: %(ratings)s.") % {"n": latest_session, "ratings": latest}


def _scaled(
    scores: Sequence[charts.ScorePoint], line: charts.Line | None, scale: tuple[float, float]
) -> tuple[float, float]:
    """The y-axis of an alliance chart: the scores and the cutoff, so a 3-point drop shows."""
    return charts.data_domain(
        [s.value for s in scores], scale=scale, reference=[line.value if line else None]
    )


def alliance_figures(
    episode: Episode, code: str | None = None, ratings: Sequence[Rating] | None = None
) -> list[Figure]:
    """The charts of an alliance measure (the episode's own by default): totals (one line per
    rater and person rated, the cutoff) and either the client's item ratings with the item
    cutoff (SRS) or, for a measure with subscales, one line per subscale (WAI-SR bond, goal,
    task). The score axes span the ratings and the cutoff, not the whole scale."""
    code = code or episode.alliance_measure
    own = code == episode.alliance_measure
    instrument = catalogue.instrument(code)
    name = localized(instrument.name, instrument.code.upper())
    cutoff = thresholds(code, episode.client.age_group)
    totals = _alliance_scores(episode, code)
    total_line = item_line = None
    if cutoff.cutoff is not None:
        total_line = charts.Line(
            cutoff.cutoff,
            _("Worth a talk at %(value)s or below") % {"value": number(cutoff.cutoff, 0)},
        )
    if cutoff.item_cutoff is not None:
        item_line = charts.Line(
            cutoff.item_cutoff,
            _("Worth a talk below %(value)s") % {"value": number(cutoff.item_cutoff, 0)},
        )
    text = charts.AllianceText(
        description=_("%(measure)s totals by session, by who rated and about whom")
        % {"measure": name},
        session=_("Session"),
        score=_("%(measure)s total") % {"measure": short_name(instrument)},
        series=_("Rating"),
    )
    totals_figure = Figure(
        key="chart-alliance" if own else f"chart-{code}",
        title=_("Alliance: %(measure)s") % {"measure": name},
        spec=charts.alliance_totals_spec(
            scores=totals,
            cutoff=total_line,
            domain=_scaled(totals, total_line, (instrument.scoring.min, instrument.scoring.max)),
            text=text,
        ),
        summary=_alliance_summary(name, totals),
        table=_series_table(text.description, totals, _("Session")),
        notes=[total_line.label + "."] if total_line else [],
        has_data=bool(totals),
    )
    if instrument.subscales:
        return [totals_figure, _subscales_figure(episode, instrument, name, own, ratings)]
    return [totals_figure, _items_figure(episode, instrument, name, own, item_line)]


def _items_figure(
    episode: Episode, instrument: Instrument, name: str, own: bool, line: charts.Line | None
) -> Figure:
    items = _item_scores(episode, instrument)
    scale = instrument.scored_items[0].scale
    text = charts.AllianceText(
        description=_("The client's %(measure)s item ratings by session") % {"measure": name},
        session=_("Session"),
        score=_("Item rating"),
        series=_("Item"),
    )
    return Figure(
        key="chart-alliance-items" if own else f"chart-{instrument.code}-items",
        title=_("Alliance items: %(measure)s") % {"measure": name},
        spec=charts.alliance_items_spec(
            scores=items,
            cutoff=line,
            domain=_scaled(items, line, (scale.min, scale.max)),
            text=text,
        ),
        summary=_alliance_summary(name, items),
        table=_series_table(text.description, items, _("Session")),
        notes=[line.label + "."] if line else [],
        has_data=bool(items),
    )


def _subscales_figure(
    episode: Episode,
    instrument: Instrument,
    name: str,
    own: bool,
    ratings: Sequence[Rating] | None,
) -> Figure:
    """The subscales of the client's ratings (or, for a clinician's form, the clinician's)."""
    rater = Rater.CLIENT if "client" in instrument.respondents else Rater.CLINICIAN
    rows = _ratings(episode) if ratings is None else ratings
    scores = _subscale_scores(rows, instrument, str(rater))
    ranges = [subscale_range(instrument, s.code) for s in instrument.subscales]
    scale = (min(r[0] for r in ranges), max(r[1] for r in ranges))
    text = charts.AllianceText(
        description=_("%(measure)s subscales by session") % {"measure": name},
        session=_("Session"),
        score=_("Subscale score"),
        series=_("Subscale"),
    )
    return Figure(
        key="chart-alliance-subscales" if own else f"chart-{instrument.code}-subscales",
        title=_("Alliance subscales: %(measure)s") % {"measure": name},
        spec=charts.alliance_items_spec(
            scores=scores, cutoff=None, domain=_scaled(scores, None, scale), text=text
        ),
        summary=_alliance_summary(name, scores),
        table=_series_table(text.description, scores, _("Session")),
        notes=[
            _("Each subscale adds four items: %(low)s to %(high)s.")
            % {"low": number(scale[0], 0), "high": number(scale[1], 0)}
        ]
        if instrument.code.startswith("wai_sr")
        else [],
        has_data=bool(scores),
    )


@dataclass(frozen=True)
class GoalScore:
    """One goal-based outcome rating as plain data: which goal, its words, the session and the
    rating (0 not at all close, 10 reached)."""

    goal: int
    text: str
    session: int
    date: str
    rating: float


def _goal_label(index: int, text: str) -> str:
    words = text if len(text) <= 40 else text[:39].rstrip() + "…"
    return _("Goal %(n)d: %(words)s") % {"n": index, "words": words}


def goals_figure(scores: Sequence[GoalScore]) -> Figure:
    """The goal-based outcomes chart: one line per goal, each rated 0 to 10 in session order
    (Law & Jacob 2015); the scale is the GBO file's."""
    instrument = catalogue.instrument("gbo")
    order = list(dict.fromkeys(s.goal for s in scores))
    texts = {s.goal: s.text for s in scores}
    labels = {goal: _goal_label(i, texts[goal]) for i, goal in enumerate(order, start=1)}
    points = [
        charts.ScorePoint(s.session, s.rating, labels[s.goal], s.date)
        for s in sorted(scores, key=lambda s: (order.index(s.goal), s.session))
    ]
    name = localized(instrument.name, "GBO")
    text = charts.AllianceText(
        description=_("How close the client is to each goal, by session"),
        session=_("Session"),
        score=_("How close (0 to 10)"),
        series=_("Goal"),
    )
    return Figure(
        key="chart-goals",
        title=_("Goals: %(measure)s") % {"measure": name},
        spec=charts.goals_spec(
            scores=points,
            domain=(instrument.scoring.min, instrument.scoring.max),
            text=text,
        ),
        summary=_alliance_summary(name, points),
        table=_series_table(text.description, points, _("Session")),
        notes=[_("0: not at all close; 10: goal reached.")],
        has_data=bool(points),
    )


def _models(episode: Episode) -> Callable[[str], TrajectoryModel | None]:
    """The trajectory model in use for any measure of the episode, from one query: the
    organisation's active local fit, else the provisional default, else None (as
    ``alliance.feedback.services.trajectory_model`` chooses, without a query per measure)."""
    organisation = episode.client.organisation_id
    local = active_models([organisation])

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
    ratings = _ratings(episode)
    model = _models(episode)
    figures = [
        measure_figure(
            episode,
            episode.outcome_measure,
            model=model(episode.outcome_measure),
            ratings=ratings,
            key="chart-outcome",
            title=_("Outcome: %(measure)s")
            % {
                "measure": localized(
                    catalogue.instrument(episode.outcome_measure).name,
                    episode.outcome_measure.upper(),
                )
            },
        ),
        *alliance_figures(episode, ratings=ratings),
    ]
    known = catalogue.instruments()
    others = [
        code
        for code in dict.fromkeys(r.measure for r in ratings)
        if code in known and code not in (episode.outcome_measure, episode.alliance_measure)
    ]
    # Outcome measures first (PHQ-9, GAD-7), then other alliance measures, in the order rated.
    for code in sorted(others, key=lambda c: known[c].kind != "outcome"):
        if known[code].kind == "outcome" and code in measures_rated(ratings):
            figures.append(measure_figure(episode, code, model=model(code), ratings=ratings))
        elif known[code].kind == "alliance":
            figures.extend(alliance_figures(episode, code, ratings))
    if goals:
        figures.append(goals_figure(goals))
    return figures
