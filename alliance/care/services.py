"""Writes for episodes of care and the alliance work recorded in them (goals, goal ratings,
tasks, ruptures, reflections). Every write checks its input and raises ``ValidationError`` naming
the field and the allowed values; edits keep what was there before."""

import datetime as dt
import secrets
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance import access
from alliance.accounts.models import Organisation, User
from alliance.care.models import (
    MAX_ACTIVE_GOALS,
    Client,
    Ending,
    Episode,
    Goal,
    GoalRating,
    GoalStatus,
    GoalVersion,
    NoticedBy,
    Reflection,
    Resolution,
    Rupture,
    Session,
    SessionStatus,
    Task,
    TaskOutcome,
)
from alliance.clinical_settings import clinical_settings
from alliance.measures import catalogue
from alliance.science import ruptures
from alliance.science.engagement import no_contact


@transaction.atomic
def episodes_close_ghosted(*, today: dt.date, after_days: int | None = None) -> list[Episode]:
    """Close, as "ghosted", every open episode whose client has not been seen for more than
    ``after_days`` (the setting ``GHOSTED_AFTER_DAYS``). The ending date is the last contact."""
    limit = after_days or clinical_settings().ghosted_after_days
    last_attended = Session.objects.filter(
        episode=OuterRef("pk"), status=SessionStatus.ATTENDED
    ).order_by("-starts_at")
    candidates = (
        Episode.objects.select_for_update()
        .filter(ended_on__isnull=True)
        .annotate(last_attended=Subquery(last_attended.values("starts_at")[:1]))
    )
    closed: list[Episode] = []
    for episode in candidates:
        seen = episode.last_attended
        last_contact = timezone.localdate(seen) if seen else episode.started_on
        verdict = no_contact(last_contact, today, after_days=limit)
        if verdict.ghosted:
            episode.ended_on, episode.ending = verdict.ended_on, Ending.GHOSTED
            closed.append(episode)
    Episode.objects.bulk_update(closed, ["ended_on", "ending"])
    return closed


# The alliance work --------------------------------------------------------------------------

GOAL_TEXT_MAX = 500
TASK_TEXT_MAX = 500
NOTE_MAX = 2000


def _words(value: str, field: str, *, limit: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: _("Write a few words here; it cannot be empty.")})
    if len(text) > limit:
        raise ValidationError(
            {field: _("Keep it to %(limit)d characters or fewer.") % {"limit": limit}}
        )
    return text


def _one_of(value: str, field: str, allowed: Iterable[str]) -> str:
    allowed = list(allowed)
    if value not in allowed:
        raise ValidationError(
            {
                field: _("%(value)r is not allowed; choose one of %(allowed)s.")
                % {"value": value, "allowed": ", ".join(allowed)}
            }
        )
    return value


def _codes(
    check: Callable[[Iterable[str]], tuple[str, ...]], codes: Iterable[str], field: str
) -> list[str]:
    try:
        return list(check(codes))
    except ValueError as error:
        raise ValidationError({field: str(error)}) from None


def _same_episode(session: Session | None, episode_id: int, field: str = "session") -> None:
    if session is not None and session.episode_id != episode_id:
        raise ValidationError({field: _("Choose a session of this client's episode.")})


def _snapshot(instance: Model, fields: Iterable[str], by: User) -> dict[str, Any]:
    """The values about to be replaced, with who replaced them and when."""
    values = {field: getattr(instance, field) for field in fields}
    return {**values, "replaced_at": timezone.now().isoformat(), "replaced_by": by.pk}


def _check_room_for_a_goal(episode: Episode) -> None:
    active = Goal.objects.filter(episode=episode, status=GoalStatus.ACTIVE).count()
    if active >= MAX_ACTIVE_GOALS:
        raise ValidationError(
            _(
                "This client already has %(n)d active goals, the most that are rated each "
                "session. Mark one achieved, changed or dropped first."
            )
            % {"n": MAX_ACTIVE_GOALS}
        )


