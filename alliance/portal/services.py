"""Writing for the client portal: invitations made, sent, opened by token or code, and answered.

Secrets are never stored: a link token (``secrets.token_urlsafe(32)``, 256 bits) is kept as its
SHA-256 hash, a kiosk code as an HMAC-SHA-256 keyed with the site's secret key (a six-character
code is guessable offline from a plain hash). Every answer goes through
``measures.services.response_record`` and then ``feedback.ratings.ratings_recorded``, so the
clinician's alerts are current at once.
"""

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable, Mapping, Sequence

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.accounts.models import User
from alliance.brakes.services import Limit, brake_clear, brake_give_back, brake_is_on, brake_take
from alliance.care import hooks
from alliance.care.models import Session, SessionStatus
from alliance.feedback.ratings import ratings_recorded
from alliance.measures import catalogue
from alliance.measures.models import Rater, Response
from alliance.measures.services import response_correct, response_record
from alliance.portal import sms
from alliance.portal.models import Channel, Delivery, Invitation, Purpose, SecretKind
from alliance.portal.selectors import invite_choices

__all__ = [
    "ANSWER_AGAIN",
    "KIOSK_ALPHABET",
    "KIOSK_CODE_LENGTH",
    "AlreadyAnswered",
    "InvitationClosed",
    "InvitationNotFound",
    "TooManyWrongSecrets",
    "address_is_locked",
    "code_display",
    "code_format",
    "code_hash",
    "code_problem",
    "handoff_unlock_limit",
    "invitation_answer",
    "invitation_answered",
    "invitation_by_kiosk_code",
    "invitation_by_token",
    "invitation_create",
    "invitation_next_measure",
    "invitation_send_link",
    "kiosk_is_locked",
    "kiosk_limits",
    "kiosk_unlock",
    "token_hash",
    "whole_setting",
]

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: nothing a tired eye or a shaky finger can mix up.
KIOSK_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
KIOSK_CODE_LENGTH = 6
# The brake on all the kiosks behind one address together (``kiosk_limits``).
KIOSK_ADDRESS = "kiosk-address"
HANDOFF_UNLOCK = "handoff-unlock"
# Scopes the submission key to its invitation, so a made-up key in a form can never match
# someone else's stored response.
_KEY_NAMESPACE = uuid.UUID("6f1d3c1e-52a8-4c55-9a43-2f6c0f1d9b7e")


class InvitationNotFound(Exception):
    """No invitation has this token or code."""


class InvitationClosed(Exception):
    """The invitation exists but is used or expired; ``invitation`` says which."""

    def __init__(self, invitation: Invitation) -> None:
        super().__init__("closed")
        self.invitation = invitation


class TooManyWrongSecrets(Exception):
    """Too many wrong kiosk codes, or unknown link tokens, from this address lately."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def code_format(code: str) -> str:
    """A kiosk code as typed: upper case, no spaces or dashes (``"k7p 3qx"`` -> ``"K7P3QX"``)."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_display(code: str) -> str:
    """A kiosk code as shown to the clinician, in two groups of three (``"K7P 3QX"``)."""
    plain = code_format(code)
    return f"{plain[:3]} {plain[3:]}"


def code_hash(code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, code_format(code).encode(), hashlib.sha256).hexdigest()


def _check_measures(session: Session, measures: Sequence[str]) -> None:
    if not measures:
        raise ValidationError({"measures": _("Choose at least one measure.")})
    for code in measures:
        instrument = catalogue.instrument(code)
        if Rater.CLIENT not in instrument.respondents:
            raise ValidationError(
                {"measures": _("%(measure)s is not answered by clients.") % {"measure": code}}
            )


def _check_about_member(session: Session, about_member: User | None) -> None:
    if (
        about_member is not None
        and not session.episode.care_team.filter(member=about_member).exists()
    ):
        raise ValidationError(
            {"about_member": _("Choose a member of this client's care team, or the whole team.")}
        )


def whole_setting(name: str) -> int:
    """A whole-number key of ``settings.ALLIANCE`` (read by strict helpers in settings.py)."""
    value = settings.ALLIANCE[name]
    if not isinstance(value, int):
        raise ImproperlyConfigured(f"ALLIANCE[{name!r}] must be a whole number; got {value!r}.")
    return value


def _lifetime(channel: str) -> dt.timedelta:
    if channel == Channel.LINK:
        return dt.timedelta(hours=whole_setting("LINK_HOURS"))
    if channel == Channel.KIOSK:
        return dt.timedelta(minutes=whole_setting("KIOSK_MINUTES"))
    return dt.timedelta(minutes=whole_setting("HANDOFF_MINUTES"))


