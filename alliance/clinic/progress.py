"""An episode's progress as the client page shows it: the chart data and its text alternative.

Built from an episode whose sessions and responses are already loaded
(``selectors.episode_detail``), so it adds no query. The expected path comes from the trajectory
model ``alliance.feedback.services.trajectory_model`` serves (the same path the not-on-track
alert uses), the cutoffs and reliable-change values from the instrument files, and the
reliable-change markers from ``alliance.science.change.classify_changes``: no rule is written
here.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from alliance.care.models import Episode
from alliance.clinic import charts
from alliance.clinic.explain import localized, number
from alliance.feedback.services import band_percentile, trajectory_model
from alliance.measures import catalogue
from alliance.measures.models import STAFF_RATERS, Rater, Response
from alliance.science.change import CHANGE_CLASSES, ChangeClass, classify_changes
from alliance.science.instruments import Instrument, cutoff_for, reliable_change_for
from alliance.science.trajectories import TrajectoryModel

__all__ = ["DataTable", "Figure", "alliance_figures", "outcome_figure"]


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
        date = f"{session.starts_at:%Y-%m-%d}"
        for response in session.responses.all():
            yield session.number, date, response


def _outcome_scores(episode: Episode) -> list[charts.ScorePoint]:
    """The client's own outcome total per session (the first one recorded, as the alerts use)."""
    scores: dict[int, charts.ScorePoint] = {}
    for number_, date, response in _responses(episode):
        if _client_rating(response, episode.outcome_measure) and response.about_member_id is None:
            scores.setdefault(number_, charts.ScorePoint(number_, response.total, "", date))
    return list(scores.values())


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
    change = reliable_change_for(instrument, age_group)
    if change is None or len(scores) < 2:
        return []
    cutoff = cutoff_for(instrument, age_group)
    codes = classify_changes(
        [scores[0].value] * (len(scores) - 1),
        [s.value for s in scores[1:]],
        cutoff=cutoff.total if cutoff else None,
        reliable_change=change.points,
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


def _outcome_table(
    name: str,
    scores: Sequence[charts.ScorePoint],
    band: Sequence[charts.BandPoint],
    markers: Sequence[charts.ChangeMarker],
) -> DataTable:
    by_session = {b.session: b for b in band}
    marked = {m.session: m.kind for m in markers}
    rows = []
    for score in scores:
        expected = by_session.get(score.session)
        rows.append(
            [
                str(score.session),
                score.date,
                number(score.value),
                f"{number(expected.lower)}–{number(expected.upper)}" if expected else "",
                marked.get(score.session, ""),
            ]
        )
    headers = [_("Session"), _("Date"), name, _("Expected range"), _("Reliable change")]
    return DataTable(_("%(measure)s scores by session") % {"measure": name}, headers, rows)


def _outcome_summary(
    name: str, scores: Sequence[charts.ScorePoint], band: Sequence[charts.BandPoint]
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
    edge = next((b for b in band if b.session == latest.session), None)
    if edge is not None:
        text += " " + _("Expected range at that session: %(low)s to %(high)s.") % {
            "low": number(edge.lower),
            "high": number(edge.upper),
        }
    return text


def outcome_figure(episode: Episode) -> Figure:
    """The outcome chart of an episode: scores, expected path and band, the clinical cutoff for
    the client's age group, reliable-change markers and the model's provenance."""
    instrument = catalogue.instrument(episode.outcome_measure)
    age_group = episode.client.age_group
    name = localized(instrument.name, instrument.code.upper())
    scores = _outcome_scores(episode)
    last = max([s.session for s in scores] + [1])
    model = trajectory_model(episode.outcome_measure, episode.client.organisation_id)
    band = _band(model, scores, last)
    markers = _markers(instrument, age_group, scores)
    cutoff = cutoff_for(instrument, age_group)
    line = (
        charts.Line(
            cutoff.total, _("Clinical cutoff %(value)s") % {"value": number(cutoff.total, 0)}
        )
        if cutoff
        else None
    )
    direction = _("higher is better") if instrument.higher_is_better else _("lower is better")
    text = charts.OutcomeText(
        description=_("%(measure)s scores by session against the expected path")
        % {"measure": name},
        session=_("Session"),
        score=f"{instrument.code.upper()} ({direction})",
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
    )
    provenance, citation = _provenance(model)
    key = _(
        "Solid line with dots: the client's scores. Dashed line: the expected path; shaded band: "
        "where the middle half of clients who started at the same score are. Triangles: a "
        "reliable change since the first score."
    )
    notes = [key, provenance] + ([line.label + "."] if line else [])
    return Figure(
        key="chart-outcome",
        title=_("Outcome: %(measure)s") % {"measure": name},
        spec=spec,
        summary=_outcome_summary(name, scores, band),
        table=_outcome_table(name, scores, band, markers),
        notes=notes,
        citation=citation,
        has_data=bool(scores),
    )


def _person(user: object) -> str:
    full_name = getattr(user, "get_full_name", lambda: "")()
    return str(full_name or user)


def _alliance_series(episode: Episode, response: Response) -> str | None:
    """Which line a rating belongs on: the client about the team, about a named member, or a
    member of staff's own rating. Ratings about a person and about the team never mix."""
    if response.instrument != episode.alliance_measure:
        return None
    if response.rater == Rater.CLIENT and response.about_member_id is None:
        return _("Client, about the care")
    if response.rater == Rater.CLIENT:
        return _("Client, about %(name)s") % {"name": _person(response.about_member)}
    if response.rater in STAFF_RATERS:
        return _("%(name)s's own rating") % {"name": _person(response.rater_user)}
    return None


def _alliance_scores(episode: Episode) -> list[charts.ScorePoint]:
    scores: dict[tuple[int, str], charts.ScorePoint] = {}
    for number_, date, response in _responses(episode):
        series = _alliance_series(episode, response)
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


def alliance_figures(episode: Episode) -> list[Figure]:
    """The alliance charts: totals (one line per rater and person rated, the cutoff) and the
    client's item ratings (with the item cutoff)."""
    instrument = catalogue.instrument(episode.alliance_measure)
    name = localized(instrument.name, instrument.code.upper())
    cutoff = cutoff_for(instrument, episode.client.age_group)
    totals = _alliance_scores(episode)
    items = _item_scores(episode, instrument)
    first_item = instrument.scored_items[0].scale
    total_line = item_line = None
    if cutoff is not None:
        total_line = charts.Line(
            cutoff.total,
            _("Worth a talk at %(value)s or below") % {"value": number(cutoff.total, 0)},
        )
        if cutoff.item is not None:
            item_line = charts.Line(
                cutoff.item, _("Worth a talk below %(value)s") % {"value": number(cutoff.item, 0)}
            )
    text = charts.AllianceText(
        description=_("%(measure)s totals by session, by who rated and about whom")
        % {"measure": name},
        session=_("Session"),
        score=_("%(measure)s total") % {"measure": instrument.code.upper()},
        series=_("Rating"),
    )
    item_text = charts.AllianceText(
        description=_("The client's %(measure)s item ratings by session") % {"measure": name},
        session=_("Session"),
        score=_("Item rating"),
        series=_("Item"),
    )
    return [
        Figure(
            key="chart-alliance",
            title=_("Alliance: %(measure)s") % {"measure": name},
            spec=charts.alliance_totals_spec(
                scores=totals,
                cutoff=total_line,
                domain=(instrument.scoring.min, instrument.scoring.max),
                text=text,
            ),
            summary=_alliance_summary(name, totals),
            table=_series_table(text.description, totals, _("Session")),
            notes=[total_line.label + "."] if total_line else [],
            has_data=bool(totals),
        ),
        Figure(
            key="chart-alliance-items",
            title=_("Alliance items: %(measure)s") % {"measure": name},
            spec=charts.alliance_items_spec(
                scores=items,
                cutoff=item_line,
                domain=(first_item.min, first_item.max),
                text=item_text,
            ),
            summary=_alliance_summary(name, items),
            table=_series_table(item_text.description, items, _("Session")),
            notes=[item_line.label + "."] if item_line else [],
            has_data=bool(items),
        ),
    ]
