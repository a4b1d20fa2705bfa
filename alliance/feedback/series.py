"""The one database-to-series adapter: an episode's stored sessions and responses as the science
core's :class:`~alliance.science.series.EpisodeSeries`, built by
:func:`alliance.science.series.episode_series` and read alike by the alert refresh, the client
page's charts, the API and the reports (``alliance analyze`` builds the same from a CSV).

Also the readers of what the series needs from the settings: the thresholds in force per
instrument, the expected band's percentile and the trajectory model in use.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence, Set
from types import SimpleNamespace
from typing import Any, Protocol

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from alliance.accounts.models import Organisation
from alliance.care import hooks
from alliance.care.models import Episode, Session, SessionStatus
from alliance.clinical_settings import clinical_settings
from alliance.feedback.selectors import active_models
from alliance.measures import catalogue
from alliance.measures.models import Response
from alliance.science.series import (
    BaselineRecord,
    EpisodeSeries,
    RatingRecord,
    SessionRecord,
    Thresholds,
    thresholds_for,
)
from alliance.science.series import episode_series as build_episode_series
from alliance.science.trajectories import TrajectoryModel, default_model

__all__ = [
    "RATED_STATUSES",
    "band_percentile",
    "baselines_by_episode",
    "episode_baseline",
    "episode_series",
    "episodes_series",
    "in_series",
    "loaded_episode_series",
    "series_number",
    "series_sessions",
    "threshold_overrides",
    "thresholds",
    "trajectory_model",
]

RATED_STATUSES = (SessionStatus.ATTENDED, SessionStatus.CANCELLED, SessionStatus.NO_SHOW)


def series_sessions(sessions: QuerySet[Session]) -> QuerySet[Session]:
    """The sessions a series reads: attended, cancelled or missed ones, and a session still
    marked scheduled that the client has already rated (a link answered before the session:
    its scores count, and a risk answer in it must reach a person at once). A cancelled or
    withdrawn session has no number (issue 11): it is no session of the series; cancellations
    recorded before booking existed kept theirs, and still count."""
    rated = Exists(Response.objects.filter(session=OuterRef("pk")))
    return sessions.filter(
        Q(status__in=RATED_STATUSES) | Q(rated, status=SessionStatus.SCHEDULED),
        number__isnull=False,
    )


def series_number(session: Session) -> int:
    """The number of a session of a series (:func:`series_sessions` reads only numbered ones).
    Raises ``ValueError`` for a session without one: a cancelled or withdrawn session is no
    session of a series, and passing one is a programming error."""
    if session.number is None:
        raise ValueError(f"session {session.pk}: no number, so no session of a series.")
    return session.number


def in_series(session: Session, responses: Sequence[Response]) -> bool:
    """:func:`series_sessions` for a session already loaded with its responses."""
    if session.number is None:
        return False
    return session.status in RATED_STATUSES or (
        session.status == SessionStatus.SCHEDULED and bool(responses)
    )


def threshold_overrides() -> dict[str, dict[str, float]]:
    """The site's per-instrument threshold overrides (``ALLIANCE["THRESHOLDS"]``; the aliases
    ``ALLIANCE_SRS_CUTOFF`` and ``ALLIANCE_SRS_ITEM_CUTOFF`` set the SRS's). An
    ``alliance_cutoff`` or ``alliance_item_cutoff`` left in ``ALLIANCE["ALERTS"]`` by an older
    configuration counts as the SRS's too."""
    return {code: dict(values) for code, values in clinical_settings().thresholds.items()}


def thresholds(code: str, age_group: str = "adult") -> Thresholds:
    """An instrument's thresholds in force for an age group: its file, the site's override
    applied. The alert refresh, the charts, the development page and the reports read them here."""
    return thresholds_for(catalogue.instrument(code), age_group, threshold_overrides())


def band_percentile() -> float:
    """The expected band's lower percentile in force (setting ``ALLIANCE_BAND_PERCENTILE``)."""
    return clinical_settings().band_percentile


