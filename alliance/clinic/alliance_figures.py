"""The alliance charts of the client page: the totals (one line per rater and person rated, the
cutoff) and the client's items (SRS) or subscales (WAI-SR bond, goal, task).

The client's own ratings of the episode's alliance measure (the "Client, about the care" line,
the items, the subscales) are read from the episode's series
(``alliance.feedback.series.loaded_episode_series``), the same the alerts read; the lines of
ratings about a named member and of staff's own ratings, which the series does not carry, from
the loaded responses. Split from ``alliance.clinic.progress``, which still exports
:func:`alliance_figures`."""

from django.utils.translation import gettext as _

from alliance import charts
from alliance.care.models import Episode
from alliance.clinic.explain import localized, number
from alliance.clinic.figures import (
    Figure,
    latest_summary,
    responses_of,
    scaled,
    series_table,
    short_name,
)
from alliance.feedback.series import loaded_episode_series, thresholds
from alliance.measures import catalogue
from alliance.measures.models import STAFF_RATERS, Rater, Response
from alliance.science.instruments import Instrument
from alliance.science.measure_scores import subscale_range
from alliance.science.series import EpisodeSeries, item_keys

__all__ = ["alliance_figures"]


def _day(series: EpisodeSeries) -> dict[int, str]:
    return {p.number: f"{p.date:%Y-%m-%d}" for p in series.sessions}


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


def _alliance_scores(
    episode: Episode, code: str, series: EpisodeSeries | None
) -> list[charts.ScorePoint]:
    """One point per session and line, in the order rated. With ``series`` (the episode's own
    alliance measure) the client's line takes its value from the series."""
    client_line = _("Client, about the care")
    client = {} if series is None else {p.number: p.alliance for p in series.sessions}
    scores: dict[tuple[int, str], charts.ScorePoint] = {}
    for number_, date, response in responses_of(episode):
        line = _alliance_series(code, response)
        if line is None or (number_, line) in scores:
            continue
        value = response.total
        if series is not None and line == client_line:
            in_series = client.get(number_)
            if in_series is None:  # not in the series (a session that did not happen)
                continue
            value = in_series
        scores[(number_, line)] = charts.ScorePoint(number_, value, line, date)
    return list(scores.values())


def _item_scores(
    episode: Episode, instrument: Instrument, series: EpisodeSeries | None
) -> list[charts.ScorePoint]:
    """The client's item ratings about the whole team, one rating per session: the series'
    for the episode's own alliance measure, else the first response's."""
    labels = {item.code: localized(item.label, item.code) for item in instrument.scored_items}
    if series is not None:
        keys, day = item_keys(instrument), _day(series)
        return [
            charts.ScorePoint(p.number, p.alliance_items[keys[code]], label, day[p.number])
            for p in series.sessions
            for code, label in labels.items()
            if keys[code] in p.alliance_items
        ]
    first = _first_by_session(episode, instrument.code, Rater.CLIENT)
    return [
        charts.ScorePoint(n, float(response.items[code]), label, date)
        for n, (date, response) in first.items()
        for code, label in labels.items()
        if code in response.items
    ]


def _first_by_session(episode: Episode, code: str, rater: str) -> dict[int, tuple[str, Response]]:
    first: dict[int, tuple[str, Response]] = {}
    for number_, date, response in responses_of(episode):
        mine = response.rater == rater and response.about_member_id is None
        if mine and response.instrument == code and response.total is not None:
            first.setdefault(number_, (date, response))
    return first


