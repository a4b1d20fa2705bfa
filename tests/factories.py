"""Plain builders for test records: small, explicit, no magic."""

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from alliance.accounts.models import Organisation, Role, Team, User
from alliance.accounts.services import membership_grant
from alliance.care.models import CareRole, CareTeamMember, Client, Episode, Session, SessionStatus
from alliance.feedback.summaries import episode_summaries_refresh

PASSWORD = "correct-horse-battery"
_codes = itertools.count(1)


def make_user(
    username: str, *, organisation: Organisation, role: str | None = None, team: Team | None = None
) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, first_name=username.title()
    )
    if role is not None:
        membership_grant(user=user, organisation=organisation, role=role, team=team)
    return user


def make_client(organisation: Organisation, *, age_group: str = "adult", name: str = "") -> Client:
    number = next(_codes)
    return Client.objects.create(
        organisation=organisation,
        code=f"C{number:05d}",
        display_name=name or f"Client {number}",
        age_group=age_group,
        birth_year=1990,
    )


def make_episode(
    team: Team, primary: User, *, client: Client | None = None, started_on: dt.date | None = None
) -> Episode:
    episode = Episode.objects.create(
        client=client or make_client(team.organisation),
        team=team,
        started_on=started_on or dt.date(2026, 1, 5),
    )
    CareTeamMember.objects.create(episode=episode, member=primary, role=CareRole.PRIMARY_THERAPIST)
    episode_summaries_refresh([episode])  # as episode_open does: the caseload's summary
    return episode


def make_session(episode: Episode, number: int, *, status: str = SessionStatus.ATTENDED) -> Session:
    starts = timezone.make_aware(dt.datetime(2026, 1, 5, 10)) + dt.timedelta(weeks=number - 1)
    return Session.objects.create(episode=episode, number=number, starts_at=starts, status=status)


def make_clinic() -> dict[str, object]:
    """The standing cast: one organisation with two teams; a clinician with one client; a
    colleague on the same team but not on the care team; the team's supervisor; the supervisor of
    the other team; an administrator; and an outsider with no role at all."""
    org = Organisation.objects.create(name="Riverside Counselling")
    team_a = Team.objects.create(organisation=org, name="Adults North")
    team_b = Team.objects.create(organisation=org, name="Young People")
    cast: dict[str, object] = {"org": org, "team_a": team_a, "team_b": team_b}
    cast["clinician"] = make_user("clinician", organisation=org, role=Role.CLINICIAN, team=team_a)
    cast["colleague"] = make_user("colleague", organisation=org, role=Role.CLINICIAN, team=team_a)
    cast["supervisor"] = make_user(
        "supervisor", organisation=org, role=Role.SUPERVISOR, team=team_a
    )
    cast["other_supervisor"] = make_user(
        "othersupervisor", organisation=org, role=Role.SUPERVISOR, team=team_b
    )
    cast["administrator"] = make_user("administrator", organisation=org, role=Role.ADMINISTRATOR)
    cast["outsider"] = make_user("outsider", organisation=org)
    episode = make_episode(team_a, cast["clinician"])  # type: ignore[arg-type]
    cast["episode"] = episode
    cast["session"] = make_session(episode, 1)
    return cast


def reauthenticated(browser: Any) -> Any:
    """A logged-in test browser that has just typed its password again (see
    ``alliance.accounts.reauth``), as a privileged change needs."""
    import time

    from alliance.accounts.reauth import SESSION_KEY

    session = browser.session
    session[SESSION_KEY] = time.time()
    session.save()
    return browser
