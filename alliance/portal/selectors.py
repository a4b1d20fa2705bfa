"""Reads for the client portal. Staff-facing reads start from ``alliance.access``."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from alliance import access
from alliance.accounts.models import User
from alliance.care import plans
from alliance.care.models import CareTeamMember, Episode, Session
from alliance.measures import catalogue
from alliance.measures.models import Rater, Response
from alliance.portal.models import Invitation
from alliance.portal.wording import in_language


def session_for_inviting(user: User, session_id: int) -> Session:
    """Raises Session.DoesNotExist when the user is not on the session's care team."""
    return access.care_team_sessions(user).select_related("episode__client").get(pk=session_id)


@dataclass(frozen=True)
class InviteChoices:
    """What the hand-off, the link and the kiosk offer for a session: the measures due, in
    answering order (start of the session first, alliance at the end), and every other
    installed measure a client answers, which the clinician may choose instead."""

    due: list[str]
    others: list[str]

    @property
    def allowed(self) -> list[str]:
        return [*self.due, *self.others]


def portal_measures() -> list[str]:
    """Installed measures a client answers on a portal form: outcome and alliance measures
    (goal ratings are recorded with the client on the session page), start ones first."""
    phases = plans.phases()
    return sorted(
        (
            code
            for code, instrument in catalogue.instruments().items()
            if instrument.kind in ("outcome", "alliance") and Rater.CLIENT in instrument.respondents
        ),
        key=lambda code: (phases[code] == "end", code),
    )


def invite_choices(session: Session) -> InviteChoices:
    offered = portal_measures()
    due = [code for code in plans.due_for_session(session) if code in offered]
    return InviteChoices(due=due, others=[code for code in offered if code not in due])


def in_answering_order(chosen: list[str], choices: InviteChoices) -> list[str]:
    """The chosen measures in the order a session gives them: the due ones in the plan's
    order, then the others; the start of the session first, the alliance at the end."""
    phases = plans.phases()
    order = {code: index for index, code in enumerate(choices.allowed)}
    unique = dict.fromkeys(chosen)
    return sorted(unique, key=lambda code: (phases.get(code) == "end", order.get(code, 999)))


def invitation_for_creator(user: User, invitation_id: int) -> Invitation:
    """An invitation the user made for a client on their care team."""
    return Invitation.objects.filter(
        session__in=access.care_team_sessions(user), created_by=user
    ).get(pk=invitation_id)


def invitation_for_care_team(user: User, invitation_id: int) -> Invitation:
    """A link for a client on the user's care team (to resend or cancel); raises
    Invitation.DoesNotExist otherwise."""
    return Invitation.objects.filter(
        session__in=access.care_team_sessions(user), channel="link"
    ).get(pk=invitation_id)


def care_team(episode: Episode) -> QuerySet[CareTeamMember]:
    return episode.care_team.select_related("member").order_by("role", "member__last_name")


def care_team_users(episode: Episode) -> QuerySet[User]:
    """The staff an alliance rating can be about."""
    return User.objects.filter(care_roles__episode=episode)


@dataclass(frozen=True)
class ProgressPoint:
    session: int
    date: dt.date
    score: float


@dataclass(frozen=True)
class ClientProgress:
    """The client's outcome scores over sessions, for the chart they may see."""

    measure: str
    name: str
    minimum: float
    maximum: float
    higher_is_better: bool
    points: tuple[ProgressPoint, ...]

    @property
    def first(self) -> ProgressPoint:
        return self.points[0]

    @property
    def latest(self) -> ProgressPoint:
        return self.points[-1]


def client_progress(episode: Episode) -> ClientProgress | None:
    """The client's own outcome scores, one per session, in one query; None unless the team
    allows clients to see their progress and the clinician chose to for this episode (the same
    rule as the progress page, ``access.client_may_see_progress``), or with no score yet."""
    if not access.client_may_see_progress(episode):
        return None
    instrument = catalogue.instrument(episode.outcome_measure)
    responses = (
        Response.objects.filter(
            session__episode=episode,
            instrument=instrument.code,
            rater=Rater.CLIENT,
            about_member__isnull=True,
        )
        .select_related("session")
        .order_by("session__number", "answered_at")
    )
    by_session: dict[int, ProgressPoint] = {}
    for response in responses:
        number = response.session.number
        if number is None:  # a session that did not take place is no point of the chart
            continue
        date = timezone.localdate(response.session.starts_at)
        by_session.setdefault(number, ProgressPoint(number, date, response.total))
    if not by_session:
        return None
    return ClientProgress(
        measure=instrument.code,
        name=in_language(instrument.name),
        minimum=instrument.scoring.min,
        maximum=instrument.scoring.max,
        higher_is_better=instrument.higher_is_better,
        points=tuple(by_session.values()),
    )


def client_first_name(invitation: Invitation) -> str:
    """The name the form greets the client by, so a hand-off to the wrong client is noticed: the
    first word of the client's display name ("Anna" of "Anna B."). Empty when the display name
    has no word or its first word is the client's pseudonymous code, which the client would not
    recognise and which must never be shown to them."""
    client = invitation.session.episode.client
    words = client.display_name.split()
    if not words or words[0].casefold() == client.code.casefold():
        return ""
    return words[0]


def invitation_has_risk_answer(invitation: Invitation) -> bool:
    """Whether an answer given through this invitation has a risk item above its threshold
    (PHQ-9 item 9 above 0): the client is then shown the site's crisis information."""
    return any(response.risk_items for response in invitation.responses.all())