def trajectory_model(
    measure: str, organisation: Organisation | int | None = None
) -> TrajectoryModel | None:
    """The expected-trajectory model in use for a measure: the organisation's active local fit
    when it has one (one query), else the provisional default. None for a measure without one
    (no not-on-track alert then)."""
    if organisation is not None:
        organisation_id = organisation if isinstance(organisation, int) else organisation.pk
        local = active_models([organisation_id]).get((organisation_id, measure))
        if local is not None:
            return local
    try:
        return default_model(measure)
    except ValueError:
        return None


class StoredRating(Protocol):
    """What the adapter reads of a stored response (a ``Response`` or a row of its values)."""

    instrument: str
    total: float
    items: Mapping[str, object]
    rater: str
    about_member_id: int | None
    subscales: Mapping[str, object] | None


def _numbers(values: Mapping[str, object] | None) -> dict[str, float]:
    return {
        code: float(value)
        for code, value in (values or {}).items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }


def episode_series(
    episode: Episode,
    sessions: Sequence[Session],
    responses: Mapping[int, Sequence[StoredRating]],
    new_tasks: Set[int] = frozenset(),
    *,
    local_models: Mapping[tuple[int, str], TrajectoryModel] | None = None,
    expected: bool = True,
    overrides: Mapping[str, Mapping[str, float]] | None = None,
    baseline: BaselineRecord | None = None,
) -> EpisodeSeries:
    """The science core's view of one episode (:func:`alliance.science.series.episode_series`,
    the one function that builds it): the stored sessions and responses as plain records, the
    expected-trajectory model in use and the site's threshold overrides. ``sessions``: those of
    :func:`series_sessions`, in order; ``responses``: by session id.

    ``local_models`` (``selectors.active_models``) saves the query for the organisation's model
    when many episodes are read at once; ``expected=False`` leaves out the expected boundaries
    (the reports do not read them); ``overrides`` (:func:`threshold_overrides`) saves reading
    the settings again for each of many episodes. ``baseline`` (:func:`episode_baseline`) is
    the score before treatment, session 0 on the charts; no rule reads it."""
    organisation_id = episode.client.organisation_id
    others = _other_models(episode, local_models) if expected else {}
    model = _model_for(episode.outcome_measure, organisation_id, local_models) if expected else None
    records = [
        SessionRecord(
            number=series_number(session),
            date=timezone.localdate(session.starts_at),
            # A CharField with SessionStatus's choices: the stubs type it str, the science core
            # a Literal of the same values.
            status=session.status,  # type: ignore[arg-type]
            new_task=session.number in new_tasks,
        )
        for session in sessions
    ]
    ratings = [
        RatingRecord(
            session=series_number(session),
            instrument=response.instrument,
            total=response.total,
            items=_numbers(response.items),
            rater=response.rater,
            about_someone=response.about_member_id is not None,
            subscales=_numbers(response.subscales),
        )
        for session in sessions
        for response in responses.get(session.pk, [])
    ]
    return build_episode_series(
        str(episode.pk),
        records,
        ratings,
        catalogue.instruments(),
        outcome_measure=episode.outcome_measure or None,
        alliance_measure=episode.alliance_measure or None,
        age_group=episode.client.age_group,
        model=model,
        percentile=band_percentile(),
        overrides=threshold_overrides() if overrides is None else overrides,
        other_models=others,
        baseline=baseline,
    )


def _baseline_record(found: Any) -> BaselineRecord:
    return BaselineRecord(
        instrument=str(found.instrument),
        total=float(found.total),
        date=timezone.localdate(found.answered_at),
    )


def episode_baseline(episode: Episode) -> BaselineRecord | None:
    """The episode's score before treatment (``voice.Baseline``), or None: no query when the
    episode was loaded with it (``select_related("baseline")``), one otherwise."""
    # The client's voice sits above the series: it registered the reader (care.hooks).
    found = hooks.episode_baseline(episode)
    return _baseline_record(found) if found is not None else None


def baselines_by_episode(episode_ids: Iterable[int]) -> dict[int, BaselineRecord]:
    """The scores before treatment of these episodes, by episode id (one query)."""
    rows = hooks.baselines(episode_ids).only("episode_id", "instrument", "total", "answered_at")
    return {row.episode_id: _baseline_record(row) for row in rows}


