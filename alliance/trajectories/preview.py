"""How the expected paths would change: the model in use beside a candidate fit, for a few
intake scores, as a table and a Vega-Lite chart (:func:`alliance.charts.paths_spec`, drawn by
``static/alliance/charts.js``).

Plain data in, plain data out: no query, nothing clinical decided here.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from alliance.charts import DataTable, Figure, PathPoint, paths_spec
from alliance.clinic.explain import number
from alliance.feedback.services import band_percentile
from alliance.science.trajectories import TrajectoryModel

__all__ = [
    "PREVIEW_SESSIONS",
    "PREVIEW_TABLE_SESSIONS",
    "PreviewRow",
    "preview_figure",
    "preview_intakes",
    "preview_rows",
]

PREVIEW_SESSIONS = tuple(range(1, 13))
# Low, middle and high intakes: three tenths, half and seven tenths of the score range.
_INTAKE_SHARES = (0.3, 0.5, 0.7)
_TABLE_SESSIONS = (4, 8, 12)
PREVIEW_TABLE_SESSIONS = _TABLE_SESSIONS


def preview_intakes(model: TrajectoryModel) -> tuple[float, ...]:
    """Whole-number intake scores spread over the measure's range."""
    low, high = model.score_range or (0.0, 40.0)
    return tuple(float(round(low + (high - low) * share)) for share in _INTAKE_SHARES)


@dataclass(frozen=True)
class PreviewRow:
    """One intake at one session: the expected score and band under each model."""

    intake: float
    session: int
    current: tuple[float, float, float]
    candidate: tuple[float, float, float]

    @property
    def change(self) -> float:
        return self.candidate[0] - self.current[0]


def _paths(
    model: TrajectoryModel, intakes: Sequence[float], sessions: Sequence[int]
) -> list[list[tuple[float, float, float]]]:
    path = model.expected_path(
        intake=list(intakes), sessions=list(sessions), percentile=band_percentile()
    )
    return [
        [
            (float(path.expected[i][j]), float(path.lower[i][j]), float(path.upper[i][j]))
            for j in range(len(sessions))
        ]
        for i in range(len(intakes))
    ]


def preview_rows(
    current: TrajectoryModel,
    candidate: TrajectoryModel,
    sessions: Sequence[int] = _TABLE_SESSIONS,
) -> list[PreviewRow]:
    """The two models side by side for each preview intake at each of ``sessions``."""
    intakes = preview_intakes(current)
    now, then = _paths(current, intakes, sessions), _paths(candidate, intakes, sessions)
    return [
        PreviewRow(intake, session, now[i][j], then[i][j])
        for i, intake in enumerate(intakes)
        for j, session in enumerate(sessions)
    ]


def _table(rows: Sequence[PreviewRow]) -> DataTable:
    def cell(values: tuple[float, float, float]) -> str:
        return f"{number(values[0])} ({number(values[1])}–{number(values[2])})"

    return DataTable(
        caption=_("Expected score (and range) by intake and session"),
        headers=[
            _("Intake"),
            _("Session"),
            _("Model in use"),
            _("Candidate fit"),
            # The difference between the two fits, not a button: Dutch "Verschil", German
            # "Differenz", where the rupture page's link is "Wijzigen", "Ändern".
            pgettext("difference between two numbers", "Change"),
        ],
        rows=[
            (
                number(r.intake, 0),
                str(r.session),
                cell(r.current),
                cell(r.candidate),
                number(r.change),
            )
            for r in rows
        ],
    )


def _values(
    models: Sequence[tuple[str, TrajectoryModel]], intakes: Sequence[float]
) -> list[PathPoint]:
    values: list[PathPoint] = []
    for label, model in models:
        for intake, path in zip(intakes, _paths(model, intakes, PREVIEW_SESSIONS), strict=True):
            name = _("Intake %(score)s") % {"score": number(intake, 0)}
            for session, (expected, lower, upper) in zip(PREVIEW_SESSIONS, path, strict=True):
                values.append(PathPoint(label, name, session, expected, lower, upper))
    return values


def preview_figure(current: TrajectoryModel, candidate: TrajectoryModel, name: str) -> Figure:
    """The comparison as a chart with its text alternative, for ``clinic/_figure.html``."""
    intakes = preview_intakes(current)
    labels = ((_("Model in use"), current), (_("Candidate fit"), candidate))
    rows = preview_rows(current, candidate)
    largest = max(rows, key=lambda r: abs(r.change))
    summary = _(
        "The largest change: intake %(intake)s at session %(session)d, expected %(before)s now "
        "and %(after)s with the candidate fit."
    ) % {
        "intake": number(largest.intake, 0),
        "session": largest.session,
        "before": number(largest.current[0]),
        "after": number(largest.candidate[0]),
    }
    return Figure(
        key="chart-trajectory-preview",
        title=_("Expected paths, in use and candidate: %(measure)s") % {"measure": name},
        spec=paths_spec(
            _values(labels, intakes),
            current.score_range or (0.0, 40.0),
            name,
            (labels[0][0], labels[1][0]),
        ),
        summary=summary,
        table=_table(rows),
        notes=[
            _(
                "Solid lines: the model in use; dashed: the candidate. Shaded: the expected "
                "range (the middle half of clients who started at that score)."
            )
        ],
    )
