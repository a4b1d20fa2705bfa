"""Who sees what: the one place that scopes every query of clinical data.

The rules (docs/architecture.md, "Who sees what"):

- a clinician (any staff member) sees the episodes whose care team they are on;
- a supervisor also sees every episode of the teams they supervise;
- an administrator manages users and settings, and sees clinical detail only where one of the rules
  above applies, unless the organisation (or the site setting ``ADMIN_SEES_CLINICAL_DATA``)
  widens it;
- only the episode's care team records its sessions (attendance, clinician ratings and the
  client's answers); supervisors and administrators read them;
- only the episode's care team closes its alerts (acknowledges or snoozes them): a supervisor
  off the care team reads them and is told of risk answers, but the person who saw the client
  closes the alert;
- a clinician's reflection on a session is private to its author and the team's supervisors;
- the client's own words (agenda topics, alliance comments, hopes at intake: issue 19) are read
  by the episode's care team only, never by a supervisor or administrator off it, and never
  reach a research export (``may_read_client_words``, ``client_words_sessions``);
- a client sees their own progress page only when the team and the episode's clinician allow
  it (``client_may_see_progress``);
- a client who has no episode yet (just added at intake) is seen by the person who added them
  and by the organisation's administrators, so the client can be found to open an episode;
- reports: anyone with a role in an organisation asks; what a report rests on is
  ``report_episodes`` (aggregates of the whole organisation for its administrators, a
  supervisor's teams, a clinician's own clients for them and their supervisors);
- supervision: the team page is for supervisors; a development page for the person themself
  and the supervisors of their teams (``development_clinicians``);
- anyone else, including an anonymous visitor, sees nothing.

In the admin site an administrator manages the people and teams of the organisations they
administer (``managed_*``); a superuser is the site's operator (``createsuperuser``), who manages
every organisation's people and teams but sees clinical records only by the rules above.

Views, the admin, the API and reports call these functions; they never filter clinical data by hand.
"""

from typing import Any, TypeGuard

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, Model, OuterRef, Q, QuerySet

from alliance.accounts.models import TEAM_ROLES, Membership, Organisation, Role, Team, User
from alliance.audit.models import Action, AuditEvent
from alliance.care.models import CareTeamMember, Client, Episode, Reflection, Session
from alliance.feedback.models import Alert
from alliance.measures.models import Response
from alliance.voice.models import TeamSharing

__all__ = [
    "administered_organisations",
    "alert_supervisors",
    "can_see_episode",
    "care_team_sessions",
    "client_may_see_progress",
    "client_words_sessions",
    "clients_without_episode",
    "development_clinicians",
    "episode_teams",
    "episodes_for_agency_statistics",
    "intake_organisations",
    "is_administrator",
    "is_on_care_team",
    "is_site_operator",
    "managed_organisations",
    "managed_teams",
    "managed_users",
    "may_change_episode",
    "may_close_alert",
    "may_close_session_alerts",
    "may_grant_role",
    "may_open_episode",
    "may_read_client_words",
    "may_refit_trajectories",
    "may_report_on_organisation",
    "may_see_team_page",
    "may_set_plan_defaults",
    "may_use_admin",
    "plan_default_teams",
    "rating_staff",
    "report_episodes",
    "reportable_clinicians",
    "reportable_organisations",
    "reportable_teams",
    "risk_answer_recipients",
    "sees_transfer_result",
    "supervised_clinicians",
    "supervised_teams",
    "team_staff",
    "trajectory_organisations",
    "visible_alerts",
    "visible_audit_events",
    "visible_clients",
    "visible_episodes",
    "visible_reflections",
    "visible_responses",
    "visible_sessions",
]


def _is_staff_user(user: object) -> TypeGuard[User]:
    return isinstance(user, User) and user.is_authenticated and user.is_active


def supervised_teams(user: User) -> QuerySet[Team]:
    """Teams in which the user holds the supervisor role."""
    if not _is_staff_user(user):
        return Team.objects.none()
    return Team.objects.filter(memberships__user=user, memberships__role=Role.SUPERVISOR)