def _new_secret(channel: str, now: dt.datetime) -> tuple[str, str]:
    if channel == Channel.LINK:
        token = secrets.token_urlsafe(32)
        return token, token_hash(token)
    if channel == Channel.TABLET:
        return "", ""
    while True:
        code = "".join(secrets.choice(KIOSK_ALPHABET) for _ in range(KIOSK_CODE_LENGTH))
        hashed = code_hash(code)
        # Two open kiosk invitations must never share a code; old ones may.
        if not _open_kiosk(hashed, now).exists():
            return code, hashed


def _open_kiosk(hashed: str, now: dt.datetime) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        channel=Channel.KIOSK,
        secret_hash=hashed,
        used_at__isnull=True,
        cancelled_at__isnull=True,
        expires_at__gt=now,
    )


@transaction.atomic
def invitation_create(
    *,
    session: Session,
    measures: Sequence[str] | None,
    channel: str,
    created_by: User,
    about_member: User | None = None,
    now: dt.datetime | None = None,
) -> tuple[Invitation, str]:
    """Make an invitation; returns it with its secret (the link token, the kiosk code, or ``""``
    for a tablet). The secret is shown or sent once and never stored. ``measures`` None means
    the measures due at the session that a client answers on a form, in answering order
    (``portal.selectors.invite_choices``)."""
    if channel not in Channel.values:
        raise ValidationError(
            {"channel": _("Choose one of %(allowed)s.") % {"allowed": ", ".join(Channel.values)}}
        )
    if measures is None:
        measures = invite_choices(session).due
    _check_measures(session, measures)
    _check_about_member(session, about_member)
    moment = now or timezone.now()
    secret, hashed = _new_secret(channel, moment)
    invitation = Invitation.objects.create(
        session=session,
        measures=list(measures),
        about_member=about_member,
        channel=channel,
        secret_hash=hashed,
        created_by=created_by,
        created_at=moment,
        expires_at=moment + _lifetime(channel),
    )
    return invitation, secret


def _link_text(template: str, url: str) -> str:
    hours = whole_setting("LINK_HOURS")
    return render_to_string(f"portal/{template}", {"url": url, "hours": hours}).strip() + "\n"


@transaction.atomic
def invitation_send_link(
    *,
    session: Session,
    measures: Sequence[str],
    created_by: User,
    link_for: Callable[[str], str],
    about_member: User | None = None,
) -> Invitation:
    """Make a link invitation and send it: by e-mail when the client has an address, otherwise
    by text message. Only with the client's consent to electronic contact; when it cannot be
    sent, nothing is kept and a ValidationError says why."""
    client = session.episode.client
    if not client.consents_to_electronic_contact:
        raise ValidationError(
            _(
                "This client has not agreed to e-mail or text messages. Hand over the tablet or "
                "make a kiosk code instead."
            )
        )
    if not client.email and not client.phone:
        raise ValidationError(
            _("There is no e-mail address or mobile number for this client. Add one first.")
        )
    invitation, token = invitation_create(
        session=session,
        measures=measures,
        channel=Channel.LINK,
        created_by=created_by,
        about_member=about_member,
    )
    invitation.delivery = _deliver(client.email, client.phone, link_for(token))
    invitation.sent_at = invitation.created_at
    invitation.save(update_fields=["delivery", "sent_at"])
    return invitation


def _deliver(email: str, phone: str, url: str) -> str:
    if email:
        body = _link_text("link_email.txt", url)
        EmailMessage(subject=_("A short form from your clinic"), body=body, to=[email]).send()
        return Delivery.EMAIL
    try:
        sms.send_text(phone, _link_text("link_sms.txt", url))
    except sms.SmsNotSent as error:
        raise ValidationError(str(error)) from None
    return Delivery.SMS


def invitation_by_token(
    token: str, *, address: str | None = None, now: dt.datetime | None = None
) -> Invitation:
    """The open link invitation for this token.

    Raises InvitationNotFound for an unknown token and InvitationClosed for a used or expired
    one. With the client's ``address``, a token that opens nothing is counted before it is
    answered, and once the address has too many unknown tokens within the window both raise
    TooManyWrongSecrets instead. An open link always opens: its 256 bits, not the count, are
    what stop guessing, and a client must not be shut out because others on their network
    mistyped. Without an address (a command) nothing is counted.
    """
    moment = now or timezone.now()
    invitation = (
        Invitation.objects.select_related("session__episode__client")
        .filter(channel=Channel.LINK, secret_hash=token_hash(token))
        .first()
    )
    if invitation is not None and invitation.is_open(moment):
        if invitation.opened_at is None:
            # The first opening only: a later one must not move the time the client first came.
            Invitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(
                opened_at=moment
            )
            invitation.opened_at = moment
        return invitation
    if address is not None:
        ticket = brake_take(_link_limit(address), now=moment)
        if not ticket.allowed:
            raise TooManyWrongSecrets
        if invitation is not None:
            brake_give_back(ticket)  # a real link, used or expired, is no guess
    if invitation is not None:
        raise InvitationClosed(invitation)
    raise InvitationNotFound


