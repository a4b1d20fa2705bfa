"""Reminders and links ahead of the session (issue 11, point 5; docs/portal.md, "Reminders").

A booked session plans at most three messages, each an ``Invitation`` by link with a purpose and
a time to send:

- the **reminder**, ``ALLIANCE["REMINDER_BEFORE"]`` ahead of the appointment, with the link to
  the measures due at the start of the session;
- the link to the **alliance measure** right after a **video** session;
- and, for the episode's **first** session only, the **baseline** (issue 19, point 5): the
  episode's outcome measure, sent as soon as the session is booked, whose answer is the
  episode's ``voice.Baseline`` (change before treatment), never session 1's. One per episode,
  ever: re-booking, moving or cancelling the first appointment sends no second one, and none
  goes once it is answered.

``schedule_for_session(session)`` makes, moves or cancels them to match the session as it is
now; the booking services call it after booking, rescheduling or cancelling, any number of
times. Each planned message is sent by the worker (``manage.py db_worker``) through a task
deferred to its time; ``send_due()`` sends whatever is due and not sent (the same work, for a
worker that was down or a cron job). A message is claimed by one conditional update before it
is sent, so a re-run task or two workers send it exactly once.

Nothing clinical is in a message: the clinic's name, the appointment's date, time and kind
(in person, video, phone) and a link to "a short form"; never a measure, a team or a clinician.
"""

import datetime as dt
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formataddr, parseaddr
from functools import partial
from smtplib import SMTPException

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from alliance.accounts.language import offered
from alliance.accounts.models import User
from alliance.care import hooks
from alliance.care.models import Client, Episode, Session, SessionMode, SessionStatus
from alliance.care.plans import due_for_session, phases
from alliance.formats import local
from alliance.measures import catalogue
from alliance.measures.models import Rater
from alliance.portal import sms
from alliance.portal.models import Channel, Delivery, Invitation, Purpose
from alliance.portal.services import token_hash, whole_setting

__all__ = [
    "EVENING_HOUR",
    "baseline_measures",
    "channel_for",
    "episode_messages_plan",
    "invitation_cancel",
    "invitation_resend",
    "links_for_session",
    "measures_after",
    "measures_before",
    "reminder_time",
    "schedule_for_session",
    "send_due",
    "send_planned",
]

logger = logging.getLogger(__name__)

EVENING_HOUR = 18
"""The hour of "the evening before" (``ALLIANCE_REMINDER_BEFORE=evening``), site time."""
BEFORE = (Purpose.REMINDER,)


def reminder_time(starts_at: dt.datetime) -> dt.datetime:
    """When the reminder of a session starting at ``starts_at`` goes out."""
    before = settings.ALLIANCE["REMINDER_BEFORE"]
    if before == "evening":
        day = timezone.localtime(starts_at).date() - dt.timedelta(days=1)
        return timezone.make_aware(dt.datetime.combine(day, dt.time(EVENING_HOUR)))
    return starts_at - dt.timedelta(hours=int(before))


def _by_link(code: str) -> bool:
    # A client's own form only; goal ratings (GBO) are made with the clinician, not by link.
    instrument = catalogue.instruments().get(code)
    return (
        instrument is not None
        and Rater.CLIENT in instrument.respondents
        and instrument.kind != "goal"
    )


def measures_before(session: Session) -> list[str]:
    """The measures due at the start of the session that a client answers by link."""
    where = phases()
    return [c for c in due_for_session(session) if where.get(c) == "start" and _by_link(c)]


def measures_after(session: Session) -> list[str]:
    """The alliance measures due at the end of the session that a client answers by link."""
    where = phases()
    return [c for c in due_for_session(session) if where.get(c) == "end" and _by_link(c)]


def baseline_measures(episode: Episode) -> list[str]:
    """The measure of the baseline link: the episode's outcome measure when a client answers
    it by link and it has no risk item. A risk answer given at home days or weeks before
    anyone sees the client, on no session an alert could name, would reach no one in time, so
    a measure with one (PHQ-9 item 9) gets no baseline: its first score is session 1's."""
    code = episode.outcome_measure
    instrument = catalogue.instruments().get(code)
    if instrument is None or instrument.kind != "outcome" or not _by_link(code):
        return []
    if any(item.risk_above is not None for item in instrument.items):
        return []
    return [code]


def channel_for(client: Client) -> str:
    """How to reach the client: e-mail when they agreed to it and have an address, else a text
    message likewise; ``""`` when neither."""
    if client.consents_to_email and client.email:
        return Delivery.EMAIL
    if client.consents_to_sms and client.phone:
        return Delivery.SMS
    return Delivery.NONE