def supervised_clinicians(user: User) -> QuerySet[User]:
    """The staff (clinicians, prescribers, supervisors) of the teams the user supervises,
    the user excepted: the people a supervisor may pick on the team page and in reports."""
    if not _is_staff_user(user):
        return User.objects.none()
    roles = Membership.objects.filter(
        user=OuterRef("pk"), team__in=supervised_teams(user), role__in=TEAM_ROLES
    )
    return User.objects.filter(Exists(roles)).exclude(pk=user.pk)


def may_see_team_page(user: User) -> bool:
    """The team page (and the Team link) is for supervisors: someone who supervises a team."""
    return supervised_teams(user).exists()


def development_clinicians(user: User) -> QuerySet[User]:
    """The active people whose development page the user may open: their own, and anyone with
    a role in a team the user supervises. The page shows only episodes the user sees."""
    if not _is_staff_user(user):
        return User.objects.none()
    in_supervised_team = Membership.objects.filter(
        user=OuterRef("pk"), team__in=supervised_teams(user)
    )
    return User.objects.filter(Q(pk=user.pk) | Exists(in_supervised_team), is_active=True)


def reportable_organisations(user: User) -> QuerySet[Organisation]:
    """Organisations the user has a role in, and so may ask a report about (what the report may
    show is decided by the report's own rules)."""
    if not _is_staff_user(user):
        return Organisation.objects.none()
    return Organisation.objects.filter(
        Exists(Membership.objects.filter(user=user, organisation=OuterRef("pk")))
    )


def reportable_teams(user: User) -> QuerySet[Team]:
    """Teams the user may ask a team report about: those they supervise (an administrator
    reports on the whole organisation, not a team)."""
    return supervised_teams(user)


def reportable_clinicians(user: User) -> QuerySet[User]:
    """Clinicians whose own report the user may see: themself when they work in a team, and
    the staff of the teams they supervise."""
    if not _is_staff_user(user):
        return User.objects.none()
    works_in_a_team = Exists(
        Membership.objects.filter(user=OuterRef("pk"), team__isnull=False, role__in=TEAM_ROLES)
    )
    return User.objects.filter(
        (Q(pk=user.pk) & Q(works_in_a_team)) | Q(pk__in=supervised_clinicians(user).values("pk"))
    )


def may_report_on_organisation(user: User, organisation: Organisation) -> bool:
    """Whether the user may ask for a report about the organisation: they hold a role in it
    (``reportable_organisations``). What the report covers is ``report_episodes``."""
    return reportable_organisations(user).filter(pk=organisation.pk).exists()


def report_episodes(
    user: User,
    organisation: Organisation,
    *,
    team: Team | None = None,
    clinician: User | None = None,
) -> QuerySet[Episode] | None:
    """The episodes of the organisation a report the user asks for may rest on, or None when
    the user may not ask for it. A clinician's report: the clinician themself, or a supervisor
    of one of their teams (that team's episodes). A team's report: its supervisors. The whole
    organisation: its administrators (every episode, for aggregates only: a report names no
    client), else a supervisor (their teams). The caller narrows to the team's episodes or the
    clinician's clients (primary therapist)."""
    if not may_report_on_organisation(user, organisation):
        return None
    supervised = supervised_teams(user).filter(organisation=organisation)
    if clinician is not None:
        return _clinician_report_episodes(user, organisation, clinician, supervised)
    if team is not None:
        if not supervised.filter(pk=team.pk).exists():
            return None
        return visible_episodes(user).filter(team=team)
    if administered_organisations(user).filter(pk=organisation.pk).exists():
        return Episode.objects.filter(team__organisation=organisation)
    if supervised.exists():
        return visible_episodes(user).filter(team__in=supervised)
    return None


def _clinician_report_episodes(
    user: User, organisation: Organisation, clinician: User, supervised: QuerySet[Team]
) -> QuerySet[Episode] | None:
    in_organisation = visible_episodes(user).filter(team__organisation=organisation)
    if clinician == user:
        return in_organisation
    if Membership.objects.filter(user=clinician, team__in=supervised).exists():
        return in_organisation.filter(team__in=supervised)
    return None


def administered_organisations(user: User) -> QuerySet[Organisation]:
    """Organisations the user administers."""
    if not _is_staff_user(user):
        return Organisation.objects.none()
    return Organisation.objects.filter(memberships__user=user, memberships__role=Role.ADMINISTRATOR)


