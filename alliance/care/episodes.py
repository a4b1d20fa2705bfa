"""Episodes of care: opening one, its care team, transfer, ending and its measurement plan
(issue 11, point 2; docs/care.md "Episodes: the lifecycle").

Every write is one transaction, checks who asks (``alliance.access``), refuses bad input with a
``ValidationError`` naming the field and the values allowed (nothing stored), and keeps what it
replaces in ``Episode.history``. A repeated call with the same input (a double tap) changes
nothing and answers with the same episode.
"""

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance import access
from alliance.accounts.models import Team, User
from alliance.care import appointments, hooks, plans
from alliance.care.models import (
    KINDS_TAKEN,
    CancelledBy,
    CareRole,
    CareTeamMember,
    Client,
    Ending,
    Episode,
    Session,
    SessionStatus,
    Setting,
)
from alliance.measures import catalogue
from alliance.science.plans import PlanItem

__all__ = [
    "TRANSFER_MODES",
    "care_team_set",
    "episode_end",
    "episode_open",
    "episode_plan_set",
    "episode_transfer",
    "team_plan_set",
]

CareTeam = Sequence[tuple[User, str]]
PlanInput = Iterable[PlanItem | Mapping[str, Any]] | None

TRANSFER_NEW_EPISODE = "new_episode"
TRANSFER_CARE_TEAM = "care_team"
TRANSFER_MODES = (TRANSFER_NEW_EPISODE, TRANSFER_CARE_TEAM)
"""A transfer ends the episode as transferred and opens a new one continuing it, or changes
the care team of the same episode: the clinic chooses."""

NOTE_MAX = 500


def _note(note: str) -> str:
    text = (note or "").strip()
    if len(text) > NOTE_MAX:
        raise ValidationError(
            {"note": _("Keep the note to %(n)d characters or fewer.") % {"n": NOTE_MAX}}
        )
    return text


def _entry(by: User, what: str, before: Any, after: Any, note: str = "") -> dict[str, Any]:
    return {
        "at": timezone.now().isoformat(),
        "by": by.pk,
        "what": what,
        "before": before,
        "after": after,
        "note": note,
    }


def _choose_one(field: str, value: object, allowed: Iterable[str]) -> str:
    allowed = list(allowed)
    if value not in allowed:
        raise ValidationError(
            {
                field: _("%(value)s is not allowed; choose one of %(allowed)s.")
                % {"value": value or '""', "allowed": ", ".join(allowed)}
            }
        )
    return str(value)


def _date(field: str, value: object) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValidationError({field: _("Give a date (YYYY-MM-DD).")})
    return value


def _name(user: User) -> str:
    return user.get_full_name() or user.username


def _check_care_team(team: Team, care_team: CareTeam) -> list[tuple[User, str]]:
    """The care team, refusing a role not offered, a member not on the team's staff, a member
    named twice, and anything but exactly one primary therapist."""
    staff = {user.pk: user for user in access.team_staff(team)}
    staff_names = ", ".join(_name(user) for user in staff.values()) or _("nobody yet")
    checked: list[tuple[User, str]] = []
    seen: set[int] = set()
    errors: list[str] = []
    for member, role in care_team:
        if role not in CareRole.values:
            errors.append(
                _("%(role)s is not a care-team role; choose one of %(allowed)s.")
                % {"role": role or '""', "allowed": ", ".join(CareRole.values)}
            )
            continue
        if getattr(member, "pk", None) not in staff:
            errors.append(
                _("%(name)s is not on the staff of %(team)s; choose from %(staff)s.")
                % {"name": member, "team": team.name, "staff": staff_names}
            )
            continue
        if member.pk in seen:
            errors.append(_("%(name)s is named twice; name each member once.") % {"name": member})
            continue
        seen.add(member.pk)
        checked.append((staff[member.pk], role))
    primaries = sum(1 for _member, role in checked if role == CareRole.PRIMARY_THERAPIST)
    if not errors and primaries != 1:
        errors.append(
            _("Name exactly one primary therapist (role %(role)s); this care team has %(n)d.")
            % {"role": CareRole.PRIMARY_THERAPIST.value, "n": primaries}
        )
    if errors:
        raise ValidationError({"care_team": errors})
    return checked


def _care_team_rows(episode: Episode) -> list[dict[str, Any]]:
    rows = episode.care_team.order_by("pk").values_list("member_id", "role")
    return sorted(({"member": member, "role": role} for member, role in rows), key=_by_member)