def _keep_goal_version(goal: Goal, *, by: User, note: str) -> None:
    GoalVersion.objects.create(
        goal=goal,
        version=goal.version,
        text=goal.text,
        agreed=goal.agreed,
        status=goal.status,
        note=note[:300],
        recorded_by=by,
    )


@transaction.atomic
def goal_add(
    *, episode: Episode, text: str, agreed: bool, by: User, session: Session | None = None
) -> Goal:
    """Record a goal in the client's own words (stored as said, only trimmed), with its first
    version. At most ``MAX_ACTIVE_GOALS`` goals are active at once."""
    _same_episode(session, episode.pk)
    # Locking the episode makes two simultaneous additions take turns at the three-goal rule.
    locked = Episode.objects.select_for_update().get(pk=episode.pk)
    _check_room_for_a_goal(locked)
    goal = Goal.objects.create(
        episode=locked,
        text=_words(text, "text", limit=GOAL_TEXT_MAX),
        agreed=agreed,
        set_in=session,
        created_by=by,
    )
    _keep_goal_version(goal, by=by, note="")
    return goal


@transaction.atomic
def goal_update(
    *,
    goal: Goal,
    by: User,
    text: str | None = None,
    agreed: bool | None = None,
    status: str | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> Goal:
    """Change a goal's wording, agreement or status (active, achieved, dropped), keeping every
    earlier version. A goal that changes into another goes through :func:`goal_replace`.

    ``expected_version`` is the version the person's form showed: when someone else saved the
    goal since, the change is refused rather than silently undoing theirs."""
    locked = Goal.objects.select_for_update().get(pk=goal.pk)
    _check_goal_version(locked, expected_version)
    changes = _goal_changes(locked, text=text, agreed=agreed, status=status)
    if not changes:
        return locked
    if changes.get("status") == GoalStatus.ACTIVE:
        if hasattr(locked, "replaced_by"):
            raise ValidationError(
                {"status": _("This goal changed into another one; edit the new goal instead.")}
            )
        _check_room_for_a_goal(Episode.objects.select_for_update().get(pk=locked.episode_id))
    for field, value in changes.items():
        setattr(locked, field, value)
    locked.version += 1
    locked.save(update_fields=[*changes, "version"])
    _keep_goal_version(locked, by=by, note=note.strip())
    return locked


def _check_goal_version(goal: Goal, expected_version: int | None) -> None:
    # Two clinicians with the same goal open: the second save would put back the wording its
    # form was loaded with. Both versions would be in the history, but the first person's change
    # would be undone without anyone noticing; so the second person is asked to look first.
    if expected_version is not None and expected_version != goal.version:
        raise ValidationError(
            _(
                "Someone else saved this goal while you had it open (it is now version "
                "%(now)s; you started from version %(then)s). Their version is in the history "
                "below and your words are still in the form: check, then save again."
            ),
            code="stale",
            params={"now": goal.version, "then": expected_version},
        )


def _goal_changes(
    goal: Goal, *, text: str | None, agreed: bool | None, status: str | None
) -> dict[str, object]:
    changes: dict[str, object] = {}
    if text is not None and (clean := _words(text, "text", limit=GOAL_TEXT_MAX)) != goal.text:
        changes["text"] = clean
    if agreed is not None and agreed != goal.agreed:
        changes["agreed"] = agreed
    if status is not None and status != goal.status:
        allowed = [GoalStatus.ACTIVE, GoalStatus.ACHIEVED, GoalStatus.DROPPED]
        changes["status"] = _one_of(status, "status", allowed)
    return changes


@transaction.atomic
def goal_replace(
    *,
    goal: Goal,
    text: str,
    agreed: bool,
    by: User,
    note: str = "",
    session: Session | None = None,
    expected_version: int | None = None,
) -> Goal:
    """The client's goal has changed into another: the old goal is marked "changed" (its
    history kept) and the new one, in the client's words, replaces it. Returns the new goal."""
    _same_episode(session, goal.episode_id)
    locked = Goal.objects.select_for_update().get(pk=goal.pk)
    _check_goal_version(locked, expected_version)
    if locked.status != GoalStatus.ACTIVE:
        raise ValidationError({"status": _("Only an active goal can change into another.")})
    new_text = _words(text, "new_text", limit=GOAL_TEXT_MAX)
    locked.status = GoalStatus.CHANGED
    locked.version += 1
    locked.save(update_fields=["status", "version"])
    _keep_goal_version(locked, by=by, note=note.strip())
    new = Goal.objects.create(
        episode_id=locked.episode_id,
        text=new_text,
        agreed=agreed,
        set_in=session,
        replaces=locked,
        created_by=by,
    )
    _keep_goal_version(new, by=by, note=note.strip())
    return new


def goal_rating_value(value: object, field: str = "rating") -> int:
    """A goal rating as a whole number on the GBO scale from its instrument file (0 to 10)."""
    scale = catalogue.instrument("gbo").scored_items[0].scale
    try:
        number = float(str(value).strip())
    except ValueError:
        number = float("nan")
    if not (scale.min <= number <= scale.max and number.is_integer()):
        raise ValidationError(
            {
                field: _("Give a whole number from %(low)g to %(high)g, got %(value)s.")
                % {"low": scale.min, "high": scale.max, "value": value}
            }
        )
    return int(number)


@transaction.atomic
def goal_ratings_record(
    *, session: Session, ratings: Mapping[int, object], by: User
) -> list[GoalRating]:
    """Store this session's rating for each goal in ``ratings`` (goal id -> 0-10). Rating a goal
    again in the same session corrects it and keeps the earlier value. A fixed number of queries
    whatever the number of goals."""
    goals = Goal.objects.in_bulk(list(ratings))
    for goal_id in ratings:
        goal = goals.get(goal_id)
        if goal is None or goal.episode_id != session.episode_id:
            raise ValidationError({"goal": _("Rate only this client's goals.")})
    values = {goal_id: goal_rating_value(v, f"goal_{goal_id}") for goal_id, v in ratings.items()}
    stored = {
        rating.goal_id: rating
        for rating in GoalRating.objects.select_for_update().filter(
            session=session, goal_id__in=values
        )
    }
    changed, new = [], []
    for goal_id, value in values.items():
        rating = stored.get(goal_id)
        if rating is None:
            new.append(GoalRating(goal_id=goal_id, session=session, rating=value, recorded_by=by))
        elif rating.rating != value:
            rating.earlier = [*rating.earlier, _snapshot(rating, ["rating"], by)]
            rating.rating, rating.recorded_by = value, by
            rating.recorded_at = timezone.now()
            changed.append(rating)
    GoalRating.objects.bulk_create(new)
    GoalRating.objects.bulk_update(changed, ["rating", "earlier", "recorded_by", "recorded_at"])
    return [*new, *changed]


@transaction.atomic
def task_agree(
    *,
    session: Session,
    what: str,
    client_agreed: bool,
    by: User,
    goal: Goal | None = None,
    rationale: str = "",
) -> Task:
    """Record a task agreed in a session: what it is, the goal it serves and why, and whether
    the client agreed to it."""
    active = Goal.objects.filter(episode_id=session.episode_id, status=GoalStatus.ACTIVE)
    if goal is not None and not active.filter(pk=goal.pk).exists():
        raise ValidationError({"goal": _("Choose one of this client's active goals, or none.")})
    return Task.objects.create(
        episode_id=session.episode_id,
        agreed_in=session,
        what=_words(what, "what", limit=TASK_TEXT_MAX),
        goal=goal,
        rationale=_words(rationale, "rationale", limit=1000, required=False),
        client_agreed=client_agreed,
        created_by=by,
    )


@transaction.atomic
def task_review(*, task: Task, session: Session, outcome: str, by: User, note: str = "") -> Task:
    """Record what came of a task (done, partly, not done) at the session it was agreed in or a
    later one. Reviewing it again keeps the earlier review in ``history``."""
    allowed = [TaskOutcome.DONE, TaskOutcome.PARTLY, TaskOutcome.NOT_DONE]
    _one_of(outcome, "outcome", allowed)
    locked = (
        Task.objects.select_for_update(of=("self",)).select_related("agreed_in").get(pk=task.pk)
    )
    _same_episode(session, locked.episode_id)
    # By date (the order of the numbers): a cancelled or withdrawn session has no number.
    if (session.starts_at, session.pk) < (locked.agreed_in.starts_at, locked.agreed_in.pk):
        raise ValidationError(
            {
                "session": _("Review a task in session %(n)d, where it was agreed, or later.")
                % {"n": locked.agreed_in.number}
            }
        )
    fields = ["outcome", "reviewed_in_id", "review_note"]
    if locked.outcome != TaskOutcome.NOT_REVIEWED:
        locked.history = [*locked.history, _snapshot(locked, fields, by)]
    locked.outcome, locked.reviewed_in = outcome, session
    locked.review_note = _words(note, "note", limit=1000, required=False)
    locked.save(update_fields=["outcome", "reviewed_in", "review_note", "history"])
    return locked


def _rupture_fields(
    *,
    markers: Iterable[str],
    noticed_by: str,
    strategies: Iterable[str],
    resolution: str,
    note: str,
) -> dict[str, object]:
    return {
        "markers": _codes(ruptures.check_markers, markers, "markers"),
        "noticed_by": _one_of(noticed_by, "noticed_by", NoticedBy.values),
        "strategies": _codes(ruptures.check_strategies, strategies, "strategies"),
        "resolution": _one_of(resolution, "resolution", Resolution.values),
        "note": _words(note, "note", limit=NOTE_MAX, required=False),
    }


@transaction.atomic
def rupture_record(
    *,
    session: Session,
    markers: Iterable[str],
    noticed_by: str,
    strategies: Iterable[str],
    resolution: str,
    by: User,
    note: str = "",
) -> Rupture:
    """Record a rupture noticed in a session: its 3RS markers, who noticed, the repair strategies
    used and whether it was resolved. Codes are checked against ``alliance.science.ruptures``."""
    fields = _rupture_fields(
        markers=markers,
        noticed_by=noticed_by,
        strategies=strategies,
        resolution=resolution,
        note=note,
    )
    return Rupture.objects.create(session=session, recorded_by=by, **fields)


@transaction.atomic
def rupture_update(
    *,
    rupture: Rupture,
    markers: Iterable[str],
    noticed_by: str,
    strategies: Iterable[str],
    resolution: str,
    by: User,
    note: str = "",
) -> Rupture:
    """Correct a rupture or record later repair (e.g. resolved at the next session), keeping the
    earlier version in ``history``."""
    fields = _rupture_fields(
        markers=markers,
        noticed_by=noticed_by,
        strategies=strategies,
        resolution=resolution,
        note=note,
    )
    locked = Rupture.objects.select_for_update().get(pk=rupture.pk)
    if all(getattr(locked, name) == value for name, value in fields.items()):
        return locked
    locked.history = [*locked.history, _snapshot(locked, fields, by)]
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=[*fields, "history"])
    return locked