def administered_clients(user: User) -> QuerySet[Client]:
    """Clients of the organisations the user administers (the audit search finds their events
    by a client's code)."""
    return Client.objects.filter(organisation__in=administered_organisations(user))


def is_administrator(user: User) -> bool:
    """Whether the user administers any organisation (and so may use the admin site)."""
    return administered_organisations(user).exists()


def is_site_operator(user: User | AnonymousUser) -> bool:
    """The site's operator (a superuser, ``createsuperuser``): adds organisations, manages every
    organisation's people and their operator-only fields (staff, superuser, groups), adds people
    without a role; sees clinical records only by the rules above."""
    return _is_staff_user(user) and user.is_superuser


def may_use_admin(user: User | AnonymousUser) -> bool:
    """Administrators of an organisation, and the site's operator (a superuser). The admin asks
    this of an anonymous visitor too (its log-in page lists the apps), who may not."""
    return is_site_operator(user) or (_is_staff_user(user) and is_administrator(user))


def managed_organisations(user: User) -> QuerySet[Organisation]:
    """Organisations whose people and teams the user manages in the admin site."""
    if is_site_operator(user):
        return Organisation.objects.all()
    return administered_organisations(user)


def may_grant_role(*, by: User | None, user: User, role: str) -> bool:
    """Whether ``by`` (None: the command line) may give ``user`` the role, among the people
    they manage (``managed_users``): nobody gives themselves a clinical role (a supervisor reads
    private reflections) unless the site says it has one administrator
    (``ALLIANCE_SINGLE_ADMINISTRATOR``)."""
    if by is None or by.pk != user.pk or role not in TEAM_ROLES:
        return True
    return bool(settings.ALLIANCE["SINGLE_ADMINISTRATOR"])


def managed_teams(user: User) -> QuerySet[Team]:
    return Team.objects.filter(organisation__in=managed_organisations(user))


def managed_users(user: User) -> QuerySet[User]:
    """People with a role in an organisation the user administers. An administrator never
    manages a superuser (they could take over the site by resetting its password)."""
    if is_site_operator(user):
        return User.objects.all()
    if not _is_staff_user(user):
        return User.objects.none()
    roles = Membership.objects.filter(
        user=OuterRef("pk"), organisation__in=administered_organisations(user)
    )
    return User.objects.filter(Exists(roles), is_superuser=False)


def _episode_rule(user: User) -> Q:
    on_care_team = Exists(CareTeamMember.objects.filter(episode=OuterRef("pk"), member=user))
    supervised = Exists(
        Membership.objects.filter(user=user, role=Role.SUPERVISOR, team=OuterRef("team"))
    )
    rule = Q(on_care_team) | Q(supervised)
    widened = Membership.objects.filter(user=user, role=Role.ADMINISTRATOR)
    if not settings.ALLIANCE["ADMIN_SEES_CLINICAL_DATA"]:
        widened = widened.filter(organisation__admin_sees_clinical_data=True)
    administered = Exists(widened.filter(organisation=OuterRef("team__organisation")))
    return rule | Q(administered)


def visible_episodes(user: User) -> QuerySet[Episode]:
    """Episodes of care the user may see (the rule's subqueries built once per user object)."""
    if not _is_staff_user(user):
        return Episode.objects.none()
    key = f"_visible_episodes_{settings.ALLIANCE['ADMIN_SEES_CLINICAL_DATA']}"
    if key not in user.__dict__:
        user.__dict__[key] = Episode.objects.filter(_episode_rule(user))
    return user.__dict__[key].all()  # type: ignore[no-any-return]


def visible_clients(user: User) -> QuerySet[Client]:
    """Clients with at least one episode the user may see, and clients with no episode yet
    whom the user added or whose organisation the user administers."""
    if not _is_staff_user(user):
        return Client.objects.none()
    seen_episode = Exists(visible_episodes(user).filter(client=OuterRef("pk")))
    return Client.objects.filter(Q(seen_episode) | _waiting_rule(user))


