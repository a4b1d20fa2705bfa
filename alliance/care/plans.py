"""Measurement plans: an episode's measures and when each is due (issue 11, docs/care.md).

The rule of what is due lives in ``alliance.science.plans``; this module reads and writes the
plan rows and answers, for a session, which measures are due and which were due and not given.
An episode without plan rows (one opened before plans existed, or imported) follows its outcome
and alliance measure at every session, as Alliance always did.
"""

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.accounts.models import Team, User
from alliance.care.models import (
    Episode,
    MeasurePlanItem,
    PlanDefault,
    PlanEntry,
    PlanRepeat,
    Session,
    SessionStatus,
    Setting,
)
from alliance.measures import catalogue
from alliance.science import plans as rules
from alliance.science.plans import Phase, PlanItem, Repeat

PLAN_FIELDS = ("instrument", "at_intake", "at_end", "repeat", "interval", "position")


def phases() -> dict[str, Phase]:
    """Each installed instrument's place in the session: alliance measures at the end, every
    other measure at the start."""
    return {
        code: "end" if instrument.kind == "alliance" else "start"
        for code, instrument in catalogue.instruments().items()
    }


def _item(row: PlanEntry) -> PlanItem:
    return PlanItem(
        instrument=row.instrument,
        at_intake=row.at_intake,
        at_end=row.at_end,
        # A CharField with PlanRepeat's choices: the stubs type it str, the choices make it a
        # Repeat.
        repeat=row.repeat,  # type: ignore[arg-type]
        interval=row.interval,
        position=row.position,
    )


def every_session(*codes: str) -> list[PlanItem]:
    """A plan that gives each measure at every session, in the order given."""
    return [
        PlanItem(code, repeat="sessions", interval=1, position=index)
        for index, code in enumerate(dict.fromkeys(codes))
    ]


def episode_plan(episode: Episode) -> list[PlanItem]:
    """The episode's plan; its outcome and alliance measure at every session when it has none.
    Reads ``episode.plan`` (prefetch it for many episodes)."""
    rows = list(episode.plan.all())
    if rows:
        return [_item(row) for row in sorted(rows, key=lambda r: (r.position, r.pk))]
    return every_session(episode.outcome_measure, episode.alliance_measure)


def default_plan(team: Team, setting: str) -> list[PlanItem]:
    """The clinic's default plan for a team and setting; ORS and SRS at every session when the
    clinic set none."""
    rows = PlanDefault.objects.filter(team=team, setting=setting).order_by("position", "pk")
    return [_item(row) for row in rows] or every_session("ors", "srs")


def check_items(entries: Iterable[Mapping[str, Any]]) -> list[PlanItem]:
    """Plan items from form or API input (dicts with the ``PLAN_FIELDS``), refusing an unknown
    measure, a zero or negative interval, a measure listed twice and a measure never given, each
    with a message naming the field and what it allows. Nothing is stored."""
    installed = sorted(catalogue.instruments())
    items: list[PlanItem] = []
    errors: list[str] = []
    for position, entry in enumerate(entries):
        code = str(entry.get("instrument") or "")
        if code not in installed:
            errors.append(
                _("%(code)s is not an installed measure; choose one of %(allowed)s.")
                % {"code": code or '""', "allowed": ", ".join(installed)}
            )
            continue
        # Input: PlanItem refuses a value outside Repeat with a message naming the field.
        repeat: Repeat = entry.get("repeat") or ""
        interval = entry.get("interval")
        try:
            items.append(
                PlanItem(
                    instrument=code,
                    at_intake=bool(entry.get("at_intake")),
                    at_end=bool(entry.get("at_end")),
                    repeat=repeat,
                    interval=None if interval in (None, "") else interval,
                    position=int(entry.get("position", position)),
                )
            )
        except (TypeError, ValueError) as error:
            errors.append(f"measurement_plan ({code}): {error}")
    if not items and not errors:
        errors.append(_("measurement_plan: choose at least one measure."))
    try:
        rules.check_plan(items)
    except ValueError as error:
        errors.append(f"measurement_plan: {error}")
    if errors:
        raise ValidationError({"measurement_plan": errors})
    return items


def _as_dict(item: PlanItem) -> dict[str, Any]:
    return {name: getattr(item, name) for name in PLAN_FIELDS}


@transaction.atomic
def plan_set(*, episode: Episode, items: Sequence[PlanItem], by: User, note: str = "") -> None:
    """Replace the episode's plan, keeping the one it replaces in ``episode.history``. The
    caller checks ``by`` may change the episode (``access``)."""
    locked = Episode.objects.select_for_update().get(pk=episode.pk)
    before = [_as_dict(item) for item in episode_plan(locked)]
    after = [_as_dict(item) for item in rules.check_plan(items)]
    if before == after and locked.plan.exists():
        return
    locked.plan.all().delete()
    for item in items:
        row = MeasurePlanItem(episode=locked, **_as_dict(item))
        row.save()
    locked.history = [
        *locked.history,
        {
            "at": timezone.now().isoformat(),
            "by": by.pk,
            "what": "measurement_plan",
            "before": before,
            "after": after,
            "note": note,
        },
    ]
    locked.save(update_fields=["history"])


