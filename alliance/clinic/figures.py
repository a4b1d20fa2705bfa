"""What every chart of the client page is made of: the shared text helpers and the goal-based
outcomes chart. The figure (its Vega-Lite spec, a visible summary and the table behind it) is
``alliance.charts.figure``; this module and ``alliance.clinic.progress`` still export its
names."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from alliance import charts
from alliance.care.models import Episode
from alliance.charts.figure import DataTable, Figure
from alliance.clinic.explain import localized, number
from alliance.measures import catalogue
from alliance.measures.models import Response
from alliance.science.instruments import Instrument

__all__ = [
    "DataTable",
    "Figure",
    "GoalScore",
    "goals_figure",
    "latest_summary",
    "responses_of",
    "scaled",
    "series_table",
    "short_name",
]


def responses_of(episode: Episode) -> Iterable[tuple[int, str, Response]]:
    """(session number, the session's date in the clinic's time zone, response) of a loaded
    episode, in session order."""
    numbered = [s for s in episode.sessions.all() if s.number is not None]
    for session in sorted(numbered, key=lambda s: s.number or 0):
        # A cancelled or withdrawn session has no number: not a session of the chart (issue 11).
        date = f"{timezone.localdate(session.starts_at):%Y-%m-%d}"
        for response in sorted(session.responses.all(), key=lambda r: r.pk):
            yield session.number or 0, date, response


_ABBREVIATION = re.compile(r"\(([^()]+)\)")


def short_name(instrument: Instrument) -> str:
    """The instrument's short name as clinicians write it: the abbreviation its file's name
    gives in brackets ("Patient Health Questionnaire (PHQ-9)": PHQ-9; WAI-SR, GAD-7, GBO), else
    its code in capitals (ORS, SRS)."""
    found = _ABBREVIATION.search(localized(instrument.name, ""))
    return found.group(1).strip() if found else instrument.code.upper()


def series_table(caption: str, scores: Sequence[charts.ScorePoint], first_header: str) -> DataTable:
    series = list(dict.fromkeys(s.series for s in scores))
    sessions = sorted({s.session for s in scores})
    value = {(s.session, s.series): number(s.value) for s in scores}
    rows = [[str(n), *(value.get((n, name), "") for name in series)] for n in sessions]
    return DataTable(caption, [first_header, *series], rows)


def latest_summary(name: str, scores: Sequence[charts.ScorePoint]) -> str:
    if not scores:
        return _("No %(measure)s ratings yet.") % {"measure": name}
    latest_session = max(s.session for s in scores)
    latest = "; ".join(
        f"{s.series} {number(s.value)}" for s in scores if s.session == latest_session
    )
    return _("Session %(n)d: %(ratings)s.") % {"n": latest_session, "ratings": latest}


def scaled(
    scores: Sequence[charts.ScorePoint], line: charts.Line | None, scale: tuple[float, float]
) -> tuple[float, float]:
    """The y-axis of an alliance chart: the scores and the cutoff, so a 3-point drop shows."""
    return charts.data_domain(
        [s.value for s in scores], scale=scale, reference=[line.value if line else None]
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
        summary=latest_summary(name, points),
        table=series_table(text.description, points, _("Session")),
        notes=[_("0: not at all close; 10: goal reached.")],
        has_data=bool(points),
    )