def _waiting_rule(user: User) -> Q:
    """A client with no episode yet whom the user added or whose organisation they administer."""
    no_episode = ~Exists(Episode.objects.filter(client=OuterRef("pk")))
    waiting = Q(created_by=user) | Q(organisation__in=administered_organisations(user))
    return no_episode & waiting


def clients_without_episode(user: User) -> QuerySet[Client]:
    """The visible clients who have no episode yet (the caseload lists them as waiting): of
    ``visible_clients``, only its waiting rule, since a client with a visible episode has an
    episode (asking the database for the visible episodes too cost a query over every client
    of the organisation)."""
    if not _is_staff_user(user):
        return Client.objects.none()
    return Client.objects.filter(_waiting_rule(user))


def intake_organisations(user: User) -> QuerySet[Organisation]:
    """Organisations the user may add clients to: those where they hold a role (clinician,
    prescriber, supervisor or administrator). A user with no role adds no one."""
    if not _is_staff_user(user):
        return Organisation.objects.none()
    return Organisation.objects.filter(memberships__user=user).distinct().order_by("name", "pk")


def visible_sessions(user: User) -> QuerySet[Session]:
    return Session.objects.filter(episode__in=visible_episodes(user))


def clinical_choices(user: User) -> dict[type[Model], QuerySet[Any]]:
    """What a form in the admin may point at among clinical records: the clients, episodes and
    sessions the user may see (``accounts.admin.ScopedAdmin``)."""
    return {
        Client: visible_clients(user),
        Episode: visible_episodes(user),
        Session: visible_sessions(user),
    }


def visible_responses(user: User) -> QuerySet[Response]:
    return Response.objects.filter(session__episode__in=visible_episodes(user))


def visible_responses_with_voided(user: User) -> QuerySet[Response]:
    """``visible_responses`` and the voided ones too (``Response.everything``): for the
    history of corrections, never for charts, alerts or reports."""
    return Response.everything.filter(session__episode__in=visible_episodes(user))


def may_correct(user: User, episode: Episode) -> bool:
    """Whether the user may void a response of the episode, enter answers from paper, or
    correct a session's date and attendance: the care team, who record the sessions
    (``is_on_care_team``). A supervisor or administrator off the care team reads, never
    corrects."""
    return is_on_care_team(user, episode)


def visible_alerts(user: User) -> QuerySet[Alert]:
    return Alert.objects.filter(episode__in=visible_episodes(user))


def visible_reflections(user: User) -> QuerySet[Reflection]:
    """A clinician's reflection on a session is private to its author and the supervisors of
    the episode's team: other care-team members and administrators never see it."""
    if not _is_staff_user(user):
        return Reflection.objects.none()
    private = Q(author=user) | Q(session__episode__team__in=supervised_teams(user))
    return Reflection.objects.filter(session__in=visible_sessions(user)).filter(private)


def episodes_for_agency_statistics(user: User) -> QuerySet[Episode]:
    """Every episode of the organisations the user belongs to, for aggregate statistics only:
    e.g. the agency baseline a clinician's case-mix-adjusted outcome is compared with. Callers
    turn these into numbers (no names, no free text) and never list them or show one alone."""
    if not _is_staff_user(user):
        return Episode.objects.none()
    return Episode.objects.filter(team__organisation__memberships__user=user).distinct()


def can_see_episode(user: User, episode: Episode) -> bool:
    if _is_staff_user(user) and getattr(episode, "_visible_to", None) == user.pk:
        return True  # read through visible_episodes(user) this request (care.read_as_visible)
    return visible_episodes(user).filter(pk=episode.pk).exists()


def is_on_care_team(user: User, episode: Episode) -> bool:
    """Whether the user may record the episode's sessions: attendance, their own rating and
    the client's answers. Seeing a session (``visible_sessions``) is not enough: a supervisor
    reads the sessions of their team but does not record them. Reads the episode's care team
    once (a page that prefetched it asks the database nothing)."""
    if not _is_staff_user(user):
        return False
    return any(member.member_id == user.pk for member in episode.care_team.all())