@transaction.atomic
def reflection_save(
    *, session: Session, author: User, experiences: Iterable[str], text: str
) -> Reflection:
    """Write or rewrite the author's own reflection on a session (one per author and session);
    a rewrite keeps the earlier version in ``history``."""
    chosen = _codes(ruptures.check_experiences, experiences, "experiences")
    words = _words(text, "text", limit=4000, required=False)
    if not chosen and not words:
        raise ValidationError(_("Choose at least one feeling from the list or write a few words."))
    reflection, created = Reflection.objects.select_for_update().get_or_create(
        session=session, author=author, defaults={"experiences": chosen, "text": words}
    )
    if created or (reflection.experiences, reflection.text) == (chosen, words):
        return reflection
    reflection.history = [
        *reflection.history,
        _snapshot(reflection, ["experiences", "text"], author),
    ]
    reflection.experiences, reflection.text = chosen, words
    reflection.save(update_fields=["experiences", "text", "history", "updated_at"])
    return reflection


# Intake (issue 11) -------------------------------------------------------------------------


CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I, read out over the phone
CODE_LENGTH = 6


def client_code_suggest(organisation: Organisation) -> str:
    """A pseudonymous code not yet used in the organisation, e.g. ``K7M2QX``: random, so it
    says nothing about the person or the order they came in."""
    taken = Client.objects.filter(organisation=organisation)
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
        if not taken.filter(code=code).exists():
            return code