@dataclass(frozen=True)
class _Wanted:
    purpose: str
    send_at: dt.datetime
    measures: list[str]


def _session_end(session: Session) -> dt.datetime:
    return session.starts_at + dt.timedelta(minutes=session.duration_minutes)


def _wanted(session: Session, now: dt.datetime) -> dict[str, _Wanted]:
    """The messages this session should have planned now, by slot ("before", "after")."""
    if not channel_for(session.episode.client):
        return {}
    wanted: dict[str, _Wanted] = {}
    if session.status == SessionStatus.SCHEDULED and session.starts_at > now:
        send_at = reminder_time(session.starts_at)
        wanted["before"] = _Wanted(Purpose.REMINDER, send_at, measures_before(session))
        baseline = baseline_measures(session.episode)
        # At booking, and only while the first session's own form is still to come: a baseline
        # answered within the hour of the reminder would measure no change before treatment.
        if session.number == 1 and send_at > now and baseline:
            wanted["baseline"] = _Wanted(Purpose.BASELINE, now, baseline)
    after = measures_after(session)
    link_life = dt.timedelta(hours=whole_setting("LINK_HOURS"))
    if (
        session.mode == SessionMode.VIDEO
        and session.status in (SessionStatus.SCHEDULED, SessionStatus.ATTENDED)
        and after
        and _session_end(session) + link_life > now
    ):
        wanted["after"] = _Wanted(Purpose.AFTER_VIDEO, _session_end(session), after)
    return wanted


def _slot(purpose: str) -> str:
    if purpose == Purpose.BASELINE:
        return "baseline"
    return "before" if purpose in BEFORE else "after"


def _plan(session: Session, wanted: _Wanted, now: dt.datetime) -> Invitation:
    # Nobody holds this token: a planned message opens nothing until it is sent with a new one.
    placeholder = token_hash(secrets.token_urlsafe(32))
    return Invitation.objects.create(
        session=session,
        measures=wanted.measures,
        channel=Channel.LINK,
        purpose=wanted.purpose,
        send_at=wanted.send_at,
        secret_hash=placeholder,
        created_by=None,
        created_at=now,
        expires_at=max(wanted.send_at, now) + dt.timedelta(hours=whole_setting("LINK_HOURS")),
    )


def _enqueue(invitation_id: int, send_at: dt.datetime | None) -> None:
    from alliance.portal import tasks

    task = tasks.send_planned_invitation
    # A planned link always has a time (constraint invitation_planned_is_a_link).
    deferred = send_at is not None and send_at > timezone.now()
    if task.get_backend().supports_defer and deferred:
        task.using(run_after=send_at).enqueue(invitation_id)
    else:
        task.enqueue(invitation_id)


def episode_messages_plan(episode: Episode) -> None:
    """``schedule_for_session`` for each session of the episode it may concern: every booked
    session still to come, and every session with a message still to be sent (a cancelled
    one's are cancelled). Care's booking services call it once their change is committed
    (``care.hooks.episode_messages_plan``, registered in ``PortalConfig.ready``). Each session
    is planned in a transaction of its own, so no lock is held on all of them at once."""
    waiting = Invitation.objects.filter(
        session__episode_id=episode.pk, sent_at__isnull=True, cancelled_at__isnull=True
    ).values("session_id")
    ahead = Session.objects.filter(episode_id=episode.pk).filter(
        Q(status=SessionStatus.SCHEDULED, starts_at__gte=timezone.now() - dt.timedelta(days=1))
        | Q(pk__in=waiting)
    )
    for session in ahead.order_by("starts_at", "pk"):
        with transaction.atomic():
            schedule_for_session(session)