def _by_member(row: Mapping[str, Any]) -> tuple[int, str]:
    return (int(row["member"]), str(row["role"]))


def _as_rows(care_team: Sequence[tuple[User, str]]) -> list[dict[str, Any]]:
    return sorted(({"member": m.pk, "role": r} for m, r in care_team), key=_by_member)


def _plan(items: PlanInput) -> list[PlanItem]:
    """Plan items from ``PlanItem`` values or form/API dicts, each measure checked."""
    if items is None:
        return []
    listed = list(items)
    entries = [
        {name: getattr(item, name) for name in plans.PLAN_FIELDS}
        if isinstance(item, PlanItem)
        else item
        for item in listed
    ]
    return plans.check_items(entries)


def _primary(plan: Sequence[PlanItem], kind: str, given: str | None, default: str) -> str:
    """The episode's primary measure of this kind: the one given, else the plan's first
    measure of the kind, else the usual default."""
    if given:
        return given
    instruments = catalogue.instruments()
    for item in plan:
        instrument = instruments.get(item.instrument)
        if instrument is not None and instrument.kind in KINDS_TAKEN[kind]:
            return item.instrument
    return default


def _refuse_ended(episode: Episode) -> None:
    if episode.ended_on is not None:
        raise ValidationError(
            {
                "episode": _(
                    "This episode ended on %(day)s; open a new episode for the client instead."
                )
                % {"day": episode.ended_on.isoformat()}
            }
        )


def _may_change(by: User, episode: Episode) -> None:
    if not access.may_change_episode(by, episode):
        raise PermissionDenied(
            _("Only the episode's care team and its team's supervisors may change it.")
        )


@transaction.atomic
def episode_open(
    *,
    client: Client,
    team: Team,
    setting: str,
    started_on: dt.date,
    care_team: CareTeam,
    by: User,
    measurement_plan: PlanInput = None,
    outcome_measure: str | None = None,
    alliance_measure: str | None = None,
    share_progress_with_client: bool = False,
    continues: Episode | None = None,
    note: str = "",
) -> Episode:
    """Open an episode of care for the client.

    ``care_team`` lists (member, role) pairs: members from the team's staff, exactly one primary
    therapist. ``measurement_plan`` lists plan items (``PlanItem`` or dicts with
    ``plans.PLAN_FIELDS``); when not given the team's default plan for the setting is used
    (``plans.default_plan``). The primary measures, when not given, are the plan's first outcome
    (or goal) measure and first alliance measure. ``by`` must be allowed to open an episode for
    the client (``access.may_open_episode``) in this team (``access.episode_teams``), except on
    a transfer (``continues``), which ``episode_transfer`` has checked.

    Refuses, naming the field: a team of another organisation than the client's, a team the user
    may not open episodes in, a setting not offered, a start that is not a date, a care team
    without exactly one primary therapist or with someone off the team's staff, a measure not
    installed, a zero or negative interval. An open episode of the same client, team, setting
    and start (a double tap) is answered as it is, and nothing new stored.
    """
    if continues is None and not access.may_open_episode(by, client):
        raise PermissionDenied(_("You may not open an episode for this client."))
    if team.organisation_id != client.organisation_id:
        raise ValidationError(
            {
                "client": _(
                    "The client belongs to another organisation than the team %(team)s; choose "
                    "a client and a team of the same organisation."
                )
                % {"team": team.name}
            }
        )
    if continues is None:
        teams = access.episode_teams(by, client.organisation)
        if not teams.filter(pk=team.pk).exists():
            raise ValidationError(
                {
                    "team": _("You may open episodes in %(allowed)s only.")
                    % {"allowed": ", ".join(t.name for t in teams)}
                }
            )
    setting = _choose_one("setting", setting, Setting.values)
    started_on = _date("started_on", started_on)
    note = _note(note)
    members = _check_care_team(team, care_team)
    plan = _plan(measurement_plan) if measurement_plan is not None else None
    # Two taps (or two people) opening the same episode take turns here.
    Client.objects.select_for_update().get(pk=client.pk)
    if continues is None:
        repeated = (
            Episode.objects.filter(
                client=client,
                team=team,
                setting=setting,
                started_on=started_on,
                ended_on__isnull=True,
            )
            .order_by("pk")
            .first()
        )
        if repeated is not None and _care_team_rows(repeated) == _as_rows(members):
            return repeated
    if plan is None:
        plan = plans.default_plan(team, setting)
    episode = Episode(
        client=client,
        team=team,
        setting=setting,
        started_on=started_on,
        outcome_measure=_primary(plan, "outcome", outcome_measure, "ors"),
        alliance_measure=_primary(plan, "alliance", alliance_measure, "srs"),
        share_progress_with_client=share_progress_with_client,
        continues=continues,
    )
    episode.full_clean(exclude=["client", "team", "continues", "history"])
    episode.history = [
        _entry(
            by,
            "opened",
            None,
            {
                "team": team.pk,
                "setting": setting,
                "started_on": started_on.isoformat(),
                "care_team": _as_rows(members),
                "continues": continues.pk if continues else None,
            },
            note,
        )
    ]
    episode.save()
    CareTeamMember.objects.bulk_create(
        CareTeamMember(episode=episode, member=member, role=role, joined_on=started_on)
        for member, role in members
    )
    plans.plan_set(episode=episode, items=plan, by=by, note=_("the plan at opening"))
    hooks.episode_summaries_refresh([episode])
    return episode