def likely_duplicates(
    *, organisation: Organisation, display_name: str, birth_year: int | None
) -> list[Client]:
    """Clients of the organisation with the same display name (ignoring case and spaces at the
    ends) and the same birth year: probably the same person, added before."""
    name = display_name.strip()
    if not name or birth_year is None:
        return []
    return list(
        Client.objects.filter(
            organisation=organisation, display_name__iexact=name, birth_year=birth_year
        ).order_by("pk")
    )


@transaction.atomic
def client_create(
    *,
    organisation: Organisation,
    by: User,
    code: str,
    display_name: str,
    age_group: str,
    birth_year: int | None = None,
    email: str = "",
    phone: str = "",
    consents_to_email: bool = False,
    consents_to_sms: bool = False,
    contact_consent_on: dt.date | None = None,
    preferred_language: str = "",
    confirm_likely_duplicate: bool = False,
) -> Client:
    """Add a client at intake. ``by`` must hold a role in the organisation. Refuses, naming the
    field: a code already used in the organisation, a consent without its date or without the
    address it is for, a language the site does not offer, and (unless
    ``confirm_likely_duplicate``) a client with the same name and birth year as one already
    there. Nothing is stored when anything is refused."""
    if not access.intake_organisations(by).filter(pk=organisation.pk).exists():
        raise ValidationError(
            {"organisation": _("You can add clients only to an organisation you work in.")}
        )
    # Two people adding the same code or the same person at once take turns at the checks.
    Organisation.objects.select_for_update().get(pk=organisation.pk)
    code = code.strip()
    errors: dict[str, str] = {}
    if not code:
        errors["code"] = _("Give the client a pseudonymous code.")
    elif Client.objects.filter(organisation=organisation, code__iexact=code).exists():
        errors["code"] = _(
            "The code %(code)s is already used in this organisation; choose another."
        ) % {"code": code}
    if (consents_to_email or consents_to_sms) and contact_consent_on is None:
        errors["contact_consent_on"] = _("Give the date the client consented to be contacted.")
    if contact_consent_on is not None and contact_consent_on > timezone.localdate():
        errors["contact_consent_on"] = _("The date of consent cannot be in the future.")
    if consents_to_email and not email.strip():
        errors["email"] = _("Give an e-mail address, or untick consent to e-mail.")
    if consents_to_sms and not phone.strip():
        errors["phone"] = _("Give a mobile phone number, or untick consent to text messages.")
    languages = [language for language, _name in settings.LANGUAGES]
    if preferred_language and preferred_language not in languages:
        errors["preferred_language"] = _("Choose a language from: %(allowed)s.") % {
            "allowed": ", ".join(languages)
        }
    if errors:
        raise ValidationError(errors)
    if not confirm_likely_duplicate and likely_duplicates(
        organisation=organisation, display_name=display_name, birth_year=birth_year
    ):
        raise ValidationError(
            _(
                "A client with the same name and birth year is already in this organisation. "
                "Check it is not the same person; to add them anyway, confirm below."
            ),
            code="likely_duplicate",
        )
    client = Client(
        organisation=organisation,
        code=code,
        display_name=display_name.strip(),
        birth_year=birth_year,
        age_group=age_group,
        email=email.strip(),
        phone=phone.strip(),
        consents_to_email=consents_to_email,
        consents_to_sms=consents_to_sms,
        consents_to_electronic_contact=consents_to_email or consents_to_sms,
        contact_consent_on=contact_consent_on,
        preferred_language=preferred_language,
        created_by=by,
    )
    client.full_clean(exclude=["created_by", "organisation"])
    client.save()
    return client