@transaction.atomic
def schedule_for_session(session: Session, *, now: dt.datetime | None = None) -> list[Invitation]:
    """Plan, move or cancel the session's reminder and after-video link to match the session
    as it is now (its time, status, mode, the measures due, the client's consent). Safe to call
    any number of times: a message already planned as wanted is left as it is, and one already
    sent is never sent again for the same appointment. Returns the messages still planned."""
    moment = now or timezone.now()
    locked = (
        Session.objects.select_for_update(of=("self",))
        .select_related("episode__client")
        .get(pk=session.pk)
    )
    wanted = _wanted(locked, moment)
    planned = Invitation.objects.filter(
        session=locked, sent_at__isnull=True, cancelled_at__isnull=True
    ).exclude(purpose=Purpose.BY_HAND)
    kept: list[Invitation] = []
    for invitation in planned:
        want = wanted.pop(_slot(invitation.purpose), None)
        if invitation.purpose == Purpose.BASELINE and baseline_settled(locked.episode_id):
            want = None  # answered, or sent by another link of the episode meanwhile
        if want is None:
            invitation.cancelled_at = moment
            invitation.save(update_fields=["cancelled_at"])
            continue
        if invitation.purpose == Purpose.BASELINE:
            # Planned to go at booking: a later call must not keep moving it to "now".
            want = _Wanted(want.purpose, invitation.send_at or moment, want.measures)
        kept.append(_update(invitation, want, moment))
    for slot, want in wanted.items():
        if not _settled(locked, slot, want):
            kept.append(_plan(locked, want, moment))
    for invitation in kept:
        transaction.on_commit(partial(_enqueue, invitation.pk, invitation.send_at))
    return kept


def _settled(session: Session, slot: str, want: _Wanted) -> bool:
    """Whether this message, for this very time, was already sent, cancelled by a clinician,
    or tried and not sent: it is not planned again (a new appointment time gets a new one)."""
    done = Q(sent_at__isnull=False) | Q(cancelled_by__isnull=False) | ~Q(not_sent_reason="")
    if slot == "baseline":
        return baseline_settled(session.episode_id)
    purposes = BEFORE if slot == "before" else (Purpose.AFTER_VIDEO,)
    return (
        Invitation.objects.filter(session=session, purpose__in=purposes, send_at=want.send_at)
        .filter(done)
        .exists()
    )


def baseline_settled(episode_id: int) -> bool:
    """Whether the episode's baseline is answered, or its link was ever sent, cancelled by a
    clinician or tried and not sent, for any session: then no baseline is planned again, so a
    first appointment re-booked, moved or cancelled never brings a second one."""
    done = Q(sent_at__isnull=False) | Q(cancelled_by__isnull=False) | ~Q(not_sent_reason="")
    return (
        _has_baseline(episode_id)
        or Invitation.objects.filter(session__episode_id=episode_id, purpose=Purpose.BASELINE)
        .filter(done)
        .exists()
    )


def _update(invitation: Invitation, want: _Wanted, now: dt.datetime) -> Invitation:
    if (invitation.purpose, invitation.send_at, invitation.measures) != (
        want.purpose,
        want.send_at,
        want.measures,
    ):
        invitation.purpose = want.purpose
        invitation.send_at = want.send_at
        invitation.measures = want.measures
        invitation.expires_at = max(want.send_at, now) + dt.timedelta(
            hours=whole_setting("LINK_HOURS")
        )
        invitation.save(update_fields=["purpose", "send_at", "measures", "expires_at"])
    return invitation


def _why_not(invitation: Invitation, now: dt.datetime) -> str:
    """Why a planned message must not go now (the session changed since it was planned, the
    client withdrew consent), or ``""``."""
    session = invitation.session
    if invitation.purpose == Purpose.BASELINE:
        problem = _baseline_why_not(invitation, now)
        if problem:
            return problem
    elif invitation.purpose in BEFORE:
        if session.status != SessionStatus.SCHEDULED:
            return _("The session is no longer booked.")
        if session.starts_at <= now:
            return _("The session had started before the reminder could be sent.")
    elif session.status not in (SessionStatus.SCHEDULED, SessionStatus.ATTENDED):
        return _("The session did not take place.")
    if not channel_for(session.episode.client):
        return _("The client has not agreed to e-mail or text messages, or has no address.")
    return ""


def _baseline_why_not(invitation: Invitation, now: dt.datetime) -> str:
    session = invitation.session
    # Two baselines of one episode (an old first session's and a new one's) take turns here.
    Episode.objects.select_for_update().filter(pk=session.episode_id).first()
    if session.status != SessionStatus.SCHEDULED or session.number != 1:
        return _("The session is no longer the first one booked.")
    if session.starts_at <= now:
        return _("The session had started before the form could be sent.")
    others = (
        Invitation.objects.filter(session__episode_id=session.episode_id, purpose=Purpose.BASELINE)
        .exclude(pk=invitation.pk)
        .filter(Q(sent_at__isnull=False) | Q(cancelled_by__isnull=False))
    )
    if _has_baseline(session.episode_id) or others.exists():
        return _("The form before treatment was already sent or answered.")
    return ""


def _has_baseline(episode_id: int) -> bool:
    # The client's voice sits above the portal: it registered the reader (care.hooks).
    return hooks.baselines([episode_id]).exists()