def _lock(episode: Episode) -> Episode:
    return (
        Episode.objects.select_for_update(of=("self",))
        .select_related("team", "client")
        .get(pk=episode.pk)
    )


@transaction.atomic
def care_team_set(
    *, episode: Episode, care_team: CareTeam, by: User, note: str = "", what: str = "care_team"
) -> Episode:
    """Replace the episode's care team (members from its team's staff, exactly one primary
    therapist), keeping the one it replaces in ``Episode.history``. Members who stay keep the
    day they joined. The same care team again changes nothing."""
    _may_change(by, episode)
    locked = _lock(episode)
    _refuse_ended(locked)
    note = _note(note)
    members = _check_care_team(locked.team, care_team)
    before, after = _care_team_rows(locked), _as_rows(members)
    if before == after:
        return locked
    joined = dict(locked.care_team.values_list("member_id", "joined_on"))
    locked.care_team.all().delete()
    today = timezone.localdate()
    CareTeamMember.objects.bulk_create(
        CareTeamMember(
            episode=locked, member=member, role=role, joined_on=joined.get(member.pk, today)
        )
        for member, role in members
    )
    locked.history = [*locked.history, _entry(by, what, before, after, note)]
    locked.save(update_fields=["history"])
    return locked


def _last_contact(episode: Episode) -> dt.date:
    seen = (
        Session.objects.filter(episode=episode, status=SessionStatus.ATTENDED)
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    return timezone.localdate(seen) if seen else episode.started_on


@transaction.atomic
def episode_end(
    *,
    episode: Episode,
    ending: str,
    by: User,
    ended_on: dt.date | None = None,
    note: str = "",
) -> Episode:
    """End the episode with one of ``Ending`` on ``ended_on`` (today when not given; for a
    ghosted ending, the last attended session, as ``close_ghosted_episodes`` dates it). Refuses
    an ending not offered, an end before the start or in the future, and a second, different
    ending; the same ending again changes nothing."""
    _may_change(by, episode)
    locked = _lock(episode)
    ending = _choose_one("ending", ending, Ending.values)
    note = _note(note)
    if ended_on is None:
        ended_on = _last_contact(locked) if ending == Ending.GHOSTED else timezone.localdate()
    ended_on = _date("ended_on", ended_on)
    if locked.ended_on is not None:
        if (locked.ended_on, locked.ending) == (ended_on, ending):
            return locked
        raise ValidationError(
            {
                "ending": _("This episode already ended on %(day)s (%(ending)s).")
                % {"day": locked.ended_on.isoformat(), "ending": locked.get_ending_display()}
            }
        )
    if ended_on < locked.started_on:
        raise ValidationError(
            {
                "ended_on": _("The end cannot be before the start (%(start)s).")
                % {"start": locked.started_on.isoformat()}
            }
        )
    if ended_on > timezone.localdate():
        raise ValidationError(
            {"ended_on": _("The end cannot be in the future; give today or an earlier day.")}
        )
    locked.ended_on, locked.ending = ended_on, ending
    locked.history = [
        *locked.history,
        _entry(
            by,
            "ending",
            {"ended_on": None, "ending": ""},
            {"ended_on": ended_on.isoformat(), "ending": ending},
            note,
        ),
    ]
    locked.save(update_fields=["ended_on", "ending", "history"])
    _cancel_bookings(locked, by)
    hooks.episode_summaries_refresh([locked])
    return locked


def _cancel_bookings(episode: Episode, by: User) -> None:
    """An ended episode keeps no booked sessions: each still booked is cancelled by the clinic
    with the reason, kept in its history, and its planned reminders are cancelled, so neither
    the day view nor the client is told of a session that will not happen."""
    booked = list(
        Session.objects.select_for_update().filter(episode=episode, status=SessionStatus.SCHEDULED)
    )
    if not booked:
        return
    reason = _("The episode ended (%(ending)s).") % {"ending": episode.get_ending_display()}
    for session in booked:
        appointments.session_history_keep(session, what="cancelled", by=by, reason=reason)
        session.status, session.cancelled_by, session.reason, session.number = (
            SessionStatus.CANCELLED,
            CancelledBy.CLINIC,
            reason[:300],
            None,
        )
        session.save(update_fields=["status", "cancelled_by", "reason", "number", "history"])
    appointments.sessions_renumber(episode)
    appointments.plan_messages(episode)


@transaction.atomic
def episode_transfer(
    *,
    episode: Episode,
    mode: str,
    care_team: CareTeam,
    by: User,
    team: Team | None = None,
    on: dt.date | None = None,
    measurement_plan: PlanInput = None,
    note: str = "",
) -> Episode:
    """Transfer the episode to another clinician or team, in one of ``TRANSFER_MODES``:

    - ``new_episode``: the episode ends as transferred on ``on`` (today when not given) and a
      new one starts that day for the same client and setting, continuing it
      (``Episode.continues``), in ``team`` (the same team when not given; any team of the
      organisation) with ``care_team`` and the old episode's plan (or ``measurement_plan``).
      Answers with the new episode.
    - ``care_team``: the same episode gets ``care_team`` (its team stays: a move to another
      team is a new episode). Answers with the episode.

    A repeated transfer (the old episode already ended as transferred and continued) answers
    with the episode that continues it."""
    _may_change(by, episode)
    mode = _choose_one("mode", mode, TRANSFER_MODES)
    locked = _lock(episode)
    if mode == TRANSFER_CARE_TEAM:
        if team is not None and team.pk != locked.team_id:
            raise ValidationError(
                {
                    "team": _(
                        "A transfer to another team starts a new episode: choose mode "
                        "%(mode)s, or keep the team %(team)s."
                    )
                    % {"mode": TRANSFER_NEW_EPISODE, "team": locked.team.name}
                }
            )
        return care_team_set(episode=locked, care_team=care_team, by=by, note=note, what="transfer")
    if locked.ending == Ending.TRANSFERRED:
        following = Episode.objects.filter(continues=locked).first()
        if following is not None:
            return following
    _refuse_ended(locked)
    target = team or locked.team
    if target.organisation_id != locked.team.organisation_id:
        raise ValidationError(
            {"team": _("Choose a team of the same organisation as the episode's.")}
        )
    on = _date("on", on or timezone.localdate())
    if measurement_plan is None:
        measurement_plan = plans.episode_plan(locked)
    ended = episode_end(episode=locked, ending=Ending.TRANSFERRED, ended_on=on, by=by, note=note)
    return episode_open(
        client=locked.client,
        team=target,
        setting=locked.setting,
        started_on=on,
        care_team=care_team,
        by=by,
        measurement_plan=measurement_plan,
        outcome_measure=locked.outcome_measure,
        alliance_measure=locked.alliance_measure,
        share_progress_with_client=locked.share_progress_with_client,
        continues=ended,
        note=note,
    )


@transaction.atomic
def episode_plan_set(
    *, episode: Episode, measurement_plan: PlanInput, by: User, note: str = ""
) -> Episode:
    """Change one episode's measurement plan (``plans.plan_set``, history kept), refusing a
    measure not installed, a zero or negative interval, a measure listed twice or an empty
    plan. Sessions already started keep the measures that were due then."""
    _may_change(by, episode)
    locked = _lock(episode)
    _refuse_ended(locked)
    items = _plan(measurement_plan)
    plans.plan_set(episode=locked, items=items, by=by, note=_note(note))
    return locked


@transaction.atomic
def team_plan_set(*, team: Team, setting: str, measurement_plan: PlanInput, by: User) -> None:
    """Set a team's default plan for one setting (``plans.plan_default_set``): new episodes of
    the team and setting start from it. Only an administrator of the organisation or the team's
    supervisor may (``access.may_set_plan_defaults``)."""
    if not access.may_set_plan_defaults(by, team):
        raise PermissionDenied(
            _("Only the organisation's administrators and the team's supervisors set its plans.")
        )
    setting = _choose_one("setting", setting, Setting.values)
    items = _plan(measurement_plan)
    Team.objects.select_for_update().get(pk=team.pk)
    plans.plan_default_set(team=team, setting=setting, items=items)