def _window(minutes_setting: str) -> dt.timedelta:
    return dt.timedelta(minutes=whole_setting(minutes_setting))


def _link_limit(address: str) -> Limit:
    return Limit(
        SecretKind.LINK, address, whole_setting("LINK_ATTEMPTS"), _window("LINK_WINDOW_MINUTES")
    )


def kiosk_limits(address: str, device: str | None) -> tuple[Limit, ...]:
    """The brakes on kiosk codes: one for the kiosk (its signed device cookie; a browser
    without one shares the brake of its address's other browsers without one), and a looser one
    for every kiosk behind the address together, so one kiosk's typos pause only that kiosk."""
    window = _window("KIOSK_WINDOW_MINUTES")
    kiosk = f"device:{device}" if device else f"address:{address}"
    return (
        Limit(SecretKind.KIOSK, kiosk, whole_setting("KIOSK_ATTEMPTS"), window),
        Limit(KIOSK_ADDRESS, address, whole_setting("KIOSK_ADDRESS_ATTEMPTS"), window),
    )


def address_is_locked(kind: str, address: str, now: dt.datetime | None = None) -> bool:
    """Whether this address sent too many wrong secrets of this kind within the window (for
    the kiosk: from browsers without a kiosk cookie, or from all its kiosks together)."""
    if kind == SecretKind.LINK:
        return brake_is_on(_link_limit(address), now)
    return kiosk_is_locked(address, None, now)


def kiosk_is_locked(
    address: str, device: str | None = None, now: dt.datetime | None = None
) -> bool:
    """Whether the kiosk (or its address) typed too many wrong codes within the window."""
    return any(brake_is_on(limit, now) for limit in kiosk_limits(address, device))


def kiosk_unlock(address: str, device: str | None) -> bool:
    """Lift the pause of this kiosk, and of all the kiosks at its address if they are paused
    together (a member of staff asked); whether one was on."""
    paused = [limit for limit in kiosk_limits(address, device) if brake_is_on(limit)]
    brake_clear(*paused)
    return bool(paused)


def invitation_by_kiosk_code(
    code: str, *, address: str, device: str | None = None, now: dt.datetime | None = None
) -> Invitation:
    """The open kiosk invitation for this code.

    The try is counted first (``kiosk_limits``); raises TooManyWrongSecrets after too many
    wrong codes from this kiosk or this address, without looking the code up;
    InvitationNotFound for a wrong code (which stays counted), InvitationClosed for a code that
    has expired or was used (not counted: someone was given it).
    """
    moment = now or timezone.now()
    ticket = brake_take(*kiosk_limits(address, device), now=moment)
    if not ticket.allowed:
        raise TooManyWrongSecrets
    hashed = code_hash(code)
    found = _open_kiosk(hashed, moment).select_related("session__episode__client").first()
    if found is not None:
        brake_give_back(ticket)
        return found
    closed = Invitation.objects.filter(channel=Channel.KIOSK, secret_hash=hashed).last()
    if closed is not None:
        brake_give_back(ticket)
        raise InvitationClosed(closed)
    raise InvitationNotFound


def handoff_unlock_limit(user_id: int | None, handoff: Mapping[str, object]) -> Limit:
    """The brake on wrong passwords while taking one handed-off tablet back."""
    return Limit(
        HANDOFF_UNLOCK,
        f"{user_id}:{handoff.get('invitation')}",
        whole_setting("HANDOFF_UNLOCK_ATTEMPTS"),
        # Longer than any hand-off: the tablet stays locked until the password or a log-out.
        dt.timedelta(days=1),
    )


def code_problem(code: str) -> str | None:
    """Why typed text cannot be a kiosk code at all (wrong length, a character codes never
    have), or None. Such text is refused without counting as a guess."""
    plain = code_format(code)
    if len(plain) != KIOSK_CODE_LENGTH:
        return _("A code has %(length)s letters and digits, like K7P 3QX; you typed %(typed)s.") % {
            "length": KIOSK_CODE_LENGTH,
            "typed": len(plain),
        }
    if any(ch not in KIOSK_ALPHABET for ch in plain):
        return _(
            "Codes use only these letters and digits: %(allowed)s. Check the code and try again."
        ) % {"allowed": " ".join(KIOSK_ALPHABET)}
    return None


def link_invitations(token: str) -> QuerySet[Invitation]:
    """The link invitation a token opens, found by the token's hash (the audit log records the
    invitation, never the token: ``audit.records``)."""
    return Invitation.objects.filter(channel=Channel.LINK, secret_hash=token_hash(token))