def rating_staff(user: User, episode: Episode) -> QuerySet[User]:
    """The members of staff the user may name as having rated or recorded one of the episode's
    responses (an EHR's ``QuestionnaireResponse.author``): active people on the episode's care
    team or on the staff of its team, all of the client's organisation. Only someone on the
    care team names anyone (they are the ones who record the session)."""
    if not is_on_care_team(user, episode):
        return User.objects.none()
    on_care_team = CareTeamMember.objects.filter(episode=episode, member=OuterRef("pk"))
    in_team = Membership.objects.filter(
        user=OuterRef("pk"), team=episode.team_id, role__in=TEAM_ROLES
    )
    in_organisation = Membership.objects.filter(
        user=OuterRef("pk"), organisation=episode.client.organisation_id
    )
    return User.objects.filter(
        Exists(on_care_team) | Exists(in_team), Exists(in_organisation), is_active=True
    )


def may_close_alert(user: User, alert: Alert) -> bool:
    """Whether the user may acknowledge or snooze the alert: only the episode's care team
    (``is_on_care_team``); a supervisor off the care team sees it but may not close it."""
    return is_on_care_team(user, alert.episode)


def may_close_session_alerts(user: User, session: Session) -> bool:
    """Whether the user may acknowledge every open alert of the session at once: the rule of
    ``may_close_alert`` (the episode's care team) for each of them."""
    return is_on_care_team(user, session.episode)


def alert_supervisors(alert: Alert) -> QuerySet[User]:
    """The supervisors of the alert's team: told of a risk answer (and told again when nobody
    acknowledges it), though off the care team they read the alert and do not close it."""
    supervising = Membership.objects.filter(team_id=alert.episode.team_id, role=Role.SUPERVISOR)
    return User.objects.filter(pk__in=supervising.values("user_id"))


def risk_answer_recipients(alert: Alert) -> list[User]:
    """Everyone told of a risk answer at once: the care team, then the team's supervisors."""
    care_team = CareTeamMember.objects.filter(episode_id=alert.episode_id).values("member_id")
    return [*User.objects.filter(pk__in=care_team), *alert_supervisors(alert)]


def care_team_sessions(user: User) -> QuerySet[Session]:
    """``is_on_care_team`` as a query: the sessions the user may record, and so hand to the
    client (tablet, link, kiosk code)."""
    return visible_sessions(user).filter(episode__care_team__member=user)


def visible_audit_events(user: User) -> QuerySet[AuditEvent]:
    """The audit log of the organisations the user administers; nothing for anyone else.

    A failed log-in under a name no one has belongs to no organisation (the name typed and the
    address): see :func:`sees_unknown_name_log_ins` for who reads those."""
    administered = administered_organisations(user)
    own = Q(organisation__in=administered)
    if sees_unknown_name_log_ins(user):
        own |= Q(organisation__isnull=True, action=Action.LOG_IN_FAILED)
    return AuditEvent.objects.filter(own)


def sees_unknown_name_log_ins(user: User) -> bool:
    """Who reads failed log-ins under names nobody has. The log-in page is the whole site's and
    the name typed may be another organisation's person's, or a password typed in the wrong box:
    on a site of one organisation its administrators read them; on a site of several, only the
    site's operator (a superuser), never one organisation's administrator."""
    if not _is_staff_user(user):
        return False
    if is_site_operator(user):
        return True
    return Organisation.objects.count() == 1 and administered_organisations(user).exists()


def may_read_audit_log(user: User) -> bool:
    """The audit pages: an organisation's administrators, and the operator for the site's own
    events (failed log-ins under unknown names)."""
    return is_administrator(user) or is_site_operator(user)


def may_read_client_words(user: User, episode: Episode) -> bool:
    """Whether the user may read the client's own free text (agenda topics, alliance comments,
    hopes): the episode's care team only. A supervisor or administrator off the care team reads
    the scores but not the words, which the client wrote for the people who see them."""
    return is_on_care_team(user, episode)


def client_words_sessions(user: User) -> QuerySet[Session]:
    """``may_read_client_words`` as a query: the sessions whose client words the user reads."""
    return care_team_sessions(user)


def client_may_see_progress(episode: Episode) -> bool:
    """Whether the client of this episode may see their own progress page: only when the
    team allows it (``TeamSharing``) and the clinician switched it on for the episode."""
    if not episode.share_progress_with_client:
        return False
    sharing = TeamSharing.objects.filter(team_id=episode.team_id, clients_may_see_progress=True)
    return sharing.exists()