@transaction.atomic
def plan_default_set(*, team: Team, setting: str, items: Sequence[PlanItem]) -> None:
    """Replace a team's default plan for one setting. The caller checks the permission."""
    if setting not in Setting.values:
        raise ValidationError(
            {"setting": _("Choose one of %(allowed)s.") % {"allowed": ", ".join(Setting.values)}}
        )
    PlanDefault.objects.filter(team=team, setting=setting).delete()
    for item in rules.check_plan(items):
        PlanDefault(team=team, setting=setting, **_as_dict(item)).save()


def _last_given(session: Session) -> dict[str, dt.date]:
    """When each measure was last answered in the episode before this session."""
    from alliance.measures.models import Response

    rows = (
        Response.objects.filter(session__episode_id=session.episode_id)
        .exclude(session=session)
        .filter(session__starts_at__lt=session.starts_at)
        .values("instrument")
        .annotate(last=Max("session__starts_at"))
    )
    return {row["instrument"]: timezone.localdate(row["last"]) for row in rows}


def due_now(
    session: Session,
    *,
    last_given: Mapping[str, dt.date] | None = None,
    kinds: Mapping[str, Phase] | None = None,
) -> list[str]:
    """The measures due at this session by the episode's current plan, in answering order.
    A session without a number (cancelled, withdrawn) has nothing due.

    ``last_given`` (when each measure was last answered before it) and ``kinds`` (``phases()``)
    may be passed in by a reader of many sessions at once; otherwise they are read here (one
    query for ``last_given``, and only for a plan repeated every N weeks)."""
    if session.number is None or session.status in (
        SessionStatus.CANCELLED,
        SessionStatus.WITHDRAWN,
    ):
        return []
    episode = session.episode
    plan = episode_plan(episode)
    weekly = any(item.repeat == PlanRepeat.WEEKS.value for item in plan)
    if weekly and last_given is None:
        last_given = _last_given(session)
    return rules.due_measures(
        plan,
        number=session.number,
        phases=phases() if kinds is None else kinds,
        final=session.final,
        on=timezone.localdate(session.starts_at),
        started_on=episode.started_on,
        last_given=last_given if weekly else None,
    )


def due_for_session(
    session: Session,
    *,
    last_given: Mapping[str, dt.date] | None = None,
    kinds: Mapping[str, Phase] | None = None,
) -> list[str]:
    """The measures due at this session: fixed in ``session.due`` once it started, else by the
    current plan (``due_now``, which takes the same optional arguments)."""
    if session.due:
        return list(session.due)
    return due_now(session, last_given=last_given, kinds=kinds)


def fix_due(session: Session) -> list[str]:
    """Fix the measures due in ``session.due`` (when the session starts), so a later change of
    plan does not rewrite what was due then. Returns them."""
    due = due_now(session)
    Session.objects.filter(pk=session.pk).update(due=due)
    session.due = due
    return due


def answered_measures(session: Session) -> list[str]:
    """The measures answered in a session by whoever the instrument is for: the client for a
    client form (a clinician's own SRS does not stand in for the client's), the staff for a
    staff form (WAI-SR therapist), and goal ratings for the GBO. Voided responses do not count.
    Reads ``session.responses`` and ``session.goal_ratings`` (prefetch them for many)."""
    given = [(r.instrument, r.rater) for r in session.responses.all()]
    return answered_from(given, goal_rated=any(True for _rating in session.goal_ratings.all()))


def answered_from(responses: Iterable[tuple[str, str]], *, goal_rated: bool) -> list[str]:
    """``answered_measures`` of a session whose responses (instrument, rater; none voided) and
    whether it has a goal rating were read some other way (a report reading many sessions)."""
    instruments = catalogue.instruments()
    answered = []
    for instrument, rater in responses:
        respondents = getattr(instruments.get(instrument), "respondents", ("client",))
        if rater in respondents and (rater == "client" or "client" not in respondents):
            answered.append(instrument)
    if goal_rated:
        answered.append("gbo")
    return answered


def missed_measures(session: Session, answered: Iterable[str] | None = None) -> list[str]:
    """Measures due at an attended session and not answered by the client (voided responses do
    not count): counted in reports as missed measurement, never as a score. ``answered`` are
    the instruments answered (read from the session's responses when not given)."""
    if session.status != SessionStatus.ATTENDED:
        return []
    if answered is None:
        answered = answered_measures(session)
    given = set(answered)
    return [code for code in due_for_session(session) if code not in given]