def _model_for(
    code: str,
    organisation_id: int,
    local_models: Mapping[tuple[int, str], TrajectoryModel] | None,
) -> TrajectoryModel | None:
    """:func:`trajectory_model` for the organisation, from ``local_models`` when given (no
    query then)."""
    if local_models is None:
        return trajectory_model(code, organisation_id)
    return local_models.get((organisation_id, code)) or trajectory_model(code)


def _other_models(
    episode: Episode, local_models: Mapping[tuple[int, str], TrajectoryModel] | None
) -> dict[str, TrajectoryModel]:
    """The expected trajectories of the outcome measures beside the episode's own (PHQ-9,
    GAD-7): the organisation's local fit, else the provisional default (no query when
    ``local_models`` is given)."""
    organisation_id = episode.client.organisation_id
    found = {}
    for code, instrument in catalogue.instruments().items():
        if instrument.kind != "outcome" or code == episode.outcome_measure:
            continue
        model = _model_for(code, organisation_id, local_models)
        if model is not None:
            found[code] = model
    return found


def loaded_episode_series(
    episode: Episode, local_models: Mapping[tuple[int, str], TrajectoryModel] | None = None
) -> EpisodeSeries:
    """:func:`episode_series` of an episode whose sessions and their responses are already
    loaded (``clinic.selectors.episode_detail``): no query but the trajectory models', none
    with ``local_models``."""
    # Sorted here, not trusted to the prefetch: the first rating of a session counts.
    # Cancelled and withdrawn sessions have no number and are no session of the series.
    numbered = [s for s in episode.sessions.all() if s.number is not None]
    loaded = sorted(numbered, key=lambda session: session.number or 0)
    responses = {s.pk: sorted(s.responses.all(), key=lambda r: r.pk) for s in loaded}
    sessions = [s for s in loaded if in_series(s, responses[s.pk])]
    return episode_series(
        episode,
        sessions,
        responses,
        local_models=local_models,
        baseline=episode_baseline(episode),
    )


def sessions_by_episode(episode_ids: Iterable[int]) -> dict[int, list[Session]]:
    """The sessions each episode's series reads, in order (one query)."""
    grouped: dict[int, list[Session]] = defaultdict(list)
    query = series_sessions(Session.objects.filter(episode_id__in=list(episode_ids)))
    for session in query.order_by("episode_id", "number"):
        grouped[session.episode_id].append(session)
    return grouped


_READ = ("session_id", "instrument", "total", "items", "rater", "about_member_id", "subscales")


def responses_by_session(
    episode_ids: Iterable[int], *, items: bool = True
) -> dict[int, list[StoredRating]]:
    """What the series reads of every response of these episodes, by session id, in the order
    stored (one query; plain rows, not models: the reports read tens of thousands).
    ``items=False`` leaves out the item values and subscale scores (totals only)."""
    grouped: dict[int, list[StoredRating]] = defaultdict(list)
    query = Response.objects.filter(session__episode_id__in=list(episode_ids)).order_by("pk")
    fields = _READ if items else tuple(f for f in _READ if f not in ("items", "subscales"))
    for row in query.values(*fields):
        row.setdefault("items", {})
        row.setdefault("subscales", {})
        grouped[row["session_id"]].append(SimpleNamespace(**row))
    return grouped


def episodes_series(
    episodes: Iterable[Episode], *, expected: bool = True, totals_only: bool = False
) -> dict[int, EpisodeSeries]:
    """Every episode's series by episode id, in a fixed number of queries however many
    episodes. The reports read them with ``expected=False`` (no expected boundaries) and
    ``totals_only`` (no item values, so no alliance items and no risk answers). The episodes
    come with their clients loaded (``select_related("client")``)."""
    by_id = {episode.pk: episode for episode in episodes}
    sessions = sessions_by_episode(by_id)
    responses = responses_by_session(by_id, items=not totals_only)
    local = active_models({e.client.organisation_id for e in by_id.values()}) if expected else {}
    overrides = threshold_overrides()
    baselines = baselines_by_episode(by_id)
    return {
        pk: episode_series(
            episode,
            sessions.get(pk, []),
            responses,
            local_models=local,
            expected=expected,
            overrides=overrides,
            baseline=baselines.get(pk),
        )
        for pk, episode in by_id.items()
    }
