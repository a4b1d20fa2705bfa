"""Reading the client's words for the care team, and the preferences and expectations the
intake measures give. Everything starts from ``alliance.access``: a user off the care team
gets nothing.

For the day view (issue 19, point 1): ``agenda_items_by_session(user, sessions)`` gives each
session's topics in one query, and ``session_agenda_items(user, session)`` one session's.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from alliance import access
from alliance.accounts.models import User
from alliance.care.models import Episode, Session
from alliance.feedback.models import Alert
from alliance.measures import catalogue
from alliance.measures.models import Rater, Response
from alliance.science.preferences import ceq_scores, cnip_scales
from alliance.voice.models import AgendaItem, AllianceComment, Baseline, ClientHopes

__all__ = [
    "PreferenceSummary",
    "agenda_items_by_session",
    "alert_comment",
    "baselines",
    "episode_baseline",
    "episode_hopes",
    "episode_preferences",
    "episode_topics",
    "goal_start_text",
    "preference_phrase",
    "session_agenda_items",
    "session_comments",
]


def agenda_items_by_session(user: User, sessions: Iterable[Session]) -> dict[int, list[AgendaItem]]:
    """The client's topics for each session the user may read them for, by session id, in one
    query; sessions without topics (or out of the user's reach) are absent."""
    ids = [session.pk for session in sessions]
    items = AgendaItem.objects.filter(
        session__in=access.client_words_sessions(user), session_id__in=ids
    ).order_by("session_id", "position")
    found: dict[int, list[AgendaItem]] = {}
    for item in items:
        found.setdefault(item.session_id, []).append(item)
    return found


def session_agenda_items(user: User, session: Session) -> list[AgendaItem]:
    """The client's topics for one session, in their order; empty off the care team."""
    if not access.may_read_client_words(user, session.episode):
        return []
    return list(AgendaItem.objects.filter(session=session).order_by("position"))


def session_comments(user: User, session: Session) -> list[AllianceComment]:
    """The client's comments with their alliance ratings in this session."""
    if not access.may_read_client_words(user, session.episode):
        return []
    return list(
        AllianceComment.objects.filter(session=session)
        .select_related("response__about_member")
        .order_by("created_at")
    )


# The alerts about a low or falling alliance rating (alliance.science.signals), whose rating the
# client may have commented on.
ALLIANCE_RULES = frozenset({"low_alliance", "alliance_drop", "rating_discrepancy"})


def alert_comment(
    user: User, alert: Alert, cache: dict[int, Any] | None = None
) -> AllianceComment | None:
    """The client's comment on the rating an alliance alert is about (a low or falling rating
    in the alert's session), for the care team; None otherwise. With a ``cache`` (one per
    page), the episode's comments are read once, however many alerts the page shows."""
    known = catalogue.instruments()
    about_alliance = alert.rule in ALLIANCE_RULES or (
        alert.measure in known and known[alert.measure].kind == "alliance"
    )
    if not about_alliance:
        return None
    cache = {} if cache is None else cache
    if alert.episode_id not in cache:
        cache[alert.episode_id] = _episode_comments(user, alert.episode)
    measure = alert.measure or alert.episode.alliance_measure
    return cache[alert.episode_id].get((alert.session_id, measure))


def _episode_comments(user: User, episode: Episode) -> dict[tuple[int, str], AllianceComment]:
    if not access.may_read_client_words(user, episode):
        return {}
    comments = AllianceComment.objects.filter(session__episode=episode).select_related("response")
    found: dict[tuple[int, str], AllianceComment] = {}
    for comment in comments.order_by("created_at", "pk"):
        found[(comment.session_id, comment.response.instrument)] = comment  # the latest wins
    return found


def episode_topics(user: User, episode: Episode) -> list[AgendaItem]:
    """Every topic the client brought in this episode, newest session first."""
    if not access.may_read_client_words(user, episode):
        return []
    return list(
        AgendaItem.objects.filter(session__episode=episode)
        .select_related("session")
        .order_by("-session__number", "position")
    )


def episode_hopes(user: User, episode: Episode) -> list[ClientHopes]:
    """The client's hopes and theories of change, newest first."""
    if not access.may_read_client_words(user, episode):
        return []
    return list(ClientHopes.objects.filter(episode=episode).order_by("-created_at", "-pk"))


def episode_baseline(episode: Episode) -> Baseline | None:
    """The episode's score before treatment, or None: no query when the episode was loaded with
    it (``select_related("baseline")``), one otherwise. Not scoped: the series, the alert rules
    and the portal read it for an episode they already hold (``care.hooks``)."""
    try:
        return episode.baseline
    except Baseline.DoesNotExist:
        return None


def baselines(episode_ids: Iterable[int]) -> QuerySet[Baseline]:
    """The scores before treatment of these episodes (one query when read)."""
    return Baseline.objects.filter(episode_id__in=list(episode_ids))


def goal_start_text(user: User, episode: Episode, hopes_id: str | None) -> str:
    """The words a new goal starts from: the client's hopes of this episode with this id."""
    if not hopes_id or not hopes_id.isdigit():
        return ""
    for hopes in episode_hopes(user, episode):
        if hopes.pk == int(hopes_id):
            return hopes.hopes or hopes.theory_of_change
    return ""


_PHRASES = {
    "therapist_directiveness": lambda: _("prefers the clinician to take the lead"),
    "client_directiveness": lambda: _("prefers to lead the sessions themselves"),
    "emotional_intensity": lambda: _("prefers a focus on feelings and expressing them"),
    "emotional_reserve": lambda: _("prefers to keep strong feelings at a comfortable distance"),
    "past_orientation": lambda: _("prefers to look at the past"),
    "present_orientation": lambda: _("prefers a focus on the present"),
    "warm_support": lambda: _("prefers gentle, warm support"),
    "focused_challenge": lambda: _("prefers to be challenged"),
}


def preference_phrase(pole: str) -> str:
    return _PHRASES[pole]()


@dataclass(frozen=True)
class PreferenceSummary:
    """The latest C-NIP and CEQ answers of an episode, as the client page shows them."""

    sentence: str
    preferences_session: int | None
    credibility: float | None
    expectancy: float | None
    expected_improvement: float | None
    expectancy_session: int | None


def _latest(episode: Episode, code: str) -> Response | None:
    return (
        Response.objects.filter(session__episode=episode, instrument=code, rater=Rater.CLIENT)
        .select_related("session")
        .order_by("-session__number", "-answered_at")
        .first()
    )


def _sentence(poles: list[str]) -> str:
    if not poles:
        return _("No strong preferences.")
    text = "; ".join(preference_phrase(pole) for pole in poles)
    return text[0].upper() + text[1:] + "."


def episode_preferences(episode: Episode) -> PreferenceSummary | None:
    """The strong preferences (C-NIP) as one short sentence, and the expectancy (CEQ) scores,
    from the latest answers; None when neither was answered. Scores are not free text: who
    sees the episode sees them."""
    cnip = _latest(episode, "cnip") if "cnip" in catalogue.instruments() else None
    ceq = _latest(episode, "ceq") if "ceq" in catalogue.instruments() else None
    if cnip is None and ceq is None:
        return None
    sentence, credibility, expectancy, improvement = "", None, None, None
    if cnip is not None:
        scales = cnip_scales({k: float(v) for k, v in cnip.items.items()})
        sentence = _sentence([s.pole for s in scales if s.pole])
    if ceq is not None:
        scores = ceq_scores({k: float(v) for k, v in ceq.items.items()})
        credibility, expectancy = scores.credibility, scores.expectancy
        improvement = scores.expected_improvement_feel
    return PreferenceSummary(
        sentence=sentence,
        preferences_session=cnip.session.number if cnip else None,
        credibility=credibility,
        expectancy=expectancy,
        expected_improvement=improvement,
        expectancy_session=ceq.session.number if ceq else None,
    )
