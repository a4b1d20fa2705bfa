"""Risk answers reach a person: the care team and the team's supervisors are told by e-mail (and
by text message to those with a mobile number, where the site sends text messages) at once, and
the supervisors again when nobody has acknowledged the alert after
``ALLIANCE["RISK_ESCALATE_AFTER_HOURS"]`` (docs/clinic.md, "Risk answers").

The message carries no clinical detail: no name, no score, no answer; only that a client needs
attention today and a link to the client's page, which asks the reader to sign in. Run by the
background worker (``alliance.feedback.tasks``); this module imports neither the services nor
the tasks, so neither import circle can form.
"""

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance import access, sms
from alliance.accounts.models import User
from alliance.clinical_settings import clinical_settings
from alliance.feedback.models import Alert, AlertState

__all__ = [
    "care_team_and_supervisors",
    "escalate_risk",
    "notify_risk",
    "supervisors",
    "texts_configured",
]

logger = logging.getLogger(__name__)


def _addresses(users: list[User]) -> list[str]:
    return sorted({user.email for user in users if user.email and user.is_active})


def _mobiles(users: list[User]) -> list[str]:
    return sorted({user.mobile for user in users if user.mobile and user.is_active})


def texts_configured() -> bool:
    """Whether the site sends text messages: a backend other than the refusing default."""
    backend = str(settings.ALLIANCE["SMS_BACKEND"])
    return backend.rsplit(".", 1)[-1] != sms.DisabledBackend.__name__


def supervisors(alert: Alert) -> list[User]:
    """The supervisors of the episode's team (``access.alert_supervisors``)."""
    return list(access.alert_supervisors(alert))


def care_team_and_supervisors(alert: Alert) -> list[User]:
    """Everyone told of a risk answer at once (``access.risk_answer_recipients``): the care
    team and the team's supervisors."""
    return access.risk_answer_recipients(alert)


def _link(alert: Alert) -> str:
    base = str(settings.ALLIANCE["SITE_URL"]).rstrip("/")
    return base + reverse("clinic:episode", args=[alert.episode_id])


def _text(alert: Alert, users: list[User]) -> int:
    """A text message to each person's mobile, saying no more than the e-mail does."""
    if not texts_configured():
        return 0
    body = _("Alliance: a client of yours needs attention today. Please sign in: %(link)s") % {
        "link": _link(alert)
    }
    sent = 0
    for number in _mobiles(users):
        try:
            sms.send_text(number, body)
            sent += 1
        except (sms.SmsNotSent, OSError):
            logger.exception("risk text for alert %s to one recipient failed", alert.pk)
    return sent


def _tell(alert: Alert, users: list[User], subject: str) -> int:
    """E-mail everyone with an address, text everyone with a mobile; how many messages went."""
    return _send(alert, _addresses(users), subject) + _text(alert, users)


def _send(alert: Alert, to: list[str], subject: str) -> int:
    if not to:
        return 0
    body = _(
        "A client of yours needs attention today.\n\nPlease sign in to Alliance and open:\n"
        "%(link)s\n\nThis message says nothing more on purpose."
    ) % {"link": _link(alert)}
    # One message per person: no one sees who else was told.
    sent = 0
    for address in to:
        try:
            sent += send_mail(subject, body, None, [address])
        except OSError:
            # The page still shows the alert first; a mail server down must not lose the others.
            logger.exception("risk notification for alert %s to one recipient failed", alert.pk)
    return sent


def _risk_alert(alert_id: int) -> Alert | None:
    return Alert.objects.select_related("episode").filter(pk=alert_id, rule="risk_answer").first()


def notify_risk(alert_id: int) -> int:
    """Tell the care team and the team's supervisors of a new risk answer, once: a second
    call (a retried task) sends nothing. Returns how many messages were sent."""
    claimed = Alert.objects.filter(
        pk=alert_id, rule="risk_answer", notified_at__isnull=True
    ).update(notified_at=timezone.now())
    alert = _risk_alert(alert_id)
    if not claimed or alert is None:
        return 0
    subject = _("A client of yours needs attention today")
    return _tell(alert, care_team_and_supervisors(alert), subject)


def escalate_risk(alert_id: int, now: dt.datetime | None = None) -> int:
    """Tell the team's supervisors again when a risk alert is still open (nobody acknowledged
    it) ``RISK_ESCALATE_AFTER_HOURS`` after the care team was told. Does nothing before then,
    once acknowledged, or when already escalated. Returns how many messages were sent."""
    now = now or timezone.now()
    hours = clinical_settings().risk_escalate_after_hours
    claimed = Alert.objects.filter(
        pk=alert_id,
        rule="risk_answer",
        state=AlertState.OPEN,
        escalated_at__isnull=True,
        notified_at__lte=now - dt.timedelta(hours=hours),
    ).update(escalated_at=now)
    alert = _risk_alert(alert_id)
    if not claimed or alert is None:
        return 0
    subject = _("Still waiting: a client needs attention today")
    return _tell(alert, supervisors(alert), subject)


def escalation_due_at(alert: Alert) -> dt.datetime:
    """When the escalation check of a risk alert should run."""
    told = alert.notified_at or timezone.now()
    return told + dt.timedelta(hours=clinical_settings().risk_escalate_after_hours)