# Episodes and measurement plans (issue 11, docs/care.md "Episodes") ----------------------------


def episode_teams(user: User, organisation: Organisation) -> QuerySet[Team]:
    """Teams of the organisation the user may open an episode in: every team for an
    administrator of the organisation, else the teams the user works in (clinician, prescriber,
    supervisor)."""
    if not _is_staff_user(user):
        return Team.objects.none()
    teams = Team.objects.filter(organisation=organisation)
    if administered_organisations(user).filter(pk=organisation.pk).exists():
        return teams.order_by("name", "pk")
    works_in = Membership.objects.filter(user=user, team=OuterRef("pk"), role__in=TEAM_ROLES)
    return teams.filter(Exists(works_in)).order_by("name", "pk")


def may_open_episode(user: User, client: Client, *, seen: Episode | None = None) -> bool:
    """Whether the user may see the client (``visible_clients``, or one of its episodes:
    ``seen``) and open an episode for them in at least one team of its organisation."""
    sees = seen is not None and seen.client_id == client.pk and can_see_episode(user, seen)
    return (sees or visible_clients(user).filter(pk=client.pk).exists()) and episode_teams(
        user, client.organisation
    ).exists()


def may_change_episode(user: User, episode: Episode) -> bool:
    """Whether the user may change the episode's care team and measurement plan, transfer it or
    end it: its care team, and the supervisors of its team (who see it anyway); an administrator
    where they see the episode's clinical record (``visible_episodes``)."""
    if not _is_staff_user(user) or not can_see_episode(user, episode):
        return False
    if is_on_care_team(user, episode):
        return True
    if supervised_teams(user).filter(pk=episode.team_id).exists():
        return True
    return administered_organisations(user).filter(pk=episode.team.organisation_id).exists()


def sees_transfer_result(user: User, episode: Episode) -> bool:
    """Whether a transfer's answer may be the new episode it opened (``episode``): for whoever
    sees it, and for the person who made the transfer (who may have handed the client to a team
    they do not see). Someone else on the old care team who sends the transfer again is
    answered with the old, ended episode: the new one is not theirs to read."""
    if not _is_staff_user(user):
        return False
    opened_by = episode.history[0].get("by") if episode.history else None
    made_it = episode.continues_id is not None and opened_by == user.pk
    return made_it or can_see_episode(user, episode)


def plan_default_teams(user: User) -> QuerySet[Team]:
    """Teams whose default measurement plans the user may set: every team of the organisations
    they administer, and the teams they supervise."""
    if not _is_staff_user(user):
        return Team.objects.none()
    return (
        Team.objects.filter(
            Q(organisation__in=administered_organisations(user))
            | Q(pk__in=supervised_teams(user).values("pk"))
        )
        .select_related("organisation")
        .order_by("organisation__name", "name", "pk")
    )


def may_set_plan_defaults(user: User, team: Team) -> bool:
    """An administrator of the team's organisation, or the team's supervisor."""
    return plan_default_teams(user).filter(pk=team.pk).exists()


def team_staff(team: Team) -> QuerySet[User]:
    """The people who may be on a care team of the team's episodes: its clinicians,
    prescribers and supervisors."""
    works_in = Membership.objects.filter(user=OuterRef("pk"), team=team, role__in=TEAM_ROLES)
    return User.objects.filter(Exists(works_in), is_active=True).order_by(
        "last_name", "first_name", "username"
    )


def trajectory_organisations(user: User) -> QuerySet[Organisation]:
    """Organisations whose trajectory models the user may see: those they administer and
    those with a team they supervise."""
    teams = supervised_teams(user)
    administered = administered_organisations(user)
    return (
        Organisation.objects.filter(Q(pk__in=administered.values("pk")) | Q(teams__in=teams))
        .distinct()
        .order_by("name", "pk")
    )


def may_refit_trajectories(user: User, organisation: Organisation) -> bool:
    """Only an organisation's administrators refit and choose the model in use."""
    return administered_organisations(user).filter(pk=organisation.pk).exists()