def _subscale_scores(
    episode: Episode, instrument: Instrument, rater: str, series: EpisodeSeries | None
) -> list[charts.ScorePoint]:
    """One line per subscale (WAI-SR goal, task, bond), one rating per session by ``rater``
    about the whole team: the series' for the client's own alliance measure."""
    names = {s.code: localized(s.name, s.code) for s in instrument.subscales}
    if series is not None and rater == Rater.CLIENT:
        day = _day(series)
        return [
            charts.ScorePoint(p.number, p.alliance_subscales[code], name, day[p.number])
            for p in series.sessions
            for code, name in names.items()
            if code in p.alliance_subscales
        ]
    first = _first_by_session(episode, instrument.code, rater)
    return [
        charts.ScorePoint(n, float(response.subscales[code]), name, date)
        for n, (date, response) in first.items()
        for code, name in names.items()
        if isinstance((response.subscales or {}).get(code), int | float)
    ]


def alliance_figures(
    episode: Episode,
    code: str | None = None,
    ratings: object = None,
    *,
    series: EpisodeSeries | None = None,
) -> list[Figure]:
    """The charts of an alliance measure (the episode's own by default): totals (one line per
    rater and person rated, the cutoff) and either the client's item ratings with the item
    cutoff (SRS) or, for a measure with subscales, one line per subscale (WAI-SR bond, goal,
    task). The score axes span the ratings and the cutoff, not the whole scale. ``series``: the
    episode's series (:func:`~alliance.feedback.series.loaded_episode_series`), built here when
    not given; ``ratings`` is no longer read (kept so older callers still work)."""
    code = code or episode.alliance_measure
    own = code == episode.alliance_measure
    if own and series is None:
        series = loaded_episode_series(episode)
    own_series = series if own else None
    instrument = catalogue.instrument(code)
    name = localized(instrument.name, instrument.code.upper())
    cutoff = thresholds(code, episode.client.age_group)
    totals = _alliance_scores(episode, code, own_series)
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
            domain=scaled(totals, total_line, (instrument.scoring.min, instrument.scoring.max)),
            text=text,
        ),
        summary=latest_summary(name, totals),
        table=series_table(text.description, totals, _("Session")),
        notes=[total_line.label + "."] if total_line else [],
        has_data=bool(totals),
    )
    if instrument.subscales:
        subscales = _subscales_figure(
            episode, instrument, name, own_series, dict(cutoff.subscale_cutoffs)
        )
        return [totals_figure, subscales]
    return [totals_figure, _items_figure(episode, instrument, name, own_series, item_line)]


def _items_figure(
    episode: Episode,
    instrument: Instrument,
    name: str,
    series: EpisodeSeries | None,
    line: charts.Line | None,
) -> Figure:
    own = series is not None
    items = _item_scores(episode, instrument, series)
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
            domain=scaled(items, line, (scale.min, scale.max)),
            text=text,
        ),
        summary=latest_summary(name, items),
        table=series_table(text.description, items, _("Session")),
        notes=[line.label + "."] if line else [],
        has_data=bool(items),
    )


def _subscales_figure(
    episode: Episode,
    instrument: Instrument,
    name: str,
    series: EpisodeSeries | None,
    cutoffs: dict[str, float],
) -> Figure:
    """The subscales of the client's ratings (or, for a clinician's form, the clinician's), and
    the subscale cutoffs in force, if a site set any."""
    own = series is not None
    rater = Rater.CLIENT if "client" in instrument.respondents else Rater.CLINICIAN
    scores = _subscale_scores(episode, instrument, str(rater), series)
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
            scores=scores, cutoff=None, domain=scaled(scores, None, scale), text=text
        ),
        summary=latest_summary(name, scores),
        table=series_table(text.description, scores, _("Session")),
        notes=(
            [
                _("Each subscale adds four items: %(low)s to %(high)s.")
                % {"low": number(scale[0], 0), "high": number(scale[1], 0)}
            ]
            if instrument.code.startswith("wai_sr")
            else []
        )
        + [
            _("%(subscale)s: worth a talk below %(value)s.")
            % {"subscale": localized(s.name, s.code), "value": number(cutoffs[s.code])}
            for s in instrument.subscales
            if s.code in cutoffs
        ],
        has_data=bool(scores),
    )