def invitation_answered(invitation: Invitation, *, through_it: bool = False) -> set[str]:
    """The measures answered through the invitation: its responses', or for a baseline link
    (``Purpose.BASELINE``) the episode's baseline's (``voice.Baseline``), whichever link of
    the episode gave it; with ``through_it``, only a baseline this very link gave."""
    if invitation.purpose == Purpose.BASELINE:
        # The client's voice sits above the portal: it registered the reader (care.hooks).
        found = hooks.baselines([invitation.session.episode_id]).first()
        if found is not None and through_it and found.invitation_id != invitation.pk:
            found = None
        return {found.instrument} if found is not None else set()
    return {response.instrument for response in invitation.responses.all()}


def invitation_next_measure(invitation: Invitation) -> str | None:
    """The first measure of the invitation not answered yet, or None when all are."""
    answered = invitation_answered(invitation)
    return next((code for code in invitation.measures if code not in answered), None)


def _stored_key(invitation: Invitation, measure: str, form_key: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(_KEY_NAMESPACE, f"{invitation.pk}:{measure}:{form_key}")


def _earlier_answer(invitation: Invitation, measure: str) -> Response | None:
    return Response.objects.filter(
        session=invitation.session,
        instrument=measure,
        rater=Rater.CLIENT,
        about_member=invitation.about_member,
    ).first()


class AlreadyAnswered(Exception):
    """The client already answered this measure in this session by another route (an earlier
    hand-off, a link, the kiosk): the new answers are not stored until the client chooses to
    answer again (``again="replace"``) or to keep the earlier answers (``again="keep"``)."""

    def __init__(self, response: Response) -> None:
        super().__init__("already answered")
        self.response = response


ANSWER_AGAIN = ("replace", "keep")


def invitation_answer(
    *,
    invitation: Invitation,
    measure: str,
    values: Mapping[str, object],
    form_key: uuid.UUID,
    again: str = "",
) -> Response:
    """Store the client's answers to one measure of an invitation and refresh the alerts.

    Idempotent: a measure already answered through this invitation (a double tap, a retry, a
    reload) returns the stored response, even after the invitation is used; concurrent
    submissions are serialised by a row lock and the submission key. A measure the client
    already answered for this session by another route raises AlreadyAnswered and stores
    nothing, unless ``again`` says what the client chose: ``"replace"`` makes the new answers a
    new version of the earlier response (the earlier version is kept), ``"keep"`` leaves the
    earlier answers as they were. Raises InvitationClosed when the invitation is used or
    expired, ValidationError naming the item and the allowed values for a bad answer (nothing
    is stored then).
    """
    if again and again not in ANSWER_AGAIN:
        raise ValidationError(
            {"again": _("Choose one of %(allowed)s.") % {"allowed": ", ".join(ANSWER_AGAIN)}}
        )
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        answered = locked.responses.filter(instrument=measure).first()
        if answered is not None:
            return answered
        if not locked.is_open():
            raise InvitationClosed(locked)
        if measure not in locked.measures:
            raise ValidationError({"measure": _("This form is not part of the invitation.")})
        response = _answer_or_again(locked, measure, values, form_key, again)
        locked.responses.add(response)
        _mark_attended(locked)
        if invitation_next_measure(locked) is None:
            locked.used_at = timezone.now()
            locked.save(update_fields=["used_at"])
        # After the attendance and the invitation's state, which the rules read.
        ratings_recorded([locked.session.episode])
    return response


def _answer_or_again(
    invitation: Invitation,
    measure: str,
    values: Mapping[str, object],
    form_key: uuid.UUID,
    again: str,
) -> Response:
    earlier = _earlier_answer(invitation, measure)
    if earlier is None:
        return response_record(
            session=invitation.session,
            instrument_code=measure,
            values=values,
            rater=Rater.CLIENT,
            method=invitation.channel,
            idempotency_key=_stored_key(invitation, measure, form_key),
            about_member=invitation.about_member,
        )
    if again == "keep":
        return earlier
    if again == "replace":
        return response_correct(
            response=earlier,
            values=values,
            corrected_by=None,
            reason=_ANSWERED_AGAIN % {"channel": invitation.channel},
            answered_at=timezone.now(),
        )
    raise AlreadyAnswered(earlier)


# Stored in the version's reason (not translated: it is a record, read by staff).
_ANSWERED_AGAIN = "answered again by the client (%(channel)s)"


def _mark_attended(invitation: Invitation) -> None:
    # A client answering on the clinic's tablet or kiosk is in the clinic: a session still
    # marked "scheduled" was attended (alerts only read attended, cancelled or missed sessions).
    # A link may be answered from home before the session, so it says nothing about attendance.
    if invitation.channel in (Channel.TABLET, Channel.KIOSK):
        Session.objects.filter(pk=invitation.session_id, status=SessionStatus.SCHEDULED).update(
            status=SessionStatus.ATTENDED
        )