def send_planned(invitation_id: int, *, now: dt.datetime | None = None) -> bool:
    """Send one planned message if it is due and not sent or cancelled; whether it was sent
    now. The conditional update that claims it lets one caller through: a second worker, or
    the same task run again, finds it sent. When the e-mail or text cannot go, nothing of the
    attempt is kept and the message is marked not sent, with the reason, for the session page
    (where a clinician can send it again)."""
    moment = now or timezone.now()
    try:
        with transaction.atomic():
            claimed = Invitation.objects.filter(
                pk=invitation_id,
                sent_at__isnull=True,
                cancelled_at__isnull=True,
                send_at__lte=moment,
            ).update(sent_at=moment)
            if not claimed:
                return False
            invitation = Invitation.objects.select_related(
                "session__episode__client__organisation"
            ).get(pk=invitation_id)
            problem = _why_not(invitation, moment)
            if problem:
                _not_sent(invitation, moment, problem)
                return False
            deliver(invitation, moment)
    except (sms.SmsNotSent, SMTPException, OSError) as error:
        logger.warning("Planned invitation %s not sent: %s", invitation_id, error)
        Invitation.objects.filter(
            pk=invitation_id, sent_at__isnull=True, cancelled_at__isnull=True
        ).update(cancelled_at=moment, not_sent_reason=str(error)[:300] or _("Not sent."))
        return False
    return True


def _not_sent(invitation: Invitation, now: dt.datetime, reason: str) -> None:
    invitation.sent_at = None
    invitation.cancelled_at = now
    invitation.not_sent_reason = reason
    invitation.save(update_fields=["sent_at", "cancelled_at", "not_sent_reason"])


def deliver(invitation: Invitation, now: dt.datetime) -> None:
    """Give the invitation a new token and send the message by the client's channel; the
    caller holds the transaction (an error leaves nothing changed)."""
    token = secrets.token_urlsafe(32)
    invitation.secret_hash = token_hash(token)
    invitation.sent_at = now
    invitation.expires_at = now + dt.timedelta(hours=whole_setting("LINK_HOURS"))
    if invitation.purpose == Purpose.BASELINE:
        # Before treatment means before the first session: the link closes when it starts.
        invitation.expires_at = min(invitation.expires_at, invitation.session.starts_at)
    url = _absolute(reverse("portal:link", args=[token])) if invitation.measures else ""
    client = invitation.session.episode.client
    invitation.delivery = channel_for(client)
    with translation.override(_language(client)):
        if invitation.delivery == Delivery.EMAIL:
            _email(invitation, url)
        else:
            _text(invitation, url)
    invitation.save(update_fields=["secret_hash", "sent_at", "expires_at", "delivery"])


def _absolute(path: str) -> str:
    return str(settings.ALLIANCE["SITE_URL"]).rstrip("/") + path


def _language(client: Client) -> str:
    """The client's preferred language as the portal's own pages read it (``nl-BE`` is Dutch),
    else the site's."""
    return offered(client.preferred_language) or settings.LANGUAGE_CODE


def _context(invitation: Invitation, url: str) -> dict[str, object]:
    session = invitation.session
    starts = timezone.localtime(session.starts_at)
    return {
        "clinic": session.episode.client.organisation.name,
        "date": local(starts, "LONG_WEEKDAY_DATE_FORMAT"),
        "time": formats.time_format(starts),
        "mode": session.mode,
        "url": url,
        "hours": whole_setting("LINK_HOURS"),
        "after_video": invitation.purpose == Purpose.AFTER_VIDEO,
        "baseline": invitation.purpose == Purpose.BASELINE,
    }


def _email(invitation: Invitation, url: str) -> None:
    context = _context(invitation, url)
    body = render_to_string("portal/reminder_email.txt", context).strip() + "\n"
    if context["after_video"]:
        subject = _("A short form after your session with %(clinic)s") % context
    elif context["baseline"]:
        subject = _("Your first appointment with %(clinic)s") % context
    else:
        subject = _("Your appointment with %(clinic)s on %(date)s") % context
    sender = formataddr((str(context["clinic"]), parseaddr(settings.DEFAULT_FROM_EMAIL)[1]))
    client = invitation.session.episode.client
    EmailMessage(subject=subject, body=body, from_email=sender, to=[client.email]).send()


def _text(invitation: Invitation, url: str) -> None:
    context = _context(invitation, url)
    body = " ".join(render_to_string("portal/reminder_sms.txt", context).split())
    client = invitation.session.episode.client
    sms.send_text(client.phone, body, sender=str(context["clinic"]))


def send_due(*, now: dt.datetime | None = None) -> int:
    """Send every planned message that is due and not sent (for a worker that was down, or a
    cron job: ``manage.py send_reminders``); how many went."""
    moment = now or timezone.now()
    due = Invitation.objects.filter(
        send_at__lte=moment, sent_at__isnull=True, cancelled_at__isnull=True
    ).values_list("pk", flat=True)
    return sum(send_planned(pk, now=moment) for pk in list(due))


# The session page: links outstanding, resent or cancelled by the care team.

RESENDABLE = ("planned", "sent", "opened", "expired", "cancelled", "not_sent")


def links_for_session(session: Session) -> list[Invitation]:
    """The session's links (sent by hand or planned), newest first, in one query."""
    return list(
        Invitation.objects.filter(session=session, channel=Channel.LINK)
        .select_related("created_by", "cancelled_by")
        .order_by("-created_at", "-pk")
    )


@transaction.atomic
def invitation_cancel(*, invitation: Invitation, by: User, now: dt.datetime | None = None) -> bool:
    """Cancel a link that is planned or still open, so it is not sent or no longer opens;
    whether it was cancelled now (a second tap, or a link already answered, changes nothing).
    The caller checks ``by`` is on the care team (``access``)."""
    moment = now or timezone.now()
    return bool(
        Invitation.objects.filter(
            pk=invitation.pk, channel=Channel.LINK, used_at__isnull=True, cancelled_at__isnull=True
        ).update(cancelled_at=moment, cancelled_by=by)
    )


def invitation_resend(
    *, invitation: Invitation, by: User, link_for: Callable[[str], str] | None = None
) -> Invitation:
    """Send a link again, now: a new invitation for the same measures with a new token (the
    old token was never stored), by the client's channel; the old one, if still open or
    planned, is cancelled so one link is live. Refused (ValidationError, nothing changed) for a
    link already answered and for a client who cannot be reached. The caller checks ``by`` is on
    the care team."""
    moment = timezone.now()
    with transaction.atomic():
        old = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if old.channel != Channel.LINK or old.state(moment) not in RESENDABLE:
            raise ValidationError(
                {"invitation": _("This form was already answered; there is nothing to resend.")}
            )
        session = Session.objects.select_related("episode__client__organisation").get(
            pk=old.session_id
        )
        client = session.episode.client
        if old.purpose == Purpose.BY_HAND:
            return _resend_by_hand(old, session, by, link_for)
        if old.purpose == Purpose.BASELINE and (
            _has_baseline(session.episode_id) or _first_session_begun(session.episode_id, moment)
        ):
            raise ValidationError(
                {
                    "invitation": _(
                        "The form before treatment was already answered, or the first session "
                        "has begun; there is nothing to resend."
                    )
                }
            )
        if not channel_for(client):
            raise ValidationError(
                {
                    "invitation": _(
                        "This client has not agreed to e-mail or text messages, or has no "
                        "address or number. Hand over the tablet or make a kiosk code instead."
                    )
                }
            )
        invitation_cancel(invitation=old, by=by, now=moment)
        fresh = Invitation.objects.create(
            session=session,
            measures=old.measures,
            about_member=old.about_member,
            channel=Channel.LINK,
            purpose=old.purpose,
            send_at=moment,
            sent_at=moment,
            secret_hash=token_hash(secrets.token_urlsafe(32)),
            created_by=by,
            created_at=moment,
            expires_at=moment + dt.timedelta(hours=whole_setting("LINK_HOURS")),
        )
        try:
            deliver(fresh, moment)
        except (sms.SmsNotSent, SMTPException, OSError) as error:
            transaction.set_rollback(True)
            raise ValidationError({"invitation": str(error) or _("Not sent.")}) from None
    return fresh


def _first_session_begun(episode_id: int, now: dt.datetime) -> bool:
    return Session.objects.filter(
        episode_id=episode_id, number__isnull=False, starts_at__lte=now
    ).exists()


def _resend_by_hand(
    old: Invitation, session: Session, by: User, link_for: Callable[[str], str] | None
) -> Invitation:
    from alliance.portal.services import invitation_send_link

    invitation_cancel(invitation=old, by=by)
    return invitation_send_link(
        session=session,
        measures=old.measures,
        created_by=by,
        about_member=old.about_member,
        link_for=link_for or (lambda token: _absolute(reverse("portal:link", args=[token]))),
    )
